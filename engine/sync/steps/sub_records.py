"""What the sub-record steps of the address book share (delivery addresses, contact persons).

A sub-record belongs to a **parent**: a client linked by the address-book step
(Raynet company ⇄ POHODA main address-book record). Sub-records have no cursor
of their own worth the name — they change when their parent changes — and some
carry no extId (Raynet company addresses, POHODA delivery addresses are written
through their parent). This module gives the steps:

- ``Parent`` / ``Parents``: the address-book links, and the ``Link.parent_key``
  that names a sub-record's parent on both sides (``company=12;adb=5``);
- ``Waiting``: sub-records read while their parent was not linked yet (or that
  were quarantined): their parents are read again once linked, so a
  sub-record is never lost because it was read too early;
- ``ShipWriter``: POHODA delivery addresses written as updates of their
  address-book record (``shipToAddress`` items, add or update by id), journaled,
  their new ids found again by the extId each one carries (type.xsd
  ``shipToAddressType/extId``), reconciled after a crash the same way;
- ``shared_read``: a Raynet entity list an earlier step of the run already read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from engine.pohoda import lists, render
from engine.state.model import IntentStatus, Link
from engine.sync.crashpoints import crashpoint
from engine.sync.merge import make_shadow, patched
from engine.sync.paths import set_path
from engine.sync.pohoda_gateway import Write
from engine.sync.steps.rebinding import RebindSource, moved_id

if TYPE_CHECKING:  # pragma: no cover
    from engine.sync.steps.base import Step

PARENT_AGENDA = "address_book"
SHIPS = "addressbookHeader.identity.shipToAddress"
RAYNET, POHODA = "raynet", "pohoda"


def ships_of(record: Mapping[str, Any]) -> list[dict]:
    """The delivery addresses of a POHODA address-book record."""
    return [s for s in lists.derived("delivery_addresses", dict(record)) if isinstance(s, dict)]


# ------------------------------------------------------------------ parents


@dataclass(frozen=True, slots=True)  # one per linked client, held for the run: no __dict__ each
class Parent:
    """A linked client: the Raynet company and the POHODA main address-book record."""

    company_id: int
    adb_id: int

    @property
    def key(self) -> str:
        return f"company={self.company_id};adb={self.adb_id}"

    @staticmethod
    def parse(key: str | None) -> "Parent | None":
        m = re.fullmatch(r"company=(-?\d+);adb=(-?\d+)", key or "")
        return Parent(int(m.group(1)), int(m.group(2))) if m else None


class Parents:
    """The address-book links (the address-book step of the run saved them before), looked up in the state
    by its indexes as they are asked for: not held, since a first run links every client."""

    def __init__(self, state) -> None:
        self.state = state

    @staticmethod
    def _parent(link: Link | None) -> Parent | None:
        if link is None or link.raynet_id is None or link.pohoda_id is None:
            return None
        return Parent(int(link.raynet_id), int(link.pohoda_id))

    @classmethod
    def in_new_unit(cls, state, moved) -> "MovedParents":
        """The address-book links with the POHODA ids rebind found in a new accounting unit (R-G2)."""
        return MovedParents(state, moved)

    def of_company(self, company_id: Any) -> Parent | None:
        if company_id is None:
            return None
        return self._parent(self.state.find_link(PARENT_AGENDA, raynet_id=int(company_id)))

    def of_adb(self, adb_id: Any) -> Parent | None:
        if adb_id is None:
            return None
        return self._parent(self.state.find_link(PARENT_AGENDA, pohoda_id=int(adb_id)))


class MovedParents(Parents):
    """Rebind (R-G2): the address-book links with their POHODA ids in the new unit, held (a rebind is rare)."""

    def __init__(self, state, moved) -> None:
        super().__init__(state)
        self.by_company: dict[int, Parent] = {}
        for link in state.iter_links(PARENT_AGENDA):
            parent = self._parent(link)
            if parent is not None:
                adb = moved_id(PARENT_AGENDA, parent.adb_id, moved)
                if adb is not None:
                    self.by_company[parent.company_id] = Parent(parent.company_id, adb)
        self.by_adb = {p.adb_id: p for p in self.by_company.values()}

    def of_company(self, company_id: Any) -> Parent | None:
        return self.by_company.get(int(company_id)) if company_id is not None else None

    def of_adb(self, adb_id: Any) -> Parent | None:
        return self.by_adb.get(int(adb_id)) if adb_id is not None else None


class SubRecords:
    """Mixin of the sub-record steps: this run's parents and the sub-records waiting for theirs."""

    def init_sub_records(self) -> None:
        self._parents: Parents | None = None
        self.waiting = {side: Waiting(self.ctx.state, self.agenda, side) for side in (RAYNET, POHODA)}

    @property
    def parents(self) -> Parents:
        """The address-book links, read on first use (after the address-book step of this run)."""
        if self._parents is None:
            self._parents = Parents(self.ctx.state)
        return self._parents

    def after_pairing(self) -> None:
        for waiting in self.waiting.values():
            waiting.finish()

    # ---- rebind (R-G2) -----------------------------------------------------
    #: the link agendas whose links name a parent (``parent_key``, ``_adb`` in shadows)
    def sub_link_agendas(self) -> tuple[str, ...]:
        return (self.agenda,)

    def rebind_sources(self, moved) -> list:
        """Records of the new unit under their parents' new ids; a link's shadow keyed by its parent's new id."""
        self._parents = Parents.in_new_unit(self.ctx.state, moved)
        return [self.rebind_source(source, moved) for source in super().rebind_sources(moved)]

    @staticmethod
    def rebind_source(source, moved):
        def keys_of(record: dict) -> list[tuple[str, str]]:
            own = record.get("extId")   # a delivery address's extId is plain text (type.xsd shipToAddressType)
            return ([("extId", own)] if isinstance(own, str) and own else []) + source.keys_of(record)

        def link_keys(link: Link, shadow: dict | None) -> list[tuple[str, str]]:
            parent = Parent.parse(link.parent_key) or parent_of(shadow)
            if shadow is not None:
                adb = moved_id(PARENT_AGENDA, parent.adb_id, moved) if parent else None
                # keyed under the parent's new id; no match keys when the parent is not in the new unit
                shadow = {**shadow, "_company": parent.company_id, "_adb": adb} if adb is not None else None
            return source.link_keys(link, shadow)

        return replace(source, keys_of=keys_of, link_keys=link_keys)

    def rebind_commit(self, moved) -> None:
        """Parent keys and the parents' ids in shadows follow the address book into the new unit; POHODA
        parents waiting to be read again are the old unit's (the next run reads the new unit whole)."""
        state = self.ctx.state
        for agenda in self.sub_link_agendas():
            for link in list(state.iter_links(agenda)):
                parent = Parent.parse(link.parent_key)
                adb = moved_id(PARENT_AGENDA, parent.adb_id, moved) if parent else None
                if parent is None or adb is None or adb == parent.adb_id:
                    continue
                state.save_link(Link(**{**link.__dict__, "parent_key": Parent(parent.company_id, adb).key}))
                for side, rid in ((POHODA, link.pohoda_id), (RAYNET, link.raynet_id)):
                    shadow = state.get_shadow(agenda, side, str(rid)) if rid is not None else None
                    if shadow is not None and shadow.get("_adb") == parent.adb_id:
                        state.set_shadow(agenda, side, str(rid), {**shadow, "_adb": adb})
            Waiting(state, agenda, POHODA).clear()


