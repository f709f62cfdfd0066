"""Run a compiled mapping: reconcile unfinished writes, then every enabled step in plan order.

``run_sync(...)`` is what ``rpsync run``, ``rpsync plan`` and ``rpsync demo``
call. A dry run (``plan``) runs the very same steps against a copy of the state
database, with every write replaced by a planned change, so the plan shows
exactly what a run would write on both sides (R-G3).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from engine.errors import RpsyncError
from engine.mapping.model import Mapping as MappingModel
from engine.pohoda.render import Renderer
from engine.raynet.entities import RaynetApi
from engine.raynet.errors import QuotaExhausted, RaynetAuthError, RaynetError
from engine.state import IntentStatus, Link, StateStore, open_state
from engine.state.sqlite import SqliteStateStore
from engine.sync.binding import check_binding
from engine.sync.compile import compile_mapping
from engine.sync.context import PlannedChange, SyncContext
from engine.sync.crashpoints import crashpoint
from engine.sync.lookups import Lookups, LookupError_
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.report import RunReport
from engine.sync.steps import STEPS


@dataclass
class SyncResult:
    report: RunReport
    planned: list[PlannedChange] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 ok, 3 records quarantined, 1 failed; plans: 0 nothing to do, 2 changes."""
        if self.report.status == "failed":
            return 1
        if self.report.dry_run:
            return 2 if self.planned else 0
        if self.report.totals().quarantined:
            return 3
        return 0


def renderer_for(mapping: MappingModel, template_dirs: list[Path] | None = None) -> Renderer:
    return Renderer(
        template_dirs=list(template_dirs or []), ext_system=mapping.pohoda.ext_system,
        application=mapping.pohoda.application,
        limits={"address_book": {"addressbookHeader.web": mapping.settings.www_max_length}},
    )


def _copy_state(state_path: Path) -> Path:
    """A private copy of the state database for a dry run (consistent, via SQLite's backup API)."""
    fd, name = tempfile.mkstemp(prefix="rpsync-plan-", suffix=".sqlite")
    Path(name).unlink()
    if state_path.exists():
        src = sqlite3.connect(str(state_path))
        dst = sqlite3.connect(name)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    return Path(name)


def state_basis(state_path: Path) -> str:
    """What a saved plan was computed from: the state's last run, links and cursors (a change makes it stale)."""
    import hashlib

    if not Path(state_path).exists():
        return "empty"
    state = open_state(state_path)
    try:
        runs = state.runs(1)
        cursors = sorted((a, d, state.get_cursor(a, d)) for a, d in _cursor_keys(state))
        parts = [str(runs[0].id if runs else 0), repr(sorted(state.count_links().items())), repr(cursors)]
    finally:
        state.close()
    return hashlib.blake2b("|".join(parts).encode(), digest_size=10).hexdigest()


def _cursor_keys(state: StateStore) -> list[tuple[str, str]]:
    if isinstance(state, SqliteStateStore):
        return [(r[0], r[1]) for r in state._query("SELECT agenda, direction FROM cursors")]
    return []


def reconcile(ctx: SyncContext) -> list[str]:
    """Settle writes whose outcome is unknown (the process died after journaling them).

    A create is looked for on its target by the extId it carried; found, it is
    linked (and not sent again); not found, it is abandoned and the next step
    that reads the source record creates it. Updates are abandoned: the step
    recomputes them from both sides.
    """
    notes = []
    for intent in ctx.state.pending_intents():
        step_cls = STEPS.get(intent.agenda)
        found_id = None
        if intent.op == "create" and intent.ext_id and step_cls is not None and intent.agenda in ctx.agendas:
            step = step_cls(ctx)
            found_id = step.reconcile_create(intent)
        if found_id is not None:
            ctx.state.finish_intent(intent.id, IntentStatus.DONE, result_id=str(found_id),
                                    message="reconciled after an interrupted run")
            notes.append(f"{intent.agenda}: an interrupted {intent.target} create had landed "
                         f"(id {found_id}); linked, not sent again")
        else:
            ctx.state.finish_intent(intent.id, IntentStatus.ABANDONED,
                                    message="interrupted before the target confirmed it; redone if still needed")
        crashpoint("reconcile")
    return notes


