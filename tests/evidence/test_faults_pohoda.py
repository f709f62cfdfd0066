"""POHODA mServer faults (issue 7, "Faults"): the simulator answers busy (503), a responsePack with mixed
ok/warning/error items, and drops the connection after an import committed (engine/sandbox/pohoda/faults.py);
what the engine does about each, then the demo world ends as a clean run leaves it (R-G3)."""

from __future__ import annotations

from tests.evidence.crash_trials import run_profile
from tests.evidence.faults_world import assert_as_clean, clean, run_until_done, world  # noqa: F401
from tests.sync.processes import snapshot


def test_busy_503_is_sent_again_and_the_run_completes(world, clean):  # noqa: F811
    world.pohoda.faults.busy_next(3)   # the first list request, then its two retries
    done = run_profile(world.profile)
    assert done.exit_code == 3, done.report.message
    assert [status for _, _, status in world.pohoda.requests[:4]] == [503, 503, 503, 200]
    assert_as_clean(world, clean)


def test_busy_beyond_the_retries_fails_the_run_clearly_and_the_next_run_finishes(world, clean):  # noqa: F811
    seeded = world.pohoda.store.count("address_book")
    world.pohoda.faults.busy_next(10)
    failed = run_profile(world.profile)
    assert failed.exit_code == 1
    assert "temporarily unavailable (503)" in failed.report.message and "after 4 attempts" in failed.report.message
    assert "Traceback" not in failed.report.message
    assert world.pohoda.store.count("address_book") == seeded   # nothing was imported
    world.pohoda.faults.clear()
    assert run_profile(world.profile).exit_code == 3
    assert_as_clean(world, clean)


def test_a_pack_with_ok_warning_and_error_items_quarantines_the_error_and_reports_the_warning(world, clean):  # noqa: F811
    world.pohoda.faults.error_next(1)     # the first import item of the run is refused,
    world.pohoda.faults.warning_next(1)   # the next one is imported with a warning, the rest of the pack is ok
    done = run_profile(world.profile)
    assert done.exit_code == 3
    answers = [s for _, _, s in world.pohoda.requests]
    assert 0 not in answers and 503 not in answers
    refused = [q for q in done.report.quarantine if "locked by another user" in q.message]
    assert len(refused) == 1 and refused[0].agenda == "address_book" and refused[0].rule == "pohoda", \
        done.report.to_dict()["quarantine"]
    assert refused[0].message.startswith("POHODA refused the create:") and refused[0].record   # which record
    warned = [n for n in done.report.notes if "with a warning" in n]
    assert len(warned) == 1 and warned[0].startswith("address_book: POHODA imported ") and \
        "shortened to the length of its field" in warned[0], done.report.notes
    assert done.report.to_dict()["notes"] == done.report.notes   # in the JSON report as well
    # the refused record is written by the next run and leaves quarantine
    again = run_profile(world.profile)
    assert not [q for q in again.report.quarantine if "locked by another user" in q.message]
    assert_as_clean(world, clean)


def test_a_connection_dropped_after_the_import_is_reconciled_by_the_next_run(world, clean):  # noqa: F811
    world.pohoda.faults.drop_next(1)   # the first import dataPack (address book) is committed, its answer lost
    lost = run_profile(world.profile)
    assert lost.exit_code == 1
    assert "was lost" in lost.report.message and "POHODA may have imported them" in lost.report.message
    imported = world.pohoda.store.count("address_book")
    assert 0 in [s for _, _, s in world.pohoda.requests]   # the dropped one
    again = run_profile(world.profile)
    assert again.exit_code == 3
    assert snapshot(world)["pending_intents"] == 0
    assert world.pohoda.store.count("address_book") >= imported
    assert_as_clean(world, clean)   # no record imported twice: found by extId, linked


def test_every_import_pack_dropped_the_sync_still_completes_pack_by_pack(world, clean):  # noqa: F811
    """Each run loses the answer to its first import dataPack; the next one reconciles it (by extId; contracts
    by their number) and goes one pack further, until the world is synced exactly once."""
    world.pohoda.faults.drop_rate = 1.0
    runs = run_until_done(world, 25)
    assert runs[-1].exit_code == 3 and len(runs) > 5
    assert any("contracts" in r.report.message for r in runs)   # a pack of contracts (no extId) was dropped too
    world.pohoda.faults.clear()
    assert_as_clean(world, clean)