def with_parent(record: Mapping[str, Any], parent: Parent) -> dict:
    """The record as the step keeps it: its parent's ids under ``_company`` / ``_adb``."""
    return {**record, "_company": parent.company_id, "_adb": parent.adb_id}


def parent_of(record: Mapping[str, Any] | None) -> Parent | None:
    if not record or record.get("_company") is None or record.get("_adb") is None:
        return None
    return Parent(int(record["_company"]), int(record["_adb"]))


#: shadow paths every sub-record keeps besides its bindings (the parent, so a shadow can stand in)
PARENT_PATHS = frozenset({"_company", "_adb"})


# ------------------------------------------------------------------ waiting


class Waiting:
    """Parents (and children) to read again once the parent is linked, kept in the state.

    An entry ``(parent, child)`` says "``child`` of ``parent`` was read while
    the parent was not linked yet, or was quarantined"; ``child`` is None when
    the whole parent is to be read again (Raynet company addresses come only
    with the company's detail). Entries whose parent is linked are handed out
    by ``linked``; ``finish`` (when the step has done its writes, before its
    cursors move) drops them unless added again meanwhile, and saves. A run
    killed before that saves nothing — and re-reads the same records, since its
    cursors did not move either.

    Each entry is a row of the state (a shadow of side ``waiting:<side>``, id
    ``<parent>/<child>``), read a page at a time and changed one by one: a parent
    that is never linked (its record filtered out by the mapping, quarantined
    for good) costs a row and a look-up per run, not a place in a list read
    whole into memory and written back whole (earlier versions kept them as one
    JSON text in the state's meta; ``_migrate`` moves such a text into rows).
    """

    def __init__(self, state, agenda: str, side: str) -> None:
        self.state = state
        self.agenda = agenda
        self.side = f"waiting:{side}"
        #: where earlier versions kept the entries (one JSON list in the state's meta)
        self.key = f"sub_records:{agenda}:{side}:waiting"
        self._migrated = False
        self.taken: set[tuple[int, int | None]] = set()
        self.added: set[tuple[int, int | None]] = set()

    @staticmethod
    def _row_id(entry: tuple[int, int | None]) -> str:
        parent, child = entry
        return f"{parent}/{'' if child is None else child}"

    def _migrate(self) -> None:
        if self._migrated:
            return
        self._migrated = True
        raw = self.state.get_meta(self.key)
        if raw:
            with self.state.transaction():
                for p, c in json.loads(raw):
                    self.state.set_shadow(self.agenda, self.side, self._row_id((int(p), None if c is None else int(c))),
                                          {})
                self.state.set_meta(self.key, None)

    def entries(self) -> Iterator[tuple[int, int | None]]:
        """Every entry saved, streamed (in the order of their row ids)."""
        self._migrate()
        for row_id, _ in self.state.iter_shadows(self.agenda, self.side):
            parent, _, child = row_id.partition("/")
            yield int(parent), (int(child) if child else None)

    def add(self, parent_id: int, child_id: int | None = None) -> None:
        self.added.add((int(parent_id), None if child_id is None else int(child_id)))

    def linked(self, is_linked: Callable[[int], bool]) -> list[tuple[int, int | None]]:
        out = sorted((e for e in self.entries() if is_linked(e[0])), key=lambda e: (e[0], -1 if e[1] is None else e[1]))
        self.taken.update(out)
        return out

    def finish(self) -> None:
        if not (self.taken or self.added):
            return
        self._migrate()
        with self.state.transaction():
            for entry in self.taken - self.added:
                self.state.delete_shadow(self.agenda, self.side, self._row_id(entry))
            for entry in self.added - self.taken:   # handed out and added again (still waiting): its row stays
                self.state.set_shadow(self.agenda, self.side, self._row_id(entry), {})
        self.taken.clear()
        self.added.clear()

    def clear(self) -> None:
        """Forget every entry (``rpsync rebind``: the ids are the old unit's)."""
        self._migrate()
        self.state.delete_shadows(self.agenda, self.side)
        self.taken.clear()
        self.added.clear()


