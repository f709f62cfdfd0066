"""Issued invoices ⇄ Raynet invoices (R-F1 … R-F4, R-C1, R-C3, R-G5, R-E2).

Kinds (R-F2, mapping ``kinds``): regular ``issuedInvoice`` ⇄ ``NORMAL``, advance
``issuedAdvanceInvoice`` ⇄ ``PROFORMA``, corrective ``issuedCorrectiveTax`` ⇄
``CREDIT_NOTE``. POHODA lists issued invoices one kind per request (list.xsd
``invoiceType`` is required), so every enabled kind is read.

POHODA → Raynet: an invoice goes only when linked to an address-book record
whose client is in Raynet (R-C1) and when it has items — an invoice whose
amount sits only in the VAT summary would arrive as 0, so it is quarantined
with that message instead (R-F3). A foreign-currency invoice goes only when a
price list in its currency exists on both sides (R-G5, R-C3). ``PUT /invoice/``
takes only the header fields of InvoiceInsertDto (regular and advance kinds);
items, the variable symbol and the rest follow in ``POST /invoice/{id}/``.
Raynet creates a credit note only from an existing invoice
(``PUT /invoice/creditNote`` ``{invoiceId, reason}``, copying its items), so a
corrective document goes once its source invoice is in Raynet: the credit note
is created from that invoice, marked with the corrective document's number and
extId in its reason, given the extId, and its items are replaced by the
corrective document's. After creation POHODA changes (items included) update
the Raynet invoice (R-F4).

Raynet → POHODA: an invoice the trigger lets through is created once (invoices
cannot be updated through XML, R-F4), with its items, linked to the client's
address-book record, as the document type of its kind; items whose code is a
POHODA stock code are stock items (R-E2). Raynet invoice items carry no product
code, so a mapping that wants stock links binds an item field to POHODA
``code``. Later Raynet changes are not written to POHODA (R-F4).
"""

from __future__ import annotations

# Mapping from collections.abc: isinstance checks against the ABC itself, not the slower typing alias
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.mapping.model import TO_POHODA, TO_RAYNET
from engine.raynet.errors import RaynetUncertainWrite
from engine.state.model import Link
from engine.sync.crashpoints import crashpoint
from engine.sync.merge import Binding, shadow_paths
from engine.sync.ondisk import scratch_ids
from engine.sync.paths import get_path, set_path
from engine.sync.pohoda_gateway import ListQuery, pohoda_id, pohoda_number
from engine.sync.raynet_records import body_from_values
from engine.sync.snapshot import same
from engine.sync.steps.base import POHODA, POHODA_OVERLAP, RAYNET, RAYNET_OVERLAP, Reject, Step
from engine.sync.steps.documents import pohoda_writes
from engine.sync.steps.invoicing import (
    DEFAULT_PAYMENT, FOREIGN, ITEMS, KINDS, PAYMENT_TO_POHODA, PAYMENT_TO_RAYNET, POHODA_KIND, RAYNET_KIND,
    check_invoicing, currency_iso, foreign_currency_problem, guarded, pohoda_currency,
    raynet_create_paths,
)

#: the run's scratch key listing POHODA invoices linked to Raynet this run (their payments follow; an ``IdSet``)
LINKED_THIS_RUN = "issued_invoices:linked"
#: Raynet ids of the invoices this run created in Raynet (the payments step knows they hold no payment yet)
CREATED_IN_RAYNET_THIS_RUN = "issued_invoices:created_in_raynet"
HEADER = "invoiceHeader"


