"""`rpsync demo` end to end: README command 1, a second run, a run after a crash, status and plan on its profile."""

from __future__ import annotations

import html
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
from engine.demo.generate import load
from engine.demo.session import served
from engine.resources import mappings_dir
from engine.sandbox.pohoda.store import Store
from engine.sandbox.raynet.store import RaynetStore
from engine.state import open_state
from engine.sync.paths import get_path
from engine.sync.steps import STEPS

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
    """How many records of the demo world are bad on purpose (every agenda has its step, see below)."""
    return len(load("manifest")["bad_on_purpose"])


def rpsync(args, cwd, *, env=None, **kwargs):
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, check=False, **kwargs)


POHODA_AGENDAS = ("address_book", "stock", "contracts", "offers", "received_orders", "issued_invoices")
RAYNET_ENTITIES = ("company", "person", "product", "priceList", "priceListItem", "businessCase", "offer",
                   "salesOrder", "invoice")


def world_content(folder: Path) -> dict:
    """Both simulators' stores and the links of a demo folder, by content (no ids, no times): every agenda."""
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
        link_counts = Counter(l.agenda for l in state.iter_links())
        pending = len(state.pending_intents())
        state.close()
        invoices = [s.record for s in pohoda.all("issued_invoices")]
        return {"pohoda": Counter(name(r) for r in adb.values()), "raynet": Counter(r["name"] for r in companies.values()),
                "links": links, "link_counts": link_counts, "pending": pending,
                "pohoda_agendas": {a: pohoda.count(a) for a in POHODA_AGENDAS},
                "pohoda_sub_records": (
                    sum(len(get_path(r, "addressbookHeader.identity.shipToAddress") or []) for r in adb.values()),
                    sum(len(get_path(r, "liquidations.liquidation") or []) for r in invoices)),
                "raynet_entities": {e: len(raynet.records(e)) for e in RAYNET_ENTITIES},
                "raynet_sub_records": (sum(len(c.get("addresses") or []) for c in companies.values()),
                                       sum(len(i.get("payments") or []) for i in raynet.records("invoice")))}
    finally:
        pohoda.close()


def packs(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "packs").glob("*.xml"))


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory, pohoda_xsd_dir):
    """README command 1's `rpsync demo`, run as written in a fresh folder (with the XSDs found by env)."""
    cwd = tmp_path_factory.mktemp("newcomer")
    env = {"RPSYNC_POHODA_XSD": str(pohoda_xsd_dir)}
    first = rpsync(readme_demo_args(), cwd, env=env)
    after_first = world_content(cwd / "rpsync-demo"), packs(cwd / "rpsync-demo")
    second = rpsync(readme_demo_args(), cwd, env=env)
    return cwd, first, second, after_first


def test_readme_command_1_runs_the_demo_and_prints_the_summary(first_demo):
    cwd, first, _, _ = first_demo
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
    cwd, _, _, _ = first_demo
    folder = cwd / "rpsync-demo"
    for name in ("world.json", "pohoda.sqlite", "raynet.json", "state.sqlite", "profile.toml", "report.json",
                 "report.html"):
        assert (folder / name).is_file(), name
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["agendas"]["address_book"]["to_pohoda"]["read"] > 0
    # the same report as a page (engine.report_html): every agenda, every quarantined record with its reason
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.lower().startswith("<!doctype html>") and "<script src=" not in page
    for q in report["quarantine"]:
        assert html.escape(q["message"])[:60] in page, q
    packs = sorted(p for p in (folder / "packs").glob("*.xml") if not p.name.endswith(".response.xml"))
    assert packs, "no dataPack was kept"
    for pack in packs:   # every dataPack sent to POHODA, and its answer, validate against the XSDs
        assert pohoda_validator.validate(pack.read_bytes()) == [], pack.name
        answer = pack.with_name(pack.name[:-4] + ".response.xml")
        assert pohoda_validator.validate(answer.read_bytes()) == [], answer.name
    profile = (folder / "profile.toml").read_text(encoding="utf-8")
    assert "${env:RPSYNC_DEMO_RAYNET_API_KEY}" in profile and "${env:RPSYNC_DEMO_POHODA_PASSWORD}" in profile
    assert not re.search(r'(api_key|password)\s*=\s*"(?!\$\{env:)', profile)   # no literal secret (R-G8)


def test_the_first_demo_syncs_every_agenda_and_quarantines_exactly_the_records_bad_on_purpose(first_demo):
    cwd, first, _, _ = first_demo
    bad = load("manifest")["bad_on_purpose"]
    assert {b["agenda"] for b in bad} <= set(STEPS)          # every agenda of the demo world has its step
    printed = re.findall(r"^quarantined (\w+): ", first.stdout, re.M)
    assert sorted(printed) == sorted(b["agenda"] for b in bad), first.stdout[-3000:]
    assert f", {len(bad)} quarantined" in first.stdout and "note:" not in first.stdout
    state = open_state(cwd / "rpsync-demo" / "state.sqlite")
    try:
        entries = state.quarantined()
    finally:
        state.close()
    # each record bad on purpose exactly once, under its rule, with a message naming what to change
    assert len(entries) == len(bad)
    for b in bad:
        number = b["record"].split()[-1] if b["side"] == "pohoda" else b["record"].split()[1]
        found = [q for q in entries if (q.agenda, q.side, q.rule) == (b["agenda"], b["side"], b["rule"])
                 and (number in q.record_label or q.record_id == number)]
        assert len(found) == 1, (b, entries)
        assert found[0].field and len(found[0].message) > 20
    # the only conflict: the client spelled differently on the two sides (POHODA wins)
    assert re.findall(r"^conflict (\w+)", first.stdout, re.M) == ["address_book"]


