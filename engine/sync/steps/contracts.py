"""Contracts ⇄ business cases (R-Z1 … R-Z5, R-C4).

- R-Z4: a Raynet business case goes to POHODA contracts when the mapping's
  ``trigger_to_pohoda`` turns true (standard: won).
- R-Z5: POHODA contracts cannot be updated through XML (contract.xsd has no
  actionType), so a contract is written once; afterwards its changes flow only
  POHODA → Raynet (the generic merge, with ``pohoda_updatable = False``).
- R-C4: rpsync creates contracts itself and pairs them with received orders and
  issued offers (``ContractsStep.for_business_case``, ``for_pohoda_order``); if
  the customer's contracts agenda is already used for other purposes the sync
  refuses to start (``preflight``).
- Contracts have no extId element (contract.xsd ``contractDescType``): rpsync
  requests a deterministic number in the mapping's ``pohoda_series``
  (``contract_number``) and finds an interrupted create again by that number
  (``reconcile_create``); ``numberRequested@checkDuplicity`` (default true) makes
  POHODA refuse a second contract with the same number.
"""

from __future__ import annotations

from typing import Any, Mapping

from engine.errors import RpsyncError
from engine.mapping.model import TO_POHODA, TO_RAYNET
from engine.pohoda import render
from engine.state.model import IntentStatus, Link
from engine.sync.crashpoints import crashpoint
from engine.sync.paths import get_path, set_path
from engine.sync.pohoda_gateway import Write, pohoda_id, pohoda_number
from engine.sync.raynet_records import body_from_values
from engine.sync.steps.base import POHODA, RAYNET, Reject, Skip, Step
from engine.sync.steps.documents import (
    DocumentSupport, contract_number, in_series, raynet_dates, ref_id, typed_pohoda,
)

#: series used when a mapping names none (the standard mapping says ZAK)
DEFAULT_SERIES = "ZAK"
HEADER = "contractDesc"


class ContractsInOtherUse(RpsyncError):
    """R-C4: the customer's contracts agenda is used for other purposes; the sync does not start."""

    code = "E-CONTRACTS-IN-USE"


