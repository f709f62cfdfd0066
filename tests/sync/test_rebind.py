"""`rpsync rebind` after POHODA's year-end closing (R-G2), against two POHODA simulators: the old unit and
the new one, which holds the same records under other ids (some with rpsync's extIds carried over, some
without, one not carried at all, one new)."""

from __future__ import annotations

import copy

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.demo.profile import demo_environment, write_profile
from engine.mapping import load_mapping
from engine.raynet.entities import RaynetApi
from engine.resources import mappings_dir
from engine.sandbox.pohoda import PohodaSandbox
from engine.sandbox.raynet import RaynetSandbox
from engine.state import open_state
from engine.sync.binding import BindingError
from engine.sync.paths import get_path
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.rebind import RebindRefused, rebind
from engine.sync.steps.sub_records import Waiting
from engine.sync.runner import renderer_for, run_sync
from tests.sync.processes import CLI

STANDARD = mappings_dir() / "standard.yaml"
SYSTEM = "rpsync-raynet"   # standard.yaml pohoda.ext_system
ADR = "addressbookHeader.identity.address"


def company(name, ico):
    return {"name": name, "regNumber": ico, "rating": "A", "state": "B_ACTUAL", "role": "A_SUBSCRIBER",
            "addresses": [{"address": {"name": "Sídlo", "street": "Dlouhá 1", "city": "Praha", "zipCode": "11000"}}]}


def address(name, ico, city="Brno"):
    return {"record": {"addressbookHeader": {"identity": {"address": {
        "company": name, "ico": ico, "street": "Krátká 2", "city": city, "zip": "60200"}}}}}


def order(number, partner):
    return {"record": {"orderHeader": {"orderType": "receivedOrder", "number": {"numberRequested": number},
                                       "date": "2025-10-01", "text": f"Objednávka {number}",
                                       "partnerIdentity": {"id": partner}},
                       "orderDetail": {"orderItem": [{"text": "Šroub", "quantity": 5, "homeCurrency": {"unitPrice": 2}}]}}}


RAYNET_SEED = {"records": {"company": [company("Alfa s.r.o.", "27082440"), company("Beta s.r.o.", "25596641"),
                                       company("Gama a.s.", "46505334")]}}
#: Gama's two orders (address-book record 1): the sync makes a contract, a business case and an order of each
OLD_SEED = {"address_book": [address("Gama a.s.", "46505334"), address("Delta s.r.o.", "28992610"),
                             address("Epsilon s.r.o.", "27384527")],
            "received_orders": [order("25OP0001", 1), order("25OP0002", 1)]}


