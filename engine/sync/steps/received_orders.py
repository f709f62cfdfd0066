"""POHODA received orders ⇄ Raynet orders (R-R1 … R-R6, R-Z1 … R-Z3, R-C1, R-C4).

POHODA → Raynet:

- R-R3: a new received order gets a contract (created automatically, numbered
  ``<series>P<order id>``, unless it carries a free one), and in Raynet a new
  business case (the contract's) and a new order linked to it; the order's items
  go with it. A contract exists in POHODA only as a separate record: orders
  cannot be changed through XML (R-R6), so the order ⇄ contract pairing of an
  order POHODA created lives in the sync state (link ``parent_key``).
- R-R4: an order carrying a contract that already belongs to another order gets
  a new contract of its own (and the report says so).
- R-R2, R-Z2: the Raynet order's status and its business case's phase follow
  the POHODA order's ``state`` (mapping expression) through the mapping's tables;
  names are resolved to ids at run time.
- R-Z3: the business case's closing date (``validTill``) is the issue date of
  the POHODA issued invoice linked to the order (``links`` of the invoice or
  ``linkedDocument`` of its items).
- R-C1: only orders linked to an address-book record (mapping check + the
  record must be synced).

Raynet → POHODA:

- R-R5: an order (trigger true, R-R1 checks passed) is created once with links to
  its contract (the business case's, created if needed, R-C4) and its client's
  address-book record, with its items (stock-linked by code, R-E2).
- R-Z1: one business case = one order: a second order of a business case whose
  contract already has an order is refused with a message.
- R-R6: afterwards changes flow only POHODA → Raynet.
"""

from __future__ import annotations

import re
# Mapping from collections.abc: isinstance checks against the ABC itself, not the slower typing alias
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from engine.mapping.model import TO_RAYNET
from engine.raynet.errors import QuotaExhausted, RaynetError, RaynetNotFound
from engine.state.model import IntentStatus, Link
from engine.sync.compile import TransformError
from engine.sync.crashpoints import crashpoint
from engine.sync.lookups import LookupError_
from engine.sync.merge import Binding, shadow_paths
from engine.sync.ondisk import IdTextMap
from engine.sync.paths import get_path
from engine.sync.pohoda_gateway import pohoda_id, pohoda_number
from engine.sync.raynet_records import body_from_values
from engine.sync.steps.base import POHODA, POHODA_OVERLAP, RAYNET, Reject, SideRead
from engine.sync.steps.contracts import ContractsStep
from engine.sync.steps.rebinding import moved_id
from engine.sync.steps.documents import (
    DETAILS, EXPORT_EXT_ID, DocumentStep, contract_number, raynet_dates, ref_id,
)

HEADER = "orderHeader"
#: where the derived Raynet values live in a salesOrder record
STATUS_PATH = "salesOrderStatus.id"                    # R-R2
PHASE_PATH = "businessCase.businessCasePhase.id"       # R-Z2 (written to the business case)
STATES = ("not_processed", "processed", "cancelled")


def _reads(fields) -> frozenset[str]:
    return frozenset(f.split("[]", 1)[0].rstrip(".") for f in fields if f.split("[]", 1)[0].rstrip("."))


def closing_facts(invoice: Mapping[str, Any]) -> dict | None:
    """What R-Z3 needs of an issued invoice: its issue date (ISO), number and linked orders; None without
    a date or a linked order."""
    issued = get_path(invoice, "invoiceHeader.date")
    orders = linked_orders(invoice)
    if not isinstance(issued, date) or not orders:
        return None
    return {"date": issued.isoformat(), "number": pohoda_number("issued_invoices", invoice),
            "orders": [list(order) for order in orders]}


def linked_orders(invoice: Mapping[str, Any]) -> list[tuple[int | None, str | None]]:
    """(id, number) of the received orders an issued invoice is linked to (header links and item links)."""
    found = []
    for kind in ("link", "manualLink"):
        for link in get_path(invoice, f"links.{kind}") or []:
            if isinstance(link, Mapping) and link.get("sourceAgenda") == "receivedOrder":
                doc = link.get("sourceDocument") or {}
                found.append((doc.get("id"), doc.get("number")))
    for item in get_path(invoice, "invoiceDetail.invoiceItem") or []:
        linked = item.get("linkedDocument") if isinstance(item, Mapping) else None
        if isinstance(linked, Mapping) and linked.get("sourceAgenda") == "receivedOrder":
            doc = linked.get("sourceDocument") or {}
            found.append((doc.get("id"), doc.get("number")))
    return found