class ContractsStep(Step):
    agenda = "contracts"
    raynet_entity = "businessCase"
    pohoda_agenda = "contracts"
    pohoda_updatable = False

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.docs = DocumentSupport.of(ctx)
        self.series = self.plan.model.pohoda_series or DEFAULT_SERIES
        #: extra values for business cases this step creates for a contract (phase, currency), by contract id
        self._bc_extra: dict[int, dict[str, Any]] = {}

    # ============================================================ description
    def explain_extra(self) -> list[str]:
        m = self.plan.model
        lines = [f"contracts rpsync creates are numbered {self.series}R<business case id> / "
                 f"{self.series}P<received order id> (R-C4; found again by number after a crash)",
                 "existing contracts are never updated; their changes flow to Raynet only (R-Z5)"]
        if self.plan.extra.get("trigger_to_pohoda"):
            lines.append(f"a business case becomes a contract when: {self.plan.extra['trigger_to_pohoda'].text} (R-Z4)")
        if m.phase_table is not None:
            lines.append(f"business-case phase follows the received order's state via table {m.phase_table.name} (R-Z2)")
        if m.closing_date_from_invoice:
            lines.append("closing date (validTill) = issue date of the issued invoice linked to the order (R-Z3)")
        return lines

    # ================================================================ R-C4
    @classmethod
    def preflight(cls, ctx) -> None:
        """R-C4: refuse to start when the customer's contracts agenda is used for other purposes.

        Checked when the agenda starts (no POHODA cursor yet): contracts outside
        the mapping's series that rpsync did not link and that no received order
        carries are someone else's use of the agenda.
        """
        plan = ctx.agendas.get(cls.agenda)
        if plan is None or ctx.state.get_cursor(cls.agenda, POHODA) is not None:
            return
        series = plan.model.pohoda_series or DEFAULT_SERIES
        foreign = []
        for record in ctx.pohoda.list(cls.pohoda_agenda):
            pid, number = pohoda_id(cls.pohoda_agenda, record), pohoda_number(cls.pohoda_agenda, record)
            if in_series(number, series) or ctx.state.find_link(cls.agenda, pohoda_id=pid) is not None:
                continue
            foreign.append((pid, number, get_path(record, f"{HEADER}.text")))
        if not foreign:
            return
        carried: set[str] = set()
        for order in ctx.pohoda.list("received_orders"):
            ref = get_path(order, "orderHeader.contract") or {}
            for key in ("id", "ids"):
                if isinstance(ref, Mapping) and ref.get(key) is not None:
                    carried.add(f"{key}:{ref[key]}")
        foreign = [f for f in foreign if f"id:{f[0]}" not in carried and f"ids:{f[1]}" not in carried]
        if not foreign:
            return
        examples = ", ".join(f"{number or pid} '{text or ''}'" for pid, number, text in foreign[:3])
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise ContractsInOtherUse(
            f"POHODA's contracts agenda is already used for other purposes: {len(foreign)} contract(s) outside "
            f"the series {series} that no received order carries ({examples}{more}). rpsync creates contracts "
            f"itself to pair received orders and offers with business cases (R-C4), so the sync does not start",
            hint="agree with the customer to close or renumber those contracts, or set agendas.contracts."
                 "pohoda_series to the series they use for orders' contracts, or switch the contracts, offers "
                 "and received_orders agendas off in the mapping")

    # ============================================================== keys
    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            return f"business case {record.get('id')} {record.get('code') or ''} {record.get('name') or ''}"\
                .strip().replace("  ", " ")
        number = pohoda_number(self.pohoda_agenda, record) or get_path(record, f"{HEADER}.id")
        return f"contract {number} {get_path(record, f'{HEADER}.text') or ''}".strip()

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        if "number" not in self.plan.model.match:
            return []
        value = record.get("code") if side == RAYNET else pohoda_number(self.pohoda_agenda, record)
        return [("number", str(value).strip().casefold())] if value else []

    def extra_shadow_paths(self, side: str) -> frozenset[str]:
        return frozenset({"company.id"}) if side == RAYNET else frozenset({f"{HEADER}.partnerIdentity.id"})

    # ============================================================ deciding
    def sync_pair(self, r: dict | None, p: dict | None, link: Link | None) -> None:
        if link is None and r is None and p is not None \
                and not in_series(pohoda_number(self.pohoda_agenda, p), self.series):
            # not rpsync's: a contract of the customer's own (allowed after the start check, R-C4)
            if self.plan.runs(TO_RAYNET):
                self.counts_to_r.skipped += 1
            return
        super().sync_pair(r, p, link)

    # ====================================================== Raynet → POHODA
    def create_in_pohoda(self, r: dict, link: Link | None = None) -> None:
        """R-Z4: a business case whose trigger is true becomes a POHODA contract (once, R-Z5)."""
        if not self.plan.runs(TO_POHODA):
            return
        trigger = self.plan.extra.get("trigger_to_pohoda")
        if trigger is not None and trigger(r) is not True:
            raise Skip()
        self.contract_for_business_case(r, link=link)

    def contract_document(self, bc: Mapping[str, Any]) -> tuple[dict, int]:
        """(contract record, POHODA partner id) of a business case."""
        partner = self.docs.pohoda_partner(bc.get("company"), what="business case", rule="R-Z4")
        record: dict[str, Any] = {}
        for path, value in self.pohoda_values(bc).items():
            if value is not None and value != "":
                set_path(record, path, value)
        return record, partner

    def contract_for_business_case(self, bc: Mapping[str, Any], *, link: Link | None = None) -> Link:
        """The business case's contract: the linked one, else a new one numbered <series>R<id> (R-Z4, R-C4)."""
        bc_id = int(bc["id"])
        link = link or self.ctx.state.find_link(self.agenda, raynet_id=bc_id)
        if link is not None and link.pohoda_id is not None:
            return link
        record, partner = self.contract_document(bc)
        return self.create_contract(record, number=contract_number(self.series, "R", bc_id), partner=partner,
                                    raynet_record=bc, link=link, label=self.label(RAYNET, bc))

    def for_business_case(self, bc_id: int) -> Link:
        """For offers and orders (R-C4, R-R5, R-O2): the contract of business case ``bc_id``, created if needed."""
        link = self.ctx.state.find_link(self.agenda, raynet_id=bc_id)
        if link is not None and link.pohoda_id is not None:
            return link
        bc = self.ctx.raynet.business_cases.get(bc_id)
        return self.contract_for_business_case(bc, link=link)

    def create_contract(self, record: dict, *, number: str, partner: int | None, label: str,
                        raynet_record: Mapping[str, Any] | None = None, link: Link | None = None) -> Link:
        """Write one contract now (journaled; found again by its number after a crash) and link it."""
        ctx = self.ctx
        existing = ctx.state.find_link(self.agenda, pohoda_number=number)
        if existing is not None and existing.pohoda_id is not None:
            return existing
        record = dict(record)
        set_path(record, f"{HEADER}.number", {"numberRequested": number})
        try:
            record = typed_pohoda(self.pohoda_agenda, record, label=label)
        except render.RenderError as exc:
            raise Reject(exc.message, field=getattr(exc, "field", None), rule="R-G6") from None
        raynet_id = int(raynet_record["id"]) if raynet_record is not None else None
        try:
            xml = ctx.renderer.render_document(self.pohoda_agenda, record, action="add", label=label,
                                               partner={"id": partner} if partner is not None else None)
        except render.RenderError as exc:
            raise Reject(exc.message, field=getattr(exc, "field", None), rule="R-G6") from None
        key = f"{self.agenda}:create-pohoda:{number}"
        if not ctx.may_write(key):
            raise Skip()
        if ctx.dry_run:
            pid = ctx.fake_id()
            ctx.plan(self.agenda, POHODA, "create", label, key, {"number": number, **self.pohoda_values_of(record)})
        else:
            intent = ctx.state.begin_intent(ctx.run_id, self.agenda, POHODA, "create", key,
                                            source_id=str(raynet_id) if raynet_id is not None else None,
                                            ext_id=number)
            crashpoint(f"{self.agenda}:pohoda:journaled")
            write = Write(item_id=render.item_id(self.agenda, "add", number), xml=xml, agenda=self.agenda,
                          label=label, key=key)
            [result] = list(ctx.pohoda.write([write]))
            pid = result.produced_id or result.duplicate_of
            if not (result.ok or result.duplicate_of is not None):
                found = ctx.pohoda.find_by_number(self.pohoda_agenda, number)
                if found is None:
                    ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=result.message)
                    raise Reject(f"POHODA refused the contract {number}: {result.message}", rule="pohoda")
                pid = pohoda_id(self.pohoda_agenda, found)  # ours, from an interrupted run
            crashpoint(f"{self.agenda}:pohoda:answered")
        with ctx.state.transaction():
            if not ctx.dry_run:   # the outcome and the link together: a crash leaves the intent pending
                ctx.state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(pid))
            link = self.save_link(raynet_id, pid, {HEADER: {"number": {"numberRequested": number}}}, link)
            self.store_shadows(link, raynet_record, record)
            if raynet_id is not None:
                ctx.state.release(self.agenda, RAYNET, str(raynet_id))
        crashpoint(f"{self.agenda}:pohoda:linked")
        self.counts_to_p.created += 1
        return link

    @staticmethod
    def pohoda_values_of(record: Mapping[str, Any]) -> dict[str, Any]:
        desc = record.get(HEADER) or {}
        return {f"{HEADER}.{k}": v for k, v in desc.items() if not isinstance(v, Mapping)}

    # ====================================================== POHODA → Raynet
    def business_case_for(self, link: Link, contract: Mapping[str, Any], **extra: Any) -> int:
        """R-R3: the Raynet business case of a contract rpsync paired with a received order (created if
        needed, with ``extra`` values such as the phase R-Z2 or the currency R-G5)."""
        if link.raynet_id is not None:
            return int(link.raynet_id)
        if not self.plan.runs(TO_RAYNET):
            raise Reject("the mapping does not run contracts to Raynet, so no business case can be created "
                         "for this order (R-R3)", field="agendas.contracts.direction", rule="R-R3")
        self._bc_extra[int(link.pohoda_id)] = {k: v for k, v in extra.items() if v is not None}
        self.create_in_raynet(dict(contract), link=link)
        found = self.ctx.state.find_link(self.agenda, pohoda_id=int(link.pohoda_id))
        if found is None or found.raynet_id is None:
            raise Skip()
        return int(found.raynet_id)

    def before_raynet_create(self, values: dict[str, Any], p: dict) -> None:
        raynet_dates(values)

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        company = self.docs.raynet_company(pohoda_record, HEADER, what="contract")
        body = body_from_values(self.raynet_entity, {k: v for k, v in values.items() if v is not None},
                                self.key_for)
        body["company"] = company
        pid = pohoda_id(self.pohoda_agenda, pohoda_record)
        extra = self._bc_extra.pop(int(pid), {}) if pid is not None else {}
        fallback = extra.pop("name_fallback", None)
        body.update(extra)
        if not str(body.get("name") or "").strip():  # Raynet requires a name; a contract may have no text
            body["name"] = fallback or f"Zakázka {pohoda_number(self.pohoda_agenda, pohoda_record) or pid}"
        return self.entity_api().create(body, ext_id=ext_id)

    # ======================================================== reconciliation
    def reconcile_create(self, intent) -> int | None:
        """A contract create is found by the number it requested (contracts carry no extId)."""
        if intent.target == RAYNET:
            return super().reconcile_create(intent)
        record = self.ctx.pohoda.find_by_number(self.pohoda_agenda, intent.ext_id)
        if record is None:
            return None
        pid = pohoda_id(self.pohoda_agenda, record)
        link = self.ctx.state.find_link(self.agenda, raynet_id=int(intent.source_id)) if intent.source_id else None
        link = self.save_link(int(intent.source_id) if intent.source_id else None, pid, record, link)
        self.store_shadows(link, None, record)   # what POHODA holds stands as its shadow (see Step)
        return pid


__all__ = ["ContractsInOtherUse", "ContractsStep", "DEFAULT_SERIES", "ref_id"]
