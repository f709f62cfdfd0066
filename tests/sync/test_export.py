"""`rpsync export`: business cases → POHODA received-order files without a running POHODA (R-E1 … R-E3),
against the Raynet simulator over loopback HTTP; the files are imported into the POHODA simulator the way
whoever runs POHODA would, and its answers are read back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from engine.cli import app
from engine.pohoda import lists
from engine.resources import mappings_dir
from engine.state import Link, open_state
from tests.sync.helpers import (
    pohoda_records, raynet_business_case, raynet_company, raynet_records,
)

runner = CliRunner()
STANDARD = mappings_dir() / "standard.yaml"


def profile_for(w, tmp: Path, *, transport: str = "files") -> Path:
    pohoda = (f'transport = "files"\noutbox = "{tmp / "outbox"}"\ninbox = "{tmp / "inbox"}"\n' if transport == "files"
              else 'transport = "mserver"\nurl = "http://127.0.0.1:9"\nuser = "u"\npassword = "${env:RPSYNC_TEST_SECRET}"\n')
    path = tmp / "profile.toml"
    path.write_text(
        f'[raynet]\nurl = "{w.raynet.url}"\ninstance = "sandbox"\nuser = "sandbox@example.com"\n'
        f'api_key = "${{env:RPSYNC_TEST_SECRET}}"\n\n[pohoda]\n{pohoda}ico = "12345678"\n\n'
        f'[state]\npath = "{w.state_path}"\n', encoding="utf-8")
    return path


def export(*args, env=None):
    return runner.invoke(app, ["export", "-m", str(STANDARD), *map(str, args)],
                         env={"RPSYNC_TEST_SECRET": "sandbox", **(env or {})})


def orders_in(path: Path) -> list[dict]:
    """The received orders a dataPack file carries, as records (the list reader's shape)."""
    from lxml import etree

    root = etree.fromstring(path.read_bytes())
    ns = {"ord": "http://www.stormware.cz/schema/version_2/order.xsd"}
    return [lists.record_from_element("received_orders", o) for o in root.findall(".//ord:order", ns)]


def know_stock_code(w, code: str) -> None:
    """What the stock agenda leaves in the state after syncing a POHODA stock item with this code."""
    state = open_state(w.state_path)
    try:
        state.save_link(Link(agenda="stock", raynet_id=900, pohoda_id=90, raynet_entity="product"))
        state.set_shadow("stock", "pohoda", "90", {"stockHeader": {"code": code}})
    finally:
        state.close()


def test_won_business_cases_become_one_xml_list_whose_import_creates_received_orders_R_E1_R_E2_R_E3(
        world_factory, tmp_path, pohoda_validator):
    w = world_factory()
    acme = raynet_company(w, "ACME s.r.o.", ico="27082440", city="Plzeň")
    api = w.api()
    won = raynet_business_case(w, acme, "Šrouby", phase="Výhra", description="do konce měsíce")
    api.business_cases.add_item(won, {"productCode": "SR-M6", "name": "Šroub M6x20", "count": 100,
                                      "price": Decimal("2.5"), "taxRate": 21})
    api.business_cases.add_item(won, {"name": "Doprava", "count": 1, "price": 300, "taxRate": 21})
    won2 = raynet_business_case(w, acme, "Matice", phase="Výhra")
    api.business_cases.add_item(won2, {"name": "Matice M6", "count": 50, "price": 1})
    raynet_business_case(w, acme, "Rozjednaný", phase="Analýza potřeb")        # not won: not exported
    api.client.close()
    know_stock_code(w, "SR-M6")
    profile = profile_for(w, tmp_path)

    result = export("-p", profile)
    assert result.exit_code == 0, result.output
    [path] = list((tmp_path / "outbox").iterdir())
    codes = [b["code"] for b in raynet_records(w, "businessCase") if b["id"] in (won, won2)]
    assert path.suffix == ".xml" and codes[0] in path.name and codes[1] in path.name     # R-E1: a list → .xml
    assert pohoda_validator.validate(path.read_bytes()) == []
    first, second = orders_in(path)
    header = first["orderHeader"]
    assert header["orderType"] == "receivedOrder" and header["text"] == "Šrouby" and header["numberOrder"] == codes[0]
    assert header["partnerIdentity"]["address"]["ico"] == "27082440"    # the client written out (not synced yet)
    stock, text = first["orderDetail"]["orderItem"]
    assert stock["stockItem"]["stockItem"]["ids"] == "SR-M6" and "stockItem" not in text      # R-E2

    # whoever runs POHODA imports the file (stock must exist there for the stock-linked line)
    from engine.sandbox.pohoda.seed import apply_seed

    apply_seed(w.pohoda.store, {"stock": [{"stockHeader": {"stockType": "card", "code": "SR-M6", "name": "Šroub"}}]})
    answer = w.pohoda.handle_xml(path.read_bytes())
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "odpoved.xml").write_bytes(answer)
    assert len(pohoda_records(w, "received_orders")) == 2
    read = export("-p", profile, "--responses")                      # R-E3: the answers are read back
    assert read.exit_code == 0, read.output
    assert read.output.count(": imported → received order") == 2, read.output
    assert (tmp_path / "inbox" / "done" / "odpoved.xml").exists()
    # a second list export leaves out what went before
    again = export("-p", profile)
    assert again.exit_code == 0 and "exported before, left out" in again.output
    assert len(list((tmp_path / "outbox").iterdir())) == 1
    # importing the same file twice is refused by POHODA's duplicity check, and recorded as such
    (tmp_path / "inbox" / "znovu.xml").write_bytes(w.pohoda.handle_xml(path.read_bytes()))
    twice = export("-p", profile, "--responses")
    assert twice.exit_code == 0 and twice.output.count(": duplicate") == 2, twice.output
    assert len(pohoda_records(w, "received_orders")) == 2


