"""Small builders for sync tests: records on either side, written through the simulators' own APIs."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from engine.pohoda import render

#: dataPackItem ids of the records tests write; unique, so POHODA's pack duplicity check never refuses one
# (``id(record)`` may repeat once a record is garbage-collected, making two writes look like one pack)
_ITEM_IDS = itertools.count(1)
_seq = _ITEM_IDS


def raynet_company(world, name: str, *, ico: str | None = None, street="Dlouhá 5", city="Praha", zip_code="11000",
                   www: str | None = None, person: bool = False, **extra: Any) -> int:
    body = {"name": name, "rating": "A", "state": "A_POTENTIAL", "role": "A_SUBSCRIBER", **extra}
    if ico:
        body["regNumber"] = ico
    if person:
        body.update(person=True, lastName=name.split()[-1])
    address = {"address": {"name": "Sídlo", "street": street, "city": city, "zipCode": zip_code, "country": "CZ"}}
    if www:
        address["contactInfo"] = {"www": www}
    body["addresses"] = [address]
    return world.raynet.store.create("company", body)


def pohoda_write(world, agenda: str, record: dict, **kwargs) -> int:
    """Write one document into the POHODA simulator as a person in POHODA would (no extId)."""
    return pohoda_import(world, render.render_document(agenda, record, **kwargs))


def pohoda_import(world, xml: str) -> int:
    """Send one agenda element to the POHODA simulator's XML import; the id it produced."""
    transport = world.pohoda.transport()
    try:
        # a fresh item id per write: ids of garbage-collected dicts repeat, and POHODA refuses a repeated pack
        for _, answer in transport.send([render.PackItem(f"seed-{next(_ITEM_IDS)}", xml)], ico="12345678"):
            item = answer.items[0]
            assert item.ok, item.message()
            return item.produced_id
    finally:
        transport.close()
    raise AssertionError("no answer")


def pohoda_address(world, company: str | None, *, ico: str | None = None, name: str | None = None,
                   street="Krátká 1", city="Brno", zip_code="60200", **header: Any) -> int:
    address = {"street": street, "city": city, "zip": zip_code}
    if company:
        address["company"] = company
    if ico:
        address["ico"] = ico
    if name:
        address["name"] = name
    return pohoda_write(world, "address_book", {"addressbookHeader": {"identity": {"address": address}, **header}})


def pohoda_records(world, agenda: str) -> list[dict]:
    return [s.record for s in world.pohoda.store.all(agenda)]


def raynet_records(world, entity: str) -> list[dict]:
    return [world.raynet.store.render(entity, r["id"]) for r in world.raynet.store.records(entity)]


def liquidation_xml(invoice_id: int, amount: Decimal, when: dt.date | None, *, agenda: str = "issuedInvoice",
                    foreign: Decimal | None = None) -> render.PackItem:
    """``lwl:liquidationWithoutLink`` paying POHODA invoice ``invoice_id`` (liquidationWithoutLink.xsd)."""
    ns = render.NS_BASE
    parts = [f'<lwl:liquidationWithoutLink version="2.0" xmlns:lwl="{ns}liquidationWithoutLink.xsd">',
             f'<lwl:record agenda="{agenda}"><ftr:filter><ftr:id>{int(invoice_id)}</ftr:id></ftr:filter></lwl:record>']
    if when is not None:
        parts.append(f"<lwl:date>{when.isoformat()}</lwl:date>")
    parts.append(f"<lwl:amountHome>{amount}</lwl:amountHome>")
    if foreign is not None:
        parts.append(f"<lwl:amountForeign>{foreign}</lwl:amountForeign>")
    parts.append("</lwl:liquidationWithoutLink>")
    return render.PackItem(f"pay-{next(_seq)}-{invoice_id}", "".join(parts))


def _send_one(world, item: render.PackItem) -> int:
    transport = world.pohoda.transport()
    try:
        for _, answer in transport.send([item], ico="12345678"):
            (result,) = answer.items
            assert result.ok, result.message()
            return result.produced_id
    finally:
        transport.close()
    raise AssertionError("no answer")


def pohoda_pay(world, invoice_id: int, amount: Decimal | str, when: dt.date | None = None, **kwargs) -> int:
    """Pay a POHODA invoice as a person or a bank import in POHODA would (a liquidation); its id."""
    return _send_one(world, liquidation_xml(invoice_id, Decimal(str(amount)), when, **kwargs))


def invoice_item(text: str, quantity: str = "1", price: str = "100", *, rate: str = "high", **extra: Any) -> dict:
    return {"text": text, "quantity": Decimal(quantity), "unit": "ks", "rateVAT": rate,
            "homeCurrency": {"unitPrice": Decimal(price)}, **extra}


