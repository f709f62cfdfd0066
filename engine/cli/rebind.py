"""``rpsync rebind``: move a sync to POHODA's new accounting unit after year-end closing (R-G2).

    rpsync rebind --profile P --mapping M [--dry-run] [--json]

Point the profile at the new unit first (its year, database or mServer). Every
POHODA-side link is looked for in the new unit and its id updated; links whose
record is not there are reported and kept; nothing is created or deleted.
Exit codes: 0 every link re-resolved; 3 some links could not be re-resolved
(listed; kept, detached); 1 refused or failed (e.g. links matching several
records of the new unit — nothing was changed); 2 usage error. ``--dry-run``
shows the same and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from engine.cli.app import app
from engine.cli.common import (
    MAPPING_OPTION, PROFILE_OPTION, console, fail, load_mapping_or_exit, load_profile_or_exit, progress_printer, safe,
)


@app.command("rebind")
def rebind_command(
    mapping: Path = MAPPING_OPTION,
    profile: Path = PROFILE_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """After POHODA's year-end closing: re-bind this sync's links to the new accounting unit (R-G2)."""
    from engine.errors import RpsyncError
    from engine.sync.connect import pohoda_from_profile, raynet_from_profile
    from engine.sync.rebind import RebindRefused, rebind

    model = load_mapping_or_exit(mapping)
    prof = load_profile_or_exit(profile)
    if not prof.state_path.exists():
        fail(f"no state database at {prof.state_path}: this sync has never run, there is nothing to rebind", 2)
    try:
        raynet = raynet_from_profile(prof)
        pohoda = pohoda_from_profile(prof, model)
    except RpsyncError as exc:
        fail(str(exc), 2)
    refused = None
    try:
        report = rebind(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda, dry_run=dry_run,
                        progress=progress_printer(quiet or as_json))
    except RebindRefused as exc:
        refused, report = exc, exc.report
    except RpsyncError as exc:
        fail(str(exc))
    finally:
        raynet.client.close()
        pohoda.close()
    if as_json:
        console.print_json(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        _print(report)
    if refused is not None:
        fail(str(refused))
    raise typer.Exit(report.exit_code)


def _print(report) -> None:
    verb = "would re-bind" if report.dry_run else "re-bound"
    console.print(f"rpsync rebind{' (dry run: nothing changed)' if report.dry_run else ''}: "
                  f"POHODA {report.old_unit} → {report.new_unit}", highlight=False)
    table = Table(title_justify="left")
    for col in ("agenda", "links", "same id", "new id", "not found"):
        table.add_column(col, justify="left" if col == "agenda" else "right")
    for agenda, n in report.checked.items():
        table.add_row(agenda, str(n), str(report.unchanged.get(agenda, 0)),
                      str(sum(1 for r in report.rebound if r.agenda == agenda)),
                      str(sum(1 for u in report.unresolved + report.ambiguous if u.agenda == agenda)))
    if report.checked:
        console.print(table)
    for r in report.rebound[:50]:
        console.print(f"{verb} {r.agenda}: {safe(r.label)} — POHODA id {r.old_id} → {r.new_id} (by {r.how})",
                      highlight=False)
    if len(report.rebound) > 50:
        console.print(f"… and {len(report.rebound) - 50} more (--json lists all)")
    for u in report.unresolved:
        console.print(f"[yellow]not re-resolved[/] {u.agenda}: Raynet {u.raynet_id} ⇄ POHODA {u.old_id}"
                      f"{' (' + safe(u.number) + ')' if u.number else ''}: {safe(u.reason)}; the link is kept",
                      markup=True, highlight=False)
    for u in report.ambiguous:
        console.print(f"[red]ambiguous[/] {u.agenda}: Raynet {u.raynet_id} ⇄ POHODA {u.old_id}: {safe(u.reason)}",
                      markup=True, highlight=False)
    moved = "would move" if report.dry_run else "moved"
    if report.ext_ids_moved or report.ext_ids_removed:
        console.print(f"Raynet extIds naming POHODA ids: {moved} {report.ext_ids_moved}, "
                      f"{'would remove' if report.dry_run else 'removed'} {report.ext_ids_removed} "
                      "(those of links not re-resolved)", highlight=False)
    for note in report.notes:
        console.print(f"note: {safe(note)}", highlight=False)
