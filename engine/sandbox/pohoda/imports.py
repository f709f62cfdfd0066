"""The simulator's XML processing: a dataPack in, a responsePack out, as POHODA does.

Behaviour and its sources (facts notes = ../shared/notes/pohoda-xml-facts.md):

- The document is first checked against the schema, the envelope first, then
  each dataPackItem; problems are reported per item in importDetails (facts §7,
  STORMWARE "cleneni-skladu" page). An envelope error fails the whole pack.
- ``dataPack@ico`` must match the accounting unit's IČ (data.xsd doc).
- dataPack/dataPackItem ids are checked for duplicity; a repeated pair answers
  the item with ``rsp:errorDetail/rsp:recordDuplicity`` (response.xsd, "Kontrola
  duplicity dávek"). POHODA makes this an option; the sandbox always checks.
- Only the address book and stock have ``actionType`` update/delete; orders have
  add/delete (the XSD's update is commented out); offers, invoices and contracts
  are create-only (facts §3; R-Z5, R-O3, R-R6, R-F4).
- ``numberRequested@checkDuplicity`` true: an existing number is an error; false:
  the number is adjusted and a warning written (type.xsd doc).
- Unique stock codes within a warehouse (R-C2; ``Store.stock_by_code``); address fields required and ``www`` at most 32
  characters (R-A2: the integration's documented limit, seeds/001; POHODA's SQL
  column ``AD.WWW`` is varchar(32) per [GH:Spoje-NET/PohodaSQL templates/AD.php],
  while the 2025 XSD allows 96 for ``web``).
- A document linked to an address-book record (``partnerIdentity/typ:id``) takes
  that record's address when it brings none (STORMWARE example invoice_01,
  "adresa s vazbou na adresář"). Unknown references (address, contract, stock
  code, source document) are errors — inferred, not documented.
- ``lwl:liquidationWithoutLink`` pays an issued invoice (a liquidation without
  link, liquidationWithoutLink.xsd); see ``liquidations.py`` (R-F5).
- Messages are the sandbox's own wording (POHODA's texts and errno values are
  not public); tests rely on states, XPaths and produced ids, not on texts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine import catalogs, xmlsafe
from engine.pohoda import render
from engine.pohoda.lists import ListError, record_from_element
from engine.pohoda.render import escape_attr, escape_text
from engine.pohoda.xsd import Validator, readable
from engine.sandbox.pohoda import exports
from engine.sandbox.pohoda.common import HEADER
from engine.sandbox.pohoda.common import child as _child
from engine.sandbox.pohoda.common import get as _get
from engine.sandbox.pohoda.common import text as _text
from engine.sandbox.pohoda.liquidations import LiquidationError, liquidate
from engine.sandbox.pohoda.common import warehouse_of
from engine.sandbox.pohoda.faults import LOCKED_NOTE, WARNING_NOTE, PohodaFaults
from engine.sandbox.pohoda.store import Store

NS = render.NS_BASE
DAT = f"{NS}data.xsd"
FTR = f"{NS}filter.xsd"
TYP = f"{NS}type.xsd"

#: import element -> agenda
IMPORT_AGENDAS = {
    (f"{NS}addressbook.xsd", "addressbook"): "address_book",
    (f"{NS}order.xsd", "order"): "received_orders",
    (f"{NS}offer.xsd", "offer"): "offers",
    (f"{NS}invoice.xsd", "invoice"): "issued_invoices",
    (f"{NS}contract.xsd", "contract"): "contracts",
    (f"{NS}stock.xsd", "stock"): "stock",
    (f"{NS}liquidationWithoutLink.xsd", "liquidationWithoutLink"): "payments",
}
DETAIL = {"received_orders": ("orderDetail", "orderItem"), "offers": ("offerDetail", "offerItem"),
          "issued_invoices": ("invoiceDetail", "invoiceItem")}
RESPONSE = {
    "address_book": ("adb", "addressbookResponse"), "received_orders": ("ord", "orderResponse"),
    "offers": ("ofr", "offerResponse"), "issued_invoices": ("inv", "invoiceResponse"),
    "contracts": ("con", "contractResponse"), "stock": ("stk", "stockItemResponse"),
    "payments": ("lwl", "liquidationWithoutLinkResponse"),
}
#: response prefixes the responsePack does not declare (render.NAMESPACES has the document agendas only)
EXTRA_NS = {"lwl": f"{NS}liquidationWithoutLink.xsd"}
#: ftr:printAgendaType names for rsp:recordDuplicity
PRINT_AGENDA = {
    "address_book": "adresar", "received_orders": "prijate_objednavky", "offers": "vydane_nabidky",
    "issued_invoices": "vydane_faktury", "contracts": "zakazky", "stock": "zasoby",
    "payments": "vydane_faktury",  # printAgendaType has no liquidation agenda: the liquidated invoices'
}
#: number series prefixes used when a document asks for none (POHODA's own depend on its settings)
SERIES = {
    "received_orders": "OP", "offers": "NV", "contracts": "ZAK", "issuedInvoice": "FV",
    "issuedAdvanceInvoice": "ZF", "issuedCorrectiveTax": "OD", "issuedCreditNotice": "DB",
}
#: agendaType of links -> sandbox agenda
LINK_AGENDAS = {"receivedOrder": "received_orders", "issuedOffer": "offers", "issuedInvoice": "issued_invoices",
                "issuedAdvanceInvoice": "issued_invoices"}


class ItemError(Exception):
    """One dataPackItem fails; the transaction of that item is rolled back."""

    def __init__(self, note: str, xpath: str | None = None) -> None:
        super().__init__(note)
        self.note = note
        self.xpath = xpath


@dataclass
class ItemResult:
    id: str
    state: str = "ok"
    agenda: str | None = None
    details: list[tuple[str, str, str | None]] = field(default_factory=list)  # (state, note, xpath)
    produced_id: int | None = None
    produced_number: str | None = None
    action: str | None = None
    list_xml: str | None = None
    duplicity: tuple | None = None
    note: str | None = None


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


class Importer:
    def __init__(self, store: Store, *, validator: Validator | None, ico: str, www_limit: int = 32,
                 check_duplicity: bool = True, faults: PohodaFaults | None = None) -> None:
        self.store = store
        self.faults = faults or PohodaFaults()
        #: import items of the last dataPack that were imported (the server drops a connection only after those)
        self.last_imported = 0
        self.validator = validator
        self.ico = ico
        self.www_limit = www_limit
        self.check_duplicity = check_duplicity

    def _convert(self, agenda: str, elem) -> dict:
        return record_from_element(agenda, elem)

    # -- the pack ----------------------------------------------------------------
    def process(self, data: bytes) -> bytes:
        try:
            root = xmlsafe.parse_bytes(data, what="dataPack")
        except xmlsafe.XmlTooLargeError as exc:
            return self._pack_error("", exc.message)
        except (xmlsafe.MalformedXmlError, xmlsafe.UnsafeXmlError) as exc:
            return self._pack_error("", exc.message)
        pack_id = root.get("id") or ""
        if root.tag != _q(DAT, "dataPack"):
            return self._pack_error(pack_id, "the document is not a dat:dataPack")
        items = [el for el in root if el.tag == _q(DAT, "dataPackItem")]
        item_errors: dict[int, list[str]] = {}
        if self.validator is not None:
            schema = self.validator.schema("data")
            if not schema.validate(root):
                envelope = []
                starts = [el.sourceline for el in items]
                for err in schema.error_log:
                    idx = max((i for i, line in enumerate(starts) if line <= err.line), default=None)
                    message = readable(err.message)
                    if idx is None or err.line == root.sourceline:
                        envelope.append(f"line {err.line}: {message}")
                    else:
                        item_errors.setdefault(idx, []).append(f"line {err.line}: {message}")
                if envelope:
                    return self._pack_error(pack_id, "the XML document does not match the schema: " + envelope[0])
        ico = root.get("ico")
        if not ico:
            return self._pack_error(pack_id, f"dataPack has no ico; this accounting unit is IČ {self.ico}")
        if ico != self.ico:
            return self._pack_error(pack_id, f"IČ {ico} does not match the opened accounting unit (IČ {self.ico})")
        results = []
        seen: set[str] = set()
        for idx, item in enumerate(items):
            results.append(self._item(pack_id, idx, item, item_errors.get(idx), seen))
        self.last_imported = sum(1 for r in results if r.state == "ok" and r.agenda is not None)
        state = "ok" if all(r.state == "ok" for r in results) else "error"
        note = None if self.validator is not None else "XSD checks are off (no XSD folder configured)"
        return self._pack(pack_id, state, results, note)

    def _item(self, pack_id: str, idx: int, item, xsd_errors, seen: set[str]) -> ItemResult:
        iid = item.get("id") or ""
        body = next((c for c in item if isinstance(c.tag, str)), None)
        key = (etree.QName(body).namespace, etree.QName(body).localname) if body is not None else None
        agenda = IMPORT_AGENDAS.get(key) if key else None
        result = ItemResult(iid, agenda=agenda)
        if iid in seen:
            result.state, result.note = "error", f"dataPackItem id {iid} appears twice in this dataPack"
            return result
        seen.add(iid)
        if xsd_errors:
            result.state = "error"
            result.details = [("error", msg, f"/dat:dataPack/dat:dataPackItem[{idx + 1}]") for msg in xsd_errors]
            return result
        if body is None:
            result.state, result.note = "error", "empty dataPackItem"
            return result
        if key in exports.LIST_REQUESTS:
            result.agenda = None
            try:
                result.list_xml = exports.answer(self.store, body)
            except exports.ExportError as exc:
                result.state, result.note = "error", str(exc)
            return result
        if agenda is None:
            result.state, result.note = "error", f"the sandbox does not simulate <{etree.QName(body).localname}>"
            return result
        if self.check_duplicity:
            previous = self.store.seen_import(pack_id, iid)
            if previous:
                prev_agenda, rid, number, date = previous
                result.state = "error"
                result.duplicity = (PRINT_AGENDA.get(prev_agenda, "adresar"), date, rid, number)
                return result
        base = f"/dat:dataPack/dat:dataPackItem[{idx + 1}]/{_prefix(agenda)}:{etree.QName(body).localname}"
        if self.faults.take_item_error():
            result.state = "error"
            result.details.append(("error", LOCKED_NOTE, base))
            return result
        try:
            with self.store.transaction():
                handler = getattr(self, f"_do_{agenda}")
                handler(body, result, base)
                self.store.remember_import(pack_id, iid, agenda, result.produced_id, result.produced_number)
            if self.faults.take_warning():
                result.details.append(("warning", WARNING_NOTE, base))
        except ItemError as exc:
            result.state = "error"
            result.details.append(("error", exc.note, exc.xpath or base))
            result.produced_id = result.produced_number = None
        except ListError as exc:  # a wrongly typed value when XSD checks are off
            result.state = "error"
            result.details.append(("error", exc.message, base))
        return result

    # -- helpers -------------------------------------------------------------------
    def _xpath(self, base: str, agenda: str, path: str) -> str:
        cat = catalogs.load("pohoda", agenda)
        parts, acc = [], []
        for seg in path.split("."):
            acc.append(seg)
            info = cat.lookup(".".join(acc)) or cat.lookup(".".join(acc) + "[]")
            name = seg.split("[")[0]
            parts.append(f"{info.ns}:{name}" if info and info.ns else name)
        return base + "/" + "/".join(parts)

    def _incoming(self, agenda: str, body) -> tuple[str, Any, dict]:
        """(action, actionType operation element, the record without its actionType)."""
        action, op = self._action(body)
        record = self._convert(agenda, body)
        record.pop("actionType", None)
        return action, op, record

    @staticmethod
    def _action(body) -> tuple[str, Any]:
        at = _child(body, "actionType")
        if at is None:
            return "add", None
        op = next((c for c in at if isinstance(c.tag, str)), None)
        if op is None:
            return "add", None
        return etree.QName(op).localname, op

    def _filter(self, op) -> dict:
        """ftr:filter of an actionType operation -> {"id": …, "extId": (system, ids), "code": …, …}."""
        out: dict = {}
        flt = _child(op, "filter") if op is not None else None
        if flt is None:
            return out
        for c in flt:
            if not isinstance(c.tag, str):
                continue
            name = etree.QName(c).localname
            if name == "extId":
                out["extId"] = ((_text(c, "exSystemName") or ""), (_text(c, "ids") or ""))
            elif name in ("id",):
                out["id"] = int((c.text or "0").strip())
            else:
                out[name] = (c.text or "").strip()
        return out

    def _find(self, agenda: str, flt: dict) -> int | None:
        if not flt:
            return None
        candidates = None
        if "id" in flt:
            candidates = {flt["id"]} if self.store.get(agenda, flt["id"]) else set()
        if "extId" in flt:
            found = self.store.find_ext(agenda, *flt["extId"])
            found_set = {found} if found else set()
            candidates = found_set if candidates is None else candidates & found_set
        for key, path in (("code", "stockHeader.code"), ("ico", "addressbookHeader.identity.address.ico"),
                          ("company", "addressbookHeader.identity.address.company"),
                          ("name", "addressbookHeader.identity.address.name")):
            if key in flt:
                ids = {s.id for s in self.store.iter(agenda) if _get(s.record, path) == flt[key]}
                candidates = ids if candidates is None else candidates & ids
        if not candidates:
            return None
        return min(candidates)

    def _link_ext_ids(self, agenda: str, rid: int, pairs: list[tuple[str, str]], xpath: str) -> None:
        for system, ids in pairs:
            other = self.store.find_ext(agenda, system, ids)
            if other is not None and other != rid:
                # inferred: POHODA's SExtID link table maps one external id to one record of an agenda
                raise ItemError(f"external id {ids} of system {system} already belongs to record {other}", xpath)
        for system, ids in pairs:
            self.store.link_ext_id(agenda, rid, system, ids)

    # -- address book ------------------------------------------------------------------
    def _do_address_book(self, body, result: ItemResult, base: str) -> None:
        agenda = "address_book"
        action, op, record = self._incoming(agenda, body)
        header = record.setdefault("addressbookHeader", {})
        identity = header.setdefault("identity", {})
        ext_pairs = [(e.get("exSystemName", ""), e.get("ids", "")) for e in identity.pop("extId", [])]
        flt = self._filter(op)
        target = None
        if action in ("update", "delete") or (action == "add" and flt):
            target = self._find(agenda, flt)
        if action == "delete":
            if target is None:
                raise ItemError("no address-book record matches the filter", f"{base}/adb:actionType")
            self.store.delete(agenda, target)
            result.produced_id, result.action = target, "delete"
            return
        add_attrs = op.attrib if op is not None else {}
        if action == "update" or (action == "add" and target is not None and add_attrs.get("update") == "true"):
            if target is None:
                raise ItemError("no address-book record matches the filter", f"{base}/adb:actionType")
            stored = self.store.get(agenda, target)
            merged = _merge_address_book(stored.record, record)
            rid, result.action = target, "update"
        elif action == "add" and target is not None:
            raise ItemError("the record already exists (the filter found it) and update is not allowed",
                            f"{base}/adb:actionType")
        elif action == "add":
            rid, merged, result.action = self.store.next_id(agenda), record, "add"
        else:
            raise ItemError(f"unknown actionType {action}", f"{base}/adb:actionType")
        merged["addressbookHeader"]["id"] = rid
        self._address_rules(merged, base)
        self.store.number_ship_to(merged)
        self.store.put(agenda, rid, merged, number=_get(merged, "addressbookHeader.number.numberRequested"))
        self._link_ext_ids(agenda, rid, ext_pairs, f"{base}/adb:addressbookHeader/adb:identity/typ:extId")
        result.produced_id = rid

    def _address_rules(self, record: dict, base: str) -> None:
        agenda = "address_book"
        header = record["addressbookHeader"]
        address = _get(header, "identity.address") or {}
        ref = header.get("refAddress")
        x = lambda p: self._xpath(base, agenda, p)  # noqa: E731
        if ref:
            main_id = ref.get("refAD")
            if main_id is None and ref.get("extId"):
                ext = ref["extId"]
                main_id = self.store.find_ext(agenda, ext.get("exSystemName", ""), ext.get("ids", ""))
            if main_id is None or self.store.get(agenda, main_id) is None:
                raise ItemError("the main address of this contact person does not exist",
                                x("addressbookHeader.refAddress"))
            header["refAddress"] = {"refAD": main_id}
            if not (address.get("name") or address.get("company")):
                raise ItemError("a contact person needs a name", x("addressbookHeader.identity.address.name"))
        else:
            # R-A2: name (company or person), street, postal code and city are required
            if not (address.get("company") or address.get("name")):
                raise ItemError("the company or person name is required (R-A2)",
                                x("addressbookHeader.identity.address.company"))
            for fld in ("street", "zip", "city"):
                if not address.get(fld):
                    raise ItemError(f"{fld} is required (R-A2)", x(f"addressbookHeader.identity.address.{fld}"))
        web = header.get("web")
        if web and len(web) > self.www_limit:
            raise ItemError(f"www is {len(web)} characters; at most {self.www_limit} are allowed (R-A2)",
                            x("addressbookHeader.web"))

    # -- stock ----------------------------------------------------------------------
    def _do_stock(self, body, result: ItemResult, base: str) -> None:
        agenda = "stock"
        action, op, record = self._incoming(agenda, body)
        header = record.setdefault("stockHeader", {})
        ext = header.pop("extId", None)
        ext_pairs = [(ext.get("exSystemName", ""), ext.get("ids", ""))] if ext else []
        flt = self._filter(op)
        code_xpath = self._xpath(base, agenda, "stockHeader.code")
        if action == "add":
            rid = self.store.next_id(agenda)
            merged = record
        elif action in ("update", "delete"):
            rid = self._find(agenda, flt)
            if rid is None:
                raise ItemError("no stock item matches the filter", f"{base}/stk:actionType")
            if action == "delete":
                self.store.delete(agenda, rid)
                result.produced_id, result.action = rid, "delete"
                return
            merged = _deep_merge(self.store.get(agenda, rid).record, record)
        else:
            raise ItemError(f"unknown actionType {action}", f"{base}/stk:actionType")
        code = _get(merged, "stockHeader.code")
        if not code:
            raise ItemError("a stock item needs a code", code_xpath)
        other = self.store.stock_by_code(code, warehouse_of(merged))
        if other is not None and other.id != rid:
            raise ItemError(f"the stock code {code} is already used by stock item {other.id} (R-C2)", code_xpath)
        merged["stockHeader"]["id"] = rid
        self.store.put(agenda, rid, merged, code=code)
        self._link_ext_ids(agenda, rid, ext_pairs, f"{base}/stk:stockHeader/stk:extId")
        result.produced_id, result.action = rid, action

    # -- documents (create only) ------------------------------------------------------------
    def _document(self, agenda: str, body, result: ItemResult, base: str) -> None:
        action, op = self._action(body)
        prefix = _prefix(agenda)
        if action == "update" or (action == "delete" and agenda != "received_orders"):
            rule = {"received_orders": "R-R6", "offers": "R-O3", "issued_invoices": "R-F4", "contracts": "R-Z5"}[agenda]
            raise ItemError(f"POHODA cannot {action} an existing {agenda.replace('_', ' ')[:-1]} through XML ({rule})",
                            f"{base}/{prefix}:actionType")
        if action == "delete":
            flt = self._filter(op)
            rid = self._find(agenda, flt)
            if rid is None:
                raise ItemError("no document matches the filter", f"{base}/{prefix}:actionType")
            self.store.delete(agenda, rid)
            result.produced_id, result.action = rid, "delete"
            return
        record = self._convert(agenda, body)
        record.pop("actionType", None)
        hname = HEADER[agenda]
        header = record.setdefault(hname, {})
        x = lambda p: self._xpath(base, agenda, p)  # noqa: E731
        ext = header.pop("extId", None) if agenda != "contracts" else None
        ext_pairs = [(ext.get("exSystemName", ""), ext.get("ids", ""))] if ext else []
        kind = {
            "received_orders": header.get("orderType") or "receivedOrder",
            "offers": header.get("offerType") or "issuedOffer",
            "issued_invoices": header.get("invoiceType") or "issuedInvoice",
            "contracts": None,
        }[agenda]
        self._link_partner(header, x(f"{hname}.partnerIdentity"))
        contract = header.get("contract")
        if contract and agenda != "contracts":
            self._resolve("contracts", contract, x(f"{hname}.contract"), "contract")
        if agenda in DETAIL:
            detail, item_name = DETAIL[agenda]
            for i, item in enumerate(_get(record, f"{detail}.{item_name}") or []):
                ref = _get(item, "stockItem.stockItem")
                if ref:
                    where = x(f"{detail}.{item_name}") + f"[{i + 1}]/{prefix}:stockItem"
                    stock = self._resolve_stock(ref, where)
                    item["stockItem"]["stockItem"] = {"id": stock.id, "ids": stock.code}
                    item.setdefault("code", stock.code)
        source = _get(record, "correctiveDocument.sourceDocument")
        if source:
            self._resolve("issued_invoices", source, x("correctiveDocument.sourceDocument"), "source invoice")
        for kind_name in ("link", "manualLink"):
            for link in _get(record, f"links.{kind_name}") or []:
                target = LINK_AGENDAS.get(link.get("sourceAgenda"))
                if target:
                    self._resolve(target, link.get("sourceDocument") or {}, x(f"links.{kind_name}"), "linked document")
        rid = self.store.next_id(agenda)
        number = self._number(agenda, kind, header.get("number") or {}, x(f"{hname}.number"), result)
        header["id"] = rid
        header["number"] = {"numberRequested": number}
        self.store.put(agenda, rid, record, number=number, kind=kind)
        if ext_pairs:
            self._link_ext_ids(agenda, rid, ext_pairs, x(f"{hname}.extId"))
        result.produced_id, result.produced_number, result.action = rid, number, "add"

    _do_received_orders = lambda self, b, r, base: self._document("received_orders", b, r, base)  # noqa: E731
    _do_offers = lambda self, b, r, base: self._document("offers", b, r, base)  # noqa: E731
    _do_issued_invoices = lambda self, b, r, base: self._document("issued_invoices", b, r, base)  # noqa: E731
    _do_contracts = lambda self, b, r, base: self._document("contracts", b, r, base)  # noqa: E731

    # -- liquidations (payments, R-F5) ---------------------------------------------------------
    def _do_payments(self, body, result: ItemResult, base: str) -> None:
        try:
            lid, _, _ = liquidate(self.store, body)
        except LiquidationError as exc:
            raise ItemError(exc.note, f"{base}/{exc.where}" if exc.where else base) from None
        result.produced_id, result.action = lid, "add"

    def _link_partner(self, header: dict, xpath: str) -> None:
        identity = header.get("partnerIdentity")
        if not identity:
            return
        rid = identity.get("id")
        for ext in identity.pop("extId", []) or []:
            found = self.store.find_ext("address_book", ext.get("exSystemName", ""), ext.get("ids", ""))
            if found is None:
                raise ItemError(f"no address-book record has the external id {ext.get('ids')}", xpath)
            rid = found
        if rid is None:
            return
        stored = self.store.get("address_book", rid)
        if stored is None:
            raise ItemError(f"the address-book record {rid} does not exist", xpath)
        identity["id"] = rid
        if "address" not in identity:
            address = _get(stored.record, "addressbookHeader.identity.address")
            if address:
                identity["address"] = copy.deepcopy(address)

    def _resolve(self, agenda: str, ref: dict, xpath: str, what: str):
        found = None
        if ref.get("id") is not None:
            found = self.store.get(agenda, int(ref["id"]))
        elif ref.get("ids") or ref.get("number"):
            found = self.store.by_number(agenda, str(ref.get("ids") or ref.get("number")))
        elif ref.get("extId"):
            e = ref["extId"]
            rid = self.store.find_ext(agenda, e.get("exSystemName", ""), e.get("ids", ""))
            found = self.store.get(agenda, rid) if rid else None
        if found is None:
            raise ItemError(f"the {what} {ref.get('id') or ref.get('ids') or ref.get('number') or ''} does not exist",
                            xpath)
        ref.clear()
        ref.update({"id": found.id} if agenda != "contracts" else {"id": found.id, "ids": found.number})
        return found

    def _resolve_stock(self, ref: dict, xpath: str):
        found = None
        if ref.get("id") is not None:
            found = self.store.get("stock", int(ref["id"]))
        elif ref.get("ids"):
            found = self.store.by_code("stock", ref["ids"])
        elif ref.get("extId"):
            e = ref["extId"]
            rid = self.store.find_ext("stock", e.get("exSystemName", ""), e.get("ids", ""))
            found = self.store.get("stock", rid) if rid else None
        if found is None:
            raise ItemError(f"no stock item with code {ref.get('ids') or ref.get('id')}", xpath)
        return found

    def _number(self, agenda: str, kind: str | None, number: dict, xpath: str, result: ItemResult) -> str:
        requested = number.get("numberRequested")
        check = number.get("numberRequested@checkDuplicity", True)
        prefix = number.get("ids") or SERIES.get(kind or "", SERIES.get(agenda, "X"))
        if requested:
            if self.store.by_number(agenda, requested) is None:
                return requested
            if check:
                raise ItemError(f"the document number {requested} already exists", xpath)
            new = self._free_number(agenda, prefix)
            result.details.append(("warning", f"the number {requested} exists; the document got {new}", xpath))
            return new
        return self._free_number(agenda, prefix)

    def _free_number(self, agenda: str, prefix: str) -> str:
        year = self.store.now().strftime("%y")
        series = prefix if any(ch.isdigit() for ch in prefix) else f"{year}{prefix}"
        while True:
            candidate = self.store.next_number(series)
            if self.store.by_number(agenda, candidate) is None:
                return candidate

    # -- the responsePack -----------------------------------------------------------------
    def _pack_error(self, pack_id: str, note: str) -> bytes:
        return self._pack(pack_id, "error", [], note)

    def _pack(self, pack_id: str, state: str, results: list[ItemResult], note: str | None) -> bytes:
        out = [
            f'<?xml version="1.0" encoding="{render.ENCODING}"?>\n',
            f'<rsp:responsePack version="2.0" id="{escape_attr(pack_id)}" state="{state}" ',
            f'programVersion="rpsync sandbox" ico="{escape_attr(self.ico)}"',
            f' note="{escape_attr(note)}"' if note else "",
            ' xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd"'
            ' xmlns:rdc="http://www.stormware.cz/schema/version_2/documentresponse.xsd"',
            "".join(f' xmlns:{p}="{NS}{f}.xsd"' for p, f in render.NAMESPACES.items()),
            ">\n",
        ]
        for r in results:
            out.append(f'<rsp:responsePackItem version="2.0" id="{escape_attr(r.id)}" state="{r.state}"')
            if r.note:
                out.append(f' note="{escape_attr(r.note)}"')
            out.append(">")
            if r.duplicity:
                agenda_type, date, rid, number = r.duplicity
                out.append(f"<rsp:errorDetail><rsp:recordDuplicity><rsp:agendaType>{agenda_type}</rsp:agendaType>"
                           f"<rsp:dateCreate>{date}</rsp:dateCreate>")
                if rid is not None:
                    out.append(f"<rsp:id>{rid}</rsp:id>")
                if number:
                    out.append(f"<rsp:number>{escape_text(number)}</rsp:number>")
                out.append("</rsp:recordDuplicity></rsp:errorDetail>")
            elif r.list_xml is not None:
                out.append(r.list_xml)
            elif r.agenda is not None and (r.details or r.produced_id is not None or r.state == "error"):
                prefix, name = RESPONSE[r.agenda]
                xmlns = f' xmlns:{prefix}="{EXTRA_NS[prefix]}"' if prefix in EXTRA_NS else ""
                out.append(f'<{prefix}:{name}{xmlns} version="2.0" state="{r.state}">')
                if r.details:
                    out.append("<rdc:importDetails>")
                    for st, msg, xpath in r.details:
                        out.append(f"<rdc:detail><rdc:state>{st}</rdc:state><rdc:note>{escape_text(msg)}</rdc:note>")
                        if xpath:
                            out.append(f"<rdc:XPath>{escape_text(xpath)}</rdc:XPath>")
                        out.append("</rdc:detail>")
                    out.append("</rdc:importDetails>")
                if r.state == "ok" and r.produced_id is not None:
                    out.append(f"<rdc:producedDetails><rdc:id>{r.produced_id}</rdc:id>")
                    if r.produced_number:
                        out.append(f"<rdc:number>{escape_text(r.produced_number)}</rdc:number>")
                    if r.action:
                        out.append(f"<rdc:actionType>{r.action}</rdc:actionType>")
                    out.append("</rdc:producedDetails>")
                out.append(f"</{prefix}:{name}>")
            out.append("</rsp:responsePackItem>\n")
        out.append("</rsp:responsePack>\n")
        return render.encode("".join(out))


def _prefix(agenda: str) -> str:
    if agenda == "payments":
        return "lwl"
    return catalogs.load("pohoda", agenda).root_ns or ""


def _deep_merge(old: dict, new: dict) -> dict:
    out = copy.deepcopy(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_address_book(old: dict, new: dict) -> dict:
    """Update of an address-book record: fields replace; delivery addresses by their actionType."""
    new = copy.deepcopy(new)
    incoming = _get(new, "addressbookHeader.identity.shipToAddress") or []
    if incoming:
        del new["addressbookHeader"]["identity"]["shipToAddress"]
    merged = _deep_merge(old, new)
    current = _get(merged, "addressbookHeader.identity.shipToAddress") or []
    for ship in incoming:
        action = ship.pop("actionType", None) or {}
        if "update" in action or "delete" in action:
            op = action.get("update") if "update" in action else action.get("delete")
            wanted = _get(op, "filter.id") if isinstance(op, dict) else None
            match = next((s for s in current if wanted is not None and s.get("id") == wanted), None)
            if match is None:
                raise ItemError(f"no delivery address with id {wanted}")
            if "delete" in action:
                current.remove(match)
            else:
                match.update(ship)
        else:
            current.append(ship)
    if current:
        merged["addressbookHeader"]["identity"]["shipToAddress"] = current
    return merged
