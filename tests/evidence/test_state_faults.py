"""The state database under faults (issue 7, "Faults"): a process killed inside a state transaction leaves it
intact and without half the change; a state file locked by another process, or read-only, stops `rpsync run`
with a clear error (exit 1, no traceback) before anything is written to either side; `rpsync status` says
the same of a locked file and still reads a read-only one.

Runs killed at random instants (with the same integrity and journal/link checks after every kill) are in
test_crash_trials.py; this file aims at the state database itself.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.state import IntentStatus, open_state
from tests.evidence.crash_trials import run_profile, state_check
from tests.sync.processes import HostedWorld

#: the engine's own transaction, killed (SIGKILL) after both statements and before COMMIT
_KILLED_INSIDE = textwrap.dedent("""
    import os, signal, sys
    from engine.state import IntentStatus, Link, open_state
    state = open_state(sys.argv[1])
    intent = int(sys.argv[2])
    with state.transaction():   # as steps/base.py records an outcome: the intent and the link together
        state.finish_intent(intent, IntentStatus.DONE, result_id="901")
        state.save_link(Link(agenda="address_book", raynet_id=901, pohoda_id=902))
        os.kill(os.getpid(), signal.SIGKILL)
""")


def test_killed_inside_a_state_transaction_the_database_is_intact_and_has_none_of_it(tmp_path):
    path = tmp_path / "state.sqlite"
    state = open_state(path)
    run_id = state.start_run("standard.yaml").id
    intent = state.begin_intent(run_id, "address_book", "raynet", "create", "address_book:create:1",
                                source_id="7", ext_id="pohoda-7")
    state.close()
    child = subprocess.run([sys.executable, "-c", _KILLED_INSIDE, str(path), str(intent.id)],
                           capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert child.returncode == -9, child.stderr
    assert state_check(path) == ("ok", 1, [])   # integrity ok; the write stays pending; no half-recorded outcome
    state = open_state(path)
    try:
        assert [i.status for i in state.intents()] == [IntentStatus.PENDING]
        assert list(state.iter_links()) == []
    finally:
        state.close()


@pytest.fixture()
def synced(tmp_path, pohoda_xsd_dir):
    """The demo world after one run (the state file exists), and what the simulators hold."""
    world = HostedWorld(tmp_path / "w", xsd_dir=pohoda_xsd_dir)
    assert run_profile(world.profile).exit_code == 3
    yield world
    world.close()


def _writes(world: HostedWorld) -> tuple[int, dict[str, int]]:
    raynet = sum(1 for r in world.raynet.store.requests if r.method != "GET")
    return raynet, {a: world.pohoda.store.count(a) for a in ("address_book", "contracts", "offers",
                                                              "received_orders", "issued_invoices")}


def _clear_refusal(done, words: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert words in done.stderr and "hint:" in done.stderr, done.stderr


def test_a_state_file_locked_by_another_process_stops_run_and_status_clearly(synced):
    # another process holds SQLite's exclusive lock (a second sync on the same state, a backup tool)
    locker = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()", str(synced.state_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        before = _writes(synced)
        _clear_refusal(synced.run(), "is locked by another process")
        assert _writes(synced) == before   # refused before writing anything to either side
        _clear_refusal(synced.rpsync("status", "--profile", str(synced.profile)), "is locked by another process")
    finally:
        locker.stdin.close()
        locker.wait(10)
    assert synced.rpsync("status", "--profile", str(synced.profile)).returncode == 3   # usable again


def _make_read_only(path: Path) -> None:
    """Read-only even for root (who ignores file modes): the immutable attribute, as on a read-only mount."""
    os.chmod(path, 0o444)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)


def _make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    os.chmod(path, 0o644)


def test_a_read_only_state_file_stops_run_clearly_and_status_still_reads_it(synced):
    before_bytes = synced.state_path.read_bytes()
    _make_read_only(synced.state_path)
    try:
        with pytest.raises(OSError):   # the file really is read-only for this user
            synced.state_path.open("ab").close()
        before = _writes(synced)
        _clear_refusal(synced.run(), "is read-only")
        assert _writes(synced) == before   # nothing sent to either side by a run that could not record it
        # status only reads: it shows the state of a read-only file (a backup, a locked-down server)
        shown = synced.rpsync("status", "--profile", str(synced.profile), "--json")
        assert shown.returncode == 3 and "Traceback" not in shown.stderr, shown.stderr
        assert '"quarantine"' in shown.stdout and '"address_book"' in shown.stdout
    finally:
        _make_writable(synced.state_path)
    assert synced.state_path.read_bytes() == before_bytes
    con = sqlite3.connect(synced.state_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    assert run_profile(synced.profile).exit_code == 3   # writable again: the sync goes on
