"""Run-wide Raynet look-ups (``engine.sync.lookups``)."""

from __future__ import annotations

from types import SimpleNamespace

from engine.state.sqlite import SqliteStateStore
from engine.sync.lookups import Lookups


def test_a_currency_id_is_named_by_its_iso_code_and_a_new_one_is_read_again_R_G5():
    """Documents name their currency by id; the ISO code comes from the currencies table, inverted once per
    table read (issue 7: asked for every record) — a currency added in Raynet later is found after a new read."""
    tables = [{"CZK": 1, "EUR": "2"}, {"CZK": 1, "EUR": 2, "USD": 3}]
    reads = []

    def by_iso():
        reads.append(1)
        return tables[min(len(reads), 2) - 1]

    lookups = Lookups(SimpleNamespace(currencies=SimpleNamespace(by_iso=by_iso)), SqliteStateStore(":memory:"))
    assert [lookups.currency_iso(i) for i in (1, 2, "2", 1)] == ["CZK", "EUR", "EUR", "CZK"]
    assert len(reads) == 1
    assert lookups.currency_iso(3) == "USD" and len(reads) == 2
    assert lookups.currency_iso(2) == "EUR" and lookups.currency_iso(9) is None
