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

    loaded = snapshot()
    try:
        result = run_sync(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda, progress=progress)
    finally:
        raynet.client.close()
        pohoda.close()
    Path(out).write_text(json.dumps({
        "seconds": time.perf_counter() - started, "startup_seconds": loaded["t"] - started,
        "startup_rss_mb": loaded["rss"], "peak_rss_mb": peak_rss_mb(), "agendas": agendas,
        "report": result.report.to_dict()}, default=str), encoding="utf-8")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
