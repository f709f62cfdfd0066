"""Markdown reference of the ``rpsync`` command line, read from the Typer application itself.

Every command (sub-commands of ``rpsync pohoda`` / ``rpsync sandbox``
included): its usage line, its help text, its arguments and options (type,
default, help) and its exit codes — from ``engine/cli/exit_codes.py``, or the
``Exit codes: …`` sentence of the command module's docstring when the
registry has no entry.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from enum import Enum

import typer

from engine.docs.schema_reference import code, md


class MissingExitCodes(Exception):
    """A command states its exit codes nowhere (add it to engine/cli/exit_codes.py)."""


def commands() -> list[tuple[str, object]]:
    """``(name as typed, command)`` of every command (the Typer app's click commands), sorted."""
    from engine.cli import app

    root = typer.main.get_command(app)
    out: list[tuple[str, object]] = []

    def walk(group, prefix: str) -> None:
        for name in sorted(group.commands):
            cmd = group.commands[name]
            full = f"{prefix} {name}".strip()
            if hasattr(cmd, "commands"):  # a group (rpsync pohoda …, rpsync sandbox …)
                walk(cmd, full)
            else:
                out.append((full, cmd))

    walk(root, "")
    return out


def exit_codes_of(name: str, cmd) -> dict[int, str] | str:
    """The registry's codes, else the module docstring's ``Exit codes: …`` sentence (text)."""
    from engine.cli.exit_codes import EXIT_CODES

    if name in EXIT_CODES:
        return EXIT_CODES[name]
    callback = getattr(cmd, "callback", None)
    module = sys.modules.get(getattr(callback, "__module__", "") or "")
    for doc in (inspect.getdoc(callback) if callback else None, inspect.getdoc(module) if module else None):
        if doc:
            m = re.search(r"Exit codes?:\s*(.+?)(?:\n\s*\n|$)", doc, re.S)
            if m:
                return " ".join(m.group(1).split())
    raise MissingExitCodes(f"rpsync {name} states no exit codes: add it to engine/cli/exit_codes.py")


def _help(cmd) -> str:
    """The command's help without its ``Exit codes`` paragraph (the manual prints them as a table)."""
    text = inspect.cleandoc(cmd.help or "")
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if not p.strip().startswith("Exit codes")]
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _param_rows(cmd) -> list[str]:
    rows = []
    for param in cmd.params:
        if param.name in ("help",) or getattr(param, "hidden", False):
            continue
        if _is_argument(param):
            name = (param.metavar or param.name).upper() + ("…" if param.nargs == -1 else "")
            kind = "argument"
        else:
            name = ", ".join(param.opts + list(param.secondary_opts))
            kind = "flag" if getattr(param, "is_flag", False) else "option"
        type_name = _type_name(param)
        default = _default(param)
        text = md(getattr(param, "help", None) or "")
        if param.required:
            default = "required"
        rows.append(f"| {code(name)} | {kind} | {type_name} | {default} | {text} |")
    return rows


def _annotation(param):
    """The parameter's Python type (typer ≥ 0.20 keeps it as ``type_descriptor``; click's ``type`` before)."""
    descriptor = getattr(param, "type_descriptor", None)
    ann = getattr(descriptor, "annotation", None)
    while typing.get_origin(ann) in (typing.Union, types.UnionType, list, tuple):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        ann = args[0] if args else None
    return ann


def _type_name(param) -> str:
    if getattr(param, "is_flag", False):
        return "—"
    ann = _annotation(param)
    choices = [m.value for m in ann] if isinstance(ann, type) and issubclass(ann, Enum) else \
        getattr(getattr(param, "type", None), "choices", None)
    if choices:
        return " \\| ".join(code(c) for c in choices)
    if ann is None:
        ann_name = str(getattr(getattr(param, "type", None), "name", "text")).lower()
    else:
        ann_name = getattr(ann, "__name__", str(ann)).lower()
    return {"str": "text", "text": "text", "int": "whole number", "integer": "whole number", "float": "number",
            "path": "path", "bool": "boolean", "boolean": "boolean"}.get(ann_name, ann_name)


def _default(param) -> str:
    value = param.default
    if callable(value) or value is None or value == () or value == []:
        return ""
    if hasattr(value, "value"):  # an Enum choice
        value = value.value
    if isinstance(value, bool):
        return "on" if value else "off"
    return code(value)


def _is_argument(param) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _usage(name: str, cmd) -> str:
    parts = [f"rpsync {name}"]
    if any(not _is_argument(p) for p in cmd.params):
        parts.append("[OPTIONS]")
    for p in cmd.params:
        if _is_argument(p):
            word = (p.metavar or p.name).upper() + ("..." if p.nargs == -1 else "")
            parts.append(word if p.required else f"[{word}]")
    return " ".join(parts)


def render() -> str:
    out = ["Every command of `rpsync`, read from the command line's own definition. `rpsync COMMAND --help` "
           "shows the same, exit codes included.", "",
           "| command | what it does |", "|---|---|"]
    listed = commands()
    for name, cmd in listed:
        first = _help(cmd).split("\n", 1)[0]
        out.append(f"| [{code('rpsync ' + name)}](#{_anchor(name)}) | {md(first)} |")
    out.append("")
    out.append("Every command also exits with 2 when the command line itself is wrong (an unknown option, a "
               "missing argument).")
    out.append("")
    for name, cmd in listed:
        out += [f"## rpsync {name}", "", "```", _usage(name, cmd), "```", ""]
        help_text = _help(cmd)
        if help_text:
            out += [help_text, ""]
        rows = _param_rows(cmd)
        if rows:
            out += ["| argument / option | kind | type | default | meaning |", "|---|---|---|---|---|", *rows, ""]
        codes = exit_codes_of(name, cmd)
        out += ["Exit codes:", ""]
        if isinstance(codes, dict):
            out += ["| code | meaning |", "|---|---|"]
            out += [f"| {number} | {md(text)} |" for number, text in sorted(codes.items())]
        else:
            out.append(md(codes))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _anchor(name: str) -> str:
    return "rpsync-" + name.replace(" ", "-")
