"""``rpsync status``: what the sync knows — links, cursors, waiting records, quarantine, recent runs.

Exit codes: 0 shown (nothing in quarantine), 3 records are in quarantine, 1 the state database cannot be
read (locked by another process, damaged), 2 usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from engine.cli.app import app
from engine.cli.common import console, fail


@app.command("status")
def status_command(
    profile: Optional[Path] = typer.Option(None, "--profile", "-p", help="The connection profile (finds the state)."),
    state: Optional[Path] = typer.Option(None, "--state", help="The state database, instead of a profile."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show links per agenda, cursors, records waiting for what they belong to, records in quarantine and the
    last runs."""
    from engine.errors import RpsyncError
    from engine.state import open_state
    from engine.sync.binding import PENDING, bound_unit

    if state is None:
        if profile is None:
            fail("rpsync status needs --profile or --state", 2)
        state = _state_of(profile)
    if not state.exists():
        fail(f"no state database at {state}: this sync has not run yet", 2)
    try:
        store = open_state(state)
    except RpsyncError as exc:
        fail(str(exc))
    try:
        links = store.count_links()
        cursors = store._query("SELECT agenda, direction, value FROM cursors ORDER BY agenda, direction")
        waiting = store._query(   # Waiting rows of the sub-records, payments, prices; invoices waiting (R-Z3)
            "SELECT agenda, side, COUNT(*) FROM shadows WHERE side LIKE 'waiting:%' OR side = 'closing_waiting'"
            " GROUP BY agenda, side ORDER BY agenda, side")
        quarantine = store.quarantined()
        runs = store.runs(5)
        unit = bound_unit(store)
        pending_rebind = store.get_meta(PENDING)
    except RpsyncError as exc:   # locked, damaged: the store says which
        fail(str(exc))
    finally:
        store.close()
    bound = unit.ico if unit else None
    data = {
        "state": str(state), "pohoda_ico": bound, "pohoda_year": unit.year if unit else None,
        "rebind_pending": pending_rebind, "links": links,
        "cursors": [{"agenda": a, "side": d, "since": v} for a, d, v in cursors],
        "waiting": [{"agenda": a, "for": _WAITING.get(w, w), "records": n} for a, w, n in waiting],
        "quarantine": [{"agenda": q.agenda, "side": q.side, "record": q.record_id, "label": q.record_label,
                        "field": q.field, "rule": q.rule, "message": q.message, "times": q.times,
                        "first_seen": q.first_seen.isoformat(), "last_seen": q.last_seen.isoformat()}
                       for q in quarantine],
        "runs": [{"id": r.id, "status": r.status, "started_at": r.started_at.isoformat(),
                  "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                  "totals": (r.summary or {}).get("totals", {})} for r in runs],
    }
    if as_json:
        console.print_json(json.dumps(data, ensure_ascii=False))
    else:
        console.print(f"state {state} — bound to POHODA {unit or '(not yet)'}", highlight=False)
        if pending_rebind:
            console.print(f"a rebind to {pending_rebind} is unfinished: run `rpsync rebind` again", highlight=False)
        t = Table(title="links")
        t.add_column("agenda")
        t.add_column("pairs", justify="right")
        for agenda, n in links.items():
            t.add_row(agenda, str(n))
        console.print(t)
        t = Table(title="cursors (changes read since)")
        for col in ("agenda", "side", "since"):
            t.add_column(col)
        for c in data["cursors"]:
            t.add_row(c["agenda"], c["side"], c["since"] or "")
        console.print(t)
        if waiting:
            t = Table(title="waiting (read again once what they belong to is linked)")
            for col in ("agenda", "for", "records"):
                t.add_column(col)
            for w in data["waiting"]:
                t.add_row(w["agenda"], w["for"], str(w["records"]))
            console.print(t)
        if quarantine:
            t = Table(title=f"quarantine ({len(quarantine)})")
            for col in ("agenda", "record", "field", "rule", "message", "times"):
                t.add_column(col)
            for q in data["quarantine"]:
                t.add_row(q["agenda"], q["label"] or q["record"], q["field"] or "", q["rule"] or "", q["message"],
                          str(q["times"]))
            console.print(t)
        for r in data["runs"]:
            t = r["totals"]
            counts = ", ".join(f"{k} {t[k]}" for k in ("read", "created", "updated", "linked", "quarantined")
                               if t.get(k))
            console.print(f"run {r['id']}: {r['status']} ({r['started_at']} → {r['finished_at'] or '…'})"
                          + (f" — {counts}" if counts else ""), highlight=False)
    raise typer.Exit(3 if quarantine else 0)


#: what a waiting row waits for, by its side in the state
_WAITING = {"waiting:raynet": "a Raynet client to be linked", "waiting:pohoda": "a POHODA record to be linked",
            "closing_waiting": "an order to be linked (R-Z3 closing date)"}


class _NoSecrets(dict):
    """An environment in which every ``${env:…}`` reference resolves: status reads the state, connects nowhere."""

    def __init__(self, real):
        super().__init__(real)

    def __contains__(self, key) -> bool:
        return True

    def __missing__(self, key) -> str:
        return "(not needed by rpsync status)"


def _state_of(profile: Path) -> Path:
    """The profile's state database; its secrets are not needed (and need not be set)."""
    import os

    from engine.errors import RpsyncError
    from engine.profile import load_profile

    try:
        return load_profile(profile, env=_NoSecrets(os.environ)).state_path
    except RpsyncError as exc:
        fail(str(exc), 2)
