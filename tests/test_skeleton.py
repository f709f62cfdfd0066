"""The package skeleton: CLI entry point, version, bundled data folders."""

import subprocess
import sys

from typer.testing import CliRunner

import engine
from engine.cli import app
from engine.resources import mappings_dir, templates_dir


def test_version_option_prints_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"rpsync {engine.__version__}"


def test_help_lists_commands():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Raynet" in result.output


def test_console_script_runs_as_module():
    out = subprocess.run(
        [sys.executable, "-c", "from engine.cli import main; main()", "--version"],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("rpsync ")


def test_data_folders_are_found():
    assert templates_dir().is_dir()
    assert mappings_dir().is_dir()
