"""``render.typed_fields`` = writing a record with ``write_fields`` and reading it back with the list reader
(issue 7, Scale: document steps type their record without rendering and parsing it a second time)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from engine.pohoda import lists, render

_WRAP = "".join(f' xmlns:{p}="{render.NS_BASE}{f}.xsd"' for p, f in render.NAMESPACES.items())


def _round_trip(agenda: str, record: dict) -> dict:
    """What the steps did before: the XML written, parsed, read as a record."""
    xml = f"<record{_WRAP}>{render.write_fields(agenda, record, label=agenda)}</record>"
    return lists.record_from_element(agenda, etree.fromstring(xml.encode("utf-8")))


RECORDS = [
    ("address_book", {"addressbookHeader": {
        "identity": {"address": {"company": "A & B <s.r.o.>", "name": "  ", "street": "Dlouhá 1\r\nvchod B",
                                 "city": "", "ico": "12345678", "zip": "110 00"},
                     "extId": [{"ids": "42", "exSystemName": "raynet", "exSystemText": "Raynet\tCRM"}],
                     "shipToAddress": [{"company": "Sklad", "city": "Brno", "defaultShipAddress": True},
                                       None, {"name": "Druhá"}]},
        "phone": "+420 123", "web": "www.x.cz", "note": "řádek 1\nřádek 2 \"uvozovky\" 'a' ]]>",
        "p1": False, "maturity": 14, "credit": Decimal("1.50E+3")}}),
    ("received_orders", {"orderHeader": {"orderType": "receivedOrder", "numberOrder": "OBJ-1",
                                         "date": dt.date(2025, 3, 1),
                                         "dateDelivery": dt.datetime(2025, 3, 20, 7, 30, tzinfo=ZoneInfo("UTC")),
                                         "text": "Objednávka", "partnerIdentity": {"id": 7},
                                         "extId": {"ids": "1", "exSystemName": "raynet"}},
                         "orderDetail": {"orderItem": [
                             {"text": "Šroub", "quantity": Decimal("2.000"), "unit": "ks", "rateVAT": "high",
                              "homeCurrency": {"unitPrice": Decimal("2.5")}, "stockItem": {"stockItem": {"ids": "S1"}}},
                             {"text": "Práce", "quantity": 1, "rateVAT": "none",
                              "homeCurrency": {"unitPrice": "100.10"}}]},
                         "orderSummary": {"roundingDocument": "math2one"}}),
    ("issued_invoices", {"invoiceHeader": {"invoiceType": "issuedInvoice", "symVar": "2025001",
                                           "date": "2025-03-01", "dateDue": dt.date(2025, 3, 15), "text": "",
                                           "partnerIdentity": {"id": 3}, "paymentType": {"paymentType": "draft"}},
                         "invoiceDetail": {"invoiceItem": {"text": "Jediná", "quantity": Decimal(1),
                                                           "homeCurrency": {"unitPrice": Decimal("0.00")}}}}),
]


@pytest.mark.parametrize("agenda, record", RECORDS, ids=[a for a, _ in RECORDS])
def test_typed_fields_equal_the_written_and_read_back_record(agenda, record):
    typed = render.typed_fields(agenda, record)
    assert typed == _round_trip(agenda, record)
    assert list(typed) == list(_round_trip(agenda, record))  # the same key order too


def test_typed_fields_types_values_as_the_reader_does():
    typed = render.typed_fields("issued_invoices", RECORDS[2][1])
    assert typed["invoiceHeader"]["date"] == dt.date(2025, 3, 1)
    assert typed["invoiceHeader"]["partnerIdentity"]["id"] == 3
    assert typed["invoiceDetail"]["invoiceItem"][0]["homeCurrency"]["unitPrice"] == Decimal("0.00")  # one -> a list


@pytest.mark.parametrize("agenda, record", [
    ("address_book", {"addressbookHeader": {"phone": "x" * 500}}),
    ("address_book", {"addressbookHeader": {"note": "a\x07b"}}),
    ("address_book", {"addressbookHeader": {"phonee": "1"}}),
    ("address_book", {"addressbookHeader": {"maturity": "soon"}}),
    ("address_book", {"addressbookHeader": {"identity": {"address": ["x"]}}}),
    ("received_orders", {"orderDetail": {"orderItem": [{"text": "a"}, {"rateVAT": "huge"}]}}),
    ("received_orders", {"orderHeader": {"date": 1.5}}),
])
def test_typed_fields_refuse_what_write_fields_refuses_with_the_same_error(agenda, record):
    with pytest.raises(render.RenderError) as written:
        render.write_fields(agenda, record, label="r")
    with pytest.raises(render.RenderError) as typed:
        render.typed_fields(agenda, record, label="r")
    assert (typed.value.message, typed.value.field, typed.value.hint) == \
        (written.value.message, written.value.field, written.value.hint)
