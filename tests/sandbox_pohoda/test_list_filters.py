"""List requests are served from the store with the filters the engine uses (R-G7)."""

import datetime as dt

import pytest

from engine.pohoda import lists, render, responses
from engine.pohoda.lists import ListError
from engine.sandbox.pohoda import DEMO_SEED, PohodaSandbox
from tests.pohoda import records
from tests.sandbox_pohoda.conftest import Client
from tests.sandbox_pohoda.test_round_trips import _stock_doc


@pytest.fixture()
def demo(pohoda_xsd_dir, pohoda_validator, clock):
    with PohodaSandbox(seed=DEMO_SEED, xsd_dir=pohoda_xsd_dir, clock=clock) as sb:
        c = Client(sb, pohoda_validator)
        yield c
        c.transport.close()


def ids(recs, header):
    return [r[header]["id"] for r in recs]


def test_filter_by_id_ext_id_company_and_ico(demo):
    assert ids(demo.list("address_book", filter={"id": 2}), "addressbookHeader") == [2]
    assert ids(demo.list("address_book", filter={"ext_id": "101"}), "addressbookHeader") == [1]
    assert ids(demo.list("address_book", filter={"company": "Jana Malá"}), "addressbookHeader") == [2]
    assert ids(demo.list("address_book", filter={"ico": "27082440"}), "addressbookHeader") == [1]
    assert demo.list("address_book", filter={"ext_id": "nope"}) == []


def test_ext_ids_are_exported_for_the_asked_system_only(demo, sandbox=None):
    (rec,) = demo.list("address_book", filter={"id": 1})
    assert rec["addressbookHeader"]["identity"]["extId"] == [{"ids": "101", "exSystemName": "raynet"}]
    other = render.Renderer(ext_system="eshop")
    pack = render.render_datapack([render.PackItem("l", other.render_list_request("address_book", filter={"id": 1}))],
                                  ico="12345678")
    from engine.pohoda import lists

    (rec,) = lists.iter_records("address_book", demo.raw(pack))
    assert "extId" not in rec["addressbookHeader"]["identity"]


def test_last_changes_sees_only_later_saves(client, clock):
    client.one(render.render_document("address_book", records.company(ico="11111111")))
    clock.advance(hours=1)
    client.one(render.render_document("address_book", records.company(ico="22222222")))
    since = dt.datetime(2025, 3, 1, 10, 30)
    assert ids(client.list("address_book", filter={"last_changes": since}), "addressbookHeader") == [2]
    # an aware cursor is compared in POHODA's local time (10:30 UTC = 11:30 in Prague, after the second save)
    aware = dt.datetime(2025, 3, 1, 10, 30, tzinfo=dt.timezone.utc)
    assert client.list("address_book", filter={"last_changes": aware}) == []
    assert len(client.list("address_book")) == 2


def test_lists_read_the_store_a_page_at_a_time_with_limits_ids_and_changes(client, clock, monkeypatch):
    """The store is read in pages (a list that stops after ``count`` records does not load the agenda first); an
    id filter reads that record alone, ``lastChanges`` skips older records before decoding them — same answers."""
    from engine.sandbox.pohoda.store import Store

    monkeypatch.setattr(Store, "PAGE", 2)
    for n in range(5):
        client.one(render.render_document("address_book", records.company(ico=f"1000000{n}")))
        clock.advance(hours=1)
    assert ids(client.list("address_book"), "addressbookHeader") == [1, 2, 3, 4, 5]
    assert ids(client.list("address_book", id_from=2, count=3), "addressbookHeader") == [2, 3, 4]
    assert ids(client.list("address_book", id_from=4), "addressbookHeader") == [4, 5]
    assert ids(client.list("address_book", filter={"id": 3}), "addressbookHeader") == [3]
    assert client.list("address_book", filter={"id": 3}, id_from=4) == []
    assert client.list("address_book", filter={"id": 9}) == []
    since = dt.datetime(2025, 3, 1, 12, 30)   # the saves were at 10:00, 11:00 … 14:00 (POHODA's local time)
    assert ids(client.list("address_book", filter={"last_changes": since}), "addressbookHeader") == [4, 5]
    assert ids(client.list("address_book", filter={"last_changes": since}, count=1), "addressbookHeader") == [4]


