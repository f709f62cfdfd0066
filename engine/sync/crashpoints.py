"""Deterministic crash points for fault tests (like etcd's gofail failpoints).

The runner calls ``crashpoint("name")`` at every instant where a crash matters
(after journaling an intent, after sending a write, after recording its outcome,
after advancing a cursor …). When the environment variable
``RPSYNC_CRASH_AFTER`` is set to N, the N-th crash point reached kills the
process with SIGKILL — no cleanup, no flush, exactly like ``kill -9``.
``RPSYNC_CRASH_AT`` names the point instead (``address_book:pohoda:sent``, or
``address_book:pohoda:sent#2`` for its second occurrence), so a test can aim
at one instant without counting. ``RPSYNC_CRASH_LOG`` (a file path) records
the name of the point that fired.
Without the variables, a crash point costs one integer comparison.
"""

from __future__ import annotations

import os
import signal

_limit = 0
_at_name = ""
_at_nth_value = 1
_armed = False
_count = 0
_seen_at = 0


def arm() -> None:
    """(Re)read ``RPSYNC_CRASH_AFTER``/``RPSYNC_CRASH_AT`` and start counting from zero.

    Done on import; a process forked from one that imported the engine already
    (crash trials fork their runs from a warmed-up server) calls it itself."""
    global _limit, _at_name, _at_nth_value, _armed, _count, _seen_at
    _limit = int(os.environ.get("RPSYNC_CRASH_AFTER", "0") or 0)
    _at_name, _, at_nth = (os.environ.get("RPSYNC_CRASH_AT") or "").partition("#")
    _at_nth_value = int(at_nth or 1)
    _armed = bool(_limit or _at_name)
    _count = _seen_at = 0


arm()


def crashpoint(name: str) -> None:
    global _count, _seen_at
    if not _armed:
        return
    _count += 1
    fire = bool(_limit) and _count >= _limit
    if _at_name and name == _at_name:
        _seen_at += 1
        fire = fire or _seen_at >= _at_nth_value
    if fire:
        log = os.environ.get("RPSYNC_CRASH_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{name}\n")
        os.kill(os.getpid(), signal.SIGKILL)


def reached() -> int:
    """How many crash points this process has passed (for tests sizing their trials)."""
    return _count