class ReceivedOrdersStep(DocumentStep):
    agenda = "received_orders"
    raynet_entity = "salesOrder"
    #: their client and their business case, whose contract they link to (R-R5)
    REFERS = {"address_book": "company", "contracts": "businessCase"}
    pohoda_agenda = "received_orders"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        model = self.plan.model
        self.state_expr = self.plan.extra.get("state")
        self.status_table = model.status_table
        contracts_model = ctx.mapping.agendas.contracts
        self.phase_table = contracts_model.phase_table if contracts_model.enabled else None
        self.contracts = ContractsStep(ctx) if "contracts" in ctx.agendas else None
        derived = []
        if self.state_expr is not None and self.plan.runs(TO_RAYNET):
            reads = _reads(self.state_expr.fields)
            if self.status_table is not None:
                derived.append(Binding(name="status (R-R2)", raynet_path=STATUS_PATH, pohoda_path=None,
                                       to_raynet=self.status_id, reads_pohoda=reads, where=self.state_expr.where))
            if self.phase_table is not None:
                derived.append(Binding(name="business-case phase (R-Z2)", raynet_path=PHASE_PATH,
                                       pohoda_path=None, to_raynet=self.phase_id, reads_pohoda=reads,
                                       where=self.state_expr.where))
        self.bindings = self.bindings + tuple(derived)
        self.paths_r = shadow_paths(self.bindings, RAYNET) | self.extra_shadow_paths(RAYNET)
        self.paths_p = shadow_paths(self.bindings, POHODA) | self.extra_shadow_paths(POHODA)
        #: parent_key (the paired contract) of links this step saves, by side and id (on disk, as the next:
        #: a first run claims a contract for every order)
        self._parents = {RAYNET: IdTextMap(), POHODA: IdTextMap()}
        #: contracts claimed by an order during this run: contract POHODA id -> "side:order id"
        self._claimed = IdTextMap()

    def explain_extra(self) -> list[str]:
        lines = []
        if self.state_expr is not None:
            lines.append(f"order state: {self.state_expr.text}")
        if self.status_table is not None:
            lines.append(f"Raynet order status follows the state via table {self.status_table.name} (R-R2)")
        lines += ["a POHODA order creates a contract, a Raynet business case and a Raynet order, all linked (R-R3)",
                  "an order carrying another order's contract gets a contract of its own (R-R4)",
                  "a Raynet order goes to POHODA once, with its contract and address-book record (R-R5, R-R6)"]
        return lines + self.explain_items()

    def extra_shadow_paths(self, side: str) -> frozenset[str]:
        if side == RAYNET:
            return frozenset({"businessCase.id", "company.id"})
        return frozenset({f"{HEADER}.partnerIdentity.id", f"{HEADER}.contract"})

    # ============================================================ states
    def order_state(self, p: Mapping[str, Any]) -> str:
        state = self.state_expr(p, field="state")
        if state not in STATES:
            raise TransformError(f"the mapping's received_orders.state gave {state!r}; it must give one of "
                                 f"{', '.join(STATES)}", field="state")
        return state

    def _translate(self, table, state: str) -> str:
        try:
            return str(table.translate(state))
        except KeyError as exc:
            raise TransformError(str(exc.args[0]), field=f"tables.{table.name}") from None

    def status_id(self, p: Mapping[str, Any]) -> int:
        """R-R2: the Raynet order status of a POHODA order's state."""
        name = self._translate(self.status_table, self.order_state(p))
        return self._resolve(self.ctx.lookups.sales_order_status_id, name, self.status_table.name, "R-R2")

    def phase_id(self, p: Mapping[str, Any]) -> int:
        """R-Z2: the business-case phase of a POHODA order's state."""
        name = self._translate(self.phase_table, self.order_state(p))
        return self._resolve(self.ctx.lookups.phase_id, name, self.phase_table.name, "R-Z2")

    @staticmethod
    def _resolve(lookup, name: str, table: str, rule: str) -> int:
        """A name of the mapping's table as Raynet's id; a name Raynet lacks holds the order back (quarantine)
        until the table or Raynet's list is fixed."""
        try:
            return lookup(name)
        except LookupError_ as exc:
            raise Reject(f"{exc.message} ({exc.hint}); change table {table} in the mapping or add {name!r} in "
                         "Raynet", field=f"tables.{table}", rule=rule) from None

    # ============================================================ links
    def save_link(self, raynet_id, pid, pohoda_record=None, link=None, **extra) -> Link:
        parent = self._parents[RAYNET].get(raynet_id) or self._parents[POHODA].get(pid)
        if parent and "parent_key" not in extra:
            extra["parent_key"] = parent
        return super().save_link(raynet_id, pid, pohoda_record, link, **extra)

    def prefetch_references(self, records: list[dict]) -> None:
        """Also the orders already on the page's contracts (R-Z1: one business case = one order), at once."""
        super().prefetch_references(records)
        state = self.ctx.state
        contracts = []
        for r in records:
            bc_id = ref_id(r.get("businessCase"))
            contract = state.find_link("contracts", raynet_id=bc_id) if bc_id is not None else None
            if contract is not None and contract.pohoda_id is not None:
                contracts.append(contract.pohoda_id)
        state.prefetch_children(self.agenda, [f"contracts:{pid}" for pid in contracts])
        self._claimed.prefetch(contracts)

    def _owner_of(self, contract_pid: int, *, side: str, order_id: int) -> Link | str | None:
        """Another order the contract already belongs to (R-R4, R-Z1), else None."""
        claimed = self._claimed.get(int(contract_pid))
        if claimed is not None and claimed != f"{side}:{order_id}":
            claimed_side, _, claimed_id = claimed.partition(":")
            return f"{'Raynet' if claimed_side == RAYNET else 'POHODA'} order {claimed_id}"
        key = f"contracts:{contract_pid}"
        for link in self.ctx.state.links_with_parent(self.agenda, key):  # by index: not every order's link
            if (link.raynet_id if side == RAYNET else link.pohoda_id) != order_id:
                return link
        return None

    def _claim(self, contract_pid: int, side: str, order_id: int) -> None:
        self._claimed[int(contract_pid)] = f"{side}:{order_id}"
        self._parents[side][order_id] = f"contracts:{contract_pid}"

    # ====================================================== POHODA → Raynet
    def check_record(self, side: str, record: dict) -> None:
        if side == POHODA:
            self.docs.raynet_company(record, HEADER, what="received order")
            self._foreign_of_pohoda(record)
            return
        if ref_id(record.get("businessCase")) is None:
            raise Reject("the order has no business case; Raynet orders belong to one (R-R5)",
                         field="businessCase", rule="R-R5")
        self.docs.pohoda_partner(record.get("company"), what="order", rule="R-R1")
        self.foreign_of_raynet(record, "order")

    def _foreign_of_pohoda(self, p: Mapping[str, Any]) -> str | None:
        iso = get_path(p, "orderSummary.foreignCurrency.currency.ids")
        return self.docs.check_currency(str(iso) if iso else None, what="POHODA order",
                                        field="orderSummary.foreignCurrency.currency")

    def before_raynet_create(self, values: dict[str, Any], p: dict) -> None:
        """R-R3: contract (created or carried, R-R4) → business case → then the order is created."""
        pid = self.pohoda_id_of(p)
        company = self.docs.raynet_company(p, HEADER, what="received order")
        foreign = self._foreign_of_pohoda(p)
        items = self.docs.items_to_raynet(self.plan.item_bindings, get_path(p, "orderDetail.orderItem") or [],
                                          foreign=foreign, what="received order")
        if self.contracts is None:
            raise Reject("the contracts agenda is off; orders need their business case's contract (R-R3, R-C4)",
                         field="agendas.contracts", rule="R-C4")
        contract_link, contract = self.contract_for_pohoda_order(p, company)
        exported = self.exported_business_case(p)
        if exported is not None and contract_link.raynet_id is None \
                and self.ctx.state.find_link(self.contracts.agenda, raynet_id=exported) is None:
            # R-E1: the order came from an export of this business case; no second business case
            contract_link = self.contracts.save_link(exported, contract_link.pohoda_id, None, contract_link)
        phase = values.get(PHASE_PATH)
        existed = contract_link.raynet_id is not None
        currency = self.ctx.lookups.currency_id(foreign) if foreign else None
        bc_id = self.contracts.business_case_for(contract_link, contract, businessCasePhase=phase,
                                                 currency=currency, name_fallback=get_path(p, f"{HEADER}.text"))
        if existed and phase is not None:
            self.write_business_case(bc_id, {"businessCasePhase": phase},
                                      label=f"business case {bc_id}", key=f"{self.agenda}:phase:{pid}:{bc_id}")
        raynet_dates(values)
        values["company.id"] = company
        values["businessCase.id"] = bc_id
        values["items"] = items

    def contract_for_pohoda_order(self, p: Mapping[str, Any], company: int) -> tuple[Link, dict]:
        """The contract a POHODA order is paired with: its own (R-R3), or the one it carries if no
        other order has it (R-R4)."""
        contracts = self.contracts
        pid = self.pohoda_id_of(p)
        number = contract_number(contracts.series, "P", pid)
        text = str(get_path(p, f"{HEADER}.text") or get_path(p, f"{HEADER}.number.numberRequested") or "")[:90]
        partner = get_path(p, f"{HEADER}.partnerIdentity.id")
        record = {"contractDesc": {"text": text or None, "dateStart": get_path(p, f"{HEADER}.date"),
                                   "partnerIdentity": {"id": partner}}}
        record["contractDesc"] = {k: v for k, v in record["contractDesc"].items() if v is not None}

        def with_id(link: Link) -> dict:
            out = {"contractDesc": {**record["contractDesc"], "id": link.pohoda_id}}
            return out

        own = self.ctx.state.find_link(contracts.agenda, pohoda_number=number)
        if own is not None and own.pohoda_id is not None:  # created for this order by an interrupted run
            self._claim(own.pohoda_id, POHODA, pid)
            return own, with_id(own)
        exported = self.exported_business_case(p)
        if exported is not None:  # imported from an `rpsync export` file: its business case's contract
            own = self.ctx.state.find_link(contracts.agenda, raynet_id=exported)
            if own is not None and own.pohoda_id is not None \
                    and self._owner_of(own.pohoda_id, side=POHODA, order_id=pid) is None:
                self._claim(own.pohoda_id, POHODA, pid)
                return own, with_id(own)
        carried = self._carried_contract(p)
        if carried is not None:
            c_link, c_record = carried
            owner = self._owner_of(c_link.pohoda_id, side=POHODA, order_id=pid)
            if owner is None:
                self._claim(c_link.pohoda_id, POHODA, pid)
                return c_link, c_record
            other = owner if isinstance(owner, str) else \
                f"POHODA order {owner.pohoda_number or owner.pohoda_id}"
            self.ctx.report.notes.append(
                f"received_orders: POHODA order {pohoda_number(self.pohoda_agenda, p) or pid} carries contract "
                f"{c_link.pohoda_number or c_link.pohoda_id}, which belongs to {other}; the newer order gets its "
                f"own contract {number} (R-R4). POHODA orders cannot be changed through XML: correct the order's "
                f"contract field in POHODA by hand")
        link = contracts.create_contract(record, number=number, partner=int(partner) if partner else None,
                                         label=f"contract {number} for order {pid}")
        self._claim(link.pohoda_id, POHODA, pid)
        return link, with_id(link)

    def exported_business_case(self, p: Mapping[str, Any]) -> int | None:
        """The business case an order imported from an ``rpsync export`` file was exported from (its extId)."""
        ext = get_path(p, f"{HEADER}.extId")
        for entry in ext if isinstance(ext, list) else [ext]:
            if isinstance(entry, Mapping) and entry.get("exSystemName") == self.ctx.mapping.pohoda.ext_system:
                match = re.fullmatch(EXPORT_EXT_ID.replace("{}", r"(\d+)"), str(entry.get("ids") or ""))
                if match:
                    return int(match.group(1))
        return None

    def _carried_contract(self, p: Mapping[str, Any]) -> tuple[Link, dict] | None:
        ref = get_path(p, f"{HEADER}.contract")
        if not isinstance(ref, Mapping) or not (ref.get("id") or ref.get("ids")):
            return None
        agenda = self.contracts.pohoda_agenda
        link = None
        if ref.get("id") is not None:
            link = self.ctx.state.find_link(self.contracts.agenda, pohoda_id=int(ref["id"]))
        if link is None and ref.get("ids"):
            link = self.ctx.state.find_link(self.contracts.agenda, pohoda_number=str(ref["ids"]))
        record = None
        if link is None or link.raynet_id is None:
            record = (self.ctx.pohoda.get(agenda, int(ref["id"])) if ref.get("id") is not None
                      else self.ctx.pohoda.find_by_number(agenda, str(ref["ids"])))
            if record is None:
                return None
            if link is None:
                link = self.contracts.save_link(None, pohoda_id(agenda, record), record)
        if record is None:
            record = {"contractDesc": {"id": link.pohoda_id,
                                       "partnerIdentity": {"id": get_path(p, f"{HEADER}.partnerIdentity.id")}}}
        return link, record

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        body = self._order_body({k: v for k, v in values.items() if k != "items"})
        api = self.ctx.raynet.sales_orders
        order_id = api.create(body, ext_id=ext_id)
        crashpoint(f"{self.agenda}:raynet-create:order-created")
        if values.get("items"):
            api.update(order_id, {"items": values["items"]})
        return order_id

    def _order_body(self, values: Mapping[str, Any]) -> dict:
        plain = {}
        body: dict[str, Any] = {}
        for path, value in values.items():
            if value is None or path == PHASE_PATH:
                continue
            if path == STATUS_PATH:
                body["salesOrderStatus"] = value
            elif path == "company.id":
                body["company"] = value
            elif path == "businessCase.id":
                body["businessCase"] = value
            else:
                plain[path] = value
        return {**body_from_values(self.raynet_entity, plain, self.key_for), **body}

    def update_raynet(self, raynet_id: int, values: dict[str, Any], current: Mapping[str, Any] | None) -> None:
        body = self._order_body(values)
        if body:
            self.ctx.raynet.sales_orders.update(raynet_id, body)
        if values.get(PHASE_PATH) is not None:
            bc_id = ref_id(get_path(current, "businessCase")) if current else None
            if bc_id is None:
                bc_id = ref_id(self.ctx.raynet.sales_orders.get(raynet_id).get("businessCase"))
            if bc_id is not None:
                self.ctx.raynet.business_cases.update(bc_id, {"businessCasePhase": values[PHASE_PATH]})

    # ====================================================== Raynet → POHODA
    def pohoda_document(self, values: dict[str, Any], raynet_record: Mapping[str, Any] | None,
                        link: Link | None) -> tuple[dict, dict[str, Any]]:
        """R-R5: the order with its items, its contract and its address-book record."""
        r = raynet_record or {}
        rid = int(r["id"])
        partner = self.docs.pohoda_partner(r.get("company"), what="order", rule="R-R1")
        foreign = self.foreign_of_raynet(r, "order")
        items = self.docs.items_to_pohoda(self.plan.item_bindings, r.get("items") or [], foreign=foreign,
                                          what="order")
        if self.contracts is None:
            raise Reject("the contracts agenda is off; orders need their business case's contract (R-R5, R-C4)",
                         field="agendas.contracts", rule="R-C4")
        bc_id = int(ref_id(r.get("businessCase")))
        contract = self.contracts.for_business_case(bc_id)
        owner = self._owner_of(contract.pohoda_id, side=RAYNET, order_id=rid)
        if owner is not None:
            other = owner if isinstance(owner, str) else f"Raynet order {owner.raynet_id}"
            raise Reject(f"business case {bc_id} already has an order in POHODA ({other}); one business case = "
                         "one order (R-Z1) — give this order its own business case in Raynet",
                         field="businessCase", rule="R-Z1")
        self._claim(contract.pohoda_id, RAYNET, rid)
        record = self.document_from_values(values)
        detail, item_name, _ = DETAILS[self.pohoda_agenda]
        if items:
            record[detail] = {item_name: items}
        series = self.plan.model.pohoda_series
        if series:
            record.setdefault(HEADER, {})["number"] = {"ids": series}
        self.summary_currency(record, foreign, r)
        ship_to = self.docs.default_delivery_address(int(ref_id(r.get("company"))))  # R-D3 hook
        if ship_to:
            record.setdefault(HEADER, {}).setdefault("partnerIdentity", {})["shipToAddress"] = [ship_to]
        context = {"partner": {"id": partner}, "contract": {"id": contract.pohoda_id}}
        return self.typed(record, lambda: self.label(RAYNET, r)), context

    # ==================================================== R-Z3 closing dates
    #: stage side of the closing-date facts read with the orders (invoice id -> date, number, linked orders)
    CLOSING = "closing_dates"
    #: shadow side (state) of the facts of invoices whose order was not linked when they were read: invoice id ->
    #: the facts with the orders still waiting. Looked at again every run, by state look-ups alone; the
    #: closing-date cursor does not wait for them (it did: one order never linked — quarantined for good, or
    #: outside the mapping's filter — made every later run re-read every invoice changed since). An invoice read
    #: again replaces its entry (or drops it: no date or order link any more). Known limit: an invoice deleted in
    #: POHODA is not read again, so its entry stays and still gives its date once its order is linked.
    CLOSING_WAITING = "closing_waiting"
    #: when the side read of the invoices went with the orders: the moment before it (the closing-date cursor)
    _closing_read_at: datetime | None = None

    def closing_dates_wanted(self) -> bool:
        contracts_model = self.ctx.mapping.agendas.contracts
        return bool(self.plan.runs(TO_RAYNET) and contracts_model.enabled and contracts_model.closing_date_from_invoice)

    def side_reads(self) -> list[SideRead]:
        """R-Z3: the issued invoices changed since the closing-date cursor go with the orders (a second item of
        their dataPack); what closing dates need of them is staged on disk for ``closing_dates`` after pairing
        (the orders they name may be linked only in this run's pairing)."""
        self._closing_read_at = None
        if not self.closing_dates_wanted():
            return []
        ctx = self.ctx
        raw = ctx.state.get_cursor(self.agenda, "issued_invoices")
        since = datetime.fromisoformat(raw) - POHODA_OVERLAP if raw else None
        started = ctx.now()   # before the request: the closing-date cursor once read (nothing changed later missed)

        state = ctx.state
        # an invoice read again without a date or an order link any more no longer waits (its old facts would set
        # a closing date it no longer gives); looked up only when something waits at all
        any_waiting = next(state.iter_shadows(self.agenda, self.CLOSING_WAITING), None) is not None

        def take(invoice: dict) -> None:
            facts = closing_facts(invoice)
            if facts is not None:
                self.stage.put(self.CLOSING, pohoda_id("issued_invoices", invoice), facts)
            elif any_waiting:
                state.delete_shadow(self.agenda, self.CLOSING_WAITING, str(pohoda_id("issued_invoices", invoice)))

        def done() -> None:
            self._closing_read_at = started

        return [SideRead(ctx.pohoda.changed_query("issued_invoices", since, invoice_type="issuedInvoice"), take, done)]

    def after_pairing(self) -> None:
        if self.closing_dates_wanted():
            self.closing_dates()

    def closing_dates(self) -> None:
        """R-Z3: business case ``validTill`` = issue date of the issued invoice linked to its order
        (the earliest, if several), of the invoices POHODA changed since the last run (read with the orders,
        ``side_reads``)."""
        ctx = self.ctx
        started = self._closing_read_at
        if started is None:   # no side read this run (it goes before pairing, with the orders or alone)
            return
        state = ctx.state
        for invoice_id, facts in self.stage.pending(self.CLOSING):
            self._closing_dates_of(invoice_id, facts)
        # the invoices read this run replaced what waited of them (above); the others are looked at again
        for invoice_id, facts in state.iter_shadows(self.agenda, self.CLOSING_WAITING):
            if not self.stage.has(self.CLOSING, invoice_id):
                self._closing_dates_of(invoice_id, facts, waited=True)
        # after the facts still waiting are saved: a run killed before this reads the same invoices again
        state.set_cursor(self.agenda, "issued_invoices", started.isoformat())

    def _closing_dates_of(self, invoice_id: str, facts: dict, *, waited: bool = False) -> None:
        """The closing dates of one invoice's linked orders; the orders not linked yet (quarantined, their
        write unconfirmed, not synced at all) wait in the state for a later run. Dates already written are
        not sent again."""
        state = self.ctx.state
        issued = date.fromisoformat(facts["date"])
        waiting = []
        for order_id, order_number in facts["orders"]:
            link = None
            if order_id is not None:
                link = state.find_link(self.agenda, pohoda_id=int(order_id))
            if link is None and order_number:
                link = state.find_link(self.agenda, pohoda_number=str(order_number))
            if link is None or link.raynet_id is None or link.pohoda_id is None:
                waiting.append([order_id, order_number])
                continue
            self._closing_date(link, issued, facts["number"])
        if waiting:
            if waiting != facts["orders"] or not waited:
                state.set_shadow(self.agenda, self.CLOSING_WAITING, invoice_id, {**facts, "orders": waiting})
        elif waited or state.get_shadow(self.agenda, self.CLOSING_WAITING, invoice_id) is not None:
            state.delete_shadow(self.agenda, self.CLOSING_WAITING, invoice_id)

    def rebind_commit(self, moved) -> None:
        """Besides the parent keys: the closing dates written (kept by order id) follow their orders into the new
        unit; the invoices waiting for their orders name the old unit's ids, so they are dropped and the
        closing-date cursor restarts (the next run reads the new unit's invoices whole, as every POHODA
        cursor after a rebind)."""
        super().rebind_commit(moved)
        state = self.ctx.state
        written = list(state.iter_shadows(self.agenda, "closing_date"))   # ids may swap: all out, then back in
        state.delete_shadows(self.agenda, "closing_date")
        for order_id, shadow in written:
            new = moved_id(self.agenda, int(order_id), moved)
            if new is not None:
                state.set_shadow(self.agenda, "closing_date", str(new), shadow)
        state.delete_shadows(self.agenda, self.CLOSING_WAITING)
        if state.get_cursor(self.agenda, "issued_invoices") is not None:
            state.set_cursor(self.agenda, "issued_invoices", None)

    def _closing_date(self, link: Link, issued: date, invoice_number: str | None) -> None:
        ctx = self.ctx
        before = ctx.state.get_shadow(self.agenda, "closing_date", str(link.pohoda_id)) or {}
        if before.get("date") and before["date"] <= issued.isoformat():
            return
        shadow = ctx.state.get_shadow(self.agenda, RAYNET, str(link.raynet_id)) or {}
        bc_id = ref_id(get_path(shadow, "businessCase"))
        if bc_id is None:
            return
        key = f"{self.agenda}:closing-date:{link.pohoda_id}:{issued.isoformat()}"
        if self.write_business_case(bc_id, {"validTill": issued}, key=key,
                                    label=f"business case {bc_id} (invoice {invoice_number or ''})".strip()):
            ctx.state.set_shadow(self.agenda, "closing_date", str(link.pohoda_id),
                                 {"date": issued.isoformat(), "invoice": invoice_number})

    def write_business_case(self, bc_id: int, body: dict[str, Any], *, label: str, key: str) -> bool:
        """A journaled update of a business case (R-Z2, R-Z3); counted under contracts → Raynet."""
        ctx = self.ctx
        if not ctx.may_write(key):
            return False
        counts = ctx.report.agenda("contracts", TO_RAYNET)
        if ctx.dry_run:
            ctx.plan("contracts", RAYNET, "update", label, key, body)
            counts.updated += 1
            return True
        intent = ctx.state.begin_intent(ctx.run_id, "contracts", RAYNET, "update", key, source_id=str(bc_id))
        try:
            ctx.raynet.business_cases.update(bc_id, {k: (v.isoformat() if isinstance(v, date) else v)
                                                     for k, v in body.items()})
        except RaynetNotFound:
            ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message="deleted in Raynet")
            ctx.report.notes.append(f"contracts: business case {bc_id} was deleted in Raynet; not updated (R-G3)")
            return False
        except RaynetError as exc:
            if isinstance(exc, QuotaExhausted) or exc.status in (401, 403):
                raise
            ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=str(exc))
            raise Reject(f"Raynet refused the change of business case {bc_id}: {exc.message}",
                         rule="raynet") from None
        ctx.state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(bc_id))
        counts.updated += 1
        return True

    # ======================================================== reconciliation
    def reconcile_create(self, intent) -> int | None:
        """By extId; an order created in Raynet whose items were not added yet gets them now (R-R3)."""
        found = super().reconcile_create(intent)
        if found is None or intent.target != RAYNET:
            return found
        order = self.ctx.raynet.sales_orders.get(found)
        link = self.ctx.state.find_link(self.agenda, raynet_id=found)
        bc_link = self.ctx.state.find_link("contracts", raynet_id=ref_id(order.get("businessCase")) or -1)
        if link is not None and bc_link is not None and bc_link.pohoda_id is not None and not link.parent_key:
            super().save_link(found, None, None, link, parent_key=f"contracts:{bc_link.pohoda_id}")
        if not order.get("items") and link is not None and link.pohoda_id is not None:
            p = self.ctx.pohoda.get(self.pohoda_agenda, int(link.pohoda_id))
            if p is not None and get_path(p, "orderDetail.orderItem"):
                foreign = self._foreign_of_pohoda(p)
                items = self.docs.items_to_raynet(self.plan.item_bindings, get_path(p, "orderDetail.orderItem"),
                                                  foreign=foreign, what="received order")
                self.ctx.raynet.sales_orders.update(found, {"items": items})
        return found
