"""The demo world's generated data: valid Czech identifiers, every agenda on both sides, always the same."""

from __future__ import annotations

from collections import Counter

import pytest

from engine.demo import generate
from engine.demo.ico import check_digit, dic_for, is_valid_ico, make_ico
from engine.demo.world import POHODA_STORE, RAYNET_STORE, DemoWorld

AGENDAS = ("address_book", "delivery_addresses", "contact_persons", "stock", "sales_prices", "related_prices",
           "contracts", "offers", "received_orders", "issued_invoices", "payments")


@pytest.mark.parametrize("ico", ["27082440", "45274649", "00006947", "25596641"])
def test_real_company_numbers_have_the_check_digit_the_rule_computes(ico):
    assert check_digit(ico[:7]) == int(ico[7]) and is_valid_ico(ico) and make_ico(ico[:7]) == ico


def test_a_wrong_check_digit_or_shape_is_invalid():
    assert not is_valid_ico("27082441") and not is_valid_ico("2708244") and not is_valid_ico("2708244x")
    with pytest.raises(ValueError):
        check_digit("123")


def test_the_committed_data_files_are_what_the_generator_makes():
    for name, text in generate.rendered().items():
        assert (generate.DATA_DIR / name).read_text(encoding="utf-8") == text, \
            f"{name} is stale: run `python -m engine.demo.generate`"
    assert generate.main(["--check"]) == 0


def test_a_different_seed_makes_a_different_world():
    assert generate.rendered(seed=1)["pohoda.json"] != generate.rendered()["pohoda.json"]


def test_every_company_has_a_valid_ico_and_its_dic():
    pohoda, raynet = generate.load("pohoda"), generate.load("raynet")
    icos = []
    for entry in pohoda["address_book"]:
        address = entry["record"]["addressbookHeader"]["identity"]["address"]
        if address.get("ico"):
            icos.append(address["ico"])
            assert address["dic"] == dic_for(address["ico"])
    for company in raynet["records"]["company"]:
        if company.get("regNumber"):
            icos.append(company["regNumber"])
            assert company["taxNumber"] == dic_for(company["regNumber"])
    assert len(icos) >= 12 and all(is_valid_ico(i) for i in icos)


def test_every_agenda_has_records_on_both_sides():
    counts = generate.load("manifest")["counts"]
    for side in ("pohoda", "raynet"):
        assert set(counts[side]) == set(AGENDAS)
        assert all(counts[side][a] > 0 for a in AGENDAS), (side, counts[side])


def test_the_world_has_every_kind_and_state_the_rules_name():
    pohoda, raynet = generate.load("pohoda"), generate.load("raynet")
    kinds = {e["record"]["stockHeader"]["stockType"] for e in pohoda["stock"]}
    assert kinds == {"card", "text", "service", "package", "set", "product"}                       # R-S1
    assert {p["ids"] for e in pohoda["stock"] for p in e["record"]["stockPriceItem"]["stockPrice"]} == \
        {e["record"]["code"] for e in pohoda["sales_prices"]}                                         # R-L2
    assert any((e["record"].get("currency") or {}).get("ids") == "EUR" for e in pohoda["sales_prices"])  # R-G5
    invoice_kinds = Counter(e["record"]["invoiceHeader"]["invoiceType"] for e in pohoda["issued_invoices"])
    assert set(invoice_kinds) == {"issuedInvoice", "issuedAdvanceInvoice", "issuedCorrectiveTax"}   # R-F2
    liquidations = [e["record"].get("liquidations", {}).get("liquidation", []) for e in pohoda["issued_invoices"]]
    assert max(len(x) for x in liquidations) >= 3                                                   # R-F5
    assert {x.get("sourceAgenda") for xs in liquidations for x in xs} >= {"bank", "voucher", "internalDocuments"}
    orders = [e["record"]["orderHeader"] for e in pohoda["received_orders"]]
    assert any(o.get("isExecuted") for o in orders) and any(o.get("storno") for o in orders)        # R-R2
    assert any(not o.get("isExecuted") and not o.get("storno") for o in orders)
    ships = [s for e in pohoda["address_book"] for s in e["record"]["addressbookHeader"]["identity"].get(
        "shipToAddress", [])]
    assert len(ships) >= 2 and any(not s.get("name") for s in ships)                                # R-D2
    assert {pl["currency"] for pl in raynet["records"]["priceList"]} == {2}                         # EUR in Raynet


def test_the_world_loads_into_both_simulators_with_the_states_it_promises(tmp_path):
    world = DemoWorld(tmp_path / "w")
    assert world.ensure_seeded() is True and world.ensure_seeded() is False
    assert (tmp_path / "w" / POHODA_STORE).is_file() and (tmp_path / "w" / RAYNET_STORE).is_file()
    with world.serve(xsd_dir=None) as servers:
        rn, ph = servers.raynet.store, servers.pohoda.store
        counts = world.info()["counts"]
        assert ph.count("stock") == counts["pohoda"]["stock"]
        assert ph.count("received_orders") == counts["pohoda"]["received_orders"]
        assert rn.count("company") == counts["raynet"]["address_book"]
        statuses = {rn.render("businessCase", r["id"])["status"] for r in rn.records("businessCase")}
        assert statuses == {"B_ACTIVE", "E_WIN", "F_LOST", "G_STORNO"}                            # R-Z2, R-Z4
        assert {rn.render("offer", r["id"])["status"] for r in rn.records("offer")} >= {"B_ACTIVE", "E_WIN", "F_LOST"}
        assert {rn.render("salesOrder", r["id"])["status"] for r in rn.records("salesOrder")} == \
            {"B_ACTIVE", "E_WIN", "G_STORNO"}
        invoices = [rn.render("invoice", r["id"]) for r in rn.records("invoice")]
        assert {i["invoiceType"] for i in invoices} == {"NORMAL", "PROFORMA", "CREDIT_NOTE"}
        assert sum(len(i.get("payments") or []) for i in invoices) >= 3
        assert rn.render("priceList", 11)["currency"]["value"] == "€"   # the EUR currency of the instance
        # sub-records of the Raynet seed, made like the API's sub-resource calls
        assert len(rn.render("offer", 2)["items"]) == 3 and rn.render("salesOrder", 4)["items"] == []
        normal = rn.render("invoice", 1)
        assert len(normal["items"]) == 2 and len(normal["payments"]) == 2 and normal["invoiceState"] == "PAID"
        assert rn.render("invoice", 3)["invoiceType"] == "CREDIT_NOTE"
        assert sum(1 for i in rn.records("priceListItem") if i["priceList"] == 11) == 2


def test_an_interrupted_seeding_starts_again(tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / POHODA_STORE).write_bytes(b"half a database")   # killed before world.json was written
    world = DemoWorld(folder)
    assert not world.seeded and world.ensure_seeded()
    with world.serve(xsd_dir=None) as servers:
        assert servers.pohoda.store.count("address_book") == len(generate.load("pohoda")["address_book"])
