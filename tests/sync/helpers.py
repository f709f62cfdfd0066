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


# ---------------------------------------------------------------- sub-records (delivery addresses, persons)


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


def mapping_overlay(tmp_path, text: str):
    """A mapping file that extends the standard mapping with ``text`` (YAML, top-level keys)."""
    from engine.resources import mappings_dir

    path = tmp_path / "overlay.yaml"
    path.write_text(f"version: 1\nextends: {mappings_dir() / 'standard.yaml'}\n{text}", encoding="utf-8")
    return path


def run_killed(world, monkeypatch, point: str) -> None:
    """Run the engine and kill it at crash point ``point`` (which the run must reach)."""
    import pytest

    with monkeypatch.context() as m:
        crash_at(m, point)
        with pytest.raises(Killed):
            world.run()


def crash_at(monkeypatch, name: str) -> None:
    """Kill the next run at crash point ``name`` (no code of the engine runs after it, like ``kill -9``;
    SQLite rolls back the open transaction as it would)."""
    import engine.sync.runner as runner
    import engine.sync.steps.base as base
    import engine.sync.steps.sub_records as sub_records

    def point(reached: str) -> None:
        if reached == name:
            raise Killed(name)

    for module in (base, sub_records, runner):
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
