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
