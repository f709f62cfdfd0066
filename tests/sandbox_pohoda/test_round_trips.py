"""Write → list → the same values, over real HTTP with the production client (MServerTransport)."""

import copy
import datetime as dt
from decimal import Decimal as D

import pytest

from engine.pohoda import lists, render
from engine.sandbox.pohoda import DEMO_SEED, PohodaSandbox
from tests.pohoda import records
from tests.sandbox_pohoda.conftest import Client, subset


def test_address_book_with_delivery_addresses_round_trips(client):
    rec = records.with_delivery_addresses(records.company())
    item = client.one(render.render_document("address_book", rec, ext_id="501"))
    assert item.ok and item.produced_id == 1
    (back,) = client.list("address_book", filter={"ext_id": "501"})
    subset(rec, back)
    assert back["addressbookHeader"]["id"] == 1
    assert back["addressbookHeader"]["identity"]["extId"] == [{"ids": "501", "exSystemName": "raynet"}]
    assert [s["id"] for s in back["addressbookHeader"]["identity"]["shipToAddress"]] == [1, 2]


def test_contact_person_points_to_main_record_R_P2(client):
    client.one(render.render_document("address_book", records.company(), ext_id="501"))
    person = records.contact_person()
    item = client.one(render.render_document("contact_persons", person, ext_id="p-9", ref_address={"ext_id": "501"}))
    assert item.ok
    (back,) = client.list("contact_persons")
    subset(person, back)
    assert back["addressbookHeader"]["refAddress"] == {"refAD": 1}


def test_address_book_update_through_filter(client, sandbox):
    client.one(render.render_document("address_book", records.with_delivery_addresses(records.company()), ext_id="501"))
    change = {"addressbookHeader": {"email": "new@acme.cz",
                                    "identity": {"shipToAddress": [
                                        {"actionType": {"update": {"filter": {"id": 2}}}, "city": "Opava"},
                                        {"name": "Nová pobočka", "street": "Nová 1", "city": "Zlín", "zip": "76001"}]}}}
    item = client.one(render.render_document("address_book", change, action="update", filter={"ext_id": "501"}))
    assert item.ok and item.produced_action == "update" and item.produced_id == 1
    (back,) = client.list("address_book", filter={"id": 1})
    header = back["addressbookHeader"]
    assert header["email"] == "new@acme.cz" and header["identity"]["address"]["company"] == "ACME s.r.o."
    assert [(s["id"], s["city"]) for s in header["identity"]["shipToAddress"]] == [(1, "Brno"), (2, "Opava"), (3, "Zlín")]
    assert sandbox.store.count("address_book") == 1


def test_business_case_chain_contract_order_offer_invoice(client, sandbox):
    client.one(render.render_document("address_book", records.company(), ext_id="501"))
    sandbox_stock = {"stockHeader": {"code": "SR-M6", "name": "Šroub M6", "storage": {"ids": "Hlavní/Šrouby"}}}
    client.one(_stock_doc(sandbox_stock))
    contract = records.contract()
    c = client.one(render.render_document("contracts", contract, partner={"ext_id": "501"}))
    assert c.ok and c.produced_number.endswith("ZAK0001")
    order = records.received_order()
    o = client.one(render.render_document("received_orders", order, ext_id="so-1", partner={"ext_id": "501"},
                                          contract={"ids": c.produced_number}))
    assert o.ok and o.produced_number == "25OP0001"
    offer = records.offer()
    f = client.one(render.render_document("offers", offer, ext_id="of-1", partner={"id": 1},
                                          contract={"ids": c.produced_number}))
    assert f.ok
    (c_back,) = client.list("contracts")
    subset(contract, c_back)
    assert c_back["contractDesc"]["partnerIdentity"]["id"] == 1
    (o_back,) = client.list("received_orders", filter={"ext_id": "so-1"})
    subset(order, o_back)
    head = o_back["orderHeader"]
    assert head["contract"] == {"id": c.produced_id, "ids": c.produced_number}
    assert head["partnerIdentity"]["id"] == 1 and head["partnerIdentity"]["address"]["company"] == "ACME s.r.o."
    assert head["number"] == {"numberRequested": "25OP0001"} and head["extId"]["ids"] == "so-1"
    stock_item, text_item = o_back["orderDetail"]["orderItem"]
    assert stock_item["stockItem"]["stockItem"]["id"] == 1 and stock_item["code"] == "SR-M6"
    assert "stockItem" not in text_item
    (f_back,) = client.list("offers")
    subset(offer, f_back)


@pytest.mark.parametrize("kind", render.INVOICE_KINDS)
def test_every_invoice_kind_round_trips_R_F2(client, kind):
    client.one(render.render_document("address_book", records.company(), ext_id="501"))
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    if kind == "issuedCorrectiveTax":
        first = client.one(render.render_document("issued_invoices", records.invoice(), partner={"id": 1}))
        rec = records.invoice(kind)
        rec["correctiveDocument"]["sourceDocument"] = {"number": first.produced_number}
    else:
        rec = records.invoice(kind)
    item = client.one(render.render_document("issued_invoices", rec, ext_id=f"inv-{kind}", partner={"id": 1}))
    assert item.ok, item.message()
    back = client.list("issued_invoices", invoice_type=kind, filter={"ext_id": f"inv-{kind}"})
    assert len(back) == 1
    expected = copy.deepcopy(rec)
    if kind == "issuedCorrectiveTax":
        expected["correctiveDocument"]["sourceDocument"] = {"id": 1}
    subset(expected, back[0])


