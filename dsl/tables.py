"""Named translation tables for ``translate(table, value[, default])``.

``dsl.compile(text, tables={...})`` takes a mapping of table name to either a
plain ``Mapping`` (key -> value, no default) or a :class:`Table`, which adds a
table-level default::

    tables = {
        "order_state": dsl.Table({"new": "NEW", "done": "WON"}, default="IN_PROGRESS"),
        "vat_rate": {"high": 21, "low": 12},
    }

Lookup order for ``translate(t, value[, default])``: the entry for ``value``
(number keys match numerically: ``1`` and ``1.0`` are the same key); else the
call's ``default`` argument; else the table's default; else, if ``value`` is
null, null; else an :class:`~dsl.errors.ExprRuntimeError` naming the table and
the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from dsl.errors import ExprRuntimeError
from dsl.values import describe, to_text

#: marks "no default given"
NO_DEFAULT = type("NoDefault", (), {"__repr__": lambda self: "NO_DEFAULT", "__bool__": lambda self: False})()


@dataclass(frozen=True)
class Table:
    """A translation table: ``entries`` plus an optional ``default``."""

    entries: Mapping
    default: object = NO_DEFAULT
    #: where the table was written (e.g. ``mapping.yaml:42``), shown in errors
    origin: str | None = field(default=None, compare=False)

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


def as_table(value) -> Table:
    """Accept a :class:`Table` or a plain mapping."""
    if isinstance(value, Table):
        return value
    if isinstance(value, Mapping):
        return Table(dict(value))
    raise TypeError(f"a translation table must be a Mapping or dsl.Table, not {type(value).__name__}")


def normalize_tables(tables) -> dict[str, Table]:
    if tables is None:
        return {}
    if not isinstance(tables, Mapping):
        raise TypeError(f"tables must be a Mapping of name -> table, not {type(tables).__name__}")
    return {str(name): as_table(t) for name, t in tables.items()}


def lookup_key(key):
    """Keys are looked up as themselves; booleans never match numbers."""
    return ("\0bool", key) if type(key) is bool else key


class CompiledTable:
    """A table prepared for fast lookups (a plain dict with normalized keys)."""

    __slots__ = ("name", "entries", "default", "has_default", "origin")

    def __init__(self, name: str, table: Table) -> None:
        self.name = name
        self.entries = {lookup_key(k): v for k, v in table.entries.items()}
        self.default = table.default
        self.has_default = table.has_default
        self.origin = table.origin

    def missing(self, value, call_default=NO_DEFAULT):
        """Called when the fast lookup (text and integer keys) found nothing."""
        if _hashable(value):
            hit = self.entries.get(lookup_key(value), NO_DEFAULT)
            if hit is not NO_DEFAULT:
                return hit
        if call_default is not NO_DEFAULT:
            return call_default
        if self.has_default:
            return self.default
        if value is None:
            return None
        if isinstance(value, (list, dict)) or not _hashable(value):
            raise ExprRuntimeError(f"translate: table '{self.name}' cannot look up {describe(value)}; "
                                   "keys are texts or numbers", value=value)
        keys = ", ".join(_show_key(k) for k in list(self.entries)[:8])
        more = ", …" if len(self.entries) > 8 else ""
        where = f" (defined at {self.origin})" if self.origin else ""
        raise ExprRuntimeError(
            f"translate: table '{self.name}'{where} has no entry for {describe(value)}",
            hint=f"add the key to the table or give a default: translate({self.name}, value, default); "
                 f"the table's keys are {keys}{more}" if self.entries else
                 f"the table '{self.name}' is empty; add entries or a default", value=value)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _show_key(key) -> str:
    if type(key) is tuple and len(key) == 2 and key[0] == "\0bool":
        key = key[1]
    return describe(key) if not isinstance(key, (int, Decimal, str)) or type(key) is bool else (
        repr(key) if isinstance(key, str) else to_text(key))
