"""Re-binding a sync to a new POHODA accounting unit after year-end closing (R-G2).

A year-end data closing (*datová uzávěrka*) makes POHODA continue the books in
a new accounting unit — same IČ, next year, often a new database or mServer —
into which it carries the address book, stock, open documents …, under ids
that may differ. ``rpsync rebind`` moves a sync there without losing or
duplicating links:

1. every link's POHODA record is looked for in the new unit, by the extId
   rpsync wrote (where the agenda has one), else by the document number, else
   by the mapping's match keys computed from what the record held when last in
   sync (its shadow) — each key narrowing the candidates of the surer ones;
   records are claimed once; if several records still match a link, nothing
   is changed and the rebind stops for a person to decide (no guessing);
2. links whose id changed get the new id (their shadows move with them); a
   link whose record is not in the new unit is kept but detached — its POHODA
   id is cleared (ids of the old unit mean other records in the new one), the
   old id is kept in the rebind history (state meta ``rebind:<time>``), and
   the engine never re-creates its record (``Step.sync_pair``); the report
   lists it;
3. POHODA-side cursors restart (the next run reads the new unit whole) and
   POHODA-side quarantine entries are dropped (their ids are the old unit's);
4. the new binding (IČ, year) is recorded; then the extIds rpsync wrote on
   Raynet records, which carry POHODA ids (``pohoda:<agenda>:<id>``), are moved
   to the new ids (removed for detached links), so no later create can be
   mistaken for an old record.

Nothing is created or deleted in either system. Steps 2–4 commit in one
transaction with a ``rebind_pending`` mark that runs refuse to start under;
the extId moves (journaled in the same transaction) follow and clear the
mark. A killed rebind is finished by running it again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from engine.errors import RpsyncError
from engine.mapping.model import Mapping as MappingModel
from engine.raynet.entities import RaynetApi
from engine.raynet.errors import RaynetNotFound
from engine.state import Link, open_state
from engine.state.store import StateStore
from engine.sync.binding import PENDING, BindingError, Unit, bound_unit, record_binding
from engine.sync.compile import compile_mapping
from engine.sync.context import SyncContext
from engine.sync.crashpoints import crashpoint
from engine.sync.lookups import Lookups
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.report import RunReport
from engine.sync.steps import STEPS
from engine.sync.steps.base import POHODA, Reject, Step
from engine.sync.steps.rebinding import RebindSource

HISTORY_PREFIX = "rebind:"
#: the Raynet extId moves of a committed rebind, until they are done
EXT_MOVES = "rebind_ext_moves"
#: the unit a pending rebind comes from (for its report)
FROM = "rebind_from"


@dataclass
class Rebound:
    agenda: str
    raynet_id: int | None
    old_id: int
    new_id: int
    how: str             # "extId", "number", "match: ico" …
    label: str = ""


@dataclass
class Unresolved:
    agenda: str
    raynet_id: int | None
    old_id: int | None
    number: str | None
    reason: str


@dataclass
class RebindReport:
    old_unit: str
    new_unit: str
    dry_run: bool
    checked: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    rebound: list[Rebound] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    #: links several records of the new unit match: a person decides (nothing is changed while there are any)
    ambiguous: list[Unresolved] = field(default_factory=list)
    ext_ids_moved: int = 0
    ext_ids_removed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 every link re-resolved; 3 some could not be (listed, kept); 1 ambiguous links (nothing changed)."""
        return 1 if self.ambiguous else 3 if self.unresolved else 0

    def to_dict(self) -> dict[str, Any]:
        return {"old_unit": self.old_unit, "new_unit": self.new_unit, "dry_run": self.dry_run,
                "checked": self.checked, "unchanged": self.unchanged,
                "rebound": [asdict(r) for r in self.rebound], "unresolved": [asdict(u) for u in self.unresolved],
                "ambiguous": [asdict(u) for u in self.ambiguous],
                "ext_ids_moved": self.ext_ids_moved, "ext_ids_removed": self.ext_ids_removed, "notes": self.notes}


class RebindRefused(RpsyncError):
    """Some links match several records of the new unit: nothing was changed."""

    code = "E-REBIND"

    def __init__(self, report: RebindReport) -> None:
        super().__init__(
            f"{len(report.ambiguous)} link(s) match several records of the new unit {report.new_unit}; "
            "nothing was changed",
            hint="make those records distinct in POHODA (or merge the duplicates), then run `rpsync rebind` again")
        self.report = report


