"""Streaming list answers into records: typed, same shape as rendering, constant memory, safe."""

import datetime as dt
import gc
import os
from decimal import Decimal as D

import pytest

from engine import xmlsafe
from engine.pohoda import lists
from engine.pohoda.lists import ListError, iter_records
from tests.pohoda import records
from tests.pohoda.listdocs import list_answer, list_head, list_tail, record_xml


def test_real_invoice_export_is_typed(pohoda_samples_dir):
    data = (pohoda_samples_dir / "VitexSoftware_php-pohoda-serialize__Example_faktury_03_v2.0.xml").read_bytes()
    recs = list(iter_records("issued_invoices", data))
    assert len(recs) == 15
    head = recs[0]["invoiceHeader"]
    assert head["id"] == 18 and head["number"]["numberRequested"] == "290100007"
    assert head["date"] == dt.date(2009, 6, 30)
    assert head["partnerIdentity"]["address"]["company"] == "Jiří Batula"
    assert isinstance(head["partnerIdentity"]["shipToAddress"], list)
    item = recs[0]["invoiceDetail"]["invoiceItem"][0]
    assert item["quantity"] == D("30.0") and item["homeCurrency"]["priceSum"] == D("2088.45")


def test_every_real_list_sample_parses_untyped(pohoda_samples_dir):
    counts = {}
    for path in pohoda_samples_dir.glob("*.xml"):
        data = path.read_bytes()
        if b"responsePack" not in data[:800] or b'state="error"' in data[:3000]:
            continue
        counts[path.name] = sum(1 for _ in iter_records(None, data))
    assert counts["VitexSoftware_PHP-Pohoda-Connector__tests_bank-one-record.xml"] == 1
    assert counts["VitexSoftware_php-pohoda-serialize__Example_faktury_03_v2.0.xml"] == 15


def test_error_answer_to_a_list_request_is_an_error(pohoda_samples_dir):
    data = (pohoda_samples_dir / "VitexSoftware_PHP-Pohoda-Connector__tests_xml-denied.xml").read_bytes()
    with pytest.raises(ListError, match="není oprávnen"):
        list(iter_records("address_book", data))


@pytest.mark.parametrize("agenda,rec", [
    ("address_book", records.with_delivery_addresses(records.company())),
    ("received_orders", records.received_order()),
    ("offers", records.offer()),
    ("contracts", records.contract()),
    ("issued_invoices", records.invoice("issuedAdvanceInvoice", foreign=True)),
])
def test_rendered_record_reads_back_identically(pohoda_validator, agenda, rec):
    data = list_answer(agenda, [rec])
    assert pohoda_validator.validate(data) == []
    (back,) = iter_records(agenda, data)
    assert back == rec


def test_attributes_and_single_list_items_keep_their_shape(pohoda_validator):
    rec = {"addressbookHeader": {"identity": {"address": {"company": "A"}, "address@linkToAddress": True,
                                              "shipToAddress": [{"name": "only one"}]},
                                 "labels": {"label": [{"ids": "VIP", "@actionType": "add"}]}}}
    data = list_answer("address_book", [rec])
    assert pohoda_validator.validate(data) == []
    (back,) = iter_records("address_book", data)
    assert back == rec


def test_contact_persons_are_records_with_ref_address():
    main = records.company()
    person = records.contact_person()
    person["addressbookHeader"]["refAddress"] = {"refAD": 1}
    data = list_answer("address_book", [main, person])
    assert len(list(iter_records("address_book", data))) == 2
    (only,) = iter_records("contact_persons", data)
    assert only["addressbookHeader"]["refAddress"] == {"refAD": 1}


def test_derived_agendas_are_read_from_their_parent():
    rec = {"liquidations": {"liquidation": [{"id": 1, "date": dt.date(2025, 1, 2), "amount": D("100")}]}}
    assert lists.derived("payments", rec)[0]["amount"] == D("100")
    assert lists.derived("related_prices", {}) == []
    with pytest.raises(ListError, match="read issued_invoices"):
        list(iter_records("payments", b""))


def test_doctype_is_refused_and_entities_never_expand():
    doc = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>'
    with pytest.raises(xmlsafe.UnsafeXmlError):
        list(iter_records(None, doc))


def test_size_limit_is_a_clear_error():
    data = list_answer("address_book", [records.company()] * 50)
    with pytest.raises(xmlsafe.XmlTooLargeError, match="over the limit"):
        list(iter_records("address_book", data, max_bytes=2000))


def test_truncated_answer_is_a_clear_error():
    data = list_answer("address_book", [records.company()] * 3)
    with pytest.raises(xmlsafe.MalformedXmlError, match="not well-formed"):
        list(iter_records("address_book", data[:-40]))


def test_wrongly_typed_value_names_the_field():
    data = list_answer("address_book", [records.company()]).replace(b"</adb:addressbookHeader>",
                                                                    b"<adb:p1>maybe</adb:p1></adb:addressbookHeader>")
    with pytest.raises(ListError, match="addressbookHeader.p1"):
        list(iter_records("address_book", data))


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def write_export(path, n, agenda="address_book"):
    one = record_xml(agenda, records.with_delivery_addresses(records.company()))
    with open(path, "wb") as fh:
        fh.write(list_head(agenda).encode("cp1250"))
        chunk = (one * 500).encode("cp1250")
        for _ in range(n // 500):
            fh.write(chunk)
        fh.write(list_tail(agenda).encode("cp1250"))


def test_streaming_memory_does_not_grow_with_the_export(tmp_path):
    path = tmp_path / "export.xml"
    n = 40_000
    write_export(path, n)
    size = path.stat().st_size
    assert size > 30_000_000
    gc.collect()
    samples = []
    count = 0
    with open(path, "rb") as fh:
        for rec in iter_records("address_book", fh):
            count += 1
            if count % 5000 == 0:
                samples.append(_rss_bytes())
    assert count == n
    growth = samples[-1] - samples[0]
    # a tree kept in memory would need several times the file size; streaming stays flat
    assert growth < 8_000_000, f"RSS grew by {growth:,} bytes over {size:,} bytes of export: {samples}"
