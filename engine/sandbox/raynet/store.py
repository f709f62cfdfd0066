"""The Raynet simulator's data: records, codelists, custom-field config, request log.

In memory, optionally persisted to a JSON file (saved after every write, loaded
on start). One lock serialises every operation, like a single database.

Records are kept as the API accepted them (references as ids) plus the
fields Raynet maintains (``id``, ``code``, ``_version``, ``rowInfo.*`` as flat
keys, extIds); ``records.py`` renders them into the documented response shapes.
Tests inspect them through this class (``records``, ``get``, ``find_ext``,
``requests``) and may add data directly with ``create`` (validated exactly
like ``PUT``).
"""

from __future__ import annotations

import copy
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from engine.raynet import json_codec

#: tables holding API records (others are codelists)
RECORD_TABLES = (
    "company", "person", "businessCase", "offer", "salesOrder", "invoice", "product", "priceList",
    "priceListItem", "userAccount",
)


@dataclass(frozen=True)
class LoggedRequest:
    """One request the simulator answered (for tests: what reached "Raynet")."""

    method: str
    path: str
    query: str
    status: int
    authenticated: bool
    counted: bool  # charged to the quota


class _FirstById:
    """Key -> the first row (by id) of ``table`` with that key (``keys_of(row)``: its keys; None keys are not
    indexed). Built on first use, extended by inserts; ``forget`` (after a delete, or a change of a row's keys)
    has it built again on next use. The store's lock guards it."""

    def __init__(self, table: str, keys_of: Callable[[dict], tuple]) -> None:
        self.table, self.keys_of = table, keys_of
        self._index: dict[Any, int] | None = None

    def inserted(self, row: dict) -> None:
        if self._index is not None:
            for key in self.keys_of(row):
                if key is not None:
                    self._index.setdefault(key, row["id"])

    def find(self, store: "RaynetStore", key: Any) -> dict | None:
        rows = store.table(self.table)
        if self._index is None:
            self._index = {}
            for row_id in sorted(rows):
                self.inserted(rows[row_id])
        row_id = self._index.get(key)
        return None if row_id is None else rows.get(row_id)

    def forget(self) -> None:
        self._index = None


