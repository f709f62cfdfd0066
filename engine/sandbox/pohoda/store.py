"""The simulator's data: POHODA records per agenda in SQLite, inspectable by tests.

A record is kept in the shape of docs/architecture.md (the dict the list
reader yields); Decimal and dates survive the JSON round trip. External ids
live in their own table (like POHODA's ``SExtID``), so an export carries
them only for the external system it asks for (``extSystem``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from engine.pohoda.localtime import to_local
from engine.sandbox.pohoda.common import warehouse_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
  agenda TEXT NOT NULL, id INTEGER NOT NULL, number TEXT, code TEXT, kind TEXT,
  data TEXT NOT NULL, created_at TEXT NOT NULL, saved_at TEXT NOT NULL,
  PRIMARY KEY (agenda, id));
CREATE INDEX IF NOT EXISTS records_saved ON records (agenda, saved_at);
CREATE TABLE IF NOT EXISTS ext_ids (
  agenda TEXT NOT NULL, id INTEGER NOT NULL, system TEXT NOT NULL, ext_id TEXT NOT NULL,
  PRIMARY KEY (agenda, system, ext_id));
CREATE TABLE IF NOT EXISTS imports (
  pack_id TEXT NOT NULL, item_id TEXT NOT NULL, agenda TEXT, record_id INTEGER, number TEXT,
  imported_on TEXT NOT NULL, PRIMARY KEY (pack_id, item_id));
CREATE TABLE IF NOT EXISTS series (prefix TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, last INTEGER NOT NULL);
"""


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "$dec":
                return Decimal(inner)
            if key == "$dt":
                return dt.datetime.fromisoformat(inner)
            if key == "$date":
                return dt.date.fromisoformat(inner)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(record: dict) -> str:
    return json.dumps(_encode(record), ensure_ascii=False, sort_keys=True)


def loads(text: str) -> dict:
    return _decode(json.loads(text))


@dataclass
class Stored:
    agenda: str
    id: int
    record: dict
    number: str | None = None
    code: str | None = None
    kind: str | None = None
    saved_at: dt.datetime | None = None
    ext_ids: dict[str, str] = field(default_factory=dict)


