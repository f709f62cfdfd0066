"""Contact persons ⇄ Raynet persons (R-P1, R-P2).

A POHODA contact person is an address-book record whose ``refAddress`` points
to the main record ("Odkaz kontaktní osoby na hlavní adresu", type.xsd
``refAddressType``); a Raynet contact person is a person whose primary
relationship is to a client. Both belong to a parent: the client the
address-book step linked (``sub_records.Parent``).

- R-P1: POHODA contact persons → Raynet persons with a primary relationship to
  the linked client (the function becomes the relationship's position).
- R-P2, one mechanism per mapping (``to_pohoda_as``): Raynet persons → POHODA
  contact persons (``refAddress`` = the client's record; two-way with R-P1),
  or → delivery addresses of the client's record (``delivery_address_fields``,
  Raynet → POHODA only; POHODA contact persons then come to Raynet but are
  not written back). Those delivery addresses carry an extId naming the person
  (``…:person:<id>``) and their links live apart (``contact_persons.ships``),
  so the delivery-addresses step leaves them alone.

A person whose client is not linked yet (new and not synced, filtered out of
the address book, or in its quarantine) waits: it is not transferred now and
is read again, by id, as soon as the address book links its client
(``sub_records.Waiting``) — no quarantine entry, no request spent while it
waits. Persons made from POHODA delivery addresses (delivery_addresses with
``mechanism: contact_persons``) belong to that agenda and are skipped here.

Reading: the person list changed since the cursor (one request a page: the list
carries ``primaryRelationship``); POHODA address-book records changed since the
cursor, those with ``refAddress``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator, Mapping

from engine.raynet.errors import RaynetNotFound
from engine.state.model import Link
from engine.sync.merge import decide, make_shadow, shadow_paths
from engine.sync.ondisk import IdSet
from engine.sync.paths import get_path, set_path
from engine.sync.raynet_records import body_from_values
from engine.sync.snapshot import norm_text
from engine.sync.steps.base import POHODA, RAYNET, Reject, Step
from engine.sync.steps.sub_records import PARENT_PATHS, Parent, ShipWriter, SubRecords, parent_of, with_parent

#: the extId (``typ:ids``) of a POHODA contact person rpsync creates for Raynet person <id>: contact persons are
#: address-book records, and the address-book step's extIds are Raynet client ids (another id space)
POHODA_EXT_ID = "person-{}"
#: where the links of persons written as POHODA delivery addresses live (their POHODA ids are delivery-address
#: ids, another id space than the address-book ids of contact persons)
SHIP_LINKS = "contact_persons.ships"
ADR = "addressbookHeader.identity.address"


class ContactPersonsStep(SubRecords, Step):
    agenda = "contact_persons"
    raynet_entity = "person"
    pohoda_agenda = "contact_persons"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.as_ships = self.plan.model.to_pohoda_as == "delivery_addresses"
        if self.as_ships:
            self.pohoda_updatable = False  # R-P2: Raynet persons go to POHODA as delivery addresses only
        self.ship_bindings = tuple(replace(b, to_raynet=None, reads_pohoda=frozenset())
                                   for b in self.plan.extra.get("delivery_address_fields", ()) if b.to_pohoda)
        self.ships = ShipWriter(self, links_agenda=SHIP_LINKS, raynet_entity="person", kind="person",
                                paths_r=shadow_paths(self.ship_bindings, RAYNET),
                                paths_p=shadow_paths(self.ship_bindings, POHODA))
        self._parent_of_new: dict[int, Parent] = {}
        self.init_sub_records()

    def pohoda_ext_id_for(self, raynet_id: Any) -> str:
        return POHODA_EXT_ID.format(raynet_id)

    def extra_shadow_paths(self, side: str) -> frozenset[str]:
        if side == RAYNET:
            return PARENT_PATHS | {"primaryRelationship.id"}
        return PARENT_PATHS

    def explain_extra(self) -> list[str]:
        lines = ["POHODA contact persons (refAddress → the client's record) → Raynet persons of the client (R-P1)"]
        if self.as_ships:
            lines.append("Raynet persons → delivery addresses of the client's POHODA record (R-P2, one way)")
        else:
            lines.append("Raynet persons of a client → POHODA contact persons of its record (R-P2)")
        return lines + ["a person whose client is not linked yet waits, and goes once the address book links it"]

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            name = " ".join(str(x) for x in (record.get("firstName"), record.get("lastName")) if x)
            return f"person {record.get('id')} {name}".strip()
        return f"contact person {get_path(record, 'addressbookHeader.id')} {get_path(record, f'{ADR}.name') or ''}".strip()

    # ------------------------------------------------------------ reading
    def _annotate(self, side: str, record: dict | None) -> dict | None:
        """The record with its parent; None when it is no contact person of a client, or its client waits."""
        if record is None:
            return None
        if side == RAYNET:
            company = get_path(record, "primaryRelationship.company.id")
            if company is None or self._made_from_delivery_address(int(record["id"])):
                return None
            parent = self.parents.of_company(company)
            if parent is None:
                self.waiting[RAYNET].add(int(company), int(record["id"]))
                return None
        else:
            main = get_path(record, "addressbookHeader.refAddress.refAD")
            pid = get_path(record, "addressbookHeader.id")
            if main is None or pid is None:
                return None
            parent = self.parents.of_adb(main)
            if parent is None:
                self.waiting[POHODA].add(int(main), int(pid))
                return None
        return with_parent(record, parent)

    def _made_from_delivery_address(self, person_id: int) -> bool:
        link = self.ctx.state.find_link("delivery_addresses", raynet_id=person_id)
        return link is not None and link.raynet_entity == "person"

    def read_raynet(self, since) -> Iterator[dict]:
        seen = IdSet()  # on disk: a first run reads every contact person
        for person in super().read_raynet(since):
            seen.add(int(person["id"]))
            if (record := self._annotate(RAYNET, person)) is not None:
                yield record
        for _, pid in self.waiting[RAYNET].linked(lambda c: self.parents.of_company(c) is not None):
            if pid is not None and pid not in seen and (record := self.refetch_raynet(pid)) is not None:
                yield record

    def read_pohoda(self, since) -> Iterator[dict]:
        seen = IdSet()  # on disk: a first run reads every contact person
        for contact in super().read_pohoda(since):
            seen.add(int(get_path(contact, "addressbookHeader.id") or 0))
            if (record := self._annotate(POHODA, contact)) is not None:
                yield record
        for _, pid in self.waiting[POHODA].linked(lambda a: self.parents.of_adb(a) is not None):
            if pid is not None and pid not in seen and (record := self.refetch_pohoda(pid)) is not None:
                yield record

    def refetch_raynet(self, raynet_id: int) -> dict | None:
        return self._annotate(RAYNET, super().refetch_raynet(raynet_id))

    def refetch_pohoda(self, pid: int) -> dict | None:
        return self._annotate(POHODA, super().refetch_pohoda(pid))

    def prepare_raynet(self, record: dict) -> dict:
        """Expressions see the primary relationship as ``relationship`` (``type`` = position, ``company``),
        the shape a new person is written in (PersonInsertDto ``relationship``)."""
        record = super().prepare_raynet(record)
        rel = record.get("primaryRelationship") or {}
        return {**record, "relationship": {"type": rel.get("type"), "company": get_path(rel, "company.id")}}

    # ------------------------------------------------------------ pairing
    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        parent = parent_of(record)
        if parent is None:
            return []
        if side == RAYNET:
            name = " ".join(str(x) for x in (record.get("firstName"), record.get("lastName")) if x)
            email = get_path(record, "contactInfo.email")
        else:
            name, email = get_path(record, f"{ADR}.name"), get_path(record, f"{ADR}.email")
        name, email = norm_text(name), norm_text(email)
        values = {"name_email": f"{name}|{email}" if name and email else "", "name": name, "email": email}
        return [(key, f"{parent.adb_id}|{values[key]}") for key in self.plan.model.match if values.get(key)]

    def sync_pair(self, r: dict | None, p: dict | None, link: Link | None) -> None:
        if link is not None and link.parent_key:
            for side, record in ((RAYNET, r), (POHODA, p)):
                parent = parent_of(record)
                if parent is not None and parent.key != link.parent_key:
                    was = Parent.parse(link.parent_key)
                    raise Reject(
                        f"the {'person' if side == RAYNET else 'contact person'} moved to another client "
                        f"(it belonged to Raynet client {was.company_id if was else '?'} / address-book record "
                        f"{was.adb_id if was else '?'}); rpsync does not move contact persons between clients — "
                        "put it back, or create it anew under the other client", field="relationship", rule="R-P2")
        super().sync_pair(r, p, link)

    def save_link(self, raynet_id, pid, pohoda_record=None, link=None, **extra) -> Link:
        parent = parent_of(pohoda_record) or (self._parent_of_new.get(int(raynet_id)) if raynet_id else None) \
            or self.parents.of_adb(get_path(pohoda_record, "addressbookHeader.refAddress.refAD"))
        if parent is not None and "parent_key" not in extra:
            extra["parent_key"] = parent.key
        return super().save_link(raynet_id, pid, pohoda_record, link, **extra)

    # ------------------------------------------------------------ writes: Raynet (R-P1)
    def before_raynet_create(self, values: dict[str, Any], p: dict) -> None:
        if not norm_text(values.get("lastName")):
            raise Reject("the contact person has no name; Raynet requires a last name — fill the name in POHODA",
                         field=f"{ADR}.name", rule="R-P1")

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        given = {k: v for k, v in values.items() if v is not None}
        position = given.pop("relationship.type", None)
        given.pop("relationship.company", None)
        body = body_from_values("person", given, self.key_for)
        body["relationship"] = {"company": parent_of(pohoda_record).company_id}
        if norm_text(position):
            body["relationship"]["type"] = position
        return self.ctx.raynet.persons.create(body, ext_id=ext_id)

    def write_raynet_update(self, link, writes, r_cur, p_cur) -> None:
        if "relationship.type" in writes and not norm_text(writes["relationship.type"]):
            # Raynet requires a position on a relationship (PersonRelationshipEditDto): an empty POHODA function
            # leaves the position as it is (the shadows then agree, so nothing comes back)
            writes = {k: v for k, v in writes.items() if k != "relationship.type"}
            if not writes:
                self.store_shadows(link, r_cur, p_cur)
                self.counts_to_r.unchanged += 1
                return
        super().write_raynet_update(link, writes, r_cur, p_cur)

    def update_raynet(self, raynet_id: int, values: dict[str, Any], current: Mapping[str, Any] | None) -> None:
        values = dict(values)
        values.pop("relationship.company", None)
        position = values.pop("relationship.type", None)
        persons = self.ctx.raynet.persons
        if values:
            persons.update(raynet_id, body_from_values("person", values, self.key_for))
        if position is not None:
            relationship = get_path(current, "primaryRelationship.id")
            company = get_path(current, "_company")
            if relationship is None or company is None:
                fresh = persons.get(raynet_id)
                relationship = get_path(fresh, "primaryRelationship.id")
                company = get_path(fresh, "primaryRelationship.company.id")
            if relationship is None:
                raise RaynetNotFound("the person has no relationship to its client any more")
            # PersonRelationshipEditDto requires company and type
            persons.update_relationship(raynet_id, int(relationship), {"company": int(company), "type": position})

    # ------------------------------------------------------------ writes: POHODA (R-P2)
    def pohoda_document(self, values, raynet_record, link: Link | None):
        record: dict[str, Any] = {}
        for path, value in values.items():
            if value is not None:
                set_path(record, path, value)
        if link is not None and link.pohoda_id is not None:
            return record, {}
        return record, {"ref_address": {"id": parent_of(raynet_record).adb_id}}

    def create_in_pohoda(self, r: dict, link: Link | None = None) -> None:
        if not self.plan.runs("to_pohoda"):
            return
        if self.as_ships:
            self._sync_ship(r)
            return
        self._parent_of_new[int(r["id"])] = parent_of(r)
        super().create_in_pohoda(r, link)

    def _sync_ship(self, r: dict) -> None:
        """R-P2 with ``to_pohoda_as: delivery_addresses``: the person as a delivery address of its client."""
        state, rid, parent = self.ctx.state, int(r["id"]), parent_of(r)
        link = state.find_link(SHIP_LINKS, raynet_id=rid)
        if link is not None and link.parent_key and link.parent_key != parent.key:
            raise Reject("the person moved to another client; its delivery address stays with the old client's "
                         "record — create it anew under the other client", field="relationship", rule="R-P2")
        if link is not None and link.pohoda_id is None and link.deleted_on == POHODA:
            return  # its delivery address is gone (e.g. not carried into a new unit, R-G2): never re-created
        if link is None or link.pohoda_id is None:
            values = {b.pohoda_path: b.to_pohoda(r) for b in self.ship_bindings if b.pohoda_path}
            self.ships.create(r, parent, values, link)
            return
        p_shadow = state.get_shadow(SHIP_LINKS, POHODA, str(link.pohoda_id))
        decision = decide(self.ship_bindings, raynet_now=r, pohoda_now=None,
                          raynet_shadow=state.get_shadow(SHIP_LINKS, RAYNET, str(rid)), pohoda_shadow=p_shadow)
        if decision.to_pohoda:
            self.ships.update(link, parent, decision.to_pohoda, r, p_shadow)
            return
        self.counts_to_p.unchanged += 1
        state.set_shadow(SHIP_LINKS, RAYNET, str(rid), make_shadow(r, self.ships.paths_r))
        state.release(self.agenda, RAYNET, str(rid))

    def flush_pohoda(self) -> None:
        super().flush_pohoda()
        self.ships.flush()

    def sub_link_agendas(self) -> tuple[str, ...]:
        return (self.agenda, SHIP_LINKS)

    def rebind_sources(self, moved) -> list:
        """R-G2: contact persons, and the delivery addresses made of persons (R-P2), in the new unit."""
        sources = super().rebind_sources(moved)
        return sources + [self.ships.rebind_source(self.parents)]

    def reconcile_create(self, intent) -> int | None:
        if ":create-ship:" in intent.key:
            return self.ships.reconcile(intent)
        return super().reconcile_create(intent)
