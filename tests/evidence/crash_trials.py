"""Crash trials: the standard mapping's run on the demo world, killed like ``kill -9`` at a seeded random
instant, restarted, compared with a run that was never interrupted (issue 7, "Faults"; R-G3).

The simulators live in this process (``tests.sync.processes.HostedWorld``); each killed run is a child
process forked from a server process that imported the engine once (a run starts in milliseconds, not the
second ``rpsync run`` spends importing), running what ``rpsync run`` runs: the profile's clients, the
standard mapping, the profile's state file. Two ways to die, both SIGKILL (no cleanup, no flush):

* ``kill``: this process sends SIGKILL after a random delay within a clean run's duration;
* ``point``: the child dies at its n-th crash point (``RPSYNC_CRASH_AFTER``, engine/sync/crashpoints.py),
  n drawn among the crash points a clean run passes — every instant where a crash matters is reachable.

After the kill: the state database passes ``PRAGMA integrity_check`` and its journal agrees with its links
(every write journaled as done has its link); "mid-write" counts kills that left a journaled write without
an outcome. The restart (``rpsync run``'s code in this process) must end with both simulators' stores and
the links equal to the clean run's (``processes.snapshot``: every agenda by content, duplicates counted),
no pending intent, and one more run writes nothing. Used by tests/evidence/test_crash_trials.py and
bench/crash_trials.py.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine.mapping  # noqa: F401  (imported once by the fork server: the runs it forks start at once)
import engine.profile  # noqa: F401
import engine.sync.connect  # noqa: F401
import engine.sync.runner  # noqa: F401
from engine.state import IntentStatus, open_state
from tests.sync.processes import HostedWorld, run_profile, snapshot, wait_until

#: the parts of ``processes.snapshot`` compared with the clean run
PARTS = ("pohoda", "raynet", "links", "link_counts", "pohoda_ext_ids", "quarantine", "pohoda_documents",
         "raynet_records", "raynet_ext_ids_unique", "pending_intents")
MODES = ("kill", "point")
REPO_ROOT = Path(__file__).resolve().parents[2]

def _child(profile: str, env: dict[str, str], out: str) -> None:
    os.environ.update(env)
    from engine.sync import crashpoints

    crashpoints.arm()
    started = time.monotonic()
    result = run_profile(Path(profile))
    Path(out).write_text(json.dumps({"exit": result.exit_code, "points": crashpoints.reached(),
                                     "seconds": time.monotonic() - started}), encoding="utf-8")


class ForkServer:
    """A child process that imported the engine once and forks one run per request (like multiprocessing's
    forkserver, without its re-import of ``__main__``). Requests and answers are JSON lines:
    ``{"id", "profile", "env", "out"}`` → ``{"request": id, "pid"}`` at once, ``{"request": id, "status"}`` (the
    exit code, -9 when killed) when that run ended. Answers carry their request's id: one left unread by a trial
    that failed half-way is skipped by the next. The server reaps an ended run only when the next request
    comes, so until then its pid cannot be given to another process (a late SIGKILL hits nothing else)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", f"from {__name__} import serve; serve()"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                                     cwd=str(REPO_ROOT), env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        self._buffer = b""
        self._requests = 0
        self._current: int | None = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _line(self, timeout: float | None) -> dict | None:
        end = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if end is None else max(0.0, end - time.monotonic())
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError("the crash-trial fork server died")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def start(self, profile: Path, env: dict[str, str], out: Path) -> int:
        """Fork a run; its pid."""
        out.unlink(missing_ok=True)
        self._requests += 1
        self._current = self._requests
        self.proc.stdin.write((json.dumps({"id": self._current, "profile": str(profile), "env": env,
                                           "out": str(out)}) + "\n").encode())
        while True:   # answers to an earlier request (its trial failed before reading them) are skipped
            answer = self._line(None)
            if answer.get("request") == self._current and "pid" in answer:
                return answer["pid"]

    def wait(self, timeout: float | None) -> int | None:
        """The run's exit code (-9: killed), or ``None`` if it is still running after ``timeout`` seconds."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            answer = self._line(None if end is None else max(0.0, end - time.monotonic()))
            if answer is None:
                return None
            if answer.get("request") == self._current and "status" in answer:
                return answer["status"]

    def kill(self, pid: int) -> int:
        """SIGKILL the run (like kill -9); its exit code. A run that ended before the signal keeps its own
        (it is a zombie until the next request: the signal does nothing to it)."""
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.wait(None)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def serve() -> None:
    """The fork server's loop (stdin/stdout of ``ForkServer``)."""
    ended = None
    for line in sys.stdin:
        request = json.loads(line)
        if ended is not None:
            os.waitpid(ended, 0)   # reap the last run now: its pid was not free while a SIGKILL could come
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _child(request["profile"], request["env"], request["out"])
                code = 0
            finally:
                os._exit(code)
        print(json.dumps({"request": request["id"], "pid": pid}), flush=True)
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)   # ended; left a zombie (not reaped)
        status = info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
        print(json.dumps({"request": request["id"], "status": status}), flush=True)
        ended = pid


