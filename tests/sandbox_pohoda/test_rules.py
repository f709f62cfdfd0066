"""POHODA's rules as the sandbox enforces them; each violation is a per-item error, the others go on."""

import pytest

from engine.pohoda import render, responses
from engine.sandbox.pohoda import PohodaSandbox
from engine.sandbox.pohoda.seed import SeedError
from tests.pohoda import records
from tests.sandbox_pohoda.conftest import Client
from tests.sandbox_pohoda.test_round_trips import _stock_doc


def adb(rec, **kw):
    return render.render_document("address_book", rec, **kw)


@pytest.mark.parametrize("missing,xpath_end", [
    ("street", "typ:address/typ:street"), ("zip", "typ:address/typ:zip"), ("city", "typ:address/typ:city"),
])
def test_required_address_fields_R_A2(client, sandbox, missing, xpath_end):
    rec = records.company()
    del rec["addressbookHeader"]["identity"]["address"][missing]
    good = records.company(ico="87654321", name="Other")
    pack = client.send(adb(rec), adb(good))
    bad, ok = pack.items
    assert bad.state == "error" and f"{missing} is required (R-A2)" in bad.errors[0].note
    assert bad.errors[0].xpath.endswith(xpath_end) and bad.produced_id is None
    assert ok.ok and sandbox.store.count("address_book") == 1


def test_name_is_required_R_A2(client):
    rec = records.company()
    del rec["addressbookHeader"]["identity"]["address"]["company"]
    item = client.one(adb(rec))
    assert item.state == "error" and "name is required" in item.errors[0].note


def test_www_longer_than_limit_is_rejected_R_A2(client, sandbox):
    web33 = "https://www." + "x" * 18 + ".cz"
    assert len(web33) == 33
    bad = client.one(adb(records.company(web=web33)))
    assert bad.state == "error" and "at most 32" in bad.errors[0].note
    assert bad.errors[0].xpath.endswith("adb:addressbookHeader/adb:web")
    assert client.one(adb(records.company(web=web33[:32]))).ok


def test_www_limit_is_configurable(pohoda_xsd_dir, pohoda_validator):
    with PohodaSandbox(xsd_dir=pohoda_xsd_dir, www_limit=96) as sb:
        c = Client(sb, pohoda_validator)
        assert c.one(adb(records.company(web="w" * 90))).ok
        c.transport.close()


@pytest.mark.parametrize("agenda,rule,element", [
    ("received_orders", "R-R6", "ord:order"), ("offers", "R-O3", "ofr:offer"),
    ("issued_invoices", "R-F4", "inv:invoice"), ("contracts", "R-Z5", "con:contract"),
])
def test_documents_cannot_be_updated_through_xml(pohoda_validator, pohoda_xsd_dir, agenda, rule, element):
    """With the XSDs the update is a schema error (no such element); without them the rule itself answers."""
    prefix = element.split(":")[0]
    body = f'<{element} version="2.0"><{prefix}:actionType><{prefix}:update/></{prefix}:actionType></{element}>'
    for xsd_dir in (pohoda_xsd_dir, None):
        with PohodaSandbox(xsd_dir=xsd_dir) as sb:
            pack = render.render_datapack([render.PackItem("u1", body)], ico="12345678")
            answer = responses.parse_response_pack(sb.transport().submit(pack))
            (item,) = answer.items
            assert item.state == "error"
            if xsd_dir is None:
                assert rule in item.errors[0].note
            else:
                assert "actionType" in item.errors[0].note or "update" in item.errors[0].note
            assert sb.store.count(agenda) == 0


def test_unique_stock_codes_R_C2(client, sandbox):
    assert client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}})).ok
    dup = client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Jiný"}}))
    assert dup.state == "error" and "already used by stock item 1 (R-C2)" in dup.errors[0].note
    assert dup.errors[0].xpath.endswith("stk:stockHeader/stk:code")
    assert sandbox.store.count("stock") == 1


def test_seed_with_duplicate_stock_codes_is_refused_R_C2(pohoda_xsd_dir):
    seed = {"stock": [{"record": {"stockHeader": {"code": "A", "name": "x"}}},
                      {"record": {"stockHeader": {"code": "A", "name": "y"}}}]}
    with pytest.raises(SeedError, match="R-C2"):
        PohodaSandbox(seed=seed, xsd_dir=pohoda_xsd_dir)


def test_seed_with_unknown_field_names_the_entry(pohoda_xsd_dir):
    with pytest.raises(SeedError, match=r"address_book\[0\].*compnay"):
        PohodaSandbox(seed={"address_book": [{"addressbookHeader": {"identity": {"address": {"compnay": "x"}}}}]},
                      xsd_dir=pohoda_xsd_dir)


