"""docs/dsl.md is generated from the registry and the null table: it must be up to date."""

import re
from pathlib import Path

import dsl
from dsl import docs
from dsl.functions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]


def test_reference_is_up_to_date():
    current = (ROOT / "docs" / "dsl.md").read_text(encoding="utf-8")
    assert docs.render_reference(current) == current, "run: python -m dsl.docs"


def test_reference_names_every_function_and_null_cell():
    text = (ROOT / "docs" / "dsl.md").read_text(encoding="utf-8")
    for name, spec in FUNCTIONS.items():
        assert f"### `{name}`" in text
        assert spec.signature in text
        for expression, _ in spec.null_cases:
            assert expression.replace("|", "\\|") in text
    for expression, _, _ in docs.OPERATOR_NULLS:
        assert f"`{expression}`" in text


def test_code_examples_in_the_reference_are_valid_expressions():
    text = (ROOT / "docs" / "dsl.md").read_text(encoding="utf-8")
    block = re.search(r"## Lists and lambdas.*?```\n(.*?)```", text, re.S).group(1)
    for line in filter(None, block.splitlines()):
        assert dsl.check(line) == [], line


def test_limits_in_the_reference_match_the_code():
    text = (ROOT / "docs" / "dsl.md").read_text(encoding="utf-8")
    assert f"| expression length | {dsl.MAX_LENGTH:,} characters |" in text
    assert f"| nesting of the syntax tree | {dsl.MAX_DEPTH} levels" in text
    assert f"| text result | {dsl.MAX_STRING:,} characters |" in text
    assert f"| list result | {dsl.MAX_LIST:,} elements |" in text


def test_docs_check_mode(tmp_path, monkeypatch):
    stale = tmp_path / "dsl.md"
    stale.write_text((ROOT / "docs" / "dsl.md").read_text(encoding="utf-8").replace("| `null + 1` |", "| x |"),
                     encoding="utf-8")
    monkeypatch.setattr(docs, "docs_path", lambda: stale)
    assert docs.main(["--check"]) == 1
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
