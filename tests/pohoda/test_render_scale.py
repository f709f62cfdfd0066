"""Rendering cost does not grow with the XSD: a record's render looks its own keys up (issue 7, Scale).

Not timed: the test counts how often the catalog is asked for an element's children.
"""

from __future__ import annotations

from decimal import Decimal

from engine import catalogs
from engine.pohoda import render


def _invoice(n: int) -> dict:
    return {"invoiceHeader": {"invoiceType": "issuedInvoice", "text": f"Faktura {n}", "symVar": f"{n}",
                              "partnerIdentity": {"id": n}},
            "invoiceDetail": {"invoiceItem": [{"text": "Šroub", "quantity": Decimal(2), "rateVAT": "high",
                                               "homeCurrency": {"unitPrice": Decimal("2.50")}}]}}


def test_children_of_an_element_are_looked_up_once_per_catalog_not_per_record(monkeypatch):
    asked: list[str] = []
    original = catalogs.Catalog.children

    def counting(self, path):
        asked.append(path)
        return original(self, path)

    monkeypatch.setattr(catalogs.Catalog, "children", counting)
    monkeypatch.setattr(render, "_COMPILED", {})
    renderer = render.Renderer()
    first = renderer.render_document("issued_invoices", _invoice(1), action="add", ext_id="1")
    after_one = len(asked)
    for n in range(2, 50):
        renderer.render_document("issued_invoices", _invoice(n), action="add", ext_id=str(n))
    assert after_one > 0
    assert len(asked) == after_one  # 48 more records: no further walk over the catalog
    # the output keeps the XSD order of the elements, whatever the order of the record's keys
    header = _invoice(1)["invoiceHeader"]
    shuffled = {"invoiceHeader": dict(reversed(list(header.items()))), "invoiceDetail": _invoice(1)["invoiceDetail"]}
    assert renderer.render_document("issued_invoices", shuffled, action="add", ext_id="1") == first
    assert first.index("<inv:invoiceType>") < first.index("<inv:symVar>") < first.index("<inv:text>") \
        < first.index("<inv:partnerIdentity>")


def test_a_document_is_written_once_per_render_not_again_to_type_it(monkeypatch):
    """Document steps type their record through the catalog (``typed_fields``) without writing XML: over the
    shipped mapping's test cases, every walk of a whole record through the writer is a ``render_document``."""
    from engine.mappingtest import discover, run_test_files
    from engine.resources import mappings_dir

    walks: list[str] = []
    documents: list[str] = []
    children, render_document = render._Writer.children, render.Renderer.render_document

    def counting_children(self, value, path, where):
        if path == "" and where == "":
            walks.append(self.catalog.name)
        return children(self, value, path, where)

    def counting_render(self, agenda, record, **kwargs):
        documents.append(agenda)
        return render_document(self, agenda, record, **kwargs)

    monkeypatch.setattr(render._Writer, "children", counting_children)
    monkeypatch.setattr(render.Renderer, "render_document", counting_render)
    results = run_test_files(discover([mappings_dir()])[0])
    assert all(c.passed for f in results for c in f.cases)
    assert {"received_orders", "issued_invoices", "contracts"} <= set(documents)
    assert sorted(walks) == sorted(documents)  # one write per document (it was two for document steps)


def test_item_ids_of_the_same_record_content_are_the_ids_earlier_versions_wrote():
    """A record's content is hashed as before (the values below come from rpsync before the fingerprint let JSON
    sort the keys): delivery addresses still hash their record (documents hash their XML, next test)."""
    import datetime as dt

    record = {"orderHeader": {"text": "Objednávka 6 & <x>", "date": dt.date(2025, 3, 1), "number": {"ids": "OBP"}},
              "orderDetail": {"orderItem": [
                  {"text": "Deska", "quantity": Decimal("7.00"), "homeCurrency": {"unitPrice": Decimal("3460.450")},
                   "discountPercentage": Decimal("-0")},
                  {"text": "Šroub", "quantity": Decimal("1E+2"), "payVAT": True, "id": 5}]}}
    assert render.item_id("received_orders", "add", "7", record) == "OPA-c82ec4763268fb4324fac4b1"
    # keys that are not text (no record the catalog walk accepts has them) keep their own order
    assert render.item_id("address_book", "update", "1", {3: "a", 10: "b", "x": [{2: Decimal("1.50")}]}) \
        == "ADU-8c91cef4a6f07c2f54de33e4"
    assert render.item_id("address_book", "update", "1",
                          {"when": dt.datetime(2025, 3, 1, 12, 0), "n": None, "f": 1.5, "t": ("a", 1)}) \
        == "ADU-a287772cea88a6c5fcd52049"


def test_a_key_order_seen_before_still_skips_empty_fields_and_refuses_unknown_ones():
    """Elements remember the XSD order of the key sets they have seen; a later record with the same keys is
    written the same way, a None value is left out, an unknown key is still an error."""
    import pytest

    renderer = render.Renderer()
    first = renderer.render_document("issued_invoices", _invoice(1), action="add", ext_id="1")
    again = renderer.render_document("issued_invoices", _invoice(1), action="add", ext_id="1")
    assert again == first
    without_text = _invoice(1)
    without_text["invoiceHeader"]["text"] = None
    written = renderer.render_document("issued_invoices", without_text, action="add", ext_id="1")
    assert "Faktura 1" not in written and written == first.replace("<inv:text>Faktura 1</inv:text>", "")
    misspelt = _invoice(1)
    misspelt["invoiceHeader"] = {("txet" if k == "text" else k): v for k, v in misspelt["invoiceHeader"].items()}
    with pytest.raises(render.RenderError) as err:
        renderer.render_document("issued_invoices", misspelt, action="add", ext_id="1")
    assert err.value.field == "invoiceHeader.txet" and "did you mean invoiceHeader.text" in str(err.value)


def test_a_documents_item_id_hashes_its_xml_the_same_xml_the_same_id():
    """Document steps give the rendered XML as the id's content: the same text, the same id (a re-send is
    POHODA's duplicate); one character more, another id; text is not taken for a record."""
    xml = '<ord:order version="2.0"><ord:orderHeader><ord:text>A &amp; B</ord:text></ord:orderHeader></ord:order>'
    first = render.item_id("received_orders", "add", "7", xml)
    assert first == render.item_id("received_orders", "add", "7", str(xml))
    assert first.startswith("OPA-") and len(first) == 28
    assert first != render.item_id("received_orders", "add", "7", xml.replace("A &amp; B", "A &amp; Bb"))
    assert first != render.item_id("received_orders", "add", "8", xml)
    assert first != render.item_id("received_orders", "add", "7", render.fingerprint(xml))