class Closing:
    """Raynet, the old POHODA unit (2025) synced with it, and the new unit (2026) after the closing."""

    def __init__(self, tmp_path, xsd_dir):
        self.tmp = tmp_path
        self.mapping = load_mapping(STANDARD)
        self.raynet = RaynetSandbox(seed=RAYNET_SEED).start()
        self.old = PohodaSandbox(seed=OLD_SEED, xsd_dir=xsd_dir).start()
        self.state_path = tmp_path / "state.sqlite"
        first = self.run(self.old, 2025)
        counts = first.report.counts
        assert first.report.status == "ok", first.report.to_dict()
        assert (counts["address_book"]["to_pohoda"].created, counts["address_book"]["to_raynet"].created) == (2, 2)
        # R-R3: each order got a contract in POHODA, a business case and an order in Raynet
        assert (counts["contracts"]["to_pohoda"].created, counts["contracts"]["to_raynet"].created,
                counts["received_orders"]["to_raynet"].created) == (2, 2, 2)
        self.orders = {l.pohoda_number: l for l in self.links("received_orders").values()}
        self.contracts = {l.pohoda_id: l for l in self.links("contracts").values()}
        self.new = PohodaSandbox(seed=self.new_unit_seed(), xsd_dir=xsd_dir).start()

    def old_id(self, name):
        return next(s.id for s in self.old.store.all("address_book") if get_path(s.record, f"{ADR}.company") == name)

    def new_unit_seed(self):
        """Datová uzávěrka: the address book and the open order carried over under new ids."""
        def carry(name, new_id, *, ext=True):
            stored = self.old.store.get("address_book", self.old_id(name))
            entry = {"id": new_id, "record": copy.deepcopy(stored.record)}
            if ext and SYSTEM in stored.ext_ids:
                entry["ext_ids"] = {SYSTEM: stored.ext_ids[SYSTEM]}
            return entry

        new_client = address("Zeta s.r.o.", "45192014")
        # the contracts agenda is carried whole, under new ids (8, 9) (orders cannot be updated through XML, so
        # an order's pairing with the contract rpsync made for it lives in the sync state: R-R3)
        contracts = {old.id: 8 + n for n, old in enumerate(self.old.store.all("contracts"))}
        carried = {}
        for old in self.old.store.all("contracts"):
            record = copy.deepcopy(old.record)
            record["contractDesc"]["partnerIdentity"]["id"] = 3                 # Gama's id in the new unit
            carried[old.id] = {"id": contracts[old.id], "record": record}
        open_order = copy.deepcopy(self.old.store.get("received_orders", 1).record)
        open_order["orderHeader"]["partnerIdentity"]["id"] = 3
        return {
            "address_book": [carry("Alfa s.r.o.", 1), {"id": 2, **new_client}, carry("Gama a.s.", 3),
                             carry("Beta s.r.o.", 4, ext=False), carry("Delta s.r.o.", 5)],
            "contracts": list(carried.values()),
            # Epsilon was not carried over; order 25OP0002 was processed in 2025 and stays there
            "received_orders": [{"id": 7, "record": open_order}],
        }

    def gateway(self, unit, year):
        return PohodaGateway(unit.transport(), ico="12345678", year=year, renderer=renderer_for(self.mapping))

    def run(self, unit, year):
        api, gw = RaynetApi(self.raynet.client()), self.gateway(unit, year)
        try:
            return run_sync(self.mapping, state_path=self.state_path, raynet=api, pohoda=gw)
        finally:
            api.client.close()
            gw.close()

    def rebind(self, *, dry_run=False):
        api, gw = RaynetApi(self.raynet.client()), self.gateway(self.new, 2026)
        try:
            return rebind(self.mapping, state_path=self.state_path, raynet=api, pohoda=gw, dry_run=dry_run)
        finally:
            api.client.close()
            gw.close()

    def links(self, agenda="address_book"):
        state = open_state(self.state_path)
        try:
            return {l.raynet_id: l for l in state.iter_links(agenda)}
        finally:
            state.close()

    def meta(self, key):
        state = open_state(self.state_path)
        try:
            return state.get_meta(key)
        finally:
            state.close()

    def raynet_id(self, name):
        return next(r["id"] for r in self.raynet.store.records("company") if r["name"] == name)

    def profile(self, unit, year):
        return write_profile(self.tmp / f"profile-{year}.toml", raynet_url=self.raynet.url, pohoda_url=unit.url,
                             state="state.sqlite", packs="packs", year=year)

    def close(self):
        self.raynet.stop()
        self.old.close()
        self.new.close()


@pytest.fixture()
def closing(tmp_path, pohoda_xsd_dir):
    c = Closing(tmp_path, pohoda_xsd_dir)
    yield c
    c.close()


def test_a_run_against_the_new_unit_refuses_and_points_to_rebind_R_G2(closing):
    with pytest.raises(BindingError) as err:
        closing.run(closing.new, 2026)
    assert "year 2025" in err.value.message and "year 2026" in err.value.message
    assert "rpsync rebind" in err.value.hint
    assert closing.new.store.count("address_book") == 5  # nothing was written


def test_dry_run_shows_the_rebinding_and_changes_nothing_R_G2(closing, monkeypatch):
    before = closing.links()
    ext_before = [r.get("extIds") for r in closing.raynet.store.records("company")]
    report = closing.rebind(dry_run=True)
    assert {(r.agenda, r.how) for r in report.rebound} >= {("address_book", "extId"), ("address_book", "match: ico"),
                                                          ("received_orders", "number")}
    assert sorted(u.old_id for u in report.unresolved if u.agenda == "address_book") == [closing.old_id("Epsilon s.r.o.")]
    # extIds removed: Epsilon's client, and the order that stayed in 2025 (its POHODA id named the old unit)
    assert report.ext_ids_moved >= 1 and report.ext_ids_removed == 2 and report.exit_code == 3
    assert closing.links() == before and closing.meta("pohoda_year") == "2025"
    assert [r.get("extIds") for r in closing.raynet.store.records("company")] == ext_before


