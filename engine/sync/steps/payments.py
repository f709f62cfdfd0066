"""Payments: POHODA liquidations of issued invoices → Raynet invoice payments, one way (R-F5, R-F4).

Every kind of liquidation (a bank or cash document, an internal document, a
liquidation without link) and several per invoice become payments
(``PUT /invoice/{id}/payment/`` ``{amount, date}``) of the Raynet invoice the
POHODA invoice is linked to. A payment is written once — a link per
liquidation — and never changed or deleted in Raynet.

Payments carry no extId (Raynet documents none for this sub-resource), and the
insert answers without an id. So the step reads the invoice's payments after
writing (the new payments' ids) and, on its first run, also before (a payment
with the same amount and date that no liquidation is linked to yet is linked
instead of written again: payments entered by hand, a lost state). Each write is journaled first with the
invoice id, amount and date as its reconcile key; after a crash the runner
links a payment that landed instead of sending it again.

Liquidations of an invoice that is not (yet) in Raynet wait: they are taken up
in the run in which the issued-invoices step links their invoice, or — when that
run stopped before this step (Raynet's quota, a lost answer linked by the next
run's reconcile) — in the first run that finds the invoice linked: the waiting
invoices are kept in the state (``sub_records.Waiting``), not only for the run.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator, Mapping

from engine.mapping.model import TO_RAYNET
from engine.pohoda import lists
from engine.raynet.errors import QuotaExhausted, RaynetError, RaynetUncertainWrite
from engine.state.model import IntentStatus, Link
from engine.sync.compile import TransformError
from engine.sync.crashpoints import crashpoint
from engine.sync.ondisk import IdSet
from engine.sync.paths import get_path
from engine.sync.pohoda_gateway import ListQuery, pohoda_number
from engine.sync.snapshot import same
from engine.sync.steps.base import POHODA, POHODA_OVERLAP, RAYNET, Reject, Step
from engine.sync.steps.invoicing import KINDS, check_invoicing, iso_date, pohoda_currency
from engine.sync.steps.issued_invoices import CREATED_IN_RAYNET_THIS_RUN, LINKED_THIS_RUN
from engine.sync.steps.sub_records import Waiting

INVOICES = "issued_invoices"


class PaymentsStep(Step):
    agenda = "payments"
    raynet_entity = "invoice"
    pohoda_agenda = "payments"
    pohoda_updatable = False
    raynet_updatable = False  # written once (R-F5)

    @classmethod
    def preflight(cls, ctx) -> None:
        check_invoicing(ctx)  # R-F1: payments live in Raynet's invoicing module

    def explain_extra(self) -> list[str]:
        return [
            "POHODA liquidations of every kind (bank, cash, internal document, without link), several per "
            "invoice → payments of the linked Raynet invoice (R-F5); never changed or deleted",
            "a payment waits until its invoice is in Raynet (issued_invoices)",
            "a payment Raynet already has (same invoice, amount and date) is linked, not written again",
        ]

    def reads(self, side: str) -> bool:
        return side == POHODA

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        return f"payment {record.get('id')} of POHODA invoice {record.get('_invoice_label', '')}".strip()

    # ================================================================ the run
    def run(self) -> None:
        ctx = self.ctx
        if not self.plan.runs(TO_RAYNET):
            return
        self.home = ctx.mapping.currencies.home.upper()
        cursor = self._cursor(POHODA)
        self.first_run = cursor is None
        started = ctx.now()
        # invoices whose payments wait for the invoice to be linked, across runs
        self.waiting = Waiting(ctx.state, self.agenda, POHODA)
        ctx.progress(self.agenda, "reading POHODA")
        # streamed: each invoice is handled as it is read (a first run reads every invoice; holding them
        # all made memory grow with the accounting unit), only the ids read are kept
        read = IdSet()  # on disk: a first run reads every invoice
        for record in self._read(cursor):
            pid = int(get_path(record, "invoiceHeader.id"))
            read.add(pid)
            self._invoice(pid, record)
        # invoices linked to Raynet this run or since their payments were read, and invoices of quarantined
        # payments: their payments go now
        waiting = IdSet(ctx.scratch.get(LINKED_THIS_RUN, ()))
        waiting.update(pid for pid, _ in self.waiting.linked(lambda pid: self.raynet_counterpart(INVOICES, pid)))
        waiting.update(int(q.record_id.split("/")[0]) for q in ctx.state.quarantined(self.agenda)
                       if "/" in q.record_id)
        for pid in waiting:  # ascending
            if pid in read:
                continue
            record = self._refetch(pid)
            if record is not None:
                self._invoice(pid, record)
        self.waiting.finish()  # before the cursor moves past the invoices read
        ctx.state.set_cursor(self.agenda, POHODA, started.isoformat())
        crashpoint(f"{self.agenda}:cursors")

    @property
    def kinds(self) -> list[str]:
        """The POHODA invoice types of the kinds the issued-invoices agenda transfers (R-F2)."""
        agenda = self.ctx.agendas.get(INVOICES)
        return [KINDS[k][0] for k in agenda.model.kinds] if agenda is not None else []

    def _read(self, cursor) -> Iterator[dict]:
        """Invoices of every kind changed since the cursor, with their liquidations: one listInvoiceRequest per
        invoiceType, the kinds together as the items of one dataPack."""
        since = cursor - POHODA_OVERLAP if cursor is not None else None
        pohoda = self.ctx.pohoda
        queries = [pohoda.changed_query(INVOICES, since, select=self.pohoda_select(), invoice_type=kind,
                                        liquidations=True) for kind in self.kinds]
        for _, record in pohoda.list_together(queries):
            yield record

    def _refetch(self, pid: int) -> dict | None:
        return self.ctx.pohoda.first_of([ListQuery(INVOICES, {"id": pid}, {"invoice_type": kind, "liquidations": True})
                                         for kind in self.kinds])

    def _invoice(self, pid: int, invoice: dict) -> None:
        ctx = self.ctx
        counts = self.counts_to_r
        liquidations = liquidations_of(invoice)
        counts.read += len(liquidations)
        pending = [liq for liq in liquidations if ctx.state.find_link(self.agenda, pohoda_id=int(liq["id"])) is None]
        counts.unchanged += len(liquidations) - len(pending)
        if not pending:
            return
        link = self.raynet_counterpart(INVOICES, pid)
        if link is None:
            counts.skipped += len(pending)  # they wait for their invoice (see the module doc)
            self.waiting.add(pid)
            return
        foreign = pohoda_currency(invoice, self.home) is not None
        todo = []
        for liq in pending:
            rid_q = f"{pid}/{liq['id']}"
            try:
                # R-G5: the Raynet invoice is kept in the document's currency, so is its payment
                view = {**liq, "amount": liq.get("foreignCurrencyAmount")} if foreign else liq
                if not self.passes(POHODA, view):
                    continue
                values = self.raynet_values(view)
                if values.get("amount") is None or values.get("date") is None:
                    raise Reject("the payment has no amount or date; Raynet requires both", field="amount",
                                 rule="R-F5")
                todo.append((liq, values))
            except Reject as rej:
                self.quarantine(POHODA, rid_q, liq, rej.message, field=rej.field, rule=rej.rule)
            except TransformError as err:
                self.quarantine(POHODA, rid_q, liq, err.message, field=err.field)
        if todo:
            self._write(link, todo)

    # ================================================================ writes
    def _payments(self, raynet_invoice: int) -> list[dict]:
        if raynet_invoice < 0:  # an invoice a dry run would create
            return []
        return self.ctx.raynet.invoices.payments(raynet_invoice)

    def _free(self, payments: list[dict]) -> list[dict]:
        return [p for p in payments if self.ctx.state.find_link(self.agenda, raynet_id=int(p["id"])) is None]

    def _write(self, link: Link, todo: list[tuple[dict, dict]]) -> None:
        ctx = self.ctx
        rid = link.raynet_id
        # on a first run Raynet may hold these payments already (entered by hand, or a state that was lost);
        # not an invoice this very run created in Raynet (it has none: no request spent to learn that)
        created_now = rid in self.ctx.scratch.get(CREATED_IN_RAYNET_THIS_RUN, ())
        free = self._free(self._payments(rid)) if self.first_run and not created_now else []
        sent = []
        for liq, values in todo:
            key = f"{self.agenda}:create-raynet:{liq['id']}"
            if not ctx.may_write(key):
                continue
            label = self.label(POHODA, liq)
            match = _take(free, values)
            if match is not None:  # already in Raynet (a first run, or a state that was lost): link it
                self._linked(link, liq, int(match["id"]))
                self.counts_to_r.linked += 1
                ctx.plan(self.agenda, "state", "link", label, f"{self.agenda}:link:{match['id']}:{liq['id']}",
                         {"match": "amount+date"})
                continue
            if ctx.dry_run:
                ctx.plan(self.agenda, RAYNET, "create", label, key, values)
                self.counts_to_r.created += 1
                continue
            intent = ctx.state.begin_intent(ctx.run_id, self.agenda, RAYNET, "create", key, source_id=str(liq["id"]),
                                            ext_id=reconcile_key(rid, values))
            crashpoint(f"{self.agenda}:raynet-create:journaled")
            try:
                ctx.raynet.invoices.add_payment(rid, Decimal(values["amount"]), _as_date(values["date"]))
            except RaynetUncertainWrite:
                pass  # it may have landed: the read below tells
            except RaynetError as exc:
                if isinstance(exc, QuotaExhausted) or exc.status in (401, 403):
                    raise
                ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=str(exc))
                self.quarantine(POHODA, f"{liq['_invoice']}/{liq['id']}", liq,
                                f"Raynet refused the payment: {exc.message}", rule="raynet")
                continue
            crashpoint(f"{self.agenda}:raynet-create:sent")
            sent.append((liq, values, intent))
        if not sent:
            return
        free = self._free(self._payments(rid))
        for liq, values, intent in sent:
            match = _take(free, values)
            if match is None:
                ctx.state.finish_intent(intent.id, IntentStatus.ABANDONED, message="not found on the invoice")
                self.quarantine(POHODA, f"{liq['_invoice']}/{liq['id']}", liq,
                                "Raynet did not confirm the payment; it is tried again on the next run",
                                rule="raynet")
                continue
            with ctx.state.transaction():
                ctx.state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(match["id"]))
                self._linked(link, liq, int(match["id"]))
            crashpoint(f"{self.agenda}:raynet-create:linked")
            self.counts_to_r.created += 1

    def _linked(self, invoice: Link, liq: Mapping[str, Any], payment_id: int) -> None:
        state = self.ctx.state
        state.save_link(Link(agenda=self.agenda, raynet_id=payment_id, pohoda_id=int(liq["id"]),
                             raynet_entity="invoicePayment", parent_key=f"{INVOICES}:{invoice.pohoda_id}"))
        if liq.get(PAYMENT_KEY):  # what identifies the liquidation in another accounting unit (R-G2)
            state.set_shadow(self.agenda, POHODA, str(liq["id"]), {PAYMENT_KEY: liq[PAYMENT_KEY]})
        state.release(self.agenda, POHODA, f"{liq['_invoice']}/{liq['id']}")

    # ================================================================ rebind (R-G2)
    def read_pohoda(self, since) -> Iterator[dict]:
        """The liquidations of the invoices changed since ``since`` (rebind: all of them), with their invoice."""
        for invoice in self._read(since):
            yield from liquidations_of(invoice)

    def pohoda_id_of(self, record: Mapping[str, Any]) -> int:
        if record.get("id") is None:
            raise Reject("the liquidation has no id")
        return int(record["id"])

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        """A liquidation is its invoice's number, its amount and date (and which of equal ones it is)."""
        key = record.get(PAYMENT_KEY) if side == POHODA else None
        return [("payment", str(key))] if key else []

    # ======================================================== reconciliation
    def rebind_commit(self, moved) -> None:
        """Besides the parent keys: the invoices whose payments wait are the old unit's ids (the next run reads
        the new unit's invoices whole)."""
        super().rebind_commit(moved)
        Waiting(self.ctx.state, self.agenda, POHODA).clear()

    def reconcile_create(self, intent) -> int | None:
        """A payment whose answer was lost: on its invoice, a payment with its amount and date that no
        liquidation is linked to is the one (payments carry no extId)."""
        rid, amount, when = parse_reconcile_key(intent.ext_id)
        invoice = self.ctx.state.find_link(INVOICES, raynet_id=rid)
        match = _take(self._free(self._payments(rid)), {"amount": amount, "date": when})
        if match is None or invoice is None or not intent.source_id:
            if invoice is not None and invoice.pohoda_id is not None and intent.source_id:
                # not there: it waits like a quarantined payment, so the payments step writes it — in this run,
                # or in a later one if this one stops first (the invoice may not change again to be read)
                self.ctx.state.quarantine(self.agenda, POHODA, f"{invoice.pohoda_id}/{intent.source_id}",
                                          "the payment's write was not confirmed and it is not in Raynet; it is "
                                          "written again", record_label=f"payment of invoice {invoice.pohoda_number}",
                                          rule="raynet")
            return None
        record = self._refetch(int(invoice.pohoda_id)) if invoice.pohoda_id is not None else None
        liq = next((l for l in liquidations_of(record) if l["id"] == int(intent.source_id)), None) if record else None
        self._linked(invoice, liq or {"id": int(intent.source_id), "_invoice": invoice.pohoda_id}, int(match["id"]))
        return int(match["id"])


