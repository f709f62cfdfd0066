"""Smoke test of the scale benchmarks (issue 7): the generator and both bench scripts run at a tiny scale.

Not a benchmark and not timed: it keeps ``bench/scale`` from rotting. The figures come from running the
scripts by hand (bench/README.md, "Scale").
"""

from __future__ import annotations

import re

from bench.scale import render_bench, run
from bench.scale.generate import Sizes, World, seed_store
from engine.sandbox.pohoda.store import Store


def test_generator_is_seeded_sized_by_scale_and_typed_as_pohoda_lists_records():
    assert Sizes.at(1.0) == Sizes(companies=100_000, stock=20_000, orders=50_000, invoices=100_000)
    store = Store()
    counts = seed_store(store, World(0.0003))  # every record shape is checked against the seed loader's typing
    # 30 companies, every 2nd with a contact person (15 more address-book records); 5 price levels
    assert counts == {"sales_prices": 5, "address_book": 45, "stock": 6, "received_orders": 15, "issued_invoices": 30}
    stock = store.get("stock", 1).record
    assert len(stock["stockPriceItem"]["stockPrice"]) == 5
    again = Store()
    seed_store(again, World(0.0003))
    assert [s.record for s in again.all("issued_invoices")] == [s.record for s in store.all("issued_invoices")]


def test_runner_and_render_bench_print_their_tables(capsys, monkeypatch, pohoda_xsd_dir):
    monkeypatch.setenv("RPSYNC_POHODA_XSD", str(pohoda_xsd_dir))
    run.main(["--scale", "0.0002"])
    out = capsys.readouterr().out
    totals = re.findall(r"^\| \*\*total\*\* \|.*$", out, flags=re.M)
    assert len(totals) == 4, out  # initial, nothing changed, settled, 1 % changed
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in totals]
    writes = [int(c[4]) + int(c[10]) for c in cells]  # Raynet + POHODA writes
    assert writes[0] > 0 and writes[1] == writes[2] == 0 and writes[3] > 0, out
    # Raynet requests: never more than the API minimum (what the Raynet API forces for what the run did)
    spent, api_minimum = [int(c[3]) + int(c[4]) for c in cells], [int(c[7]) for c in cells]
    assert all(s <= m for s, m in zip(spent, api_minimum)) and spent[0] > int(cells[0][5]), out
    assert all(c[-1] == "0" for c in cells), out  # nothing quarantined
    render_bench.main(["--records", "5"])
    out = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ") and "records" not in line}
    assert set(rows) == {"address_book", "received_orders", "issued_invoices"}, out
    assert all(row.split("|")[-5].strip() == "0" for row in rows.values()), out  # rpsync's packs are valid
    assert all(float(row.split("|")[-3].replace(",", "")) > 0 for row in rows.values()), out  # render-only rate
