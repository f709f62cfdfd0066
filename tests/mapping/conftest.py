"""Helpers for the mapping tests: write mapping files into a temporary folder and validate them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.mapping import validate
from engine.mapping.schema import schema_text

HEADER = "# yaml-language-server: $schema=mapping.schema.json\n"


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text) -> Path: a file in tmp_path (the schema file is there for the first-line check)."""
    (tmp_path / "mapping.schema.json").write_text(schema_text(), encoding="utf-8")

    def _write(name: str, text: str, header: bool = True) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((HEADER if header else "") + text, encoding="utf-8")
        return path

    return _write


def rendered(path: Path) -> list[str]:
    """`line:col severity[code] message` of every diagnostic of a mapping file (positions in that file)."""
    _, diagnostics = validate(path)
    out = []
    for d in diagnostics:
        p = d.position
        where = "" if Path(p.file).resolve() == path.resolve() else f"{Path(p.file).name}:"
        out.append(f"{where}{p.line}:{p.column} {d.severity}[{d.code}] {d.message}")
    return out