def test_rebind_re_resolves_every_link_and_creates_nothing_R_G2(closing, monkeypatch):
    raynet_before = closing.raynet.store.count("company")
    delta = closing.raynet_id("Delta s.r.o.")
    report = closing.rebind()
    assert report.exit_code == 3
    how = {(r.agenda, closing.new.store.get("address_book", r.new_id).record["addressbookHeader"]["identity"]
            ["address"]["company"] if r.agenda == "address_book" else r.new_id): r.how for r in report.rebound}
    assert how[("address_book", "Alfa s.r.o.")] == "extId"          # rpsync's extId, carried over
    assert how[("address_book", "Beta s.r.o.")] == "match: ico"     # extId not carried: by IČ
    assert how[("address_book", "Delta s.r.o.")] == "match: ico"
    assert how[("received_orders", 7)] == "number"
    links = closing.links()
    for name, new_id in (("Alfa s.r.o.", 1), ("Gama a.s.", 3), ("Beta s.r.o.", 4), ("Delta s.r.o.", 5)):
        assert links[closing.raynet_id(name)].pohoda_id == new_id, name
    # Epsilon is not in the new unit: reported, the link kept (detached), its old id in the history
    epsilon = links[closing.raynet_id("Epsilon s.r.o.")]
    assert epsilon.pohoda_id is None and epsilon.deleted_on == "pohoda"
    [missing] = [u for u in report.unresolved if u.agenda == "address_book"]
    assert "not in the new unit" in missing.reason and "27384527" in missing.reason
    # the open order moved (by its number), the processed one stayed in 2025 (detached); so did their contracts,
    # and the open order's pairing with its contract names the contract's new id
    first, second = closing.orders["25OP0001"], closing.orders["25OP0002"]
    orders = closing.links("received_orders")
    assert orders[first.raynet_id].pohoda_id == 7 and orders[second.raynet_id].pohoda_id is None
    assert orders[second.raynet_id].pohoda_number == "25OP0002" and orders[second.raynet_id].deleted_on == "pohoda"
    contracts = {l.raynet_id: l.pohoda_id for l in closing.links("contracts").values()}
    assert sorted(contracts.values()) == [8, 9] and {how[("contracts", 8)], how[("contracts", 9)]} == {"number"}
    assert orders[first.raynet_id].parent_key == f"contracts:{contracts[closing.contracts[1].raynet_id]}"
    # the binding moved; Raynet extIds name the new ids (removed for the detached link)
    assert (closing.meta("pohoda_ico"), closing.meta("pohoda_year"), closing.meta("rebind_pending")) == \
        ("12345678", "2026", None)
    assert closing.raynet.store.get("company", delta)["extIds"] == ["pohoda:address_book:5"]
    assert closing.raynet.store.get("company", closing.raynet_id("Epsilon s.r.o."))["extIds"] == []
    assert closing.raynet.store.get("salesOrder", first.raynet_id)["extIds"] == ["pohoda:received_orders:7"]
    assert closing.raynet.store.get("salesOrder", second.raynet_id)["extIds"] == []
    # nothing created or deleted anywhere
    assert closing.raynet.store.count("company") == raynet_before and closing.new.store.count("address_book") == 5

    # the next run against the new unit: only Zeta (new in 2026) is new; no duplicate of anyone
    after = closing.run(closing.new, 2026)
    t = after.report.totals()
    assert (t.created, t.updated, t.quarantined) == (1, 0, 0), after.report.to_dict()
    zeta = closing.raynet_id("Zeta s.r.o.")
    assert zeta not in (delta,) and closing.raynet.store.count("company") == raynet_before + 1
    assert closing.new.store.count("address_book") == 5
    # a change in the new unit reaches the right client
    record = closing.new.store.get("address_book", 5).record
    record["addressbookHeader"]["identity"]["address"]["street"] = "Nová 26"
    closing.new.store.put("address_book", 5, record)
    closing.run(closing.new, 2026)
    assert closing.raynet.store.render("company", delta)["primaryAddress"]["address"]["street"] == "Nová 26"
    # the old unit is refused now, and a second rebind finds nothing to change
    with pytest.raises(BindingError):
        closing.run(closing.old, 2025)
    again = closing.rebind()
    assert again.rebound == [] and again.unresolved == []


