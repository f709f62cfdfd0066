"""responsePack parsing: per-item state, importDetails, produced id/number, duplicity, refusals."""

import pytest

from engine import xmlsafe
from engine.pohoda.responses import ResponseError, parse_response_pack

RSP_NS = (
    'xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" '
    'xmlns:rdc="http://www.stormware.cz/schema/version_2/documentresponse.xsd" '
    'xmlns:adb="http://www.stormware.cz/schema/version_2/addressbook.xsd" '
    'xmlns:inv="http://www.stormware.cz/schema/version_2/invoice.xsd" '
    'xmlns:typ="http://www.stormware.cz/schema/version_2/type.xsd"'
)


def sample(dirpath, name):
    return (dirpath / name).read_bytes()


def response_samples(dirpath):
    return sorted(p for p in dirpath.glob("*.xml") if b"responsePack" in p.read_bytes()[:800])


def test_every_real_response_sample_parses(pohoda_samples_dir, pohoda_validator):
    found = response_samples(pohoda_samples_dir)
    assert len(found) >= 6
    for path in found:
        pack = parse_response_pack(path.read_bytes())
        assert pack.state in ("ok", "error"), path.name
        for item in pack.items:
            assert item.id and item.state in ("ok", "error")


def test_ok_answer_gives_produced_ids_and_numbers(pohoda_samples_dir):
    pack = parse_response_pack(sample(pohoda_samples_dir, "jakubdusek_PohodaResponseParser__xmls_invoice_ok.xml"))
    assert pack.ok and pack.id == "fa001" and pack.program_version.startswith("10700")
    assert [(i.id, i.produced_id, i.produced_number, i.agenda) for i in pack.items] == [
        ("AD001", 95, "140100015", "issued_invoices"),
        ("AD002", 96, "140100016", "issued_invoices"),
        ("AD003", 97, "140100017", "issued_invoices"),
    ]
    assert all(i.ok for i in pack.items)


def test_error_item_is_not_ok(pohoda_samples_dir):
    pack = parse_response_pack(sample(pohoda_samples_dir, "jakubdusek_PohodaResponseParser__xmls_invoice_error.xml"))
    assert pack.state == "error"
    item = pack.by_id["AD002"]
    assert not item.ok and item.produced_id is None and item.message() == "error"


def test_refused_pack_raises_with_pohodas_note(pohoda_samples_dir):
    pack = parse_response_pack(sample(pohoda_samples_dir, "VitexSoftware_PHP-Pohoda-Connector__tests_xml-denied.xml"))
    with pytest.raises(ResponseError, match="není oprávnen importovat XML"):
        pack.check()


def test_list_answer_item_reports_its_list_kind(pohoda_samples_dir):
    pack = parse_response_pack(sample(pohoda_samples_dir, "VitexSoftware_php-pohoda-serialize__Example_faktury_03_v2.0.xml"))
    assert pack.items[0].kind == "listInvoice" and pack.items[0].agenda == "issued_invoices"


def test_import_details_warnings_errors_and_duplicity(pohoda_validator):
    doc = f"""<?xml version="1.0" encoding="Windows-1250"?>
<rsp:responsePack version="2.0" id="p1" state="ok" ico="12345678" {RSP_NS}>
 <rsp:responsePackItem version="2.0" id="i1" state="ok">
  <adb:addressbookResponse version="2.0" state="ok">
   <rdc:importDetails>
    <rdc:detail><rdc:state>warning</rdc:state><rdc:errno>301</rdc:errno><rdc:note>Číslo upraveno</rdc:note>
      <rdc:XPath>/dat:dataPack/dat:dataPackItem[1]/adb:addressbook</rdc:XPath>
      <rdc:valueRequested>A1</rdc:valueRequested><rdc:valueProduced>A2</rdc:valueProduced></rdc:detail>
   </rdc:importDetails>
   <rdc:producedDetails><rdc:id>42</rdc:id><rdc:actionType>add</rdc:actionType></rdc:producedDetails>
  </adb:addressbookResponse>
 </rsp:responsePackItem>
 <rsp:responsePackItem version="2.0" id="i2" state="error" note="Chyba">
  <inv:invoiceResponse version="2.0" state="error">
   <rdc:importDetails><rdc:detail><rdc:state>error</rdc:state><rdc:errno>102</rdc:errno>
     <rdc:note>Chybí adresa</rdc:note></rdc:detail></rdc:importDetails>
  </inv:invoiceResponse>
 </rsp:responsePackItem>
 <rsp:responsePackItem version="2.0" id="i3" state="error">
  <rsp:errorDetail><rsp:recordDuplicity><rsp:agendaType>vydane_faktury</rsp:agendaType>
   <rsp:dateCreate>2025-01-02</rsp:dateCreate><rsp:id>7</rsp:id><rsp:number>250100007</rsp:number>
  </rsp:recordDuplicity></rsp:errorDetail>
 </rsp:responsePackItem>
</rsp:responsePack>""".encode("cp1250")
    assert pohoda_validator.validate(doc) == []
    pack = parse_response_pack(doc)
    i1, i2, i3 = pack.items
    assert i1.ok and i1.produced_id == 42 and i1.produced_action == "add"
    (w,) = i1.warnings
    assert (w.errno, w.note, w.value_requested, w.value_produced) == (301, "Číslo upraveno", "A1", "A2")
    assert not i2.ok and i2.errors[0].note == "Chybí adresa" and "Chybí adresa" in i2.message()
    assert i3.duplicity[0].id == 7 and "already imported as vydane_faktury id 7" in i3.message()


def test_bad_input_is_a_clear_error():
    with pytest.raises(ResponseError, match="not well-formed"):
        parse_response_pack(b"<rsp:responsePack")
    with pytest.raises(ResponseError, match="expected a POHODA responsePack"):
        parse_response_pack(b"<html/>")
    with pytest.raises(xmlsafe.UnsafeXmlError):
        parse_response_pack(b'<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>')
    with pytest.raises(xmlsafe.XmlTooLargeError):
        parse_response_pack(b"<x>" + b" " * 100 + b"</x>", max_bytes=10)