class RaynetStore:
    def __init__(self, path: str | os.PathLike[str] | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path else None
        self.clock = clock
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, dict]] = {}
        self.counters: dict[str, int] = {}
        self.custom_fields: dict[str, list[dict]] = {}
        self.ext_index: dict[str, dict[str, int]] = {}
        self.requests: list[LoggedRequest] = []
        self.user = "sandbox@example.com"
        #: a price list's item of a product (also under price list None: the first of any list), and the product
        #: of a code. Without them every upsert, order item and product shown scanned a whole table (100 000
        #: related prices: hours of the scale bench spent in the simulator).
        self._price_items = _FirstById("priceListItem", lambda item: ((item.get("priceList"), item.get("product")),
                                                                       (None, item.get("product"))))
        self._product_codes = _FirstById("product", lambda product: (product.get("code"),))

    # ---------------------------------------------------------------- time
    def now(self) -> datetime:
        """UTC, millisecond precision (what the API shows with ``dateFormat=ISO8601``)."""
        moment = datetime.fromtimestamp(self.clock(), tz=timezone.utc)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def stamp(self) -> str:
        return self.now().isoformat(timespec="milliseconds")

    # ---------------------------------------------------------------- rows
    def table(self, name: str) -> dict[int, dict]:
        return self.tables.setdefault(name, {})

    def next_id(self, kind: str) -> int:
        with self.lock:
            value = self.counters.get(kind, 0) + 1
            self.counters[kind] = value
            return value

    def bump_counter(self, kind: str, used: int) -> None:
        with self.lock:
            self.counters[kind] = max(self.counters.get(kind, 0), used)

    def row(self, table: str, record_id: int) -> dict | None:
        return self.tables.get(table, {}).get(record_id)

    def insert_row(self, table: str, row: dict, *, kind: str | None = None) -> dict:
        """Store a row; gives it an id (or keeps a seeded one) and ``rowInfo.*``."""
        with self.lock:
            if row.get("id") is None:
                row["id"] = self.next_id(kind or table)
            else:
                row["id"] = int(row["id"])
                self.bump_counter(kind or table, row["id"])
            if table in RECORD_TABLES or table == "priceListItem":
                stamp = self.stamp()
                row.setdefault("rowInfo.createdAt", stamp)
                row.setdefault("rowInfo.createdBy", self.user)
                row.setdefault("rowInfo.updatedAt", None)
                row.setdefault("rowInfo.updatedBy", None)
                row.setdefault("rowInfo.rowAccess", None)
                row.setdefault("rowInfo.rowState", None)
                row.setdefault("_version", 1)
            self.table(table)[row["id"]] = row
            for index in (self._price_items, self._product_codes):
                if index.table == table:
                    index.inserted(row)
            return row

    def product_by_code(self, code: Any) -> dict | None:
        """The product with ``code`` (the first by id if several), or None."""
        with self.lock:
            return self._product_codes.find(self, code)

    def forget_product_codes(self) -> None:
        """A product was deleted or changed its code."""
        with self.lock:
            self._product_codes.forget()

    def price_list_item(self, price_list_id: Any, product_id: Any) -> dict | None:
        """The item of ``product_id`` in price list ``price_list_id`` (None: in any price list; the first by id
        if several), or None."""
        with self.lock:
            return self._price_items.find(self, (price_list_id, product_id))

    def forget_price_items(self) -> None:
        """Price-list items were deleted or changed product."""
        with self.lock:
            self._price_items.forget()

    def touch(self, row: dict) -> None:
        """A write changed ``row``: ``rowInfo.updatedAt/By`` and ``_version`` follow."""
        row["rowInfo.updatedAt"] = self.stamp()
        row["rowInfo.updatedBy"] = self.user
        row["_version"] = int(row.get("_version") or 0) + 1

    # ------------------------------------------------------------- ext ids
    def find_ext(self, entity: str, ext_id: str) -> int | None:
        return self.ext_index.get(entity, {}).get(ext_id)

    def index_ext(self, entity: str, ext_id: str, record_id: int | None) -> None:
        index = self.ext_index.setdefault(entity, {})
        if record_id is None:
            index.pop(ext_id, None)
        else:
            index[ext_id] = record_id

    # ---------------------------------------------------------- inspection
    def records(self, entity: str) -> list[dict]:
        """Deep copies of the stored rows of ``entity`` (internal shape), by id."""
        with self.lock:
            return [copy.deepcopy(row) for _, row in sorted(self.tables.get(entity, {}).items())]

    def get(self, entity: str, record_id: int) -> dict | None:
        with self.lock:
            row = self.row(entity, record_id)
            return copy.deepcopy(row) if row is not None else None

    def count(self, entity: str) -> int:
        with self.lock:
            return len(self.tables.get(entity, {}))

    def render(self, entity: str, record_id: int, *, detail: bool = True, iso: bool = True) -> dict | None:
        """The record as the API would answer it (``detail`` or list item)."""
        from engine.sandbox.raynet import views

        with self.lock:
            row = self.row(entity, record_id)
            if row is None:
                return None
            return views.render(self, entity, row, detail=detail, iso=iso)

    def create(self, entity: str, body: dict, *, ext_id: str | None = None) -> int:
        """Create a record exactly like ``PUT /{entity}/`` would (validated; raises ``ApiError``)."""
        from engine.sandbox.raynet import records

        payload = dict(body)
        if ext_id is not None:
            payload["extId"] = ext_id
        with self.lock:
            record_id = records.create(self, entity, payload)
            self.save()
            return record_id

    def requests_for(self, method: str | None = None, path_prefix: str = "") -> list[LoggedRequest]:
        with self.lock:
            return [
                r for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            ]

    def log(self, entry: LoggedRequest) -> None:
        with self.lock:
            self.requests.append(entry)

    # --------------------------------------------------------- persistence
    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "tables": {name: list(rows.values()) for name, rows in self.tables.items()},
                "counters": dict(self.counters),
                "customFields": self.custom_fields,
            }

    def restore(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.tables = {name: {int(r["id"]): r for r in rows} for name, rows in data.get("tables", {}).items()}
            self._price_items.forget()
            self._product_codes.forget()
            self.counters = {k: int(v) for k, v in data.get("counters", {}).items()}
            self.custom_fields = data.get("customFields", {})
            self.ext_index = {}
            for name, rows in self.tables.items():
                for row in rows.values():
                    for ext in row.get("extIds") or []:
                        self.index_ext(name, ext, row["id"])

    def save(self) -> None:
        if self.path is None:
            return
        with self.lock:
            data = json_codec.dumps(self.snapshot())
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, self.path)

    def load(self) -> bool:
        """Load the persisted file if there is one; ``True`` if it was loaded."""
        if self.path is None or not self.path.is_file():
            return False
        self.restore(json_codec.loads(self.path.read_bytes()))
        return True
