"""The ``rpsync`` command line.

``app`` is the one Typer application; each command lives in its own module in
this package and registers itself on ``app`` when imported below.
"""

from __future__ import annotations

from engine.cli.app import app

# Command modules register themselves on `app` (one module per command).
# Keep this list sorted; add a line per new command module.
import engine.cli.export  # noqa: E402,F401  rpsync export
import engine.cli.demo  # noqa: E402,F401  rpsync demo
import engine.cli.expr  # noqa: E402,F401  rpsync expr
import engine.cli.fmt  # noqa: E402,F401  rpsync fmt
import engine.cli.init  # noqa: E402,F401  rpsync init
from engine.cli import pohoda  # noqa: E402,F401
from engine.cli import sandbox  # noqa: E402,F401
from engine.cli import sandbox_raynet  # noqa: E402,F401
import engine.cli.plan  # noqa: E402,F401  rpsync plan
import engine.cli.rebind  # noqa: E402,F401  rpsync rebind
import engine.cli.run  # noqa: E402,F401  rpsync run
import engine.cli.schema  # noqa: E402,F401  rpsync schema
import engine.cli.status  # noqa: E402,F401  rpsync status
import engine.cli.test  # noqa: E402,F401  rpsync test
import engine.cli.validate  # noqa: E402,F401  rpsync validate

# every command's --help ends with its exit codes (engine/cli/exit_codes.py); keep this after the imports
from engine.cli.exit_codes import attach_to_help  # noqa: E402

attach_to_help(app)


def main() -> None:
    app()
