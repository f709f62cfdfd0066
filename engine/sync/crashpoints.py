"""Deterministic crash points for fault tests (like etcd's gofail failpoints).

The runner calls ``crashpoint("name")`` at every instant where a crash matters
(after journaling an intent, after sending a write, after recording its outcome,
after advancing a cursor …). When the environment variable
``RPSYNC_CRASH_AFTER`` is set to N, the N-th crash point reached kills the
process with SIGKILL — no cleanup, no flush, exactly like ``kill -9``.
``RPSYNC_CRASH_LOG`` (a file path) records the name of the point that fired.
Without the variable, a crash point costs one integer comparison.
"""

from __future__ import annotations

import os
import signal

_limit = int(os.environ.get("RPSYNC_CRASH_AFTER", "0") or 0)
_count = 0


def crashpoint(name: str) -> None:
    global _count
    if not _limit:
        return
    _count += 1
    if _count >= _limit:
        log = os.environ.get("RPSYNC_CRASH_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{name}\n")
        os.kill(os.getpid(), signal.SIGKILL)


def reached() -> int:
    """How many crash points this process has passed (for tests sizing their trials)."""
    return _count
