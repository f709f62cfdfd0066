"""``rpsync expr``: evaluate one expression, the consultant's playground.

    rpsync expr 'upper(name) ~ " – " ~ str(round(price * 1.21, 2))' --record order.json

Prints the result as JSON (decimals as exact JSON numbers, dates as ISO text).
Exit codes: 0 success, 1 the expression is wrong or fails on the record (the
error is printed with a caret under the spot), 2 usage error (bad option, a
file that cannot be read or parsed).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer

import dsl
from dsl.values import dumps
from engine.cli.app import app

#: in a --tables file, this key of a table holds the table's default
TABLE_DEFAULT_KEY = "*"


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _read_record(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _usage(f"cannot read the record file {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise _usage(f"{path}:{exc.lineno}:{exc.colno}: the record is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise _usage(f"{path}: the record must be a JSON object ({{…}}), its keys become the expression's names")
    return data


def _decimals(value):
    """YAML floats become exact decimals (via their shortest text)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _read_tables(path: Path) -> dict:
    from ruamel.yaml import YAML, YAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _usage(f"cannot read the tables file {path}: {exc.strerror or exc}") from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise _usage(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise _usage(f"{path}: write one mapping per table: NAME: {{key: value, …, \"{TABLE_DEFAULT_KEY}\": default}}")
    tables = {}
    for name, entries in data.items():
        entries = _decimals(dict(entries))
        if TABLE_DEFAULT_KEY in entries:
            default = entries.pop(TABLE_DEFAULT_KEY)
            tables[str(name)] = dsl.Table(entries, default=default, origin=f"{path} table {name}")
        else:
            tables[str(name)] = dsl.Table(entries, origin=f"{path} table {name}")
    return tables


@app.command("expr")
def expr_command(
    expression: str = typer.Argument(..., help="The expression, e.g. 'upper(name) ~ \" \" ~ str(price)'."),
    record: Optional[Path] = typer.Option(
        None, "--record", "-r", metavar="FILE.json",
        help="JSON object whose keys are the expression's names (numbers are read as exact decimals)."),
    tables: Optional[Path] = typer.Option(
        None, "--tables", "-t", metavar="FILE.yaml",
        help=f"Translation tables: NAME: {{key: value, …}}; the key \"{TABLE_DEFAULT_KEY}\" holds a table's default."),
) -> None:
    """Evaluate an expression on a record and print the result as JSON (exit 1 if it fails)."""
    env = _read_record(record) if record is not None else {}
    named_tables = _read_tables(tables) if tables is not None else {}
    source = "expression"
    try:
        program = dsl.compile(expression, tables=named_tables, source=source)
        result = program(env)
    except dsl.ExprError as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(1) from None
    typer.echo(dumps(result, indent=2 if isinstance(result, (list, dict)) else None))
