"""Field catalogs as the checker sees them.

A catalog lists the fields of the record an expression reads, as dotted
paths with ``[]`` for list elements (``orderDetail.orderItem[].text``; the
catalog JSON format is in docs/architecture.md). The checker asks it two
things through the :class:`FieldCatalog` protocol:

* ``lookup(path)`` -> a field description (anything with a ``type`` attribute,
  optionally ``enum`` and ``max_length``) or ``None``. It must answer for
  every listed path **and for every prefix of one** (an object such as
  ``company.primaryAddress`` has type ``object``). The checker asks for
  ``path`` and, if that is unknown, for ``path + "[]"`` (a list used as a whole);
* ``suggest(path)`` -> up to a few known paths that look like ``path``,
  best first ("did you mean …").

``DictCatalog`` implements it over a dict; ``engine.catalogs.Catalog`` (the
generated Raynet and POHODA catalogs) implements the same protocol.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class FieldInfo:
    path: str
    type: str = "any"
    max_length: int | None = None
    enum: tuple | None = None
    required: bool = False
    doc: str | None = None


@runtime_checkable
class FieldCatalog(Protocol):
    def lookup(self, path: str) -> FieldInfo | None: ...

    def suggest(self, path: str) -> list[str]: ...


def prefixes(path: str):
    """``a.b[].c`` -> ``a``, ``a.b[]``, ``a.b``... every proper prefix with its implied type."""
    parts = path.split(".")
    for i in range(1, len(parts)):
        head = ".".join(parts[:i])
        yield head, "object"
        if head.endswith("[]"):
            yield head[:-2], "list"


class DictCatalog:
    """A catalog over ``{path: {"type": …, "max_length": …, "enum": […]}}``."""

    def __init__(self, fields: Mapping[str, Mapping | str], *, name: str | None = None) -> None:
        self.name = name
        self._fields: dict[str, FieldInfo] = {}
        for path, spec in fields.items():
            if isinstance(spec, str):
                spec = {"type": spec}
            enum = spec.get("enum")
            self._fields[path] = FieldInfo(path, spec.get("type", "any"), spec.get("max_length"),
                                           tuple(enum) if enum is not None else None,
                                           bool(spec.get("required", False)), spec.get("doc"))
        for path in list(self._fields):
            for head, implied in prefixes(path):
                self._fields.setdefault(head, FieldInfo(head, implied))
            if path.endswith("[]"):
                self._fields.setdefault(path[:-2], FieldInfo(path[:-2], "list"))

    @classmethod
    def from_json(cls, data: Mapping) -> DictCatalog:
        """From the catalog JSON format (``{"side":…, "name":…, "fields": {…}}``)."""
        return cls(data["fields"], name=data.get("name"))

    def lookup(self, path: str) -> FieldInfo | None:
        return self._fields.get(path)

    def suggest(self, path: str) -> list[str]:
        return suggest_paths(path, self._fields)

    def paths(self) -> list[str]:
        return sorted(self._fields)


def suggest_paths(path: str, known, limit: int = 3) -> list[str]:
    """Close matches for ``path``: first among its siblings, then among all paths."""
    known = list(known)
    parent, _, leaf = path.rpartition(".")
    siblings = [k for k in known if k.rpartition(".")[0] == parent]
    by_leaf = {k.rpartition(".")[2]: k for k in siblings}
    found = [by_leaf[m] for m in difflib.get_close_matches(leaf, list(by_leaf), n=limit, cutoff=0.6)]
    if not found:
        found = difflib.get_close_matches(path, known, n=limit, cutoff=0.75)
    lowered = {k.lower(): k for k in known}
    if path.lower() in lowered and lowered[path.lower()] not in found:
        found.insert(0, lowered[path.lower()])
    return found[:limit]
