"""The Typer application object shared by all command modules."""

from __future__ import annotations

from typing import Optional

import typer

from engine import __version__

app = typer.Typer(
    name="rpsync",
    help="Keep Raynet CRM and POHODA in sync, driven by declarative mapping files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"rpsync {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """rpsync — Raynet CRM ⇄ POHODA sync engine."""
