"""``rpsync plan``: the dry run — every create and update a run would make on each side (R-G3).

Exit codes: 0 nothing to do, 2 changes to make, 1 error. ``--explain``
describes the compiled steps in words and needs no connection.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from engine.cli.app import app
from engine.cli.common import (
    MAPPING_OPTION, console, fail, load_mapping_or_exit, load_profile_or_exit, print_report, progress_printer,
    write_json,
)

SYMBOL = {"create": "+", "update": "~", "link": "="}


def explain(model) -> list[str]:
    from engine.sync.compile import compile_mapping
    from engine.sync.context import SyncContext
    from engine.sync.report import RunReport
    from engine.sync.steps import STEPS

    ctx = SyncContext(mapping=model, agendas=compile_mapping(model), state=None, raynet=None, pohoda=None,
                      renderer=None, lookups=None, report=RunReport(), run_id=0, ico="")
    lines = []
    for n, agenda in enumerate(a for a in model.agendas if a.enabled and a.id in STEPS):
        lines += [f"{n + 1}. " + STEPS[agenda.id](ctx).explain()[0]] + STEPS[agenda.id](ctx).explain()[1:]
    off = [a.id for a in model.agendas if not a.enabled]
    if off:
        lines.append("switched off: " + ", ".join(off))
    return lines


@app.command("plan")
def plan_command(
    mapping: Path = MAPPING_OPTION,
    profile: Optional[Path] = typer.Option(None, "--profile", "-p", help="The connection profile (TOML or YAML)."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    explain_only: bool = typer.Option(False, "--explain", help="Describe the compiled steps in words; connect to nothing."),
    out: Optional[Path] = typer.Option(None, "--out", help="Save the plan; `rpsync run --plan FILE` applies exactly it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Dry run: show what a run would write on both sides, and write nothing."""
    from engine.errors import RpsyncError
    from engine.sync.connect import pohoda_from_profile, raynet_from_profile
    from engine.sync.runner import run_sync, state_basis

    model = load_mapping_or_exit(mapping)
    if explain_only:
        for line in explain(model):
            typer.echo(line)
        raise typer.Exit(0)
    if profile is None:
        fail("rpsync plan needs --profile (or --explain to describe the steps without connecting)", 2)
    prof = load_profile_or_exit(profile)
    basis = state_basis(prof.state_path)
    try:
        raynet = raynet_from_profile(prof)
        pohoda = pohoda_from_profile(prof, model)
    except RpsyncError as exc:
        fail(str(exc), 2)
    try:
        result = run_sync(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda, dry_run=True,
                          progress=progress_printer(quiet or as_json))
    except RpsyncError as exc:
        fail(str(exc))
    finally:
        raynet.client.close()
        pohoda.close()
    data = {"basis": basis, "mapping": str(mapping), "changes": [c.to_dict() for c in result.planned],
            "report": result.report.to_dict()}
    if out:
        write_json(out, data)
    if as_json:
        console.print_json(json.dumps(data, ensure_ascii=False, default=str))
    else:
        for c in result.planned:
            target = "Raynet" if c.target == "raynet" else "POHODA" if c.target == "pohoda" else "pair"
            fields = ", ".join(f"{k}={v!r}" for k, v in c.fields.items() if v is not None)
            typer.echo(f"{SYMBOL.get(c.op, '?')} {c.agenda} {c.op} in {target}: {c.label}"
                       + (f"\n    {fields}" if fields else ""))
        print_report(result.report.to_dict(), title="rpsync plan (dry run: nothing was written)")
        console.print(f"{len(result.planned)} change(s) planned" if result.planned else "nothing to do",
                      highlight=False)
    if result.report.status == "failed":
        raise typer.Exit(1)
    raise typer.Exit(2 if result.planned else 0)
