"""``rpsync sandbox raynet --port N --seed FILE``: the Raynet API simulator, alone.

Faults for rehearsing bad days (engine/sandbox/raynet/faults.py), reproducible with ``--fault-seed``:
``--quota N --quota-window S`` (429 RequestLimitReached once N requests are spent; ``--exhaust-rate``:
others spend it at random moments), ``--error-rate``
(5xx, ``--error-status``), ``--delay``/``--delay-rate`` (slow answers), ``--drop-rate`` (connection reset
after a write committed), ``--malformed-rate`` (cut JSON).

Prints the API base URL and the fixed login, then serves until Ctrl-C (or
SIGTERM). Exit codes: 0 stopped cleanly, 2 bad options or seed file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import check_rates, serve_until_stopped
from engine.cli.sandbox import sandbox_app


@sandbox_app.command("raynet")
def raynet(
    port: int = typer.Option(0, "--port", help="TCP port on 127.0.0.1 (0 = a free port)."),
    seed: Optional[Path] = typer.Option(None, "--seed", help="JSON seed file (see engine/sandbox/raynet/seed.py)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Keep the data in this JSON file across runs."),
    quota: int = typer.Option(24000, "--quota", help="Requests per window (X-Ratelimit-Limit)."),
    quota_window: Optional[float] = typer.Option(
        None, "--quota-window", help="Quota window in seconds (default: the UTC day, as Raynet)."
    ),
    error_rate: float = typer.Option(0.0, "--error-rate", help="Share of requests answered with --error-status."),
    error_status: int = typer.Option(503, "--error-status", help="Status of the injected server errors (5xx)."),
    delay: float = typer.Option(0.0, "--delay", help="Seconds answers are delayed (slow responses)."),
    delay_rate: float = typer.Option(1.0, "--delay-rate", help="Share of answers delayed by --delay (1 = all)."),
    drop_rate: float = typer.Option(
        0.0, "--drop-rate", help="Share of writes whose connection is reset after the write committed."),
    malformed_rate: float = typer.Option(0.0, "--malformed-rate", help="Share of answers with malformed JSON."),
    api_key: Optional[str] = typer.Option(
        None, "--api-key", envvar="RPSYNC_SANDBOX_RAYNET_API_KEY", show_envvar=True,
        help="Accept this API key instead of 'sandbox' (it is never printed)."),
    exhaust_rate: float = typer.Option(
        0.0, "--exhaust-rate", help="Share of requests at which others spend the quota (429 until it resets)."),
    fault_seed: Optional[int] = typer.Option(None, "--fault-seed", help="Random seed of the faults (reproducible)."),
) -> None:
    """Serve the Raynet CRM API simulator (login sandbox@example.com, API key / bearer token 'sandbox')."""
    from engine.sandbox.raynet import Faults, RaynetSandbox
    from engine.sandbox.raynet.validation import ApiError

    check_rates({"--error-rate": error_rate, "--delay-rate": delay_rate, "--drop-rate": drop_rate,
                 "--malformed-rate": malformed_rate, "--exhaust-rate": exhaust_rate})
    if not 500 <= error_status <= 599:
        typer.echo(f"error: --error-status must be a 5xx status, got {error_status}", err=True)
        raise typer.Exit(2)
    if seed is not None and not seed.is_file():
        typer.echo(f"error: seed file {seed} does not exist", err=True)
        raise typer.Exit(2)
    faults = Faults(error_rate=error_rate, error_status=error_status, delay=delay, delay_rate=delay_rate,
                    drop_rate=drop_rate, malformed_rate=malformed_rate, exhaust_rate=exhaust_rate, seed=fault_seed)
    try:
        sandbox = RaynetSandbox(
            store_path=store, seed=seed, port=port, quota_limit=quota, quota_window=quota_window, faults=faults,
            api_key=api_key,
        )
        sandbox.start()
    except (ValueError, KeyError, OSError) as error:
        typer.echo(f"error: cannot start the Raynet sandbox: {error}", err=True)
        raise typer.Exit(2)
    except ApiError as error:
        typer.echo(f"error: seed file {seed}: {error.body.get('translatedMessage') or error.body.get('message')}",
                   err=True)
        raise typer.Exit(2)

    def announce() -> None:
        typer.echo(sandbox.url)
        typer.echo(
            f"Raynet sandbox: login {sandbox.LOGIN}, "
            f"API key {'as given (--api-key)' if api_key else repr(sandbox.API_KEY)}, instance '{sandbox.INSTANCE}' "
            f"(or bearer token '{sandbox.BEARER}'). Ctrl-C stops it.",
            err=True,
        )

    try:
        serve_until_stopped(announce)
    finally:
        sandbox.stop()
