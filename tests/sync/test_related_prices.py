"""Related prices → price-list items end to end, against both simulators over loopback HTTP (R-L2)."""

from __future__ import annotations

from decimal import Decimal as D

from tests.sync.helpers import (
    age_pohoda, mapping_overlay, pohoda_stock, pohoda_stock_update, raynet_records, raynet_requests_since,
    run_killed, sales_price,
)

CATALOG = ("stock", "sales_prices", "related_prices")
#: POHODA's basic level (the standard mapping's price list) and a wholesale level no price list names
LEVELS = {"sales_prices": [sales_price(1, "Prodejní cena", priceType="basicPrice"), sales_price(2, "VO")]}


def items(world, name: str = "Základní ceník") -> dict[str, D]:
    [pl] = [p for p in raynet_records(world, "priceList") if p["name"] == name]
    return {i["product"]["code"]: i["price"] for i in pl["items"]}


def upserts(calls) -> list[str]:
    return [path for method, path in calls if path.endswith("/itemBulkUpsert/")]


def test_related_prices_become_items_and_follow_every_stock_change_R_L2(world_factory):
    w = world_factory(pohoda_seed=LEVELS)
    screw = pohoda_stock(w, "SR-M6", "Šroub", price=D("2.5"), related={"Prodejní cena": D("2.4"), "VO": D(2)})
    nut = pohoda_stock(w, "MATKA", "Matka", price=D(1), related={"Prodejní cena": D("0.9")})
    pohoda_stock(w, "PODLOZKA", "Podložka", price=D("0.5"), related={"Prodejní cena": D("0.45")})
    pohoda_stock(w, "BEZ-CEN", "Bez souvisejících cen")
    mark = len(w.raynet.store.requests_for())
    first = w.run(only=CATALOG)
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    assert items(w) == {"SR-M6": D("2.4"), "MATKA": D("0.9"), "PODLOZKA": D("0.45")}
    counts = first.report.counts["related_prices"]["to_raynet"]
    assert (counts.read, counts.created, counts.skipped) == (3, 3, 1)  # VO is mapped to no price list
    assert len(upserts(raynet_requests_since(w, mark))) == 1  # three items of one price list: one call

    # "updating a stock item always updates all its related prices": only the name of the nut changes
    age_pohoda(w, "stock")
    pohoda_stock_update(w, nut, name="Matka M6")
    mark = len(w.raynet.store.requests_for())
    second = w.run(only=CATALOG)
    calls = raynet_requests_since(w, mark)
    nut_product = next(p["id"] for p in raynet_records(w, "product") if p["code"] == "MATKA")
    assert calls[0] == ("POST", f"/product/{nut_product}/") and len(upserts(calls)) == 1 and len(calls) == 2
    rp = second.report.counts["related_prices"]["to_raynet"]
    assert (rp.updated, rp.unchanged) == (1, 0)  # the screw and the washer were not read: nothing spent on them

    # a related price changes: its item follows; a removed one is reported and its item kept
    age_pohoda(w, "stock")
    pohoda_stock_update(w, screw, related={"Prodejní cena": D("2.2")})
    pohoda_stock_update(w, nut, related={"VO": D("0.7")})
    third = w.run(only=CATALOG)
    assert items(w) == {"SR-M6": D("2.2"), "MATKA": D("0.9"), "PODLOZKA": D("0.45")}
    assert any("MATKA no longer has the related price 'Prodejní cena'" in n for n in third.report.notes)
    mark = len(w.raynet.store.requests_for())
    assert w.run(only=CATALOG).report.totals().updated == 0 and raynet_requests_since(w, mark) == []


