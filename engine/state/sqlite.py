"""SQLite implementation of the state store (one file per sync, WAL journal).

Durability: WAL with ``synchronous=NORMAL`` keeps every committed transaction
across a killed process (only a power loss may roll back the newest ones), and
SQLite's atomic commit means a process killed mid-transaction leaves the file
consistent. Each public method that changes state commits before it returns,
unless it runs inside ``transaction()``.
"""

from __future__ import annotations

import json
import operator
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from engine.state.model import Intent, IntentStatus, Link, QuarantineEntry, RunRecord
from engine.state.store import StateError, StateStore
from engine.sync.snapshot import fingerprint, from_json, to_json

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS links (
    id             INTEGER PRIMARY KEY,
    agenda         TEXT NOT NULL,
    raynet_entity  TEXT,
    raynet_id      INTEGER,
    pohoda_id      INTEGER,
    pohoda_number  TEXT,
    raynet_ext_id  TEXT,
    pohoda_ext_id  TEXT,
    parent_key     TEXT,
    deleted_on     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS links_raynet ON links(agenda, raynet_id) WHERE raynet_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS links_pohoda ON links(agenda, pohoda_id) WHERE pohoda_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS links_number ON links(agenda, pohoda_number);
CREATE INDEX IF NOT EXISTS links_rext ON links(agenda, raynet_ext_id);
CREATE INDEX IF NOT EXISTS links_pext ON links(agenda, pohoda_ext_id);
CREATE INDEX IF NOT EXISTS links_parent ON links(agenda, parent_key);
CREATE INDEX IF NOT EXISTS links_agenda ON links(agenda);
CREATE TABLE IF NOT EXISTS shadows (
    agenda      TEXT NOT NULL,
    side        TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (agenda, side, record_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (
    agenda     TEXT NOT NULL,
    direction  TEXT NOT NULL,
    value      TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (agenda, direction)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intents (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL,
    agenda       TEXT NOT NULL,
    target       TEXT NOT NULL,
    op           TEXT NOT NULL,
    key          TEXT NOT NULL,
    source_id    TEXT,
    ext_id       TEXT,
    payload_hash TEXT,
    status       TEXT NOT NULL,
    result_id    TEXT,
    message      TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX IF NOT EXISTS intents_status ON intents(status);
CREATE INDEX IF NOT EXISTS intents_run ON intents(run_id);
CREATE TABLE IF NOT EXISTS quarantine (
    agenda       TEXT NOT NULL,
    side         TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    record_label TEXT NOT NULL DEFAULT '',
    field        TEXT,
    rule         TEXT,
    message      TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    times        INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (agenda, side, record_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    mapping     TEXT,
    summary     TEXT
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _explain(exc: sqlite3.Error, path: Path) -> StateError:
    text = str(exc).lower()
    if isinstance(exc, sqlite3.IntegrityError):
        return StateError(f"the state database {path} refused a change that would link one record twice: {exc}")
    if "locked" in text or "busy" in text:
        return StateError(
            f"the state database {path} is locked by another process",
            hint="another rpsync run is probably working on the same sync; wait for it or stop it",
        )
    if "readonly" in text or "read-only" in text or "attempt to write" in text:
        return StateError(
            f"the state database {path} is read-only",
            hint="give the user running rpsync write access to the file and its folder",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StateError(
            f"the state database {path} is damaged: {exc}",
            hint="restore it from a backup; never delete it (the links between records live there)",
        )
    if "unable to open" in text:
        return StateError(
            f"the state database {path} cannot be opened: {exc}",
            hint="check that the folder exists and is writable",
        )
    return StateError(f"the state database {path} failed: {exc}")


#: ``find_link``: the prefetched answers do not know this Raynet id
_UNKNOWN = object()
#: Link's fields, in the order ``_link_of`` takes their columns
_LINK_FIELDS = ("agenda", "raynet_id", "pohoda_id", "pohoda_number", "raynet_ext_id", "pohoda_ext_id",
                "raynet_entity", "deleted_on", "parent_key", "id")
#: the links columns of ``_LINK_FIELDS``, in their order (``_links_in``), and a row's id (its last)
_LINK_SELECT = ", ".join(_LINK_FIELDS)
_ROW_ID = operator.itemgetter(len(_LINK_FIELDS) - 1)
#: a links row's column names -> the index of each of _LINK_FIELDS in it (sqlite3.Row finds a column by name
#: with a case-insensitive scan of every column: ten of those cost more than the rest of a Link)
_COLUMNS: dict[tuple, tuple[int, ...]] = {}


def _columns_of(row: sqlite3.Row) -> tuple[int, ...]:
    names = tuple(row.keys())
    found = _COLUMNS.get(names)
    if found is None:
        found = _COLUMNS[names] = tuple(names.index(f) for f in _LINK_FIELDS)
    return found


def _new_link(values: Iterable[Any]) -> Link:
    """The Link of the values of ``_LINK_FIELDS``, in their order. The frozen dataclass's fields are set as its
    own __init__ sets them (object.__setattr__; here all at once): a run makes a Link of every link it looks
    at, a few per record, and __init__ costs 1.6 µs."""
    link = object.__new__(Link)
    link.__dict__.update(zip(_LINK_FIELDS, values))
    return link


def _link_of(row: sqlite3.Row, columns: tuple[int, ...]) -> Link:
    """The Link of a links row (``columns``: where each of ``_LINK_FIELDS`` is in it)."""
    return _new_link([row[i] for i in columns])


class SqliteStateStore(StateStore):
    def __init__(self, path: str | os.PathLike, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._local_depth = 0
        self._lock = threading.RLock()
        #: (agenda, Raynet id) -> its link, or None: what ``prefetch_links`` looked up for the page at hand
        self._prefetched: dict[tuple[str, int], Link | None] = {}
        #: (agenda, parent key) -> its links: what ``prefetch_children`` looked up
        self._children: dict[tuple[str, str], tuple[Link, ...]] = {}
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal" and str(path) != ":memory:":
                raise StateError(f"the state database {self.path} cannot use WAL journaling (got {mode})")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self.transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if row is None:
                    self._db.execute(
                        "INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                    )
                elif int(row[0]) > SCHEMA_VERSION:
                    raise StateError(
                        f"the state database {self.path} was written by a newer rpsync "
                        f"(schema {row[0]}, this one knows {SCHEMA_VERSION})",
                        hint="upgrade rpsync",
                    )
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None

    # --- plumbing ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._local_depth == 0
            try:
                if outer:
                    self._db.execute("BEGIN IMMEDIATE")
                self._local_depth += 1
                try:
                    yield
                finally:
                    self._local_depth -= 1
                if outer:
                    self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self.clear_prefetched()  # it may hold what the transaction wrote
                if outer and self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise _explain(exc, self.path) from None
            except BaseException:
                self.clear_prefetched()
                if outer and self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _exec(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            with self.transaction():
                return self._db.execute(sql, params)
        except sqlite3.Error as exc:  # pragma: no cover - transaction() already maps
            raise _explain(exc, self.path) from None

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _explain(exc, self.path) from None

    def _query_tuples(self, sql: str, params: tuple = ()) -> list[tuple]:
        """``_query`` with the rows as plain tuples."""
        with self._lock:
            try:
                cursor = self._db.cursor()
                cursor.row_factory = None
                return cursor.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _explain(exc, self.path) from None

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error:
                pass

    def __enter__(self) -> "SqliteStateStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- meta ----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._exec("DELETE FROM meta WHERE key=?", (key,))
        else:
            self._exec(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    # --- links ---------------------------------------------------------------
    @staticmethod
    def _link(row: sqlite3.Row) -> Link:
        return _link_of(row, _columns_of(row))

    #: most answers ``prefetch_links``/``prefetch_children`` keep (a few pages' worth); more, and they start again
    PREFETCH_MAX = 5000

    def prefetch_links(self, agenda: str, raynet_ids: Iterable[Any]) -> None:
        """Look up the links of these Raynet ids of ``agenda`` in one query: ``find_link(agenda, raynet_id=…)``
        answers them from memory (found or not) until ``clear_prefetched``. A run prefetches the links a page of
        records refers to (one query per page and agenda instead of one per record). Every write through this
        store keeps the answers true: saving a link forgets the answers for its Raynet ids (before and after)
        and parent keys, deleting one or a rollback forgets them all. A write by another process meanwhile (two
        runs on one state at once, which rpsync does not support) is seen from the next page on, as a row read
        earlier in the page would be."""
        ids = sorted({i for i in raynet_ids if type(i) is int})
        if not ids:
            return
        found: dict[int, Link] = {}
        for link in self._links_in("raynet_id", agenda, ids):
            found.setdefault(link.raynet_id, link)  # the first by id, as find_link takes
        with self._lock:
            prefetched = self._prefetched
            if len(prefetched) + len(ids) > self.PREFETCH_MAX:
                prefetched.clear()
            for i in ids:
                prefetched[(agenda, i)] = found.get(i)

    def prefetch_children(self, agenda: str, parent_keys: Iterable[Any]) -> None:
        """``links_with_parent(agenda, key)`` of these keys in one query, answered from memory as
        ``prefetch_links``' answers are."""
        keys = sorted({k for k in parent_keys if type(k) is str})
        if not keys:
            return
        found: dict[str, list[Link]] = {k: [] for k in keys}
        for link in self._links_in("parent_key", agenda, keys):
            found[link.parent_key].append(link)
        with self._lock:
            children = self._children
            if len(children) + len(keys) > self.PREFETCH_MAX:
                children.clear()
            for key, links in found.items():
                children[(agenda, key)] = tuple(links)

    def _links_in(self, column: str, agenda: str, values: list) -> list[Link]:
        """The links of ``agenda`` whose ``column`` is one of ``values``, in id order.

        No ``ORDER BY id`` in the query: with it, SQLite walks the agenda's index in id order through every
        link of the agenda (100 000 a page at scale) instead of looking the values up in ``column``'s index.
        The rows come as plain tuples of ``_LINK_FIELDS`` (a ``sqlite3.Row`` and its look-ups by name cost as
        much as the query, a few hundred rows a page)."""
        rows: list[tuple] = []
        for start in range(0, len(values), 500):  # SQLite's default limit on ? parameters is 999
            chunk = values[start:start + 500]
            rows += self._query_tuples(f"SELECT {_LINK_SELECT} FROM links WHERE agenda=? AND {column} IN "
                                       f"({','.join('?' * len(chunk))})", (agenda, *chunk))
        rows.sort(key=_ROW_ID)
        return [_new_link(row) for row in rows]

    def clear_prefetched(self) -> None:
        with self._lock:
            self._prefetched.clear()
            self._children.clear()

    def _forget_link(self, agenda: str, raynet_id: Any, parent_key: Any) -> None:
        """A link of ``agenda`` with this Raynet id and parent key is written: the prefetched answers about either
        no longer hold (the answers about other ids and keys do: a link has one of each)."""
        if self._prefetched or self._children:
            with self._lock:
                self._prefetched.pop((agenda, raynet_id), None)
                self._children.pop((agenda, parent_key), None)

    def find_link(self, agenda, *, raynet_id=None, pohoda_id=None, pohoda_number=None,
                  raynet_ext_id=None, pohoda_ext_id=None) -> Link | None:
        if type(raynet_id) is int and self._prefetched:
            known = self._prefetched.get((agenda, raynet_id), _UNKNOWN)
            if known is not _UNKNOWN:
                if known is not None or (pohoda_id is None and pohoda_number is None and raynet_ext_id is None
                                         and pohoda_ext_id is None):
                    return known
                raynet_id = None  # none by the Raynet id: the other keys are looked up as usual
        for column, value in (
            ("raynet_id", raynet_id),
            ("pohoda_id", pohoda_id),
            ("raynet_ext_id", raynet_ext_id),
            ("pohoda_ext_id", pohoda_ext_id),
            ("pohoda_number", pohoda_number),
        ):
            if value is None:
                continue
            rows = self._query(f"SELECT * FROM links WHERE agenda=? AND {column}=? ORDER BY id LIMIT 1",
                               (agenda, value))
            if rows:
                return self._link(rows[0])
        return None

    def save_link(self, link: Link) -> Link:
        self._forget_link(link.agenda, link.raynet_id, link.parent_key)
        now = _now()
        values = (
            link.agenda, link.raynet_entity, link.raynet_id, link.pohoda_id, link.pohoda_number,
            link.raynet_ext_id, link.pohoda_ext_id, link.parent_key, link.deleted_on,
        )
        with self.transaction():
            existing = None
            if link.id is not None:
                old = self._db.execute("SELECT agenda, raynet_id, parent_key FROM links WHERE id=?",
                                       (link.id,)).fetchone()
                if not old:
                    raise StateError(f"link {link.id} does not exist in {self.path}")
                self._forget_link(old["agenda"], old["raynet_id"], old["parent_key"])
                existing = link.id
            else:
                by_raynet = self.find_link(link.agenda, raynet_id=link.raynet_id) if link.raynet_id else None
                by_pohoda = self.find_link(link.agenda, pohoda_id=link.pohoda_id) if link.pohoda_id else None
                found = by_raynet or by_pohoda
                if by_raynet and by_pohoda and by_raynet.id != by_pohoda.id:
                    raise StateError(
                        f"{link.agenda}: Raynet record {link.raynet_id} and POHODA record {link.pohoda_id} "
                        "are each already linked to other records"
                    )
                if found and (
                    (found.raynet_id is not None and link.raynet_id is not None and found.raynet_id != link.raynet_id)
                    or (found.pohoda_id is not None and link.pohoda_id is not None and found.pohoda_id != link.pohoda_id)
                ):
                    raise StateError(
                        f"{link.agenda}: cannot link Raynet {link.raynet_id} with POHODA {link.pohoda_id}: "
                        f"already linked as Raynet {found.raynet_id} ⇄ POHODA {found.pohoda_id}"
                    )
                existing = found.id if found else None
                if found is not None:
                    self._forget_link(found.agenda, found.raynet_id, found.parent_key)
            if existing is None:
                cur = self._db.execute(
                    "INSERT INTO links(agenda, raynet_entity, raynet_id, pohoda_id, pohoda_number, raynet_ext_id,"
                    " pohoda_ext_id, parent_key, deleted_on, created_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    values + (now, now),
                )
                link_id = cur.lastrowid
            else:
                self._db.execute(
                    "UPDATE links SET agenda=?, raynet_entity=?, raynet_id=?, pohoda_id=?, pohoda_number=?,"
                    " raynet_ext_id=?, pohoda_ext_id=?, parent_key=?, deleted_on=?, updated_at=? WHERE id=?",
                    values + (now, existing),
                )
                link_id = existing
            row = self._db.execute("SELECT * FROM links WHERE id=?", (link_id,)).fetchone()
            # and as stored (SQLite keeps a Raynet id given as "5" as the integer 5, the prefetched answers' key)
            self._forget_link(row["agenda"], row["raynet_id"], row["parent_key"])
        return self._link(row)

    def delete_link(self, link_id: int) -> None:
        self.clear_prefetched()
        self._exec("DELETE FROM links WHERE id=?", (link_id,))

    def iter_links(self, agenda: str | None = None) -> Iterator[Link]:
        if agenda is None:
            rows = self._query("SELECT * FROM links ORDER BY agenda, id")
            return (self._link(r) for r in rows)
        return (self._link(r) for r in self._paged("SELECT * FROM links WHERE agenda=?", (agenda,)))

    def links_with_parent(self, agenda: str, parent_key: str) -> Iterator[Link]:
        if self._children:
            known = self._children.get((agenda, parent_key))
            if known is not None:
                return iter(known)
        rows = self._query("SELECT * FROM links WHERE agenda=? AND parent_key=? ORDER BY id", (agenda, parent_key))
        return (self._link(r) for r in rows)

    #: rows per query of a paged read (``_paged``)
    PAGE = 1000

    def _paged(self, select: str, params: tuple) -> Iterator[sqlite3.Row]:
        """The rows of ``select`` (``… WHERE …`` on a table with an ``id``) in id order, a page at a time, so a
        large agenda is never held in memory at once (and no cursor stays open between pages)."""
        last = None
        while True:
            page = self._query(f"{select} AND id > ? ORDER BY id LIMIT ?",
                               (*params, last if last is not None else -(1 << 62), self.PAGE))
            yield from page
            if len(page) < self.PAGE:
                return
            last = page[-1]["id"]

    def count_links(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._query("SELECT agenda, COUNT(*) FROM links GROUP BY agenda ORDER BY agenda")}

    # --- shadows -------------------------------------------------------------
    def get_shadow(self, agenda, side, record_id):
        rows = self._query(
            "SELECT data FROM shadows WHERE agenda=? AND side=? AND record_id=?", (agenda, side, str(record_id))
        )
        return from_json(rows[0][0]) if rows else None

    def get_fingerprint(self, agenda, side, record_id):
        rows = self._query(
            "SELECT fingerprint FROM shadows WHERE agenda=? AND side=? AND record_id=?",
            (agenda, side, str(record_id)),
        )
        return rows[0][0] if rows else None

    def set_shadow(self, agenda, side, record_id, shadow) -> None:
        data = to_json(shadow)
        self._exec(
            "INSERT INTO shadows(agenda, side, record_id, fingerprint, data, updated_at) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(agenda, side, record_id) DO UPDATE SET fingerprint=excluded.fingerprint,"
            " data=excluded.data, updated_at=excluded.updated_at",
            (agenda, side, str(record_id), fingerprint(shadow), data, _now()),
        )

    def delete_shadow(self, agenda, side, record_id) -> None:
        self._exec("DELETE FROM shadows WHERE agenda=? AND side=? AND record_id=?", (agenda, side, str(record_id)))

    def delete_shadows(self, agenda, side) -> None:
        self._exec("DELETE FROM shadows WHERE agenda=? AND side=?", (agenda, side))

    def iter_shadows(self, agenda, side):
        last = None
        while True:   # keyset pages on the primary key: no cursor stays open between pages
            page = self._query(
                "SELECT record_id, data FROM shadows WHERE agenda=? AND side=?"
                + (" AND record_id > ?" if last is not None else "") + " ORDER BY record_id LIMIT ?",
                (agenda, side, *(() if last is None else (last,)), self.PAGE))
            for row in page:
                yield row[0], from_json(row[1])
            if len(page) < self.PAGE:
                return
            last = page[-1][0]

    # --- cursors -------------------------------------------------------------
    def get_cursor(self, agenda, direction):
        rows = self._query("SELECT value FROM cursors WHERE agenda=? AND direction=?", (agenda, direction))
        return rows[0][0] if rows else None

    def set_cursor(self, agenda, direction, value) -> None:
        self._exec(
            "INSERT INTO cursors(agenda, direction, value, updated_at) VALUES (?,?,?,?)"
            " ON CONFLICT(agenda, direction) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
            (agenda, direction, value, _now()),
        )

    # --- journal -------------------------------------------------------------
    @staticmethod
    def _intent(row: sqlite3.Row) -> Intent:
        return Intent(
            id=row["id"], run_id=row["run_id"], agenda=row["agenda"], target=row["target"], op=row["op"],
            key=row["key"], source_id=row["source_id"], ext_id=row["ext_id"], payload_hash=row["payload_hash"],
            status=IntentStatus(row["status"]), result_id=row["result_id"], message=row["message"],
        )

    def begin_intent(self, run_id, agenda, target, op, key, *, source_id=None, ext_id=None, payload_hash=None):
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO intents(run_id, agenda, target, op, key, source_id, ext_id, payload_hash, status,"
                " created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (run_id, agenda, target, op, key, source_id, ext_id, payload_hash,
                 IntentStatus.PENDING.value, _now()),
            )
            row = self._db.execute("SELECT * FROM intents WHERE id=?", (cur.lastrowid,)).fetchone()
        return self._intent(row)

    def finish_intent(self, intent_id, status, *, result_id=None, message=None) -> None:
        self._exec(
            "UPDATE intents SET status=?, result_id=COALESCE(?, result_id), message=?, finished_at=? WHERE id=?",
            (IntentStatus(status).value, result_id, message, _now(), intent_id),
        )

    def pending_intents(self) -> list[Intent]:
        return [self._intent(r) for r in self._query("SELECT * FROM intents WHERE status='pending' ORDER BY id")]

    def intents(self, run_id=None) -> list[Intent]:
        if run_id is None:
            rows = self._query("SELECT * FROM intents ORDER BY id")
        else:
            rows = self._query("SELECT * FROM intents WHERE run_id=? ORDER BY id", (run_id,))
        return [self._intent(r) for r in rows]

    def intent_results(self, run_id, *, agenda, target, status, op=None) -> Iterator[str]:
        rows = self._paged("SELECT id, result_id FROM intents WHERE run_id=? AND agenda=? AND target=? AND status=?"
                           " AND result_id IS NOT NULL AND result_id != ''" + (" AND op=?" if op else ""),
                           (run_id, agenda, target, IntentStatus(status).value) + ((op,) if op else ()))
        return (r["result_id"] for r in rows)

    # --- quarantine ----------------------------------------------------------
    def quarantine(self, agenda, side, record_id, message, *, record_label="", field=None, rule=None) -> None:
        now = _now()
        self._exec(
            "INSERT INTO quarantine(agenda, side, record_id, record_label, field, rule, message, first_seen,"
            " last_seen, times) VALUES (?,?,?,?,?,?,?,?,?,1)"
            " ON CONFLICT(agenda, side, record_id) DO UPDATE SET record_label=excluded.record_label,"
            " field=excluded.field, rule=excluded.rule, message=excluded.message, last_seen=excluded.last_seen,"
            " times=times+1",
            (agenda, side, str(record_id), record_label, field, rule, message, now, now),
        )

    def release(self, agenda, side, record_id) -> bool:
        cur = self._exec("DELETE FROM quarantine WHERE agenda=? AND side=? AND record_id=?",
                         (agenda, side, str(record_id)))
        return cur.rowcount > 0

    def quarantined(self, agenda=None) -> list[QuarantineEntry]:
        if agenda is None:
            rows = self._query("SELECT * FROM quarantine ORDER BY agenda, side, record_id")
        else:
            rows = self._query("SELECT * FROM quarantine WHERE agenda=? ORDER BY side, record_id", (agenda,))
        return [
            QuarantineEntry(
                agenda=r["agenda"], side=r["side"], record_id=r["record_id"], record_label=r["record_label"],
                field=r["field"], rule=r["rule"], message=r["message"], first_seen=_dt(r["first_seen"]),
                last_seen=_dt(r["last_seen"]), times=r["times"],
            )
            for r in rows
        ]

    # --- runs ----------------------------------------------------------------
    @staticmethod
    def _run(row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            id=row["id"], started_at=_dt(row["started_at"]), finished_at=_dt(row["finished_at"]),
            status=row["status"], mapping=row["mapping"], summary=json.loads(row["summary"] or "{}"),
        )

    def start_run(self, mapping=None) -> RunRecord:
        with self.transaction():
            # a run still marked running was killed: say so in the journal
            self._db.execute("UPDATE runs SET status='interrupted' WHERE status='running'")
            cur = self._db.execute(
                "INSERT INTO runs(started_at, status, mapping) VALUES (?, 'running', ?)", (_now(), mapping)
            )
            row = self._db.execute("SELECT * FROM runs WHERE id=?", (cur.lastrowid,)).fetchone()
        return self._run(row)

    def finish_run(self, run_id, status, summary) -> None:
        self._exec(
            "UPDATE runs SET status=?, finished_at=?, summary=? WHERE id=?",
            (status, _now(), json.dumps(summary, default=str, sort_keys=True), run_id),
        )

    def runs(self, limit=20) -> list[RunRecord]:
        return [self._run(r) for r in self._query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))]

    # --- housekeeping --------------------------------------------------------
    def check_integrity(self) -> list[str]:
        rows = self._query("PRAGMA integrity_check")
        problems = [r[0] for r in rows if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self._query("PRAGMA foreign_key_check")]
        return problems


def open_state(path: str | os.PathLike, *, timeout: float = 5.0) -> SqliteStateStore:
    """Open (creating if needed) the SQLite state database of one sync."""
    return SqliteStateStore(path, timeout=timeout)
