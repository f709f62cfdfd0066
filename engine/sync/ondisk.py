"""Per-run collections keyed by record id, kept on disk instead of in memory.

A step (or the steps after it) sometimes needs to remember something about
every record of a run: the ids it linked, the clients whose detail it read,
what a list read returned. A first run does so for every record of the
accounting unit (100 000 clients …), and Python sets and dicts of them grew
the process by 60–250 bytes a record. ``IdSet`` and ``IdMap`` keep them in a
private temporary SQLite database instead (``sqlite3.connect("")``: on disk,
removed when closed or garbage-collected), with a small page cache, so memory
stays flat whatever the record count. Iteration is in ascending id order,
a page at a time.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from typing import Any, Iterable, Iterator

from engine.sync.snapshot import from_json, to_json

#: SQLite page cache per collection (KiB): the rest stays in the temporary file
CACHE_KIB = 64
#: rows per query while iterating
PAGE = 1000
#: rows per INSERT of buffered writes (two parameters each: under SQLite's default limit of 999)
ROWS_PER_INSERT = 250


@lru_cache(maxsize=8)
def _insert(rows: int) -> str:
    return "INSERT OR REPLACE INTO items VALUES " + ",".join(["(?, ?)"] * rows)


class _OnDisk:
    _columns = "id INTEGER PRIMARY KEY"

    def __init__(self) -> None:
        self.db = sqlite3.connect("", isolation_level=None)  # "": a private temporary database on disk
        self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(f"CREATE TABLE items ({self._columns})")
        self.db.execute("BEGIN")  # never committed: this connection alone reads it, and nothing must survive it

    def __contains__(self, record_id: Any) -> bool:
        if record_id is None:
            return False
        return self.db.execute("SELECT 1 FROM items WHERE id=?", (int(record_id),)).fetchone() is not None

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def __bool__(self) -> bool:
        return self.db.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None

    def discard(self, record_id: Any) -> None:
        self.db.execute("DELETE FROM items WHERE id=?", (int(record_id),))

    def _rows(self, columns: str) -> Iterator[tuple]:
        last = None
        while True:
            rows = self.db.execute(f"SELECT {columns} FROM items WHERE id > ? ORDER BY id LIMIT ?",
                                   (last if last is not None else -(1 << 63), PAGE)).fetchall()
            yield from rows
            if len(rows) < PAGE:
                return
            last = rows[-1][0]

    def close(self) -> None:
        self.db.close()


class IdSet(_OnDisk):
    """A set of integer ids; iterates in ascending order (``sorted(a_set)`` of a Python set)."""

    def __init__(self, ids: Iterable[Any] = ()) -> None:
        super().__init__()
        self.update(ids)

    def add(self, record_id: Any) -> None:
        self.db.execute("INSERT OR IGNORE INTO items VALUES (?)", (int(record_id),))

    def update(self, ids: Iterable[Any]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO items VALUES (?)", ((int(i),) for i in ids))

    def __iter__(self) -> Iterator[int]:
        return (row[0] for row in self._rows("id"))


class IdMap(_OnDisk):
    """Integer id -> a value (anything ``snapshot.to_json`` keeps: tuples come back as lists);
    ``items()`` in ascending id order."""

    _columns = "id INTEGER PRIMARY KEY, value TEXT"
    #: writes kept in memory (as their JSON text) and written together: a step writes one or two per record
    BUFFER = 256

    def __init__(self) -> None:
        super().__init__()
        self._buffer: dict[int, str] = {}
        #: id -> its stored text, or None (not stored): what ``prefetch`` looked up, until the next ``prefetch``
        self._known: dict[int, str | None] = {}

    @staticmethod
    def _dump(value: Any) -> str:
        return to_json(value)

    @staticmethod
    def _load(text: str) -> Any:
        return from_json(text)

    def _flush(self) -> None:
        if self._buffer:
            # a few hundred rows in one statement: half the cost of executemany's row-by-row steps
            rows = [value for row in self._buffer.items() for value in row]
            for start in range(0, len(rows), 2 * ROWS_PER_INSERT):
                chunk = rows[start:start + 2 * ROWS_PER_INSERT]
                self.db.execute(_insert(len(chunk) // 2), chunk)
            known = self._known
            if known:  # a prefetched "not stored" of an id written since no longer holds
                for record_id in self._buffer:
                    known.pop(record_id, None)
            self._buffer.clear()

    def __setitem__(self, record_id: Any, value: Any) -> None:
        record_id = int(record_id)
        buffer = self._buffer
        buffer[record_id] = self._dump(value)
        if self._known:
            self._known.pop(record_id, None)
        if len(buffer) >= self.BUFFER:
            self._flush()

    def prefetch(self, ids: Iterable[Any]) -> None:
        """Look these ids up in one query: ``get`` answers them from memory (found or not) until the next
        ``prefetch``; writes meanwhile are seen (a step looks up a page of records' ids at once)."""
        wanted = sorted({int(i) for i in ids if i is not None})
        known: dict[int, str | None] = dict.fromkeys(wanted)
        for start in range(0, len(wanted), 500):  # SQLite's default limit on ? parameters is 999
            chunk = wanted[start:start + 500]
            known.update(self.db.execute(f"SELECT id, value FROM items WHERE id IN ({','.join('?' * len(chunk))})",
                                         chunk).fetchall())
        self._known = known

    def get(self, record_id: Any, default: Any = None) -> Any:
        if record_id is None:
            return default
        record_id = int(record_id)
        text = self._buffer.get(record_id)
        if text is None:
            known = self._known
            if record_id in known:
                text = known[record_id]
                if text is None:
                    return default
            else:
                row = self.db.execute("SELECT value FROM items WHERE id=?", (record_id,)).fetchone()
                if row is None:
                    return default
                text = row[0]
        return self._load(text)

    def pop(self, record_id: Any, default: Any = None) -> Any:
        value = self.get(record_id, default)
        self.discard(record_id)
        return value

    def discard(self, record_id: Any) -> None:
        self._buffer.pop(int(record_id), None)
        self._known.pop(int(record_id), None)
        super().discard(record_id)

    def __contains__(self, record_id: Any) -> bool:
        if record_id is None:
            return False
        record_id = int(record_id)
        if record_id in self._buffer:
            return True
        if record_id in self._known:
            return self._known[record_id] is not None
        return super().__contains__(record_id)

    def __len__(self) -> int:
        self._flush()
        return super().__len__()

    def __bool__(self) -> bool:
        return bool(self._buffer) or super().__bool__()

    def items(self) -> Iterator[tuple[int, Any]]:
        self._flush()
        return ((rid, self._load(value)) for rid, value in self._rows("id, value"))

    def __iter__(self) -> Iterator[int]:
        self._flush()
        return (row[0] for row in self._rows("id"))


class IdTextMap(IdMap):
    """An ``IdMap`` of text values, kept as they are (no JSON: a step writing one or two per record saves the
    encoding)."""

    @staticmethod
    def _dump(value: Any) -> str:
        if type(value) is not str:
            raise TypeError(f"IdTextMap keeps text, not {type(value).__name__}")
        return value

    @staticmethod
    def _load(text: str) -> Any:
        return text


def scratch_ids(scratch: dict[str, Any], key: str) -> IdSet:
    """The run's ``IdSet`` under ``key`` in ``ctx.scratch``, made on first use (shared between steps)."""
    found = scratch.get(key)
    if found is None:
        found = scratch[key] = IdSet()
    return found
