"""Delivery addresses ⇄ Raynet company addresses or persons (R-D1 … R-D4).

POHODA keeps delivery addresses inside the address-book record
(``identity/shipToAddress[]``, each with an id of its own); Raynet keeps a
client's addresses under ``/company/{id}/address/`` (the primary one is the
main address, synced by the address-book step; the others are delivery
addresses here). One mechanism per mapping (R-D1):

- ``company_addresses`` (standard): POHODA delivery addresses ⇄ the client's
  other Raynet addresses, both ways. Raynet company addresses go to POHODA only
  as delivery addresses (R-D4): an update of the parent address-book record
  with a ``shipToAddress`` item — added with an extId naming the Raynet
  address, or updated by its POHODA id.
- ``contact_persons``: POHODA delivery addresses → Raynet persons of the client
  (``contact_person_fields``, POHODA → Raynet only). Raynet company addresses
  are then not synced (the mapping chose persons for delivery addresses).

R-D2: a delivery address without a name gets its street as the name (Raynet
requires one) — the standard mapping says so in its binding, and the engine
makes sure of it for any mapping; without a street either the record is
quarantined.

Reading (sub-records have no cursor of their own, they change with their
parent): POHODA — address-book records changed since the cursor (one list
request), their delivery addresses; Raynet — the clients changed since the
cursor (the client list the address-book step read this run, so no request of
its own; else one list request), and one detail request per changed linked
client, because only a client's detail lists its addresses (none for a client
the address-book step created this run: it holds only its primary address). Children of a
client not linked yet wait (``sub_records.Waiting``) and are read once it is.

R-D3: ``delivery_address_for(ctx, company_id)`` gives the POHODA delivery
address for a new document of a client, from the client's default Raynet
address (see docs/engine.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator, Mapping

from engine.raynet.entities import last_modified_at, never_updated
from engine.raynet.errors import RaynetNotFound, RaynetUncertainWrite
from engine.state.model import Link
from engine.sync.merge import make_shadow, shadow_paths
from engine.sync.ondisk import IdMap, IdSet
from engine.sync.paths import get_path
from engine.sync.raynet_records import body_from_values
from engine.sync.snapshot import norm_text, same
from engine.sync.steps.base import POHODA, POHODA_OVERLAP, RAYNET, RAYNET_OVERLAP, Reject, Step
from engine.sync.steps.sub_records import (
    PARENT_AGENDA, PARENT_PATHS, Parent, ShipWriter, SubRecords, parent_of, shared_read, ship_ext_id,
    ships_of, with_parent,
)

COMPANY_ADDRESSES, CONTACT_PERSONS = "company_addresses", "contact_persons"


class DeliveryAddressesStep(SubRecords, Step):
    reads_own_raynet_list = False  # clients may come from the address-book step's read: read_raynet says when
    # that read (or its own) began
    agenda = "delivery_addresses"
    raynet_entity = "companyAddress"
    pohoda_agenda = "delivery_addresses"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.mechanism = self.plan.model.mechanism
        if self.mechanism == CONTACT_PERSONS:
            # R-D1: delivery address → person, POHODA → Raynet only (contact_person_fields)
            self.raynet_entity = "person"
            self.bindings = tuple(replace(b, to_pohoda=None, reads_raynet=frozenset())
                                  for b in self.plan.extra.get("contact_person_fields", ()) if b.to_raynet)
            self.paths_r = shadow_paths(self.bindings, RAYNET) | self.extra_shadow_paths(RAYNET)
            self.paths_p = shadow_paths(self.bindings, POHODA) | self.extra_shadow_paths(POHODA)
        self.name_path = "address.name" if self.mechanism == COMPANY_ADDRESSES else "lastName"
        self.ships = ShipWriter(self, links_agenda=self.agenda, raynet_entity="companyAddress", kind="address",
                                paths_r=self.paths_r, paths_p=self.paths_p)
        # clients whose detail this run read: id -> their memo (version, last change ISO), not the detail
        # itself (a first run reads every client's detail; keeping them all made memory grow with the
        # clients), on disk for the same reason
        self._seen = IdMap()
        self._written = IdSet()        # clients this run wrote addresses to
        self._fresh = IdSet()          # clients the address-book step created this run, not read
        self.init_sub_records()

    def extra_shadow_paths(self, side: str) -> frozenset[str]:
        return PARENT_PATHS | ({"id"} if side == POHODA else set())

    def explain_extra(self) -> list[str]:
        if self.mechanism == CONTACT_PERSONS:
            lines = ["mechanism (R-D1): POHODA delivery addresses → Raynet persons of the client (one way); "
                     "Raynet company addresses are not synced"]
        else:
            lines = ["mechanism (R-D1): POHODA delivery addresses ⇄ the client's other Raynet addresses",
                     "Raynet addresses go to POHODA only as delivery addresses of the client's record (R-D4)",
                     "Raynet: one detail request per client changed since the last run (addresses come only "
                     "with the detail)"]
        return lines + ["a delivery address without a name is named by its street (R-D2)"]

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            if self.mechanism == CONTACT_PERSONS:
                name = " ".join(str(x) for x in (record.get("firstName"), record.get("lastName")) if x)
                return f"person {record.get('id')} {name}".strip()
            name = get_path(record, "address.name") or ""
            return f"address {record.get('id')} {name} of client {record.get('_company')}".strip()
        return (f"delivery address {record.get('id')} {record.get('name') or record.get('street') or ''} "
                f"of address-book record {record.get('_adb')}").replace("  ", " ")

    # ------------------------------------------------------------ reading
    def reads(self, side: str) -> bool:
        if self.mechanism == CONTACT_PERSONS and side == RAYNET:
            return self._cursor(RAYNET) is None  # persons are read only to pair on the first run
        return super().reads(side)

    def pohoda_id_of(self, record: Mapping[str, Any]) -> int:
        if record.get("id") is None:
            raise Reject("the delivery address has no id")
        return int(record["id"])

    def read_pohoda(self, since) -> Iterator[dict]:
        start = since - POHODA_OVERLAP if since is not None else None
        waiting = self.waiting[POHODA]
        seen = IdSet()
        for record in self.ctx.pohoda.changed_since(PARENT_AGENDA, start, select=self.pohoda_select()):
            adb = get_path(record, "addressbookHeader.id")
            if get_path(record, "addressbookHeader.refAddress") or adb is None or not self._ships(record):
                continue
            parent = self.parents.of_adb(adb)
            if parent is None:
                waiting.add(int(adb))  # read again once the address book links it
                continue
            seen.add(int(adb))
            yield from self._children(record, parent)
        for adb, _ in waiting.linked(lambda a: self.parents.of_adb(a) is not None):
            if adb in seen or adb < 0:
                continue
            record = self.ctx.pohoda.get(PARENT_AGENDA, adb)
            if record is not None:
                yield from self._children(record, self.parents.of_adb(adb))

    def _ships(self, record: Mapping[str, Any]) -> list[dict]:
        # delivery addresses rpsync made from Raynet persons belong to the contact-persons step (R-P2)
        from_persons = ship_ext_id(self.ctx, "person", "")
        return [s for s in ships_of(record) if not str(s.get("extId") or "").startswith(from_persons)]

    def _children(self, record: Mapping[str, Any], parent: Parent) -> Iterator[dict]:
        for ship in self._ships(record):
            yield with_parent(ship, parent)

    def read_raynet(self, since) -> Iterator[dict]:
        if self.mechanism == CONTACT_PERSONS:
            yield from self._read_persons()
            return
        api = self.ctx.raynet.companies
        start = since - RAYNET_OVERLAP if since is not None else None
        changed = shared_read(self.ctx, "company", start)
        own_read = changed is None
        if own_read:  # the address-book step did not read the client list this run
            self.ctx.raynet.client.mark_time()
            changed = ((int(c["id"]), (last_modified_at(c), c.get("_version"), never_updated(c)))
                       for c in (api.list() if start is None else api.changed_since(start)))
        else:  # the address-book step's read covers every change up to when it began
            self.raynet_read_began = getattr(self.ctx.scratch.get("raynet_read:company"), "began", None)
        linked = lambda c: self.parents.of_company(c) is not None  # noqa: E731
        updated = IdSet(self._written_by_address_book("update"))
        # Clients the address-book step created this run hold only what it created: the primary address (a
        # new client's body has that one address, ``company_create_body``), no other address to read — unless
        # the client list shows one of them changed since (a list read after the creates).
        self._fresh = IdSet(c for c in self._written_by_address_book("create")
                            if c > 0 and c not in updated and linked(c))
        newest = None
        waiting = self.waiting[RAYNET]
        wanted = IdSet()  # streamed, on disk: a first run wants every client
        for cid, (moment, version, untouched) in changed:
            if moment is not None and (newest is None or moment > newest):
                newest = moment
            if not linked(cid):
                waiting.add(cid)  # its addresses are read once the address book links it
            elif cid in self._fresh:
                if not untouched:  # changed since it was created: read below with the run's other writes
                    self._fresh.discard(cid)
            elif not self._seen_as(cid, moment, version, untouched):
                wanted.add(cid)
        wanted.update(cid for cid, _ in waiting.linked(linked))
        if own_read:
            self.raynet_read_began = self.ctx.raynet.client.first_answer_at
        self.raynet_newest = newest
        for op in ("create", "update"):
            wanted.update(c for c in self._written_by_address_book(op) if c not in self._fresh and linked(c))
        for cid in wanted:
            self._fresh.discard(cid)
        for cid in wanted:  # ascending, as sorted() was
            if cid <= 0:
                continue
            try:
                detail = api.get(cid)
            except RaynetNotFound:
                continue
            self._seen[cid] = self._memo(detail)
            parent = self.parents.of_company(cid)
            for address in detail.get("addresses") or ():
                if not address.get("primary"):  # the primary address is the main address (address book)
                    yield with_parent(address, parent)

    # A client's detail is read again only when the client list shows it changed since it was last read:
    # ``(_version, last change)`` of the client as last read is kept ("raynet-client" shadows). Clients
    # the address-book step updated this run, and clients this step wrote addresses to, are read (again)
    # (in ``read_raynet``, at the end of the run), so the sync's own writes cost no request on the next run:
    # after a write only the detail shows whether anything else changed the client's other addresses
    # meanwhile (the list has no other addresses; ``_version`` is documented only as "verze" — [OAS] ``view``
    # parameter — so counting on it growing by one per write would rely on undocumented behaviour).
    # Clients the address-book step created this run and nothing wrote addresses to are not read at all:
    # their memo says "as created" and holds while the client list shows them never updated
    # (``entities.never_updated``; an address added or edited changes the client's ``rowInfo`` — the
    # assumption every memo here rests on: the client list is how changed clients are found).
    CLIENT = "raynet-client"

    def _seen_as(self, cid: int, moment, version, untouched: bool = False) -> bool:
        memo = self.ctx.state.get_shadow(self.agenda, self.CLIENT, str(cid))
        if memo is not None and memo.get("created"):
            return untouched
        return (memo is not None and version is not None and memo.get("version") == version
                and memo.get("changed") == (moment.isoformat() if moment else None))

    def _written_by_address_book(self, op: str) -> Iterator[int]:
        from engine.state.model import IntentStatus

        # only the ids, streamed: a first run journals an intent per client (loading them all as objects made
        # this step's memory grow with the clients)
        return (int(r) for r in self.ctx.state.intent_results(self.ctx.run_id, agenda=PARENT_AGENDA, target=RAYNET,
                                                               status=IntentStatus.DONE, op=op)
                if r.lstrip("-").isdigit())

    def _remember_clients(self) -> None:
        state, api = self.ctx.state, self.ctx.raynet.companies
        if self.ctx.allowed is not None:
            return  # applying a saved plan may leave writes for the next run: read those clients again then
        for cid in self._written:  # ascending
            if self.ctx.dry_run:
                self._seen.pop(cid, None)
                continue
            try:
                detail = api.get(cid)
            except RaynetNotFound:
                detail = None
            if detail is not None and self._as_written(detail, self.parents.of_company(cid)):
                self._seen[cid] = self._memo(detail)
            else:
                self._seen.pop(cid, None)  # something else changed meanwhile: read it on the next run
        for cid, (version, changed) in self._seen.items():
            state.set_shadow(self.agenda, self.CLIENT, str(cid), {"version": version, "changed": changed})
        for cid in self._fresh:  # ascending
            if not self.ctx.dry_run and cid not in self._written and cid not in self._seen:
                state.set_shadow(self.agenda, self.CLIENT, str(cid), {"created": True})

    @staticmethod
    def _memo(detail: Mapping[str, Any]) -> tuple:
        moment = last_modified_at(detail)
        return detail.get("_version"), moment.isoformat() if moment else None

    def _as_written(self, detail: Mapping[str, Any], parent: Parent | None) -> bool:
        """Does every other address of the client hold what the sync last wrote or read (its shadow)?"""
        paths = shadow_paths(self.bindings, RAYNET)
        for address in detail.get("addresses") or ():
            if address.get("primary"):
                continue
            link = self.ctx.state.find_link(self.agenda, raynet_id=int(address["id"]))
            shadow = self.ctx.state.get_shadow(self.agenda, RAYNET, str(address["id"]))
            if link is None or link.pohoda_id is None or shadow is None or parent is None:
                return False
            if not all(same(get_path(address, p), get_path(shadow, p)) for p in paths):
                return False
        return True

    def _read_persons(self) -> Iterator[dict]:
        for person in self.ctx.raynet.persons.list():
            parent = self.parents.of_company(get_path(person, "primaryRelationship.company.id"))
            if parent is not None:
                yield with_parent(person, parent)

    def refetch_raynet(self, raynet_id: int) -> dict | None:
        return None  # sub-records come again with their parent (``quarantine`` marks it to be read)

    def refetch_pohoda(self, pid: int) -> dict | None:
        return None

    def quarantine(self, side, record_id, record, message, *, field=None, rule=None) -> None:
        super().quarantine(side, record_id, record, message, field=field, rule=rule)
        parent = parent_of(record)
        if parent is not None:
            self.waiting[side].add(parent.company_id if side == RAYNET else parent.adb_id)

    def after_pairing(self) -> None:
        if self.mechanism == COMPANY_ADDRESSES:
            self._remember_clients()
        super().after_pairing()

    # ------------------------------------------------------------ pairing
    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        parent = parent_of(record)
        if parent is None:
            return []
        if self.mechanism == CONTACT_PERSONS:
            if side == RAYNET:
                first, last = record.get("firstName"), record.get("lastName")
            else:
                try:
                    values = self.raynet_values(record)
                except Reject:
                    return []
                first, last = values.get("firstName"), values.get("lastName")
            name = norm_text(" ".join(str(x) for x in (first, last) if x))
            return [(key, f"{parent.adb_id}|{name}") for key in self.plan.model.match[:1] if name]
        if side == RAYNET:
            name, street, city = (get_path(record, f"address.{k}") for k in ("name", "street", "city"))
        else:
            street, city = record.get("street"), record.get("city")
            name = record.get("name") if norm_text(record.get("name")) else street  # R-D2
        keys = []
        for key in self.plan.model.match:
            first = {"name_city": name, "street_city": street}.get(key)
            if norm_text(first):
                keys.append((key, f"{parent.adb_id}|{norm_text(first)}|{norm_text(city)}"))
        return keys

    def passes(self, side: str, record: dict | None) -> bool:
        if self.mechanism == CONTACT_PERSONS and side == RAYNET:
            return False  # persons do not go to POHODA through this agenda (contact_persons does, R-P2)
        return super().passes(side, record)

    # ------------------------------------------------------------ values
    def raynet_values(self, pohoda_record: Mapping[str, Any]) -> dict[str, Any]:
        values = super().raynet_values(pohoda_record)
        if not norm_text(values.get(self.name_path)):
            values[self.name_path] = self._named_by_street(pohoda_record)
        return values

    def _named_by_street(self, ship: Mapping[str, Any] | None) -> str:
        """R-D2: a delivery address without a name gets its street as the name."""
        street = str((ship or {}).get("street") or "").strip()
        if not street:
            raise Reject("the delivery address has neither a name nor a street; Raynet requires a name (R-D2) — "
                         "fill the name or the street in POHODA", field="name", rule="R-D2")
        return street

    # ------------------------------------------------------------ writes: Raynet
    def save_link(self, raynet_id, pid, pohoda_record=None, link=None, **extra) -> Link:
        parent = parent_of(pohoda_record)
        if parent is not None and "parent_key" not in extra:
            extra["parent_key"] = parent.key
        if self.mechanism == COMPANY_ADDRESSES:
            extra["raynet_ext_id"] = None  # company addresses carry no extId
        return super().save_link(raynet_id, pid, pohoda_record, link, **extra)

    def before_raynet_create(self, values: dict[str, Any], p: dict) -> None:
        # a company address carries no extId: the link (with its parent) is saved before the intent, so an
        # interrupted create is found again on the parent (``reconcile_create``)
        if self.mechanism == COMPANY_ADDRESSES and not self.ctx.state.find_link(self.agenda,
                                                                                pohoda_id=self.pohoda_id_of(p)):
            self.save_link(None, self.pohoda_id_of(p), p)

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        parent = parent_of(pohoda_record)
        given = {k: v for k, v in values.items() if v is not None}
        if self.mechanism == CONTACT_PERSONS:
            body = body_from_values("person", given, self.key_for)
            body["relationship"] = {"company": parent.company_id}
            return self.ctx.raynet.persons.create(body, ext_id=ext_id)
        body = body_from_values("companyAddress", given, self.key_for)
        self._written.add(parent.company_id)
        try:
            return self.ctx.raynet.companies.add_address(parent.company_id, body)
        except RaynetUncertainWrite:
            # the answer was lost: the client's detail says whether the address landed (never sent twice)
            found = self._find_address(parent, given)
            if found is None:
                raise Reject("Raynet gave no answer to the new address and the client does not have it; "
                             "it is tried again on the next run", rule="raynet") from None
            return int(found["id"])

    def _find_address(self, parent: Parent, values: Mapping[str, Any]) -> dict | None:
        """The one unlinked address of the client holding ``values`` (after a lost answer or a crash)."""
        try:
            detail = self.ctx.raynet.companies.get(parent.company_id)
        except RaynetNotFound:
            return None
        found = [a for a in detail.get("addresses") or () if not a.get("primary")
                 and self.ctx.state.find_link(self.agenda, raynet_id=int(a["id"])) is None
                 and all(same(norm_text(get_path(a, path)), norm_text(value)) for path, value in values.items())]
        return found[0] if len(found) == 1 else None

    def write_raynet_update(self, link, writes, r_cur, p_cur) -> None:
        if self.name_path in writes and not norm_text(writes[self.name_path]):
            writes = {**writes, self.name_path: self._named_by_street(p_cur)}
        super().write_raynet_update(link, writes, r_cur, p_cur)

    def update_raynet(self, raynet_id: int, values: dict[str, Any], current: Mapping[str, Any] | None) -> None:
        if self.mechanism == CONTACT_PERSONS:
            self.ctx.raynet.persons.update(raynet_id, body_from_values("person", values, self.key_for))
            return
        parent = parent_of(current)
        if parent is None:
            link = self.ctx.state.find_link(self.agenda, raynet_id=raynet_id)
            parent = Parent.parse(link.parent_key if link else None)
        if parent is None:
            raise Reject(f"the client of Raynet address {raynet_id} is not known", rule="R-D4")
        self._written.add(parent.company_id)
        self.ctx.raynet.companies.update_address(parent.company_id, raynet_id,
                                                 body_from_values("companyAddress", values, self.key_for))

    # ------------------------------------------------------------ writes: POHODA (R-D4)
    def create_in_pohoda(self, r: dict, link: Link | None = None) -> None:
        if self.mechanism == CONTACT_PERSONS or not self.plan.runs("to_pohoda"):
            return
        self.ships.create(r, parent_of(r), self.pohoda_values(r), link)

    def queue_pohoda_update(self, link: Link, writes: dict[str, Any], r_cur, p_cur) -> None:
        parent = parent_of(p_cur) or parent_of(r_cur) or Parent.parse(link.parent_key)
        self.ships.update(link, parent, writes, r_cur, p_cur)

    def flush_pohoda(self) -> None:
        super().flush_pohoda()
        self.ships.flush()

    # ------------------------------------------------------------ after a crash
    def reconcile_create(self, intent) -> int | None:
        if intent.target == POHODA:
            return self.ships.reconcile(intent)
        if self.mechanism == CONTACT_PERSONS:
            return super().reconcile_create(intent)
        half = self.ctx.state.find_link(self.agenda, pohoda_id=int(intent.source_id))
        parent = Parent.parse(half.parent_key if half else None)
        if parent is None:
            return None
        record = self.ctx.pohoda.get(PARENT_AGENDA, parent.adb_id)
        ship = next((s for s in ships_of(record or {}) if str(s.get("id")) == intent.source_id), None)
        if ship is None:
            return None
        p = with_parent(ship, parent)
        values = {k: v for k, v in self.raynet_values(p).items() if v is not None}
        found = self._find_address(parent, values)
        if found is None:
            return None
        link = self.save_link(int(found["id"]), int(intent.source_id), p, half)
        # what Raynet holds now stands as its shadow: the next run writes only what differs
        self.ctx.state.set_shadow(self.agenda, RAYNET, str(link.raynet_id),
                                  make_shadow(with_parent(found, parent), self.paths_r))
        return link.raynet_id


# ------------------------------------------------------------------ R-D3

#: how a Raynet address becomes a POHODA delivery address when the mapping has no company-address bindings
DEFAULT_SHIP_FIELDS = {"name": "address.name", "street": "address.street", "city": "address.city",
                       "zip": "address.zipCode", "phone": "contactInfo.tel1", "email": "contactInfo.email"}


def default_address(company: Mapping[str, Any]) -> dict | None:
    """R-D3: the client's default Raynet address — its contact address, else its primary address."""
    addresses = list(company.get("addresses") or ())
    for flag, block in (("contactAddress", company.get("contactAddress")), ("primary", company.get("primaryAddress"))):
        found = next((a for a in addresses if a.get(flag)), None) or block
        if found:
            return dict(found)
    return None


