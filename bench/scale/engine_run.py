"""One engine run, as ``rpsync run`` does it, instrumented for the scale bench (runs in its own process).

    python -m bench.scale.engine_run MAPPING PROFILE OUT.json

Loads the mapping and the connection profile and calls ``run_sync`` exactly as
``engine/cli/run.py`` does (production clients over loopback HTTP); the
progress callback notes, at each agenda's start and end, the time, this
process's peak RSS so far, and the requests sent so far, split into reads and
writes (Raynet: GET vs. any other verb, every HTTP attempt counted; POHODA:
list dataPacks vs. import dataPacks sent by ``submit``). Writes the per-agenda figures and the
run report to OUT.json. The counting wraps two methods of this process's client
objects; nothing else changes.

With ``RPSYNC_BENCH_MEMORY=N`` OUT.memory.txt gets, per agenda and phase of its step (the
step's progress messages: reading Raynet, reading POHODA …, and "pairing and writing" from the
end of its reading, marked by wrapping ``Stage.seal``), the RSS at the phase's start and its
highest (a watcher thread samples it every 50 ms). N > 0 also traces the run with
``tracemalloc`` keeping N frames per allocation (slower, and its bookkeeping adds to the RSS):
the Python heap per phase, and per agenda the top allocations by line at its heap high (a
snapshot at each new high, 1 MB steps), dumped to OUT-AGENDA.snap
(``tracemalloc.Snapshot.load``) for diffs between scales. Memory outside the Python heap
(SQLite's page cache, libxml2, freed memory malloc keeps) shows only in the RSS.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: the high-water mark of its own address space).

    Not ``getrusage(...).ru_maxrss``: Linux carries that over exec from the process that
    forked (or vforked) the child — here the bench process holding both simulators — so
    it would report the simulators' memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB or bytes, best effort


class HeapTracer:
    """Per agenda and phase (the step's progress messages): the RSS (``VmRSS``) at its start and its
    highest, sampled every 50 ms by a watcher thread; with ``frames`` > 0 also ``tracemalloc``: the
    Python heap at the phase's start and its peak, and a snapshot at each new heap high of the agenda
    (1 MB steps)."""

    STEP = 1 << 20

    def __init__(self, out: str, frames: int) -> None:
        import threading
        import tracemalloc

        self.tm = tracemalloc if frames > 0 else None
        self.out, self.lines = out, []
        self.agenda: str | None = None
        self.phase = ""
        self.peak_snap = None
        self.high = self.start_heap = 0
        self.rss_high = 0.0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        if self.tm is not None:
            tracemalloc.start(frames)
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def heap(self) -> int:
        return self.tm.get_traced_memory()[0] if self.tm is not None else 0

    def _watch(self) -> None:
        while not self.stop.wait(0.05):
            with self.lock:
                if self.agenda is None:
                    continue
                self.rss_high = max(self.rss_high, rss_mb())
                if self.tm is None:
                    continue
                current = self.heap()
                if current > self.high + self.STEP:
                    self.high = current
                    self.peak_snap = self.tm.take_snapshot()

    def _phase(self, phase: str) -> None:
        """Close the running phase's line, open ``phase``."""
        mb = 1 / (1 << 20)
        now_rss = rss_mb()
        if self.phase:
            peak = self.tm.get_traced_memory()[1] * mb if self.tm is not None else 0
            self.lines.append(f"  {self.phase:<24} RSS {self.phase_rss:6.1f} → max {max(self.rss_high, now_rss):6.1f}"
                              f" MB   heap {self.phase_heap * mb:5.1f} → max {peak:5.1f} MB")
        self.phase, self.phase_rss, self.rss_high, self.phase_heap = phase, now_rss, now_rss, self.heap()
        if self.tm is not None:
            self.tm.reset_peak()

    def progress(self, agenda: str, message: str) -> None:
        with self.lock:
            if message == "start":
                self.agenda, self.high, self.peak_snap = agenda, self.heap(), None
                self.start_heap = self.high
                self.lines.append(f"## {agenda}")
                self._phase("start")
            elif message == "done":
                self._phase("")
                self.agenda = None
                self.lines.append(f"  VmHWM {peak_rss_mb():.1f} MB")
                if self.peak_snap is not None:
                    self.lines.append(f"  top lines at the agenda's heap high ({self.high / (1 << 20):.1f} MB):")
                    snap = self.peak_snap.filter_traces((self.tm.Filter(False, self.tm.__file__),))
                    self.lines += [f"    {stat}" for stat in snap.statistics("lineno")[:20]]
                    snap.dump(f"{Path(self.out).with_suffix('')}-{agenda}.snap")
            else:
                self._phase(message[:24])

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        Path(self.out).with_suffix(".memory.txt").write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        if self.tm is not None:
            self.tm.stop()


def rss_mb() -> float:
    """This process's resident set now (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(mapping_path: str, profile_path: str, out: str) -> int:
    from engine.mapping import load_mapping
    from engine.profile import load_profile
    from engine.sync.connect import pohoda_from_profile, raynet_from_profile
    from engine.sync.runner import run_sync

    started = time.perf_counter()
    model = load_mapping(Path(mapping_path))
    prof = load_profile(Path(profile_path), env=dict(os.environ))
    raynet = raynet_from_profile(prof)
    pohoda = pohoda_from_profile(prof, model)
    counts = {"raynet_read": 0, "raynet_write": 0, "pohoda_write": 0}

    attempt = raynet.client._attempt

    def counted_attempt(method, *args, **kwargs):
        counts["raynet_read" if method == "GET" else "raynet_write"] += 1
        return attempt(method, *args, **kwargs)

    raynet.client._attempt = counted_attempt
    submit = pohoda.transport.submit

    def counted_submit(*args, **kwargs):  # import dataPacks (lists go through open_response)
        counts["pohoda_write"] += 1
        return submit(*args, **kwargs)

    pohoda.transport.submit = counted_submit

    def snapshot() -> dict:
        return {"t": time.perf_counter(), "rss": peak_rss_mb(), **counts,
                "pohoda_read": pohoda.requests - counts["pohoda_write"]}

    agendas: dict[str, dict] = {}
    marks: dict[str, dict] = {}

    def progress(agenda: str, message: str) -> None:
        if message == "start":
            marks[agenda] = snapshot()
        elif message == "done":
            begin, end = marks.pop(agenda), snapshot()
            agendas[agenda] = {"seconds": end["t"] - begin["t"], "peak_rss_mb": end["rss"],
                               **{k: end[k] - begin[k] for k in ("raynet_read", "raynet_write", "pohoda_read",
                                                                 "pohoda_write")}}

    tracer = HeapTracer(out, int(os.environ["RPSYNC_BENCH_MEMORY"])) \
        if os.environ.get("RPSYNC_BENCH_MEMORY") else None
    if tracer is not None:
        def progress(agenda: str, message: str, counted=progress) -> None:  # noqa: F811
            counted(agenda, message)
            tracer.progress(agenda, message)

        from engine.sync.stage import Stage
        seal = Stage.seal

        def sealed(stage) -> None:  # the step's reading ends here: what follows is pairing and writing
            seal(stage)
            if tracer.agenda is not None:
                tracer.progress(tracer.agenda, "pairing and writing")

        Stage.seal = sealed

    loaded = snapshot()
    try:
        result = run_sync(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda, progress=progress)
    finally:
        raynet.client.close()
        pohoda.close()
        if tracer is not None:
            tracer.close()
    Path(out).write_text(json.dumps({
        "seconds": time.perf_counter() - started, "startup_seconds": loaded["t"] - started,
        "startup_rss_mb": loaded["rss"], "peak_rss_mb": peak_rss_mb(), "agendas": agendas,
        "report": result.report.to_dict()}, default=str), encoding="utf-8")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