# ------------------------------------------------------------------ shared reads


def shared_read(ctx, entity: str, start: datetime | None) -> Iterator[tuple[int, tuple[datetime | None, Any, bool]]] | None:
    """The records (id, (last change, ``_version``, never updated)) of ``entity`` an earlier step of this run read in
    full since a moment at or before ``start`` (None: the whole list), streamed in id order — None when
    no such read covers it."""
    read = ctx.scratch.get(f"raynet_read:{entity}")
    if read is None:
        return None
    pairs = ((rid, tuple(v)) for rid, v in read.changed.items())
    if read.start is None:
        return pairs
    if start is not None and read.start <= start:
        return ((rid, v) for rid, v in pairs if v[0] is None or v[0] >= start)
    return None


# ------------------------------------------------------------------ POHODA delivery addresses


def ship_ext_id(ctx, kind: str, raynet_id: Any) -> str:
    """The extId rpsync writes on a POHODA delivery address it creates (``shipToAddress/extId``, 64 chars)."""
    return f"{ctx.mapping.pohoda.ext_system[:40]}:{kind}:{raynet_id}"


@dataclass
class ShipWrite:
    op: str                       # create | update
    raynet_id: int
    parent: Parent
    ship_id: int | None
    values: dict[str, Any]        # delivery-address fields (paths relative to shipToAddress)
    raynet_record: dict | None
    pohoda_record: dict | None    # the delivery address as last known (updates)
    label: str
    key: str
    ext_id: str | None
    write: Write
    ship: dict[str, Any]          # the delivery address as written (nested)


