"""Stock → products end to end, against both simulators over loopback HTTP (R-S1 … R-S3, R-C2, R-G7, R-G3)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from engine.resources import mappings_dir
from tests.sync.helpers import (
    age_pohoda, counted_run, mapping_overlay, pohoda_stock, pohoda_stock_update, raynet_records, raynet_requests_since,
    run_killed, sales_price,
)

CATALOG = ("stock", "sales_prices", "related_prices")
KINDS = ("card", "text", "service", "package", "set", "product")
#: POHODA's basic sales price level, named as the standard mapping's price list expects it
LEVELS = {"sales_prices": [sales_price(1, "Prodejní cena", priceType="basicPrice")]}
QUANTITY_FIELDS = {"Product": [{"label": label, "dataType": "BIG_DECIMAL", "name": key} for label, key in (
    ("Stav zásob", "Stav_zasob_1a2b3"), ("Stav Brno", "Stav_Brno_4c5d6"), ("Stav Ostrava", "Stav_Ostra_7e8f9"))]}


def products(world) -> dict[str, dict]:
    return {p["code"]: p for p in raynet_records(world, "product")}


def test_every_kind_of_stock_item_becomes_a_product_R_S1(world_factory, tmp_path):
    w = world_factory()
    for n, kind in enumerate(KINDS):
        pohoda_stock(w, f"K-{kind}", f"Zásoba {kind}", kind=kind, price=D(100 + n))
    result = w.run(only=CATALOG)
    assert result.report.status == "ok", result.report.message
    made = products(w)
    assert sorted(made) == sorted(f"K-{k}" for k in KINDS)
    assert made["K-set"]["name"] == "Zásoba set" and made["K-set"]["primaryPriceListItem"]["price"] == D(104)
    assert made["K-card"]["taxRate"] == D(21)  # translate(vat_rate_percent, "high")

    # a mapping can narrow the kinds: only cards and services become products
    narrow = world_factory(mapping_path=mapping_overlay(tmp_path, "agendas:\n  stock:\n    kinds: [card, service]\n"))
    for kind in KINDS:
        pohoda_stock(narrow, f"N-{kind}", kind=kind)
    counts = narrow.run(only=CATALOG).report.counts["stock"]["to_raynet"]
    assert sorted(products(narrow)) == ["N-card", "N-service"] and counts.skipped == 4


def test_a_code_used_twice_is_quarantined_until_it_is_unique_R_C2(world_factory):
    w = world_factory()
    brno = pohoda_stock(w, "SR-M6", "Šroub Brno", store="BRNO")
    pohoda_stock(w, "SR-M6", "Šroub Praha", store="HLAVNI")
    pohoda_stock(w, "MATKA", "Matka")
    result = w.run(only=CATALOG)
    assert result.exit_code == 3 and sorted(products(w)) == ["MATKA"]
    quarantined = [q for q in result.report.quarantine if q.agenda == "stock"]
    assert len(quarantined) == 2 and {q.rule for q in quarantined} == {"R-C2"}
    assert all(q.field == "stockHeader.code" and "stock code 'SR-M6' is used by 2 stock items" in q.message
               and "BRNO" in q.message and "HLAVNI" in q.message for q in quarantined)
    # fixed in POHODA: the Brno card gets its own code; both go through and leave quarantine
    pohoda_stock_update(w, brno, code="SR-M6-BRNO")
    again = w.run(only=CATALOG)
    assert again.exit_code == 0 and again.report.quarantine == []
    assert sorted(products(w)) == ["MATKA", "SR-M6", "SR-M6-BRNO"]


def test_existing_products_are_paired_by_code_and_never_duplicated_R_S2(world_factory):
    w = world_factory(raynet_seed={"records": {"product": [{"code": "SR-M6", "name": "Šroub (z CRM)", "price": 3}]}})
    pohoda_stock(w, "SR-M6", "Šroub M6", price=D("2.5"))
    first = w.run(only=CATALOG)
    assert first.report.counts["stock"]["to_raynet"].linked == 1
    assert len(products(w)) == 1 and products(w)["SR-M6"]["name"] == "Šroub M6"  # POHODA's values win
    assert products(w)["SR-M6"]["primaryPriceListItem"]["price"] == D("2.5")

    # later: someone adds the product in Raynet by hand, then the stock item appears in POHODA
    api = w.api()
    hand_made = api.products.create({"code": "NOVY-1", "name": "Nový ručně"})
    pohoda_stock(w, "NOVY-1", "Nový výrobek", store="BRNO")
    mark = len(w.raynet.store.requests_for())
    second = w.run(only=CATALOG)
    assert second.report.counts["stock"]["to_raynet"].linked == 1
    assert [p["id"] for p in raynet_records(w, "product") if p["code"] == "NOVY-1"] == [hand_made]
    assert products(w)["NOVY-1"]["name"] == "Nový výrobek"
    # one look-up by code (fulltext: code is no documented list filter) and one update — no create
    assert raynet_requests_since(w, mark) == [("GET", "/product/"), ("POST", f"/product/{hand_made}/")]

    # a stock item whose code changes to another product's code is refused, not written
    age_pohoda(w, "stock")
    first_id = next(s.id for s in w.pohoda.store.all("stock") if s.code == "SR-M6")
    pohoda_stock_update(w, first_id, code="NOVY-1")
    third = w.run(only=CATALOG)
    [q] = third.report.quarantine
    assert q.rule == "R-S2" and q.record == str(first_id) and f"Raynet product {hand_made}" in q.message
    assert sorted(products(w)) == ["NOVY-1", "SR-M6"]
    # read again with the item that holds the code: the newcomer is the duplicate (R-C2)
    pohoda_stock_update(w, next(s.id for s in w.pohoda.store.all("stock") if s.id != first_id), name="Nový")
    [q] = w.run(only=CATALOG).report.quarantine
    assert q.rule == "R-C2" and q.record == str(first_id) and "'NOVY-1' is used by 2 stock items" in q.message


def test_one_warehouse_with_the_others_quantities_in_custom_fields_R_G7_R_S3(world_factory):
    w = world_factory(mapping_path=mappings_dir() / "examples" / "one_warehouse_stock.yaml",
                      raynet_seed={"customFields": QUANTITY_FIELDS})
    screw = pohoda_stock(w, "SR-M6", "Šroub M6", store="HLAVNI/Spojovací materiál", count=D(100))
    # the same code in two other warehouses, and an item only in Brno
    brno_screw = pohoda_stock(w, "SR-M6", "Šroub M6", store="BRNO", count=D(7))
    pohoda_stock(w, "SR-M6", "Šroub M6", store="OSTRAVA", count=D("2.5"))
    pohoda_stock(w, "MATKA", "Matka M6", store="HLAVNI", count=D(40))
    brno_only = pohoda_stock(w, "JEN-BRNO", "Jen v Brně", store="BRNO", count=D(1))
    for sid in w.pohoda.store.all("stock"):
        pohoda_stock_update(w, sid.id, isSales=True)
    result = w.run(only=CATALOG)
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    # R-G7: only the main warehouse was read (ftr:store in the list request): two items, none filtered here
    assert result.report.counts["stock"]["to_raynet"].read == 2
    made = products(w)
    assert sorted(made) == ["MATKA", "SR-M6"]
    assert made["SR-M6"]["customFields"] == {"Stav_zasob_1a2b3": D(100), "Stav_Brno_4c5d6": D(7),
                                             "Stav_Ostra_7e8f9": D("2.5")}
    assert made["MATKA"]["customFields"] == {"Stav_zasob_1a2b3": D(40), "Stav_Brno_4c5d6": D(0),
                                             "Stav_Ostra_7e8f9": D(0)}

    # only Brno quantities change: the next run writes that one field of that one product
    age_pohoda(w, "stock")
    pohoda_stock_update(w, brno_screw, count=D(5))
    pohoda_stock_update(w, brno_only, count=D(2))
    mark = len(w.raynet.store.requests_for())
    again, per_agenda, _, _ = counted_run(w, only=CATALOG)
    assert again.counts["stock"]["to_raynet"].updated == 1
    # the read (main and quantity warehouses), then the main warehouse's items of both codes: two dataPacks
    assert per_agenda["stock"] == 2, per_agenda
    assert raynet_requests_since(w, mark) == [("POST", f"/product/{made['SR-M6']['id']}/")]
    assert products(w)["SR-M6"]["customFields"]["Stav_Brno_4c5d6"] == D(5)
    # and a change in the main warehouse keeps the others' quantities as synced
    pohoda_stock_update(w, screw, name="Šroub M6x20")
    w.run(only=CATALOG)
    screw_now = products(w)["SR-M6"]
    assert screw_now["name"] == "Šroub M6x20" and screw_now["customFields"]["Stav_Brno_4c5d6"] == D(5)
    age_pohoda(w, "stock")   # the next run comes later (nothing within the cursor's overlap)
    mark = len(w.raynet.store.requests_for())
    report, per_agenda, _, _ = counted_run(w, only=CATALOG)
    assert report.totals().updated == 0 and raynet_requests_since(w, mark) == []
    # the main warehouse and the two quantity warehouses: three list items of one dataPack
    assert per_agenda["stock"] == 1, per_agenda


def test_unknown_custom_field_label_stops_the_run_naming_the_labels_R_S3(world_factory):
    w = world_factory(mapping_path=mappings_dir() / "examples" / "one_warehouse_stock.yaml",
                      raynet_seed={"customFields": {"Product": QUANTITY_FIELDS["Product"][:2]}})
    pohoda_stock(w, "SR-M6", count=D(1))
    result = w.run(only=CATALOG)
    assert result.exit_code == 1 and "Stav Ostrava" in result.report.message
    assert products(w) == {}


def test_a_second_run_writes_nothing_and_reads_no_raynet_list(world_factory):
    w = world_factory(pohoda_seed=LEVELS)
    pohoda_stock(w, "A-1", price=D(10), related={"Prodejní cena": D(10)})
    pohoda_stock(w, "A-2", price=D(20))
    w.run(only=CATALOG)
    mark = len(w.raynet.store.requests_for())
    second = w.run(only=CATALOG)
    t = second.report.totals()
    assert (t.created, t.updated, t.quarantined) == (0, 0, 0) and t.unchanged == 4
    # nothing changed: POHODA is read, Raynet not at all (products and price lists are read on the first run only)
    assert raynet_requests_since(w, mark) == []


def test_dry_run_lists_the_writes_and_writes_nothing_R_G3(world_factory):
    w = world_factory(pohoda_seed=LEVELS)
    pohoda_stock(w, "B-1", price=D(5), related={"Prodejní cena": D(5)})
    pohoda_stock(w, "B-2", price=D(6))
    plan = w.run(dry_run=True, only=CATALOG)
    assert plan.exit_code == 2
    assert sorted((c.agenda, c.op) for c in plan.planned) == [
        ("related_prices", "upsert"), ("sales_prices", "create"), ("stock", "create"), ("stock", "create")]
    assert products(w) == {} and len(raynet_records(w, "priceList")) == 1
    real = w.run(only=CATALOG)
    assert real.report.totals().created == 4 and sorted(products(w)) == ["B-1", "B-2"]
    assert w.run(dry_run=True, only=CATALOG).exit_code == 0


@pytest.mark.parametrize("point,landed", [("stock:raynet-create:journaled", 0), ("stock:raynet-create:sent", 1)])
def test_a_crash_around_the_product_create_is_reconciled_not_duplicated(world_factory, monkeypatch, point, landed):
    w = world_factory()
    pohoda_stock(w, "C-1", "Jediný")
    run_killed(w, monkeypatch, point, only=CATALOG)
    assert len(products(w)) == landed  # the state only has the intent
    again = w.run(only=CATALOG)
    assert len(products(w)) == 1 and again.report.counts["stock"]["to_raynet"].created == 1 - landed
    assert any("interrupted raynet create had landed" in n for n in again.report.notes) == bool(landed)
    assert w.run(only=CATALOG).report.totals().updated == 0


def test_a_product_deleted_in_raynet_is_reported_not_recreated_R_G3(world_factory):
    w = world_factory()
    sid = pohoda_stock(w, "D-1", "Smazaný")
    w.run(only=CATALOG)
    w.api().products.delete(products(w)["D-1"]["id"])
    pohoda_stock_update(w, sid, name="Smazaný v CRM")
    result = w.run(only=CATALOG)
    assert result.report.counts["stock"]["to_raynet"].deleted_seen == 1
    assert any("was deleted" in n for n in result.report.notes) and products(w) == {}
