"""``rpsync fmt [PATH…] [--check]``: mapping files and their test files in the canonical layout.

Files are formatted as given; folders are searched for mapping files and
``*_test.yaml`` test files (connection profiles and hidden folders are
skipped). Comments are kept; keys follow the schema's order; formatting twice
changes nothing. ``--check`` changes nothing and lists the files that would
change (for CI and pre-commit).

Exit codes: 0 formatted (with --check: every file already was); 1 with
--check, some files would change; 2 usage error (no such path, no YAML file
found, a file that is not valid YAML).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from engine.cli.app import app

EXIT_OK, EXIT_WOULD_CHANGE, EXIT_USAGE = 0, 1, 2


def yaml_files(paths: list[Path]) -> list[Path]:
    """Mapping files and test files: files as given, folders searched."""
    from engine.mapping import mapping_files
    from engine.mappingtest import discover

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += mapping_files([path])
            out += discover([path])[0]
        else:
            out.append(path)
    return sorted(dict.fromkeys(out), key=lambda p: str(p))


@app.command("fmt")
def fmt_command(
    paths: Optional[List[Path]] = typer.Argument(
        None, help="Mapping files, test files, or folders to search (default: the current folder)."),
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 and list the files that would change."),
) -> None:
    """Rewrite mapping and test files in the canonical layout, keeping comments.

    Exit codes: 0 formatted (with --check: nothing would change); 1 with --check, files would change;
    2 usage error or a file that is not valid YAML.
    """
    from engine.fmt import FormatError, format_file

    paths = paths or [Path(".")]
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        typer.echo(f"rpsync fmt: no such file or folder: {p}", err=True)
    if missing:
        raise typer.Exit(EXIT_USAGE)
    files = yaml_files(paths)
    if not files:
        typer.echo("rpsync fmt: no mapping or test files found in " + ", ".join(map(str, paths)), err=True)
        raise typer.Exit(EXIT_USAGE)
    changed: list[Path] = []
    broken = 0
    for file in files:
        try:
            if format_file(file, check=check):
                changed.append(file)
                typer.echo(f"{'would reformat' if check else 'reformatted'} {file}")
        except FormatError as exc:
            broken += 1
            typer.echo(f"rpsync fmt: {exc}", err=True)
    unchanged = len(files) - len(changed) - broken
    verb = "would be reformatted" if check else "reformatted"
    typer.echo(f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, {unchanged} unchanged"
               + (f", {broken} not valid YAML" if broken else ""))
    if broken:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_WOULD_CHANGE if check and changed else EXIT_OK)
