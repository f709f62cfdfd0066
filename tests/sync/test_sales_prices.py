"""Sales prices → price lists end to end, against both simulators over loopback HTTP (R-L1, R-C3, R-G5)."""

from __future__ import annotations

from decimal import Decimal as D

from engine.resources import mappings_dir
from tests.sync.helpers import mapping_overlay, pohoda_stock, raynet_records, raynet_requests_since, sales_price

CATALOG = ("stock", "sales_prices", "related_prices")
BASIC = sales_price(1, "Prodejní cena", priceType="basicPrice")


def price_lists(world) -> dict[str, dict]:
    return {p["name"]: p for p in raynet_records(world, "priceList")}


def items_of(world, name: str) -> dict[str, D]:
    return {i["product"]["code"]: i["price"] for i in price_lists(world)[name]["items"]}


def test_a_missing_price_list_is_created_and_unmapped_levels_stay_out_R_L1(world_factory):
    w = world_factory(pohoda_seed={"sales_prices": [BASIC, sales_price(2, "VO", name="Velkoobchod")]})
    result = w.run(only=CATALOG)
    assert result.report.status == "ok", result.report.message
    created = price_lists(w)["Základní ceník"]
    assert created["currency"]["value"] == "Kč" and created["code"] == "Prodejní cena" and not created["primary"]
    counts = result.report.counts["sales_prices"]["to_raynet"]
    assert (counts.read, counts.created, counts.skipped) == (1, 1, 1)  # VO is in no price_lists entry
    assert sorted(price_lists(w)) == ["Standardní ceník", "Základní ceník"]
    # a validity date changed in POHODA reaches the price list; then nothing more
    w.pohoda.store.put("sales_prices", 1, {**BASIC["record"], "discountValidity": "temporary",
                                           "dateTill": __import__("datetime").date(2030, 12, 31)})
    assert w.run(only=CATALOG).report.counts["sales_prices"]["to_raynet"].updated == 1
    assert price_lists(w)["Základní ceník"]["validTill"] == "2030-12-31"
    mark = len(w.raynet.store.requests_for())
    assert w.run(only=CATALOG).report.totals().updated == 0 and raynet_requests_since(w, mark) == []


def test_an_existing_price_list_is_paired_by_name_not_created_again_R_L1(world_factory):
    seed = {"priceLists": [{"name": "Základní ceník", "code": "ZAKL", "currency": "CZK", "validFrom": "2024-01-01"}]}
    w = world_factory(raynet_seed=seed, pohoda_seed={"sales_prices": [BASIC]})
    result = w.run(only=CATALOG)
    counts = result.report.counts["sales_prices"]["to_raynet"]
    assert (counts.linked, counts.created) == (1, 0)
    assert len([p for p in raynet_records(w, "priceList") if p["name"] == "Základní ceník"]) == 1
    # nothing differed but validity (POHODA has none: Raynet keeps its required validFrom)
    assert price_lists(w)["Základní ceník"]["validFrom"] == "2024-01-01"


def test_a_missing_price_list_is_not_created_when_the_mapping_says_so_R_L1(world_factory, tmp_path):
    path = mapping_overlay(tmp_path, "price_lists:\n  selling_price:\n    create_missing: false\n")
    w = world_factory(mapping_path=path, pohoda_seed={"sales_prices": [BASIC]})
    result = w.run(only=CATALOG)
    [q] = result.report.quarantine
    assert q.agenda == "sales_prices" and q.rule == "R-L1" and "create_missing is false" in q.message
    assert "Základní ceník" not in price_lists(w)


