"""A run with nothing changed does not re-read what an earlier run wrote to Raynet (issue 7, Scale; R-G3).

Not timed: the Raynet simulator's clock is moved by hand and the test counts records read.
"""

from __future__ import annotations

import time

from tests.sync.helpers import pohoda_address, pohoda_ship_to


def test_a_settled_run_reads_no_record_the_sync_itself_wrote_a_while_ago(world_factory):
    w = world_factory()
    now = [time.time()]
    w.raynet.store.clock = lambda: now[0]  # also the Date header the simulator answers with
    for n in range(3):
        pohoda_address(w, f"Klient {n} s.r.o.", ico=f"1000000{n + 1}")
    first = w.run(only={"address_book"})
    assert first.report.counts["address_book"]["to_raynet"].created == 3

    def raynet_records_read() -> int:
        now[0] += 120  # runs some minutes apart (Raynet's change filter is re-read one minute back)
        result = w.run(only={"address_book"})
        assert result.report.totals().created == result.report.totals().updated == 0
        return result.report.counts["address_book"]["to_pohoda"].read

    # the next run reads the three clients back once (they changed after the first run's read began) …
    assert raynet_records_read() == 3
    # … and after that no more: the cursor is Raynet's time when that read began, not the newest change it saw
    # (which stayed at the first run's writes, so every run re-read them — 10 pages after 10 000 clients)
    assert raynet_records_read() == 0
    # a client changed in Raynet meanwhile is still read, and goes to POHODA
    now[0] += 30
    api = w.api()
    try:
        api.companies.update(1, {"name": "Klient 0 a syn s.r.o."})
    finally:
        api.client.close()
    now[0] += 120
    result = w.run(only={"address_book"})
    assert result.report.counts["address_book"]["to_pohoda"].read == 1
    assert result.report.counts["address_book"]["to_pohoda"].updated == 1


def test_delivery_addresses_move_their_cursor_with_the_client_read_they_share_R_D1(world_factory):
    w = world_factory()
    now = [time.time()]
    w.raynet.store.clock = lambda: now[0]
    for n in range(2):
        adb = pohoda_address(w, f"Klient {n} s.r.o.", ico=f"1000000{n + 1}")
        pohoda_ship_to(w, adb, name=f"Sklad {n}", street="Krátká 3", city="Opava", zip="74601")
    steps = {"address_book", "delivery_addresses"}
    assert w.run(only=steps).report.counts["delivery_addresses"]["to_raynet"].created == 2
    for expected_reads in (2, 0, 0):  # the echo of the first run's writes once, then nothing
        now[0] += 120
        before = len(w.raynet.store.requests_for())
        result = w.run(only=steps)
        assert result.report.totals().created == result.report.totals().updated == 0
        assert result.report.counts["address_book"]["to_pohoda"].read == expected_reads
        lists = [r.path for r in w.raynet.store.requests_for()[before:] if r.path == "/api/v2/company/"]
        details = [r.path for r in w.raynet.store.requests_for()[before:] if r.path.startswith("/api/v2/company/")
                   and r.path != "/api/v2/company/"]
        # one client list a run (the address book's, shared), and no client detail read again
        assert (len(lists), details) == (1, [])
