"""Fixtures of the fault tests (test_faults_*.py import them): the demo world served by both simulators,
the engine run in this process with the production clients built from the profile (``crash_trials.run_profile``),
and what a clean run leaves, to compare with."""

from __future__ import annotations

import pytest

from tests.evidence.crash_trials import differences, run_profile
from tests.sync.processes import HostedWorld, snapshot


@pytest.fixture(scope="module")
def clean(tmp_path_factory, pohoda_xsd_dir):
    """The snapshot (both simulators, links) a run of the demo world without faults leaves."""
    world = HostedWorld(tmp_path_factory.mktemp("clean"), xsd_dir=pohoda_xsd_dir)
    try:
        assert run_profile(world.profile).exit_code == 3   # the records bad on purpose are quarantined
        yield snapshot(world)
    finally:
        world.close()


@pytest.fixture()
def world(tmp_path, pohoda_xsd_dir, monkeypatch):
    """A fresh demo world; mServer's 503 retries wait milliseconds instead of seconds."""
    monkeypatch.setattr("engine.pohoda.transport.mserver.BUSY_DELAYS", (0.01, 0.01, 0.01))
    w = HostedWorld(tmp_path / "w", xsd_dir=pohoda_xsd_dir)
    yield w
    w.close()


def run_until_done(world: HostedWorld, runs: int = 20) -> list:
    """Run again and again, as a scheduler would, until a run ends without failing; the runs' results."""
    results = []
    for _ in range(runs):
        results.append(run_profile(world.profile))
        if results[-1].exit_code != 1:
            break
    return results


def assert_as_clean(world: HostedWorld, clean: dict) -> None:
    after = snapshot(world)
    assert differences(after, clean) == [], differences(after, clean)
    rest = run_profile(world.profile)   # at rest: one more run writes nothing
    assert rest.report.totals().created == rest.report.totals().updated == 0, rest.report.to_dict()