def test_prices_of_an_item_linked_by_a_run_that_stopped_before_them_go_in_a_later_run_R_L2(world_factory):
    w = world_factory(pohoda_seed=LEVELS)
    pohoda_stock(w, "SR-M6", "Šroub", price=D("2.5"), related={"Prodejní cena": D("2.4")})
    age_pohoda(w, "stock")  # saved before the runs' overlap: a run reads it only when its cursor says so
    w.run(only=("sales_prices", "related_prices"))  # the item has no product yet: its prices wait
    w.run(only=("stock", "sales_prices"))           # the run that links it stops before the related prices
    assert [p["code"] for p in raynet_records(w, "product")] == ["SR-M6"]
    later = w.run(only=CATALOG)                     # the item did not change since: its prices go all the same
    assert items(w) == {"SR-M6": D("2.4")} and later.report.counts["related_prices"]["to_raynet"].created == 1
    assert w.run(only=CATALOG).report.totals().updated == 0


def test_bulk_upserts_carry_at_most_100_items_per_call_R_L2(world_factory):
    seed = dict(LEVELS, stock=[
        {"record": {"stockHeader": {"code": f"P-{n:03d}", "name": f"Položka {n}", "sellingPrice": D(n + 10)},
                    "stockPriceItem": {"stockPrice": [{"ids": "Prodejní cena", "price": D(n + 9)}]}}}
        for n in range(130)])
    w = world_factory(pohoda_seed=seed)
    mark = len(w.raynet.store.requests_for())
    result = w.run(only=CATALOG)
    assert result.report.status == "ok", result.report.message
    calls = raynet_requests_since(w, mark)
    # Raynet refuses more than 100 items per call; 130 items go in two calls
    assert len(upserts(calls)) == 2 and len(items(w)) == 130 and items(w)["P-129"] == D(138)
    assert result.report.counts["related_prices"]["to_raynet"].created == 130
    products_made = len([c for c in calls if c == ("PUT", "/product/")])
    assert products_made == 130 and len(calls) == 130 + 2 + 4  # + product list, currencies, price lists, new list


def test_a_crash_after_the_upsert_landed_is_redone_without_duplicates_R_L2(world_factory, monkeypatch):
    w = world_factory(pohoda_seed=LEVELS)
    pohoda_stock(w, "K-1", related={"Prodejní cena": D(5)})
    pohoda_stock(w, "K-2", related={"Prodejní cena": D(6)})

    run_killed(w, monkeypatch, "related_prices:raynet-upsert:sent", only=CATALOG)
    assert items(w) == {"K-1": D(5), "K-2": D(6)}  # Raynet holds them, the state does not know
    again = w.run(only=CATALOG)
    assert again.report.status == "ok" and again.report.counts["related_prices"]["to_raynet"].updated == 2
    [pl] = [p for p in raynet_records(w, "priceList") if p["name"] == "Základní ceník"]
    assert len(pl["items"]) == 2  # upserted again by (price list, product): no duplicate item
    assert w.run(only=CATALOG).report.totals().updated == 0


def test_dry_run_plans_the_item_upserts_and_sends_none_R_L2(world_factory):
    w = world_factory(pohoda_seed=LEVELS)
    pohoda_stock(w, "S-1", related={"Prodejní cena": D(3)})
    w.run(only=("stock", "sales_prices"))
    plan = w.run(dry_run=True, only=CATALOG)
    [change] = plan.planned
    assert (change.agenda, change.op, change.fields["price"]) == ("related_prices", "upsert", D(3))
    assert items(w) == {}
    w.run(only=CATALOG)
    assert items(w) == {"S-1": D(3)}


def test_prices_of_an_item_the_stock_agenda_no_longer_transfers_stay_as_they_are_R_L2(world_factory, tmp_path):
    path = mapping_overlay(tmp_path, "agendas:\n  stock:\n    filter:\n      to_raynet: 'stockHeader.isSales == true'\n")
    w = world_factory(mapping_path=path, pohoda_seed=LEVELS)
    sid = pohoda_stock(w, "F-1", related={"Prodejní cena": D(8)})
    pohoda_stock_update(w, sid, isSales=True)
    w.run(only=CATALOG)
    assert items(w) == {"F-1": D(8)}
    pohoda_stock_update(w, sid, isSales=False, related={"Prodejní cena": D(7)})
    result = w.run(only=CATALOG)
    assert items(w) == {"F-1": D(8)} and result.report.totals().updated == 0