def test_number_series_and_exact_numbers(client):
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    order = records.received_order()
    for series in ("OP", "OP", "EX"):
        order["orderHeader"]["number"] = {"ids": series}
        assert client.one(render.render_document("received_orders", order)).ok
    numbers = lambda recs: [r["orderHeader"]["number"]["numberRequested"] for r in recs]  # noqa: E731
    assert numbers(client.list("received_orders", filter={"number_series": ["25OP"]})) == ["25OP0001", "25OP0002"]
    assert numbers(client.list("received_orders", filter={"number_series": ["25EX"]})) == ["25EX0001"]
    assert numbers(client.list("received_orders", filter={"numbers": ["25OP0002"]})) == ["25OP0002"]


def test_warehouse_group_and_code_selections_for_stock(client):
    for code, storage in (("A1", "Hlavní/Šrouby"), ("A2", "Hlavní/Matice"), ("B1", "Pobočka/Šrouby")):
        assert client.one(_stock_doc({"stockHeader": {"code": code, "name": code, "storage": {"ids": storage}}})).ok
    codes = lambda recs: [r["stockHeader"]["code"] for r in recs]  # noqa: E731
    assert codes(client.list("stock", filter={"store": "Hlavní"})) == ["A1", "A2"]
    assert codes(client.list("stock", filter={"storage": "Hlavní/Šr"})) == ["A1"]
    assert codes(client.list("stock", filter={"storage": {"ids": "Pobočka"}})) == ["B1"]
    assert codes(client.list("stock", filter={"code": "A2"})) == ["A2"]


def test_invoice_kinds_are_listed_separately(client):
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    for kind in ("issuedInvoice", "issuedAdvanceInvoice", "issuedAdvanceInvoice"):
        assert client.one(render.render_document("issued_invoices", records.invoice(kind))).ok
    assert len(client.list("issued_invoices", invoice_type="issuedInvoice")) == 1
    advance = client.list("issued_invoices", invoice_type="issuedAdvanceInvoice")
    assert [r["invoiceHeader"]["number"]["numberRequested"] for r in advance] == ["25ZF0001", "25ZF0002"]


def test_document_dates_and_partner_ico(demo):
    assert len(demo.list("issued_invoices", filter={"date_from": dt.date(2025, 1, 15), "date_till": dt.date(2025, 1, 15)})) == 1
    assert demo.list("issued_invoices", filter={"date_from": dt.date(2025, 1, 16)}) == []
    assert len(demo.list("received_orders", filter={"ico": "27082440"})) == 1


def test_paging_by_id_from_and_count(client):
    for n in range(5):
        client.one(render.render_document("address_book", records.company(ico=f"1000000{n}")))
    page = client.list("address_book", id_from=2, count=2)
    assert ids(page, "addressbookHeader") == [2, 3]


def test_sql_query_filter_needs_pohoda_itself(demo):
    with pytest.raises(ListError, match="queryFilter"):
        demo.list("address_book", filter={"query": "AD.ICO = '1'"})


def test_a_datapack_of_several_list_requests_answers_each_in_its_own_item(client):
    """data.xsd: a dataPack carries 1..n dataPackItems, each one operation; each is answered in the responsePackItem
    of the same id (response.xsd), list requests too, each paged by its own ftr:limit."""
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    for kind in ("issuedInvoice", "issuedAdvanceInvoice", "issuedInvoice", "issuedInvoice"):
        assert client.one(render.render_document("issued_invoices", records.invoice(kind))).ok
    client.one(render.render_document("address_book", records.company(ico="10000001")))
    items = [render.PackItem("normal", render.render_list_request("issued_invoices", invoice_type="issuedInvoice",
                                                                   id_from=2, count=2)),
             render.PackItem("advance", render.render_list_request("issued_invoices",
                                                                    invoice_type="issuedAdvanceInvoice")),
             render.PackItem("credit", render.render_list_request("issued_invoices",
                                                                   invoice_type="issuedCorrectiveTax")),
             render.PackItem("adb", render.render_list_request("address_book"))]
    answer = client.raw(render.render_datapack(items, ico="12345678"))  # response.xsd-valid
    got = [(item, r[header]["id"]) for item, r in lists.iter_item_records(
        answer, {"normal": "issued_invoices", "advance": "issued_invoices", "credit": "issued_invoices",
                 "adb": "address_book"}) for header in r if header.endswith("Header")]
    assert got == [("normal", 3), ("normal", 4), ("advance", 2), ("adb", 1)]
    assert [i.id for i in responses.parse_response_pack(answer).items] == ["normal", "advance", "credit", "adb"]
    with pytest.raises(ListError, match="'adb' that was not asked for"):
        list(lists.iter_item_records(answer, {"normal": "issued_invoices", "advance": "issued_invoices",
                                              "credit": "issued_invoices"}))
