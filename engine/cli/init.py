"""``rpsync init CUSTOMER [--dir DIR]``: start a customer's mapping.

Writes ``CUSTOMER.yaml`` (an overlay on the standard mapping),
``CUSTOMER_test.yaml`` (its unit tests, one passing example) and
``CUSTOMER.profile.toml`` (a connection profile whose every setting is an
``${env:…}`` placeholder), plus the JSON Schema copies the files' first lines
point to (``.rpsync/``). Nothing that exists is overwritten.

Exit codes: 0 the files were written; 2 usage error (a name that cannot name
files, or files that exist already).
"""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.app import app

EXIT_OK, EXIT_USAGE = 0, 2


@app.command("init")
def init_command(
    customer: str = typer.Argument(..., help="The customer's short name (lower-case letters, digits, _): "
                                             "names the files."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder to write the files into (created if missing)."),
) -> None:
    """Scaffold a customer: an overlay on the standard mapping, its test file and a profile template.

    Exit codes: 0 written; 2 a bad name, or the files exist already (nothing is overwritten).
    """
    from engine.scaffold import ScaffoldError, env_names, scaffold

    try:
        made = scaffold(customer, directory)
    except ScaffoldError as exc:
        typer.echo(f"rpsync init: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE)
    for path in (made.mapping, made.test, made.profile, *made.schemas):
        typer.echo(f"wrote {path}")
    typer.echo(f"next: rpsync validate {made.mapping} && rpsync test {made.test}")
    typer.echo("the profile reads these environment variables: " + ", ".join(env_names(customer)))
    raise typer.Exit(EXIT_OK)
