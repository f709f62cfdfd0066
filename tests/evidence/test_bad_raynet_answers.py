"""Broken or surprising Raynet answers through the production client, end to end: a loopback proxy in front of the
Raynet simulator rewrites answers — invalid JSON, a wrong envelope (no ``data``, ``success: false``, ``data`` of
the wrong type), unknown enum values, missing or mistyped fields, JSON nested without bound, lone surrogates.
Each is a clear ``RpsyncError`` (the run fails with a message, nothing is lost: the next sound run does the work)
or a documented tolerance (the record goes through, or is quarantined naming the record) — never a traceback.
"""

from __future__ import annotations

import json

import pytest

from engine.errors import RpsyncError
from engine.raynet import json_codec
from engine.raynet.client import RaynetClient
from engine.raynet.entities import RaynetApi
from engine.raynet.errors import RaynetProtocolError
from engine.secrets import Secret
from engine.sync.runner import run_sync
from tests.evidence.conftest_badinput import hostile_world, raynet_proxy
from tests.sync.helpers import linked_pohoda_id, raynet_company

ADR = "addressbookHeader.identity.address"


def run_through(w, url: str, **kwargs):
    """One run with a production client on ``url``; its retries' back-off waits are skipped (not their requests)."""
    api = RaynetApi(RaynetClient(url, login=w.raynet.LOGIN, api_key=Secret(w.raynet.API_KEY),
                                 instance=w.raynet.INSTANCE, sleep=lambda seconds: None))
    gw = w.gateway()
    try:
        return run_sync(w.mapping, state_path=w.state_path, raynet=api, pohoda=gw, **kwargs)
    finally:
        api.client.close()
        gw.close()


def company_list(method: str, path: str) -> bool:
    return method == "GET" and path.split("?")[0].rstrip("/").endswith("/company")


def test_records_with_unknown_enums_and_missing_or_mistyped_fields_are_tolerated_or_quarantined(
        tmp_path, pohoda_xsd_dir):
    with hostile_world(tmp_path, pohoda_xsd_dir) as w:
        ids = {name: raynet_company(w, name, ico=f"2708244{n}")
               for n, name in enumerate(["Dobrá", "Nové enumy", "Bez jména", "Adresa jinak", "Číslo IČ"])}

        def rewrite(method, path, status, body):
            if not company_list(method, path) or status != 200:
                return None
            data = json_codec.loads(body)
            for r in data["data"]:
                if r["name"] == "Nové enumy":        # values the OpenAPI does not list: not used by the mapping
                    r.update(state="Z_FUTURE", rating="Q", role="X_NEW", category={"id": 9, "value": "???"})
                elif r["name"] == "Bez jména":
                    del r["name"]
                elif r["name"] == "Adresa jinak":
                    r["addresses"] = "not a list"
                    r["primaryAddress"] = ["not", "an", "object"]
                elif r["name"] == "Číslo IČ":
                    r["regNumber"] = 27082444                     # a number where text is documented
            return 200, json_codec.dumps(data)

        with raynet_proxy(w.raynet.url, rewrite) as url:
            result = run_through(w, url, only={"address_book"})
        report = result.report
        assert report.status in ("ok", "quarantined"), report.message
        quarantined = {q.label: q for q in report.quarantine}
        synced = {name for name, rid in ids.items() if linked_pohoda_id(w, "address_book", rid) is not None}
        assert synced == {"Dobrá", "Nové enumy", "Číslo IČ"}, (synced, quarantined)  # unknown enums tolerated
        number = w.pohoda.store.get("address_book", linked_pohoda_id(w, "address_book", ids["Číslo IČ"])).record
        assert number["addressbookHeader"]["identity"]["address"]["ico"] == "27082444"       # a number, as text
        by_id = {int(q.record): q for q in report.quarantine}
        assert set(by_id) == {ids["Bez jména"], ids["Adresa jinak"]}
        assert by_id[ids["Bez jména"]].field == "name" and "has no name" in by_id[ids["Bez jména"]].message
        # an address that is not an object reads as no address: the record waits, naming the field
        assert by_id[ids["Adresa jinak"]].field == "primaryAddress.address.street"


@pytest.mark.parametrize("body, words", [
    (b"{\"success\": true, \"data\": [", "malformed JSON"),
    (b"<html>502 Bad Gateway</html>", "malformed JSON"),
    (b"[" * 100_000, "malformed JSON"),                                     # nested without bound
    (b"{\"success\": true}", "data"),
    (b"{\"success\": true, \"data\": {\"id\": 1}}", "data"),
    (b"{\"success\": false, \"translatedMessage\": \"Chyba serveru\"}", "Chyba serveru"),
    (b"{\"success\": true, \"data\": [], \"totalCount\": \"many\"}", None),   # tolerated: counted from data
    (b"{\"success\": true, \"data\": [{\"id\": 1, \"name\": NaN}]}", "malformed JSON"),
    (b"{\"success\": true, \"data\": [\"not a record\"]}", "not a record with a numeric id"),
    (b"{\"success\": true, \"data\": [{\"name\": \"Bez id\"}]}", "not a record with a numeric id"),
    (b"{\"success\": true, \"data\": [{\"id\": \"7\", \"name\": \"Text id\"}]}", "not a record with"),
], ids=["cut", "html", "deep", "no_data", "data_not_list", "success_false", "bad_total", "nan", "item_not_object",
        "item_without_id", "item_text_id"])