def test_one_business_case_becomes_an_xph_named_by_its_code_and_problems_are_named_R_E1(world_factory, tmp_path,
                                                                                       pohoda_validator):
    w = world_factory()
    acme = raynet_company(w, "ACME s.r.o.", ico="27082440")
    w.run(only=["address_book"])                       # the client is synced: the order links to its record
    bc = raynet_business_case(w, acme, "Jediný", phase="Před uzavřením")
    empty = raynet_business_case(w, acme, "Bez položek", phase="Výhra")
    api = w.api()
    api.business_cases.add_item(bc, {"name": "Služba", "count": 1, "price": 1000})
    api.client.close()
    profile = profile_for(w, tmp_path, transport="mserver")
    assert export("-p", profile, "-b", bc).exit_code == 2          # an mServer profile has no outbox …
    result = export("-p", profile, "-b", bc, "--outbox", tmp_path / "predat")   # … unless one is given
    assert result.exit_code == 0, result.output
    code = w.raynet.store.render("businessCase", bc)["code"]
    [path] = list((tmp_path / "predat").iterdir())
    assert path.name == f"{code}.xph" and pohoda_validator.validate(path.read_bytes()) == []
    [order] = orders_in(path)
    partner = [r for r in pohoda_records(w, "address_book")][0]["addressbookHeader"]["id"]
    assert order["orderHeader"]["partnerIdentity"] == {"id": partner}
    bad = export("-p", profile, "-b", empty, "--outbox", tmp_path / "predat")
    assert bad.exit_code == 3
    assert f"business case {empty}" in bad.output and "[items] (R-R1)" in bad.output and "add its products" in bad.output


def test_an_imported_export_is_paired_with_its_business_case_by_the_sync_R_E1(world_factory, tmp_path,
                                                                             pohoda_validator):
    w = world_factory()
    acme = raynet_company(w, "ACME s.r.o.", ico="27082440")
    w.run(only=["address_book"])
    bc = raynet_business_case(w, acme, "Exportovaný", phase="Před uzavřením")
    api = w.api()
    api.business_cases.add_item(bc, {"name": "Služba", "count": 1, "price": 1000})
    api.client.close()
    profile = profile_for(w, tmp_path)
    assert export("-p", profile, "-b", bc).exit_code == 0
    [path] = list((tmp_path / "outbox").iterdir())
    assert pohoda_validator.validate(path.read_bytes()) == []
    w.pohoda.handle_xml(path.read_bytes())
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    [order] = raynet_records(w, "salesOrder")                     # the imported order reaches Raynet …
    assert order["businessCase"]["id"] == bc                      # … in the business case it came from
    assert len(raynet_records(w, "businessCase")) == 1
