"""Small builders for sync tests: records on either side, written through the simulators' own APIs."""

from __future__ import annotations

import itertools
from typing import Any

from engine.pohoda import render

#: dataPackItem ids of seed writes: unique per process (id() of a dict is reused after it is freed, and
#: POHODA answers a repeated pack/item id as a duplicate import)
_SEED_IDS = itertools.count(1)


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
        for _, answer in transport.send([render.PackItem(f"seed-{next(_SEED_IDS)}", xml)], ico="12345678"):
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