class Store:
    """SQLite-backed records of the simulated accounting unit (thread-safe)."""

    def __init__(self, path: str | Path | None = None, *, clock=None) -> None:
        self.path = str(path) if path else ":memory:"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc).replace(microsecond=0))

    def now(self) -> dt.datetime:
        """POHODA's clock: naive Czech local time."""
        return to_local(self.clock())

    # -- transactions --------------------------------------------------------
    def transaction(self):
        store = self

        class _Tx:
            def __enter__(self_inner):
                store._lock.acquire()
                store._db.execute("BEGIN")
                return store

            def __exit__(self_inner, exc_type, *rest):
                try:
                    store._db.execute("ROLLBACK" if exc_type else "COMMIT")
                finally:
                    store._lock.release()
                return False

        return _Tx()

    # -- records -------------------------------------------------------------
    def next_id(self, agenda: str) -> int:
        row = self._db.execute("SELECT MAX(id) FROM records WHERE agenda = ?", (agenda,)).fetchone()
        return (row[0] or 0) + 1

    def put(self, agenda: str, record_id: int, record: dict, *, number: str | None = None,
            code: str | None = None, kind: str | None = None, saved_at: dt.datetime | None = None) -> None:
        stamp = (saved_at or self.now()).isoformat(sep=" ")
        with self._lock:
            old = self._db.execute("SELECT created_at FROM records WHERE agenda = ? AND id = ?",
                                   (agenda, record_id)).fetchone()
            created = old[0] if old else stamp
            self._db.execute(
                "INSERT OR REPLACE INTO records (agenda, id, number, code, kind, data, created_at, saved_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (agenda, record_id, number, code, kind, dumps(record), created, stamp),
            )

    def delete(self, agenda: str, record_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records WHERE agenda = ? AND id = ?", (agenda, record_id))
            self._db.execute("DELETE FROM ext_ids WHERE agenda = ? AND id = ?", (agenda, record_id))

    def _row(self, row) -> Stored:
        agenda, rid, number, code, kind, data, saved = row
        return Stored(agenda, rid, loads(data), number, code, kind, dt.datetime.fromisoformat(saved),
                      self.ext_ids_of(agenda, rid))

    _COLS = "agenda, id, number, code, kind, data, saved_at"

    def get(self, agenda: str, record_id: int) -> Stored | None:
        row = self._db.execute(f"SELECT {self._COLS} FROM records WHERE agenda = ? AND id = ?",
                               (agenda, record_id)).fetchone()
        return self._row(row) if row else None

    def all(self, agenda: str) -> list[Stored]:
        return list(self.iter(agenda))

    #: rows per query of ``iter``
    PAGE = 500

    def iter(self, agenda: str, *, id_from: int | None = None,
             changed_since: dt.datetime | None = None) -> Iterator[Stored]:
        """The records of ``agenda`` by id, from ``id_from``, a page at a time (a list answer that stops after
        ``count`` records no longer loads the whole agenda first); with ``changed_since``, only those saved at or
        after it, skipped before their JSON is decoded."""
        last = (id_from or 0) - 1
        while True:
            rows = self._db.execute(
                f"SELECT {self._COLS} FROM records WHERE agenda = ? AND id > ? ORDER BY id LIMIT ?",
                (agenda, last, self.PAGE),
            ).fetchall()
            for row in rows:
                if changed_since is not None and dt.datetime.fromisoformat(row[6]) < changed_since:
                    continue
                yield self._row(row)
            if len(rows) < self.PAGE:
                return
            last = rows[-1][1]

    def by_number(self, agenda: str, number: str) -> Stored | None:
        row = self._db.execute(f"SELECT {self._COLS} FROM records WHERE agenda = ? AND number = ?",
                               (agenda, number)).fetchone()
        return self._row(row) if row else None

    def by_code(self, agenda: str, code: str) -> Stored | None:
        """The record with this code (stock: the one with the lowest id, whatever its warehouse)."""
        row = self._db.execute(f"SELECT {self._COLS} FROM records WHERE agenda = ? AND code = ? ORDER BY id",
                               (agenda, code)).fetchone()
        return self._row(row) if row else None

    def stock_by_code(self, code: str, warehouse: str) -> Stored | None:
        """The stock card with ``code`` in ``warehouse`` (codes are unique per warehouse, R-C2).

        POHODA keeps one stock card (SKz row) per warehouse (``RefSklad``), and the
        same code (``IDS``) may be on a card in each warehouse: the integration's
        own documentation shows "the number of pieces in the other warehouses"
        of a product (../shared/seeds/001, Zásoby → Produkty, R-S3), and public
        SQL over POHODA databases joins SKz rows of several ``RefSklad`` by ``IDS``.
        """
        rows = self._db.execute(f"SELECT {self._COLS} FROM records WHERE agenda = 'stock' AND code = ? ORDER BY id",
                                (code,)).fetchall()
        for row in rows:
            stored = self._row(row)
            if warehouse_of(stored.record) == warehouse:
                return stored
        return None

    def count(self, agenda: str) -> int:
        return self._db.execute("SELECT COUNT(*) FROM records WHERE agenda = ?", (agenda,)).fetchone()[0]

    # -- external ids (SExtID) ------------------------------------------------
    def link_ext_id(self, agenda: str, record_id: int, system: str, ext_id: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO ext_ids (agenda, id, system, ext_id) VALUES (?, ?, ?, ?)",
                             (agenda, record_id, system, ext_id))

    def find_ext(self, agenda: str, system: str, ext_id: str) -> int | None:
        row = self._db.execute("SELECT id FROM ext_ids WHERE agenda = ? AND system = ? AND ext_id = ?",
                               (agenda, system, str(ext_id))).fetchone()
        return row[0] if row else None

    def ext_ids_of(self, agenda: str, record_id: int) -> dict[str, str]:
        rows = self._db.execute("SELECT system, ext_id FROM ext_ids WHERE agenda = ? AND id = ?",
                                (agenda, record_id)).fetchall()
        return dict(rows)

    # -- dataPack duplicity, number series --------------------------------------
    def seen_import(self, pack_id: str, item_id: str):
        return self._db.execute(
            "SELECT agenda, record_id, number, imported_on FROM imports WHERE pack_id = ? AND item_id = ?",
            (pack_id, item_id),
        ).fetchone()

    def remember_import(self, pack_id: str, item_id: str, agenda: str, record_id: int | None,
                        number: str | None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO imports (pack_id, item_id, agenda, record_id, number, imported_on) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (pack_id, item_id, agenda, record_id, number, self.now().date().isoformat()),
        )

    def next_number(self, prefix: str, width: int = 4) -> str:
        row = self._db.execute("SELECT last FROM series WHERE prefix = ?", (prefix,)).fetchone()
        last = (row[0] if row else 0) + 1
        self._db.execute("INSERT OR REPLACE INTO series (prefix, last) VALUES (?, ?)", (prefix, last))
        return f"{prefix}{last:0{width}d}"

    # -- delivery addresses ------------------------------------------------------
    def number_ship_to(self, record: dict) -> None:
        """Give each new delivery address of an address-book record its id.

        POHODA keeps delivery addresses in a table of their own, so an id
        (type.xsd shipToAddressType ``id``, "ID dodací adresy") names one
        delivery address in the whole accounting unit, not only within its
        record — the update of one (``actionType/update/filter/id``) names it
        by that id alone. INFERRED from the XSD: STORMWARE does not state the
        numbering, but every POHODA table numbers its rows on its own.
        """
        ships = ((record.get("addressbookHeader") or {}).get("identity") or {}).get("shipToAddress") or []
        with self._lock:
            for ship in ships:
                ship.pop("actionType", None)
                if ship.get("id") is None:
                    ship["id"] = self._next_ship_to_id()
                else:
                    self._ship_to_seen(int(ship["id"]))

    def _ship_to_last(self) -> int:
        row = self._db.execute("SELECT last FROM sequences WHERE name = 'shipToAddress'").fetchone()
        if row is not None:
            return row[0]
        top = 0  # a store written before the sequence existed: continue after its highest id
        for stored in self.iter("address_book"):
            for ship in ((stored.record.get("addressbookHeader") or {}).get("identity") or {}).get(
                    "shipToAddress") or []:
                top = max(top, int(ship.get("id") or 0))
        return top

    def _ship_to_seen(self, ship_id: int) -> None:
        last = max(ship_id, self._ship_to_last())
        self._db.execute("INSERT OR REPLACE INTO sequences (name, last) VALUES ('shipToAddress', ?)", (last,))

    def _next_ship_to_id(self) -> int:
        last = self._ship_to_last() + 1
        self._db.execute("INSERT OR REPLACE INTO sequences (name, last) VALUES ('shipToAddress', ?)", (last,))
        return last

    def close(self) -> None:
        self._db.close()