def test_duplicate_pack_and_item_ids_are_refused(client, sandbox):
    doc = render.PackItem("AD-1", adb(records.company()))
    first = client.send(doc, pack_id="pack-1").items[0]
    again = client.send(doc, pack_id="pack-1").items[0]
    assert first.ok and again.state == "error"
    assert again.duplicity[0].id == first.produced_id and again.duplicity[0].agenda_type == "adresar"
    assert sandbox.store.count("address_book") == 1
    # the same item id in another dataPack is a new import
    assert client.send(render.PackItem("AD-1", adb(records.company(ico="11112222"))), pack_id="pack-2").items[0].ok


def test_same_item_id_twice_in_one_pack(client, sandbox):
    doc = adb(records.company())
    pack = render.render_datapack([render.PackItem("A", doc), render.PackItem("B", doc)], ico="12345678")
    doubled = pack.replace(b'<dat:dataPackItem version="2.0" id="B">', b'<dat:dataPackItem version="2.0" id="A">')
    answer = responses.parse_response_pack(client.raw(doubled))
    assert [i.state for i in answer.items] == ["ok", "error"]
    assert "twice" in answer.items[1].note and sandbox.store.count("address_book") == 1


def test_requested_number_duplicity_error_or_adjusted_with_warning(client, sandbox):
    order = records.received_order()
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    order["orderHeader"]["number"] = {"numberRequested": "OBJ-1"}
    assert client.one(render.render_document("received_orders", order)).produced_number == "OBJ-1"
    again = client.one(render.render_document("received_orders", order))
    assert again.state == "error" and "OBJ-1 already exists" in again.errors[0].note
    order["orderHeader"]["number"]["numberRequested@checkDuplicity"] = False
    adjusted = client.one(render.render_document("received_orders", order))
    assert adjusted.ok and adjusted.produced_number == "25OP0001"
    assert "OBJ-1 exists" in adjusted.warnings[0].note


def test_number_series_prefix(client):
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    inv = records.invoice()
    inv["invoiceHeader"]["number"] = {"ids": "26FA"}
    numbers = [client.one(render.render_document("issued_invoices", inv)).produced_number for _ in range(2)]
    assert numbers == ["26FA0001", "26FA0002"]


@pytest.mark.parametrize("kwargs,match", [
    ({"partner": {"id": 99}}, "address-book record 99 does not exist"),
    ({"partner": {"ext_id": "nobody"}}, "external id nobody"),
    ({"contract": {"ids": "ZAK-404"}}, "contract ZAK-404 does not exist"),
])
def test_unknown_references_are_errors(client, sandbox, kwargs, match):
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    item = client.one(render.render_document("received_orders", records.received_order(), **kwargs))
    assert item.state == "error" and match in item.errors[0].note
    assert sandbox.store.count("received_orders") == 0


def test_unknown_stock_code_on_an_item_is_an_error(client):
    item = client.one(render.render_document("offers", records.offer()))
    assert item.state == "error" and "no stock item with code SR-M6" in item.errors[0].note
    assert "ofr:offerItem[1]" in item.errors[0].xpath


def test_external_id_belongs_to_one_record(client):
    assert client.one(adb(records.company(), ext_id="501")).ok
    dup = client.one(adb(records.company(ico="99998888"), ext_id="501"))
    assert dup.state == "error" and "already belongs to record 1" in dup.errors[0].note


def test_contact_person_needs_an_existing_main_record(client):
    item = client.one(render.render_document("contact_persons", records.contact_person(), ref_address={"id": 42}))
    assert item.state == "error" and "main address" in item.errors[0].note


def test_update_of_a_missing_address_is_an_error(client):
    item = client.one(adb({"addressbookHeader": {"email": "x@y.cz"}}, action="update", filter={"id": 9}))
    assert item.state == "error" and "no address-book record matches" in item.errors[0].note


def test_a_stock_code_is_unique_per_warehouse_R_C2(client, sandbox):
    """POHODA keeps one card per warehouse: the same code in another warehouse is another card (R-S3)."""
    main = {"stockHeader": {"code": "SR-M8", "name": "Šroub", "storage": {"ids": "HLAVNI/Spoje"}}}
    assert client.one(_stock_doc(main)).ok
    assert client.one(_stock_doc({"stockHeader": {"code": "SR-M8", "name": "Šroub", "storage": {"ids": "BRNO"}}})).ok
    dup = client.one(_stock_doc({"stockHeader": {"code": "SR-M8", "name": "Jiný", "storage": {"ids": "HLAVNI/Jiné"}}}))
    assert dup.state == "error" and "already used by stock item 1 (R-C2)" in dup.errors[0].note
    assert sandbox.store.count("stock") == 2
    seed = {"stock": [{"record": {"stockHeader": {"code": "A", "name": "x", "storage": {"ids": "HLAVNI"}}}},
                      {"record": {"stockHeader": {"code": "A", "name": "y", "storage": {"ids": "BRNO"}}}}]}
    with PohodaSandbox(seed=seed) as sb:
        assert sb.store.count("stock") == 2