class IssuedInvoicesStep(Step):
    agenda = "issued_invoices"
    raynet_entity = "invoice"
    #: their client, whose address-book record the invoice links to
    REFERS = {"address_book": "company"}
    pohoda_agenda = "issued_invoices"
    pohoda_updatable = False  # R-F4: invoice.xsd has no actionType; created once

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.kinds = [k for k in KINDS if k in self.plan.model.kinds]
        self.home = ctx.mapping.currencies.home.upper()
        if self.plan.runs(TO_RAYNET):
            # the items are one more field POHODA → Raynet: a change of POHODA items updates Raynet's (R-F4)
            self.bindings = self.bindings + (Binding(
                name="items", raynet_path="items", pohoda_path=ITEMS, to_raynet=self.raynet_items,
                reads_pohoda=frozenset({ITEMS, FOREIGN, f"{HEADER}.invoiceType"}), where="item_fields"),)
            self.paths_r = shadow_paths(self.bindings, RAYNET) | self.extra_shadow_paths(RAYNET)
            self.paths_p = shadow_paths(self.bindings, POHODA) | self.extra_shadow_paths(POHODA)

    @classmethod
    def preflight(cls, ctx) -> None:
        check_invoicing(ctx)  # R-F1

    def explain_extra(self) -> list[str]:
        kinds = ", ".join(f"{k} ({KINDS[k][0]} ⇄ {KINDS[k][1]})" for k in self.kinds)
        return [
            f"kinds (R-F2): {kinds}",
            "needs Raynet's invoicing module; checked before the run (R-F1)",
            "POHODA → Raynet only when linked to an address-book record whose client is in Raynet (R-C1), "
            "with items (an amount only in the VAT summary is quarantined, R-F3)",
            f"foreign currencies (R-G5, R-C3): {', '.join(self.ctx.mapping.currencies.foreign) or 'none'}; "
            "a document transfers only if a price list in its currency exists on both sides",
            "created once in POHODA; afterwards changes flow only POHODA → Raynet (R-F4)",
        ]

    # ================================================================ reading
    def _pohoda_kinds(self) -> list[str]:
        return [KINDS[k][0] for k in self.kinds]

    def read_pohoda(self, since) -> Iterator[dict]:
        """The invoices of every kind changed since ``since``: one listInvoiceRequest per invoiceType (R-F2), the
        kinds together as the items of one dataPack."""
        since = since - POHODA_OVERLAP if since is not None else None
        pohoda = self.ctx.pohoda
        queries = [pohoda.changed_query(self.pohoda_agenda, since, select=self.pohoda_select(), invoice_type=kind)
                   for kind in self._pohoda_kinds()]
        for _, record in pohoda.list_together(queries):
            yield record

    def refetch_pohoda(self, pid: int) -> dict | None:
        return self.ctx.pohoda.first_of([ListQuery(self.pohoda_agenda, {"id": pid}, {"invoice_type": kind})
                                         for kind in self._pohoda_kinds()])

    def read_raynet(self, since) -> Iterator[dict]:
        api = self.entity_api()
        filters = None
        if len(self.kinds) < len(KINDS):
            filters = [("invoiceType[IN]", ",".join(KINDS[k][1] for k in self.kinds))]
        records = api.list(filters=filters) if since is None else \
            api.changed_since(since - RAYNET_OVERLAP, filters=filters)
        return guarded(records)

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            return f"Raynet invoice {record.get('id')} {record.get('code') or ''}".strip()
        number = pohoda_number(self.pohoda_agenda, record)
        return f"POHODA invoice {number or ''} (id {pohoda_id(self.pohoda_agenda, record)})".replace("  ", " ")

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        if side == RAYNET:
            kind = RAYNET_KIND.get(str(record.get("invoiceType")))
            values = {"number": record.get("code"), "variable_symbol": record.get("variableSymbol")}
        else:
            kind = POHODA_KIND.get(str(get_path(record, f"{HEADER}.invoiceType")))
            values = {"number": pohoda_number(self.pohoda_agenda, record),
                      "variable_symbol": get_path(record, f"{HEADER}.symVar")}
        return [(key, f"{kind}|{str(values[key]).strip()}") for key in self.plan.model.match
                if values.get(key) not in (None, "")]

    # ================================================================ rules
    def passes(self, side: str, record: dict | None) -> bool:
        if side == POHODA and record is not None and self.plan.runs(TO_RAYNET):
            flt = self.plan.filter_to_raynet
            if flt is None or flt(record) is True:
                self.pohoda_rules(record)
        return super().passes(side, record)

    def pohoda_rules(self, p: Mapping[str, Any]) -> None:
        """R-C1 and R-F3 for a POHODA invoice going to Raynet (raise Reject)."""
        if get_path(p, f"{HEADER}.partnerIdentity.id") is None:
            raise Reject("the invoice is not linked to an address-book record; a document goes to Raynet only "
                         "when it is (R-C1) — choose the customer from the address book in POHODA",
                         field=f"{HEADER}.partnerIdentity", rule="R-C1")
        items = get_path(p, ITEMS) or []
        if not items:
            total = _summary_total(p)
            if total:
                raise Reject(f"the invoice has no items: its amount ({total} {self.home}) sits only in the VAT "
                             "summary and would transfer to Raynet as 0 (R-F3) — enter it as items in POHODA",
                             field=ITEMS, rule="R-F3")
            raise Reject("the invoice has no items; only invoices with items go to Raynet (R-F3)",
                         field=ITEMS, rule="R-F3")
        for n, item in enumerate(items, 1):
            if not str(item.get("text") or "").strip():
                raise Reject(f"item {n} has no text; Raynet requires a name for every invoice item — fill it in "
                             "POHODA", field=f"{ITEMS}[{n - 1}].text", rule="R-F3")

    # ============================================================ POHODA → Raynet
    def raynet_items(self, p: Mapping[str, Any]) -> list[dict]:
        """The Raynet items (``items[]`` bodies) of a POHODA invoice, by the mapping's item_fields."""
        foreign = pohoda_currency(p, self.home)
        out = []
        for item in get_path(p, ITEMS) or []:
            view = item
            if foreign:  # R-G5: a foreign-currency document's prices are its foreignCurrency prices
                view = {**item, "homeCurrency": item.get("foreignCurrency") or {}}
            out.append(_item_values(self.plan.item_bindings, view, TO_RAYNET))
        return out

    def raynet_values(self, p: Mapping[str, Any]) -> dict[str, Any]:
        values = super().raynet_values(p)
        pohoda_kind = str(get_path(p, f"{HEADER}.invoiceType") or "issuedInvoice")
        values["invoiceType"] = KINDS[POHODA_KIND[pohoda_kind]][1]
        if values.get("paymentType") is None:
            form = get_path(p, f"{HEADER}.paymentType.paymentType")
            values["paymentType"] = PAYMENT_TO_RAYNET.get(str(form), DEFAULT_PAYMENT)
        issued = values.get("issueDate") or get_path(p, f"{HEADER}.date")
        if issued is None:
            raise Reject("the invoice has no issue date; Raynet requires it", field=f"{HEADER}.date", rule="R-F4")
        values["issueDate"] = issued
        values.setdefault("dueDate", None)
        values["dueDate"] = values["dueDate"] or issued
        values["taxableSupplyDate"] = values.get("taxableSupplyDate") or issued
        return values

    def before_raynet_create(self, values: dict[str, Any], p: dict) -> None:
        # R-C1: the customer is an address-book record whose client is in Raynet
        partner = get_path(p, f"{HEADER}.partnerIdentity.id")
        link = self.ctx.state.find_link("address_book", pohoda_id=int(partner)) if partner is not None else None
        if link is None or link.raynet_id is None:
            raise Reject(f"the invoice's address-book record {partner} has no Raynet client yet (R-C1); it goes "
                         "through on a later run once that record is synced (see the address_book agenda)",
                         field=f"{HEADER}.partnerIdentity.id", rule="R-C1")
        values["company"] = link.raynet_id
        iso = pohoda_currency(p, self.home) or self.home
        if iso != self.home:
            problem = foreign_currency_problem(self.ctx, iso)
            if problem:
                raise Reject(problem, field=f"{FOREIGN}.currency", rule="R-C3")
        values["currency"] = self.ctx.lookups.currency_id(iso)
        if values["invoiceType"] == "CREDIT_NOTE":
            values["normalInvoice"] = self._credit_note_source(p)

    def _credit_note_source(self, p: Mapping[str, Any]) -> int:
        """The Raynet invoice a corrective document corrects (its source must be in Raynet first)."""
        source = get_path(p, "correctiveDocument.sourceDocument") or {}
        link = None
        if source.get("id") is not None:
            link = self.ctx.state.find_link(self.agenda, pohoda_id=int(source["id"]))
        elif source.get("number"):
            link = self.ctx.state.find_link(self.agenda, pohoda_number=str(source["number"]))
        if link is None or link.raynet_id is None:
            which = source.get("number") or source.get("id") or "(none named)"
            raise Reject(f"the corrective document's source invoice {which} is not in Raynet; Raynet creates a "
                         "credit note only from an existing invoice, so it goes once its source has gone (R-F2)",
                         field="correctiveDocument.sourceDocument", rule="R-F2")
        return link.raynet_id

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        api = self.ctx.raynet.invoices
        values = dict(values)
        items = values.pop("items", None) or []
        source = values.pop("normalInvoice", None)
        creatable = raynet_create_paths()
        if values["invoiceType"] == "CREDIT_NOTE":
            rid = self._create_credit_note(source, pohoda_record, ext_id)
            later = {k: v for k, v in values.items() if k not in ("invoiceType", "company", "currency")}
            old_items = api.get(rid).get("items") or []
        else:
            head = {k: v for k, v in values.items() if k in creatable and v is not None}
            rid = api.create(body_from_values("invoice", head, self.key_for), ext_id=ext_id)
            later = {k: v for k, v in values.items() if k not in creatable}
            old_items = []
        crashpoint(f"{self.agenda}:raynet-create:header")
        body = body_from_values("invoice", {k: v for k, v in later.items() if v is not None}, self.key_for)
        body["items"] = _item_edits(old_items, items)
        api.update(rid, body)
        return rid

    def _reason(self, p: Mapping[str, Any], ext_id: str) -> str:
        number = pohoda_number(self.pohoda_agenda, p) or get_path(p, f"{HEADER}.id")
        text = get_path(p, f"{HEADER}.text")
        return f"Opravný daňový doklad {number}" + (f": {text}" if text else "") + f" ({ext_id})"

    def _create_credit_note(self, source: int, p: Mapping[str, Any], ext_id: str) -> int:
        api = self.ctx.raynet.invoices
        rid = self.find_credit_note(ext_id)
        if rid is not None:   # an earlier attempt created it (its answer or its extId write lost): not again
            if api.get_by_ext_id(ext_id) is None:
                api.add_ext_id(rid, ext_id)
            return rid
        try:
            rid = api.create_credit_note(source, self._reason(p, ext_id))
        except RaynetUncertainWrite:
            rid = None  # the answer was lost: look for it below before anything is sent again
        if rid is None:  # the spec documents 201 without a body: find it by the marker in its reason
            rid = self.find_credit_note(ext_id, since=self.ctx.now() - timedelta(hours=1))
            if rid is None:
                raise Reject("Raynet did not confirm the credit note; it is tried again on the next run",
                             rule="raynet")
        crashpoint(f"{self.agenda}:raynet-credit-note:created")
        api.add_ext_id(rid, ext_id)
        return rid

    def find_credit_note(self, ext_id: str, since: datetime | None = None) -> int | None:
        """A credit note rpsync created, by the extId it names in its reason (credit notes carry no extId when
        created); ``since`` limits the search to credit notes created since then."""
        marker = f"({ext_id})"
        filters = [("invoiceType[EQ]", "CREDIT_NOTE")]
        if since is not None:
            filters.append(("rowInfo.createdAt[GE]", since))
        for record in self.ctx.raynet.invoices.list(filters=filters):
            if marker in str(record.get("creditNoteReason") or ""):
                return int(record["id"])
        return None

    def update_raynet(self, raynet_id: int, values: dict[str, Any], current: Mapping[str, Any] | None) -> None:
        api = self.ctx.raynet.invoices
        values = dict(values)
        items = values.pop("items", None)
        body = body_from_values("invoice", values, self.key_for) if values else {}
        if items is not None:
            have = api.get(raynet_id).get("items") or []
            if not same(_comparable(have, items), items):
                body["items"] = _item_edits(have, items)
        if body:
            api.update(raynet_id, body)

    def after_raynet_create(self, link: Link, values: dict[str, Any], p: dict) -> None:
        scratch_ids(self.ctx.scratch, LINKED_THIS_RUN).add(link.pohoda_id)
        scratch_ids(self.ctx.scratch, CREATED_IN_RAYNET_THIS_RUN).add(link.raynet_id)

    def reconcile_create(self, intent) -> int | None:
        if intent.target == RAYNET:
            found = super().reconcile_create(intent)
            if found is None and intent.ext_id:
                rid = self.find_credit_note(intent.ext_id)  # a credit note that lost its answer before its extId
                if rid is not None:
                    self.ctx.raynet.invoices.add_ext_id(rid, intent.ext_id)
                    self.save_link(rid, int(intent.source_id) if intent.source_id else None, None,
                                   raynet_ext_id=intent.ext_id)
                    found = rid
            if found is not None and intent.source_id:
                # linked now: its payments go in this run (they waited for it, and the cursor moved past them)
                scratch_ids(self.ctx.scratch, LINKED_THIS_RUN).add(int(intent.source_id))
            return found
        record = self.ctx.pohoda.first_of([ListQuery(self.pohoda_agenda, {"ext_id": intent.ext_id},
                                                     {"invoice_type": kind}) for kind in self._pohoda_kinds()])
        if record is None:
            return None
        pid = self.pohoda_id_of(record)
        link = self.save_link(int(intent.source_id), pid, record, pohoda_ext_id=intent.ext_id)
        self.store_shadows(link, None, record)   # what POHODA holds stands as its shadow (see Step)
        return pid

    # ============================================================ Raynet → POHODA
    def pohoda_document(self, values, raynet_record, link: Link | None):
        r = raynet_record or {}
        detail = r if "items" in r else self.ctx.raynet.invoices.get(int(r["id"]))
        kind = RAYNET_KIND.get(str(detail.get("invoiceType")))
        if kind is None or kind not in self.kinds:
            known = ", ".join(sorted(RAYNET_KIND))
            raise Reject(f"invoice type {detail.get('invoiceType')!r} is not among the mapping's kinds "
                         f"(Raynet types rpsync knows: {known})", field="invoiceType", rule="R-F2")
        pohoda_kind = KINDS[kind][0]
        items = detail.get("items") or []
        if not items:
            raise Reject("the Raynet invoice has no items; only invoices with items go to POHODA (R-F3)",
                         field="items", rule="R-F3")
        company = (detail.get("company") or {}).get("id") if isinstance(detail.get("company"), Mapping) \
            else detail.get("company")
        client = self.ctx.state.find_link("address_book", raynet_id=int(company)) if company is not None else None
        if client is None or client.pohoda_id is None:
            raise Reject(f"the invoice's client {company} is not in the POHODA address book yet (R-C1); it goes "
                         "through once the client is synced", field="company", rule="R-C1")
        iso = currency_iso(self.ctx, detail.get("currency")) or self.home
        foreign = iso != self.home
        if foreign:
            problem = foreign_currency_problem(self.ctx, iso)
            if problem:
                raise Reject(problem, field="currency", rule="R-C3")
        record: dict[str, Any] = {}
        for path, value in values.items():
            if value is not None:
                set_path(record, path, _typed(path, value))
        if get_path(record, f"{HEADER}.paymentType.paymentType") is None and detail.get("paymentType"):
            form = PAYMENT_TO_POHODA.get(str(detail["paymentType"]))
            if form:
                set_path(record, f"{HEADER}.paymentType.paymentType", form)
        series = self.plan.model.pohoda_series
        if series and kind == "regular" and get_path(record, f"{HEADER}.number") is None:
            set_path(record, f"{HEADER}.number.ids", series)  # the series belongs to the invoices agenda
        record.setdefault("invoiceDetail", {})["invoiceItem"] = [self._pohoda_item(i, foreign) for i in items]
        if foreign:
            rate = detail.get("currencyExchangeRate")
            set_path(record, FOREIGN, {"currency": {"ids": iso}, **({"rate": rate, "amount": 1} if rate else {})})
        if kind == "corrective":
            source = (detail.get("normalInvoice") or {}).get("id")
            src = self.ctx.state.find_link(self.agenda, raynet_id=int(source)) if source else None
            if src is None or src.pohoda_id is None:
                self.flush_pohoda()  # its source may be waiting in this step's dataPack
                src = self.ctx.state.find_link(self.agenda, raynet_id=int(source)) if source else None
            if src is None or src.pohoda_id is None:
                raise Reject(f"the credit note's invoice {source} is not in POHODA; a corrective document goes "
                             "once its source invoice has gone (R-F2)", field="normalInvoice", rule="R-F2")
            record["correctiveDocument"] = {"sourceDocument": {"id": src.pohoda_id}}
        return record, {"partner": {"id": client.pohoda_id}, "invoice_type": pohoda_kind}

    def _pohoda_item(self, item: Mapping[str, Any], foreign: bool) -> dict:
        out = _item_values(self.plan.item_bindings, item, TO_POHODA)
        if foreign and "homeCurrency" in out:
            out["foreignCurrency"] = out.pop("homeCurrency")
        code = str(out.get("code") or "").strip()
        if code and self.ctx.mapping.items.stock_link == "by_code":
            if self._stock_exists(code):
                out["stockItem"] = {"stockItem": {"ids": code}}  # R-E2: stock is deducted when invoiced
            elif self.ctx.mapping.items.otherwise == "reject":
                raise Reject(f"item code {code} is not a POHODA stock code, and the mapping rejects such items "
                             "(items.otherwise: reject)", field="items", rule="R-E2")
        return out

    def _stock_exists(self, code: str) -> bool:
        cache = self.ctx.scratch.setdefault("stock_codes", {})
        if code not in cache:
            cache[code] = any(True for _ in self.ctx.pohoda.list("stock", filter={"code": code}))
        return cache[code]


