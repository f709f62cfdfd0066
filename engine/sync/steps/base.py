"""The generic sync step: one agenda, records on both sides, linked in pairs.

A step runs in four phases:

1. **read** the records changed since the agenda's cursors on each side the
   agenda reads (a first run reads everything on both sides, to pair existing
   records), plus records in quarantine (so a fixed record goes through), into
   a disk-backed ``Stage``;
2. **pair** each record with its linked counterpart (state links), or on a
   first run with an existing record found by the mapping's match keys;
   ambiguous matches are quarantined for a person to decide;
3. **decide** per pair what to write (``engine.sync.merge``: shadows, no echo,
   conflict policy) after the mapping's filters and record checks;
4. **write**: Raynet creates/updates one by one, POHODA documents in dataPacks;
   every write is journaled as an intent before it is sent and finished with
   its link and shadows in one transaction afterwards.

Cursors move only when a step finished, so a killed run re-reads what it had
not finished (nothing lost); links, intents and shadows make the re-read a
no-op for what was done (nothing duplicated).

Subclasses say which Raynet entity and POHODA agenda they bind and how a
record is built for each side; document agendas add items and create-once rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping

from engine.errors import RpsyncError
from engine.mapping.model import TO_POHODA, TO_RAYNET
from engine.pohoda import render
from engine.raynet.entities import EntityApi, last_modified_at, never_updated
from engine.raynet.errors import (QuotaExhausted, RaynetConnectionError, RaynetError, RaynetNotFound,
                                  RaynetProtocolError, RaynetServerError, RaynetUncertainWrite)
from engine.state.model import IntentStatus, Link
from engine.sync.compile import CompiledAgenda, TransformError
from engine.sync.context import SyncContext
from engine.sync.crashpoints import crashpoint
from engine.sync.merge import Binding, Decision, decide, make_shadow, patched, shadow_paths
from engine.sync.ondisk import IdMap
from engine.sync.paths import get_path, set_path
from engine.sync.pohoda_gateway import ListQuery, Write, ext_ids, pohoda_id, pohoda_number
from engine.sync.report import AgendaCounts, ConflictItem, QuarantineItem
from engine.sync.snapshot import canonical
from engine.sync.stage import Stage
from engine.sync.steps.rebinding import Keys, Moved, RebindSource, moved_parent_key

RAYNET, POHODA = "raynet", "pohoda"
#: re-read this much before a POHODA cursor (its clock and ours may differ a little)
POHODA_OVERLAP = timedelta(minutes=5)
#: re-read this much before a Raynet cursor (Raynet filters have minute precision)
RAYNET_OVERLAP = timedelta(minutes=1)


#: failures after which a create may have landed (no answer, a 5xx, a cut answer): not a refusal
MAY_HAVE_LANDED = (RaynetUncertainWrite, RaynetConnectionError, RaynetServerError, RaynetProtocolError)


def ref_id(value: Any) -> int | None:
    """The id of a Raynet reference (``{"id": 5, …}`` or ``5``)."""
    if type(value) is dict or (type(value) is not int and isinstance(value, Mapping)):
        value = value.get("id")
    if type(value) is int:
        return value
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class Skip(Exception):
    """A record is not transferred this run (not an error: filtered, waiting for a trigger …)."""


class Reject(RpsyncError):
    """A record breaks a rule: quarantined with this message, the run goes on."""

    code = "E-RECORD"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class RaynetRead:
    """One complete read of a Raynet entity list this run: records changed since ``start`` (None: all),
    id -> (last change, ``_version``, never updated since created — ``entities.never_updated``)."""

    start: datetime | None
    #: an ``IdMap`` (on disk: a first run reads every record) or any mapping with ``items()``
    changed: Mapping[int, tuple[datetime | None, Any, bool]]
    #: Raynet's clock when the read began (every change before it is in ``changed``), if known
    began: datetime | None = None


@dataclass
class SideRead:
    """A POHODA list a step needs besides its own records (``Step.side_reads``): read as one more item of the
    dataPack of the step's own records, so it costs no request of its own. Each record goes to ``take``; ``done``
    is called once the list was read to the end."""

    query: ListQuery
    take: Callable[[dict], None]
    done: Callable[[], None] = lambda: None


@dataclass
class PendingPohodaWrite:
    write: Write
    raynet_id: int | None
    pohoda_id_before: int | None
    op: str
    values: dict[str, Any]
    raynet_record: dict | None
    pohoda_record: dict | None
    link: Link | None
    on_done: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Step:
    """Base of every agenda step."""

    agenda: str = ""
    raynet_entity: str = ""
    pohoda_agenda: str = ""        # catalog / render / list agenda of the POHODA side
    #: can an existing POHODA record be updated through XML? (not documents: R-Z5, R-O3, R-R6, R-F4)
    pohoda_updatable: bool = True
    #: can an existing Raynet record be updated? (everything but a few)
    raynet_updatable: bool = True
    #: newest Raynet change a ``read_raynet`` override saw besides the records it yields (sub-record
    #: steps: the parents read); the Raynet cursor moves to it when newer than every yielded record
    raynet_newest: datetime | None = None
    #: Raynet's clock when this step's own list read began (None: not known, the cursor stays the newest change)
    raynet_read_began: datetime | None = None
    #: the step's Raynet read starts with a list request of its own (not records another step read)
    reads_own_raynet_list = True

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.plan: CompiledAgenda = ctx.agendas[self.agenda]
        self.counts_to_p: AgendaCounts = ctx.report.agenda(self.agenda, TO_POHODA) \
            if self.plan.runs(TO_POHODA) else AgendaCounts()
        self.counts_to_r: AgendaCounts = ctx.report.agenda(self.agenda, TO_RAYNET) \
            if self.plan.runs(TO_RAYNET) else AgendaCounts()
        self._pohoda_queue: list[PendingPohodaWrite] = []
        #: this run's side reads not sent yet (``side_reads``; set by ``run``)
        self._side_reads: list[SideRead] = []
        self.bindings: tuple[Binding, ...] = self.plan.bindings
        self.paths_r = shadow_paths(self.bindings, RAYNET) | self.extra_shadow_paths(RAYNET)
        self.paths_p = shadow_paths(self.bindings, POHODA) | self.extra_shadow_paths(POHODA)

    # ============================================================ description
    def explain(self) -> list[str]:
        """The step in words, for ``rpsync plan --explain``."""
        model = self.plan.model
        lines = [f"{self.agenda}: POHODA {self.pohoda_agenda} ⇄ Raynet {self.raynet_entity} ({model.direction})"]
        if self.plan.runs(TO_RAYNET):
            lines.append("  read POHODA records changed since the last run"
                         + (f", selecting {model.filter.pohoda_select}" if not model.filter.pohoda_select.empty else ""))
            if self.plan.filter_to_raynet:
                lines.append(f"  keep those where: {self.plan.filter_to_raynet.text}")
        if self.plan.runs(TO_POHODA):
            lines.append("  read Raynet records changed since the last run (rowInfo.lastModifiedAt)")
            if self.plan.filter_to_pohoda:
                lines.append(f"  keep those where: {self.plan.filter_to_pohoda.text}")
        for c in self.plan.checks:
            lines.append(f"  check ({c.direction}, {c.rule_id or 'mapping'}): {c.rule.text}")
        lines.append(f"  pair linked records; on the first run match by {', '.join(model.match) or 'nothing'}")
        if model.on_conflict:
            lines.append(f"  changed on both sides: {model.on_conflict}")
        for b in self.bindings:
            arrows = []
            if b.to_pohoda:
                arrows.append(f"{b.raynet_path or 'expr'} → {b.pohoda_path}")
            if b.to_raynet:
                arrows.append(f"{b.pohoda_path or 'expr'} → {b.raynet_path}")
            lines.append(f"  field {b.name}: " + "; ".join(arrows))
        lines += [f"  {line}" for line in self.explain_extra()]
        return lines

    def explain_extra(self) -> list[str]:
        return []

    @classmethod
    def preflight(cls, ctx: SyncContext) -> None:
        """Hook: checks before any step runs; raise an ``RpsyncError`` to refuse the run (e.g. R-C4)."""

    # ========================================================= configuration
    def entity_api(self) -> EntityApi:
        return {
            "company": self.ctx.raynet.companies, "person": self.ctx.raynet.persons,
            "businessCase": self.ctx.raynet.business_cases, "offer": self.ctx.raynet.offers,
            "salesOrder": self.ctx.raynet.sales_orders, "invoice": self.ctx.raynet.invoices,
            "product": self.ctx.raynet.products, "priceList": self.ctx.raynet.price_lists,
        }[self.raynet_entity]

    def extra_shadow_paths(self, side: str) -> frozenset[str]:
        return frozenset()

    def pohoda_list_context(self) -> dict[str, Any]:
        return {}

    def pohoda_select(self) -> dict[str, Any]:
        sel = self.plan.model.filter.pohoda_select
        out: dict[str, Any] = {}
        if sel.number_series:
            out["number_series"] = list(sel.number_series)
        if sel.stores:
            out["store"] = sel.stores[0] if len(sel.stores) == 1 else list(sel.stores)
        if sel.user_filter:
            out["user_filter"] = sel.user_filter
        return out

    # ---- keys ---------------------------------------------------------------
    def raynet_id_of(self, record: Mapping[str, Any]) -> int:
        return int(record["id"])

    def pohoda_ext_id_for(self, raynet_id: Any) -> str:
        """The extId (``typ:ids``, with the mapping's ``ext_system``) a POHODA record this step creates from
        Raynet record ``raynet_id`` carries. Agendas sharing a POHODA agenda with another step (contact persons
        live in the address book beside the clients) prefix it, so two Raynet id spaces never collide."""
        return str(raynet_id)

    def pohoda_id_of(self, record: Mapping[str, Any]) -> int:
        value = pohoda_id(self.pohoda_agenda, record)
        if value is None:
            raise Reject("the POHODA record has no id")
        return value

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            name = record.get("name") or record.get("fullName") or record.get("code") or ""
            return f"Raynet {self.raynet_entity} {record.get('id')} {name}".strip()
        return f"POHODA {self.pohoda_agenda} {pohoda_id(self.pohoda_agenda, record)}"

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(key name, normalised value) pairs for first-run pairing."""
        return []

    # ---- building records ---------------------------------------------------
    def raynet_values(self, pohoda_record: Mapping[str, Any]) -> dict[str, Any]:
        """Raynet read-path -> value, from a POHODA record, for every to_raynet binding."""
        values: dict[str, Any] = {}
        for b in self.bindings:
            if b.to_raynet is not None and b.raynet_path:
                values[b.raynet_path] = b.to_raynet(pohoda_record)
        return values

    #: (the bindings, their (POHODA path, to_pohoda) pairs): made once per bindings (a step may replace them)
    _to_pohoda: tuple | None = None

    def pohoda_values(self, raynet_record: Mapping[str, Any]) -> dict[str, Any]:
        pairs = self._to_pohoda
        if pairs is None or pairs[0] is not self.bindings:
            pairs = self._to_pohoda = (self.bindings, tuple((b.pohoda_path, b.to_pohoda) for b in self.bindings
                                                            if b.to_pohoda is not None and b.pohoda_path))
        return {path: to_pohoda(raynet_record) for path, to_pohoda in pairs[1]}

    def key_for(self, label: str) -> str:
        return self.ctx.lookups.custom_field_key(self.raynet_entity, label)

    def prepare_raynet(self, record: dict) -> dict:
        """A Raynet record as expressions see it: custom fields also under their labels."""
        custom = record.get("customFields")
        if isinstance(custom, dict) and custom and self.plan.custom_field_labels():
            labels = self.ctx.lookups.custom_field_labels(self.raynet_entity)
            record = dict(record)
            record["customFields"] = {**custom, **{labels[k]: v for k, v in custom.items() if k in labels}}
        return record

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        """Create the Raynet record; returns its id. Subclasses shape the body."""
        from engine.sync.raynet_records import body_from_values

        body = body_from_values(self.raynet_entity, {k: v for k, v in values.items() if v is not None},
                                self.key_for)
        return self.entity_api().create(body, ext_id=ext_id)

    def update_raynet(self, raynet_id: int, values: dict[str, Any], current: Mapping[str, Any] | None) -> None:
        from engine.sync.raynet_records import body_from_values

        self.entity_api().update(raynet_id, body_from_values(self.raynet_entity, values, self.key_for))

    def pohoda_document(self, values: dict[str, Any], raynet_record: Mapping[str, Any] | None,
                        link: Link | None) -> tuple[dict, dict[str, Any]]:
        """(POHODA record, extra render arguments) for a create or an update."""
        record: dict[str, Any] = {}
        for path, value in values.items():
            if value is not None:
                set_path(record, path, value)
        return record, {}

    # ============================================================== reading
    def read_raynet(self, since: datetime | None) -> Iterator[dict]:
        api = self.entity_api()
        start = since - RAYNET_OVERLAP if since is not None else None
        records = api.list() if start is None else api.changed_since(start)
        return self._publish_read(records, start)

    def _publish_read(self, records: Iterable[dict], start: datetime | None) -> Iterator[dict]:
        """Stream the entity list and, once it was read to the end, leave in ``ctx.scratch`` which records
        changed since ``start`` (None: the whole list), so a later step of this run that needs the same
        list (sub-records: delivery addresses of changed clients) spends no second request on it."""
        seen = IdMap()  # on disk: a first run reads every record of the entity
        for record in records:
            seen[self.raynet_id_of(record)] = (last_modified_at(record), record.get("_version"), never_updated(record))
            yield record
        self.ctx.scratch[f"raynet_read:{self.raynet_entity}"] = RaynetRead(start, seen)

    def read_pohoda(self, since: datetime | None) -> Iterator[dict]:
        since = since - POHODA_OVERLAP if since is not None else None
        return self.read_along(self.ctx.pohoda.changed_query(self.pohoda_agenda, since, select=self.pohoda_select(),
                                                             **self.pohoda_list_context()))

    def side_reads(self) -> list[SideRead]:
        """Hook: POHODA lists this run needs besides the step's own records (e.g. the issued invoices whose dates
        close business cases, R-Z3), asked for at the start of ``run``. They go with the first read of the step's
        own records (``read_along``), or alone once the step read its records (it read none from POHODA); either
        way before the pairing starts."""
        return []

    def read_along(self, *queries: ListQuery) -> Iterator[dict]:
        """The records of ``queries``, and this run's side reads not sent yet as further items of the same
        dataPack (one request per page round for all of them); a side read's records go to its ``take``."""
        side, self._side_reads = self._side_reads, []
        n = len(queries)
        for index, record in self.ctx.pohoda.list_together([*queries, *(s.query for s in side)]):
            if index < n:
                yield record
            else:
                side[index - n].take(record)
        for s in side:
            s.done()

    def refetch_raynet(self, raynet_id: int) -> dict | None:
        try:
            return self.entity_api().get(raynet_id)
        except RaynetNotFound:
            return None

    def refetch_pohoda(self, pid: int) -> dict | None:
        return self.ctx.pohoda.get(self.pohoda_agenda, pid, **self.pohoda_list_context())

    def _cursor(self, side: str) -> datetime | None:
        raw = self.ctx.state.get_cursor(self.agenda, side)
        return datetime.fromisoformat(raw) if raw else None

    def reads(self, side: str) -> bool:
        """Does this run read ``side`` of the agenda? (always on a first run, to pair existing records)."""
        way = TO_POHODA if side == RAYNET else TO_RAYNET
        return self.plan.runs(way) or self._cursor(side) is None

    # ============================================================== running
    def run(self) -> None:
        ctx = self.ctx
        self.first = {RAYNET: self._cursor(RAYNET) is None, POHODA: self._cursor(POHODA) is None}
        started = ctx.now()
        with Stage() as stage:
            self.stage = stage
            self._side_reads = self.side_reads()
            newest_r = self._read_into(stage)
            for _ in self.read_along():   # side reads no read of the step's own records carried go alone
                pass
            stage.seal()
            self.before_pairing()
            for rid, record in stage.pending(RAYNET, self.prefetch_page):
                self._handle(stage, RAYNET, rid, record)
            for pid, record in stage.pending(POHODA):
                self._handle(stage, POHODA, pid, record)
            self.flush_pohoda()
            self.after_pairing()
        # the step is complete: move the cursors (a killed run re-reads from the old ones)
        if self.reads(RAYNET):
            cursor = newest_r or self._cursor(RAYNET) or started
            # Raynet's clock when this step's list read began: every change before it was in the read, so
            # the next run need not re-read what this run itself wrote after the newest change it read
            # (with only the newest change as cursor, a run re-read its own last minute of writes for ever)
            if self.raynet_read_began is not None and self.raynet_read_began > cursor:
                cursor = self.raynet_read_began
            ctx.state.set_cursor(self.agenda, RAYNET, cursor.isoformat())
        if self.reads(POHODA):
            ctx.state.set_cursor(self.agenda, POHODA, started.isoformat())
        crashpoint(f"{self.agenda}:cursors")

    #: agenda -> the field of this agenda's Raynet records that names a record of it (``{"address_book":
    #: "company"}``): ``prefetch_page`` looks their links up a page at a time
    REFERS: dict[str, str] = {}

    def prefetch_page(self, records: list[dict]) -> None:
        """Before a page of Raynet records is paired: their own links (pairing), and what their transform looks
        up (``prefetch_references``), in one state query per agenda instead of one per record
        (``StateStore.prefetch_links``)."""
        state = self.ctx.state
        state.clear_prefetched()
        state.prefetch_links(self.agenda, [r.get("id") for r in records])
        self.prefetch_references(records)

    def prefetch_references(self, records: list[dict]) -> None:
        """The links of the records a page's Raynet records refer to (``REFERS``): their documents need them."""
        state = self.ctx.state
        for agenda, field_name in self.REFERS.items():
            state.prefetch_links(agenda, [ref_id(r.get(field_name)) for r in records])

    def before_pairing(self) -> None:
        """Hook: after reading, before pairing (e.g. preflight checks on the staged records)."""

    def after_pairing(self) -> None:
        """Hook: after all writes of the step."""

    def _read_into(self, stage: Stage) -> datetime | None:
        ctx = self.ctx
        newest: datetime | None = None
        if self.reads(RAYNET):
            ctx.progress(self.agenda, "reading Raynet")
            client = ctx.raynet.client if self.reads_own_raynet_list else None
            if client is not None:
                client.mark_time()
            shared_key = f"raynet_read:{self.raynet_entity}"
            published_before = ctx.scratch.get(shared_key)
            for record in self.read_raynet(self._cursor(RAYNET)):
                record = self.prepare_raynet(record)
                rid = self.raynet_id_of(record)
                stage.put(RAYNET, rid, record, self.match_keys(RAYNET, record))
                moment = last_modified_at(record)
                if moment is not None and (newest is None or moment > newest):
                    newest = moment
            if client is not None:  # the answer to the read's first request: its list's first page
                self.raynet_read_began = client.first_answer_at
                read = ctx.scratch.get(shared_key)
                if read is not None and read is not published_before:  # this read's, for later steps
                    ctx.scratch[shared_key] = replace(read, began=self.raynet_read_began)
        if self.reads(POHODA):
            ctx.progress(self.agenda, "reading POHODA")
            for record in self.read_pohoda(self._cursor(POHODA)):
                try:
                    pid = self.pohoda_id_of(record)
                except Reject:
                    continue
                stage.put(POHODA, pid, record, self.match_keys(POHODA, record))
        # records in quarantine are tried again (their fix may be in the mapping, not the record)
        for entry in ctx.state.quarantined(self.agenda):
            if not entry.record_id.lstrip("-").isdigit() or stage.has(entry.side, entry.record_id):
                continue
            if entry.side == RAYNET and self.plan.runs(TO_POHODA):
                record = self.refetch_raynet(int(entry.record_id))
                if record is not None:
                    record = self.prepare_raynet(record)
                    stage.put(RAYNET, entry.record_id, record, self.match_keys(RAYNET, record))
            elif entry.side == POHODA and self.plan.runs(TO_RAYNET):
                record = self.refetch_pohoda(int(entry.record_id))
                if record is not None:
                    stage.put(POHODA, entry.record_id, record, self.match_keys(POHODA, record))
        for side, counts in ((RAYNET, self.counts_to_p), (POHODA, self.counts_to_r)):
            if (side == RAYNET and self.plan.runs(TO_POHODA)) or (side == POHODA and self.plan.runs(TO_RAYNET)):
                counts.read += stage.count(side)
        if self.raynet_newest is not None and (newest is None or self.raynet_newest > newest):
            newest = self.raynet_newest
        return newest

    # ---------------------------------------------------------------- pairing
    def _handle(self, stage: Stage, side: str, record_id: str, record: dict) -> None:
        other = POHODA if side == RAYNET else RAYNET
        stage.mark_done(side, record_id)
        try:
            if side == RAYNET:
                link = self.ctx.state.find_link(self.agenda, raynet_id=int(record_id))
            else:
                link = self.ctx.state.find_link(self.agenda, pohoda_id=int(record_id))
            counterpart = None
            if link is not None:
                other_id = link.pohoda_id if side == RAYNET else link.raynet_id
                if other_id is not None and stage.has(other, other_id) and not stage.is_done(other, other_id):
                    counterpart = stage.get(other, other_id)
                    stage.mark_done(other, other_id)
            else:
                counterpart, link = self._pair(stage, side, record)
            r = record if side == RAYNET else counterpart
            p = counterpart if side == RAYNET else record
            self.sync_pair(r, p, link)
        except Reject as rej:
            self.quarantine(side, record_id, record, str(rej.message), field=rej.field, rule=rej.rule)
        except TransformError as err:
            self.quarantine(side, record_id, record, str(err.message), field=err.field, rule=None)
        except Skip:
            pass

    def _pair(self, stage: Stage, side: str, record: dict) -> tuple[dict | None, Link | None]:
        """First-run pairing by match keys: (counterpart, link) or (None, None)."""
        other = POHODA if side == RAYNET else RAYNET
        if not self.first[other]:
            return None, None
        for name, value in self.match_keys(side, record):
            found = [i for i in stage.find(other, name, value)
                     if self.ctx.state.find_link(self.agenda, **({"pohoda_id": int(i)} if other == POHODA
                                                                  else {"raynet_id": int(i)})) is None]
            if len(found) == 1:
                counterpart = stage.get(other, found[0])
                stage.mark_done(other, found[0])
                r = record if side == RAYNET else counterpart
                p = counterpart if side == RAYNET else record
                link = self.save_link(self.raynet_id_of(r), self.pohoda_id_of(p), p)
                (self.counts_to_p if side == RAYNET else self.counts_to_r).linked += 1
                self.ctx.plan(self.agenda, "state", "link", f"{self.label(RAYNET, r)} ⇄ {self.label(POHODA, p)}",
                              f"{self.agenda}:link:{link.raynet_id}:{link.pohoda_id}", {"match": name})
                return counterpart, link
            if len(found) > 1:
                raise Reject(
                    f"{len(found)} {'POHODA' if other == POHODA else 'Raynet'} records match by {name} = "
                    f"{value!r} (ids {', '.join(found[:5])}); pair it by hand or make the records distinct",
                    field=name, rule="pairing")
        return None, None

    def raynet_counterpart(self, agenda: str, pid: int) -> Link | None:
        """The link of a POHODA record of ``agenda`` to its Raynet record, None while it has none (or Raynet
        deleted it): what a record of another agenda waits for (payments for their invoice, related prices
        for their stock item's product)."""
        link = self.ctx.state.find_link(agenda, pohoda_id=pid)
        return None if link is None or link.raynet_id is None or link.deleted_on == RAYNET else link

    def save_link(self, raynet_id: int | None, pid: int | None, pohoda_record: Mapping | None = None,
                  link: Link | None = None, **extra: Any) -> Link:
        number = pohoda_number(self.pohoda_agenda, pohoda_record) if pohoda_record else None
        if link is None:  # the link either record already has (a half link): kept, not overwritten
            state = self.ctx.state
            link = (state.find_link(self.agenda, raynet_id=raynet_id) if raynet_id is not None else None) \
                or (state.find_link(self.agenda, pohoda_id=pid) if pid is not None else None)
        base = link or Link(agenda=self.agenda, raynet_id=None, pohoda_id=None)
        new = Link(
            id=base.id, agenda=self.agenda, raynet_entity=self.raynet_entity,
            raynet_id=raynet_id if raynet_id is not None else base.raynet_id,
            pohoda_id=pid if pid is not None else base.pohoda_id,
            pohoda_number=number or base.pohoda_number,
            raynet_ext_id=extra.get("raynet_ext_id", base.raynet_ext_id),
            pohoda_ext_id=extra.get("pohoda_ext_id", base.pohoda_ext_id),
            parent_key=extra.get("parent_key", base.parent_key),
            deleted_on=base.deleted_on,
        )
        return self.ctx.state.save_link(new)

    # ------------------------------------------------------------- deciding
    def passes(self, side: str, record: dict | None) -> bool:
        """Filters and record checks; a failing check raises Reject (quarantine)."""
        if record is None:
            return False
        way = TO_POHODA if side == RAYNET else TO_RAYNET
        if not self.plan.runs(way):
            return False
        flt = self.plan.filter_to_pohoda if side == RAYNET else self.plan.filter_to_raynet
        counts = self.counts_to_p if side == RAYNET else self.counts_to_r
        if flt is not None and flt(record) is not True:
            counts.skipped += 1
            return False
        for check in self.plan.checks_for(way):
            if check.rule(record, field=check.field) is not True:
                raise Reject(check.message, field=check.field, rule=check.rule_id)
        self.check_record(side, record)
        return True

    def check_record(self, side: str, record: dict) -> None:
        """Hook for the agenda's own rules (raise Reject)."""

    def sync_pair(self, r: dict | None, p: dict | None, link: Link | None) -> None:
        ctx = self.ctx
        r_ok = self.passes(RAYNET, r) if r is not None else False
        p_ok = self.passes(POHODA, p) if p is not None else False
        if link is None:
            if r_ok:
                self.create_in_pohoda(r)
            elif p_ok:
                self.create_in_raynet(p)
            return
        r_shadow = ctx.state.get_shadow(self.agenda, RAYNET, str(link.raynet_id)) if link.raynet_id else None
        p_shadow = ctx.state.get_shadow(self.agenda, POHODA, str(link.pohoda_id)) if link.pohoda_id else None
        if link.pohoda_id is None and link.deleted_on == POHODA:
            return  # its POHODA record is gone (e.g. not carried into a new unit, R-G2): never re-created (R-G3)
        if link.pohoda_id is None and r_ok:
            self.create_in_pohoda(r, link=link)
            return
        if link.raynet_id is None and p_ok:
            self.create_in_raynet(p, link=link)
            return
        newer = self.newer_side(r, p)
        decision = decide(
            self.bindings,
            raynet_now=r if r_ok else None, pohoda_now=p if p_ok else None,
            raynet_shadow=r_shadow if (r_shadow is not None or p_shadow is not None) else None,
            pohoda_shadow=p_shadow if (r_shadow is not None or p_shadow is not None) else None,
            policy=self.plan.model.on_conflict or "pohoda_wins", newer=newer,
        )
        self.record_conflicts(decision, r, p, link)
        if decision.quarantine:
            side, rec = (RAYNET, r) if r is not None else (POHODA, p)
            rid = str(link.raynet_id if side == RAYNET else link.pohoda_id)
            names = ", ".join(c.binding for c in decision.conflicts)
            raise Reject(f"changed on both sides ({names}); the mapping says a person decides (on_conflict: "
                         "quarantine) — make both sides agree, then the next run goes on",
                         field=names, rule="conflict")
        if not self.pohoda_updatable and decision.to_pohoda:
            decision.to_pohoda.clear()  # documents cannot be updated in POHODA (R-Z5, R-O3, R-R6, R-F4)
        if not self.raynet_updatable and decision.to_raynet:
            decision.to_raynet.clear()
        r_cur = r if r is not None else r_shadow
        p_cur = p if p is not None else p_shadow
        wrote = False
        if decision.to_raynet and link.raynet_id is not None:
            self.write_raynet_update(link, decision.to_raynet, r_cur, p_cur)
            wrote = True
        if decision.to_pohoda and link.pohoda_id is not None:
            self.queue_pohoda_update(link, decision.to_pohoda, r_cur, p_cur)
            wrote = True
        if not wrote:
            if r is not None and self.plan.runs(TO_POHODA):
                self.counts_to_p.unchanged += 1
            if p is not None and self.plan.runs(TO_RAYNET):
                self.counts_to_r.unchanged += 1
            self.store_shadows(link, r_cur, p_cur)
        for side, rec, lid in ((RAYNET, r, link.raynet_id), (POHODA, p, link.pohoda_id)):
            if rec is not None and lid is not None:
                ctx.state.release(self.agenda, side, str(lid))

    def newer_side(self, r: Mapping | None, p: Mapping | None) -> str | None:
        if r is not None and p is None:
            return RAYNET
        if p is not None and r is None:
            return POHODA
        return None

    def record_conflicts(self, decision: Decision, r, p, link: Link) -> None:
        for c in decision.conflicts:
            self.counts_to_r.conflicts += 1 if self.plan.runs(TO_RAYNET) else 0
            self.counts_to_p.conflicts += 1 if not self.plan.runs(TO_RAYNET) else 0
            self.ctx.report.conflicts.append(ConflictItem(
                agenda=self.agenda, record=f"Raynet {link.raynet_id} ⇄ POHODA {link.pohoda_id}",
                binding=c.binding, winner=c.winner, raynet_value=canonical(c.raynet_value),
                pohoda_value=canonical(c.pohoda_value), lost_value=canonical(c.lost_value)))

    def store_shadows(self, link: Link, r: Mapping | None, p: Mapping | None) -> None:
        if link.raynet_id is not None and r is not None:
            self.ctx.state.set_shadow(self.agenda, RAYNET, str(link.raynet_id), make_shadow(r, self.paths_r))
        if link.pohoda_id is not None and p is not None:
            self.ctx.state.set_shadow(self.agenda, POHODA, str(link.pohoda_id), make_shadow(p, self.paths_p))

    # ---------------------------------------------------------- quarantine
    def quarantine(self, side: str, record_id: Any, record: Mapping | None, message: str, *,
                   field: str | None = None, rule: str | None = None) -> None:
        label = self.label(side, record)
        self.ctx.state.quarantine(self.agenda, side, str(record_id), message, record_label=label, field=field,
                                  rule=rule)
        counts = self.counts_to_p if side == RAYNET else self.counts_to_r
        counts.quarantined += 1
        self.ctx.report.add_quarantine(QuarantineItem(self.agenda, side, str(record_id), label, field, rule, message))

    # ====================================================== writes: Raynet
    def create_in_raynet(self, p: dict, link: Link | None = None) -> None:
        ctx = self.ctx
        if not self.plan.runs(TO_RAYNET):
            return
        pid = self.pohoda_id_of(p)
        values = self.raynet_values(p)
        self.before_raynet_create(values, p)
        ext = ctx.raynet_ext_id(self.agenda, pid)
        label = self.label(POHODA, p)
        key = f"{self.agenda}:create-raynet:{pid}"
        if not ctx.may_write(key):
            raise Skip()
        if ctx.dry_run:
            rid = ctx.fake_id()
            ctx.plan(self.agenda, RAYNET, "create", label, key, values)
        else:
            intent = ctx.state.begin_intent(ctx.run_id, self.agenda, RAYNET, "create", key,
                                            source_id=str(pid), ext_id=ext)
            crashpoint(f"{self.agenda}:raynet-create:journaled")
            try:
                rid = self.create_raynet(values, p, ext)
            except RaynetError as exc:
                if isinstance(exc, QuotaExhausted) or exc.status in (401, 403):
                    raise
                if isinstance(exc, MAY_HAVE_LANDED):
                    # the record may exist in Raynet now (an answer lost, e.g. of the extId write after a credit
                    # note): the intent stays pending and the next run looks for it (reconcile) before sending it
                    # again. Marked failed, it was created anew each run and its orphan synced back to POHODA.
                    raise Reject(f"Raynet did not confirm the new {self.raynet_entity}: {exc.message}; the next run "
                                 "looks for it in Raynet before sending it again", rule="raynet") from None
                ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=str(exc))
                raise Reject(f"Raynet refused the new {self.raynet_entity}: {exc.message}", rule="raynet") from None
            crashpoint(f"{self.agenda}:raynet-create:sent")
        with ctx.state.transaction():
            if not ctx.dry_run:  # the outcome and the link together: a crash leaves the intent pending
                ctx.state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(rid))
            link = self.save_link(rid, pid, p, link, raynet_ext_id=ext)
            self.store_shadows(link, patched({"id": rid}, values), p)
            ctx.state.release(self.agenda, POHODA, str(pid))
        crashpoint(f"{self.agenda}:raynet-create:linked")
        self.counts_to_r.created += 1
        self.after_raynet_create(link, values, p)

    def before_raynet_create(self, values: dict[str, Any], p: dict) -> None:
        """Hook: complete or check the values of a new Raynet record (raise Reject)."""

    def after_raynet_create(self, link: Link, values: dict[str, Any], p: dict) -> None:
        """Hook: sub-records after a Raynet create (addresses, items …)."""

    def write_raynet_update(self, link: Link, writes: dict[str, Any], r_cur: Mapping | None,
                            p_cur: Mapping | None) -> None:
        ctx = self.ctx
        label = self.label(RAYNET, r_cur) or f"Raynet {self.raynet_entity} {link.raynet_id}"
        key = f"{self.agenda}:update-raynet:{link.raynet_id}"
        if not ctx.may_write(key):
            return
        if ctx.dry_run:
            ctx.plan(self.agenda, RAYNET, "update", label, key, writes)
        else:
            intent = ctx.state.begin_intent(ctx.run_id, self.agenda, RAYNET, "update", key,
                                            source_id=str(link.pohoda_id))
            try:
                self.update_raynet(link.raynet_id, writes, r_cur)
            except RaynetNotFound:
                ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message="deleted in Raynet")
                self.deleted_on(link, RAYNET)
                return
            except RaynetError as exc:
                if isinstance(exc, QuotaExhausted) or exc.status in (401, 403):
                    raise
                ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=str(exc))
                raise Reject(f"Raynet refused the change: {exc.message}", rule="raynet") from None
            crashpoint(f"{self.agenda}:raynet-update:sent")
            ctx.state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(link.raynet_id))
        self.store_shadows(link, patched(r_cur, writes), p_cur)
        self.counts_to_r.updated += 1

    def deleted_on(self, link: Link, side: str) -> None:
        """A linked record is gone on ``side``: keep the link, report it, never delete the other (R-G3)."""
        if link.deleted_on != side:
            self.ctx.state.save_link(Link(**{**link.__dict__, "deleted_on": side}))
        counts = self.counts_to_r if side == RAYNET else self.counts_to_p
        counts.deleted_seen += 1
        self.ctx.report.notes.append(
            f"{self.agenda}: {'Raynet' if side == RAYNET else 'POHODA'} record "
            f"{link.raynet_id if side == RAYNET else link.pohoda_id} was deleted; its counterpart is kept (R-G3)")

    # ====================================================== writes: POHODA
    def create_in_pohoda(self, r: dict, link: Link | None = None) -> None:
        if not self.plan.runs(TO_POHODA):
            return
        trigger = self.plan.extra.get("trigger_to_pohoda")
        if trigger is not None and trigger(r) is not True:
            raise Skip()
        rid = self.raynet_id_of(r)
        values = self.pohoda_values(r)
        record, kwargs = self.pohoda_document(values, r, link)
        label = self.label(RAYNET, r)
        try:
            xml = self.ctx.renderer.render_document(self.pohoda_agenda, record, action="add",
                                                    ext_id=self.pohoda_ext_id_for(rid),
                                                    label=label, **kwargs)
        except render.RenderError as exc:
            raise Reject(exc.message, field=getattr(exc, "field", None), rule="R-G6") from None
        write = Write(item_id=render.item_id(self.agenda, "add", str(rid), xml), xml=xml, agenda=self.agenda,
                      label=label, key=f"{self.agenda}:create-pohoda:{rid}")
        self._queue(PendingPohodaWrite(write, rid, None, "create", values, r, record, link))

    def queue_pohoda_update(self, link: Link, writes: dict[str, Any], r_cur: Mapping | None,
                            p_cur: Mapping | None) -> None:
        record, kwargs = self.pohoda_document(writes, r_cur, link)
        label = f"POHODA {self.pohoda_agenda} {link.pohoda_id}"
        try:
            xml = self.ctx.renderer.render_document(self.pohoda_agenda, record, action="update",
                                                    filter={"id": link.pohoda_id}, label=label, **kwargs)
        except render.RenderError as exc:
            raise Reject(exc.message, field=getattr(exc, "field", None), rule="R-G6") from None
        write = Write(item_id=render.item_id(self.agenda, "update", str(link.pohoda_id), xml), xml=xml,
                      agenda=self.agenda, label=label, key=f"{self.agenda}:update-pohoda:{link.pohoda_id}")
        self._queue(PendingPohodaWrite(write, link.raynet_id, link.pohoda_id, "update", writes,
                                       dict(r_cur) if r_cur else None, dict(p_cur) if p_cur else None, link))

    def _queue(self, pending: PendingPohodaWrite) -> None:
        if not self.ctx.may_write(pending.write.key):
            return
        self._pohoda_queue.append(pending)
        if len(self._pohoda_queue) >= self.ctx.pohoda.batch_size:
            self.flush_pohoda()

    def flush_pohoda(self) -> None:
        queue, self._pohoda_queue = self._pohoda_queue, []
        if not queue:
            return
        ctx = self.ctx
        if ctx.dry_run:
            for item in queue:
                ctx.plan(self.agenda, POHODA, item.op, item.write.label, item.write.key, item.values)
                pid = item.pohoda_id_before if item.op == "update" else ctx.fake_id()
                self._pohoda_done(item, pid, None)
            return
        intents = {}
        for item in queue:
            intents[item.write.item_id] = ctx.state.begin_intent(
                ctx.run_id, self.agenda, POHODA, item.op, item.write.key,
                source_id=str(item.raynet_id) if item.raynet_id is not None else None,
                ext_id=self.pohoda_ext_id_for(item.raynet_id)
                if item.op == "create" and item.raynet_id is not None else None)
        crashpoint(f"{self.agenda}:pohoda:journaled")
        for result in ctx.pohoda.write(item.write for item in queue):
            item = next(i for i in queue if i.write.item_id == result.write.item_id)
            intent = intents[result.write.item_id]
            pid = result.produced_id or result.duplicate_of
            if result.ok or result.duplicate_of is not None:
                if item.op == "update":
                    pid = item.pohoda_id_before
                crashpoint(f"{self.agenda}:pohoda:answered")
                self._pohoda_done(item, pid, result.produced_number, intent)
            else:
                ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=result.message)
                side, rid = (RAYNET, item.raynet_id) if item.raynet_id is not None else (POHODA, item.pohoda_id_before)
                self.quarantine(side, rid, item.raynet_record,
                                f"POHODA refused the {item.op}: {result.message}", rule="pohoda")

    def _pohoda_done(self, item: PendingPohodaWrite, pid: int | None, number: str | None, intent=None) -> None:
        ctx = self.ctx
        with ctx.state.transaction():
            if intent is not None:  # the outcome and the link together: a crash leaves the intent pending
                ctx.state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(pid))
            if item.op == "create":
                p_record = dict(item.pohoda_record or {})
                link = self.save_link(item.raynet_id, pid, None, item.link,
                                      pohoda_ext_id=self.pohoda_ext_id_for(item.raynet_id))
                if number and not link.pohoda_number:
                    link = ctx.state.save_link(Link(**{**link.__dict__, "pohoda_number": number}))
                self.store_shadows(link, item.raynet_record, p_record)
                if item.raynet_id is not None:
                    ctx.state.release(self.agenda, RAYNET, str(item.raynet_id))
                self.counts_to_p.created += 1
            else:
                link = item.link
                self.store_shadows(link, item.raynet_record, patched(item.pohoda_record, item.values))
                self.counts_to_p.updated += 1
        crashpoint(f"{self.agenda}:pohoda:linked")
        if item.op == "create":
            self.after_pohoda_create(link, item)

    def after_pohoda_create(self, link: Link, item: PendingPohodaWrite) -> None:
        """Hook: e.g. write the new POHODA id back to Raynet as an extId."""

    # ======================================================== reconciliation
    def reconcile_create(self, intent) -> int | None:
        """Find on its target a create whose answer was lost; link it and return its id (else None).

        What the target holds now stands as that side's shadow, as after a create that was answered: the
        next run sees no change there (nothing echoes back), and writes only what differs from the source."""
        if intent.target == RAYNET:
            record = self.entity_api().get_by_ext_id(intent.ext_id)
            if record is None:
                return None
            rid = int(record["id"])
            pid = int(intent.source_id) if intent.source_id else None
            source = self.refetch_pohoda(pid) if pid is not None else None   # its number, as a create links it
            link = self.save_link(rid, pid, source, raynet_ext_id=intent.ext_id)
            self.store_shadows(link, self.prepare_raynet(record), None)
            return rid
        record = self.ctx.pohoda.find_by_ext_id(self.pohoda_agenda, intent.ext_id, **self.pohoda_list_context())
        if record is None:
            return None
        pid = self.pohoda_id_of(record)
        link = self.save_link(int(intent.source_id), pid, record, pohoda_ext_id=intent.ext_id)
        self.store_shadows(link, None, record)
        return pid

    # ============================================================ rebind (R-G2)
    def rebind_sources(self, moved: Moved) -> list[RebindSource]:
        """Where ``rpsync rebind`` finds this agenda's records in a new accounting unit (``moved``: what the
        agendas before it moved). Default: ``read_pohoda(None)``, ``pohoda_id_of``, and the keys extId (rpsync's,
        with the mapping's ``ext_system``), document number, then the mapping's match keys — of a link, from
        what it stores and its POHODA shadow."""
        system = self.ctx.mapping.pohoda.ext_system

        def keys_of(record: dict) -> Keys:
            keys: Keys = [("extId", e) for e in ext_ids(self.pohoda_agenda, record, system)]
            number = pohoda_number(self.pohoda_agenda, record)
            if number:
                keys.append(("number", number))
            return keys + [(f"match: {k}", v) for k, v in self.match_keys(POHODA, record)]

        return [RebindSource(self.agenda, lambda: self.read_pohoda(None), self.pohoda_id_of, keys_of,
                             self.rebind_link_keys)]

    def rebind_link_keys(self, link: Link, shadow: dict | None) -> Keys:
        keys: Keys = []
        if link.pohoda_ext_id:
            keys.append(("extId", str(link.pohoda_ext_id)))
        if link.pohoda_number:
            keys.append(("number", str(link.pohoda_number)))
        if shadow:
            keys += [(f"match: {k}", v) for k, v in self.match_keys(POHODA, shadow)]
        return keys

    def rebind_commit(self, moved: Moved) -> None:
        """Inside rebind's transaction, after every link holds its new POHODA id: re-key what else of this
        agenda's state names POHODA ids of the old unit. Default: parent keys ``<agenda>:<POHODA id>`` (an
        order's contract, a payment's invoice)."""
        state = self.ctx.state
        for link in list(state.iter_links(self.agenda)):
            key = moved_parent_key(link.parent_key, moved)
            if key != link.parent_key:
                state.save_link(Link(**{**link.__dict__, "parent_key": key}))

