"""docs/reference/ is generated from the sources of truth and must equal a fresh generation."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer.main

from dsl.docs import _cell, _code
from dsl.functions import FUNCTIONS
from engine.cli import app
from engine.cli.exit_codes import EXIT_CODES
from engine.docs import generate
from engine.docs.cli_reference import commands, exit_codes_of
from engine.docs.rules import rules, schema_path_exists

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
REQUIREMENTS = ROOT.parent / "shared" / "REQUIREMENTS.md"


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return generate.generate()


def test_committed_pages_equal_a_fresh_generation(fresh):
    for name, text in fresh.items():
        assert (REFERENCE / name).read_text(encoding="utf-8") == text, f"{name} is stale: run python -m engine.docs"
    assert sorted(p.name for p in REFERENCE.glob("*.md")) == sorted(fresh)


def test_check_mode_finds_a_stale_page(tmp_path, monkeypatch):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    page = copy / "cli.md"
    page.write_text(page.read_text(encoding="utf-8").replace("| 3 |", "| 4 |"), encoding="utf-8")
    monkeypatch.setattr(generate, "reference_dir", lambda: copy)
    assert generate.main(["--check"]) == 1
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0
    assert page.read_text(encoding="utf-8") == (REFERENCE / "cli.md").read_text(encoding="utf-8")


def test_every_rule_of_the_requirements_is_in_the_rules_table(fresh):
    """R-G1 … R-E3: read from ../shared/REQUIREMENTS.md now, never at run time."""
    assert REQUIREMENTS.is_file(), f"the tests need {REQUIREMENTS}"
    required = re.findall(r"\*\*(R-[A-Z]\d+)\*\*", REQUIREMENTS.read_text(encoding="utf-8"))
    assert required[0] == "R-G1" and required[-1] == "R-E3" and len(required) == 48
    assert [r.id for r in rules()] == required
    for rule_id in required:
        assert f"| **{rule_id}** |" in fresh["rules.md"]


def test_every_key_the_rules_name_exists_in_the_mapping_schema():
    for rule in rules():
        for key in rule.keys:
            assert schema_path_exists(key), f"{rule.id} names {key}, which the mapping schema does not have"
    assert not schema_path_exists("agendas.stock.no_such_key")


def test_every_function_example_of_the_registry_is_in_the_manual(fresh):
    page = fresh["functions.md"]
    for name, spec in FUNCTIONS.items():
        assert f"### `{name}`" in page and f"`{spec.signature}`" in page
        for example in spec.examples:
            assert f"| {_code(example.expression)} |" in page, example.expression
            assert f"| {_cell(example.expected)} |" in page


def test_every_command_is_in_the_manual_with_its_exit_codes(fresh):
    page = fresh["cli.md"]
    listed = commands()
    assert {"test", "fmt", "init", "validate", "run"} <= {name for name, _ in listed}
    for name, cmd in listed:
        assert f"## rpsync {name}\n" in page
        codes = exit_codes_of(name, cmd)
        assert codes, name
        if isinstance(codes, dict):
            for number, text in codes.items():
                assert f"| {number} | {text.replace('|', '')}" in page
    assert set(EXIT_CODES) <= {name for name, _ in listed}, "exit codes registered for a command that is gone"
    assert "| `--report-html` | option | path |" in page


def test_every_command_help_ends_with_its_exit_codes():
    root = typer.main.get_command(app)
    from typer.testing import CliRunner

    runner = CliRunner()
    for name, _ in commands():
        result = runner.invoke(app, name.split() + ["--help"], terminal_width=200)
        assert result.exit_code == 0, name
        assert "Exit codes: 0" in " ".join(result.output.split()), name
    assert root is not None


def test_mapping_keys_show_the_models_defaults(fresh):
    page = fresh["mapping-keys.md"]
    assert "| `www_max_length` | whole number | at least 1 | `32` |" in page
    assert "| `ext_id_prefix` | text |" in page and "| `pohoda` |" in page
    stock = page.split("### `agendas.stock`", 1)[1].split("###", 1)[0]
    assert "| `direction` |" in stock and "`to_raynet` |" in stock
    assert "`[card, text, service, package, set, product]`" in stock


def test_the_readme_links_the_manual():
    assert "(docs/reference/README.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
