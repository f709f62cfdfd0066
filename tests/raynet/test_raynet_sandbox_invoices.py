"""The Raynet simulator's legacy invoice module: the module switch (R-F1) and item edits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.raynet.errors import RaynetBusinessError
from tests.raynet.test_raynet_sandbox import COMPANY, api, rn  # noqa: F401  (fixtures)

INVOICE = {"currency": 1, "issueDate": "2025-01-02", "dueDate": "2025-01-16", "taxableSupplyDate": "2025-01-02",
           "invoiceType": "NORMAL", "paymentType": "PAYMENT_DIRECT_DEBIT"}


def test_an_instance_without_the_invoicing_module_refuses_every_invoice_path_R_F1(rn, api):
    company = api.companies.create({"name": "ACME", **COMPANY})
    invoice = api.invoices.create({"company": company, **INVOICE})
    rn.invoicing = False
    for call in (lambda: list(api.invoices.list()), lambda: api.invoices.get(invoice),
                 lambda: api.invoices.create({"company": company, **INVOICE}),
                 lambda: api.invoices.add_payment(invoice, Decimal("1"), date(2025, 1, 3)),
                 lambda: api.invoices.get_by_ext_id("pohoda:1")):
        with pytest.raises(RaynetBusinessError) as caught:
            call()
        assert caught.value.raynet_message == "AttributeAccessDeniedException"
    assert [c["id"] for c in api.companies.list()] == [company]  # other modules answer as before
    rn.invoicing = True
    assert api.invoices.get(invoice)["id"] == invoice


def test_invoice_edit_adds_changes_and_deletes_items_by_id_sign(api):
    company = api.companies.create({"name": "ACME", **COMPANY})
    invoice = api.invoices.create({"company": company, **INVOICE})
    api.invoices.update(invoice, {"items": [{"name": "A", "unitPrice": Decimal("10"), "amount": 1},
                                            {"name": "B", "unitPrice": Decimal("5"), "amount": 2}]})
    a, b = api.invoices.get(invoice)["items"]
    api.invoices.update(invoice, {"items": [{"id": -a["id"]}, {"id": b["id"], "amount": 3},
                                            {"name": "C", "unitPrice": Decimal("1"), "amount": 1}]})
    items = api.invoices.get(invoice)["items"]
    assert [(i["name"], i["amount"]) for i in items] == [("B", 3), ("C", 1)]
    with pytest.raises(RaynetBusinessError):  # a new item needs a name ([OAS] InvoiceEditDto)
        api.invoices.update(invoice, {"items": [{"unitPrice": Decimal("1"), "amount": 1}]})