_server: ForkServer | None = None


def fork_server() -> ForkServer:
    """The fork server (a new one if the last one died: one dead server must not fail every later trial)."""
    global _server
    if _server is None or not _server.alive():
        _server = ForkServer()
        atexit.register(_server.close)
    return _server


def settle(world: HostedWorld) -> None:
    """Let the simulators finish what the dead run had in flight (a real server does too)."""
    wait_until(lambda: world.raynet._in_flight == 0 and not world.pohoda._busy.locked(), 10)


@dataclass
class Calibration:
    """A clean run: what it leaves (the snapshot to compare with), how long it takes, its crash points."""

    expected: dict[str, Any]
    seconds: float
    points: int


def calibrate(folder: Path, xsd_dir: Path | None) -> Calibration:
    world = HostedWorld(folder, xsd_dir=xsd_dir)
    try:
        out = world.dir / "child.json"
        server = fork_server()
        server.start(world.profile, {"RPSYNC_CRASH_AFTER": str(10 ** 9)}, out)   # armed, never fires: counts
        status = server.wait(120)
        assert status == 0, f"the clean run's child failed ({status})"
        done = json.loads(out.read_text(encoding="utf-8"))
        assert done["exit"] == 3, done   # the demo's records bad on purpose are quarantined
        return Calibration(snapshot(world), done["seconds"], done["points"])
    finally:
        world.close()


def state_check(path: Path) -> tuple[str, int, list[str]]:
    """After a kill: ``PRAGMA integrity_check``, writes journaled without an outcome, journal/links disagreements."""
    if not path.exists():
        return "ok", 0, []   # killed before the state database was created
    con = sqlite3.connect(path)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    state = open_state(path)
    try:
        intents = state.intents()
        links = list(state.iter_links())
    finally:
        state.close()
    pending = sum(1 for i in intents if i.status == IntentStatus.PENDING)
    linked = {(link.agenda, side, str(i)) for link in links
              for side, i in (("raynet", link.raynet_id), ("pohoda", link.pohoda_id)) if i is not None}
    # a create journaled as done was linked in the same transaction (steps/base.py: the outcome and the link
    # together), in every agenda of the standard mapping
    unlinked = [f"{i.agenda} {i.target} {i.op} -> {i.result_id}" for i in intents
                if i.status == IntentStatus.DONE and i.op == "create" and i.result_id
                and (i.agenda, i.target, i.result_id) not in linked]
    return integrity, pending, unlinked


def differences(after: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """The snapshot parts (agendas for documents) where ``after`` differs from ``expected``."""
    out = []
    for part in PARTS:
        if isinstance(expected[part], dict) and part in ("pohoda_documents", "raynet_records"):
            out += [f"{part}.{agenda}" for agenda in expected[part] if after[part].get(agenda) != expected[part][agenda]]
        elif after[part] != expected[part]:
            out.append(part)
    return out


@dataclass
class Trial:
    seed: int
    mode: str                  # kill | point
    at: float                  # seconds (kill) or crash point number (point)
    killed: bool = False       # the run died (False: it finished before the kill)
    mid_write: int = 0         # writes journaled without an outcome when it died
    integrity: str = "ok"
    unlinked: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.integrity == "ok" and not self.unlinked and not self.mismatches


def run_trial(folder: Path, seed: int, calibration: Calibration, xsd_dir: Path | None,
              mode: str | None = None) -> Trial:
    """One trial: a fresh demo world, a run killed at a point drawn from ``seed``, the restart, the comparison."""
    started = time.monotonic()
    rng = random.Random(seed)
    mode = mode or MODES[seed % len(MODES)]
    if mode == "kill":
        trial = Trial(seed, mode, round(rng.uniform(0.0, 0.9 * calibration.seconds), 3))
        env = {}
    else:
        trial = Trial(seed, mode, rng.randint(1, calibration.points))
        env = {"RPSYNC_CRASH_AFTER": str(trial.at)}
    world = HostedWorld(folder, xsd_dir=xsd_dir)
    try:
        server = fork_server()
        pid = server.start(world.profile, env, world.dir / "child.json")
        status = server.wait(trial.at if mode == "kill" else 120)
        if status is None:
            status = server.kill(pid)
        trial.killed = status == -signal.SIGKILL
        settle(world)
        trial.integrity, trial.mid_write, trial.unlinked = state_check(world.state_path)
        restart = run_profile(world.profile)
        after = snapshot(world)
        trial.mismatches = differences(after, calibration.expected)
        if restart.exit_code != 3:
            trial.mismatches.append(f"restart exit {restart.exit_code}: {restart.report.message}")
        rest = run_profile(world.profile)   # the world is at rest: one more run writes nothing
        totals = rest.report.totals()
        if totals.created or totals.updated or snapshot(world) != after:
            trial.mismatches.append(f"a run after the restart wrote ({totals.created} created, "
                                    f"{totals.updated} updated)")
    finally:
        world.close()
    trial.seconds = time.monotonic() - started
    return trial
