"""``rpsync export``: business cases as POHODA received-order files, no running POHODA needed (R-E1 … R-E3).

    rpsync export -m acme.yaml -p acme.toml                      # every business case export.filter selects → one .xml
    rpsync export -m acme.yaml -p acme.toml -b 42                # one business case → OP-42.xph
    rpsync export -m acme.yaml -p acme.toml --outbox hand-over/  # any profile: write the files here
    rpsync export -m acme.yaml -p acme.toml --responses          # read POHODA's answers from the inbox (R-E3)

The profile's ``[pohoda] transport = "files"`` gives the outbox (and inbox);
``--outbox``/``--inbox`` override it, so a profile for mServer works too. Files
appear atomically; their names carry the business-case code (the mapping's
``export.file_name``). A list export leaves out business cases exported before
(``--again`` includes them); POHODA refuses a second import of the same business
case anyway (the order's extId).

Exit codes:

- **0** the file was written (or nothing new to export); with ``--responses``:
  every answered order was imported;
- **3** some business cases could not be exported (each is listed: record, field,
  rule, what to change) while the others were written; with ``--responses``:
  POHODA refused some orders (listed with POHODA's message);
- **1** failure: Raynet cannot be read, the outbox cannot be written, the state
  database cannot be used, a response file cannot be read;
- **2** usage error: invalid mapping or profile, no outbox (or, with
  ``--responses``, no inbox) configured, unknown option.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from engine.cli.app import app
from engine.cli.common import (
    MAPPING_OPTION, PROFILE_OPTION, console, fail, load_mapping_or_exit, load_profile_or_exit, safe,
)


@app.command("export")
def export_command(
    mapping: Path = MAPPING_OPTION,
    profile: Path = PROFILE_OPTION,
    business_case: Optional[List[int]] = typer.Option(
        None, "--business-case", "-b",
        help="Export this business case (Raynet id; repeatable). Without it: every business case the mapping's "
             "export.filter selects, as one list file."),
    outbox: Optional[Path] = typer.Option(None, "--outbox", help="Write the files here (default: the profile's outbox)."),
    inbox: Optional[Path] = typer.Option(None, "--inbox", help="POHODA's answers are here (default: the profile's inbox)."),
    responses: bool = typer.Option(False, "--responses",
                                   help="Read POHODA's responsePack files from the inbox and record each order's "
                                        "outcome (R-E3), instead of exporting."),
    again: bool = typer.Option(False, "--again", help="A list export includes business cases exported before."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Export business cases to POHODA received-order files (.xph for one, .xml for a list).

    Exit codes: 0 written (or nothing new to export; with --responses: all imported), 3 some business cases
    were not exported (with --responses: POHODA refused some orders), 1 failure, 2 usage error.
    """
    from engine.errors import RpsyncError
    from engine.pohoda.transport.files import FileTransport
    from engine.state import open_state
    from engine.sync.connect import raynet_from_profile
    from engine.sync.export import Exporter, read_responses

    model = load_mapping_or_exit(mapping)
    prof = load_profile_or_exit(profile)
    out_dir = outbox or prof.pohoda.outbox
    in_dir = inbox or prof.pohoda.inbox
    if responses and in_dir is None:
        fail("rpsync export --responses needs an inbox: give --inbox DIR or set [pohoda] inbox in the profile", 2)
    if not responses and out_dir is None:
        fail(f"the profile's POHODA transport is {prof.pohoda.transport} with no outbox: give --outbox DIR or use a "
             "profile with [pohoda] transport = \"files\" and an outbox", 2)
    transport = FileTransport(out_dir or in_dir, in_dir)
    try:
        state = open_state(prof.state_path)
    except RpsyncError as exc:
        fail(str(exc))
    try:
        if responses:
            try:
                outcomes = read_responses(transport, state)
            except RpsyncError as exc:
                fail(str(exc))
            _print_responses(outcomes, as_json)
            raise typer.Exit(3 if any(o.status in ("refused", "unknown") for o in outcomes) else 0)
        try:
            raynet = raynet_from_profile(prof)
        except RpsyncError as exc:
            fail(str(exc), 2)
        try:
            exporter = Exporter(model, raynet=raynet, state=state, ico=prof.pohoda.ico)
            result = exporter.export(transport, ids=business_case or None, again=again)
        except RpsyncError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write into the outbox {out_dir}: {exc.strerror or exc}")
        finally:
            raynet.client.close()
        _print_export(result, as_json)
        raise typer.Exit(result.exit_code)
    finally:
        state.close()


def _print_export(result, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps({
            "files": [str(p) for p in result.files], "exported": result.exported, "already_exported": result.already,
            "problems": [p.__dict__ for p in result.problems]}, ensure_ascii=False))
        return
    for path in result.files:
        console.print(f"wrote {path} ({len(result.exported)} business case(s): "
                      f"{', '.join(e['code'] for e in result.exported)})", highlight=False)
    for line in result.already:
        console.print(f"exported before, left out: {line} (use --again to include it)", highlight=False)
    for p in result.problems:
        where = f" [{p.field}]" if p.field else ""
        rule = f" ({p.rule})" if p.rule else ""
        console.print(f"[yellow]not exported[/] {safe(f'{p.label}{where}{rule}: {p.message}')}", markup=True,
                      highlight=False)
    if not result.files and not result.problems:
        console.print("nothing new to export", highlight=False)


def _print_responses(outcomes, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps([o.__dict__ for o in outcomes], ensure_ascii=False))
        return
    if not outcomes:
        console.print("no POHODA answers in the inbox", highlight=False)
    for o in outcomes:
        what = f"business case {o.business_case} ({o.code})" if o.business_case else f"item {o.item}"
        made = f" → received order {o.number or o.pohoda_id}" if (o.number or o.pohoda_id) else ""
        console.print(f"{o.file}: {what}: {o.status}{made}" + (f" — {o.message}" if o.message else ""),
                      highlight=False)
