"""Contracts ⇄ business cases, offers → issued offers, received orders ⇄ orders, end to end against both
simulators over loopback HTTP (R-Z1 … R-Z5, R-C1, R-C3, R-C4, R-O1 … R-O3, R-R1 … R-R6, R-E2, R-G5)."""

from __future__ import annotations

from decimal import Decimal

from engine.sync.paths import get_path
from tests.sync.helpers import (
    mapping_overlay, pohoda_address, pohoda_edit, pohoda_order, pohoda_records, pohoda_stock, pohoda_write,
    raynet_business_case, raynet_company, raynet_document, raynet_records, raynet_status_id,
)


def one(records, **where):
    found = [r for r in records if all(get_path(r, k.replace("__", ".")) == v for k, v in where.items())]
    assert len(found) == 1, (where, found)
    return found[0]


def synced_client(w, name="ACME s.r.o.", ico="27082440") -> tuple[int, int]:
    """A client in Raynet, synced to POHODA's address book: (Raynet id, POHODA id)."""
    cid = raynet_company(w, name, ico=ico)
    result = w.run(only=["address_book"])
    assert result.report.status == "ok", result.report.message
    pid = one(pohoda_records(w, "address_book"), addressbookHeader__identity__address__ico=ico)
    return cid, get_path(pid, "addressbookHeader.id")


def contracts(w):
    return pohoda_records(w, "contracts")