class _UnitIndex:
    """The new unit's records of one link agenda, by the keys its step gives (extId, number, match keys)."""

    def __init__(self, source: RebindSource) -> None:
        self.source = source
        self.ids: set[int] = set()
        self.by: dict[tuple[str, str], list[int]] = defaultdict(list)
        for record in source.records():
            try:
                pid = source.id_of(record)
            except Reject:
                continue
            self.ids.add(pid)
            for key in source.keys_of(record):
                self.by[key].append(pid)

    def find(self, link: Link, shadow: dict | None, claimed: set[int]) -> tuple[int | None, str, bool]:
        """(new id, how it was found, False) or (None, why not, whether several records match).

        Keys are tried surest first (extId, number, then the match keys in the
        mapping's order); each narrows the candidates of the ones before, a key
        that contradicts them is passed over.
        """
        tries = self.source.link_keys(link, shadow)
        if not tries:
            return None, "the link has no extId, number or match key to look for", False
        current: set[int] | None = None
        used: list[str] = []
        for how, value in tries:
            found = {i for i in self.by.get((how, value), []) if i not in claimed}
            narrowed = found if current is None else current & found
            if not narrowed:
                continue
            current = narrowed
            used.append(how)
            if len(current) == 1:
                return next(iter(current)), " + ".join(used), False
        shown = ", ".join(f"{h.removeprefix('match: ')} {v!r}" for h, v in tries)
        if current is None:
            return None, f"not in the new unit (looked for {shown})", False
        ids = ", ".join(map(str, sorted(current)[:5]))
        return None, f"{len(current)} records of the new unit match ({shown}): ids {ids}", True


def rebind(mapping: MappingModel, *, state_path, raynet: RaynetApi, pohoda: PohodaGateway, dry_run: bool = False,
           progress: Callable[[str, str], None] | None = None) -> RebindReport:
    progress = progress or (lambda agenda, message: None)
    state = open_state(state_path)
    try:
        return _rebind(mapping, state, raynet, pohoda, dry_run, progress)
    finally:
        state.close()


def _check_target(state: StateStore, new: Unit) -> Unit:
    bound = bound_unit(state)
    if bound is None:
        raise BindingError("this sync is not bound to a POHODA unit yet (it has never run): nothing to rebind",
                           hint="`rpsync run` binds it to the unit its profile names")
    pending = state.get_meta(PENDING)
    if pending and pending != str(new):
        raise BindingError(f"an earlier rebind to the POHODA unit {pending} was interrupted; the profile names {new}",
                           hint=f"point the profile at {pending} and run `rpsync rebind` again to finish it")
    if bound.ico != new.ico:
        raise BindingError(
            f"rebind moves a sync to the next accounting unit of the same company (IČ {bound.ico}); "
            f"the profile names IČ {new.ico}",
            hint="a different company needs a sync of its own (a new state database)")
    unsettled = state.pending_intents()
    if unsettled and not pending:
        raise BindingError(
            f"the last run against {bound} was interrupted with {len(unsettled)} write(s) unconfirmed; they name "
            "records of that unit",
            hint=f"run `rpsync run` once more against the old unit ({bound}) to settle them, then rebind")
    return bound


def _context(mapping: MappingModel, state: StateStore, raynet: RaynetApi, pohoda: PohodaGateway) -> SyncContext:
    return SyncContext(mapping=mapping, agendas=compile_mapping(mapping), state=state, raynet=raynet,
                       pohoda=pohoda, renderer=pohoda.renderer, lookups=Lookups(raynet, state),
                       report=RunReport(dry_run=True), run_id=0, ico=pohoda.ico, dry_run=True)


