"""The corpus of broken mapping files: each states, in `# expect:` lines at its end, every diagnostic
validation must report — exact position, severity, code and message, nothing more and nothing less.

A position is `line:col` in the broken file itself. A value written in the shipped mapping the file
extends is named by its path there, `standard.yaml@agendas.payments.enabled`, and resolved to that
value's line and column when the test runs (so editing standard.yaml does not break the corpus)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.mapping.loader import load_file, node_at
from engine.resources import mappings_dir
from tests.mapping.conftest import rendered

BROKEN = Path(__file__).parent / "broken"
FILES = sorted(BROKEN.glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (.+)$", re.MULTILINE)
_IN_SHIPPED = re.compile(r"^(\w+\.yaml)@(\S+) ")


def _resolve(expectation: str) -> str:
    m = _IN_SHIPPED.match(expectation)
    if m is None:
        return expectation
    name, path = m.groups()
    node = node_at(load_file(mappings_dir() / name).root, tuple(path.split(".")))
    assert node is not None, f"{name} has no value at {path}"
    return f"{name}:{node.pos.line}:{node.pos.column} " + expectation[m.end():]


def test_corpus_is_large_enough():
    assert len(FILES) >= 30
    assert all(_EXPECT.search(f.read_text(encoding="utf-8")) for f in FILES), "every file states what it expects"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_broken_mapping_reports_exactly_the_expected_diagnostics(path):
    expected = [_resolve(e) for e in _EXPECT.findall(path.read_text(encoding="utf-8"))]
    assert rendered(path) == expected


def test_corpus_covers_every_check_family():
    codes = {re.search(r"\[([^\]]+)\]", line).group(1)
             for f in FILES for line in _EXPECT.findall(f.read_text(encoding="utf-8"))}
    for code in ("yaml-syntax", "yaml-duplicate-key", "yaml-alias-limit", "unknown-key", "invalid-value",
                 "wrong-type", "missing-key", "fixed-direction", "mandatory-agenda", "mechanism", "unknown-field",
                 "field-type", "table-coverage", "table-key", "currency", "secret-in-mapping", "remove-missing",
                 "extends-not-found", "agenda-dependency", "binding-direction", "expr-syntax",
                 "expr-unknown-field", "expr-unknown-function"):
        assert code in codes, code