def test_won_business_case_becomes_one_contract_and_changes_flow_only_to_raynet_R_Z4_R_Z5(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    won = raynet_business_case(w, cid, "Dodávka šroubů", phase="Výhra", description="rychle")
    open_case = raynet_business_case(w, cid, "Jen poptávka", phase="Analýza potřeb")
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    [contract] = contracts(w)                       # R-Z4: only the won case
    desc = contract["contractDesc"]
    assert desc["text"] == "Dodávka šroubů" and desc["note"] == "rychle"
    assert desc["number"]["numberRequested"] == f"ZAKR{won}" and desc["partnerIdentity"]["id"] == partner
    assert first.report.counts["contracts"]["to_pohoda"].created == 1
    # R-Z5: a change in Raynet is not written to the existing contract …
    w.api().business_cases.update(won, {"name": "Dodávka šroubů M8", "description": "jinak"})
    w.raynet.store.get("businessCase", open_case)  # untouched
    second = w.run()
    assert second.report.totals().created == 0 and len(contracts(w)) == 1
    assert contracts(w)[0]["contractDesc"]["text"] == "Dodávka šroubů"
    # … but a change of the contract in POHODA reaches the business case
    pohoda_edit(w, "contracts", desc["id"], {"contractDesc": {"note": "upraveno v účetnictví"}})
    w.run()
    assert w.raynet.store.render("businessCase", won)["description"] == "upraveno v účetnictví"
    assert w.run().report.totals().updated == 0


ITEMS = [{"text": "Šroub M6x20", "quantity": Decimal("100"), "unit": "ks", "rateVAT": "high",
          "homeCurrency": {"unitPrice": Decimal("2.50")}},
         {"text": "Montáž", "quantity": Decimal("2"), "unit": "hod", "rateVAT": "high",
          "homeCurrency": {"unitPrice": Decimal("650")}}]


def test_pohoda_order_creates_contract_business_case_and_order_all_linked_R_R3_R_Z1(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    oid = pohoda_order(w, partner, "Objednávka šroubů", ITEMS, date="2025-03-01")
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    [contract] = contracts(w)                               # R-R3: a contract, paired with the order
    assert contract["contractDesc"]["number"]["numberRequested"] == f"ZAKP{oid}"
    assert contract["contractDesc"]["partnerIdentity"]["id"] == partner
    [bc] = raynet_records(w, "businessCase")                 # … a new business case
    [order] = raynet_records(w, "salesOrder")                # … and a new order, linked to each other
    assert order["businessCase"]["id"] == bc["id"] and order["company"]["id"] == cid == bc["company"]["id"]
    assert bc["name"] == "Objednávka šroubů" and bc["businessCasePhase"]["value"] == "Před uzavřením"  # R-Z2
    assert order["name"] == "Objednávka šroubů" and order["salesOrderStatus"]["value"] == "Příprava"    # R-R2
    assert [(i["name"], i["count"], i["price"], i["taxRate"]) for i in order["items"]] == [
        ("Šroub M6x20", Decimal("100"), Decimal("2.50"), Decimal("21")), ("Montáž", Decimal("2"), Decimal("650"),
                                                                          Decimal("21"))]
    counts = result.report.counts
    assert counts["received_orders"]["to_raynet"].created == 1 and counts["contracts"]["to_raynet"].created == 1
    assert counts["contracts"]["to_pohoda"].created == 1
    # R-Z1: nothing more on the next runs (one business case = one order)
    again = w.run()
    assert again.report.totals().created == 0 and again.report.totals().updated == 0, again.report.totals()
    assert len(raynet_records(w, "businessCase")) == 1 and len(contracts(w)) == 1


def test_order_state_drives_order_status_and_business_case_phase_R_R2_R_Z2(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    done = pohoda_order(w, partner, "Hotová", ITEMS[:1])
    gone = pohoda_order(w, partner, "Zrušená", ITEMS[:1])
    w.run()
    pohoda_edit(w, "received_orders", done, {"orderHeader": {"isExecuted": True}})      # processed in POHODA
    pohoda_edit(w, "received_orders", gone, {"orderHeader": {"storno": "cancelledDocument"}})
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    orders = {o["name"]: o for o in raynet_records(w, "salesOrder")}
    cases = {b["name"]: b for b in raynet_records(w, "businessCase")}
    assert orders["Hotová"]["salesOrderStatus"]["value"] == "Akceptována" and orders["Hotová"]["status"] == "E_WIN"
    assert cases["Hotová"]["businessCasePhase"]["value"] == "Výhra" and cases["Hotová"]["status"] == "E_WIN"
    assert orders["Zrušená"]["salesOrderStatus"]["value"] == "Zrušena" and orders["Zrušená"]["status"] == "G_STORNO"
    assert cases["Zrušená"]["businessCasePhase"]["value"] == "Zrušeno" and cases["Zrušená"]["status"] == "G_STORNO"
    assert w.run().report.totals().updated == 0          # no echo


def test_closing_date_is_the_issue_date_of_the_invoice_linked_to_the_order_R_Z3(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    oid = pohoda_order(w, partner, "Fakturovaná", ITEMS[:1])
    w.run()
    invoice = {"invoiceHeader": {"invoiceType": "issuedInvoice", "date": "2025-04-15", "text": "Faktura"},
               "invoiceDetail": {"invoiceItem": [{"text": "Šroub", "quantity": Decimal(1),
                                                  "homeCurrency": {"unitPrice": Decimal(10)}}]}}
    pohoda_write(w, "issued_invoices", invoice, partner={"id": partner}, links=[{"agenda": "receivedOrder", "id": oid}])
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    [bc] = raynet_records(w, "businessCase")
    assert str(bc["validTill"]) == "2025-04-15"
    # a later invoice of the same order does not move the closing date; nothing repeats
    later = dict(invoice, invoiceHeader={**invoice["invoiceHeader"], "date": "2025-05-20"})
    pohoda_write(w, "issued_invoices", later, partner={"id": partner}, links=[{"agenda": "receivedOrder", "id": oid}])
    assert w.run().report.totals().updated == 0
    assert str(raynet_records(w, "businessCase")[0]["validTill"]) == "2025-04-15"


def order_not_linked_with_its_invoice(w) -> tuple[int, int, int]:
    """A synced client, a POHODA order the sync cannot link (no address-book record: R-C1) and an invoice of the
    client linked to that order, issued 2025-04-15: (client's POHODA id, order id, invoice id)."""
    _, partner = synced_client(w)
    oid = pohoda_order(w, None, "Bez adresy", ITEMS[:1])
    invoice = {"invoiceHeader": {"invoiceType": "issuedInvoice", "date": "2025-04-15", "text": "Faktura"},
               "invoiceDetail": {"invoiceItem": [{"text": "Šroub", "quantity": Decimal(1),
                                                  "homeCurrency": {"unitPrice": Decimal(10)}}]}}
    iid = pohoda_write(w, "issued_invoices", invoice, partner={"id": partner},
                       links=[{"agenda": "receivedOrder", "id": oid}])
    return partner, oid, iid


def test_an_invoice_of_an_order_not_linked_yet_waits_without_holding_the_cursor_R_Z3(world_factory):
    """The order is quarantined (no address-book record, R-C1) when its invoice is read: the closing-date cursor
    still moves on (held, it made every later run re-read every invoice since, for ever when the order never
    links), the invoice's facts wait in the state, and once the order is fixed and linked its business case
    gets the invoice's date — although the invoice itself never changed again."""
    from engine.state import open_state

    w = world_factory()
    partner, oid, _ = order_not_linked_with_its_invoice(w)

    def closing_cursor():
        with open_state(w.state_path) as state:
            return state.get_cursor("received_orders", "issued_invoices")

    first = w.run()
    assert [q.rule for q in first.report.quarantine if q.agenda == "received_orders"] == ["R-C1"]
    after_first = closing_cursor()
    assert after_first is not None
    w.run()
    assert closing_cursor() > after_first                     # not held by the order that is not linked
    assert raynet_records(w, "businessCase") == []
    pohoda_edit(w, "received_orders", oid, {"orderHeader": {"partnerIdentity": {"id": partner}}})
    fixed = w.run()
    assert fixed.report.status == "ok", (fixed.report.message, fixed.report.quarantine)
    [bc] = raynet_records(w, "businessCase")
    assert str(bc["validTill"]) == "2025-04-15"               # from the invoice that waited
    with open_state(w.state_path) as state:
        assert list(state.iter_shadows("received_orders", "closing_waiting")) == []
    assert w.run().report.totals().updated == 0


def test_an_invoice_that_lost_its_order_link_while_waiting_gives_no_closing_date_R_Z3(world_factory):
    """The waiting invoice is edited in POHODA (its link to the order removed) before the order is linked: read
    again, it no longer waits, and the order's business case gets no closing date from it."""
    w = world_factory()
    partner, oid, iid = order_not_linked_with_its_invoice(w)
    w.run()
    pohoda_edit(w, "issued_invoices", iid, lambda record: record.pop("links"))
    w.run()
    pohoda_edit(w, "received_orders", oid, {"orderHeader": {"partnerIdentity": {"id": partner}}})
    fixed = w.run()
    assert fixed.report.status == "ok", (fixed.report.message, fixed.report.quarantine)
    [bc] = raynet_records(w, "businessCase")
    assert bc.get("validTill") is None


def test_order_carrying_another_orders_contract_gets_a_contract_of_its_own_R_R4(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    shared = pohoda_write(w, "contracts", {"contractDesc": {"text": "Rámcová smlouva"}}, partner={"id": partner})
    first = pohoda_order(w, partner, "První", ITEMS[:1], contract={"id": shared})
    second = pohoda_order(w, partner, "Druhá", ITEMS[:1], contract={"id": shared})
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    numbers = {c["contractDesc"]["id"]: c["contractDesc"]["number"]["numberRequested"] for c in contracts(w)}
    assert len(numbers) == 2 and numbers[shared] != f"ZAKP{second}"
    assert f"ZAKP{second}" in numbers.values() and f"ZAKP{first}" not in numbers.values()
    assert any("R-R4" in n and f"ZAKP{second}" in n for n in result.report.notes), result.report.notes
    orders = {o["name"]: o for o in raynet_records(w, "salesOrder")}
    cases = {b["id"]: b for b in raynet_records(w, "businessCase")}
    assert cases[orders["První"]["businessCase"]["id"]]["name"] == "Rámcová smlouva"   # the carried contract's case
    assert orders["Druhá"]["businessCase"]["id"] != orders["První"]["businessCase"]["id"]
    assert len(cases) == 2 and w.run().report.totals().created == 0


def test_raynet_order_goes_to_pohoda_once_with_contract_partner_and_items_R_R5_R_E2_R_R6(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    stock_id = pohoda_stock(w, "SR-M6", "Šroub M6x20")
    bc = raynet_business_case(w, cid, "Šrouby pro ACME", phase="Před uzavřením")
    order = raynet_document(w, "salesOrder", cid, bc, "Objednávka ACME", requestDeliveryDate="2025-06-30", items=[
        {"productCode": "SR-M6", "name": "Šroub M6x20", "count": 100, "price": Decimal("2.5"), "taxRate": 21},
        {"name": "Doprava", "count": 1, "price": Decimal("300"), "taxRate": 21}])
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    [contract] = contracts(w)                                      # R-C4: the business case's contract
    assert contract["contractDesc"]["number"]["numberRequested"] == f"ZAKR{bc}"
    [p] = pohoda_records(w, "received_orders")                     # R-R5
    header = p["orderHeader"]
    assert header["partnerIdentity"]["id"] == partner and header["contract"]["id"] == contract["contractDesc"]["id"]
    assert header["text"] == "Objednávka ACME" and str(header["dateDelivery"]) == "2025-06-30"
    assert "OBP" in header["number"]["numberRequested"]
    stock_item, text_item = p["orderDetail"]["orderItem"]
    assert stock_item["stockItem"]["stockItem"]["id"] == stock_id and stock_item["code"] == "SR-M6"   # R-E2
    assert "stockItem" not in text_item and text_item["text"] == "Doprava"                           # text item
    assert stock_item["homeCurrency"]["unitPrice"] == Decimal("2.5") and stock_item["rateVAT"] == "high"
    # R-R6: a later change in Raynet is not sent (orders cannot be updated through XML) …
    w.api().sales_orders.update(order, {"name": "Objednávka ACME (upravená)"})
    again = w.run()
    assert again.report.counts["received_orders"]["to_pohoda"].created == 0
    assert pohoda_records(w, "received_orders")[0]["orderHeader"]["text"] == "Objednávka ACME"
    # … while POHODA's changes flow to Raynet
    pohoda_edit(w, "received_orders", header["id"], {"orderHeader": {"text": "Objednávka ACME 2"}})
    w.run()
    assert w.raynet.store.render("salesOrder", order)["name"] == "Objednávka ACME 2"
    assert len(pohoda_records(w, "received_orders")) == 1


def test_order_without_items_or_client_in_pohoda_is_quarantined_then_goes_R_R1(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    stranger = raynet_company(w, "Bez adresy", ico="11223344", street="")    # the address book refuses it (R-A2)
    bc = raynet_business_case(w, cid, "Prázdná")
    empty = raynet_document(w, "salesOrder", cid, bc, "Bez položek")
    bc2 = raynet_business_case(w, stranger, "Cizí")
    foreign = raynet_document(w, "salesOrder", stranger, bc2, "Klient mimo POHODU", items=[{"name": "X", "count": 1}])
    result = w.run()
    q = {(i.agenda, i.record): i for i in result.report.quarantine}
    assert q[("received_orders", str(empty))].rule == "R-R1" and q[("received_orders", str(empty))].field == "items"
    assert "no items" in q[("received_orders", str(empty))].message
    miss = q[("received_orders", str(foreign))]
    assert miss.rule == "R-R1" and miss.field == "company" and "not in POHODA's address book" in miss.message
    assert pohoda_records(w, "received_orders") == [] and result.exit_code == 3
    w.api().sales_orders.add_item(empty, {"name": "Doplněná položka", "count": 2, "price": 10})
    fixed = w.run()
    assert [o["orderHeader"]["text"] for o in pohoda_records(w, "received_orders")] == ["Bez položek"]
    assert {i.record for i in fixed.report.quarantine if i.agenda == "received_orders"} == {str(foreign)}


def test_an_order_item_pohoda_cannot_carry_quarantines_the_order_naming_the_item_R_G6(world_factory):
    """The order's items are checked once, by the render (issue 7: the POHODA shadow keeps the header alone, so
    only the header is typed): the same quarantine, naming the record and the item's field, nothing written."""
    w = world_factory()
    cid, _ = synced_client(w)
    bad = raynet_document(w, "salesOrder", cid, raynet_business_case(w, cid, "Vadná položka"), "Vadná",
                          items=[{"name": "Šroub\x01", "count": 1, "price": Decimal("2"), "taxRate": 21}])
    good = raynet_document(w, "salesOrder", cid, raynet_business_case(w, cid, "Dobrá"), "Dobrá",
                           items=[{"name": "Šroub", "count": 1, "price": Decimal("2"), "taxRate": 21}])
    result = w.run()
    q = {(i.agenda, i.record): i for i in result.report.quarantine}
    item = q[("received_orders", str(bad))]
    assert (item.rule, item.field) == ("R-G6", "orderDetail.orderItem[0].text"), item
    assert "U+0001" in item.message and item.message.startswith(f"record order {bad} "), item.message
    assert [o["orderHeader"]["text"] for o in pohoda_records(w, "received_orders")] == ["Dobrá"]
    assert good and len(q) == 1


def test_second_order_of_a_business_case_is_refused_R_Z1(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    bc = raynet_business_case(w, cid, "Jeden případ")
    raynet_document(w, "salesOrder", cid, bc, "První objednávka", items=[{"name": "A", "count": 1}])
    second = raynet_document(w, "salesOrder", cid, bc, "Druhá objednávka", items=[{"name": "B", "count": 1}])
    result = w.run()
    [q] = [i for i in result.report.quarantine if i.agenda == "received_orders"]
    assert q.record == str(second) and q.rule == "R-Z1" and "one business case = one order" in q.message
    assert len(pohoda_records(w, "received_orders")) == 1 and len(contracts(w)) == 1


def test_an_order_added_later_to_a_business_case_with_an_order_is_refused_R_Z1(world_factory):
    """The first order went in an earlier run: the run finds it among the orders already on the contract, which
    it looks up a page at a time (``prefetch_references``, issue 7) — refused again on every later run."""
    w = world_factory()
    cid, partner = synced_client(w)
    bc = raynet_business_case(w, cid, "Jeden případ")
    raynet_document(w, "salesOrder", cid, bc, "První objednávka", items=[{"name": "A", "count": 1}])
    assert w.run().report.status == "ok"
    second = raynet_document(w, "salesOrder", cid, bc, "Druhá objednávka", items=[{"name": "B", "count": 1}])
    for _ in range(2):
        result = w.run()
        [q] = [i for i in result.report.quarantine if i.agenda == "received_orders"]
        assert q.record == str(second) and q.rule == "R-Z1" and "one business case = one order" in q.message
        assert len(pohoda_records(w, "received_orders")) == 1 and len(contracts(w)) == 1


def test_pohoda_order_of_an_unsynced_address_is_quarantined_R_C1(world_factory):
    w = world_factory()
    pohoda_order(w, None, "Bez adresy", ITEMS[:1])
    result = w.run()
    [q] = [i for i in result.report.quarantine if i.agenda == "received_orders"]
    assert q.rule == "R-C1" and q.field == "orderHeader.partnerIdentity" and q.side == "pohoda"
    assert raynet_records(w, "salesOrder") == [] and contracts(w) == []


def test_offer_goes_once_in_its_final_state_with_contract_and_items_R_O1_R_O2_R_O3(world_factory):
    w = world_factory()
    cid, partner = synced_client(w)
    pohoda_stock(w, "KAB-3", "Kabel 3 m")
    bc = raynet_business_case(w, cid, "Kabeláž")
    offer = raynet_document(w, "offer", cid, bc, "Nabídka kabeláže", status="Příprava", expirationDate="2025-07-31",
                            items=[{"productCode": "KAB-3", "name": "Kabel 3 m", "count": 10, "price": 99},
                                   {"name": "Instalace", "count": 1, "price": 1500}])
    draft = w.run()
    assert pohoda_records(w, "offers") == [] and draft.report.quarantine == []   # R-O3: not final yet
    w.api().offers.update(offer, {"offerStatus": raynet_status_id(w, "offerStatus", "Akceptována")})
    final = w.run()
    assert final.report.status == "ok", (final.report.message, final.report.quarantine)
    [p] = pohoda_records(w, "offers")
    header = p["offerHeader"]
    [contract] = contracts(w)                                       # R-O2: paired via the business case's contract
    assert header["contract"]["id"] == contract["contractDesc"]["id"] and header["partnerIdentity"]["id"] == partner
    assert header["text"] == "Nabídka kabeláže" and str(header["validTill"]) == "2025-07-31"
    cable, work = p["offerDetail"]["offerItem"]                     # R-O1: a stock item and a text item
    assert cable["stockItem"]["stockItem"]["ids"] == "KAB-3" and "stockItem" not in work
    assert cable["homeCurrency"]["unitPrice"] == Decimal("99")
    w.api().offers.update(offer, {"name": "Nabídka kabeláže v2"})   # R-O3: exactly once
    assert w.run().report.totals().created == 0 and len(pohoda_records(w, "offers")) == 1


def test_foreign_currency_offer_needs_price_lists_in_its_currency_on_both_sides_R_C3_R_G5(world_factory):
    from engine.resources import mappings_dir

    w = world_factory(mapping_path=mappings_dir() / "examples" / "eur_documents.yaml")
    cid, partner = synced_client(w)
    eur = next(c["id"] for c in w.raynet.store.table("currency").values() if c["code02"] == "EUR")
    bc = raynet_business_case(w, cid, "Export", currency=eur)
    offer = raynet_document(w, "offer", cid, bc, "Nabídka v EUR", status="Akceptována",
                            items=[{"name": "Stroj", "count": 1, "price": Decimal("1200.50")}])
    missing = w.run()
    [q] = [i for i in missing.report.quarantine if i.agenda == "offers"]
    assert q.rule == "R-C3" and q.field == "currency" and "EUR" in q.message and "Raynet has no price list" in q.message
    assert pohoda_records(w, "offers") == []
    w.raynet.store.create("priceList", {"name": "Ceník EUR", "code": "EUR-1", "currency": eur, "validFrom": "2025-01-01"})
    still = w.run()
    [q] = [i for i in still.report.quarantine if i.agenda == "offers"]
    assert "POHODA has no sales price level in EUR" in q.message
    from engine.sandbox.pohoda.seed import apply_seed

    apply_seed(w.pohoda.store, {"sales_prices": [{"record": {"id": 7, "code": "Prodejní cena EUR",
                                                            "currency": {"ids": "EUR"}}}]})
    done = w.run()
    assert done.report.quarantine == [], done.report.quarantine
    [p] = pohoda_records(w, "offers")
    assert p["offerSummary"]["foreignCurrency"]["currency"]["ids"] == "EUR"
    [item] = p["offerDetail"]["offerItem"]
    assert item["foreignCurrency"]["unitPrice"] == Decimal("1200.50") and "homeCurrency" not in item
    assert offer
    # the other way: a POHODA order in EUR becomes a Raynet case and order in EUR, priced in EUR
    oid = pohoda_order(w, partner, "Objednávka v EUR", [{"text": "Díl", "quantity": Decimal(2), "rateVAT": "none",
                                                         "foreignCurrency": {"unitPrice": Decimal("80.25")}}])
    pohoda_edit(w, "received_orders", oid, {"orderSummary": {"foreignCurrency": {"currency": {"ids": "EUR"}}}})
    result = w.run()
    assert result.report.quarantine == [], result.report.quarantine
    order = one(raynet_records(w, "salesOrder"), name="Objednávka v EUR")
    assert order["currency"]["id"] == eur and order["items"][0]["price"] == Decimal("80.25")


def test_contracts_agenda_in_other_use_refuses_to_start_R_C4(world_factory):
    w = world_factory()
    raynet_company(w, "ACME s.r.o.", ico="27082440")
    pohoda_write(w, "contracts", {"contractDesc": {"number": {"numberRequested": "STAVBA-01"}, "text": "Stavba haly"}})
    result = w.run()
    assert result.exit_code == 1 and result.report.status == "failed"
    assert "contracts agenda is already used for other purposes" in result.report.message
    assert "STAVBA-01 'Stavba haly'" in result.report.message and "R-C4" in result.report.message
    assert pohoda_records(w, "address_book") == []        # refused before anything was written
    # a contract carried by a received order is what rpsync does itself: the sync starts
    w2 = world_factory()
    partner = pohoda_address(w2, "Beta a.s.", ico="12345679")
    carried = pohoda_write(w2, "contracts", {"contractDesc": {"number": {"numberRequested": "STAVBA-02"}}},
                           partner={"id": partner})
    pohoda_order(w2, partner, "Objednávka ke stavbě", ITEMS[:1], contract={"id": carried})
    started = w2.run()
    assert started.report.status == "ok", (started.report.message, started.report.quarantine)
    [order] = raynet_records(w2, "salesOrder")
    assert len(raynet_records(w2, "businessCase")) == 1 and len(contracts(w2)) == 1


def test_contract_numbers_of_the_series_with_a_year_in_front_are_rpsyncs_R_C4(world_factory):
    """POHODA numbers a series with the year in front (25ZAK0001): inside the series, so no refusal, and
    such a contract pairs with its business case; a number that only starts like the series is outside."""
    from engine.sync.steps.documents import in_series

    assert [in_series(n, "ZAK") for n in ("25ZAK0001", "2025ZAK12", "ZAK0007", "ZAKR12", "ZAKP3")] == [True] * 5
    assert [in_series(n, "ZAK") for n in ("ZAKAZKA-01", "25ZAK", "STAVBA-01", "OP25ZAK1", "", None)] == [False] * 6
    w = world_factory()
    partner = pohoda_address(w, "Gama a.s.", ico="12345679")
    pohoda_write(w, "contracts", {"contractDesc": {"number": {"numberRequested": "25ZAK0001"}, "text": "Hala"}},
                 partner={"id": partner})             # carried by no order: only the series makes it rpsync's
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    [bc] = raynet_records(w, "businessCase")
    assert bc["name"] == "Hala" and result.report.counts["contracts"]["to_raynet"].created == 1
    # the same contract numbered outside the series is the customer's own use of the agenda: refused
    w2 = world_factory()
    pohoda_write(w2, "contracts", {"contractDesc": {"number": {"numberRequested": "ZAKAZKA-01"}, "text": "Hala"}})
    refused = w2.run()
    assert refused.exit_code == 1 and "ZAKAZKA-01 'Hala'" in refused.report.message


def busy_world(world_factory):
    """A world with a bit of everything: a won case, a POHODA order, a Raynet order, a final offer."""
    w = world_factory()
    cid, partner = synced_client(w)
    raynet_business_case(w, cid, "Vyhraný", phase="Výhra")
    pohoda_order(w, partner, "Z účetnictví", ITEMS[:1])
    bc = raynet_business_case(w, cid, "S objednávkou")
    raynet_document(w, "salesOrder", cid, bc, "Z CRM", items=[{"name": "Položka", "count": 1, "price": 5}])
    raynet_document(w, "offer", cid, bc, "Nabídka", status="Akceptována", items=[{"name": "N", "count": 1}])
    return w


def test_second_run_writes_nothing_and_reads_each_raynet_list_once(world_factory):
    w = busy_world(world_factory)
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    t = first.report.totals()
    # contracts: the won case's, the POHODA order's, the Raynet order's case's (the offer shares it);
    # Raynet: the POHODA order's case and order; POHODA: the Raynet order and the offer
    assert t.created == 7, first.report.to_dict()["agendas"]
    before = len(w.raynet.store.requests_for())
    pohoda_before = len(w.pohoda.requests)
    second = w.run()
    t = second.report.totals()
    assert (t.created, t.updated, t.quarantined) == (0, 0, 0), second.report.to_dict()["agendas"]
    spent = w.raynet.store.requests_for()[before:]
    assert all(r.method == "GET" for r in spent) and len({r.path for r in spent}) == len(spent), \
        [(r.method, r.path) for r in spent]
    assert {"/api/v2/businessCase/", "/api/v2/offer/", "/api/v2/salesOrder/"} <= {r.path for r in spent}
    assert len(w.pohoda.requests) - pohoda_before == second.report.requests["pohoda"]
    assert w.run().report.totals().created == 0


def test_dry_run_lists_every_write_and_writes_nothing_R_G3(world_factory):
    w = busy_world(world_factory)
    before = {e: len(raynet_records(w, e)) for e in ("businessCase", "salesOrder", "offer")}
    plan = w.run(dry_run=True)
    assert plan.exit_code == 2, (plan.report.message, plan.report.quarantine)
    planned = {(c.agenda, c.target, c.op) for c in plan.planned}
    assert {("contracts", "pohoda", "create"), ("contracts", "raynet", "create"), ("received_orders", "raynet", "create"),
            ("received_orders", "pohoda", "create"), ("offers", "pohoda", "create")} <= planned
    assert {e: len(raynet_records(w, e)) for e in before} == before
    assert contracts(w) == [] and pohoda_records(w, "offers") == [] and len(pohoda_records(w, "received_orders")) == 1
    real = w.run()
    assert real.report.totals().created == sum(1 for c in plan.planned if c.op == "create")
    assert w.run(dry_run=True).exit_code == 0


class _Killed(BaseException):
    """Stands for the process being killed at a crash point (nothing after it runs)."""


def test_contract_whose_answer_was_lost_is_found_by_its_number_not_created_twice_R_C4(world_factory):
    from engine.pohoda.transport import TransportError
    from engine.sync.pohoda_gateway import PohodaGateway
    from engine.sync.runner import renderer_for, run_sync

    w = world_factory()
    cid, partner = synced_client(w)
    bc = raynet_business_case(w, cid, "Vyhraný", phase="Výhra")

    class LosesTheAnswer:
        """POHODA imports the contract, then the connection drops before its answer arrives."""

        def __init__(self, inner):
            self.inner, self.lost = inner, False

        def submit(self, pack: bytes) -> bytes:
            answer = self.inner.submit(pack)
            if b"<con:contract" in pack and not self.lost:
                self.lost = True
                raise TransportError("the connection to mServer dropped")
            return answer

        def __getattr__(self, name):
            return getattr(self.inner, name)

    api = w.api()
    gw = PohodaGateway(LosesTheAnswer(w.pohoda.transport()), ico="12345678", renderer=renderer_for(w.mapping))
    failed = run_sync(w.mapping, state_path=w.state_path, raynet=api, pohoda=gw)
    api.client.close()
    assert failed.exit_code == 1 and "dropped" in failed.report.message
    assert len(contracts(w)) == 1                                   # it landed in POHODA
    again = w.run()
    assert again.report.status == "ok" and any("reconciled" in n or "had landed" in n for n in again.report.notes)
    [contract] = contracts(w)                                       # … and was linked, not sent again
    assert contract["contractDesc"]["number"]["numberRequested"] == f"ZAKR{bc}"
    assert again.report.counts["contracts"]["to_pohoda"].created == 0


def test_order_killed_after_raynet_committed_it_is_linked_and_completed_not_duplicated_R_R3(world_factory,
                                                                                           monkeypatch):
    import engine.sync.steps.received_orders as module

    w = world_factory()
    cid, partner = synced_client(w)
    pohoda_order(w, partner, "Přerušená", ITEMS)

    def crash(name: str) -> None:
        if name == "received_orders:raynet-create:order-created":
            raise _Killed(name)

    monkeypatch.setattr(module, "crashpoint", crash)
    try:
        w.run()
    except _Killed:
        pass
    monkeypatch.undo()
    [order] = raynet_records(w, "salesOrder")
    assert order["items"] == []                                     # created, items not added yet
    again = w.run()
    assert again.report.status == "ok", (again.report.message, again.report.quarantine)
    [order] = raynet_records(w, "salesOrder")                       # not duplicated, and completed
    assert [i["name"] for i in order["items"]] == ["Šroub M6x20", "Montáž"]
    assert len(raynet_records(w, "businessCase")) == 1 and len(contracts(w)) == 1
    assert w.run().report.totals().created == 0


def test_an_invoice_links_to_orders_in_its_header_and_in_its_items_R_Z3():
    from engine.sync.steps.received_orders import linked_orders

    invoice = {"links": {"link": [{"sourceAgenda": "receivedOrder", "sourceDocument": {"id": 4}},
                                  {"sourceAgenda": "issuedOffer", "sourceDocument": {"id": 9}}]},
               "invoiceDetail": {"invoiceItem": [
                   {"text": "a", "linkedDocument": {"sourceAgenda": "receivedOrder",
                                                    "sourceDocument": {"id": 1, "number": "252100001"}}},
                   {"text": "b"}]}}
    assert linked_orders(invoice) == [(4, None), (1, "252100001")]


def test_a_status_name_raynet_lacks_holds_the_order_back_with_the_names_it_has_R_R2(world_factory, tmp_path):
    # a customer's table names a status their Raynet instance does not have ("Vyřízena")
    overlay = mapping_overlay(tmp_path, "tables:\n  order_state_to_status:\n    entries:\n"
                                        "      processed: Vyřízena\n")
    w = world_factory(mapping_path=overlay)
    cid, partner = synced_client(w)
    oid = pohoda_order(w, partner, "Vyřízená", ITEMS[:1])
    pohoda_edit(w, "received_orders", oid, {"orderHeader": {"isExecuted": True}})
    result = w.run()
    [q] = [i for i in result.report.quarantine if i.agenda == "received_orders"]
    assert q.rule == "R-R2" and q.field == "tables.order_state_to_status" and q.side == "pohoda"
    assert "'Vyřízena'" in q.message and "'Akceptována'" in q.message and result.exit_code == 3
    assert raynet_records(w, "salesOrder") == []