def test_the_first_demo_counts_per_agenda(first_demo):
    """What the first demo does with the demo world, agenda by agenda (the world is generated with a fixed
    seed): a regression in any step shows here."""
    cwd, first, _, _ = first_demo
    table = {}
    for line in first.stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 10 and cells[1].startswith("→") and cells[0] in STEPS:
            table[(cells[0], cells[1][2:])] = tuple(int(c) for c in cells[2:])
    # (read, created, updated, unchanged, linked, skipped, quarantined, conflicts)
    assert table == {
        ("address_book", "pohoda"): (9, 4, 0, 2, 3, 0, 2, 0),      # 3 paired by IČ, 2 bad on purpose (R-A2)
        ("address_book", "raynet"): (7, 4, 1, 2, 0, 0, 0, 1),      # KOVO/Kovo: the conflict, POHODA wins
        ("delivery_addresses", "pohoda"): (2, 2, 0, 0, 0, 0, 0, 0),
        ("delivery_addresses", "raynet"): (3, 3, 0, 0, 0, 0, 0, 0),  # one without a name: named by street (R-D2)
        ("contact_persons", "pohoda"): (4, 4, 0, 0, 0, 0, 0, 0),
        ("contact_persons", "raynet"): (3, 3, 0, 0, 0, 0, 0, 0),
        ("stock", "raynet"): (8, 6, 1, 1, 2, 0, 0, 0),             # every kind (R-S1); 2 paired by code
        ("sales_prices", "raynet"): (1, 1, 0, 0, 0, 2, 0, 0),      # the standard maps "Prodejní cena" only
        ("related_prices", "raynet"): (8, 8, 0, 0, 0, 16, 0, 0),   # its related prices; other levels skipped
        ("contracts", "pohoda"): (6, 2, 0, 0, 0, 0, 0, 0),         # the won business cases (R-Z4)
        ("contracts", "raynet"): (4, 4, 5, 0, 0, 0, 0, 0),         # phases (R-Z2), closing date (R-Z3)
        ("offers", "pohoda"): (4, 2, 0, 0, 0, 0, 0, 0),            # the accepted ones (R-O3)
        ("received_orders", "pohoda"): (4, 2, 0, 0, 0, 0, 1, 0),   # R-R1: no items; the cancelled one stays
        ("received_orders", "raynet"): (5, 4, 0, 0, 0, 0, 1, 0),   # R-C1: not linked to the address book
        ("issued_invoices", "pohoda"): (4, 4, 0, 0, 0, 0, 0, 0),   # regular, proforma, credit note (R-F2)
        ("issued_invoices", "raynet"): (5, 4, 0, 0, 0, 0, 1, 0),   # R-F3: amount only in the VAT summary
        ("payments", "raynet"): (6, 6, 0, 0, 0, 0, 0, 0),          # every kind of liquidation (R-F5)
    }, table


def test_a_second_demo_continues_the_world_and_says_nothing_is_new(first_demo):
    cwd, first, second, (content, sent) = first_demo
    assert second.returncode == 0, second.stdout + second.stderr
    # it wrote nothing: both stores and the links as the first demo left them, no dataPack sent
    assert world_content(cwd / "rpsync-demo") == content and packs(cwd / "rpsync-demo") == sent
    assert "continuing the demo world in rpsync-demo" in second.stdout
    assert f"nothing new to sync: both systems already agree ({bad_on_purpose()} record(s) stay in quarantine" \
        in second.stdout
    report = json.loads((cwd / "rpsync-demo" / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["created"] == report["totals"]["updated"] == 0
    # at most one Raynet list read per agenda, nothing else
    assert 1 <= report["requests"]["raynet"] <= len(report["agendas"])


def test_status_after_the_demo_shows_binding_links_cursors_and_quarantine(first_demo):
    cwd, _, _, _ = first_demo
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
    # the crash came before the agendas after the address book ran: their records bad on purpose are new in
    # quarantine now (exit 3), the address book's were found before the crash
    assert resumed.returncode == 3, resumed.stdout + resumed.stderr
    later = [b for b in load("manifest")["bad_on_purpose"] if b["agenda"] != "address_book"]
    assert f", {len(later)} quarantined" in " ".join(resumed.stdout.split())
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
        book = [s.record["addressbookHeader"] for s in servers.pohoda.store.all("address_book")]
        # 7 clients + the 4 Raynet clients that pass R-A2; 3 contact persons + the 4 Raynet persons (R-P2)
        assert run.exit_code == 3, run.output
        assert (sum("refAddress" not in h for h in book), sum("refAddress" in h for h in book)) == (11, 7)
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