def test_broken_list_envelopes_fail_the_run_with_a_clear_message_and_the_next_run_does_the_work(
        tmp_path, pohoda_xsd_dir, body, words):
    with hostile_world(tmp_path, pohoda_xsd_dir) as w:
        rid = raynet_company(w, "ACME", ico="27082440")

        def rewrite(method, path, status, answer):
            return (200, body) if company_list(method, path) else None

        with raynet_proxy(w.raynet.url, rewrite) as url:
            broken = run_through(w, url, only={"address_book"})
        if words is None:
            assert broken.report.status == "ok", broken.report.message
        else:
            assert broken.report.status == "failed" and words in broken.report.message, broken.report.message
            assert "Traceback" not in broken.report.message and len(broken.report.message) < 500
            assert linked_pohoda_id(w, "address_book", rid) is None
        again = w.run(only=["address_book"])                 # the sound answer: nothing was lost
        assert again.report.status == "ok" and linked_pohoda_id(w, "address_book", rid) is not None


def test_raynet_json_parsing_refuses_what_json_allows_but_raynet_never_sends():
    for text in (b"[" * 100_000, b"{\"a\": NaN}", b"{\"a\": Infinity}", b"{\"a\": -Infinity}"):
        with pytest.raises(ValueError):
            json_codec.loads(text)
    # a lone surrogate (broken UTF-16 in a Java string) becomes U+FFFD: it could not be stored, reported or
    # written as XML; a valid pair stays the character it encodes
    assert json_codec.loads(b'{"a": "x\\ud800y", "b": "\\ud83d\\ude00"}') == {"a": "x\ufffdy", "b": "😀"}
    assert json_codec.loads(b'["\\udc00"]') == ["\ufffd"]


def test_lone_surrogates_from_raynet_reach_pohoda_as_replacement_characters_not_a_crash(tmp_path, pohoda_xsd_dir):
    with hostile_world(tmp_path, pohoda_xsd_dir) as w:
        rid = raynet_company(w, "Rozbitá SURROGATE", ico="27082440")

        def rewrite(method, path, status, body):
            if company_list(method, path) and b"SURROGATE" in body:
                return status, body.replace(b"SURROGATE", b"\\ud800")
            return None

        with raynet_proxy(w.raynet.url, rewrite) as url:
            result = run_through(w, url, only={"address_book"})
        assert result.report.status == "ok", (result.report.message, result.report.quarantine)
        stored = w.pohoda.store.get("address_book", linked_pohoda_id(w, "address_book", rid)).record
        assert stored["addressbookHeader"]["identity"]["address"]["company"] == "Rozbitá \ufffd"
        json.dumps(result.report.to_dict(), ensure_ascii=False).encode("utf-8")     # the report can be written


def test_protocol_errors_are_rpsync_errors_naming_the_request():
    assert issubclass(RaynetProtocolError, RpsyncError)


def test_an_unknown_invoice_type_or_business_case_status_holds_the_record_back_naming_it(tmp_path, pohoda_xsd_dir):
    from tests.sync.helpers import raynet_business_case, raynet_invoice

    with hostile_world(tmp_path, pohoda_xsd_dir) as w:
        cid = raynet_company(w, "ACME", ico="27082440")
        item = {"name": "x", "amount": 1, "unitPrice": 10, "taxRate": 21}
        strange = raynet_invoice(w, cid, [item], title="Nový typ")
        normal = raynet_invoice(w, cid, [item], title="Běžná")
        case = raynet_business_case(w, cid, "Případ", phase="Výhra")

        def rewrite(method, path, status, body):
            if method != "GET" or status != 200 or not ("/invoice" in path or "/businessCase" in path):
                return None
            data = json_codec.loads(body)
            for r in data["data"] if isinstance(data.get("data"), list) else [data.get("data")]:
                if isinstance(r, dict) and r.get("title") == "Nový typ":
                    r["invoiceType"] = "FUTURE_KIND"
                if isinstance(r, dict) and r.get("name") == "Případ":
                    r["status"] = "Z_NEW"                    # not won: the trigger holds it back (R-Z4)
            return status, json_codec.dumps(data)

        with raynet_proxy(w.raynet.url, rewrite) as url:
            result = run_through(w, url)
        assert result.report.status == "quarantined", result.report.message
        [q] = result.report.quarantine
        assert (int(q.record), q.field, q.rule) == (strange, "invoiceType", "R-F2") and "FUTURE_KIND" in q.message
        assert linked_pohoda_id(w, "issued_invoices", normal) is not None
        assert linked_pohoda_id(w, "contracts", case) is None
