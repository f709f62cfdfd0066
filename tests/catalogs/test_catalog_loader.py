"""The catalog loader serves both sides and implements the dsl FieldCatalog protocol."""

import json

import pytest

from engine.catalogs import Catalog, CatalogNotFound, available, load, normalize
from engine.catalogs.generate_pohoda import AGENDAS

ARCHITECTURE_AGENDAS = {
    "address_book", "delivery_addresses", "contact_persons", "contracts", "offers", "received_orders",
    "issued_invoices", "payments", "stock", "sales_prices", "related_prices",
}


def test_every_agenda_of_the_architecture_table_has_a_pohoda_catalog():
    assert ARCHITECTURE_AGENDAS <= set(available("pohoda"))
    assert set(AGENDAS) == ARCHITECTURE_AGENDAS


def test_lookup_types_lengths_and_enums():
    cat = load("pohoda", "address_book")
    company = cat.lookup("addressbookHeader.identity.address.company")
    assert (company.type, company.max_length, company.ns) == ("string", 255, "typ")
    web = cat.lookup("addressbookHeader.web")
    assert (web.type, web.max_length, web.ns) == ("string", 96, "adb")  # R-A2: the XSD allows 96
    assert cat.lookup("addressbookHeader.dateOfBirth").type == "date"
    assert cat.lookup("addressbookHeader.p1").type == "boolean"
    assert cat.lookup("addressbookHeader.sex").enum == ("man", "woman", "unknown")
    assert cat.lookup("addressbookHeader.identity.shipToAddress[]").type == "list"


def test_lookup_accepts_indexes_and_bare_list_segments():
    cat = load("pohoda", "received_orders")
    want = cat.lookup("orderDetail.orderItem[].text")
    assert want is not None and want.max_length == 90
    assert cat.lookup("orderDetail.orderItem[0].text") is want
    assert cat.lookup("orderDetail.orderItem[*].text") is want
    assert cat.lookup("orderDetail.orderItem.text") is want
    assert normalize("a.b[12].c") == "a.b[].c"


def test_unknown_field_is_none_and_suggestions_name_the_close_field():
    cat = load("pohoda", "address_book")
    assert cat.lookup("addressbookHeader.identity.address.compnay") is None
    assert cat.suggest("addressbookHeader.identity.address.compnay")[0] == "addressbookHeader.identity.address.company"
    assert cat.suggest("addressbookHeader.wbe")[0] == "addressbookHeader.web"


def test_children_come_in_xsd_sequence_order_with_attributes_last():
    cat = load("pohoda", "address_book")
    names = [f.name for f in cat.children("addressbookHeader.identity")]
    assert names[:4] == ["id", "extId", "address", "shipToAddress"]
    assert names[-1] == "address@linkToAddress"
    header = [f.name for f in cat.children("addressbookHeader")]
    assert header.index("region") < header.index("web") < header.index("note") < header.index("refAddress")


def test_attributes_of_repeated_elements_live_in_the_item():
    cat = load("pohoda", "address_book")
    attrs = [f.path for f in cat.children("addressbookHeader.labels.label[]") if f.attribute]
    assert attrs == ["addressbookHeader.labels.label[]@actionType"]


def test_unknown_catalog_is_a_clear_error():
    with pytest.raises(CatalogNotFound) as exc:
        load("pohoda", "adress_book")
    assert "address_book" in str(exc.value)
    with pytest.raises(CatalogNotFound):
        load("sap", "x")


def test_catalog_from_raynet_shaped_json(tmp_path):
    data = {"side": "raynet", "name": "company", "fields": {
        "name": {"type": "string"}, "rowInfo.lastModifiedAt": {"type": "datetime"},
        "addresses[].address.city": {"type": "string"}}}
    cat = Catalog(json.loads(json.dumps(data)))
    assert cat.lookup("rowInfo.lastModifiedAt").type == "datetime"
    assert cat.lookup("addresses[0].address.city").type == "string"
    assert cat.suggest("nmae") == ["name"]


def test_invoice_catalog_has_liquidations_and_invoice_kinds():
    cat = load("pohoda", "issued_invoices")
    kinds = cat.lookup("invoiceHeader.invoiceType").enum
    assert {"issuedInvoice", "issuedAdvanceInvoice", "issuedCorrectiveTax"} <= set(kinds)
    assert cat.lookup("liquidations.liquidation[].amount").type == "decimal"
    assert load("pohoda", "payments").lookup("amount").type == "decimal"


def test_stock_catalog_has_related_prices_and_sales_prices_structure():
    cat = load("pohoda", "stock")
    assert cat.lookup("stockPriceItem.stockPrice[].price").type == "decimal"
    assert cat.lookup("stockHeader.code").max_length == 64
    assert cat.lookup("stockHeader.sellingPrice@payVAT").type == "boolean"
    sp = load("pohoda", "sales_prices")
    assert sp.root == "itemSellingPrice" and sp.lookup("priceType").enum == ("basicPrice", "accessoryPrice", "discount")
