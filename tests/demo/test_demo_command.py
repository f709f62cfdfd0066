"""`rpsync demo` end to end: README command 1, a second run, a run after a crash, status and plan on its profile."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.demo.session import served
from engine.resources import mappings_dir
from engine.sandbox.pohoda.store import Store
from engine.sandbox.raynet.store import RaynetStore
from engine.state import open_state
from engine.sync.paths import get_path

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from engine.cli import main; main()"]
STANDARD = str(mappings_dir() / "standard.yaml")


def readme_demo_args() -> list[str]:
    """The `rpsync …` part of README command 1, as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("1. ", 1)[1].split("2. ", 1)[0]
    line = next(l.strip() for l in first.splitlines() if "rpsync demo" in l)
    return shlex.split(line.rsplit("&&", 1)[1].strip())[1:]


def bad_on_purpose() -> int:
    """How many records of the demo world are bad on purpose in the agendas this rpsync has steps for."""
    from engine.demo.generate import load
    from engine.sync.steps import STEPS

    return sum(1 for b in load("manifest")["bad_on_purpose"] if b["agenda"] in STEPS)


def rpsync(args, cwd, *, env=None, **kwargs):
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, check=False, **kwargs)


def world_content(folder: Path) -> dict:
    """Both simulators' stores and the links of a demo folder, by content (no ids, no times)."""
    pohoda = Store(folder / "pohoda.sqlite")
    raynet = RaynetStore(folder / "raynet.json")
    assert raynet.load()
    try:
        adb = {s.id: s.record for s in pohoda.all("address_book")}
        companies = {r["id"]: r for r in raynet.records("company")}
        name = lambda r: get_path(r, "addressbookHeader.identity.address.company") or \
            get_path(r, "addressbookHeader.identity.address.name")  # noqa: E731
        state = open_state(folder / "state.sqlite")
        links = Counter((companies[l.raynet_id]["name"], name(adb[l.pohoda_id])) for l in state.iter_links("address_book"))
        pending = len(state.pending_intents())
        state.close()
        return {"pohoda": Counter(name(r) for r in adb.values()), "raynet": Counter(r["name"] for r in companies.values()),
                "links": links, "pending": pending,
                "pohoda_agendas": {a: pohoda.count(a) for a in ("stock", "received_orders", "issued_invoices")}}
    finally:
        pohoda.close()


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory, pohoda_xsd_dir):
    """README command 1's `rpsync demo`, run as written in a fresh folder (with the XSDs found by env)."""
    cwd = tmp_path_factory.mktemp("newcomer")
    env = {"RPSYNC_POHODA_XSD": str(pohoda_xsd_dir)}
    first = rpsync(readme_demo_args(), cwd, env=env)
    second = rpsync(readme_demo_args(), cwd, env=env)
    return cwd, first, second


def test_readme_command_1_runs_the_demo_and_prints_the_summary(first_demo):
    cwd, first, _ = first_demo
    assert readme_demo_args() == ["demo"]
    assert first.returncode == 3, first.stdout + first.stderr   # the records bad on purpose are quarantined
    out = first.stdout
    assert "creating the demo world in rpsync-demo" in out and "XSD checks: on" in out
    assert "rpsync demo (standard mapping, both ways)" in out
    assert re.search(r"address_book\s+│\s+→ pohoda", out) and re.search(r"│ total\s+│", out)
    assert "requests: Raynet" in out
    # bad on purpose: clear messages naming record, field and rule (R-A2)
    assert "Zahradnictví Veselý a synové s.r.o. [primaryAddress.contactInfo.www] (R-A2)" in out
    assert "has 43 characters; the limit is 32" in out and "address has no street" in out
    assert "Traceback" not in first.stderr


def test_the_demo_leaves_its_world_in_the_folder(first_demo, pohoda_validator):
    cwd, _, _ = first_demo
    folder = cwd / "rpsync-demo"
    for name in ("world.json", "pohoda.sqlite", "raynet.json", "state.sqlite", "profile.toml", "report.json"):
        assert (folder / name).is_file(), name
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["agendas"]["address_book"]["to_pohoda"]["read"] > 0
    packs = sorted(p for p in (folder / "packs").glob("*.xml") if not p.name.endswith(".response.xml"))
    assert packs, "no dataPack was kept"
    for pack in packs:   # every dataPack sent to POHODA, and its answer, validate against the XSDs
        assert pohoda_validator.validate(pack.read_bytes()) == [], pack.name
        answer = pack.with_name(pack.name[:-4] + ".response.xml")
        assert pohoda_validator.validate(answer.read_bytes()) == [], answer.name
    profile = (folder / "profile.toml").read_text(encoding="utf-8")
    assert "${env:RPSYNC_DEMO_RAYNET_API_KEY}" in profile and "${env:RPSYNC_DEMO_POHODA_PASSWORD}" in profile
    assert not re.search(r'(api_key|password)\s*=\s*"(?!\$\{env:)', profile)   # no literal secret (R-G8)