def _rebind(mapping, state, raynet, pohoda, dry_run, progress) -> RebindReport:
    new = Unit(pohoda.ico, getattr(pohoda, "year", None))
    old = _check_target(state, new)
    report = RebindReport(old_unit=str(old), new_unit=str(new), dry_run=dry_run)
    ctx = _context(mapping, state, raynet, pohoda)
    if state.get_meta(PENDING) == str(new):
        # the links were re-bound already; what is left are the Raynet extId moves
        report.old_unit = state.get_meta(FROM) or report.old_unit
        report.notes.append(f"finished an interrupted rebind to {new}")
        if not dry_run:
            _move_ext_ids(ctx, state, report)
            _finished(state)
        return report
    links: dict[str, list[Link]] = defaultdict(list)
    for link in state.iter_links():
        if link.pohoda_id is not None:
            links[link.agenda].append(link)
    changes: list[tuple[Link, int, str]] = []
    moved: dict[str, dict[int, int | None]] = {}
    steps: list[Step] = []
    handled: set[str] = set()
    # plan order: a record's parent (the address book, a contract, an invoice, a stock item) moves before it
    for agenda, step_cls in STEPS.items():
        if agenda not in ctx.agendas:
            continue
        step = step_cls(ctx)
        steps.append(step)
        for source in step.rebind_sources(moved):
            handled.add(source.agenda)
            agenda_links = links.get(source.agenda, [])
            if not agenda_links:
                continue
            progress(source.agenda, "reading the new unit")
            moved[source.agenda] = _resolve(source, agenda_links, state, report, changes, step)
    for agenda, agenda_links in links.items():
        if agenda in handled:
            continue
        if agenda.split(".")[0] not in STEPS:
            raise RpsyncError(f"the state holds {agenda} links, which this rpsync has no step for",
                              hint="rebind with the rpsync version that wrote this state")
        report.checked[agenda] = len(agenda_links)
        report.unresolved += [Unresolved(agenda, l.raynet_id, l.pohoda_id, l.pohoda_number,
                                         "the agenda is switched off in the mapping") for l in agenda_links]
    if report.ambiguous and not dry_run:
        raise RebindRefused(report)
    if dry_run:
        plan = _ext_id_plan(ctx, state, changes, report.unresolved)
        report.ext_ids_moved = sum(1 for m in plan if m["new"] is not None)
        report.ext_ids_removed = sum(1 for m in plan if m["new"] is None)
        return report
    _commit(ctx, state, old, new, changes, report, steps, moved)
    crashpoint("rebind:committed")
    _move_ext_ids(ctx, state, report)
    _finished(state)
    return report


def _resolve(source: RebindSource, agenda_links: list[Link], state: StateStore, report: RebindReport,
             changes: list[tuple[Link, int, str]], step: Step) -> dict[int, int | None]:
    """Look every link of one link agenda up in the new unit; old id → new id (None: not found)."""
    agenda = source.agenda
    report.checked[agenda] = len(agenda_links)
    index = _UnitIndex(source)
    claimed: set[int] = set()
    unchanged = 0
    moves: dict[int, int | None] = {}
    # the surest keys claim their records first: extIds, then numbers, then match keys
    for link in sorted(agenda_links, key=lambda l: (l.pohoda_ext_id is None, l.pohoda_number is None)):
        shadow = state.get_shadow(agenda, POHODA, str(link.pohoda_id))
        new_id, how, ambiguous = index.find(link, shadow, claimed)
        moves[int(link.pohoda_id)] = new_id
        if new_id is None:
            (report.ambiguous if ambiguous else report.unresolved).append(
                Unresolved(agenda, link.raynet_id, link.pohoda_id, link.pohoda_number, how))
            continue
        claimed.add(new_id)
        if new_id == link.pohoda_id:
            unchanged += 1
        else:
            changes.append((link, new_id, how))
            report.rebound.append(Rebound(agenda, link.raynet_id, link.pohoda_id, new_id, how,
                                          f"Raynet {link.raynet_entity or step.raynet_entity} {link.raynet_id}"))
    report.unchanged[agenda] = unchanged
    return moves


def _finished(state: StateStore) -> None:
    with state.transaction():
        state.set_meta(PENDING, None)
        state.set_meta(FROM, None)