def _preflight(ctx: SyncContext, only: set[str] | None = None) -> None:
    """Resolve every Raynet custom-field label the mapping uses (an unknown one stops the run), then
    each enabled step's own checks (``Step.preflight``; e.g. R-C4 refuses to start)."""
    for agenda_id, plan in ctx.agendas.items():
        step_cls = STEPS.get(agenda_id)
        if step_cls is None:
            continue
        for label in sorted(plan.custom_field_labels()):
            ctx.lookups.custom_field_key(step_cls.raynet_entity, label)
    for agenda_id in ctx.agendas:
        step_cls = STEPS.get(agenda_id)
        if step_cls is not None and (not only or agenda_id in only):
            step_cls.preflight(ctx)


def run_sync(
    mapping: MappingModel,
    *,
    state_path: Path,
    raynet: RaynetApi,
    pohoda: PohodaGateway,
    renderer: Renderer | None = None,
    dry_run: bool = False,
    progress: Callable[[str, str], None] | None = None,
    only: set[str] | None = None,
    allowed: set[str] | None = None,
) -> SyncResult:
    report = RunReport(mapping=str(mapping.path), dry_run=dry_run)
    path = _copy_state(state_path) if dry_run else state_path
    state: StateStore = open_state(path)
    try:
        return _run(mapping, state, raynet, pohoda, renderer or pohoda.renderer, report, dry_run, progress, only,
                    allowed)
    finally:
        state.close()
        if dry_run:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)


def _run(mapping, state, raynet, pohoda, renderer, report, dry_run, progress, only, allowed) -> SyncResult:
    _check_binding(state, pohoda.ico, getattr(pohoda, "year", None))
    run = state.start_run(str(mapping.path))
    crashpoint("run:started")
    requests_before = raynet.client.requests_spent
    pohoda_before = pohoda.requests
    ctx = SyncContext(
        mapping=mapping, agendas=compile_mapping(mapping), state=state, raynet=raynet, pohoda=pohoda,
        renderer=renderer, lookups=Lookups(raynet, state), report=report, run_id=run.id, ico=pohoda.ico,
        dry_run=dry_run, progress=progress or (lambda agenda, message: None), allowed=allowed,
    )
    status = "ok"
    try:
        if not dry_run:
            report.notes += reconcile(ctx)
        _preflight(ctx, only)
        for agenda in mapping.agendas:
            if not agenda.enabled or agenda.id not in STEPS or (only and agenda.id not in only):
                continue
            ctx.progress(agenda.id, "start")
            STEPS[agenda.id](ctx).run()
            ctx.progress(agenda.id, "done")
    except QuotaExhausted as stop:
        status = "budget_spent"
        when = f"; it can go on after {stop.resume_at.isoformat()}" if stop.resume_at else \
            "; the next run goes on where this one stopped"
        report.message = f"stopped cleanly: {stop.message}{when}"
    except (RaynetAuthError, LookupError_) as exc:
        status = "failed"
        report.message = str(exc)
    except RpsyncError as exc:
        status = "failed"
        report.message = str(exc)
    finally:
        report.requests["raynet"] = raynet.client.requests_spent - requests_before
        report.requests["pohoda"] = pohoda.requests - pohoda_before
        report.notes += pohoda.take_warnings() if hasattr(pohoda, "take_warnings") else []
        if status == "ok" and report.totals().quarantined:
            status = "quarantined"
        report.status = status if status != "budget_spent" else "budget_spent"
        report.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        state.finish_run(run.id, report.status, report.to_dict())
    if report.status == "budget_spent":
        report.status = "ok" if not report.totals().quarantined else "quarantined"
        report.notes.append(report.message)
    return SyncResult(report, ctx.planned)


def _check_binding(state: StateStore, ico: str, year: int | None = None) -> None:
    """One sync is bound to exactly one POHODA accounting unit: IČ, and the year when the profile names one (R-G1, R-G2)."""
    check_binding(state, ico, year)
