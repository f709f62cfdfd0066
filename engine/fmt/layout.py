"""Write a YAML tree in rpsync's canonical layout, with its comments.

- maps in block style, two spaces per level; keys in the schema's order
  (see :mod:`engine.fmt.schema_order`), other keys as written;
- lists of maps in block style (``- key: …``, the dash two spaces in);
  lists of plain values in flow style (``[a, b]``) when they hold no
  comments and fit in :data:`WIDTH` columns (a list of maps only when it was
  written so: ``[{a: 1}]``);
- a map written in flow style (``{a: 1}``) stays so when it holds only plain
  values, no comments, and fits; an empty map is ``{}``, an empty list ``[]``;
- expressions in single quotes (``'status == "E_WIN"'``), or as the block
  scalar they were written as; other text plain when YAML reads it back as
  the same text (and it has no quotes, brackets, braces or ``#``), else in
  single quotes, else double quotes with escapes; numbers as written;
  ``null``, ``true``, ``false`` in lower case;
- comments as written, indented like the key or item they belong to;
  end-of-line comments at their column (at least two spaces after the value);
  at most one blank line in a row; one newline at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode

from engine.fmt.comments import BLANK, Comments, Slot
from engine.fmt.schema_order import SchemaWalker, ordered_keys
from engine.mapping.loader import YamlMap, YamlNode, YamlScalar, YamlSeq

WIDTH = 120
INDENT = 2

_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_NEVER_PLAIN = set("[]{}#`")
#: words YAML 1.1 tools read as booleans; kept in quotes for them
_YAML11_BOOLS = {"y", "n", "yes", "no", "on", "off"}


@lru_cache(maxsize=4096)
def _resolves_to_text(text: str) -> bool:
    tag = YAML(typ="safe").resolver.resolve(ScalarNode, text, (True, False))
    if tag == _TIMESTAMP_TAG:  # dates stay plain (2025-03-14); the loader reads them as text
        return True
    if text[0] in "0123456789+." or text.lower() in _YAML11_BOOLS:
        return False  # looks like a number (+420 …, 1.0.3, 08:00) or a YAML 1.1 boolean: quoted for people and tools
    return tag == _STR_TAG


def plain_ok(text: str, *, flow: bool = False) -> bool:
    """Whether ``text`` can be written without quotes and read back as the same text."""
    if not text or text != text.strip() or not text.isprintable():
        return False
    if text[0] in _INDICATORS or any(c in _NEVER_PLAIN for c in text):
        return False
    if ": " in text or text.endswith(":") or " #" in text:
        return False
    if flow and any(c in text for c in ",:?"):
        return False
    return _resolves_to_text(text)


def single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def double_quoted(text: str) -> str:
    """Double quotes; every character that does not show (controls, tabs, line breaks …) as an escape."""
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif c.isprintable() or c == " ":
            out.append(c)
        elif ord(c) <= 0xFF:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def text_scalar(text: str, *, expression: bool = False, flow: bool = False) -> str:
    """One-line form of a text value."""
    printable = text.isprintable()  # tabs and line breaks are written as escapes, so that they show
    if expression and printable:
        return single_quoted(text)
    if plain_ok(text, flow=flow):
        return text
    if printable:
        return single_quoted(text)
    return double_quoted(text)


@dataclass
class Block:
    """A block scalar: its header (``|``, ``|-``, ``>`` …) and its lines, not yet indented."""

    header: str
    lines: list[str]


class Layout:
    def __init__(self, text: str, root: YamlMap, comments: Comments, walker: SchemaWalker) -> None:
        self.text = text
        self.root = root
        self.comments = comments
        self.walker = walker
        self.starts = [0]
        for line in text.split("\n")[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    # ---------------------------------------------------------------------------------------- document
    def render(self) -> str:
        out: list[str] = [line for line in self.comments.header]
        body = self.map_lines(self.root, 0, self.walker.schema, top=True)
        if out and out[-1] == BLANK and body and body[0] == BLANK:
            body = body[1:]
        out += body
        out = _collapse(out)
        while out and out[-1] == BLANK:
            out.pop()
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------------------------------- blocks
    def map_lines(self, node: YamlMap, indent: int, schema: dict | None, *, top: bool = False) -> list[str]:
        out: list[str] = []
        keys = ordered_keys(list(node.entries), self.walker.key_order(schema))
        for n, key in enumerate(keys):
            entry = node.entries[key]
            slot = self.comments.slot(node, key)
            lead = _lead(slot.lead, first=n == 0 and not top)
            out += [_indent(line, indent) for line in lead]
            out += self.entry_lines(self.key_text(entry.key_value, key) + ":", entry.node, indent,
                                    self.walker.child(schema, key), slot)
        out += self.trail_lines(node, indent)
        return out

    def seq_lines(self, node: YamlSeq, indent: int, schema: dict | None) -> list[str]:
        out: list[str] = []
        for n, item in enumerate(node.items):
            slot = self.comments.slot(node, n)
            out += [_indent(line, indent) for line in _lead(slot.lead, first=n == 0)]
            out += self.entry_lines("-", item, indent, self.walker.child(schema, n), slot)
        out += self.trail_lines(node, indent)
        return out

    def trail_lines(self, node: YamlNode, indent: int) -> list[str]:
        trail = list(self.comments.trails.get(id(node), ()))
        while trail and trail[-1] == BLANK:
            trail.pop()
        return [_indent(line, indent) for line in trail]

    def entry_lines(self, prefix: str, node: YamlNode, indent: int, schema: dict | None, slot: Slot) -> list[str]:
        pad = " " * indent
        if isinstance(node, YamlScalar):
            value = self.scalar(node, schema)
            if isinstance(value, Block):
                head = _with_eol(f"{pad}{prefix} {value.header}", slot, indent)
                return [head] + [(" " * (indent + INDENT) + line) if line else BLANK for line in value.lines]
            return [_with_eol(f"{pad}{prefix} {value}", slot, indent)]
        if isinstance(node, YamlMap):
            if not node.entries:
                return [_with_eol(f"{pad}{prefix} {{}}", slot, indent)]
            flow = self.flow_map(node, schema)
            if flow is not None and len(pad) + len(prefix) + 1 + len(flow) <= WIDTH:
                return [_with_eol(f"{pad}{prefix} {flow}", slot, indent)]
            if prefix == "-":
                return self.item_map_lines(node, indent, schema, slot)
            return [_with_eol(f"{pad}{prefix}", slot, indent)] + self.map_lines(node, indent + INDENT, schema)
        if isinstance(node, YamlSeq):
            if not node.items:
                return [_with_eol(f"{pad}{prefix} []", slot, indent)]
            flow = self.flow_seq(node, schema)
            if flow is not None and len(pad) + len(prefix) + 1 + len(flow) <= WIDTH:
                return [_with_eol(f"{pad}{prefix} {flow}", slot, indent)]
            return [_with_eol(f"{pad}{prefix}", slot, indent)] + self.seq_lines(node, indent + INDENT, schema)
        raise TypeError(f"unexpected node {node!r}")  # pragma: no cover

    def item_map_lines(self, node: YamlMap, indent: int, schema: dict | None, slot: Slot) -> list[str]:
        """A map as a list item: its first key on the dash's line (comments before it go above the dash)."""
        lines = self.map_lines(node, indent + INDENT, schema)
        inner = " " * (indent + INDENT)
        first = next(i for i, line in enumerate(lines) if line and not line.lstrip().startswith("#"))
        dashed = " " * indent + "- " + lines[first][len(inner):]
        head = lines[:first]
        if slot.eol:
            dashed = _with_eol(dashed, slot, indent)
        return [h for h in head if h != BLANK] + [dashed] + lines[first + 1:]

    # ------------------------------------------------------------------------------------------- flow
    def flow_seq(self, node: YamlSeq, schema: dict | None) -> str | None:
        if self.comments.inside(node):
            return None
        items = []
        for n, item in enumerate(node.items):
            child = self.walker.child(schema, n)
            if isinstance(item, YamlMap):  # maps stay in a list written in flow style (if they were too)
                value = self.flow_map(item, child) if self._written_in_flow(node, "[") else None
            elif isinstance(item, YamlScalar):
                value = self.scalar(item, child, flow=True)
            else:
                value = None
            if value is None or isinstance(value, Block):
                return None
            items.append(value)
        return "[" + ", ".join(items) + "]"

    def flow_map(self, node: YamlMap, schema: dict | None) -> str | None:
        """The map on one line, if it was written so and holds only plain values and lists of them."""
        if not self._written_in_flow(node) or self.comments.inside(node):
            return None
        parts = []
        for key in ordered_keys(list(node.entries), self.walker.key_order(schema)):
            entry = node.entries[key]
            child = self.walker.child(schema, key)
            if isinstance(entry.node, YamlScalar):
                value = self.scalar(entry.node, child, flow=True)
                if isinstance(value, Block):
                    return None
            elif isinstance(entry.node, YamlSeq):
                value = "[]" if not entry.node.items else self.flow_seq(entry.node, child)
            elif isinstance(entry.node, YamlMap):
                value = "{}" if not entry.node.entries else self.flow_map(entry.node, child)
            else:  # pragma: no cover
                value = None
            if value is None:
                return None
            parts.append(f"{self.key_text(entry.key_value, key, flow=True)}: {value}")
        return "{" + ", ".join(parts) + "}"

    def _written_in_flow(self, node: YamlNode, opener: str = "{") -> bool:
        index = self.starts[node.pos.line - 1] + node.pos.column - 1 if node.pos.line - 1 < len(self.starts) else -1
        return 0 <= index < len(self.text) and self.text[index] == opener

    # ----------------------------------------------------------------------------------------- scalars
    def key_text(self, key_value: Any, key: str, *, flow: bool = False) -> str:
        if isinstance(key_value, bool):
            return "true" if key_value else "false"
        if isinstance(key_value, (int, Decimal)):
            return str(key_value)
        if key_value is None:
            return "null" if key == "" else text_scalar(key, flow=flow)
        return text_scalar(str(key_value), flow=flow)

    def scalar(self, node: YamlScalar, schema: dict | None, *, flow: bool = False) -> str | Block:
        value = node.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, Decimal)):
            raw = self._raw(node)
            return raw if raw is not None and node.style is None else str(value)
        text = str(value)
        expression = self.walker.is_expression(schema)
        if node.style in ("|", ">") and not flow:
            block = self._source_block(node)
            if block is not None:
                return block
        if "\n" in text.rstrip("\n") and not flow:
            block = _literal_block(text)
            if block is not None:
                return block
        return text_scalar(text, expression=expression, flow=flow)

    def _raw(self, node: YamlScalar) -> str | None:
        span = node._span
        if span is None:
            return None
        raw = self.text[span[0]:span[1]].strip()
        return raw or None

    def _source_block(self, node: YamlScalar) -> Block | None:
        """A block scalar as written, its lines re-indented (None when it cannot be moved safely)."""
        span = node._span
        if span is None:
            return None
        start, end = span
        line_end = self.text.find("\n", start)
        if line_end < 0 or line_end >= end:
            return None
        header = self.text[start:line_end].split("#", 1)[0].strip()
        if not re.fullmatch(r"[|>][+-]?", header):
            return None  # an explicit indentation indicator: let the canonical form decide
        body = self.text[line_end + 1:end]
        if "+" not in header:
            body = body.rstrip(" \t\r\n")
        lines = body.split("\n")
        if any("\t" in line[: len(line) - len(line.lstrip())] for line in lines):
            return None
        content = [line for line in lines if line.strip()]
        if not content:
            return None
        cut = min(len(line) - len(line.lstrip(" ")) for line in content)
        return Block(header, [line[cut:].rstrip() if line.strip() else "" for line in lines])


def _literal_block(text: str) -> Block | None:
    """A multi-line text as a literal block (``|``), when that reads back exactly."""
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    lines = body.split("\n")
    if not body or lines[0].startswith((" ", "\t")):
        return None
    if any(line != line.rstrip() or not all(c.isprintable() or c == "\t" for c in line) for line in lines):
        return None
    header = "|-" if trailing == 0 else "|" if trailing == 1 else "|+"
    extra = [""] * (trailing - 1) if trailing > 1 else []
    return Block(header, lines + extra)


def _lead(lines: list[str], *, first: bool) -> list[str]:
    out = list(lines)
    if first:
        while out and out[0] == BLANK:
            out.pop(0)
    return out


def _indent(line: str, indent: int) -> str:
    return BLANK if line == BLANK else " " * indent + line


def _with_eol(line: str, slot: Slot, indent: int) -> str:
    if not slot.eol:
        return line
    wanted = (slot.eol_col or 0) + (indent - slot.anchor_col if slot.anchor_col is not None else 0)
    return line.ljust(max(wanted, len(line) + 2)) + slot.eol


def _collapse(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line == BLANK and (not out or out[-1] == BLANK):
            continue
        out.append(line)
    return out
