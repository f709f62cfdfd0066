"""Raynet API faults (issue 7, "Faults"): the simulator's 429 with the quota exhausted, 5xx, slow answers,
connections reset after a create committed, malformed JSON (engine/sandbox/raynet/faults.py, the quota in
server.py); what the engine does about each, then the demo world ends as a clean run leaves it (R-G3)."""

from __future__ import annotations

from tests.evidence.crash_trials import run_profile
from tests.evidence.faults_world import assert_as_clean, clean, world  # noqa: F401


def _writes(world, method: str) -> list:
    return [r for r in world.raynet.store.requests if r.method == method]


def test_the_engine_stops_before_the_quota_runs_out_and_the_next_window_finishes(world, clean):  # noqa: F811
    world.raynet.quota.remaining = 25   # X-Ratelimit-Remaining tells the engine how many are left
    stopped = run_profile(world.profile)
    assert stopped.report.status in ("ok", "quarantined")   # stopped cleanly, not failed
    assert any("quota is down to its reserve" in n and "resets at" in n for n in stopped.report.notes), \
        stopped.report.notes
    assert 429 not in [r.status for r in world.raynet.store.requests]   # it never ran into the limit
    world.raynet.quota.reset()   # the next day
    assert run_profile(world.profile).exit_code == 3
    assert_as_clean(world, clean)


def test_quota_exhausted_by_others_429_stops_the_run_cleanly_and_the_next_window_finishes(world, clean):  # noqa: F811
    world.raynet.faults.exhaust_next(after=30)   # at the 31st request other integrations spend the day's quota
    stopped = run_profile(world.profile)
    assert stopped.report.status in ("ok", "quarantined")   # stopped cleanly, not failed
    assert any("request limit is reached" in n and "resets at" in n for n in stopped.report.notes), \
        stopped.report.notes
    statuses = [r.status for r in world.raynet.store.requests]
    assert statuses.count(429) == 1 and statuses.index(429) == 30   # mid-run; it stopped at the first 429
    world.raynet.faults.clear()
    world.raynet.quota.reset()   # the next day
    assert run_profile(world.profile).exit_code == 3
    assert_as_clean(world, clean)


def test_server_errors_are_retried_within_the_run(world, clean):  # noqa: F811
    world.raynet.faults.fail_next(2, status=502)
    world.raynet.faults.fail_next(1, status=503)
    done = run_profile(world.profile)
    assert done.exit_code == 3, done.report.message
    assert [r.status for r in world.raynet.store.requests[:4]] == [502, 502, 503, 200]
    assert_as_clean(world, clean)


def test_slow_answers_are_waited_for(world, clean):  # noqa: F811
    world.raynet.faults.delay_next(0.3, count=3)
    done = run_profile(world.profile)
    assert done.exit_code == 3, done.report.message
    assert_as_clean(world, clean)


def test_a_create_whose_connection_reset_after_commit_is_found_by_extid_not_sent_twice(world, clean):  # noqa: F811
    world.raynet.faults.drop_next(3, method="PUT")   # three creates committed, their answers lost
    done = run_profile(world.profile)
    assert [r.status for r in world.raynet.store.requests].count(0) == 3   # the dropped ones (no answer)
    assert done.exit_code in (1, 3), done.report.message
    if done.exit_code == 1:   # a create without extId may stay uncertain: the next run reconciles it
        assert "may or may not have been applied" in done.report.message
        assert run_profile(world.profile).exit_code == 3
    assert_as_clean(world, clean)   # no duplicate in Raynet: the extIds are unique, every link there


def test_malformed_json_answers_are_retried_or_reconciled(world, clean):  # noqa: F811
    world.raynet.faults.malformed_next(3)   # the first answers of the run (reads) come cut in half
    done = run_profile(world.profile)
    assert done.exit_code == 3, done.report.message
    assert_as_clean(world, clean)
