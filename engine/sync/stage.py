"""Staging: the records a step read this run, kept on disk, not in memory.

A step reads the changed records of both sides before it pairs them. A first
run reads whole agendas (100 000 clients …), so the records go into a
temporary SQLite file with their match keys indexed; the step then walks them
one at a time. Memory stays flat whatever the record count.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from engine.sync.snapshot import from_json, to_json


class Stage:
    def __init__(self, folder: Path | None = None) -> None:
        fd, name = tempfile.mkstemp(prefix="rpsync-stage-", suffix=".sqlite", dir=folder)
        os.close(fd)
        self.path = Path(name)
        self.db = sqlite3.connect(name, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE records (side TEXT, id TEXT, data TEXT, done INTEGER DEFAULT 0,"
                        " seq INTEGER PRIMARY KEY AUTOINCREMENT, UNIQUE(side, id))")
        self.db.execute("CREATE TABLE keys (side TEXT, name TEXT, value TEXT, id TEXT)")
        self.db.execute("CREATE INDEX keys_lookup ON keys(side, name, value)")
        # put() replaces a record's keys by (side, id): without this index each put scanned every key staged
        # so far, and reading n records cost O(n²) (10 000 clients: ~10 ms a record)
        self.db.execute("CREATE INDEX keys_of_record ON keys(side, id)")
        self.db.execute("BEGIN")

    def put(self, side: str, record_id: Any, record: dict, keys: Iterable[tuple[str, str]] = ()) -> None:
        rid = str(record_id)
        self.db.execute("INSERT OR REPLACE INTO records(side, id, data, done) VALUES (?,?,?,0)",
                        (side, rid, to_json(record)))
        self.db.execute("DELETE FROM keys WHERE side=? AND id=?", (side, rid))
        for name, value in keys:
            if value not in (None, ""):
                self.db.execute("INSERT INTO keys VALUES (?,?,?,?)", (side, name, str(value), rid))

    def seal(self) -> None:
        """End of reading: make the staged records visible to iteration."""
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def get(self, side: str, record_id: Any) -> dict | None:
        row = self.db.execute("SELECT data FROM records WHERE side=? AND id=?", (side, str(record_id))).fetchone()
        return from_json(row[0]) if row else None

    def has(self, side: str, record_id: Any) -> bool:
        return self.db.execute("SELECT 1 FROM records WHERE side=? AND id=?", (side, str(record_id))).fetchone() \
            is not None

    def is_done(self, side: str, record_id: Any) -> bool:
        row = self.db.execute("SELECT done FROM records WHERE side=? AND id=?", (side, str(record_id))).fetchone()
        return bool(row and row[0])

    def mark_done(self, side: str, record_id: Any) -> None:
        self.db.execute("UPDATE records SET done=1 WHERE side=? AND id=?", (side, str(record_id)))

    #: records per query of ``pending`` (a page)
    PAGE = 200

    def pending(self, side: str, on_page: Callable[[list[dict]], None] | None = None) -> Iterator[tuple[str, dict]]:
        """Records of ``side`` not yet handled, in reading order (re-queried, so marks made meanwhile count).
        ``on_page`` sees each page's records before the first of them is given (to look up what they refer to
        at once)."""
        last = 0
        while True:
            rows = self.db.execute(
                "SELECT seq, id, data FROM records WHERE side=? AND done=0 AND seq>? ORDER BY seq LIMIT ?",
                (side, last, self.PAGE)).fetchall()
            if not rows:
                return
            page = [(seq, rid, from_json(data)) for seq, rid, data in rows]
            if on_page is not None:
                on_page([record for _, _, record in page])
            for seq, rid, record in page:
                last = seq
                if self.is_done(side, rid):
                    continue
                yield rid, record

    def find(self, side: str, name: str, value: Any, *, only_pending: bool = True) -> list[str]:
        sql = ("SELECT k.id FROM keys k JOIN records r ON r.side=k.side AND r.id=k.id "
               "WHERE k.side=? AND k.name=? AND k.value=?")
        if only_pending:
            sql += " AND r.done=0"
        return [row[0] for row in self.db.execute(sql, (side, name, str(value))).fetchall()]

    def count(self, side: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM records WHERE side=?", (side,)).fetchone()[0]

    def close(self) -> None:
        try:
            self.db.close()
        finally:
            try:
                self.path.unlink()
            except OSError:
                pass

    def __enter__(self) -> "Stage":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