#: a liquidation's key across accounting units: ``<invoice number>|<amount>|<date>#<n-th of equal ones>``
PAYMENT_KEY = "_payment_key"


def liquidations_of(invoice: Mapping[str, Any]) -> list[dict]:
    """The liquidations of a POHODA invoice with their invoice (``_invoice``, ``_invoice_label``) and key."""
    pid = get_path(invoice, "invoiceHeader.id")
    number = pohoda_number(INVOICES, invoice) or str(pid)
    out, seen = [], {}
    for liq in sorted((l for l in lists.derived("payments", dict(invoice)) if l.get("id") is not None),
                      key=lambda l: int(l["id"])):
        amount = liq.get("amount")
        base = f"{number}|{Decimal(str(amount)) if amount is not None else ''}|{iso_date(liq.get('date'))}"
        seen[base] = seen.get(base, 0) + 1
        out.append({**liq, "_invoice": pid, "_invoice_label": number, PAYMENT_KEY: f"{base}#{seen[base]}"})
    return out


def reconcile_key(raynet_invoice: int, values: Mapping[str, Any]) -> str:
    """What identifies a payment on its invoice: ``<invoice id>|<amount>|<date>``."""
    return f"{raynet_invoice}|{Decimal(values['amount'])}|{iso_date(values['date'])}"


def parse_reconcile_key(key: str) -> tuple[int, Decimal, str]:
    rid, amount, when = key.split("|")
    return int(rid), Decimal(amount), when


def _take(payments: list[dict], values: Mapping[str, Any]) -> dict | None:
    """Remove and return the first payment with the same amount and date."""
    for n, p in enumerate(payments):
        if same(p.get("amount"), values.get("amount")) and iso_date(p.get("date")) == iso_date(values.get("date")):
            return payments.pop(n)
    return None


def _as_date(value: Any):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
