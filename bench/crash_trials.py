"""Crash trials: the standard mapping's run on the demo world killed with SIGKILL at seeded random points,
restarted, compared with a clean run (issue 7, "Faults"; the CI runs 50 in tests/evidence/test_crash_trials.py).

    .venv/bin/python bench/crash_trials.py                  # 500 trials (~15 min on 2 cores)
    .venv/bin/python bench/crash_trials.py --trials 100 --seed 1000

Each trial: a fresh demo world (both simulators in this process), a run forked from a warmed-up server and
killed — ``kill``: SIGKILL from outside after a random delay within a clean run's duration; ``point``: the
run dies at its n-th crash point (RPSYNC_CRASH_AFTER), n random — then the state database is checked
(``PRAGMA integrity_check``; every create journaled as done has its link) and the run restarted; both
simulators and the links must equal a clean run's, with no pending write, and one more run writes nothing
(tests/evidence/crash_trials.py). "mid-write" counts kills that left a write journaled without an outcome
(the target may or may not have it: the restart must find out). Not a test: figures for bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.pohoda.xsd import find_xsd_dir  # noqa: E402
from tests.evidence import crash_trials  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0, help="first trial's seed (trial i uses seed + i)")
    parser.add_argument("--xsd", type=Path, default=None, help="POHODA XSD folder (default: found as the tests do)")
    args = parser.parse_args()
    shared = Path(__file__).resolve().parents[2] / "shared" / "pohoda-xsd"   # as the tests find it
    xsd_dir = args.xsd or find_xsd_dir() or (shared if shared.is_dir() else None)
    if xsd_dir is None:
        parser.error("no POHODA XSD folder: pass --xsd or set RPSYNC_POHODA_XSD (rpsync pohoda fetch-xsd)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rpsync-crash-") as tmp:
        root = Path(tmp)
        calibration = crash_trials.calibrate(root / "clean", xsd_dir)
        print(f"clean run: {calibration.seconds:.2f} s, {calibration.points} crash points; "
              f"{args.trials} trials from seed {args.seed}", flush=True)
        trials = []
        for i in range(args.trials):
            trial = crash_trials.run_trial(root / f"t{i}", args.seed + i, calibration, xsd_dir)
            trials.append(trial)
            if not trial.passed:
                print(f"  FAILED {trial}", flush=True)
            if (i + 1) % 50 == 0:
                print(f"  {i + 1} trials, {sum(not t.passed for t in trials)} failed", flush=True)
    print()
    print("| kill | trials | killed | mid-write | integrity errors | journal/link gaps | mismatches | s/trial |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode in (*crash_trials.MODES, "all"):
        rows = [t for t in trials if mode in ("all", t.mode)]
        if not rows:
            continue
        print(f"| {mode} | {len(rows)} | {sum(t.killed for t in rows)} | {sum(t.killed and t.mid_write > 0 for t in rows)}"
              f" | {sum(t.integrity != 'ok' for t in rows)} | {sum(bool(t.unlinked) for t in rows)}"
              f" | {sum(bool(t.mismatches) for t in rows)} | {statistics.mean(t.seconds for t in rows):.2f} |")
    print(f"\n{len(trials)} trials in {time.monotonic() - started:.0f} s; "
          f"{sum(not t.passed for t in trials)} failed")
    return 0 if all(t.passed for t in trials) else 1


if __name__ == "__main__":
    sys.exit(main())
