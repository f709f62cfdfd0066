"""`rpsync validate` (formats and exit codes) and `rpsync schema`."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from engine.cli import app
from engine.mapping.schema import schema_text
from engine.resources import mappings_dir

runner = CliRunner()
VALID = "version: 1\nextends: standard\nagendas:\n  offers:\n    enabled: false\n"
INVALID = "version: 1\nextends: standard\nagendas:\n  offers:\n    direction: both\n"


def _run(*args):
    return runner.invoke(app, list(map(str, args)))


def test_valid_file_exits_0(write):
    result = _run("validate", write("acme.yaml", VALID))
    assert result.exit_code == 0, result.output
    assert "checked 1 mapping file: all valid" in result.output


def test_invalid_file_exits_1_with_file_line_col_code_and_hint(write):
    path = write("acme.yaml", INVALID)
    result = _run("validate", path)
    assert result.exit_code == 1
    assert (f"{path}:6:16: error[fixed-direction]: offers go only from Raynet to POHODA (R-O1–R-O3): direction "
            "must be to_pohoda; got 'both'") in result.output
    assert "checked 1 mapping file: 1 error" in result.output


def test_json_format(write):
    path = write("acme.yaml", INVALID)
    result = _run("validate", "--format", "json", path)
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False and report["errors"] == 1
    (d,) = report["diagnostics"]
    assert (d["line"], d["column"], d["code"], d["severity"]) == (6, 16, "fixed-direction", "error")
    assert report["files"] == [{"file": str(path), "valid": False}]


def test_github_annotations(write):
    path = write("acme.yaml", INVALID)
    result = _run("validate", "--format", "github", path)
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"::error file={str(path).replace(':', '%3A')},line=6,col=16,title=fixed-direction::")
    assert "direction must be to_pohoda" in first


def test_warnings_do_not_fail_validation(write):
    path = write("acme.yaml", VALID, header=False)   # no `# yaml-language-server` first line
    result = _run("validate", path)
    assert result.exit_code == 0
    assert "warning[schema-comment]" in result.output
    assert "1 warning" in result.output


def test_folders_skip_test_files_and_profiles(write, tmp_path):
    write("repo/acme.yaml", VALID)
    write("repo/acme_test.yaml", "not: a mapping\n")
    write("repo/profile.yaml", "raynet: {api_key: '${env:RAYNET_KEY}'}\n")
    write("repo/prod.profile.yaml", "raynet: {api_key: '${env:RAYNET_KEY}'}\n")
    write("repo/profiles/staging.yaml", "raynet: {api_key: '${env:RAYNET_KEY}'}\n")
    write("repo/connection.yaml", "raynet: {instance: acme, api_key: '${env:RAYNET_KEY}'}\n"
                                  "pohoda: {transport: mserver}\nstate: {path: state/acme.sqlite}\n")
    result = _run("validate", "--format", "json", tmp_path / "repo")
    assert result.exit_code == 0, result.output
    assert [f["file"] for f in json.loads(result.output)["files"]] == [str(tmp_path / "repo" / "acme.yaml")]


def test_several_paths_all_errors_collected(write):
    a = write("a.yaml", INVALID)
    b = write("b.yaml", "version: 1\nextends: standard\ncurencies: {home: CZK}\n")
    result = _run("validate", "--format", "json", a, b)
    assert result.exit_code == 1
    assert [d["code"] for d in json.loads(result.output)["diagnostics"]] == ["fixed-direction", "unknown-key"]


def test_usage_errors_exit_2(tmp_path):
    assert _run("validate", tmp_path / "missing.yaml").exit_code == 2
    (tmp_path / "empty").mkdir()
    assert _run("validate", tmp_path / "empty").exit_code == 2
    assert _run("validate").exit_code == 2
    assert _run("validate", "--format", "xml", mappings_dir() / "standard.yaml").exit_code == 2


def test_shipped_mappings_folder_validates():
    result = _run("validate", mappings_dir())
    assert result.exit_code == 0, result.output
    assert "checked 4 mapping files: all valid" in result.output


def test_schema_prints_the_shipped_schema():
    result = _run("schema")
    assert result.exit_code == 0
    assert result.output == schema_text()
    assert json.loads(result.output)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_console_entry_point_exit_code(write):
    path = write("acme.yaml", INVALID)
    out = subprocess.run([sys.executable, "-c", "from engine.cli import main; main()", "validate", str(path)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 1
    assert "error[fixed-direction]" in out.stdout