def _commit(ctx: SyncContext, state: StateStore, old: Unit, new: Unit, changes, report: RebindReport,
            steps: list[Step], moved: dict[str, dict[int, int | None]]) -> None:
    """Links, shadows, cursors, quarantine and the binding in one transaction (with the pending mark)."""
    detached = [u for u in report.unresolved if u.old_id is not None]
    with state.transaction():
        state.set_meta(PENDING, str(new))
        state.set_meta(FROM, str(old))
        state.set_meta(EXT_MOVES, json.dumps(_ext_id_plan(ctx, state, changes, report.unresolved)))
        shadows = {(l.agenda, l.pohoda_id): state.get_shadow(l.agenda, POHODA, str(l.pohoda_id))
                   for l, _, _ in changes}
        by_old = {(l.agenda, l.pohoda_id): l for l, _, _ in changes}
        for u in detached:
            by_old.setdefault((u.agenda, u.old_id), state.find_link(u.agenda, pohoda_id=u.old_id))
        # clear the old ids first: a new id may be another link's old one (ids swap between units)
        for (agenda, old_id), link in by_old.items():
            state.delete_shadow(agenda, POHODA, str(old_id))
            state.save_link(Link(**{**link.__dict__, "pohoda_id": None}))
        for link, new_id, _ in changes:
            state.save_link(Link(**{**link.__dict__, "pohoda_id": new_id}))
            shadow = shadows.get((link.agenda, link.pohoda_id))
            if shadow is not None:
                state.set_shadow(link.agenda, POHODA, str(new_id), shadow)
        for u in detached:
            link = by_old[(u.agenda, u.old_id)]
            state.save_link(Link(**{**link.__dict__, "pohoda_id": None, "deleted_on": POHODA}))
        for step in steps:   # parent keys, parent ids in shadows, state keyed by another agenda's ids
            step.rebind_commit(moved)
        for agenda in ctx.agendas:
            if state.get_cursor(agenda, POHODA) is not None:
                state.set_cursor(agenda, POHODA, None)
        dropped = 0
        for entry in state.quarantined():
            if entry.side == POHODA:
                dropped += state.release(entry.agenda, POHODA, entry.record_id)
        if dropped:
            report.notes.append(f"{dropped} POHODA record(s) left quarantine: their ids were the old unit's; "
                                "the next run reads the new unit and checks them again")
        record_binding(state, new)
        history = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "from": str(old),
                   "to": str(new), **{k: v for k, v in report.to_dict().items() if k in ("rebound", "unresolved")}}
        state.set_meta(f"{HISTORY_PREFIX}{history['at']}", json.dumps(history, ensure_ascii=False))


def _ext_id_plan(ctx: SyncContext, state: StateStore, changes, unresolved) -> list[dict[str, Any]]:
    """The Raynet extIds rpsync wrote that name a POHODA id of the old unit: move them, or remove them."""
    plan = []
    for link, new_id, _ in changes:
        if link.raynet_id is not None and link.raynet_ext_id == ctx.raynet_ext_id(link.agenda, link.pohoda_id):
            plan.append({"link": link.id, "entity": link.raynet_entity or STEPS[link.agenda].raynet_entity,
                         "raynet_id": link.raynet_id, "old": link.raynet_ext_id,
                         "new": ctx.raynet_ext_id(link.agenda, new_id)})
    for u in unresolved:
        link = state.find_link(u.agenda, pohoda_id=u.old_id) if u.old_id is not None else None
        if link and link.raynet_id is not None and link.raynet_ext_id == ctx.raynet_ext_id(link.agenda, u.old_id):
            plan.append({"link": link.id, "entity": link.raynet_entity or STEPS[link.agenda].raynet_entity,
                         "raynet_id": link.raynet_id, "old": link.raynet_ext_id, "new": None})
    return plan


def _move_ext_ids(ctx: SyncContext, state: StateStore, report: RebindReport) -> None:
    """Remove every old extId first (a new one may still sit on another record), then add the new ones."""
    plan = json.loads(state.get_meta(EXT_MOVES) or "[]")
    client = ctx.raynet.client
    gone: set[int] = set()
    for move in plan:
        try:
            client.remove_ext_id(move["entity"], move["raynet_id"], move["old"])
        except RaynetNotFound:
            if _missing(client, move):  # else: the extId was not there any more (a resumed rebind)
                gone.add(move["link"])
                report.notes.append(f"Raynet {move['entity']} {move['raynet_id']} no longer exists (link kept)")
        crashpoint("rebind:ext-id-removed")
    for move in plan:
        if move["new"] is not None and move["link"] not in gone:
            client.add_ext_id(move["entity"], move["raynet_id"], move["new"])
            report.ext_ids_moved += 1
        else:
            report.ext_ids_removed += 1
        with state.transaction():
            link = next(l for l in state.iter_links() if l.id == move["link"])
            state.save_link(Link(**{**link.__dict__, "raynet_ext_id": move["new"]}))
        crashpoint("rebind:ext-id-added")
    state.set_meta(EXT_MOVES, None)


def _missing(client, move: dict) -> bool:
    try:
        client.get(move["entity"], move["raynet_id"])
    except RaynetNotFound:
        return True
    return False