def test_a_foreign_currency_price_list_needs_the_currency_in_raynet_R_L1_R_C3(world_factory, tmp_path):
    path = mapping_overlay(tmp_path, "currencies:\n  foreign: [USD]\nprice_lists:\n  usd:\n    pohoda: USD\n"
                             "    raynet: Ceník USD\n    currency: USD\n")
    w = world_factory(mapping_path=path, pohoda_seed={"sales_prices": [BASIC, sales_price(2, "USD", currency="USD")]})
    pohoda_stock(w, "US-1", "Vývozní zboží", price=D(100), related={"USD": D("4.5")})
    result = w.run(only=CATALOG)
    assert result.exit_code == 3
    [level] = [q for q in result.report.quarantine if q.agenda == "sales_prices"]
    assert level.rule == "R-L1" and level.field == "currency" and "Raynet has no currency USD" in level.message
    # its related prices wait for the price list (R-L2), quarantined with the reason
    [waiting] = [q for q in result.report.quarantine if q.agenda == "related_prices"]
    assert "Ceník USD" in waiting.message
    # the consultant adds the currency in Raynet; the next run creates the price list and its items
    w.api().currencies.create({"code01": "$", "code02": "USD", "strValue01": "Americký dolar"})
    again = w.run(only=CATALOG)
    assert again.exit_code == 0 and again.report.quarantine == []
    assert price_lists(w)["Ceník USD"]["currency"]["value"] == "$"
    assert items_of(w, "Ceník USD") == {"US-1": D("4.5")}


def test_eur_price_list_and_a_level_in_another_currency_R_G5_R_C3(world_factory):
    levels = [BASIC, sales_price(2, "Prodejní cena EUR", currency="EUR"), sales_price(3, "VO")]
    w = world_factory(mapping_path=mappings_dir() / "examples" / "eur_documents.yaml",
                      pohoda_seed={"sales_prices": levels})
    pohoda_stock(w, "EX-1", "Export", price=D(250), related={"Prodejní cena EUR": D("9.90"), "Prodejní cena": D(250)})
    result = w.run(only=CATALOG)
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    assert price_lists(w)["Ceník EUR"]["currency"]["value"] == "€"
    assert items_of(w, "Ceník EUR") == {"EX-1": D("9.90")} and items_of(w, "Základní ceník") == {"EX-1": D(250)}

    # R-C3: the POHODA level of the EUR price list turns out to be in CZK — refused, with both currencies named
    w.pohoda.store.put("sales_prices", 2, {**levels[1]["record"], "currency": {"ids": "CZK"}})
    again = w.run(only=CATALOG)
    [q] = again.report.quarantine
    assert q.rule == "R-C3" and "is in CZK" in q.message and "is in EUR" in q.message


def test_an_existing_price_list_in_another_currency_is_not_paired_silently_R_C3(world_factory):
    seed = {"priceLists": [{"name": "Základní ceník", "code": "ZAKL", "currency": "EUR", "validFrom": "2024-01-01"}]}
    w = world_factory(raynet_seed=seed, pohoda_seed={"sales_prices": [BASIC]})
    result = w.run(only=CATALOG)
    [q] = result.report.quarantine
    assert q.rule == "R-C3" and "is in €" in q.message and "is in CZK" in q.message
    # checked again on every run until it is settled (the pair is not taken as in sync)
    assert [q.rule for q in w.run(only=CATALOG).report.quarantine] == ["R-C3"]


def test_the_pohoda_simulators_own_demo_data_follows_the_standard_mapping_R_L1_R_C4(world_factory):
    """`rpsync sandbox pohoda --demo` with the standard mapping: its basic sales price level is the one the
    standard mapping names ("Prodejní cena"), its contract 25ZAK0001 is in the series — every agenda goes to
    Raynet, nothing is quarantined or noted, and a second run writes nothing."""
    from engine.sandbox.pohoda import DEMO_SEED

    w = world_factory(pohoda_seed=DEMO_SEED)
    result = w.run()
    assert (result.exit_code, result.report.quarantine, result.report.notes) == (0, [], [])
    created = {a: c["to_raynet"].created for a, c in result.report.counts.items() if "to_raynet" in c}
    assert all(created[a] >= 1 for a in ("address_book", "delivery_addresses", "contact_persons", "stock",
                                          "sales_prices", "related_prices", "contracts", "received_orders",
                                          "issued_invoices", "payments")), created
    assert items_of(w, "Základní ceník") == {"SR-M6": D("2.50")}
    again = w.run().report.totals()
    assert (again.created, again.updated, again.quarantined) == (0, 0, 0)
