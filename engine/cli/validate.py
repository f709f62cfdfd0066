"""``rpsync validate PATH…``: check mapping files, for people and for CI.

Files are validated as given; folders are searched for mapping files
(``*.yaml``/``*.yml``, not ``*_test.yaml`` test files, not connection profiles).
Every problem of every file is reported, each once, in file order.

Exit codes: 0 every file is valid (warnings allowed), 1 at least one error,
2 usage error (no such path, no mapping file found, unknown option).
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import List

import typer

from engine.cli.app import app

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


@app.command("validate")
def validate_command(
    paths: List[Path] = typer.Argument(..., help="Mapping files, or folders to search for mapping files."),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", case_sensitive=False,
        help="text (file:line:col: error[CODE]: message), json, or github (workflow annotations)."),
) -> None:
    """Check mapping files: YAML, the format, agenda rules, expressions and field names."""
    from engine.mapping import mapping_files, validate
    from engine.mapping.diagnostics import display_path, sorted_unique

    missing = [p for p in paths if not p.exists()]
    if missing:
        for p in missing:
            typer.echo(f"rpsync validate: no such file or folder: {p}", err=True)
        raise typer.Exit(EXIT_USAGE)
    files = mapping_files(paths)
    if not files:
        typer.echo("rpsync validate: no mapping files found in "
                   + ", ".join(str(p) for p in paths)
                   + " (looked for *.yaml and *.yml, except *_test.yaml and connection profiles)", err=True)
        raise typer.Exit(EXIT_USAGE)
    per_file = {f: validate(f)[1] for f in files}
    diagnostics = sorted_unique(d for ds in per_file.values() for d in ds)
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if output_format is OutputFormat.json:
        typer.echo(json.dumps({
            "valid": errors == 0,
            "errors": errors,
            "warnings": warnings,
            "files": [{"file": display_path(str(f)), "valid": not any(d.is_error for d in ds)}
                      for f, ds in per_file.items()],
            "diagnostics": [d.to_json() for d in diagnostics],
        }, ensure_ascii=False, indent=2))
    elif output_format is OutputFormat.github:
        for d in diagnostics:
            typer.echo(d.render_github())
        typer.echo(_summary(len(files), errors, warnings))
    else:
        for d in diagnostics:
            typer.echo(d.render())
        typer.echo(_summary(len(files), errors, warnings), err=bool(diagnostics))
    raise typer.Exit(EXIT_INVALID if errors else EXIT_VALID)


def _summary(files: int, errors: int, warnings: int) -> str:
    checked = f"checked {files} mapping file{'s' if files != 1 else ''}"
    if not errors and not warnings:
        return f"{checked}: all valid"
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{checked}: {', '.join(parts)}"
