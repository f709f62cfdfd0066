"""What the issued-invoices and payments steps share: invoice kinds, the Raynet invoicing
module (R-F1), document currencies (R-G5, R-C3) and payment forms.

Raynet's invoice API is legacy: the module was discontinued in 2021 and the API is
kept only for backward compatibility ([OAS] tag "Faktury"; ../shared/notes/raynet-api-facts.md
"Invoices — LEGACY"). Both steps therefore check before a run that the instance still
answers ``/invoice/`` and refuse the run with a message saying what to change.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Iterator, Mapping

from engine.errors import RpsyncError
from engine.raynet.errors import RaynetBusinessError, RaynetForbidden, RaynetNotFound
from engine.sync.paths import get_path

#: mapping kind (R-F2) -> (POHODA invoiceType, Raynet invoiceType)
KINDS: dict[str, tuple[str, str]] = {
    "regular": ("issuedInvoice", "NORMAL"),
    "advance": ("issuedAdvanceInvoice", "PROFORMA"),
    "corrective": ("issuedCorrectiveTax", "CREDIT_NOTE"),
}
POHODA_KIND = {p: k for k, (p, _) in KINDS.items()}
RAYNET_KIND = {r: k for k, (_, r) in KINDS.items()}

ITEMS = "invoiceDetail.invoiceItem"
FOREIGN = "invoiceSummary.foreignCurrency"

#: POHODA form of payment (invoice.xsd paymentType) -> Raynet paymentType (InvoiceInsertDto, required);
#: used when the mapping binds no paymentType. Transfer orders ("příkazem") and anything Raynet lacks
#: become PAYMENT_DIRECT_DEBIT, Raynet's bank-transfer form.
PAYMENT_TO_RAYNET = {"draft": "PAYMENT_DIRECT_DEBIT", "cash": "PAYMENT_CASH", "delivery": "PAYMENT_CASH_ON_DELIVERY",
                     "creditcard": "PAYMENT_CARD"}
PAYMENT_TO_POHODA = {v: k for k, v in PAYMENT_TO_RAYNET.items()}
DEFAULT_PAYMENT = "PAYMENT_DIRECT_DEBIT"

#: errors of the invoice list that mean "this instance does not serve invoices"
REFUSALS = (RaynetBusinessError, RaynetForbidden, RaynetNotFound)


class InvoicingUnavailable(RpsyncError):
    """R-F1: the Raynet instance refuses its invoice API."""

    code = "E-RAYNET-INVOICING"


def unavailable(exc: Exception) -> InvoicingUnavailable:
    said = getattr(exc, "translated_message", None) or getattr(exc, "raynet_message", None) or str(exc)
    return InvoicingUnavailable(
        f"Raynet refuses its invoice API (GET /invoice/: {said}); the issued_invoices and payments agendas "
        "need Raynet's invoicing module (R-F1)",
        hint="enable the invoicing module (Faktury) for this Raynet instance and give the API user rights to it, "
             "or switch both agendas off in the mapping (agendas.issued_invoices.enabled: false, "
             "agendas.payments.enabled: false). Raynet calls this module legacy: it was replaced by iDoklad in 2021.")


def check_invoicing(ctx) -> None:
    """R-F1 preflight: one ``GET /invoice/`` (a page of one record); a success is remembered for a day."""

    def probe() -> bool:
        try:
            ctx.raynet.client.list_page("invoice", limit=1)
        except REFUSALS as exc:
            raise unavailable(exc) from None
        return True

    ctx.lookups._cached("invoicing_module", probe)


def guarded(records: Iterator[dict]) -> Iterator[dict]:
    """Invoice list records; a refusal of the list means the module is gone (R-F1)."""
    try:
        yield from records
    except REFUSALS as exc:
        raise unavailable(exc) from None


# ---------------------------------------------------------------- currencies


def pohoda_currency(record: Mapping[str, Any] | None, home: str) -> str | None:
    """The foreign currency (ISO) of a POHODA document, None for the home currency."""
    iso = get_path(record, f"{FOREIGN}.currency.ids") if record else None
    iso = str(iso).strip().upper() if iso else None
    return iso if iso and iso != home.upper() else None


def currency_iso(ctx, currency: Any) -> str | None:
    """The ISO code of a Raynet currency reference (``{"id": 15, "value": "Kč"}`` or an id)."""
    cid = currency.get("id") if isinstance(currency, Mapping) else currency
    return ctx.lookups.currency_iso(cid) if cid is not None else None


def raynet_price_list_currencies(ctx, *, refresh: bool = False) -> set[str]:
    """ISO codes of the currencies Raynet has price lists in (one list read, cached)."""

    def fetch() -> list[str]:
        by_id = {int(v): k for k, v in ctx.lookups.currencies().items()}
        out = set()
        for price_list in ctx.raynet.price_lists.list():
            cur = price_list.get("currency")
            cid = cur.get("id") if isinstance(cur, Mapping) else cur
            if cid is not None and int(cid) in by_id:
                out.add(by_id[int(cid)])
        return sorted(out)

    return set(ctx.lookups._cached("price_list_currencies", fetch, refresh=refresh))


def foreign_currency_problem(ctx, iso: str) -> str | None:
    """R-G5, R-C3: why a document in ``iso`` cannot transfer (None: it can).

    A foreign-currency document transfers only if a price list in that currency
    exists on both sides: POHODA's side is declared in the mapping
    (``currencies.foreign`` and a ``price_lists`` entry in it), Raynet's is read.
    """
    mapping = ctx.mapping
    if iso not in mapping.currencies.foreign or not mapping.price_lists_in(iso):
        return (f"the document is in {iso}; a foreign-currency document transfers only if a price list in {iso} "
                f"exists on both sides (R-C3), and the mapping declares none — add {iso} to currencies.foreign "
                f"and a price_lists entry with currency: {iso}")
    if not ctx.lookups.has_currency(iso):
        return f"the document is in {iso}, and Raynet has no currency {iso} (R-G5) — create it in Raynet"
    key = "invoices:price_lists_refreshed"
    have = raynet_price_list_currencies(ctx)
    if iso not in have and not ctx.scratch.get(key):
        ctx.scratch[key] = True
        have = raynet_price_list_currencies(ctx, refresh=True)
    if iso not in have:
        return (f"the document is in {iso}; a foreign-currency document transfers only if a price list in {iso} "
                f"exists on both sides (R-C3), and Raynet has no price list in {iso} — create one (the sales_prices "
                f"agenda does it for the mapping's price lists)")
    return None


# ---------------------------------------------------------------- Raynet writes


@cache
def raynet_create_paths() -> frozenset[str]:
    """Invoice fields ``PUT /invoice/`` takes (InvoiceInsertDto); the others only ``POST /invoice/{id}/``."""
    text = resources.files("engine.catalogs").joinpath("raynet", "invoice.json").read_text("utf-8")
    fields = json.loads(text)["fields"]
    return frozenset(p for p, f in fields.items() if "create" in (f.get("access") or ()) and "[]" not in p)


def iso_date(value: Any) -> str | None:
    """Dates compare as ISO text (POHODA gives ``date``, Raynet JSON gives ``"2025-01-02"``)."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]
