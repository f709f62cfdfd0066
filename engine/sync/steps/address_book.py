"""Address book ⇄ clients (R-G4, R-A1 … R-A3).

The POHODA main (billing) address of an address-book record ⇄ a Raynet client.
Address-book records that are contact persons (``refAddress`` set) belong to
the contact-persons step.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from engine.state.model import Link
from engine.sync.paths import get_path, set_path
from engine.sync.snapshot import norm_text
from engine.sync.raynet_records import (
    address_update_body, body_from_values, company_create_body, primary_address_id, split_company,
)
from engine.sync.steps.base import POHODA, RAYNET, Reject, Step

ADR = "addressbookHeader.identity.address"


def norm_ico(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


class AddressBookStep(Step):
    agenda = "address_book"
    raynet_entity = "company"
    pohoda_agenda = "address_book"

    def extra_shadow_paths(self, side: str) -> frozenset[str]:
        if side == RAYNET:
            return frozenset({"primaryAddress.id", "person", "firstName", "lastName", "owner"})
        return frozenset({f"{ADR}.ico", f"{ADR}.company", f"{ADR}.name", "addressbookHeader.responsiblePerson"})

    def explain_extra(self) -> list[str]:
        m = self.plan.model
        return [
            f"natural persons (R-A1): {m.natural_person.replace('_', ' ')}",
            f"owners (R-A3): {'responsible person ⇄ owner with the same first and last name' if m.owners == 'by_name' else 'not synced'}",
            f"www longer than {self.ctx.mapping.settings.www_max_length} characters is refused (R-A2)",
        ]

    # ------------------------------------------------------------ reading
    def read_pohoda(self, since) -> Iterator[dict]:
        for record in super().read_pohoda(since):
            if not get_path(record, "addressbookHeader.refAddress"):
                yield record

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            return f"client {record.get('id')} {record.get('name') or ''}".strip()
        name = get_path(record, f"{ADR}.company") or get_path(record, f"{ADR}.name") or ""
        return f"address-book record {get_path(record, 'addressbookHeader.id')} {name}".strip()

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        keys = []
        for key in self.plan.model.match:
            if side == RAYNET:
                ico = norm_ico(record.get("regNumber"))
                name, city = record.get("name"), get_path(record, "primaryAddress.address.city")
            else:
                ico = norm_ico(get_path(record, f"{ADR}.ico"))
                name = get_path(record, f"{ADR}.company") or get_path(record, f"{ADR}.name")
                city = get_path(record, f"{ADR}.city")
            if key == "ico" and ico:
                keys.append(("ico", ico))
            elif key == "name_city" and name:
                keys.append(("name_city", f"{norm_text(name)}|{norm_text(city)}"))
        return keys

    # ------------------------------------------------------------ rules
    def check_record(self, side: str, record: dict) -> None:
        if side == RAYNET:
            limit = self.ctx.mapping.settings.www_max_length
            for b in self.bindings:
                if b.pohoda_path == "addressbookHeader.web" and b.to_pohoda is not None:
                    www = b.to_pohoda(record)
                    if www and len(str(www)) > limit:
                        raise Reject(
                            f"www '{www}' has {len(str(www))} characters; the limit is {limit} (R-A2) — "
                            f"shorten it in Raynet", field=b.raynet_path or "www", rule="R-A2")

    def natural_person(self, p: Mapping[str, Any]) -> bool:
        """R-A1: is this POHODA main address a natural person?"""
        ico = norm_ico(get_path(p, f"{ADR}.ico"))
        if ico:
            return False
        if self.plan.model.natural_person == "company_without_ico":
            return bool(get_path(p, f"{ADR}.company"))
        return bool(get_path(p, f"{ADR}.name"))

    def raynet_values(self, pohoda_record: Mapping[str, Any]) -> dict[str, Any]:
        values = super().raynet_values(pohoda_record)
        person = self.natural_person(pohoda_record)
        values["person"] = person
        if person:
            full = (get_path(pohoda_record, f"{ADR}.name") if self.plan.model.natural_person == "name_without_ico"
                    else None) or get_path(pohoda_record, f"{ADR}.company") or ""
            first, _, last = str(full).strip().rpartition(" ")
            values["firstName"] = first or None
            values["lastName"] = last or str(full)
        if self.plan.model.owners == "by_name":
            rp = get_path(pohoda_record, "addressbookHeader.responsiblePerson") or {}
            owner = self.ctx.lookups.owner_id(rp.get("name"), rp.get("surname")) if isinstance(rp, dict) else None
            if owner is not None:
                values["owner"] = owner
        return values

    def pohoda_values(self, raynet_record: Mapping[str, Any]) -> dict[str, Any]:
        values = super().pohoda_values(raynet_record)
        if self.plan.model.owners == "by_name":
            owner = raynet_record.get("owner")
            owner_id = owner.get("id") if isinstance(owner, dict) else owner
            names = self.ctx.lookups.owner_name(int(owner_id)) if owner_id is not None else None
            if names:
                values["addressbookHeader.responsiblePerson"] = {"name": names[0], "surname": names[1]}
        return values

    # ------------------------------------------------------------ writes
    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        body = company_create_body({k: v for k, v in values.items() if v is not None}, self.key_for)
        return self.entity_api().create(body, ext_id=ext_id)

    def update_raynet(self, raynet_id: int, values: dict[str, Any], current: Mapping[str, Any] | None) -> None:
        company, address = split_company(values)
        api = self.ctx.raynet.companies
        if company:
            api.update(raynet_id, body_from_values("company", company, self.key_for))
        if address:
            address_id = primary_address_id(current)
            body = address_update_body(address, self.key_for)
            if address_id is None:
                body.setdefault("address", {}).setdefault("name", "Sídlo")
                api.add_address(raynet_id, body)
            else:
                api.update_address(raynet_id, address_id, body)

    def pohoda_document(self, values, raynet_record, link: Link | None):
        record: dict[str, Any] = {}
        for path, value in values.items():
            if value is not None:
                set_path(record, path, value)
        return record, {}
