"""Seeding the POHODA simulator from a data file (JSON).

    {"address_book": [{"id": 1, "ext_ids": {"raynet": "501"}, "saved_at": "2025-01-02T10:00:00",
                       "record": {"addressbookHeader": {…}}}, …],
     "stock": [{"record": {"stockHeader": {"code": "SR-M6", …}}}],
     "sales_prices": [{"record": {"id": 1, "code": "Prodejní cena", …}}],
     "received_orders": [...], "offers": [...], "issued_invoices": [...], "contracts": [...]}

An entry may also be the bare record. Values are typed through the agenda's
catalog (dates, Decimal amounts), by writing the record as XML and reading it
back — so a seed holds only real POHODA fields, in the record shape.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from engine.errors import RpsyncError
from engine.pohoda import render
from engine.sandbox.pohoda.common import HEADER, warehouse_of
from engine.sandbox.pohoda.store import Store

KIND = {"received_orders": ("orderType", "receivedOrder"), "offers": ("offerType", "issuedOffer"),
        "issued_invoices": ("invoiceType", "issuedInvoice")}


class SeedError(RpsyncError):
    code = "E-SANDBOX-SEED"


def typed(agenda: str, record: Mapping) -> dict:
    """The record with every value typed as the list reader would give it."""
    return render.typed_fields(agenda, record, label=f"seed {agenda}")


def load_seed(source: str | Path | Mapping) -> Mapping:
    if isinstance(source, Mapping):
        return source
    path = Path(source)
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, json.JSONDecodeError) as exc:
        raise SeedError(f"cannot read the sandbox seed {path}: {exc}") from None


def apply_seed(store: Store, source: str | Path | Mapping) -> dict[str, int]:
    """Put the seed's records into the store; returns the count per agenda."""
    data = load_seed(source)
    counts: dict[str, int] = {}
    for agenda, entries in data.items():
        if agenda.startswith("_"):
            continue
        if agenda not in HEADER and agenda != "sales_prices":
            raise SeedError(f"the sandbox seed has an unknown agenda {agenda!r}")
        for n, entry in enumerate(entries):
            _seed_one(store, agenda, entry, where=f"{agenda}[{n}]")
        counts[agenda] = len(entries)
    return counts


def _seed_one(store: Store, agenda: str, entry: Mapping, *, where: str) -> None:
    raw = entry.get("record", entry) if isinstance(entry, Mapping) else None
    if not isinstance(raw, Mapping):
        raise SeedError(f"seed entry {where} must be an object")
    try:
        record = typed(agenda, raw)
    except render.RenderError as exc:
        raise SeedError(f"seed entry {where}: {exc.message}") from None
    rid = int(entry.get("id") or record.get("id") or 0) if "record" in entry else int(record.get("id") or 0)
    rid = rid or store.next_id(agenda)
    header_name = HEADER.get(agenda)
    number = code = kind = None
    if header_name:
        header = record.setdefault(header_name, {})
        header["id"] = rid
        number = (header.get("number") or {}).get("numberRequested")
        if agenda == "stock":
            code = header.get("code")
            if not code:
                raise SeedError(f"seed entry {where}: a stock item needs stockHeader.code")
            other = store.stock_by_code(code, warehouse_of(record))
            if other is not None and other.id != rid:
                raise SeedError(f"seed entry {where}: stock code {code} is used twice in one warehouse (R-C2)")
        if agenda == "address_book":
            store.number_ship_to(record)
        if agenda in KIND:
            field, default = KIND[agenda]
            kind = header.get(field) or default
    else:
        record["id"] = rid
    saved = entry.get("saved_at") if "record" in entry else None
    saved_at = dt.datetime.fromisoformat(str(saved)) if saved else None
    store.put(agenda, rid, record, number=number, code=code, kind=kind, saved_at=saved_at)
    for system, ext in (entry.get("ext_ids") or {}).items() if "record" in entry else ():
        store.link_ext_id(agenda, rid, system, str(ext))