def pohoda_invoice(world, partner: int | None, items: list[dict] | None = None, *, kind: str = "issuedInvoice",
                   text: str = "Faktura", when: dt.date = dt.date(2025, 3, 4), **extra: Any) -> int:
    """Issue a POHODA invoice of ``kind`` for address-book record ``partner`` (as a person in POHODA would)."""
    header = {"invoiceType": kind, "date": when, "dateTax": when, "dateDue": when + dt.timedelta(days=14),
              "text": text, **extra.pop("header", {})}
    record: dict[str, Any] = {"invoiceHeader": header, **extra}
    if items:
        record["invoiceDetail"] = {"invoiceItem": items}
    return pohoda_write(world, "issued_invoices", record, partner={"id": partner} if partner else None,
                        invoice_type=kind)


def pohoda_edit(world, agenda: str, record_id: int, change) -> None:
    """Change a POHODA record the way a person editing it in POHODA does (XML cannot update documents):
    ``change`` is a function editing the stored record in place, or a dict merged into it."""
    stored = world.pohoda.store.get(agenda, record_id)
    record = stored.record

    def merge(old: dict, new: dict) -> dict:
        out = dict(old)
        for key, value in new.items():
            out[key] = merge(out.get(key) or {}, value) if isinstance(value, dict) else value
        return out

    if callable(change):
        change(record)
    else:
        record = merge(record, change)
    world.pohoda.store.put(agenda, record_id, record, number=stored.number, code=stored.code, kind=stored.kind)


def raynet_invoice(world, company: int, items: list[dict], *, invoice_type: str = "NORMAL", currency: str = "CZK",
                   **fields: Any) -> int:
    """A Raynet invoice with items, written through the API (Raynet's legacy invoice module)."""
    from engine.raynet.entities import RaynetApi

    api = RaynetApi(world.raynet.client())
    try:
        body = {"company": company, "currency": api.currencies.by_iso()[currency], "issueDate": "2025-03-04",
                "dueDate": "2025-03-18", "taxableSupplyDate": "2025-03-04", "invoiceType": invoice_type,
                "paymentType": "PAYMENT_DIRECT_DEBIT", "title": "Faktura z Raynetu", **fields}
        rid = api.invoices.create(body)
        api.invoices.update(rid, {"items": items})
        return rid
    finally:
        api.client.close()
def _stock_record(code: str, name: str | None, kind: str, store: str | None, price, count, related) -> dict:
    header: dict[str, Any] = {"stockType": kind, "code": code, "name": name or code}
    if store:
        header["storage"] = {"ids": store}
    if price is not None:
        header["sellingPrice"] = price
    if count is not None:
        header["count"] = count
    record: dict[str, Any] = {"stockHeader": header}
    if related:
        record["stockPriceItem"] = {"stockPrice": [{"ids": level, "price": value} for level, value in related.items()]}
    return record
def _stock_import(world, record: dict, action: str = "") -> int:
    """A stock import (stk:stock) into the POHODA simulator, as POHODA's XML import does it."""
    return pohoda_import(world, f'<stk:stock version="2.0">{action}{render.write_fields("stock", record)}</stk:stock>')
def pohoda_stock(world, code: str, name: str | None = None, *, kind: str = "card", store: str | None = "HLAVNI",
                 price=None, count=None, related: dict | None = None) -> int:
    """A new stock item in POHODA; ``related`` = {price level code: price} (its discounts tab)."""
    return _stock_import(world, _stock_record(code, name, kind, store, price, count, related))
def pohoda_stock_update(world, stock_id: int, *, related: dict | None = None, **header: Any) -> None:
    """Change a POHODA stock item (header fields; ``related`` replaces its related prices)."""
    record: dict[str, Any] = {"stockHeader": dict(header)}
    if related is not None:
        record["stockPriceItem"] = {"stockPrice": [{"ids": k, "price": v} for k, v in related.items()]}
    action = (f"<stk:actionType><stk:update><ftr:filter><ftr:id>{int(stock_id)}</ftr:id></ftr:filter>"
              "</stk:update></stk:actionType>")
    _stock_import(world, record, action)
def sales_price(level_id: int, code: str, *, currency: str | None = None, **fields: Any) -> dict:
    """A POHODA sales price level (lst:itemSellingPrice) for a simulator seed."""
    record = {"id": level_id, "code": code, "name": fields.pop("name", code), "discountValidity": "pernament",
              "priceType": "discount", "calculation": "excludedVAT", "rounding": "0,1", **fields}
    if currency:
        record["currency"] = {"ids": currency}
    return {"record": record}
def raynet_requests_since(world, mark: int) -> list[tuple[str, str]]:
    """(method, path) of the Raynet requests made after ``mark`` (= ``len(world.raynet.store.requests_for())``)."""
    return [(r.method, r.path.removeprefix("/api/v2")) for r in world.raynet.store.requests_for()[mark:]]