def test_a_second_demo_continues_the_world_and_says_nothing_is_new(first_demo):
    cwd, first, second = first_demo
    assert second.returncode == 0, second.stdout + second.stderr
    assert "continuing the demo world in rpsync-demo" in second.stdout
    assert f"nothing new to sync: both systems already agree ({bad_on_purpose()} record(s) stay in quarantine" \
        in second.stdout
    report = json.loads((cwd / "rpsync-demo" / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["created"] == report["totals"]["updated"] == 0
    # at most one Raynet list read per agenda, nothing else
    assert 1 <= report["requests"]["raynet"] <= len(report["agendas"])


def test_status_after_the_demo_shows_binding_links_cursors_and_quarantine(first_demo):
    cwd, _, _ = first_demo
    # the profile's secrets are not needed to look at the state
    out = rpsync(["status", "--profile", "rpsync-demo/profile.toml"], cwd)
    assert out.returncode == 3, out.stderr   # 3: records in quarantine
    assert "bound to POHODA IČ 12345678, year 2025" in out.stdout
    assert re.search(r"address_book\s+│\s+11", out.stdout)                       # links
    assert re.search(r"address_book\s+│ pohoda\s+│ 20\d\d-", out.stdout)          # cursors
    assert f"quarantine ({bad_on_purpose()})" in out.stdout and "R-A2" in out.stdout
    assert re.search(r"run 1: quarantined .* created \d+, updated \d+, linked \d+, quarantined \d+", out.stdout)
    data = json.loads(rpsync(["status", "--state", "rpsync-demo/state.sqlite", "--json"], cwd).stdout)
    assert data["pohoda_year"] == 2025 and data["links"]["address_book"] == 11


def test_a_demo_killed_mid_run_is_finished_by_the_next_one(first_demo, tmp_path, pohoda_xsd_dir):
    clean = world_content(first_demo[0] / "rpsync-demo")
    env = {"RPSYNC_POHODA_XSD": str(pohoda_xsd_dir)}
    crashed = rpsync(["demo", "-w", "w", "-q"], tmp_path, env={**env, "RPSYNC_CRASH_AT": "address_book:pohoda:sent"})
    assert crashed.returncode == -signal.SIGKILL
    assert world_content(tmp_path / "w")["pending"] == 4   # the pack POHODA took (4 clients), its answer unrecorded
    resumed = rpsync(["demo", "-w", "w", "-q"], tmp_path, env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr   # its quarantine was found before the crash
    assert "an interrupted pohoda create had landed" in resumed.stdout
    after = world_content(tmp_path / "w")
    assert after == clean   # no duplicate, nothing missing, the same links as an uninterrupted demo
    again = rpsync(["demo", "-w", "w", "-q"], tmp_path, env=env)
    assert again.returncode == 0 and "nothing new to sync" in again.stdout


def test_plan_and_run_work_against_the_demo_profile(tmp_path, monkeypatch):
    """`rpsync plan` on the demo's profile while its simulators run (as under `rpsync demo --serve`)."""
    with served(tmp_path / "w", xsd_dir=None) as (world, servers, profile, seeded_now):
        assert seeded_now
        runner = CliRunner()
        plan = runner.invoke(app, ["plan", "-m", STANDARD, "-p", str(profile), "-q"], env={"COLUMNS": "200"})
        assert plan.exit_code == 2, plan.output   # changes to make
        assert "+ address_book create in POHODA: client 4 Autodíly Plzeň a.s." in plan.stdout
        assert "= address_book link in pair" in plan.stdout
        assert servers.pohoda.store.count("address_book") == 10      # the plan wrote nothing
        run = runner.invoke(app, ["run", "-m", STANDARD, "-p", str(profile), "-q"], env={"COLUMNS": "200"})
        assert run.exit_code == 3 and servers.pohoda.store.count("address_book") == 14
        again = runner.invoke(app, ["plan", "-m", STANDARD, "-p", str(profile), "-q"], env={"COLUMNS": "200"})
        assert again.exit_code == 0 and "nothing to do" in again.stdout


def test_demo_serve_keeps_the_simulators_up_for_a_second_terminal(tmp_path):
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([*CLI, "demo", "-w", "w", "--serve", "-q"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C stops them"):
                break
        text = "".join(lines)
        assert "simulators running" in text, text + proc.stderr.read()
        export = next(l.strip() for l in lines if l.strip().startswith("export "))
        second_env = {**env, **dict(kv.split("=", 1) for kv in export.split()[1:])}
        plan = subprocess.run([*CLI, "plan", "-m", STANDARD, "-p", "w/profile.toml", "-q"], cwd=tmp_path,
                              env=second_env, capture_output=True, text=True, encoding="utf-8", check=False)
        assert plan.returncode == 0 and "nothing to do" in plan.stdout, plan.stdout + plan.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 3   # the first demo of this folder quarantined the records bad on purpose
