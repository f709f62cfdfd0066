"""Business cases → POHODA received-order files, without a running POHODA (R-E1, R-E2, R-E3).

The CRM's own export (seeds/000): one business case becomes a ``.xph`` file, a
filtered list of them (the mapping's ``export.filter``, standard: won) one
``.xml`` file; importing the file in POHODA creates one received order per
business case. The file name carries the business-case code (``export.file_name``).

- The order's fields and items come from the mapping's ``received_orders``
  bindings, read over the business case (its name, dates, description, code,
  items). An item whose product code is a POHODA stock code is linked to stock
  (R-E2) — without POHODA at hand "a POHODA stock code" means a code the sync
  state knows from POHODA (stock the sync linked); any other item is a text item
  that keeps its code.
- The partner is the client's address-book record when the sync linked them,
  else the client's name, IČ, DIČ and address written out (POHODA's import
  wizard matches them against its address book).
- Every order carries the extId ``businessCase-<id>`` (``EXPORT_EXT_ID``), so
  importing the same business case twice is refused by POHODA, and the
  received-orders sync pairs the imported order with its business case instead
  of creating another one.
- Files are written through the files transport (atomically). What was written
  is recorded in the sync state (meta ``export:<dataPackItem id>``);
  ``read_responses`` reads POHODA's responsePack files back from the inbox and
  records each item's outcome (R-E3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from engine.errors import RpsyncError
from engine.mapping.model import Mapping as MappingModel
from engine.pohoda import render
from engine.pohoda.transport.files import FileTransport
from engine.raynet.entities import RaynetApi
from engine.raynet.errors import RaynetNotFound
from engine.state.store import StateStore
from engine.sync.compile import TransformError, compile_agenda, compile_expression
from engine.sync.context import SyncContext
from engine.sync.lookups import Lookups
from engine.sync.paths import get_path, set_path
from engine.sync.report import RunReport
from engine.sync.steps.base import Reject
from engine.sync.steps.documents import EXPORT_EXT_ID, DocumentSupport, ref_id

AGENDA = "received_orders"
META_ITEM = "export:item:"
META_PACK = "export:pack:"


@dataclass
class ExportProblem:
    """A business case that was not exported: which, which field, which rule, what to change."""

    business_case: str
    label: str
    field: str | None
    rule: str | None
    message: str


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    exported: list[dict[str, Any]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    problems: list[ExportProblem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 3 if self.problems else 0


@dataclass
class ResponseOutcome:
    file: str
    item: str
    business_case: str | None
    code: str | None
    status: str          # imported | refused | duplicate | unknown
    message: str
    pohoda_id: int | None = None
    number: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Exporter:
    def __init__(self, mapping: MappingModel, *, raynet: RaynetApi, state: StateStore, ico: str,
                 renderer: render.Renderer | None = None) -> None:
        from engine.sync.runner import renderer_for

        self.mapping = mapping
        self.raynet = raynet
        self.state = state
        self.ico = ico
        self.renderer = renderer or renderer_for(mapping)
        agenda = compile_agenda(mapping.agendas.received_orders, mapping)
        self.plan = agenda
        self.ctx = SyncContext(
            mapping=mapping, agendas={AGENDA: agenda}, state=state, raynet=raynet, pohoda=None,
            renderer=self.renderer, lookups=Lookups(raynet, state), report=RunReport(mapping=str(mapping.path)),
            run_id=0, ico=ico,
        )
        self.docs = DocumentSupport.of(self.ctx)
        tables = mapping.dsl_tables()
        self.filter = compile_expression(mapping.export.filter, tables)
        self.file_name = compile_expression(mapping.export.file_name, tables)

    # ------------------------------------------------------------ selection
    def select(self, ids: Sequence[int] | None) -> Iterable[tuple[str, dict | None, str | None]]:
        """(business case id, detail record or None, problem) of the business cases to export."""
        api = self.raynet.business_cases
        if ids:
            for bc_id in ids:
                try:
                    yield str(bc_id), api.get(int(bc_id)), None
                except RaynetNotFound:
                    yield str(bc_id), None, f"Raynet has no business case {bc_id}"
            return
        for record in api.list():
            try:
                wanted = self.filter is None or self.filter(record) is True
            except TransformError as exc:
                yield str(record["id"]), None, exc.message
                continue
            if wanted:
                yield str(record["id"]), api.get(int(record["id"])), None

    # ------------------------------------------------------------- one order
    def code_of(self, bc: dict) -> str:
        if self.file_name is not None:
            value = self.file_name(bc, field="export.file_name")
            if value not in (None, ""):
                return str(value)
        return str(bc.get("code") or bc["id"])

    def order_item(self, bc: dict) -> render.PackItem:
        """The received order of one business case, as a dataPackItem (R-E1, R-E2)."""
        label = f"business case {bc['id']} {bc.get('code') or ''} {bc.get('name') or ''}".strip()
        record: dict[str, Any] = {}
        for b in self.plan.bindings:
            if b.to_pohoda is not None and b.pohoda_path:
                value = b.to_pohoda(bc)
                if value is not None and value != "":
                    set_path(record, b.pohoda_path, value)
        if not bc.get("items"):
            raise Reject("the business case has no items; the received order it becomes needs them (R-R1) — "
                         "add its products in Raynet", field="items", rule="R-R1")
        foreign = self.docs.check_currency(self.docs.currency_iso(bc.get("currency")), what="business case",
                                           field="currency")
        items = self.docs.items_to_pohoda(self.plan.item_bindings, bc["items"], foreign=foreign,
                                          what="business case")
        record["orderDetail"] = {"orderItem": items}
        if foreign:
            record["orderSummary"] = {"foreignCurrency": {"currency": {"ids": foreign}}}
        series = self.mapping.agendas.received_orders.pohoda_series
        if series:
            record.setdefault("orderHeader", {})["number"] = {"ids": series}
        partner = self.partner(bc)
        company_id = ref_id(bc.get("company"))
        ship_to = self.docs.default_delivery_address(company_id) if company_id else None   # R-D3 hook
        if ship_to:
            record.setdefault("orderHeader", {}).setdefault("partnerIdentity", {})["shipToAddress"] = [ship_to]
        if "address" in partner:
            record.setdefault("orderHeader", {}).setdefault("partnerIdentity", {})["address"] = partner["address"]
        try:
            xml = self.renderer.render_document(AGENDA, record, action="add", ext_id=EXPORT_EXT_ID.format(bc["id"]),
                                                label=label, partner=partner if "id" in partner else None)
        except render.RenderError as exc:
            raise Reject(exc.message, field=exc.field, rule="R-G6") from None
        return render.PackItem(render.item_id(AGENDA, "add", EXPORT_EXT_ID.format(bc["id"])), xml, agenda=AGENDA,
                               label=label)

    def partner(self, bc: dict) -> dict:
        """The address-book record the sync linked the client to, else the client written out."""
        company_id = ref_id(bc.get("company"))
        if company_id is None:
            raise Reject("the business case has no client", field="company", rule="R-R1")
        link = self.state.find_link("address_book", raynet_id=company_id)
        if link is not None and link.pohoda_id is not None:
            return {"id": link.pohoda_id}
        company = self.raynet.companies.get(company_id)
        address = {
            "company": company.get("name"), "ico": company.get("regNumber"), "dic": company.get("taxNumber"),
            "street": get_path(company, "primaryAddress.address.street"),
            "city": get_path(company, "primaryAddress.address.city"),
            "zip": get_path(company, "primaryAddress.address.zipCode"),
            "phone": get_path(company, "primaryAddress.contactInfo.tel1"),
            "email": get_path(company, "primaryAddress.contactInfo.email"),
        }
        return {"address": {k: v for k, v in address.items() if v not in (None, "")}}

    # ----------------------------------------------------------------- run
    def export(self, transport: FileTransport, *, ids: Sequence[int] | None = None,
               again: bool = False) -> ExportResult:
        result = ExportResult()
        items: list[render.PackItem] = []
        entries: list[dict[str, Any]] = []
        for bc_id, bc, problem in self.select(ids):
            if bc is None:
                result.problems.append(ExportProblem(bc_id, f"business case {bc_id}", None, None, problem or ""))
                continue
            label = f"business case {bc_id} {bc.get('code') or ''}".strip()
            try:
                item = self.order_item(bc)
                code = self.code_of(bc)
            except (Reject, TransformError) as exc:
                result.problems.append(ExportProblem(bc_id, label, getattr(exc, "field", None),
                                                     getattr(exc, "rule", None), exc.message))
                continue
            previous = self._entry(item.id)
            if not ids and not again and previous and previous.get("status") in ("written", "imported"):
                result.already.append(f"{label} ({previous.get('file')}, {previous['status']})")
                continue
            items.append(item)
            entries.append({"business_case": bc_id, "code": code, "item": item.id, "label": label})
        if not items:
            return result
        pack_id = render.pack_id_for(i.id for i in items)
        pack = self.renderer.render_datapack(items, ico=self.ico, pack_id=pack_id,
                                             application=self.mapping.pohoda.application, note="rpsync export")
        path = transport.write(pack, codes=[e["code"] for e in entries], as_list=not ids)
        result.files.append(path)
        written = _now()
        with self.state.transaction():
            for entry in entries:
                entry.update(file=path.name, pack=pack_id, status="written", written_at=written)
                self.state.set_meta(META_ITEM + entry["item"], json.dumps(entry, ensure_ascii=False))
            self.state.set_meta(META_PACK + pack_id, json.dumps([e["item"] for e in entries]))
        result.exported = entries
        return result

    def _entry(self, item_id: str) -> dict | None:
        raw = self.state.get_meta(META_ITEM + item_id)
        return json.loads(raw) if raw else None


def read_responses(transport: FileTransport, state: StateStore) -> list[ResponseOutcome]:
    """R-E3: POHODA's responsePack files from the inbox: record each exported order's outcome, move the
    file to ``inbox/done/``."""
    outcomes: list[ResponseOutcome] = []
    for path, pack in transport.responses():
        items = list(pack.items)
        if not items:  # the whole pack was refused (wrong IČ, not XML …)
            ids = json.loads(state.get_meta(META_PACK + (pack.id or "")) or "[]")
            for item_id in ids:
                outcomes.append(_record(state, path, item_id, "refused", pack.note or "POHODA refused the file"))
            if not ids:
                outcomes.append(ResponseOutcome(path.name, pack.id or "", None, None, "unknown",
                                                pack.note or "POHODA refused the file"))
        for item in items:
            if item.duplicity:
                dup = item.duplicity[0]
                outcomes.append(_record(state, path, item.id, "duplicate",
                                        "imported before (POHODA's duplicity check)", dup.id, dup.number))
            elif item.ok:
                outcomes.append(_record(state, path, item.id, "imported", item.message(), item.produced_id,
                                        item.produced_number))
            else:
                outcomes.append(_record(state, path, item.id, "refused", item.message()))
        transport.done(path)
    return outcomes


def _record(state: StateStore, path: Path, item_id: str, status: str, message: str, pohoda_id: int | None = None,
            number: str | None = None) -> ResponseOutcome:
    raw = state.get_meta(META_ITEM + item_id)
    if raw is None:
        return ResponseOutcome(path.name, item_id, None, None, "unknown",
                               "not a dataPackItem rpsync exported (nothing recorded)")
    entry = json.loads(raw)
    entry.update(status=status, message=message, pohoda_id=pohoda_id, number=number, response=path.name,
                 answered_at=_now())
    state.set_meta(META_ITEM + item_id, json.dumps(entry, ensure_ascii=False))
    return ResponseOutcome(path.name, item_id, entry.get("business_case"), entry.get("code"), status, message,
                           pohoda_id, number)


class ExportError(RpsyncError):
    code = "E-EXPORT"
