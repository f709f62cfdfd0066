"""CI for customers' mapping repositories: the pre-commit hooks and the example GitHub workflow run real
rpsync commands, which pass on a scaffolded repository and fail on a broken one."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from engine.docs.cli_reference import commands

ROOT = Path(__file__).resolve().parents[2]


def _hooks() -> list[dict]:
    return YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def _workflow_commands() -> list[list[str]]:
    workflow = YAML(typ="safe").load((ROOT / "docs" / "examples" / "github-workflow.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    return [shlex.split(step["run"]) for step in steps if str(step.get("run", "")).startswith("rpsync ")]


def _hook_command(hook: dict) -> list[str]:
    return shlex.split(hook["entry"]) + list(hook.get("args", []))


@pytest.fixture()
def repo(tmp_path, cli, monkeypatch):
    """A customer's repository as `rpsync init` starts it, with files rpsync must leave alone."""
    assert cli("init", "acme", "--dir", tmp_path).exit_code == 0
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "mappings.yml").write_text(
        (ROOT / "docs" / "examples" / "github-workflow.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "profile.yaml").write_text("raynet:\n  url: https://app.raynet.cz/api/v2/\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_hooks_file_names_existing_commands():
    hooks = _hooks()
    assert [h["id"] for h in hooks] == ["rpsync-validate", "rpsync-test", "rpsync-fmt"]
    known = {name for name, _ in commands()}
    for hook in hooks:
        command = _hook_command(hook)
        assert command[0] == "rpsync" and command[1] in known, hook["id"]
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
    assert _hook_command(hooks[2])[1:3] == ["fmt", "--check"]


def test_the_hooks_pass_on_a_scaffolded_repository(repo, cli):
    for hook in _hooks():
        result = cli(*_hook_command(hook)[1:])
        assert result.exit_code == 0, (hook["id"], result.output)


def test_the_hooks_fail_on_a_broken_repository(repo, cli):
    validate, test, fmt = (_hook_command(h)[1:] for h in _hooks())
    mapping = repo / "acme.yaml"
    good = mapping.read_text(encoding="utf-8")
    mapping.write_text(good + "agendas:\n  offers:\n    direction: both\n", encoding="utf-8")
    assert cli(*validate).exit_code == 1
    mapping.write_text(good + "settings:\n  www_max_length: 5\n", encoding="utf-8")  # novak.cz is 8 characters
    assert cli(*validate).exit_code == 0
    result = cli(*test)
    assert result.exit_code == 1 and "expect.quarantine" in result.output
    mapping.write_text(good.replace("version: 1\nextends: standard", "extends: standard\nversion: 1"),
                       encoding="utf-8")
    result = cli(*fmt)
    assert result.exit_code == 1 and "would reformat" in result.output


def test_the_example_workflow_runs_rpsync_with_github_annotations(repo, cli):
    run = _workflow_commands()
    assert ["rpsync", "validate", "--format", "github", "."] in run
    for command in run:
        result = cli(*command[1:])
        assert result.exit_code == 0, (command, result.output)
    (repo / "acme.yaml").write_text("version: 1\nextends: standard\nagendas:\n  offers:\n    direction: both\n",
                                    encoding="utf-8")
    result = cli("validate", "--format", "github", ".")
    assert result.exit_code == 1
    assert "\n::error file=acme.yaml,line=5,col=16,title=fixed-direction::" in result.output
