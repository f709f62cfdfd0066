"""``rpsync run``: sync both systems now, headlessly.

Exit codes: 0 everything went through; 3 some records were quarantined (the
rest went through; the report says which and why); 1 the run failed (nothing
half-done is lost: the next run goes on); 2 usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from engine.cli.app import app
from engine.cli.common import (
    MAPPING_OPTION, PROFILE_OPTION, fail, load_mapping_or_exit, load_profile_or_exit, print_report,
    progress_printer, write_json,
)


@app.command("run")
def run_command(
    mapping: Path = MAPPING_OPTION,
    profile: Path = PROFILE_OPTION,
    report: Optional[Path] = typer.Option(None, "--report", help="Write the run report as JSON to this file."),
    report_html: Optional[Path] = typer.Option(
        None, "--report-html", help="Write the run report as one self-contained HTML page to this file."),
    plan_file: Optional[Path] = typer.Option(None, "--plan", help="Apply exactly this saved plan (rpsync plan --out)."),
    only: Optional[List[str]] = typer.Option(None, "--only", help="Run only these agendas (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Sync Raynet and POHODA: read what changed, write it to the other side, report."""
    from engine.errors import RpsyncError
    from engine.sync.connect import pohoda_from_profile, raynet_from_profile
    from engine.sync.runner import run_sync, state_basis

    model = load_mapping_or_exit(mapping)
    prof = load_profile_or_exit(profile)
    allowed = None
    if plan_file is not None:
        try:
            saved = json.loads(plan_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            fail(f"cannot read the saved plan {plan_file}: {exc}", 2)
        if saved.get("basis") != state_basis(prof.state_path):
            fail(f"the saved plan {plan_file} is stale: a run happened since it was made; make a new plan")
        allowed = {c["key"] for c in saved.get("changes", [])}
    try:
        raynet = raynet_from_profile(prof)
        pohoda = pohoda_from_profile(prof, model)
    except RpsyncError as exc:
        fail(str(exc), 2)
    try:
        result = run_sync(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda,
                          progress=progress_printer(quiet), only=set(only) if only else None, allowed=allowed)
    except RpsyncError as exc:
        fail(str(exc))
    finally:
        raynet.client.close()
        pohoda.close()
    data = result.report.to_dict()
    if report:
        write_json(report, data)
    if report_html:
        from engine.report_html import write_html_report

        write_html_report(data, report_html)
    print_report(data)
    raise typer.Exit(result.exit_code)
