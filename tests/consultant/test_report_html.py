"""The HTML run report: a real run against both simulators, `rpsync run --report-html`, rendered in
headless Chromium (Debian's `chromium`; `.ci/run` installs it), counts and reasons read from the DOM."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import html as lxml_html

from engine.report_html import render_html, write_html_report
from engine.sandbox.pohoda import PohodaSandbox
from engine.sandbox.raynet import RaynetSandbox
from tests.sync.helpers import pohoda_address, raynet_company

from tests.consultant.helpers import STANDARD

COUNTERS = ("read", "created", "updated", "unchanged", "linked", "skipped", "quarantined", "conflicts")


def chromium_dom(page: Path, tmp_path: Path) -> lxml_html.HtmlElement:
    """The DOM of ``page`` as headless Chromium built it (``--dump-dom``)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "Chromium is needed for this test: apt-get install -y chromium (.ci/run installs it)"
    profile = tmp_path / "chromium-profile"
    done = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<html" in done.stdout, done.stderr[-2000:]
    return lxml_html.fromstring(done.stdout)


@pytest.fixture()
def systems(pohoda_xsd_dir):
    with RaynetSandbox() as rn, PohodaSandbox(xsd_dir=pohoda_xsd_dir) as ph:
        yield SimpleNamespace(raynet=rn, pohoda=ph)


def test_run_report_html_shows_the_counts_and_reasons_in_chromium_R_A2(systems, tmp_path, cli, monkeypatch):
    raynet_company(systems, "ACME s.r.o.", ico="27082440", www="acme.cz")
    raynet_company(systems, "Zeta <b>&</b> spol.", ico="44444444", www="https://www.example-of-a-far-too-long-domain.cz")
    raynet_company(systems, "Bez ulice s.r.o.", ico="55555555", street="")
    pohoda_address(systems, "Beta a.s.", ico="25303562")
    monkeypatch.setenv("TEST_RAYNET_KEY", "sandbox")
    monkeypatch.setenv("TEST_POHODA_PASSWORD", "sandbox")
    profile = tmp_path / "profile.toml"
    profile.write_text(f"""
[raynet]
url = "{systems.raynet.url}"
instance = "sandbox"
user = "sandbox@example.com"
api_key = "${{env:TEST_RAYNET_KEY}}"

[pohoda]
transport = "mserver"
url = "{systems.pohoda.url}"
user = "sandbox"
password = "${{env:TEST_POHODA_PASSWORD}}"
ico = "12345678"

[state]
path = "state.sqlite"
""", encoding="utf-8")
    page, data = tmp_path / "out" / "report.html", tmp_path / "report.json"
    result = cli("run", "--mapping", STANDARD, "--profile", profile, "--report", data, "--report-html", page, "-q")
    assert result.exit_code == 3, result.output  # records were quarantined, the rest went through
    report = json.loads(data.read_text(encoding="utf-8"))
    assert report["agendas"]["address_book"]["to_pohoda"]["quarantined"] == 2
    assert report["agendas"]["address_book"]["to_pohoda"]["created"] == 1
    assert report["agendas"]["address_book"]["to_raynet"]["created"] == 1

    dom = chromium_dom(page, tmp_path)
    for agenda, per in report["agendas"].items():
        for direction, counts in per.items():
            for counter in COUNTERS:
                (cell,) = dom.xpath(f'//*[@id="count-{agenda}-{direction}-{counter}"]')
                assert cell.text_content().strip() == str(counts[counter]), (agenda, direction, counter)
    for counter in ("created", "updated", "unchanged", "quarantined", "conflicts", "skipped"):
        (card,) = dom.xpath(f'//*[@id="total-{counter}"]')
        assert card.text_content().strip() == str(report["totals"][counter])
    assert dom.xpath('//*[@id="requests-raynet"]')[0].text_content() == str(report["requests"]["raynet"])
    assert dom.xpath('//*[@id="status"]')[0].get("data-status") == "quarantined"
    rows = dom.xpath('//tr[@class="quarantined-record"]')
    assert len(rows) == 2
    text = " ".join(r.text_content() for r in rows)
    assert "has 47 characters; the limit is 32 (R-A2)" in text and "primaryAddress.contactInfo.www" in text
    assert "the client's address has no street" in text
    # the company name with markup is text on the page, never markup
    assert "Zeta <b>&</b> spol." in text
    assert not dom.xpath('//tr[@class="quarantined-record"]//b')


def test_the_page_is_self_contained_and_escaped():
    evil = '<script>alert(1)</script>'
    page = render_html({
        "mapping": evil, "status": "failed", "message": evil, "started_at": "2026-03-14T10:00:00+00:00",
        "finished_at": "2026-03-14T10:00:05+00:00", "dry_run": True,
        "agendas": {"stock": {"to_raynet": {c: 1 for c in COUNTERS}}}, "totals": {c: 1 for c in COUNTERS},
        "requests": {"raynet": 3, "pohoda": 1},
        "quarantine": [{"agenda": "stock", "side": "pohoda", "record": "7", "label": evil, "field": evil,
                        "rule": evil, "message": evil}],
        "conflicts": [{"agenda": "stock", "record": evil, "binding": evil, "winner": "pohoda_wins",
                       "raynet_value": {"$num": "21"}, "pohoda_value": evil, "lost_value": [evil]}],
        "notes": [evil],
    })
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;") >= 8
    assert not re.search(r"\b(src|href)\s*=|url\(|@import", page)
    assert "took 5 s" in page and "2026-03-14 10:00:00 UTC" in page and "dry run" in page
    assert "<code>21</code>" in page  # canonical numbers shown as people write them


def test_an_empty_report_still_renders(tmp_path):
    path = write_html_report({"status": "ok", "agendas": {}, "totals": {}}, tmp_path / "r.html")
    page = path.read_text(encoding="utf-8")
    assert "No agenda ran." in page and "Nothing was quarantined" in page and 'id="total-created"' in page
    assert not list(tmp_path.glob("*.tmp"))
