"""``rpsync schema``: print the JSON Schema of mapping files.

Customers keep a copy next to their mappings so editors complete and check
them: ``rpsync schema > .rpsync/mapping.schema.json`` and a first line
``# yaml-language-server: $schema=.rpsync/mapping.schema.json`` (the path is
relative to the mapping file). Exit code 0.
"""

from __future__ import annotations

import typer

from engine.cli.app import app
from engine.mapping.schema import schema_text


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema (draft 2020-12) of mapping files, for editors and CI."""
    typer.echo(schema_text(), nl=False)
