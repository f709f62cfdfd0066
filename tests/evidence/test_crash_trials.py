"""Crash anywhere (issue 7, "Faults"; R-G3): 50 seeded trials of the standard mapping's run on the demo world,
each killed with SIGKILL — half at a random instant sent from outside, half at a random crash point — then
restarted: both simulators and the links equal a clean run's, the state database intact
(tests/evidence/crash_trials.py says what each trial checks). bench/crash_trials.py runs hundreds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.evidence import crash_trials
from tests.sync.helpers import raynet_company
from tests.sync.processes import HostedWorld, snapshot

TRIALS = 50


@pytest.fixture(scope="module")
def calibration(tmp_path_factory, pohoda_xsd_dir):
    return crash_trials.calibrate(tmp_path_factory.mktemp("clean"), pohoda_xsd_dir)


@pytest.mark.parametrize("seed", range(TRIALS))
def test_killed_at_a_seeded_random_point_the_restart_ends_as_a_clean_run_R_G3(tmp_path, pohoda_xsd_dir,
                                                                             calibration, seed):
    trial = crash_trials.run_trial(tmp_path / "world", seed, calibration, pohoda_xsd_dir)
    if trial.mode == "point":
        assert trial.killed, trial   # a crash point a clean run passes is always reached
    assert trial.integrity == "ok", trial
    assert not trial.unlinked, trial
    assert not trial.mismatches, trial


def test_the_trials_checks_see_a_lost_link_and_a_duplicate(tmp_path, pohoda_xsd_dir, calibration):
    """The comparison could fail: a link deleted from the state, a record written twice."""
    world = HostedWorld(tmp_path / "w", xsd_dir=pohoda_xsd_dir)
    try:
        crash_trials.run_profile(world.profile)
        assert crash_trials.differences(snapshot(world), calibration.expected) == []
        assert crash_trials.state_check(world.state_path) == ("ok", 0, [])
        con = sqlite3.connect(world.state_path)
        with con:
            created = con.execute("SELECT result_id FROM intents WHERE agenda = 'stock' AND target = 'raynet' "
                                  "AND op = 'create' AND status = 'done'").fetchone()[0]
            assert con.execute("DELETE FROM links WHERE agenda = 'stock' AND raynet_id = ?",
                               (int(created),)).rowcount == 1
        con.close()
        _, _, unlinked = crash_trials.state_check(world.state_path)
        assert any(u.startswith("stock raynet create") for u in unlinked), unlinked
        assert "link_counts" in crash_trials.differences(snapshot(world), calibration.expected)
        raynet_company(world, "Pila Hořice a.s.", ico="46505334")
        assert "raynet" in crash_trials.differences(snapshot(world), calibration.expected)
    finally:
        world.close()


def test_a_run_that_ends_just_before_its_kill_keeps_its_exit_code_and_the_next_trial_starts_cleanly(tmp_path):
    """The race CI met: the run ended between the timed wait and SIGKILL. The kill must give the run's own exit
    code, and answers a failed trial left unread must not be taken for the next run's."""
    import time

    server = crash_trials.fork_server()
    missing = tmp_path / "no-such-profile.toml"   # the run fails at once: exit code 1
    pid = server.start(missing, {}, tmp_path / "child.json")
    deadline = time.monotonic() + 60
    while Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z":   # ended (a zombie until the next
        assert time.monotonic() < deadline                                   # request: its pid stays taken)
        time.sleep(0.01)
    assert server.kill(pid) == 1
    server.start(missing, {}, tmp_path / "child.json")   # a trial that fails before waiting: answers left unread
    third = server.start(missing, {}, tmp_path / "child.json")
    assert third not in (pid,)
    assert server.wait(60) == 1
