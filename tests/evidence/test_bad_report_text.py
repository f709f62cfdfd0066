"""Hostile record names in what a user reads: the terminal report of ``rpsync run`` (rich markup, terminal control
sequences), the JSON report and the HTML report. A Raynet client called ``ACME [/red]`` used to crash the run's
report with rich's MarkupError (a traceback after the sync had finished); an escape sequence in a name reached
the terminal raw."""

from __future__ import annotations

import json

from engine.resources import mappings_dir
from tests.evidence.conftest_badinput import ServedWorld
from tests.sync.helpers import raynet_company

NAME = "ACME [/red] [bold]tučně[/bold] \x1b]0;pwned\x07 <script>alert(1)</script> &amp;"


def test_hostile_names_are_shown_literally_and_safely_in_every_report(tmp_path, pohoda_xsd_dir):
    w = ServedWorld(tmp_path / "w", pohoda_xsd_dir, raynet_key="sandbox-key-1", pohoda_password="sandbox-pw-1")
    try:
        raynet_company(w, NAME, ico="27082440", street="")          # quarantined: no street (R-A2)
        raynet_company(w, "Dobrá [firma]", ico="27082441")         # goes through
        report, html = tmp_path / "r.json", tmp_path / "r.html"
        result = w.cli("run", "--mapping", str(mappings_dir() / "standard.yaml"), "--profile", str(w.profile),
                       "--only", "address_book", "--report", str(report), "--report-html", str(html))
    finally:
        w.close()
    out = result.output
    assert result.exit_code == 3, out                                  # quarantined, not a crash
    assert "Traceback" not in out and "MarkupError" not in "".join(w.outputs)
    flat = " ".join(out.split())                    # the console may wrap long lines
    assert "quarantined address_book: client" in flat, out
    assert "ACME [/red] [bold]tučně[/bold] \\x1b]0;pwned\\x07 <script>alert(1)</script>" in flat, out  # literal
    assert "\x1b" not in out and "\x07" not in out
    data = json.loads(report.read_text(encoding="utf-8"))
    [q] = data["quarantine"]
    assert NAME in q["label"] and q["field"] == "primaryAddress.address.street"    # JSON keeps the exact value
    page = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\x07" not in page and "\\x1b]0;pwned\\x07" in page