def age_pohoda(world, agenda: str, *, hours: int = 1) -> None:
    """Move the last-saved time of every record of ``agenda`` back, as if they were saved long before the run
    (a run re-reads records saved within its few minutes of overlap)."""
    from datetime import timedelta
    store = world.pohoda.store
    for s in store.all(agenda):
        store.put(agenda, s.id, s.record, number=s.number, code=s.code, kind=s.kind,
                  saved_at=s.saved_at - timedelta(hours=hours))
# ---- documents: business cases, offers, orders (contracts, offers, received_orders agendas) -------------

def raynet_phase_id(world, name: str) -> int:
    return next(r["id"] for r in world.raynet.store.table("businessCasePhase").values() if r["code01"] == name)


def raynet_status_id(world, table: str, name: str) -> int:
    return next(r["id"] for r in world.raynet.store.table(table).values() if r["code01"] == name)


def raynet_business_case(world, company_id: int, name: str, *, phase: str | None = None, **extra: Any) -> int:
    body = {"name": name, "company": company_id, **extra}
    if phase:
        body["businessCasePhase"] = raynet_phase_id(world, phase)
    return world.raynet.store.create("businessCase", body)


def raynet_document(world, entity: str, company_id: int, business_case_id: int, name: str, *,
                    items: list[dict] | None = None, status: str | None = None, **extra: Any) -> int:
    """A Raynet offer or order (``entity``) with items added the way a person does it (item by item)."""
    body = {"name": name, "company": company_id, "businessCase": business_case_id, **extra}
    if status:
        table = "offerStatus" if entity == "offer" else "salesOrderStatus"
        body[table] = raynet_status_id(world, table, status)
    record_id = world.raynet.store.create(entity, body)
    api = world.api()
    try:
        view = api.offers if entity == "offer" else api.sales_orders
        for item in items or ():
            view.add_item(record_id, item)
    finally:
        api.client.close()
    return record_id


def pohoda_order(world, partner_id: int | None, text: str, items: list[dict], *, contract: dict | None = None,
                 **header: Any) -> int:
    """A received order typed into POHODA (linked to an address-book record by id)."""
    record = {"orderHeader": {"orderType": "receivedOrder", "text": text, **header},
              "orderDetail": {"orderItem": items}}
    return pohoda_write(world, "received_orders", record, partner={"id": partner_id} if partner_id else None,
                        contract=contract)


def linked_pohoda_id(world, agenda: str, raynet_id: int) -> int | None:
    from engine.state import open_state

    state = open_state(world.state_path)
    try:
        link = state.find_link(agenda, raynet_id=raynet_id)
        return link.pohoda_id if link else None
    finally:
        state.close()


# ---- sub-records: delivery addresses and contact persons ---------------------------------------------

def raynet_address(world, company_id: int, name: str, *, street="Skladová 1", city="Brno", zip_code="60200",
                   **contact: Any) -> int:
    """Another address of a Raynet client (a delivery address), added as a person in Raynet would."""
    body = {"address": {"name": name, "street": street, "city": city, "zipCode": zip_code, "country": "CZ"}}
    if contact:
        body["contactInfo"] = contact
    with world.raynet.client() as client:
        from engine.raynet.entities import RaynetApi

        return RaynetApi(client).companies.add_address(company_id, body)


def raynet_person(world, company_id: int | None, last_name: str, *, first_name: str | None = None,
                  position: str | None = "nákupčí", **extra: Any) -> int:
    body = {"lastName": last_name, **extra}
    if first_name:
        body["firstName"] = first_name
    if company_id is not None:
        body["relationship"] = {"company": company_id, **({"type": position} if position else {})}
    return world.raynet.store.create("person", body)


def pohoda_ship_to(world, address_book_id: int, **fields: Any) -> int:
    """Add a delivery address to a POHODA address-book record (as a person in POHODA would); its id."""
    before = {s["id"] for s in ships(world, address_book_id)}
    pohoda_write(world, "address_book", {"addressbookHeader": {"identity": {"shipToAddress": [fields]}}},
                 action="update", filter={"id": address_book_id})
    [new] = [s["id"] for s in ships(world, address_book_id) if s["id"] not in before]
    return new


def pohoda_update_ship_to(world, address_book_id: int, ship_id: int, **fields: Any) -> None:
    change = {"actionType": {"update": {"filter": {"id": ship_id}}}, **fields}
    pohoda_write(world, "address_book", {"addressbookHeader": {"identity": {"shipToAddress": [change]}}},
                 action="update", filter={"id": address_book_id})


def company_id(world, name: str) -> int:
    """The Raynet client of this name."""
    return next(r["id"] for r in raynet_records(world, "company") if r["name"] == name)


