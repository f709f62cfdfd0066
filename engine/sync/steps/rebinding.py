"""What a step tells ``rpsync rebind`` (R-G2) about its records in a new accounting unit.

Rebind (``engine.sync.rebind``) walks the agendas in plan order. For each it
asks the step for its ``RebindSource``s — one per *link agenda* the step keeps
(usually just its own; contact persons written as delivery addresses keep a
second one) — indexes the new unit's records by the keys the source gives,
and looks every link up by the same keys. What the agendas before it moved is
passed along (``Moved``: POHODA ids of the old unit → ids in the new one, None
for records the new unit does not hold), so a step whose records belong to a
parent record of another agenda (delivery addresses and contact persons to the
address book, orders to their contracts, payments to their invoices, related
prices to their stock items) can find and re-key them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from engine.state.model import Link

#: per agenda: POHODA id in the old unit → id in the new unit (None: not in the new unit)
Moved = Mapping[str, Mapping[int, "int | None"]]
#: (how, value) pairs: ``("extId", …)``, ``("number", …)``, ``("match: <key>", …)`` — surest first
Keys = list[tuple[str, str]]


@dataclass
class RebindSource:
    """Where the records of one link agenda are in the new unit, and how a record and a link are keyed."""

    agenda: str                                         # the link agenda (``Link.agenda``)
    records: Callable[[], Iterable[dict]]               # every record of the new unit, as the step reads it
    id_of: Callable[[dict], int]                        # the id links store (raise ``Reject`` to pass over one)
    keys_of: Callable[[dict], Keys]                     # the keys of a record of the new unit
    link_keys: Callable[[Link, "dict | None"], Keys]    # the keys of a link (with its POHODA shadow)


_PARENT_KEY = re.compile(r"(?P<agenda>[a-z_]+):(?P<id>-?\d+)")


def moved_parent_key(key: str | None, moved: Moved) -> str | None:
    """A ``<agenda>:<POHODA id>`` parent key (an order's contract, a payment's invoice) in the new unit; the
    key as it was when its parent did not move or the new unit does not hold it."""
    m = _PARENT_KEY.fullmatch(key or "")
    if m is None:
        return key
    new = moved.get(m["agenda"], {}).get(int(m["id"]))
    return f"{m['agenda']}:{new}" if new is not None else key


def moved_id(agenda: str, old: int | None, moved: Moved) -> int | None:
    """The new unit's id of ``old`` (itself when the agenda did not move it)."""
    if old is None:
        return None
    table = moved.get(agenda, {})
    return table[int(old)] if int(old) in table else int(old)


__all__ = ["Keys", "Moved", "RebindSource", "moved_id", "moved_parent_key"]