def test_closing_dates_follow_their_orders_and_what_waits_under_old_unit_ids_is_dropped_R_G2_R_Z3(
        closing):
    """R-Z3's state keyed by POHODA ids: the closing date written for the open order moves to its new id (7), the
    processed order's (it stayed in 2025) is dropped; invoices waiting for an order name the old unit, so they go,
    and the closing-date cursor restarts (the next run reads the new unit's invoices whole)."""
    first, second = closing.orders["25OP0001"], closing.orders["25OP0002"]
    assert first.pohoda_id != 7
    state = open_state(closing.state_path)
    try:
        state.set_shadow("received_orders", "closing_date", str(first.pohoda_id), {"date": "2025-04-15", "invoice": "1"})
        state.set_shadow("received_orders", "closing_date", str(second.pohoda_id), {"date": "2025-05-01", "invoice": "2"})
        state.set_shadow("received_orders", "closing_waiting", "31",
                         {"date": "2025-06-01", "number": "25FV0031", "orders": [[99, "25OP0099"]]})
        assert state.get_cursor("received_orders", "issued_invoices") is not None
    finally:
        state.close()
    state = open_state(closing.state_path)
    try:
        for agenda in ("payments", "related_prices", "contact_persons"):   # POHODA parents waiting: old ids
            waiting = Waiting(state, agenda, "pohoda")
            waiting.add(1, 2 if agenda == "contact_persons" else None)
            waiting.finish()
    finally:
        state.close()
    closing.rebind()
    state = open_state(closing.state_path)
    try:
        for agenda in ("payments", "related_prices", "contact_persons"):
            assert list(Waiting(state, agenda, "pohoda").entries()) == [], agenda
        assert dict(state.iter_shadows("received_orders", "closing_date")) == \
            {"7": {"date": "2025-04-15", "invoice": "1"}}
        assert list(state.iter_shadows("received_orders", "closing_waiting")) == []
        assert state.get_cursor("received_orders", "issued_invoices") is None
    finally:
        state.close()


def test_links_matching_several_records_stop_the_rebind_and_change_nothing_R_G2(closing, monkeypatch):
    # a duplicate of Gama in the new unit (same IČ, name and city): which one is ours cannot be known
    duplicate = copy.deepcopy(closing.new.store.get("address_book", 3).record)
    duplicate["addressbookHeader"]["id"] = 9
    closing.new.store.put("address_book", 9, duplicate)
    before = closing.links()
    with pytest.raises(RebindRefused) as err:
        closing.rebind()
    [ambiguous] = err.value.report.ambiguous
    assert ambiguous.raynet_id == closing.raynet_id("Gama a.s.") and "ids 3, 9" in ambiguous.reason
    assert closing.links() == before and closing.meta("pohoda_year") == "2025"


