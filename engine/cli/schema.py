"""``rpsync schema``: print the JSON Schema of mapping files.

Customers keep a copy next to their mappings so editors complete and check
them: ``rpsync schema > .rpsync/mapping.schema.json`` and a first line
``# yaml-language-server: $schema=.rpsync/mapping.schema.json`` (the path is
relative to the mapping file). ``--test-file`` prints the schema of mapping
test files instead (``*_test.yaml``, ``.rpsync/mapping-test.schema.json``).
Exit code 0.
"""

from __future__ import annotations

import typer

from engine.cli.app import app
from engine.mapping.schema import schema_text


@app.command("schema")
def schema_command(
    test_file: bool = typer.Option(False, "--test-file", help="The schema of mapping test files (*_test.yaml)."),
) -> None:
    """Print the JSON Schema (draft 2020-12) of mapping files, for editors and CI."""
    if test_file:
        from engine.mappingtest.testfile import schema_text as test_schema_text

        typer.echo(test_schema_text(), nl=False)
        return
    typer.echo(schema_text(), nl=False)