def test_foreign_currency_invoice_round_trips_R_G5(client):
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    rec = records.invoice(foreign=True)
    assert client.one(render.render_document("issued_invoices", rec)).ok
    (back,) = client.list("issued_invoices")
    subset(rec, back)
    assert back["invoiceSummary"]["foreignCurrency"]["rate"] == D("25.125")


def test_demo_seed_lists_stock_prices_sales_prices_and_payments(pohoda_xsd_dir, pohoda_validator):
    with PohodaSandbox(seed=DEMO_SEED, xsd_dir=pohoda_xsd_dir) as sb:
        c = Client(sb, pohoda_validator)
        stock = c.list("stock")
        assert [s["stockHeader"]["code"] for s in stock] == ["SR-M6", "MONTAZ"]
        prices = lists.derived("related_prices", stock[0])
        assert [(p["ids"], p["price"]) for p in prices] == [("Prodejní cena", D("2.50")), ("VO", D("2.10"))]
        levels = c.list("sales_prices")
        assert [(p["code"], p["priceType"]) for p in levels] == [("Prodejní cena", "basicPrice"), ("VO", "discount")]
        (invoice,) = c.list("payments")
        pays = lists.derived("payments", invoice)
        assert [(p["date"], p["amount"]) for p in pays] == [(dt.date(2025, 1, 20), D("1500")), (dt.date(2025, 1, 27), D("1525"))]
        (without,) = c.list("issued_invoices")
        assert "liquidations" not in without
        contacts = c.list("contact_persons")
        assert [p["addressbookHeader"]["identity"]["address"]["name"] for p in contacts] == ["Petr Novák"]
        c.transport.close()


def _stock_doc(rec):
    """Stock import (the engine never writes stock — R-S*; tests and demos seed the sandbox with it)."""
    body = render.write_fields("stock", rec)
    return f'<stk:stock version="2.0">{body}</stk:stock>'


def test_big_list_answer_streams_from_mserver_to_records(client, sandbox):
    docs = [render.PackItem(f"a{n}", render.render_document("address_book", records.company(ico=f"2{n:07d}")))
            for n in range(120)]
    for batch, answer in client.transport.send(docs, ico="12345678"):
        assert all(i.ok for i in answer.items)
    pack = render.render_datapack([render.PackItem("l", render.render_list_request("address_book"))], ico="12345678")
    with client.transport.open_response(pack) as fh:
        icos = [r["addressbookHeader"]["identity"]["address"]["ico"] for r in lists.iter_records("address_book", fh)]
    assert icos == [f"2{n:07d}" for n in range(120)]
    assert [m for m, p, s in sandbox.requests if p == "/xml"] == ["POST"] * 4  # 50 + 50 + 20, then the list


def test_delivery_address_ids_are_unique_in_the_accounting_unit_R_D4(client, sandbox):
    """Delivery addresses live in a table of their own: ids count across records, and one is updated by id."""
    client.one(render.render_document("address_book", records.with_delivery_addresses(records.company()),
                                      ext_id="501"))
    client.one(render.render_document("address_book", records.with_delivery_addresses(
        records.company(ico="87654321", name="Beta a.s.")), ext_id="502"))
    change = {"addressbookHeader": {"identity": {"shipToAddress": [
        {"actionType": {"update": {"filter": {"id": 3}}}, "city": "Opava"}, {"name": "Nový sklad", "city": "Zlín"}]}}}
    assert client.one(render.render_document("address_book", change, action="update", filter={"id": 2})).ok
    ships = {r["addressbookHeader"]["id"]: [(s["id"], s["city"]) for s in r["addressbookHeader"]["identity"]["shipToAddress"]]
             for r in client.list("address_book")}
    assert ships == {1: [(1, "Brno"), (2, "Ostrava")], 2: [(3, "Opava"), (4, "Ostrava"), (5, "Zlín")]}
    # an id of another record's delivery address is not found in this one
    wrong = {"addressbookHeader": {"identity": {"shipToAddress": [
        {"actionType": {"update": {"filter": {"id": 1}}}, "city": "Kladno"}]}}}
    assert not client.one(render.render_document("address_book", wrong, action="update", filter={"id": 2})).ok


def test_seeded_delivery_addresses_get_ids(tmp_path, pohoda_xsd_dir):
    from engine.sandbox.pohoda import DEMO_SEED

    with PohodaSandbox(seed=DEMO_SEED, xsd_dir=pohoda_xsd_dir) as sb:
        [ship] = sb.store.get("address_book", 1).record["addressbookHeader"]["identity"]["shipToAddress"]
        assert ship["id"] == 1 and ship["name"] == "Sklad Plzeň"
