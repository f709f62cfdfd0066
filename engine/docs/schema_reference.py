"""Markdown reference of a JSON Schema: every key, its type, allowed values, default and description.

Objects become sections (``### `agendas.address_book` ``) holding a table of
their keys; a key whose value is itself an object with keys gets its own
section below; maps keyed by names (``fields``, ``tables``) are written with a
``<name>`` step. Shared definitions (``$defs`` objects such as a field
binding) are described once, in their own section, and linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

Defaults = Callable[[tuple[str, ...], dict], Any]

_NO_DEFAULT = object()


def md(text: Any) -> str:
    """Text for a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(text: Any) -> str:
    text = str(text)
    return f"``{text}``" if "`" in text else f"`{text}`"


def yaml_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    return str(value)


@dataclass
class Section:
    path: str
    description: str
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)


class SchemaReference:
    """Renders one JSON Schema; ``defaults(path, schema)`` answers the default of a key (or ``NO_DEFAULT``)."""

    NO_DEFAULT = _NO_DEFAULT

    def __init__(self, schema: dict, *, defaults: Defaults | None = None, root_name: str = "top level") -> None:
        self.schema = schema
        self.defs: dict = schema.get("$defs", {})
        self.defaults = defaults or (lambda path, node: _NO_DEFAULT)
        self.root_name = root_name
        self.sections: list[Section] = []
        self.def_sections: list[Section] = []
        self._defs_done: set[str] = set()

    # ------------------------------------------------------------------------------------------ schema
    def _def_name(self, node: dict) -> str | None:
        ref = node.get("$ref") if isinstance(node, dict) else None
        return ref.split("/")[-1] if isinstance(ref, str) and ref.startswith("#/$defs/") else None

    def resolve(self, node: Any) -> dict:
        if not isinstance(node, dict):
            return {}
        name = self._def_name(node)
        if name is None:
            return node
        return {**self.resolve(self.defs.get(name, {})), **{k: v for k, v in node.items() if k != "$ref"}}

    def _is_object_def(self, name: str | None) -> bool:
        return name is not None and bool(self.resolve(self.defs.get(name, {})).get("properties"))

    def type_of(self, node: dict) -> str:
        name = self._def_name(node)
        resolved = self.resolve(node)
        if self._is_object_def(name):
            return f"[{name}](#{anchor(name)})"
        if name is not None and self.resolve(self.defs.get(name, {})).get("type") == "object":
            inner = self.resolve(self.defs[name])
            return f"map: name → {self.type_of(inner.get('additionalProperties') or {})}"
        if "const" in resolved:
            return _word({bool: "boolean", int: "integer", str: "string"}.get(type(resolved["const"]), "any"))
        kind = resolved.get("type")
        if kind == "array":
            items = resolved.get("items") or {}
            if self.resolve(items).get("properties") and not self._is_object_def(self._def_name(items)):
                return "list of maps (below)"
            return f"list of {self.type_of(items)}"
        if kind == "object":
            extra = resolved.get("additionalProperties")
            if isinstance(extra, dict) and not resolved.get("properties"):
                return f"map: name → {self.type_of(extra)}"
            return "map"
        if isinstance(kind, list):
            return " or ".join(_word(k) for k in kind)
        if kind:
            word = _word(kind)
            return f"{word} ([expression](functions.md))" if name == "expression" else word
        for key in ("oneOf", "anyOf"):
            if key in resolved:
                return " or ".join(self.type_of(alt) for alt in resolved[key])
        return "any"

    def values_of(self, node: dict) -> str:
        resolved = self.resolve(node)
        if "const" in resolved:
            return code(yaml_value(resolved["const"]))
        enum = resolved.get("enum")
        if enum is None and resolved.get("type") == "array":
            enum = self.resolve(resolved.get("items") or {}).get("enum")
        if enum:
            notes = resolved.get("enumDescriptions")
            if notes and len(notes) == len(enum):
                return "; ".join(f"{code(yaml_value(v))} ({md(n)})" for v, n in zip(enum, notes))
            return ", ".join(code(yaml_value(v)) for v in enum)
        parts = []
        if "pattern" in resolved:
            parts.append(md(resolved.get("patternErrorMessage") or f"matches {code(resolved['pattern'])}"))
        for key, word in (("minimum", "at least"), ("maximum", "at most"), ("minLength", "at least"),
                          ("maxLength", "at most"), ("minItems", "at least"), ("maxItems", "at most")):
            if key in resolved and not (key in ("minLength", "minItems") and resolved[key] == 1):
                unit = " characters" if "Length" in key else " items" if "Items" in key else ""
                parts.append(f"{word} {resolved[key]}{unit}")
        return "; ".join(parts)

    # ----------------------------------------------------------------------------------------- walking
    def render(self) -> str:
        self._object(self.resolve(self.schema), (), self.schema.get("description", ""))
        out: list[str] = []
        for section in self.sections + self.def_sections:
            out.append(f"### {code(section.path)}" if section.path != self.root_name else f"### {section.path}")
            out.append("")
            if section.description:
                out += [md(section.description), ""]
            if section.rows:
                out += ["| key | type | values | default | meaning |", "|---|---|---|---|---|"]
                out += [f"| {' | '.join(row)} |" for row in section.rows]
                out.append("")
        return "\n".join(out).rstrip() + "\n"

    def _object(self, node: dict, path: tuple[str, ...], description: str, *, into: list | None = None,
                label: str | None = None) -> None:
        section = Section(label or (_join(path) if path else self.root_name), description)
        (into if into is not None else self.sections).append(section)
        required = set(node.get("required") or ())
        children: list[tuple[tuple[str, ...], dict, str]] = []
        for key, sub in (node.get("properties") or {}).items():
            resolved = self.resolve(sub)
            default = self.defaults(path + (key,), resolved) if into is None else _NO_DEFAULT
            shown = "required" if key in required else ("" if default is _NO_DEFAULT else code(yaml_value(default)))
            kind = self.type_of(sub)
            if resolved.get("properties") and not self._is_object_def(self._def_name(sub)):
                child_label = (label + "." + key) if label else _join(path + (key,))
                kind = f"[map](#{anchor(child_label)})"  # its keys are in their own section below
            section.rows.append((code(key), kind, self.values_of(sub), shown, md(resolved.get("description", ""))))
            name = self._def_name(sub)
            if self._is_object_def(name):
                self._definition(name)
            elif resolved.get("properties"):
                children.append((path + (key,), resolved, resolved.get("description", "")))
            else:
                value = resolved.get("additionalProperties") if resolved.get("type") == "object" else None
                items = resolved.get("items") if resolved.get("type") == "array" else None
                for inner, step in ((value, "<name>"), (items, "[]")):
                    if not isinstance(inner, dict):
                        continue
                    inner_name = self._def_name(inner)
                    if self._is_object_def(inner_name):
                        self._definition(inner_name)
                    elif self.resolve(inner).get("properties"):
                        children.append((path + (key, step), self.resolve(inner),
                                         self.resolve(inner).get("description", "")))
        for child_path, child, text in children:
            self._object(child, child_path, text, into=into,
                         label=_join((label,) + child_path[len(path):]) if label else None)

    def _definition(self, name: str) -> None:
        if name in self._defs_done:
            return
        self._defs_done.add(name)
        node = self.resolve(self.defs[name])
        self._object(node, (), node.get("description", ""), into=self.def_sections, label=name)


def _join(path: tuple[str, ...]) -> str:
    """``("agendas", "stock")`` → ``agendas.stock``; list items as ``owners[]``."""
    out = ""
    for step in path:
        out += step if step == "[]" or not out else f".{step}"
    return out


def anchor(name: str) -> str:
    """The GitHub-style anchor of a ``### `name` `` heading."""
    return "".join(c for c in name.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")


def _word(kind: str) -> str:
    return {"string": "text", "integer": "whole number", "number": "number", "boolean": "boolean",
            "object": "map", "array": "list", "null": "null"}.get(kind, kind)
