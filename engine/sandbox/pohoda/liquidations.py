"""Liquidations (payments) of issued invoices in the simulator (R-F5).

In POHODA an invoice is paid by a *liquidation*: a bank or cash document
paired with it, an internal document, or a liquidation without a link. The
invoice export lists them under ``inv:liquidations`` ("Vazba na likvidace
dokladu (pouze pro export)", invoice.xsd), each with its own ``typ:id`` ("ID
likvidace"), ``date``, ``amount`` and, when it has one, ``sourceAgenda``
(voucher | bank | internalDocuments; "Pokud je likvidace bez vazby, element se
neuvádí", type.xsd ``liquidationType``).

The simulator creates them the way an XML client can in POHODA:
``lwl:liquidationWithoutLink`` (liquidationWithoutLink.xsd: ``record@agenda``
+ a document filter, ``date`` — today when absent —, ``amountHome``,
``amountForeign``). Liquidations of the other kinds come from seed files
(records with ``liquidations``), since bank and cash documents are not
simulated.

INFERRED, not documented: a liquidation changes the invoice's own record
(its paid and remaining amounts), so the invoice is saved again and a
``ftr:lastChanges`` export returns it; liquidation ids run in one sequence for
the whole accounting unit; the response's ``rdc:producedDetails/rdc:id`` is
the new liquidation's id.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from engine.sandbox.pohoda import exports
from engine.sandbox.pohoda.common import child, text
from engine.sandbox.pohoda.store import Store

#: liquidationWithoutLinkAgendaType -> the invoice kinds of that POHODA agenda the simulator keeps
#: ("Vydané faktury" holds invoices and their corrective documents; advance invoices are their own agenda)
AGENDA_KINDS = {
    "issuedInvoice": ("issuedInvoice", "issuedCorrectiveTax", "issuedCreditNotice", "issuedDebitNote"),
    "issuedAdvanceInvoice": ("issuedAdvanceInvoice",),
}


class LiquidationError(Exception):
    def __init__(self, note: str, where: str = "") -> None:
        super().__init__(note)
        self.note = note
        self.where = where


def next_liquidation_id(store: Store) -> int:
    top = 0
    for stored in store.iter("issued_invoices"):
        for liq in (stored.record.get("liquidations") or {}).get("liquidation") or []:
            top = max(top, int(liq.get("id") or 0))
    return top + 1


def _decimal(value: str | None, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise LiquidationError(f"'{value}' is not an amount", where) from None


def liquidate(store: Store, body) -> tuple[int, int, str | None]:
    """Apply one ``lwl:liquidationWithoutLink``; returns (liquidation id, invoice id, invoice number)."""
    record = child(body, "record")
    agenda = record.get("agenda") if record is not None else None
    kinds = AGENDA_KINDS.get(agenda or "")
    if not kinds:
        raise LiquidationError(f"the sandbox keeps only issued invoices; it cannot liquidate {agenda} documents",
                               "lwl:record/@agenda")
    flt = child(record, "filter")
    if flt is None:
        raise LiquidationError("ftr:filter must select the liquidated document (queryFilter and user filters "
                               "need POHODA itself)", "lwl:record")
    found = [s for s in store.iter("issued_invoices")
             if s.kind in kinds and exports._matches(store, "issued_invoices", s, flt, None)]
    if len(found) != 1:
        raise LiquidationError(f"the filter selects {len(found)} documents; it must select exactly one",
                               "lwl:record/ftr:filter")
    invoice = found[0]
    home = _decimal(text(body, "amountHome"), "lwl:amountHome")
    foreign = _decimal(text(body, "amountForeign"), "lwl:amountForeign")
    if home is None and foreign is None:
        raise LiquidationError("a liquidation needs amountHome or amountForeign", "lwl:amountHome")
    when = text(body, "date")
    liquidation = {
        "id": next_liquidation_id(store),
        "date": dt.date.fromisoformat(when) if when else store.now().date(),
        "amount": home if home is not None else Decimal(0),
        "foreignCurrencyAmount": foreign if foreign is not None else Decimal(0),
        "foreignCurrencySource": foreign if foreign is not None else Decimal(0),
    }
    rec = invoice.record
    rec.setdefault("liquidations", {}).setdefault("liquidation", []).append(liquidation)
    store.put("issued_invoices", invoice.id, rec, number=invoice.number, code=invoice.code, kind=invoice.kind)
    return liquidation["id"], invoice.id, invoice.number
