"""The simulator's answers to list (export) requests, from its store.

Supported filters are the ones rpsync uses (filter.xsd): ``id``, ``extId``,
``lastChanges`` (records saved at or after the given time), ``company``/``ico``
(address book), ``code``, ``storage`` (the stock grouping, matched from the left
as filter.xsd documents: "the given branch and its sub-branches"), ``store``
(the warehouse; list.xsd says the first level of the storage tree is the
warehouse, so the sandbox compares it with the first level of
``stockHeader.storage.ids``), ``dateFrom``/``dateTill``, ``selectedNumbers``
(a number series prefix ``typ:ids`` or an exact ``typ:numberRequested``),
``selectedIco``, ``selectedCompanys``; paging by ``limit/idFrom`` and
``limit/count``. ``queryFilter`` (SQL) and ``userFilterName`` need POHODA
itself: the sandbox answers them with an error instead of guessing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator

from lxml import etree

from engine.pohoda import render
from engine.pohoda.localtime import to_local
from engine.pohoda.render import escape_attr
from engine.sandbox.pohoda.common import HEADER
from engine.sandbox.pohoda.common import child as _find
from engine.sandbox.pohoda.common import get as _get
from engine.sandbox.pohoda.common import kids as _kids
from engine.sandbox.pohoda.common import local as _local
from engine.sandbox.pohoda.common import text as _text
from engine.sandbox.pohoda.store import Store

NS = render.NS_BASE

#: request element -> (agenda, list prefix, list element, record element, request child)
LIST_REQUESTS = {
    (f"{NS}list_addBook.xsd", "listAddressBookRequest"): ("address_book", "lAdb", "listAddressBook", "addressbook", "requestAddressBook"),
    (f"{NS}list_stock.xsd", "listStockRequest"): ("stock", "lStk", "listStock", "stock", "requestStock"),
    (f"{NS}list_contract.xsd", "listContractRequest"): ("contracts", "lCon", "listContract", "contract", "requestContract"),
    (f"{NS}list.xsd", "listOrderRequest"): ("received_orders", "lst", "listOrder", "order", "requestOrder"),
    (f"{NS}list.xsd", "listOfferRequest"): ("offers", "lst", "listOffer", "offer", "requestOffer"),
    (f"{NS}list.xsd", "listInvoiceRequest"): ("issued_invoices", "lst", "listInvoice", "invoice", "requestInvoice"),
    (f"{NS}list.xsd", "listSellingPriceRequest"): ("sales_prices", "lst", "listSellingPrice", "itemSellingPrice", None),
}
KIND_ATTRIBUTE = {"received_orders": "orderType", "offers": "offerType", "issued_invoices": "invoiceType"}


class ExportError(Exception):
    pass


def _bool(elem, name, default):
    value = _text(elem, name)
    return default if value is None else value == "true"


def _ref(elem):
    """typ:refType / refTypeStorage -> ("id", 5) or ("ids", "text")."""
    if elem is None:
        return None
    if _text(elem, "id"):
        return ("id", int(_text(elem, "id")))
    if _text(elem, "ids"):
        return ("ids", _text(elem, "ids"))
    return None


def _matches(store: Store, agenda: str, stored, flt, kind_wanted) -> bool:
    record = stored.record
    header = record.get(HEADER.get(agenda, ""), {}) if agenda in HEADER else record
    if kind_wanted and stored.kind != kind_wanted:
        return False
    if flt is None:
        return True
    for cond in _kids(flt):
        name = _local(cond)
        if name == "id":
            if stored.id != int(cond.text):
                return False
        elif name == "extId":
            system, ids = _text(cond, "exSystemName") or "", _text(cond, "ids") or ""
            if store.find_ext(agenda, system, ids) != stored.id:
                return False
        elif name == "lastChanges":
            since = to_local(dt.datetime.fromisoformat(cond.text.strip().replace("Z", "+00:00")))
            if stored.saved_at < since:
                return False
        elif name in ("company", "ico", "name", "city", "street", "zip", "dic") and agenda == "address_book":
            if _get(header, f"identity.address.{name}") != (cond.text or "").strip():
                return False
        elif name == "code":
            if header.get("code") != (cond.text or "").strip():
                return False
        elif name == "EAN":
            if header.get("EAN") != (cond.text or "").strip():
                return False
        elif name == "storage":
            kind, value = _ref(cond) or (None, None)
            storage = header.get("storage") or {}
            if kind == "id" and storage.get("id") != value:
                return False
            if kind == "ids" and not str(storage.get("ids") or "").startswith(value):
                return False
        elif name == "store":
            kind, value = _ref(cond) or (None, None)
            top = str(_get(header, "storage.ids") or "").split("/")[0]
            if kind == "ids" and top != value:
                return False
            if kind == "id":
                raise ExportError("the sandbox selects warehouses by name (typ:ids), not by id")
        elif name in ("dateFrom", "dateTill"):
            when = header.get("date")
            bound = dt.date.fromisoformat(cond.text.strip()[:10])
            if when is None or (when < bound if name == "dateFrom" else when > bound):
                return False
        elif name == "selectedNumbers":
            number = stored.number or ""
            ok = False
            for n in _kids(cond):
                series, exact = _text(n, "ids"), _text(n, "numberRequested")
                if (exact and number == exact) or (series and number.startswith(series)):
                    ok = True
            if not ok:
                return False
        elif name == "selectedIco":
            if _get(header, "partnerIdentity.address.ico") not in {(c.text or "").strip() for c in _kids(cond)}:
                return False
        elif name == "selectedCompanys":
            if _get(header, "partnerIdentity.address.company") not in {(c.text or "").strip() for c in _kids(cond)}:
                return False
        else:
            raise ExportError(f"the sandbox does not filter by ftr:{name}")
    return True


def _with_ext_ids(agenda: str, record: dict, ext_ids: dict[str, str], system: str | None) -> dict:
    if not system or system not in ext_ids:
        return record
    out = copy.deepcopy(record)
    ext = {"ids": ext_ids[system], "exSystemName": system}
    if agenda == "address_book":
        identity = out.setdefault("addressbookHeader", {}).setdefault("identity", {})
        identity["extId"] = [ext]
    elif agenda in HEADER and agenda != "contracts":
        out.setdefault(HEADER[agenda], {})["extId"] = ext
    return out


def _candidates(store: Store, agenda: str, flt, id_from: int | None) -> Iterator:
    """The records ``_matches`` has to look at: one by id when the filter names an id, only those changed since
    when it has ``lastChanges`` (both are also checked by ``_matches``), else every record from ``id_from``."""
    since = None
    for cond in _kids(flt) if flt is not None else ():
        name = _local(cond)
        if name == "id":
            stored = store.get(agenda, int(cond.text))
            return iter([stored] if stored is not None and stored.id >= (id_from or 0) else [])
        if name == "lastChanges":
            since = to_local(dt.datetime.fromisoformat(cond.text.strip().replace("Z", "+00:00")))
    return store.iter(agenda, id_from=id_from, changed_since=since)


def answer(store: Store, request) -> str:
    """The list element (e.g. ``<lAdb:listAddressBook>``) answering one list request."""
    key = (etree.QName(request).namespace, _local(request))
    agenda, prefix, list_name, record_name, request_child = LIST_REQUESTS[key]
    kind_attr = KIND_ATTRIBUTE.get(agenda)
    kind = request.get(kind_attr) if kind_attr else None
    flt = None
    if request_child:
        req = _find(request, request_child)
        if req is not None:
            for unsupported in ("queryFilter", "userFilterName"):
                if _find(req, unsupported) is not None:
                    raise ExportError(f"ftr:{unsupported} needs POHODA itself; the sandbox supports ftr:filter only")
            flt = _find(req, "filter")
    limit = _find(request, "limit")
    id_from = int(_text(limit, "idFrom")) if _text(limit, "idFrom") else None
    count = int(_text(limit, "count")) if _text(limit, "count") else None
    restriction = _find(request, "restrictionData")
    with_liquidations = _bool(restriction, "liquidations", False)
    with_prices = _bool(restriction, "stockPriceItem", True)
    system = request.get("extSystem")
    body = []
    for stored in _candidates(store, agenda, flt, id_from):
        if not _matches(store, agenda, stored, flt, kind):
            continue
        record = _with_ext_ids(agenda, stored.record, stored.ext_ids, system)
        if agenda == "issued_invoices" and not with_liquidations and "liquidations" in record:
            record = {k: v for k, v in record.items() if k != "liquidations"}
        if agenda == "stock" and not with_prices and "stockPriceItem" in record:
            record = {k: v for k, v in record.items() if k != "stockPriceItem"}
        version = "" if agenda == "sales_prices" else ' version="2.0"'
        body.append(f"<{prefix}:{record_name}{version}>{render.write_fields(agenda, record)}</{prefix}:{record_name}>")
        if count is not None and len(body) >= count:
            break
    now = store.now()
    head = (f'<{prefix}:{list_name} version="2.0" dateTimeStamp="{escape_attr(now.isoformat())}" '
            f'dateValidFrom="{now.date().isoformat()}" state="ok">')
    return head + "".join(body) + f"</{prefix}:{list_name}>"
