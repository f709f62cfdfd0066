"""Small builders for sync tests: records on either side, written through the simulators' own APIs."""

from __future__ import annotations

import uuid
from typing import Any

from engine.pohoda import render


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
    xml = render.render_document(agenda, record, **kwargs)
    transport = world.pohoda.transport()
    try:
        # a fresh item id per write: POHODA refuses a dataPack/item id pair it imported before (duplicity check);
        # id(record) was reused by Python for a later dict and made such writes fail now and then
        for _, answer in transport.send([render.PackItem(f"seed-{uuid.uuid4().hex[:20]}", xml)], ico="12345678"):
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


# ---- documents: business cases, offers, orders (contracts, offers, received_orders agendas) -------------

#: the customer's Raynet order statuses named by the standard mapping's order_state_to_status (R-R2), added
#: to the simulator's defaults (a fresh sandbox instance names its statuses differently)
DEALS_RAYNET_SEED = {"codelists": {"salesOrderStatus": [
    {"code01": "Přijatá", "_status": "E_WIN"}, {"code01": "Zrušená", "_status": "G_STORNO"}]}}


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


def pohoda_stock(world, code: str, name: str, **header: Any) -> int:
    """A stock item kept in POHODA (rpsync writes no stock, so it is seeded like POHODA's own data)."""
    from engine.sandbox.pohoda.seed import apply_seed

    apply_seed(world.pohoda.store, {"stock": [{"stockHeader": {"stockType": "card", "code": code, "name": name,
                                                               **header}}]})
    return world.pohoda.store.by_code("stock", code).id


def pohoda_order(world, partner_id: int | None, text: str, items: list[dict], *, contract: dict | None = None,
                 **header: Any) -> int:
    """A received order typed into POHODA (linked to an address-book record by id)."""
    record = {"orderHeader": {"orderType": "receivedOrder", "text": text, **header},
              "orderDetail": {"orderItem": items}}
    return pohoda_write(world, "received_orders", record, partner={"id": partner_id} if partner_id else None,
                        contract=contract)


def pohoda_edit(world, agenda: str, record_id: int, changes: dict) -> None:
    """A person changes a POHODA record in POHODA itself (documents cannot be changed through XML)."""
    stored = world.pohoda.store.get(agenda, record_id)

    def merge(old: dict, new: dict) -> dict:
        out = dict(old)
        for key, value in new.items():
            out[key] = merge(out.get(key) or {}, value) if isinstance(value, dict) else value
        return out

    world.pohoda.store.put(agenda, record_id, merge(stored.record, changes), number=stored.number, code=stored.code,
                           kind=stored.kind)


def linked_pohoda_id(world, agenda: str, raynet_id: int) -> int | None:
    from engine.state import open_state

    state = open_state(world.state_path)
    try:
        link = state.find_link(agenda, raynet_id=raynet_id)
        return link.pohoda_id if link else None
    finally:
        state.close()
