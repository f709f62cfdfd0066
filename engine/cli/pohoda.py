"""``rpsync pohoda …``: helpers around POHODA's XML contract.

    rpsync pohoda fetch-xsd [--dest DIR]     download STORMWARE's XSD set into the cache (or DIR)
    rpsync pohoda validate FILE…             check dataPack / responsePack files against the XSDs
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from engine.cli.app import app
from engine.errors import RpsyncError

pohoda_app = typer.Typer(name="pohoda", help="POHODA XML helpers: fetch the XSD set, validate files.",
                         no_args_is_help=True)
app.add_typer(pohoda_app, name="pohoda")


@pohoda_app.command("fetch-xsd")
def fetch_xsd(
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder to unpack into (default: the user cache)."),
    url: Optional[str] = typer.Option(None, "--url", help="Where to download the zip from (default: STORMWARE)."),
) -> None:
    """Download STORMWARE's published XSD set (all_schema_ver2.zip)."""
    from engine.pohoda import xsd

    try:
        folder = xsd.fetch(dest, **({"url": url} if url else {}))
    except RpsyncError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"POHODA XSD set in {folder}")


@pohoda_app.command("validate")
def validate(
    files: List[Path] = typer.Argument(..., help="dataPack or responsePack files."),
    xsd_dir: Optional[Path] = typer.Option(None, "--xsd", help="XSD folder (default: $RPSYNC_POHODA_XSD or the cache)."),
) -> None:
    """Validate POHODA XML files; exit 1 when any is invalid."""
    from engine.pohoda import xsd

    try:
        folder = xsd.find_xsd_dir(xsd_dir)
    except RpsyncError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    if folder is None:
        typer.echo("error: no POHODA XSD folder; pass --xsd DIR, set RPSYNC_POHODA_XSD or run "
                   "`rpsync pohoda fetch-xsd`", err=True)
        raise typer.Exit(2)
    validator = xsd.Validator.for_dir(folder)
    bad = 0
    for path in files:
        try:
            errors = validator.validate(path.read_bytes())
        except (OSError, RpsyncError) as exc:
            errors = [str(exc)]
        if errors:
            bad += 1
            typer.echo(f"{path}: INVALID")
            for e in errors[:20]:
                typer.echo(f"  {e}")
        else:
            typer.echo(f"{path}: valid")
    raise typer.Exit(1 if bad else 0)
