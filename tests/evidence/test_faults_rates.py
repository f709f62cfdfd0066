"""Both simulators misbehave at configured rates during the whole demo sync (issue 7, "Faults"): Raynet 5xx,
slow answers, connections reset after writes committed, malformed JSON, its quota spent by others; POHODA
busy, items refused or warned within a pack, connections dropped after the import. Runs repeated as a
scheduler would (the engine retries within a run, and resumes and reconciles in the next) end exactly as a
run without faults does: no duplicate, no missing record, no lost link (R-G3)."""

from __future__ import annotations

import pytest

from engine.sandbox.pohoda.faults import PohodaFaults
from engine.sandbox.raynet import Faults
from tests.evidence.crash_trials import differences, run_profile
from tests.evidence.faults_world import assert_as_clean, clean, world  # noqa: F401
from tests.sync.processes import snapshot

RUNS = 25


@pytest.mark.parametrize("seed", range(11, 21))
def test_the_demo_sync_under_faults_at_configured_rates_ends_as_a_clean_run(world, clean, seed):  # noqa: F811
    world.raynet.faults = Faults(error_rate=0.03, error_status=502, delay=0.05, delay_rate=0.03, drop_rate=0.05,
                                 malformed_rate=0.03, exhaust_rate=0.005, seed=seed)
    world.raynet.quota.window = 0.3   # a spent quota comes back soon (Raynet: the next UTC day)
    world.pohoda.faults = PohodaFaults(busy_rate=0.05, item_error_rate=0.05, warning_rate=0.05, drop_rate=0.05,
                                       seed=seed)
    world.pohoda.importer.faults = world.pohoda.faults
    runs = []
    while len(runs) < RUNS:
        runs.append(run_profile(world.profile))
        done = runs[-1].exit_code != 1 and not runs[-1].report.message.startswith("stopped cleanly")
        if done and not differences(snapshot(world), clean):
            break
    assert not differences(snapshot(world), clean), (len(runs), [r.report.message for r in runs])
    raynet_statuses = {r.status for r in world.raynet.store.requests}
    pohoda_statuses = {s for _, _, s in world.pohoda.requests}
    assert raynet_statuses & {502, 0, 429} and pohoda_statuses & {503, 0}, (raynet_statuses, pohoda_statuses)
    print(f"seed {seed}: {len(runs)} runs; Raynet answers {sorted(raynet_statuses)}, POHODA {sorted(pohoda_statuses)}")
    world.raynet.faults.clear()
    world.pohoda.faults.clear()
    assert_as_clean(world, clean)
