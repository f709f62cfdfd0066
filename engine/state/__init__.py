"""Sync state: links between records, cursors, fingerprints, the write journal,
the quarantine and the run journal.

``StateStore`` is the interface; ``SqliteStateStore`` the default
implementation (one SQLite file per sync, WAL). ``open_state(path)`` opens it.
"""

from engine.state.model import (
    Intent,
    IntentStatus,
    Link,
    QuarantineEntry,
    RunRecord,
)
from engine.state.store import StateStore, StateError
from engine.state.sqlite import SqliteStateStore, open_state

__all__ = [
    "Intent",
    "IntentStatus",
    "Link",
    "QuarantineEntry",
    "RunRecord",
    "StateStore",
    "StateError",
    "SqliteStateStore",
    "open_state",
]
