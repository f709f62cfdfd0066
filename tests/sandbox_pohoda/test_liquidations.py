"""Liquidations of issued invoices in the POHODA simulator (lwl:liquidationWithoutLink, R-F5)."""

import datetime as dt
from decimal import Decimal as D

from engine.pohoda import lists, render
from tests.pohoda import records
from tests.sandbox_pohoda.test_round_trips import _stock_doc
from tests.sync.helpers import liquidation_xml


def _invoices(client, *kinds):
    client.one(render.render_document("address_book", records.company()))
    client.one(_stock_doc({"stockHeader": {"code": "SR-M6", "name": "Šroub"}}))
    out = [client.one(render.render_document("issued_invoices", records.invoice(k), partner={"id": 1})) for k in kinds]
    assert all(i.ok for i in out), [i.message() for i in out]
    return out


def test_a_liquidation_without_link_pays_the_invoice_and_shows_in_its_export_R_F5(client, clock):
    invoice, advance = _invoices(client, "issuedInvoice", "issuedAdvanceInvoice")
    clock.advance(minutes=10)
    first = client.one(liquidation_xml(invoice.produced_id, D("100.50"), dt.date(2025, 3, 5)))
    second = client.one(liquidation_xml(invoice.produced_id, D("20"), None))
    on_advance = client.one(liquidation_xml(advance.produced_id, D("7"), dt.date(2025, 3, 6),
                                            agenda="issuedAdvanceInvoice"))
    assert first.ok and second.ok and on_advance.ok, (first.message(), second.message(), on_advance.message())
    assert (first.produced_id, second.produced_id, on_advance.produced_id) == (1, 2, 3)
    (paid,) = client.list("payments", filter={"id": invoice.produced_id})
    pays = lists.derived("payments", paid)
    assert [(p["id"], p["date"], p["amount"]) for p in pays] == [
        (1, dt.date(2025, 3, 5), D("100.50")), (2, clock.now.date(), D("20"))]
    assert all("sourceAgenda" not in p for p in pays)  # without link: no source document
    # the paid invoice was saved again: an incremental export finds it (inferred, see liquidations.py)
    changed = client.list("payments", filter={"last_changes": dt.datetime(2025, 3, 1, 10, 5)})
    assert [r["invoiceHeader"]["id"] for r in changed] == [invoice.produced_id]


def test_a_liquidation_must_select_exactly_one_invoice_of_the_named_agenda_R_F5(client):
    (invoice,) = _invoices(client, "issuedInvoice")
    wrong_agenda = client.one(liquidation_xml(invoice.produced_id, D("1"), None, agenda="issuedAdvanceInvoice"))
    missing = client.one(liquidation_xml(999, D("1"), None))
    assert wrong_agenda.state == "error" and "selects 0 documents" in wrong_agenda.errors[0].note
    assert missing.state == "error" and missing.errors[0].xpath.endswith("ftr:filter")
