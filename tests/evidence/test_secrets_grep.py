"""Secrets never leak (R-G8, docs/architecture.md "Secrets"): after runs with faults — Raynet's simulator failing,
dropping and garbling answers, a wrong Raynet API key, a wrong mServer password — no output line, log record,
report (text, JSON, HTML), state-database byte, archived dataPack or error message holds the Raynet API key or
the mServer password (nor a wrong one that was tried, nor the Basic-auth header built from them).

The simulators accept the distinctive credentials below (``RaynetSandbox(api_key=…)``,
``PohodaSandbox(password=…)``), so the grep is meaningful: the values do flow through the production clients.
"""

from __future__ import annotations

import base64
import logging

from engine.resources import mappings_dir
from tests.evidence.conftest_badinput import ServedWorld
from tests.sync.helpers import raynet_business_case, raynet_company, raynet_invoice

RAYNET_KEY = "S3cr3t-raynet-9f2c"
POHODA_PASSWORD = "S3cr3t-pohoda-4b7e"
WRONG_KEY = "Wr0ng-raynet-key-77aa"
WRONG_PASSWORD = "Wr0ng-pohoda-pass-31cd"
STANDARD = str(mappings_dir() / "standard.yaml")


def forms(secret: str, user: str) -> list[str]:
    """The secret, and the Basic-auth value carrying it (what a logged header would show)."""
    return [secret, base64.b64encode(f"{user}:{secret}".encode()).decode()]


def test_no_output_log_report_state_or_error_holds_a_credential_after_faulty_runs_R_G8(
        tmp_path, pohoda_xsd_dir, caplog):
    caplog.set_level(logging.DEBUG)            # every logger, httpx and httpcore included
    w = ServedWorld(tmp_path / "w", pohoda_xsd_dir, raynet_key=RAYNET_KEY, pohoda_password=POHODA_PASSWORD)
    try:
        cid = raynet_company(w, "ACME s.r.o.", ico="27082440")
        raynet_business_case(w, cid, "Zakázka", phase="Výhra")
        raynet_invoice(w, cid, [{"name": "Práce", "amount": 1, "unitPrice": 100, "taxRate": 21}])
        raynet_company(w, "Bez ulice", ico="27082441", street="")     # quarantined: a report line with a message
        reports = []
        faults = w.raynet.faults
        faults.seed, faults.error_rate, faults.malformed_rate, faults.drop_rate = 7, 0.1, 0.05, 0.5
        for n in range(1):                    # a faulty run: retries, lost answers, failures reported
            reports += [tmp_path / f"run{n}.json", tmp_path / f"run{n}.html"]
            w.cli("run", "--mapping", STANDARD, "--profile", str(w.profile), "--report", str(reports[-2]),
                  "--report-html", str(reports[-1]))
        assert w.raynet.store.requests, "the faulty run reached Raynet"
        faults.clear()
        ok = w.cli("run", "--mapping", STANDARD, "--profile", str(w.profile), "--report", str(tmp_path / "ok.json"))
        assert ok.exit_code in (0, 3), ok.output                   # the credentials do work
        reports.append(tmp_path / "ok.json")
        wrong_key = w.cli("run", "--mapping", STANDARD, "--profile", str(w.profile), raynet_key=WRONG_KEY)
        wrong_password = w.cli("run", "--mapping", STANDARD, "--profile", str(w.profile),
                               pohoda_password=WRONG_PASSWORD)
        status = w.cli("status", "--profile", str(w.profile))
        plan = w.cli("plan", "--mapping", STANDARD, "--profile", str(w.profile), "--json")
        assert status.exit_code in (0, 3) and plan.exit_code in (0, 3), (status.output, plan.output)
    finally:
        w.close()

    # the faults did happen and were told: the failures are there to leak from
    assert wrong_key.exit_code == 1 and "refused the login (401)" in wrong_key.output, wrong_key.output
    assert wrong_password.exit_code == 1 and "refused the login (401)" in wrong_password.output, wrong_password.output
    assert w.raynet.bad_logins >= 1
    texts = {f"output {n}": out for n, out in enumerate(w.outputs)}
    texts["log"] = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.args!r} {r.exc_text or ''}"
                             for r in caplog.records)
    assert caplog.records, "nothing was logged: the log grep would prove nothing"
    for path in [*reports, *(tmp_path / "w").rglob("*")]:
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    assert any("state.sqlite" in name for name in texts) and any("packs" in name for name in texts)
    assert all(p.exists() for p in reports)
    needles = [*forms(RAYNET_KEY, w.raynet.LOGIN), *forms(WRONG_KEY, w.raynet.LOGIN),
               *forms(POHODA_PASSWORD, "sandbox"), *forms(WRONG_PASSWORD, "sandbox")]
    leaks = [(name, needle) for name, text in texts.items() for needle in needles if needle in text]
    assert leaks == []
