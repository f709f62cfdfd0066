"""``rpsync sandbox raynet --port N --seed FILE``: the Raynet API simulator, alone.

Prints the API base URL and the fixed login, then serves until Ctrl-C (or
SIGTERM). Exit codes: 0 stopped cleanly, 2 bad options or seed file.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Optional

import typer

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
    error_rate: float = typer.Option(0.0, "--error-rate", help="Share of requests answered 503."),
    delay: float = typer.Option(0.0, "--delay", help="Seconds every answer is delayed."),
    drop_rate: float = typer.Option(0.0, "--drop-rate", help="Share of writes whose answer is lost after commit."),
    malformed_rate: float = typer.Option(0.0, "--malformed-rate", help="Share of answers with malformed JSON."),
    api_key: Optional[str] = typer.Option(
        None, "--api-key", envvar="RPSYNC_SANDBOX_RAYNET_API_KEY", show_envvar=True,
        help="Accept this API key instead of 'sandbox' (it is never printed)."),
) -> None:
    """Serve the Raynet CRM API simulator (login sandbox@example.com, API key / bearer token 'sandbox')."""
    from engine.sandbox.raynet import Faults, RaynetSandbox
    from engine.sandbox.raynet.validation import ApiError

    for name, rate in (("--error-rate", error_rate), ("--drop-rate", drop_rate), ("--malformed-rate", malformed_rate)):
        if not 0.0 <= rate <= 1.0:
            typer.echo(f"error: {name} must be between 0 and 1, got {rate}", err=True)
            raise typer.Exit(2)
    if seed is not None and not seed.is_file():
        typer.echo(f"error: seed file {seed} does not exist", err=True)
        raise typer.Exit(2)
    faults = Faults(error_rate=error_rate, delay=delay, drop_rate=drop_rate, malformed_rate=malformed_rate)
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
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    typer.echo(sandbox.url)
    typer.echo(
        f"Raynet sandbox: login {sandbox.LOGIN}, "
        f"API key {'as given (--api-key)' if api_key else repr(sandbox.API_KEY)}, instance '{sandbox.INSTANCE}' "
        f"(or bearer token '{sandbox.BEARER}'). Ctrl-C stops it.",
        err=True,
    )
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