# ------------------------------------------------------------------ helpers


def _summary_total(p: Mapping[str, Any]) -> Any:
    """The amount of an invoice's VAT summary (home currency, then foreign), 0 when empty."""
    total = Decimal(0)
    summary = get_path(p, "invoiceSummary.homeCurrency") or {}
    for key in ("priceNone", "priceLow", "priceLowVAT", "priceHigh", "priceHighVAT", "price3", "price3VAT"):
        value = summary.get(key) if isinstance(summary, Mapping) else None
        if value:
            total += Decimal(value)
    if not total:
        value = get_path(p, f"{FOREIGN}.priceSum")
        total = Decimal(value) if value else total
    return total


def _item_values(bindings, item: Mapping[str, Any], way: str) -> dict[str, Any]:
    """One document item on the other side, by the mapping's item_fields running ``way``."""
    out: dict[str, Any] = {}
    if way == TO_POHODA:
        for to_pohoda, put in pohoda_writes(bindings):
            value = to_pohoda(item)
            if value is not None:
                put(out, value)
        return out
    for b in bindings:
        fn, path = (b.to_raynet, b.raynet_path) if way == TO_RAYNET else (b.to_pohoda, b.pohoda_path)
        if fn is not None and path:
            value = fn(item)
            if value is not None:
                set_path(out, path, value)
    return out