def adb_id(world, name: str) -> int:
    """The POHODA address-book record of this company name."""
    return next(s.id for s in world.pohoda.store.all("address_book")
                if (s.record["addressbookHeader"].get("identity") or {}).get("address", {}).get("company") == name)


def client_persons(world) -> dict[str, dict]:
    """Raynet persons with a client (the sandbox's own user is a person too), by last name."""
    return {p["lastName"]: p for p in raynet_records(world, "person") if p.get("primaryRelationship")}


def ships(world, address_book_id: int) -> list[dict]:
    stored = world.pohoda.store.get("address_book", address_book_id)
    return list(stored.record["addressbookHeader"]["identity"].get("shipToAddress") or []) if stored else []


def pohoda_contact(world, main_id: int, name: str, **address: Any) -> int:
    """A POHODA contact person of the address-book record ``main_id`` (refAddress)."""
    function = address.pop("function", None)
    header: dict[str, Any] = {"identity": {"address": {"name": name, **address}}}
    if function:
        header["function"] = function
    return pohoda_write(world, "contact_persons", {"addressbookHeader": header}, ref_address={"id": main_id})


class Killed(BaseException):
    """The process died at a crash point (a BaseException: nothing in the engine catches it)."""


def mapping_overlay(tmp_path, text: str, name: str = "overlay.yaml"):
    """A customer mapping file extending the shipped standard mapping with ``text`` (YAML, top-level keys)."""
    from engine.resources import mappings_dir

    path = tmp_path / name
    path.write_text(f"version: 1\nextends: {mappings_dir() / 'standard.yaml'}\n{text}", encoding="utf-8")
    return path


def run_killed(world, monkeypatch, point: str, **run: Any) -> None:
    """Run the engine (``world.run(**run)``) and kill it at crash point ``point`` (which the run must reach)."""
    import pytest

    with monkeypatch.context() as m:
        crash_at_point(m, point)
        with pytest.raises(Killed):
            world.run(**run)


def crash_at_point(monkeypatch, name: str) -> None:
    """Kill the next run at crash point ``name`` (no code of the engine runs after it, like ``kill -9``;
    SQLite rolls back the open transaction as it would)."""
    import sys

    import engine.sync.runner  # noqa: F401  (with it every step module: they all reach crash points)
    from engine.sync.crashpoints import crashpoint

    def point(reached: str) -> None:
        if reached == name:
            raise Killed(name)

    for module in list(sys.modules.values()):   # every module that imported the crash point function
        if getattr(module, "__name__", "").startswith("engine.") and getattr(module, "crashpoint", None) is crashpoint:
            monkeypatch.setattr(module, "crashpoint", point)


class _Context:
    """A ``SyncContext`` on a world's state, for calling engine helpers directly (e.g. R-D3)."""

    def __enter__(self):
        return self.ctx

    def __exit__(self, *exc) -> None:
        self.api.client.close()
        self.gateway.close()
        self.state.close()


def sync_context(world) -> _Context:
    from engine.state import open_state
    from engine.sync.compile import compile_mapping
    from engine.sync.context import SyncContext
    from engine.sync.lookups import Lookups
    from engine.sync.report import RunReport

    box = _Context()
    box.api, box.gateway, box.state = world.api(), world.gateway(), open_state(world.state_path)
    box.ctx = SyncContext(
        mapping=world.mapping, agendas=compile_mapping(world.mapping), state=box.state, raynet=box.api,
        pohoda=box.gateway, renderer=box.gateway.renderer, lookups=Lookups(box.api, box.state),
        report=RunReport(mapping=str(world.mapping.path)), run_id=0, ico="12345678")
    return box


def counted_run(world, *, only=None):
    """Run the engine; (report, POHODA requests per agenda, POSTs the POHODA simulator answered, Raynet writes)."""
    from engine.sync.runner import run_sync

    api, gw = world.api(), world.gateway()
    marks: dict[str, int] = {}
    per_agenda: dict[str, int] = {}

    def progress(agenda: str, message: str) -> None:
        if message == "start":
            marks[agenda] = gw.requests
        elif message == "done":
            per_agenda[agenda] = gw.requests - marks.pop(agenda)

    posts = len(world.pohoda.requests)
    raynet_before = len(world.raynet.store.requests_for())
    try:
        result = run_sync(world.mapping, state_path=world.state_path, raynet=api, pohoda=gw, progress=progress,
                          only=set(only) if only else None)
    finally:
        api.client.close()
        gw.close()
    raynet_writes = [r for r in world.raynet.store.requests_for()[raynet_before:] if r.method != "GET"]
    return result.report, per_agenda, len(world.pohoda.requests) - posts, raynet_writes
