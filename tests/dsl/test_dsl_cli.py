"""`rpsync expr`: JSON output, errors with carets and exit codes (0 ok, 1 expression error, 2 usage error)."""

import json
import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parents[2]
ORDER = ROOT / "docs" / "examples" / "order.json"


def run(*args):
    result = CliRunner().invoke(app, ["expr", *args])
    return result.exit_code, result.stdout, result.stderr


def test_readme_command_works_as_written():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(l for l in readme.splitlines() if "rpsync expr" in l)
    args = shlex.split(line.split("rpsync expr", 1)[1])
    out = subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", "expr", *args],
                         capture_output=True, text=True, encoding="utf-8", cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == "Obchod STAVBY NOVÁK S.R.O. – 1512.50 Kč"


def test_decimals_are_exact_json_numbers():
    code, out, _ = run("sum(items, i => i.price * i.quantity)", "--record", str(ORDER))
    assert code == 0
    assert out.strip() == "3974.000"
    assert json.loads(out, parse_float=Decimal) == Decimal("3974.000")


def test_lists_dates_and_null_print_as_json():
    code, out, _ = run('map(items, i => i.code)', "-r", str(ORDER))
    assert code == 0 and json.loads(out) == ["CEM-25", "", "PIS-01"]
    assert run('add_days(validFrom, 30)', "-r", str(ORDER))[1].strip() == '"2024-03-31"'
    assert run("nothing")[1].strip() == "null"
    assert run('$["rowInfo.lastModifiedAt"] > "2024"', "-r", str(ORDER))[1].strip() == "true"


def test_expression_error_prints_caret_and_exits_1():
    code, out, err = run("upper(name", "-r", str(ORDER))
    assert code == 1 and out == ""
    assert err.splitlines()[:3] == [
        "expression:1:11: error[E-DSL-SYNTAX]: expected ',', ')' or an operator, found the end of the expression",
        "  upper(name",
        "            ^"]
    code, _, err = run("uper(name)")
    assert code == 1 and "did you mean upper?" in err
    code, _, err = run('decimal(name)', "-r", str(ORDER))
    assert code == 1 and 'decimal: string "Stavby Novák s.r.o." is not a number' in err
    assert "Traceback" not in err


def test_tables_file_with_default(tmp_path):
    tables = tmp_path / "tables.yaml"
    tables.write_text('states:\n  new: NEW\n  accepted: IN_PROGRESS\nrates:\n  high: 21\n  low: 12.5\n  "*": 0\n',
                      encoding="utf-8")
    assert run("translate(states, state)", "-r", str(ORDER), "-t", str(tables))[1].strip() == '"IN_PROGRESS"'
    assert run('translate(rates, "low") * 2', "-t", str(tables))[1].strip() == "25.0"
    assert run('translate(rates, "none")', "-t", str(tables))[1].strip() == "0"
    code, _, err = run('translate(states, "lost")', "-t", str(tables))
    assert code == 1 and "table 'states' has no entry" in err


@pytest.mark.parametrize("content, words", [
    ("{not json", "the record is not valid JSON"),
    ("[1, 2]", "the record must be a JSON object"),
])
def test_bad_record_file_is_a_usage_error(tmp_path, content, words):
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    code, _, err = run("x", "--record", str(path))
    assert code == 2 and words in err


def test_missing_files_and_bad_tables_are_usage_errors(tmp_path):
    code, _, err = run("x", "--record", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read the record file" in err
    bad = tmp_path / "t.yaml"
    bad.write_text("states: [1, 2]\n", encoding="utf-8")
    code, _, err = run("x", "--tables", str(bad))
    assert code == 2 and "one mapping per table" in err
    bad.write_text("a: b: c\n", encoding="utf-8")
    assert run("x", "--tables", str(bad))[0] == 2


def test_missing_expression_is_a_usage_error():
    result = CliRunner().invoke(app, ["expr"])
    assert result.exit_code == 2


def test_help_lists_the_command():
    result = CliRunner().invoke(app, ["expr", "--help"])
    assert result.exit_code == 0
    assert "--record" in result.output and "--tables" in result.output
    assert re.search(r"JSON", result.output)


def test_commands_in_the_language_reference_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "dsl.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    commands = [line for line in block.splitlines() if line.startswith("rpsync expr")]
    assert len(commands) >= 4
    results = []
    for line in commands:
        code, out, err = run(*shlex.split(line)[2:])
        assert code == 0, (line, err)
        results.append(json.loads(out, parse_float=Decimal))
    assert results[2] == "vyhráno"
    assert results[3] == Decimal("1400.00")
