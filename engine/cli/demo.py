"""``rpsync demo``: a realistic Czech demo world in both simulators, synced with the standard mapping.

    rpsync demo [--workdir DIR] [--serve] [--xsd DIR]

The first run seeds DIR (default ``./rpsync-demo``) and syncs it; later runs
continue the same world (nothing new → says so), and a run after a crash
finishes the interrupted work. Exit codes like ``rpsync run``: 0 done, 3 the
run quarantined records that were not in quarantine before, 1 failed, 2 usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from engine.cli.app import app
from engine.cli.common import console, fail, print_report, progress_printer, serve_until_stopped


@app.command("demo")
def demo_command(
    workdir: Path = typer.Option(Path("rpsync-demo"), "--workdir", "-w",
                                 help="Folder of the demo world (created on the first run, continued later)."),
    serve: bool = typer.Option(False, "--serve",
                               help="Keep both simulators running after the sync (Ctrl-C stops them), so that "
                                    "`rpsync plan/run/status --profile DIR/profile.toml` work from another terminal."),
    xsd_dir: Optional[Path] = typer.Option(None, "--xsd", help="POHODA XSD folder for checking every dataPack "
                                                              "(default: $RPSYNC_POHODA_XSD or the cache)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Sync a realistic Czech demo world between the Raynet and POHODA simulators, and leave it in a folder."""
    from engine.demo import profile as demo_profile
    from engine.demo.session import run_demo
    from engine.resources import mappings_dir
    from engine.errors import RpsyncError
    from engine.pohoda import xsd

    try:
        xsd_folder = xsd.find_xsd_dir(xsd_dir)
    except RpsyncError as exc:
        fail(str(exc), 2)
    if workdir.exists() and not workdir.is_dir():
        fail(f"--workdir {workdir} is a file; give a folder", 2)

    def show_and_hold(outcome, servers, profile_path) -> None:
        _show(outcome, workdir)
        if not serve:
            return

        def announce() -> None:
            console.print(f"\nsimulators running — Raynet {servers.raynet.url}, POHODA {servers.pohoda.url}",
                          highlight=False)
            console.print(f"in another terminal (the simulators' public test logins):\n  {demo_profile.export_line()}\n"
                          f"  rpsync plan --mapping {mappings_dir() / 'standard.yaml'} --profile {profile_path}",
                          highlight=False)
            console.print("Ctrl-C stops them.", highlight=False)

        serve_until_stopped(announce)

    where = "continuing the demo world in" if (workdir / "world.json").is_file() else "creating the demo world in"
    console.print(f"rpsync demo — {where} {workdir}", highlight=False)
    console.print("XSD checks: " + (f"on ({xsd_folder})" if xsd_folder else
                                    "off (no POHODA XSD folder found: set RPSYNC_POHODA_XSD, pass --xsd or run "
                                    "`rpsync pohoda fetch-xsd`)"), highlight=False)
    try:
        outcome = run_demo(workdir, xsd_dir=xsd_folder, progress=progress_printer(quiet), while_serving=show_and_hold)
    except RpsyncError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"the demo cannot use {workdir}: {exc}")
    raise typer.Exit(outcome.exit_code)


def _show(outcome, workdir: Path) -> None:
    from engine.demo.world import PACKS_DIR, PROFILE_FILE, REPORT_FILE, REPORT_HTML_FILE, STATE_FILE, DemoWorld

    if outcome.seeded_now:
        _print_world(DemoWorld(workdir).info().get("counts", {}))
    print_report(outcome.report, title="rpsync demo (standard mapping, both ways)")
    if outcome.report.get("status") == "failed":
        pass  # print_report showed why
    elif outcome.nothing_new:
        still = len(outcome.report.get("quarantine", []))
        console.print("nothing new to sync: both systems already agree"
                      + (f" ({still} record(s) stay in quarantine, bad on purpose)" if still else ""), highlight=False)
    else:
        t = outcome.report.get("totals", {})
        console.print(f"synced: {t.get('created', 0)} created, {t.get('updated', 0)} updated, "
                      f"{t.get('linked', 0)} paired with existing records, "
                      f"{len(outcome.new_quarantine)} quarantined", highlight=False)
    console.print(f"\nleft in {workdir}: {STATE_FILE} (sync state), pohoda.sqlite and raynet.json (the simulators' "
                  f"data), {PACKS_DIR}/ ({outcome.packs} dataPack(s) sent to POHODA so far), {REPORT_FILE} and "
                  f"{REPORT_HTML_FILE} (open it in a browser), {PROFILE_FILE}", highlight=False)
    console.print(f"next: rpsync status --state {workdir / STATE_FILE}   ·   rpsync demo --workdir {workdir} "
                  "(continues this world)", highlight=False)


def _print_world(counts: dict) -> None:
    from rich.table import Table

    table = Table(title="demo world seeded (records per agenda)", title_justify="left")
    for col in ("agenda", "POHODA", "Raynet"):
        table.add_column(col, justify="left" if col == "agenda" else "right")
    pohoda, raynet = counts.get("pohoda", {}), counts.get("raynet", {})
    for agenda in pohoda:
        table.add_row(agenda, str(pohoda.get(agenda, 0)), str(raynet.get(agenda, 0)))
    console.print(table)