def test_the_cli_prints_what_moved_and_what_was_not_found_R_G2(closing, monkeypatch):
    for name, value in demo_environment().items():
        monkeypatch.setenv(name, value)
    profile = closing.profile(closing.new, 2026)
    result = CliRunner().invoke(app, ["rebind", "-m", str(STANDARD), "-p", str(profile), "--dry-run", "-q"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 3, result.output
    out = " ".join(result.stdout.split())
    assert "IČ 12345678, year 2025 → IČ 12345678, year 2026" in out
    assert "would re-bind address_book" in out and "not re-resolved address_book" in out
    result = CliRunner().invoke(app, ["run", "-m", str(STANDARD), "-p", str(profile), "-q"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "rpsync rebind" in result.stderr


def test_a_killed_rebind_is_finished_by_running_it_again_R_G2(closing, monkeypatch):
    import os
    import subprocess

    profile = closing.profile(closing.new, 2026)
    env = {**os.environ, **demo_environment(), "RPSYNC_CRASH_AT": "rebind:ext-id-removed"}
    args = [*CLI, "rebind", "-m", str(STANDARD), "-p", str(profile), "-q"]
    killed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert killed.returncode == -9, killed.stderr
    assert closing.meta("rebind_pending") == "IČ 12345678, year 2026"
    for name, value in demo_environment().items():
        monkeypatch.setenv(name, value)
    refused = CliRunner().invoke(app, ["run", "-m", str(STANDARD), "-p", str(profile), "-q"])
    assert refused.exit_code == 1 and "interrupted" in refused.stderr
    env.pop("RPSYNC_CRASH_AT")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "finished an interrupted rebind" in done.stdout
    assert closing.meta("rebind_pending") is None
    assert closing.raynet.store.get("company", closing.raynet_id("Delta s.r.o."))["extIds"] == ["pohoda:address_book:5"]
    assert closing.run(closing.new, 2026).report.totals().created == 1   # Zeta only


# ---------------------------------------------------------------- every agenda: the demo world after a closing

SHIFT = 100   # the new unit numbers every record anew: old id + 100


def _shifted(record):
    """A record of the old unit as the new unit holds it: its references to other records renumbered."""
    record = copy.deepcopy(record)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("partnerIdentity", "stockItem") and isinstance(value, dict) and value.get("id") is not None:
                    value["id"] += SHIFT
                if key == "refAddress" and value.get("refAD") is not None:
                    value["refAD"] += SHIFT
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(record)
    return record


def closing_of(store, *, carry_invoice: str) -> dict:
    """What a year-end closing carries from the demo world's unit into the next one, every id renumbered:
    the address book (with delivery addresses; rpsync's extIds of every other record), stock, sales prices,
    contracts, the open received orders, and one issued invoice with its liquidations (``carry_invoice``,
    so payments are re-keyed too); offers, settled orders and the other invoices stay in 2025."""
    seed = {}
    for agenda in ("address_book", "stock", "sales_prices", "contracts", "received_orders", "issued_invoices"):
        seed[agenda] = []
        for n, old in enumerate(store.all(agenda)):
            record = _shifted(old.record)
            header = record.get("orderHeader") or record.get("invoiceHeader") or {}
            if agenda == "received_orders" and (header.get("isExecuted") or header.get("storno")):
                continue
            if agenda == "issued_invoices" and header["number"]["numberRequested"] != carry_invoice:
                continue
            for ship in get_path(record, "addressbookHeader.identity.shipToAddress") or ():
                ship["id"] += SHIFT
            for liquidation in get_path(record, "liquidations.liquidation") or ():
                liquidation["id"] += SHIFT
            if agenda == "sales_prices":
                record["id"] += SHIFT
            entry = {"id": old.id + SHIFT, "record": record}
            if old.ext_ids and n % 2 == 0:
                entry["ext_ids"] = dict(old.ext_ids)
            seed[agenda].append(entry)
    return seed


@pytest.mark.parametrize("persons_as", ["contact_persons", "delivery_addresses"])
def test_the_demo_world_rebinds_every_agenda_and_the_next_run_writes_nothing_R_G2(world_factory, pohoda_xsd_dir,
                                                                                  tmp_path, persons_as):
    """``persons_as``: Raynet persons go to POHODA as contact persons (standard) or as delivery addresses of
    their client's record (R-P2), whose links are the contact-persons step's own (``contact_persons.ships``)."""
    from engine.demo import generate
    from tests.sync.helpers import mapping_overlay, raynet_records

    mapping = mapping_overlay(tmp_path, f"agendas:\n  contact_persons:\n    to_pohoda_as: {persons_as}\n")
    w = world_factory(raynet_seed=generate.load("raynet"), pohoda_seed=generate.load("pohoda"), mapping_path=mapping)
    ships_too = {"contact_persons.ships"} if persons_as == "delivery_addresses" else set()

    def gateway(unit, year):
        return PohodaGateway(unit.transport(), ico="12345678", year=year, renderer=renderer_for(w.mapping))

    def run(unit, year):
        api, gw = w.api(), gateway(unit, year)
        try:
            return run_sync(w.mapping, state_path=w.state_path, raynet=api, pohoda=gw)
        finally:
            api.client.close()
            gw.close()

    assert run(w.pohoda, 2025).exit_code == 3
    new = PohodaSandbox(seed=closing_of(w.pohoda.store, carry_invoice="25FV0001"), xsd_dir=pohoda_xsd_dir).start()
    try:
        api, gw = w.api(), gateway(new, 2026)
        try:
            report = rebind(w.mapping, state_path=w.state_path, raynet=api, pohoda=gw)
        finally:
            api.client.close()
            gw.close()
        state = open_state(w.state_path)
        links = {agenda: list(state.iter_links(agenda)) for agenda in report.checked}
        state.close()
        rebound = {r.agenda for r in report.rebound}
        assert rebound == {"address_book", "delivery_addresses", "contact_persons", "stock", "sales_prices",
                           "contracts", "received_orders", "issued_invoices", "payments"} | ships_too, report.to_dict()
        assert report.ambiguous == [] and report.exit_code == 3
        # what stayed in 2025 is reported and detached: offers, settled orders, the other invoices, their payments
        assert {u.agenda for u in report.unresolved} == {"offers", "received_orders", "issued_invoices", "payments"}, \
            [u for u in report.unresolved if u.agenda == "contact_persons"]
        assert all("not in the new unit" in u.reason for u in report.unresolved)
        assert {l.pohoda_number for l in links["received_orders"] if l.pohoda_id is None} >= {"25OP0002", "25OP0003"}
        # every link names a record of the new unit, and sub-records name their parent's new id
        book = {s.id: s.record for s in new.store.all("address_book")}

        def ships_of(adb):
            return get_path(new.store.get("address_book", adb).record, "addressbookHeader.identity.shipToAddress")
        for link in links["address_book"] + links["contact_persons"]:
            assert link.pohoda_id is None or link.pohoda_id in book, link
        assert len(links.get("contact_persons.ships", [])) == (4 if ships_too else 0)   # the 4 Raynet persons
        for link in links["delivery_addresses"] + links.get("contact_persons.ships", []):
            adb = int(link.parent_key.split("adb=")[1])
            assert adb > SHIFT and link.pohoda_id in {s["id"] for s in ships_of(adb)}
        for link in links["contact_persons"]:
            adb = int(link.parent_key.split("adb=")[1])
            assert get_path(book[link.pohoda_id], "addressbookHeader.refAddress.refAD") == adb > SHIFT
        contracts = {s.id for s in new.store.all("contracts")}
        for link in links["received_orders"]:
            if link.pohoda_id is not None:
                assert int(link.parent_key.split(":")[1]) in contracts, link
        [invoice] = [l for l in links["issued_invoices"] if l.pohoda_id is not None]
        paid = [l for l in links["payments"] if l.pohoda_id is not None]
        assert len(paid) == 2 and {l.parent_key for l in paid} == {f"issued_invoices:{invoice.pohoda_id}"}
        assert {r.how for r in report.rebound if r.agenda == "payments"} == {"match: payment"}

        # the next run against the new unit writes nothing: no duplicate, no lost link, no re-sent price
        after = run(new, 2026)
        t = after.report.totals()
        assert (t.created, t.updated) == (0, 0), after.report.to_dict()
        assert sorted((q.agenda, q.rule) for q in after.report.quarantine) == [   # bad on purpose, still there
            ("address_book", "R-A2"), ("address_book", "R-A2"), ("received_orders", "R-C1"),
            ("received_orders", "R-R1")]
        # changes reach the right records on both sides: a Raynet delivery address → its POHODA ship in the
        # new unit (written through the parent's new id); a contact person in the new unit → its Raynet person
        address = next(l for l in links["delivery_addresses"] if l.raynet_entity == "companyAddress"
                       and l.pohoda_ext_id)
        company = next(c for c in raynet_records(w, "company")
                       if any(a["id"] == address.raynet_id for a in c.get("addresses") or ()))
        w.api().companies.update_address(company["id"], address.raynet_id, {"address": {"street": "Nová 26"}})
        person = next(l for l in links["contact_persons"] if l.pohoda_id is not None)
        record = new.store.get("address_book", person.pohoda_id).record
        record["addressbookHeader"]["identity"]["address"]["phone"] = "+420 777 000 026"
        new.store.put("address_book", person.pohoda_id, record)
        changed = run(new, 2026)
        assert changed.report.counts["delivery_addresses"]["to_pohoda"].updated == 1, changed.report.to_dict()
        adb = int(address.parent_key.split("adb=")[1])
        assert [s["street"] for s in ships_of(adb) if s["id"] == address.pohoda_id] == ["Nová 26"]
        assert w.raynet.store.render("person", person.raynet_id)["contactInfo"]["tel1"] == "+420 777 000 026"
        assert run(new, 2026).report.totals().updated == 0
    finally:
        new.close()