class ShipWriter:
    """Creates and updates POHODA delivery addresses mirroring Raynet records (company addresses, persons).

    ``links_agenda`` is where the links and shadows live (the step's agenda,
    or a namespace of its own when POHODA ids of another kind share the
    agenda); intents are journaled under the step's agenda, so the runner
    hands an interrupted one to the step's ``reconcile_create``, which calls
    ``reconcile`` here.
    """

    def __init__(self, step: "Step", *, links_agenda: str, raynet_entity: str, kind: str,
                 paths_r: Iterable[str], paths_p: Iterable[str]) -> None:
        self.step = step
        self.ctx = step.ctx
        self.links_agenda = links_agenda
        self.raynet_entity = raynet_entity
        self.kind = kind
        self.paths_r = frozenset(paths_r) | PARENT_PATHS
        self.paths_p = frozenset(paths_p) | PARENT_PATHS | {"id"}
        self.queue: list[ShipWrite] = []

    # ---- queueing --------------------------------------------------------
    def create(self, r: Mapping[str, Any], parent: Parent, values: dict[str, Any], link: Link | None) -> None:
        ctx = self.ctx
        rid = int(r["id"])
        ext = ship_ext_id(ctx, self.kind, rid)
        ship: dict[str, Any] = {}
        for path, value in values.items():
            if value is not None:
                set_path(ship, path, value)
        ship["extId"] = ext
        key = f"{self.step.agenda}:create-ship:{rid}"
        if not ctx.may_write(key):
            return
        # the parent is journaled with the half link, so a crash can be reconciled (``reconcile``)
        if link is None or link.parent_key != parent.key:
            ctx.state.save_link(Link(agenda=self.links_agenda, raynet_entity=self.raynet_entity, raynet_id=rid,
                                     pohoda_id=link.pohoda_id if link else None, parent_key=parent.key,
                                     id=link.id if link else None))
        label = self.step.label(RAYNET, r)
        self._add(ShipWrite("create", rid, parent, None, values, dict(r), None, label, key, ext,
                            self._write("create", rid, parent, ship, label, key), ship))

    def update(self, link: Link, parent: Parent, writes: dict[str, Any], r_cur: Mapping | None,
               p_cur: Mapping | None) -> None:
        sid = int(link.pohoda_id)
        ship: dict[str, Any] = {"actionType": {"update": {"filter": {"id": sid}}}}
        for path, value in writes.items():
            set_path(ship, path, value)
        key = f"{self.step.agenda}:update-ship:{sid}"
        if not self.ctx.may_write(key):
            return
        label = f"POHODA delivery address {sid} of address-book record {parent.adb_id}"
        self._add(ShipWrite("update", int(link.raynet_id), parent, sid, writes, dict(r_cur) if r_cur else None,
                            dict(p_cur) if p_cur else None, label, key, None,
                            self._write("update", sid, parent, ship, label, key), ship))

    def _write(self, op: str, key_id: int, parent: Parent, ship: dict, label: str, key: str) -> Write:
        from engine.sync.steps.base import Reject

        doc = {"addressbookHeader": {"identity": {"shipToAddress": [ship]}}}
        try:
            xml = self.ctx.renderer.render_document("address_book", doc, action="update",
                                                    filter={"id": parent.adb_id}, label=label)
        except render.RenderError as exc:
            raise Reject(exc.message, field=getattr(exc, "field", None), rule="R-G6") from None
        # the write's agenda is the step's (it names the crash point ``<agenda>:pohoda:sent``); the element
        # written is an address-book record
        return Write(item_id=render.item_id(self.step.agenda, f"ship-{op}", str(key_id), ship), xml=xml,
                     agenda=self.step.agenda, label=label, key=key)

    def _add(self, item: ShipWrite) -> None:
        self.queue.append(item)
        if len(self.queue) >= self.ctx.pohoda.batch_size:
            self.flush()

    # ---- sending ---------------------------------------------------------
    def flush(self) -> None:
        queue, self.queue = self.queue, []
        if not queue:
            return
        ctx, agenda = self.ctx, self.step.agenda
        if ctx.dry_run:
            for item in queue:
                ctx.plan(agenda, POHODA, item.op, item.label, item.key, item.values)
                self._done(item, item.ship_id if item.op == "update" else ctx.fake_id())
            return
        intents = {item.write.item_id: ctx.state.begin_intent(
            ctx.run_id, agenda, POHODA, item.op, item.key, source_id=str(item.raynet_id), ext_id=item.ext_id)
            for item in queue}
        crashpoint(f"{agenda}:pohoda:journaled")
        reread: dict[int, dict | None] = {}
        for result in ctx.pohoda.write(item.write for item in queue):
            item = next(i for i in queue if i.write.item_id == result.write.item_id)
            intent = intents[item.write.item_id]
            if not (result.ok or result.duplicate_of is not None):
                ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=result.message)
                self.step.quarantine(RAYNET, item.raynet_id, item.raynet_record,
                                     f"POHODA refused the delivery address: {result.message}", rule="pohoda")
                continue
            sid = item.ship_id
            if item.op == "create":
                if item.parent.adb_id not in reread:
                    reread[item.parent.adb_id] = ctx.pohoda.get(PARENT_AGENDA, item.parent.adb_id)
                sid = _ship_id_by_ext(reread[item.parent.adb_id], item.ext_id)
                if sid is None:  # accepted, yet not there: leave it to reconciliation (never sent twice)
                    self.step.quarantine(RAYNET, item.raynet_id, item.raynet_record,
                                         "POHODA accepted the delivery address, but it is not on the address-book "
                                         f"record {item.parent.adb_id}; it is looked for again on the next run",
                                         rule="pohoda")
                    continue
            crashpoint(f"{agenda}:pohoda:answered")
            self._done(item, sid, intent)

    def _done(self, item: ShipWrite, sid: int, intent=None) -> None:
        """The write landed: its intent, link and shadows in one transaction (a crash before it leaves the
        intent pending, and reconciliation finds the delivery address by its extId)."""
        state = self.ctx.state
        with state.transaction():
            if intent is not None:
                state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(sid))
            if item.op == "create":
                half = state.find_link(self.links_agenda, raynet_id=item.raynet_id)
                state.save_link(Link(agenda=self.links_agenda, raynet_entity=self.raynet_entity,
                                     raynet_id=item.raynet_id, pohoda_id=sid, pohoda_ext_id=item.ext_id,
                                     parent_key=item.parent.key, id=half.id if half else None))
                ship = with_parent({**item.ship, "id": sid}, item.parent)
                state.release(self.step.agenda, RAYNET, str(item.raynet_id))
                self.step.counts_to_p.created += 1
            else:
                ship = patched(item.pohoda_record, item.values)
                self.step.counts_to_p.updated += 1
            if item.raynet_record is not None:
                state.set_shadow(self.links_agenda, RAYNET, str(item.raynet_id),
                                 make_shadow(item.raynet_record, self.paths_r))
            state.set_shadow(self.links_agenda, POHODA, str(sid), make_shadow(ship, self.paths_p))
        crashpoint(f"{self.step.agenda}:pohoda:linked")

    # ---- rebind (R-G2) -----------------------------------------------------
    def rebind_source(self, parents: "Parents") -> RebindSource:
        """The delivery addresses of this writer's kind in the new unit, found by the extId it wrote."""
        prefix = ship_ext_id(self.ctx, self.kind, "")

        def records() -> Iterable[dict]:
            for record in self.ctx.pohoda.list(PARENT_AGENDA):
                parent = parents.of_adb((record.get("addressbookHeader") or {}).get("id"))
                for ship in ships_of(record) if parent is not None else ():
                    if str(ship.get("extId") or "").startswith(prefix):
                        yield with_parent(ship, parent)

        return RebindSource(self.links_agenda, records, lambda ship: int(ship["id"]),
                            lambda ship: [("extId", str(ship["extId"]))],
                            lambda link, shadow: [("extId", str(link.pohoda_ext_id))] if link.pohoda_ext_id else [])

    # ---- after a crash ---------------------------------------------------
    def reconcile(self, intent) -> int | None:
        """An interrupted create: look for the delivery address on its parent by the extId it carried."""
        link = self.ctx.state.find_link(self.links_agenda, raynet_id=int(intent.source_id))
        parent = Parent.parse(link.parent_key) if link else None
        if parent is None or not intent.ext_id:
            return None
        record = self.ctx.pohoda.get(PARENT_AGENDA, parent.adb_id)
        sid = _ship_id_by_ext(record, intent.ext_id)
        if sid is None:
            return None
        ship = next(s for s in ships_of(record) if s.get("id") == sid)
        self.ctx.state.save_link(Link(**{**link.__dict__, "pohoda_id": sid, "pohoda_ext_id": intent.ext_id}))
        # what POHODA holds now stands as its shadow: the next run writes only what differs
        self.ctx.state.set_shadow(self.links_agenda, POHODA, str(sid),
                                  make_shadow(with_parent(ship, parent), self.paths_p))
        return sid


def _ship_id_by_ext(record: Mapping[str, Any] | None, ext_id: str | None) -> int | None:
    for ship in ships_of(record or {}):
        if ext_id and str(ship.get("extId") or "") == ext_id and ship.get("id") is not None:
            return int(ship["id"])
    return None
