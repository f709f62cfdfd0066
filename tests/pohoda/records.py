"""Sample POHODA records (the nested-dict shape of docs/architecture.md) used by several suites."""

import datetime as dt
from decimal import Decimal as D


def company(ico="12345679", name="ACME s.r.o.", **header):
    rec = {"addressbookHeader": {
        "identity": {"address": {"company": name, "ico": ico, "dic": f"CZ{ico}", "street": "Hlavní 1",
                                 "city": "Praha", "zip": "11000"}},
        "phone": "+420 123 456 789", "email": "info@acme.cz", "web": "www.acme.cz", **header}}
    if ico is None:
        del rec["addressbookHeader"]["identity"]["address"]["ico"]
        del rec["addressbookHeader"]["identity"]["address"]["dic"]
    return rec


def natural_person():
    return {"addressbookHeader": {"identity": {"address": {
        "name": "Jana Nováková", "street": "Polní 7", "city": "Kolín", "zip": "28002"}}}}


def with_delivery_addresses(rec):
    rec["addressbookHeader"]["identity"]["shipToAddress"] = [
        {"company": "ACME sklad", "name": "Sklad Brno", "street": "Dlouhá 2", "city": "Brno", "zip": "60200",
         "defaultShipAddress": True},
        {"name": "Provozovna", "street": "Krátká 3", "city": "Ostrava", "zip": "70030"},
    ]
    return rec


def contact_person():
    return {"addressbookHeader": {"identity": {"address": {"name": "Petr Svoboda", "email": "petr@acme.cz",
                                                          "phone": "+420 777 000 111"}},
                                  "function": "Nákupčí", "salutation": "Vážený pane"}}


def items(kind, *, foreign=False):
    """A stock item (linked by code, R-E2) and a text item (R-O1)."""
    stock = {"text": "Šroub M6", "quantity": D("10"), "unit": "ks", "rateVAT": "high",
             "homeCurrency": {"unitPrice": D("2.50")}, "stockItem": {"stockItem": {"ids": "SR-M6"}}}
    text = {"text": "Montáž", "quantity": D("1.5"), "unit": "hod", "rateVAT": "high",
            "homeCurrency": {"unitPrice": D("450")}}
    if foreign:
        for it in (stock, text):
            it["foreignCurrency"] = {"unitPrice": it.pop("homeCurrency")["unitPrice"]}
    return [stock, text]


def contract(text="Zakázka ACME"):
    return {"contractDesc": {"text": text, "datePlanStart": dt.date(2025, 3, 1),
                             "datePlanDelivery": dt.date(2025, 4, 30), "note": "z Raynetu"}}


def offer():
    return {"offerHeader": {"date": dt.date(2025, 3, 2), "validTill": dt.date(2025, 4, 1), "text": "Nabídka šroubů"},
            "offerDetail": {"offerItem": items("offer")}}


def received_order():
    return {"orderHeader": {"date": dt.date(2025, 3, 3), "text": "Objednávka šroubů", "numberOrder": "OBJ-7"},
            "orderDetail": {"orderItem": items("order")}}


def invoice(kind="issuedInvoice", *, foreign=False):
    rec = {"invoiceHeader": {"invoiceType": kind, "date": dt.date(2025, 3, 4), "dateTax": dt.date(2025, 3, 4),
                             "dateDue": dt.date(2025, 3, 18), "text": "Faktura za šrouby", "symVar": "2025001"},
           "invoiceDetail": {"invoiceItem": items("invoice", foreign=foreign)}}
    if foreign:
        rec["invoiceSummary"] = {"foreignCurrency": {"currency": {"ids": "EUR"}, "rate": D("25.125"), "amount": 1}}
    if kind == "issuedCorrectiveTax":
        rec["correctiveDocument"] = {"sourceDocument": {"number": "250100001"}}
    return rec
