"""Shared pieces of the consultant-tool tests."""

from __future__ import annotations

from pathlib import Path

from engine.resources import mappings_dir

STANDARD = mappings_dir() / "standard.yaml"

#: a Raynet client that passes every address-book check of the standard mapping
CLIENT = """\
      raynet:
        id: 101
        name: Novák a syn s.r.o.
        regNumber: '27082440'
        primaryAddress:
          address: {street: Dlouhá 12, city: Praha, zipCode: '11000'}
          contactInfo: {www: WWW}
"""


def suite_text(cases: str, *, mapping: Path = STANDARD, head: str = "") -> str:
    """A test file against ``mapping`` holding ``cases`` (YAML list items, indented two spaces)."""
    return f"mapping: {mapping}\n{head}tests:\n{cases}"


def client(www: str = "novak.cz") -> str:
    return CLIENT.replace("WWW", f"'{www}'")