def _comparable(have: list[Mapping[str, Any]], wanted: list[Mapping[str, Any]]) -> list[dict]:
    """Raynet items reduced to the fields the mapping writes (to compare with the wanted items)."""
    keys = set().union(*(w.keys() for w in wanted)) if wanted else set()
    return [{k: item.get(k) for k in keys if item.get(k) is not None} for item in have]


def _item_edits(have: list[Mapping[str, Any]], wanted: list[Mapping[str, Any]]) -> list[dict]:
    """``items[]`` of ``POST /invoice/{id}/``: change items in place, add the rest, delete the surplus
    ([OAS] InvoiceEditDto: no id = new, positive id = change, negative id = delete)."""
    edits = []
    for n, want in enumerate(wanted):
        edits.append({"id": int(have[n]["id"]), **want} if n < len(have) else dict(want))
    edits += [{"id": -int(item["id"])} for item in have[len(wanted):]]
    return edits


#: POHODA field path of an invoice -> is it a date field (the catalog looked up once per path)
_DATE_FIELDS: dict[str, bool] = {}


def _typed(path: str, value: Any) -> Any:
    """A Raynet date (``"2025-01-02"``) written to a POHODA date field as a date, so what is written
    compares equal to what POHODA gives back (no echo)."""
    if isinstance(value, str) and len(value) >= 10:
        is_date = _DATE_FIELDS.get(path)
        if is_date is None:
            from engine import catalogs

            info = catalogs.load("pohoda", "issued_invoices").lookup(path)
            is_date = info is not None and info.type == "date"
            if len(_DATE_FIELDS) < 4096:
                _DATE_FIELDS[path] = is_date
        if is_date:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return value
    return value
