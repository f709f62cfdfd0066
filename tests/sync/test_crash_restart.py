"""Crash-restart: `rpsync run` killed at chosen instants (and at random ones), restarted, compared with a clean run.

The simulators live in the test process; the engine runs as `rpsync run` in a
child process that dies like `kill -9` — at a named crash point
(`RPSYNC_CRASH_AT`, engine/sync/crashpoints.py) or by SIGKILL after a random
delay. The restarted run must finish the work, and both simulators' stores and
the links must equal those of a run that was never interrupted: no duplicate,
no missing record, no lost link (issue 6, "State"; R-G3).

Two phases: the first run (everything read, existing records paired by match
keys) and a later run (only changes read; no pairing can hide a lost link).
The demo world gives every agenda records to write, so every agenda that
writes is killed at least once around a write: journaled and not sent, sent
and not answered (the target has it, the state does not know), answered and
not linked. Both stores are compared agenda by agenda (``processes.snapshot``).
"""

from __future__ import annotations

import random

import pytest

from tests.sync.helpers import pohoda_address, raynet_company
from tests.sync.processes import HostedWorld, snapshot


def add_new_records(world: HostedWorld) -> None:
    """What people typed in since the first run: three clients in Raynet, two in POHODA."""
    raynet_company(world, "Lakovna Brázda s.r.o.", ico="25596641", city="Kolín", zip_code="28002")
    raynet_company(world, "Pila Hořice a.s.", ico="46505334", city="Hořice", zip_code="50801")
    raynet_company(world, "Kavárna Na Rohu s.r.o.", ico="28992610", city="Tábor", zip_code="39002")
    pohoda_address(world, "Sklo Nový Bor s.r.o.", ico="27384527", city="Nový Bor", zip_code="47301")
    pohoda_address(world, "Mlýn Hulín a.s.", ico="45192014", city="Hulín", zip_code="76824")


@pytest.fixture(scope="module")
def clean(tmp_path_factory, pohoda_xsd_dir):
    """What uninterrupted runs leave: after the first run, and after a later one with new records."""
    world = HostedWorld(tmp_path_factory.mktemp("clean"), xsd_dir=pohoda_xsd_dir)
    try:
        done = world.run()
        assert done.returncode == 3, done.stderr  # the records bad on purpose are quarantined
        assert world.report()["totals"]["created"] > 0
        first = snapshot(world)
        add_new_records(world)
        assert world.run().returncode == 3 and world.report()["totals"]["created"] >= 5
        yield {"first": first, "later": snapshot(world)}
    finally:
        world.close()


@pytest.fixture()
def hosted(tmp_path, pohoda_xsd_dir):
    worlds = []

    def make(phase: str = "first", **kwargs) -> HostedWorld:
        w = HostedWorld(tmp_path / f"w{len(worlds)}", xsd_dir=pohoda_xsd_dir, **kwargs)
        worlds.append(w)
        if phase == "later":
            assert w.run_here().exit_code == 3
            add_new_records(w)
        return w

    yield make
    for w in worlds:
        w.close()


def finish_and_compare(world: HostedWorld, expected: dict) -> None:
    done = world.run()
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    after = snapshot(world)
    assert after["pending_intents"] == 0
    for part in ("pohoda", "raynet", "links", "link_counts", "pohoda_ext_ids", "quarantine"):  # quarantine: bad
        assert after[part] == expected[part], part                                            # on purpose only
    for part in ("pohoda_documents", "raynet_records"):
        for agenda, content in after[part].items():
            assert content == expected[part][agenda], (part, agenda)
    assert after["raynet_ext_ids_unique"]
    # and the world is at rest: one more run (in this process: quicker) writes nothing
    rest = world.run_here()
    assert rest.exit_code == 3 and snapshot(world) == after
    assert rest.report.totals().created == rest.report.totals().updated == 0, rest.report.to_dict()


#: crash points of every agenda that writes, as the demo world's runs reach them (``#n``: the n-th time)
POINTS = [
    ("first", "address_book:raynet-create:journaled"),   # journaled a Raynet create, not sent
    ("first", "address_book:raynet-create:sent"),        # Raynet created it, the outcome is not recorded
    ("first", "address_book:pohoda:journaled"),          # journaled the POHODA pack, not sent
    ("first", "address_book:pohoda:sent"),               # POHODA imported the pack, its answer is not recorded
    ("first", "address_book:cursors"),                   # everything done but the cursors
    ("later", "address_book:raynet-create:sent#2"),
    ("later", "address_book:pohoda:sent"),
    ("later", "address_book:pohoda:answered#2"),         # one answer recorded, the second not yet
    ("first", "delivery_addresses:raynet-create:sent#2"),  # a company address (no extId: found by its values)
    ("first", "delivery_addresses:pohoda:sent"),         # delivery addresses written through their record
    ("first", "contact_persons:raynet-create:sent#2"),
    ("first", "contact_persons:pohoda:sent"),            # contact persons (extId person-<id>)
    ("first", "stock:raynet-create:sent#3"),
    ("first", "stock:raynet-update:sent"),               # a product paired by code, updated
    ("first", "sales_prices:raynet-create:sent"),
    ("first", "related_prices:raynet-upsert:sent"),      # the bulk upsert landed (keyed by price list + product)
    ("first", "contracts:pohoda:sent#2"),                # contracts carry no extId: found by their number
    ("first", "contracts:raynet-create:sent#2"),
    ("first", "offers:pohoda:sent"),
    ("first", "received_orders:raynet-create:order-created#2"),  # the order exists, its items not yet
    ("first", "received_orders:pohoda:journaled"),
    ("first", "received_orders:pohoda:sent"),
    ("first", "issued_invoices:pohoda:sent"),
    ("first", "issued_invoices:raynet-create:header#2"),  # the invoice exists, its items not yet
    ("first", "issued_invoices:raynet-credit-note:created"),
    ("first", "payments:raynet-create:journaled#2"),
    ("first", "payments:raynet-create:sent#3"),          # payments carry no extId: found by amount and date
]


@pytest.mark.parametrize("phase, point", POINTS, ids=[f"{p}-{n}" for p, n in POINTS])
def test_killed_at_a_crash_point_the_restart_finishes_without_duplicates(hosted, clean, phase, point):
    world = hosted(phase)
    crashed = world.run(crash_at=point)
    assert crashed.killed and crashed.crashed_at == point.split("#")[0], crashed.stderr
    finish_and_compare(world, clean[phase])


def test_every_agenda_that_writes_is_killed_around_a_write():
    from engine.sync.steps import STEPS

    killed = {point.split(":")[0] for _, point in POINTS}
    assert killed == set(STEPS)   # every agenda of the standard mapping writes somewhere (offers: to POHODA)


def test_killed_again_while_reconciling_the_first_crash(hosted, clean):
    world = hosted("later")
    assert world.run(crash_at="address_book:pohoda:sent").killed
    second = world.run(crash_at="reconcile")
    assert second.killed and second.crashed_at == "reconcile"
    finish_and_compare(world, clean["later"])


@pytest.mark.parametrize("trial", range(2))
def test_kill_9_after_a_random_delay(hosted, clean, trial):
    delay = random.Random(6000 + trial).uniform(0.05, 1.5)
    world = hosted(raynet_delay=0.02)   # each Raynet call takes 20 ms: the run lasts about two seconds
    killed = world.run(kill_after=delay)   # SIGKILL `delay` seconds after the run's first Raynet request
    assert killed.killed, "the run ended before the kill: make the delay shorter"
    finish_and_compare(world, clean["first"])
