"""Payments: POHODA liquidations → Raynet invoice payments, end to end against both simulators (R-F5, R-F4),
and crashes between journaling and linking of invoice and payment writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from engine.sync.steps import base as base_module
from engine.sync.steps import issued_invoices as invoices_module
from engine.sync.steps import payments as payments_module
from tests.sync.helpers import age_pohoda, invoice_item, pohoda_address, pohoda_invoice, pohoda_pay, raynet_records

ADDRESS = {"id": 1, "record": {"addressbookHeader": {"identity": {"address": {
    "company": "Platič s.r.o.", "ico": "27082440", "street": "Dlouhá 1", "city": "Praha", "zip": "11000"}}}}}


def liquidation(lid, day, amount, source=None):
    entry = {"id": lid, "date": f"2025-03-{day:02d}", "amount": amount, "foreignCurrencyAmount": 0,
             "foreignCurrencySource": 0}
    if source:
        entry.update(sourceAgenda=source, sourceDocument={"id": 100 + lid, "number": f"DOC{lid}"})
    return entry


def paid_invoice_seed(*liquidations):
    return {"address_book": [ADDRESS], "issued_invoices": [{"id": 1, "record": {
        "invoiceHeader": {"invoiceType": "issuedInvoice", "number": {"numberRequested": "25FV0001"},
                          "date": "2025-03-01", "dateTax": "2025-03-01", "dateDue": "2025-03-15", "text": "Placená",
                          "partnerIdentity": {"id": 1}},
        "invoiceDetail": {"invoiceItem": [{"text": "Zboží", "quantity": 1, "rateVAT": "none",
                                           "homeCurrency": {"unitPrice": 5000}}]},
        "liquidations": {"liquidation": list(liquidations)}}}]}


def payments(w) -> list[tuple[str, D]]:
    (invoice,) = raynet_records(w, "invoice")
    return [(p["date"], p["amount"]) for p in invoice["payments"]]


def test_every_kind_of_liquidation_and_several_per_invoice_become_payments_once_R_F5(world_factory):
    w = world_factory(pohoda_seed=paid_invoice_seed(
        liquidation(1, 5, 1000, "bank"), liquidation(2, 6, 500, "voucher"),
        liquidation(3, 7, 250, "internalDocuments"), liquidation(4, 8, 100)))
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    assert payments(w) == [("2025-03-05", D(1000)), ("2025-03-06", D(500)), ("2025-03-07", D(250)),
                           ("2025-03-08", D(100))]
    assert first.report.counts["payments"]["to_raynet"].created == 4
    # a later liquidation (without link, as an XML client makes it) follows; the others are not sent again
    pohoda_pay(w, 1, "150", dt.date(2025, 3, 20))
    before = len(w.raynet.store.requests_for())
    second = w.run()
    assert second.report.counts["payments"]["to_raynet"].created == 1
    assert payments(w)[-1] == ("2025-03-20", D(150)) and len(payments(w)) == 5
    spent = [(r.method, r.path) for r in w.raynet.store.requests_for()[before:] if "/payment/" in r.path]
    assert spent == [("PUT", "/api/v2/invoice/1/payment/")]
    # no echo: nothing changed, nothing written, no Raynet request spent on payments
    before = len(w.raynet.store.requests_for())
    third = w.run()
    assert third.report.totals().created == 0 and third.report.totals().updated == 0
    assert [r.path for r in w.raynet.store.requests_for()[before:]
            if r.method != "GET" or "/invoice/1/" in r.path] == []


def test_payments_of_an_invoice_not_yet_in_raynet_wait_for_it_R_F5(world_factory):
    w = world_factory()
    partner = pohoda_address(w, "Čekatel s.r.o.", ico="12121212")
    pid = pohoda_invoice(w, partner, [invoice_item("Zboží", "1", "300")], text="Čeká")
    pohoda_pay(w, pid, "100", dt.date(2025, 3, 5))
    pohoda_pay(w, pid, "263", dt.date(2025, 3, 6))  # 300 + 21 % VAT = 363
    early = w.run(only={"address_book", "payments"})
    assert early.report.counts["payments"]["to_raynet"].skipped == 2 and raynet_records(w, "invoice") == []
    # the invoice goes in a later run (its record did not change): its payments go with it
    later = w.run()
    assert later.report.counts["payments"]["to_raynet"].created == 2
    assert payments(w) == [("2025-03-05", D(100)), ("2025-03-06", D(263))]
    (invoice,) = raynet_records(w, "invoice")
    assert invoice["invoiceState"] == "PAID"


def test_payments_wait_across_runs_when_the_run_that_links_their_invoice_stops_before_them_R_F5(world_factory):
    w = world_factory()
    partner = pohoda_address(w, "Čekatel s.r.o.", ico="12121212")
    pid = pohoda_invoice(w, partner, [invoice_item("Zboží", "1", "300")], text="Čeká")
    pohoda_pay(w, pid, "100", dt.date(2025, 3, 5))
    age_pohoda(w, "issued_invoices")  # saved before the runs' overlap: a run reads it only when its cursor says so
    early = w.run(only={"address_book", "payments"})
    assert early.report.counts["payments"]["to_raynet"].skipped == 1
    # the run that links the invoice stops before the payments step (Raynet's quota, a kill): its payment waits
    w.run(only={"address_book", "issued_invoices"})
    assert len(raynet_records(w, "invoice")) == 1
    # the next run does not read the invoice again (unchanged since the payments' cursor) — and still sends it
    later = w.run()
    assert later.report.counts["payments"]["to_raynet"].created == 1
    assert payments(w) == [("2025-03-05", D(100))]
    again = w.run()
    assert again.report.counts["payments"]["to_raynet"].created == 0 and len(payments(w)) == 1


def test_first_run_links_payments_raynet_already_has_instead_of_duplicating_R_F5(world_factory):
    w = world_factory(pohoda_seed=paid_invoice_seed(liquidation(1, 5, 1000, "bank"), liquidation(2, 6, 500)))
    w.run(only={"address_book", "issued_invoices"})
    (invoice,) = raynet_records(w, "invoice")
    w.api().invoices.add_payment(invoice["id"], D(1000), dt.date(2025, 3, 5))  # entered in Raynet meanwhile
    result = w.run()
    counts = result.report.counts["payments"]["to_raynet"]
    assert (counts.linked, counts.created) == (1, 1)
    assert payments(w) == [("2025-03-05", D(1000)), ("2025-03-06", D(500))]


class Killed(BaseException):
    """The process dies here (like kill -9: nothing after this instant runs)."""


@pytest.fixture
def kill_at(monkeypatch):
    def arm(module, point: str):
        def crashpoint(name: str) -> None:
            if name == point:
                raise Killed(name)
        monkeypatch.setattr(module, "crashpoint", crashpoint)
    return arm


def test_a_payment_sent_before_a_crash_is_linked_not_sent_again_R_F5(world_factory, kill_at, monkeypatch):
    w = world_factory(pohoda_seed=paid_invoice_seed(liquidation(1, 5, 1000, "bank"), liquidation(2, 6, 500)))
    kill_at(payments_module, "payments:raynet-create:sent")
    with pytest.raises(Killed):
        w.run()
    assert payments(w) == [("2025-03-05", D(1000))]  # the first payment landed, its outcome was never recorded
    monkeypatch.undo()
    result = w.run()
    assert any("payments: an interrupted raynet create had landed" in n for n in result.report.notes)
    assert payments(w) == [("2025-03-05", D(1000)), ("2025-03-06", D(500))]
    assert w.run().report.totals().created == 0


def test_a_lost_payment_answer_is_read_back_not_resent_R_F5(world_factory):
    w = world_factory(pohoda_seed=paid_invoice_seed(liquidation(1, 5, 1000, "bank")))
    w.run(only={"address_book", "issued_invoices"})
    w.raynet.faults.drop_next(1, method="PUT")  # Raynet commits the payment, the answer is lost
    result = w.run()
    assert result.report.counts["payments"]["to_raynet"].created == 1 and result.report.quarantine == []
    assert payments(w) == [("2025-03-05", D(1000))]


@pytest.mark.parametrize("point", ["issued_invoices:raynet-create:header", "issued_invoices:raynet-create:sent"])
def test_an_invoice_created_before_a_crash_is_linked_and_completed_not_duplicated_R_F4(world_factory, kill_at,
                                                                                     monkeypatch, point):
    w = world_factory(pohoda_seed=paid_invoice_seed(liquidation(1, 5, 1000, "bank")))
    kill_at(invoices_module if point.endswith("header") else base_module, point)
    with pytest.raises(Killed):
        w.run()
    assert len(raynet_records(w, "invoice")) == 1
    monkeypatch.undo()
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    assert any("issued_invoices: an interrupted raynet create had landed" in n for n in result.report.notes)
    (invoice,) = raynet_records(w, "invoice")
    assert [(i["name"], i["unitPrice"]) for i in invoice["items"]] == [("Zboží", D(5000))]
    assert payments(w) == [("2025-03-05", D(1000))]


def test_a_credit_note_created_before_a_crash_is_found_by_its_reason_and_linked_R_F2(world_factory, kill_at,
                                                                                   monkeypatch):
    w = world_factory()
    partner = pohoda_address(w, "Dobropis s.r.o.", ico="13131313")
    regular = pohoda_invoice(w, partner, [invoice_item("Zboží", "2", "100")], text="Původní")
    pohoda_invoice(w, partner, [invoice_item("Vráceno", "-1", "100")], kind="issuedCorrectiveTax", text="Oprava",
                   correctiveDocument={"sourceDocument": {"id": regular}})
    kill_at(invoices_module, "issued_invoices:raynet-credit-note:created")  # before it got its extId
    with pytest.raises(Killed):
        w.run()
    monkeypatch.undo()
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    notes = [r for r in raynet_records(w, "invoice") if r["invoiceType"] == "CREDIT_NOTE"]
    assert len(notes) == 1 and [i["name"] for i in notes[0]["items"]] == ["Vráceno"]
    assert notes[0]["extIds"] and notes[0]["title"] == "Oprava"
