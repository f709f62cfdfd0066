"""What a JSON Schema says about the layout of a YAML file: key order and which values are expressions.

Keys a schema lists under ``properties`` come first, in the schema's order;
other keys (names of bindings, tables, entries …) keep the order they were
written in. A value whose schema is ``#/$defs/expression`` is an expression
(written in single quotes, or as a block scalar).
"""

from __future__ import annotations

import re
from typing import Any


class SchemaWalker:
    """Follows a path of keys / list indexes through a JSON Schema (``$ref`` to ``#/$defs/…`` resolved)."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.defs = schema.get("$defs", {})

    def _resolve(self, node: Any) -> dict:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
            ref = node["$ref"]
            if not ref.startswith("#/$defs/"):
                break
            target = self.defs.get(ref.split("/")[-1], {})
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return node if isinstance(node, dict) else {}

    def _alternatives(self, node: dict) -> list[dict]:
        out = [node]
        for key in ("allOf", "anyOf", "oneOf"):
            for alt in node.get(key, ()) or ():
                out += self._alternatives(self._resolve(alt))
        return out

    def child(self, node: dict | None, step: str | int) -> dict | None:
        """The schema of ``node``'s child at ``step`` (a key or a list index), or None when unknown."""
        if node is None:
            return None
        for alt in self._alternatives(self._resolve(node)):
            if isinstance(step, int):
                items = alt.get("items")
                if isinstance(items, dict):
                    return items
                continue
            props = alt.get("properties") or {}
            if step in props:
                return props[step]
            for pattern, sub in (alt.get("patternProperties") or {}).items():
                if re.search(pattern, step):
                    return sub
            extra = alt.get("additionalProperties")
            if isinstance(extra, dict):
                return extra
        return None

    def key_order(self, node: dict | None) -> list[str]:
        """The property names of ``node``, in schema order (every alternative's, first seen first)."""
        if node is None:
            return []
        order: list[str] = []
        for alt in self._alternatives(self._resolve(node)):
            for name in alt.get("properties") or {}:
                if name not in order:
                    order.append(name)
        return order

    def is_expression(self, node: dict | None) -> bool:
        if not isinstance(node, dict):
            return False
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.endswith("/expression"):
            return True
        return any(isinstance(alt, dict) and str(alt.get("$ref", "")).endswith("/expression")
                   for key in ("anyOf", "oneOf") for alt in node.get(key, ()) or ())


def ordered_keys(keys: list[str], schema_order: list[str]) -> list[str]:
    """``keys`` with the schema's properties first in schema order, the others after them as written."""
    rank = {name: i for i, name in enumerate(schema_order)}
    known = sorted((k for k in keys if k in rank), key=rank.__getitem__)
    return known + [k for k in keys if k not in rank]
