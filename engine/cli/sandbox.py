"""``rpsync sandbox …``: run a simulator alone on loopback (POHODA mServer; the Raynet API joins here).

    rpsync sandbox pohoda --port 8444 --seed data.json     # or --demo for the shipped demo data
    rpsync sandbox pohoda --demo --busy-rate 0.1 --item-error-rate 0.05 --fault-seed 7   # a bad day, reproducible
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from engine.cli.app import app
from engine.cli.common import check_rates, serve_until_stopped
from engine.errors import RpsyncError

sandbox_app = typer.Typer(
    name="sandbox",
    help="Run a simulator of POHODA mServer or the Raynet API on loopback, for demos and trying mappings.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")

@sandbox_app.command("pohoda")
def pohoda(
    port: int = typer.Option(8444, "--port", help="TCP port on 127.0.0.1 (0 = any free port)."),
    seed: Optional[Path] = typer.Option(None, "--seed", help="JSON file with records to start with."),
    demo: bool = typer.Option(False, "--demo", help="Start with the shipped demo data."),
    store: Optional[Path] = typer.Option(None, "--store", help="SQLite file to keep the data in (default: memory)."),
    xsd_dir: Optional[Path] = typer.Option(
        None, "--xsd", help="POHODA XSD folder for checking every dataPack (default: $RPSYNC_POHODA_XSD or the cache)."
    ),
    password: Optional[str] = typer.Option(
        None, "--password", envvar="RPSYNC_SANDBOX_POHODA_PASSWORD", show_envvar=True,
        help="Accept this mServer password instead of 'sandbox' (it is never printed)."),
    busy_rate: float = typer.Option(0.0, "--busy-rate", help="Share of requests answered 503 busy (not processed)."),
    item_error_rate: float = typer.Option(
        0.0, "--item-error-rate", help="Share of import items refused with an error (the rest of the pack imported)."),
    warning_rate: float = typer.Option(0.0, "--warning-rate", help="Share of imported items answered with a warning."),
    drop_rate: float = typer.Option(
        0.0, "--drop-rate", help="Share of import dataPacks whose connection is dropped after the import committed."),
    fault_seed: Optional[int] = typer.Option(None, "--fault-seed", help="Random seed of the faults (reproducible)."),
) -> None:
    """Simulate POHODA mServer: login sandbox/sandbox, accounting unit IČ 12345678."""
    from engine.sandbox.pohoda import DEMO_SEED, ICO, PASSWORD, USER, PohodaSandbox
    from engine.sandbox.pohoda.faults import PohodaFaults

    if seed and demo:
        typer.echo("error: use --seed FILE or --demo, not both", err=True)
        raise typer.Exit(2)
    kwargs = {"xsd_dir": xsd_dir} if xsd_dir else {}
    if password:
        kwargs["password"] = password
    check_rates({"--busy-rate": busy_rate, "--item-error-rate": item_error_rate, "--warning-rate": warning_rate,
                 "--drop-rate": drop_rate})
    faults = PohodaFaults(busy_rate=busy_rate, item_error_rate=item_error_rate, warning_rate=warning_rate,
                          drop_rate=drop_rate, seed=fault_seed)
    try:
        sandbox = PohodaSandbox(store_path=store, seed=DEMO_SEED if demo else seed, port=port, faults=faults,
                                **kwargs).start()
    except (RpsyncError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)

    def announce() -> None:
        typer.echo(f"POHODA mServer sandbox on {sandbox.url}  (POST /xml, GET /status)")
        shown = "as given (--password)" if password else PASSWORD
        typer.echo(f"login: user {USER}, password {shown}; accounting unit IČ {ICO}")
        typer.echo("XSD checks: " + (f"on ({sandbox.xsd_dir})" if sandbox.xsd_checks else "off (no XSD folder configured)"))
        if sandbox.seeded:
            typer.echo("seeded: " + ", ".join(f"{k} {v}" for k, v in sandbox.seeded.items()))
        if faults.busy_rate or faults.item_error_rate or faults.warning_rate or faults.drop_rate:
            typer.echo(f"faults: busy {busy_rate}, item errors {item_error_rate}, warnings {warning_rate}, "
                       f"dropped after import {drop_rate}" + (f" (seed {fault_seed})" if fault_seed is not None else ""))
        typer.echo("Ctrl-C stops it.")

    try:
        serve_until_stopped(announce)
    finally:
        sandbox.close()
