"""``rpsync sandbox …``: run a simulator alone (the Raynet API, the POHODA mServer).

Each simulator's command lives in its own module and registers itself on
``sandbox_app``.
"""

from __future__ import annotations

import typer

from engine.cli.app import app

sandbox_app = typer.Typer(
    help="Run a simulator alone on loopback (for demos, consultants and tests).",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")
