"""Payments at scale (issue 7): streamed, and no request spent reading invoices this run created (R-F5).

Not timed: the tests count requests and look at the order in which invoices are read and handled.
"""

from __future__ import annotations

import datetime as dt

from engine.sync.steps import payments as payments_module
from tests.sync.helpers import invoice_item, pohoda_address, pohoda_invoice, pohoda_pay


def _paid_invoices(w, n: int) -> None:
    partner = pohoda_address(w, "Platič s.r.o.", ico="27082440")
    for i in range(n):
        pid = pohoda_invoice(w, partner, [invoice_item("Zboží", "1", "100")], text=f"Faktura {i}")
        pohoda_pay(w, pid, "50", dt.date(2025, 3, 5))
        pohoda_pay(w, pid, "71", dt.date(2025, 3, 6))  # 100 + 21 % VAT = 121


def test_first_run_reads_an_invoice_it_created_in_raynet_once_not_twice_R_F5(world_factory):
    w = world_factory()
    _paid_invoices(w, 3)
    before = len(w.raynet.store.requests_for())
    result = w.run()
    assert result.report.counts["payments"]["to_raynet"].created == 6
    spent = [(r.method, r.path) for r in w.raynet.store.requests_for()[before:] if r.path.startswith("/api/v2/invoice/")]
    details = [path for method, path in spent if method == "GET" and path != "/api/v2/invoice/"]
    payments = [path for method, path in spent if path.endswith("/payment/")]
    assert len(payments) == 6
    # one read per invoice, after its payments were sent (the answer of PUT …/payment/ carries no id);
    # before them nothing: the invoice was created by this run and holds no payment yet
    assert sorted(details) == sorted(f"/api/v2/invoice/{i}/" for i in {p.split("/")[4] for p in payments})


def test_invoices_are_handled_as_they_are_read_not_collected_first(world_factory, monkeypatch):
    w = world_factory()
    _paid_invoices(w, 3)
    w.run(only={"address_book", "issued_invoices"})
    events = []
    read, handle = payments_module.PaymentsStep._read, payments_module.PaymentsStep._invoice

    def reading(self, cursor):
        for record in read(self, cursor):
            events.append(("read", record["invoiceHeader"]["id"]))
            yield record

    def handling(self, pid, invoice):
        events.append(("handled", pid))
        return handle(self, pid, invoice)

    monkeypatch.setattr(payments_module.PaymentsStep, "_read", reading)
    monkeypatch.setattr(payments_module.PaymentsStep, "_invoice", handling)
    result = w.run(only={"payments"})
    assert result.report.counts["payments"]["to_raynet"].created == 6
    assert events[:3] == [("read", 1), ("handled", 1), ("read", 2)]
