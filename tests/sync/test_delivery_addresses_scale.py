"""Delivery addresses at scale (issue 7): the clients a first run reads for their addresses are kept as memos.

Not timed: the test looks at what the step holds once it read the clients.
"""

from __future__ import annotations

from engine.state import open_state
from engine.sync.steps.delivery_addresses import DeliveryAddressesStep
from tests.sync.helpers import pohoda_address, pohoda_ship_to


def test_clients_read_for_their_addresses_are_kept_as_memos_not_whole_details_R_D1(world_factory, monkeypatch):
    w = world_factory()
    for n in range(3):
        adb = pohoda_address(w, f"Klient {n} s.r.o.", ico=f"1000000{n + 1}")
        pohoda_ship_to(w, adb, name=f"Sklad {n}", street="Krátká 3", city="Opava", zip="74601")
    held = []
    remember = DeliveryAddressesStep._remember_clients

    def capture(self):
        remember(self)  # new clients the step wrote addresses to are read here, at the end of the run
        held.extend(memo for _, memo in self._seen.items())

    monkeypatch.setattr(DeliveryAddressesStep, "_remember_clients", capture)
    first = w.run()
    assert first.report.counts["delivery_addresses"]["to_raynet"].created == 3
    assert len(held) == 3
    # (version, last change) of each client, what the next run compares with the client list — not the
    # client's detail with all its addresses, which a first run over 100 000 clients would hold at once
    # (kept on disk, engine.sync.ondisk: they come back as [version, last change])
    assert all(len(memo) == 2 and isinstance(memo[0], int) and isinstance(memo[1], str) for memo in held)
    state = open_state(w.state_path)  # saved as {"version", "changed"}, what the next run reads back
    try:
        saved = [state.get_shadow("delivery_addresses", DeliveryAddressesStep.CLIENT, str(link.raynet_id))
                 for link in state.iter_links("address_book")]
    finally:
        state.close()
    assert len(saved) == 3 and all(set(memo) == {"version", "changed"} for memo in saved)
