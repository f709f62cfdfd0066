"""Field paths in mapping files, checked against the field catalogs.

A binding names a POHODA field (a path under the agenda element, as the
POHODA catalog names it) and a Raynet field (an API JSON path, or a custom
field by label: ``customFields["Stav zásob"]``). :class:`CatalogView` is the
catalog of the record a path or an expression is read against — possibly a
sub-record such as one document item (``items[].``) — and implements the
``dsl.FieldCatalog`` protocol for the expression checker. The functions below
decide whether a value of one field can be copied into another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from engine.catalogs import Catalog, FieldInfo, load

POHODA = "pohoda"
RAYNET = "raynet"
SIDE_WORDS = {POHODA: "POHODA", RAYNET: "Raynet"}

_CUSTOM_FIELD = re.compile(r'^customFields\["([^"]+)"\]$')


def custom_field_label(path: str) -> str | None:
    """The label of a Raynet custom field path ``customFields["Label"]``, else None."""
    m = _CUSTOM_FIELD.match(path.strip())
    return m.group(1) if m else None


def is_custom_field(path: str) -> bool:
    """A Raynet custom field, as a binding writes it (``customFields["Label"]``) or as an expression
    reads it (the checker's path ``customFields.Label``)."""
    return custom_field_label(path) is not None or path.startswith("customFields.")


@cache
def _catalog(side: str, name: str) -> Catalog:
    return load(side, name)


@dataclass(frozen=True)
class CatalogView:
    """The fields of one record (side, catalog and the record's path inside the catalog)."""

    side: str
    catalog: str
    prefix: str = ""

    @property
    def name(self) -> str:
        """How the dsl checker names this catalog in messages ("unknown field 'x' in the … catalog")."""
        return self.title

    @property
    def title(self) -> str:
        sub = f" ({self.prefix.rstrip('.')})" if self.prefix else ""
        return f"{SIDE_WORDS[self.side]} {self.catalog}{sub}"

    def _cat(self) -> Catalog:
        return _catalog(self.side, self.catalog)

    def below(self, path: str) -> "CatalogView":
        """The view of a sub-record, e.g. one item of a list: ``below("items[]")``."""
        return CatalogView(self.side, self.catalog, f"{self.prefix}{path}.")

    # dsl.FieldCatalog protocol
    def lookup(self, path: str) -> FieldInfo | None:
        if self.side == RAYNET and is_custom_field(path):
            return FieldInfo(path=path, type="any", doc="Raynet custom field (resolved by its label at run time)")
        return self._cat().lookup(self.prefix + path)

    def suggest(self, path: str, n: int = 3) -> list[str]:
        out = []
        for candidate in self._cat().suggest(self.prefix + path, n=n + 2):
            if candidate.startswith(self.prefix):
                out.append(candidate[len(self.prefix):])
        return out[:n]


def did_you_mean_field(view: CatalogView, path: str) -> str:
    suggestions = view.suggest(path)
    if not suggestions:
        return ""
    return " — did you mean " + " or ".join(suggestions[:2]) + "?"


# --- copying values between fields ------------------------------------------------------------------------------

_SCALARS = {"string", "integer", "decimal", "boolean", "date", "datetime"}
_TYPE_WORDS = {
    "string": "text", "integer": "a whole number", "decimal": "a number", "boolean": "true/false",
    "date": "a date", "datetime": "a date and time", "object": "a group of fields", "list": "a list",
    "any": "any value",
}


def type_words(info: FieldInfo) -> str:
    if info.type == "list" and info.item_type:
        return f"a list of {_TYPE_WORDS.get(info.item_type, info.item_type)}"
    return _TYPE_WORDS.get(info.type, info.type)


def copy_problem(source: FieldInfo, target: FieldInfo) -> tuple[str, str] | None:
    """Why the value of ``source`` cannot be written into ``target`` as is: (severity, reason), or None."""
    s, t = source.type, target.type
    if s == "any" or t == "any" or s == t:
        if s == t == "list" and source.item_type and target.item_type and source.item_type != target.item_type:
            return ("error", _cannot(source, target))
        return _enum_problem(source, target)
    if s in ("object", "list") or t in ("object", "list"):
        return ("error", _cannot(source, target))
    if t == "string":
        return None  # every scalar has a text form
    if (s, t) in (("integer", "decimal"), ("date", "datetime"), ("datetime", "date")):
        return None
    if (s, t) == ("decimal", "integer"):
        return ("warning", "a number with decimals would be cut to a whole number")
    return ("error", _cannot(source, target))


def _cannot(source: FieldInfo, target: FieldInfo) -> str:
    return f"{type_words(source)} cannot go into a field that holds {type_words(target)}"


def _enum_problem(source: FieldInfo, target: FieldInfo) -> tuple[str, str] | None:
    if target.enum and source.enum:
        foreign = [v for v in source.enum if v not in target.enum]
        if foreign:
            return ("error", f"its values {', '.join(foreign[:4])} are not values of the target "
                             f"({', '.join(target.enum[:6])})")
    return None


def is_group(info: FieldInfo) -> bool:
    """A field that holds other fields (bind those one by one)."""
    return info.type == "object" or (info.type == "list" and not info.item_type)