def ship_to_fields(ctx, address: Mapping[str, Any]) -> dict[str, Any]:
    """A Raynet company address (``{address: {…}, contactInfo: {…}}``, or a document's flat delivery address
    ``{name, street, city, zipCode}``) as POHODA delivery-address fields, by the mapping's bindings."""
    block = dict(address) if "address" in address else {"address": dict(address)}
    plan = ctx.agendas.get("delivery_addresses")
    bindings = [b for b in plan.bindings if b.to_pohoda is not None and b.pohoda_path] \
        if plan is not None and plan.model.mechanism == COMPANY_ADDRESSES else []
    if bindings:
        values = {b.pohoda_path: b.to_pohoda(block) for b in bindings}
    else:
        values = {field: get_path(block, path) for field, path in DEFAULT_SHIP_FIELDS.items()}
    return {k: v for k, v in values.items() if v not in (None, "")}


def delivery_address_for(ctx, company_id: int, *, company: Mapping[str, Any] | None = None,
                         address: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """R-D3: the delivery address a new POHODA document of a Raynet client carries.

    ``address`` — the document's own delivery address, when the Raynet document
    has one; else the client's default address (``default_address``), read from
    ``company`` (a list or detail record the caller already has: no request)
    or from the client's detail (one request, kept for the rest of the run).
    Returns the fields of POHODA's ``typ:shipToAddressType`` for the document's
    ``partnerIdentity.shipToAddress`` (``name``, ``street``, ``city``, ``zip`` …,
    ``company`` = the client's name), plus ``id`` when that address is a linked
    POHODA delivery address of the client's record; None when the client has
    no address.
    """
    if address is None:
        if company is None or not (company.get("contactAddress") or company.get("addresses")
                                   or company.get("primaryAddress")):
            key = f"company_detail:{company_id}"
            if key not in ctx.scratch:
                try:
                    ctx.scratch[key] = ctx.raynet.companies.get(company_id)
                except RaynetNotFound:
                    ctx.scratch[key] = None
            company = ctx.scratch[key] or {}
        address = default_address(company)
        if address is None:
            return None
    fields = ship_to_fields(ctx, address)
    if company and company.get("name"):
        fields.setdefault("company", company["name"])
    address_id = address.get("id") if "address" in address else None
    if address_id is not None and not address.get("primary"):
        link = ctx.state.find_link("delivery_addresses", raynet_id=int(address_id))
        if link is not None and link.pohoda_id is not None and link.raynet_entity == "companyAddress":
            fields["id"] = link.pohoda_id
    return fields
