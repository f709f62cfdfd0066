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
from engine.state import Link, open_state
from engine.sync.binding import BindingError
from engine.sync.paths import get_path
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.rebind import RebindRefused, rebind
from engine.sync.runner import renderer_for, run_sync
from engine.sync.steps import STEPS
from engine.sync.steps.base import Step
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


def order(number):
    return {"record": {"orderHeader": {"orderType": "receivedOrder", "number": {"numberRequested": number},
                                       "date": "2025-10-01", "text": f"Objednávka {number}"},
                       "orderDetail": {"orderItem": [{"text": "Šroub", "quantity": 5, "homeCurrency": {"unitPrice": 2}}]}}}


RAYNET_SEED = {"records": {"company": [company("Alfa s.r.o.", "27082440"), company("Beta s.r.o.", "25596641"),
                                       company("Gama a.s.", "46505334")]}}
OLD_SEED = {"address_book": [address("Gama a.s.", "46505334"), address("Delta s.r.o.", "28992610"),
                             address("Epsilon s.r.o.", "27384527")],
            "received_orders": [order("25OP0001"), order("25OP0002")]}


class OrdersByNumber(Step):
    """A bare received-orders step: enough for rebind to find orders by number (its real step is elsewhere)."""

    agenda = "received_orders"
    raynet_entity = "salesOrder"
    pohoda_agenda = "received_orders"
    pohoda_updatable = False


class Closing:
    """Raynet, the old POHODA unit (2025) synced with it, and the new unit (2026) after the closing."""

    def __init__(self, tmp_path, xsd_dir):
        self.tmp = tmp_path
        self.mapping = load_mapping(STANDARD)
        self.raynet = RaynetSandbox(seed=RAYNET_SEED).start()
        self.old = PohodaSandbox(seed=OLD_SEED, xsd_dir=xsd_dir).start()
        self.state_path = tmp_path / "state.sqlite"
        first = self.run(self.old, 2025)
        assert first.report.totals().created == 4, first.report.to_dict()
        # two orders linked earlier (their own step is not on this branch): Raynet orders 1 and 2
        state = open_state(self.state_path)
        for n in (1, 2):
            state.save_link(Link(agenda="received_orders", raynet_id=n, pohoda_id=n, pohoda_number=f"25OP000{n}",
                                 raynet_entity="salesOrder"))
        state.close()
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
        return {
            "address_book": [carry("Alfa s.r.o.", 1), {"id": 2, **new_client}, carry("Gama a.s.", 3),
                             carry("Beta s.r.o.", 4, ext=False), carry("Delta s.r.o.", 5)],
            # Epsilon was not carried over; order 25OP0002 was processed in 2025 and stays there
            "received_orders": [{"id": 7, "record": copy.deepcopy(self.old.store.get("received_orders", 1).record)}],
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

    def rebind(self, *, dry_run=False, monkeypatch=None):
        api, gw = RaynetApi(self.raynet.client()), self.gateway(self.new, 2026)
        try:
            with monkeypatch.context() as m:
                m.setitem(STEPS, "received_orders", OrdersByNumber)
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
    report = closing.rebind(dry_run=True, monkeypatch=monkeypatch)
    assert {(r.agenda, r.how) for r in report.rebound} >= {("address_book", "extId"), ("address_book", "match: ico"),
                                                          ("received_orders", "number")}
    assert sorted(u.old_id for u in report.unresolved if u.agenda == "address_book") == [closing.old_id("Epsilon s.r.o.")]
    assert report.ext_ids_moved >= 1 and report.ext_ids_removed == 1 and report.exit_code == 3
    assert closing.links() == before and closing.meta("pohoda_year") == "2025"
    assert [r.get("extIds") for r in closing.raynet.store.records("company")] == ext_before


def test_rebind_re_resolves_every_link_and_creates_nothing_R_G2(closing, monkeypatch):
    raynet_before = closing.raynet.store.count("company")
    delta = closing.raynet_id("Delta s.r.o.")
    report = closing.rebind(monkeypatch=monkeypatch)
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
    orders = closing.links("received_orders")
    assert orders[1].pohoda_id == 7 and orders[2].pohoda_id is None and orders[2].pohoda_number == "25OP0002"
    # the binding moved; Raynet extIds name the new ids (removed for the detached link)
    assert (closing.meta("pohoda_ico"), closing.meta("pohoda_year"), closing.meta("rebind_pending")) == \
        ("12345678", "2026", None)
    assert closing.raynet.store.get("company", delta)["extIds"] == ["pohoda:address_book:5"]
    assert closing.raynet.store.get("company", closing.raynet_id("Epsilon s.r.o."))["extIds"] == []
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
    again = closing.rebind(monkeypatch=monkeypatch)
    assert again.rebound == [] and again.unresolved == []


def test_links_matching_several_records_stop_the_rebind_and_change_nothing_R_G2(closing, monkeypatch):
    # a duplicate of Gama in the new unit (same IČ, name and city): which one is ours cannot be known
    duplicate = copy.deepcopy(closing.new.store.get("address_book", 3).record)
    duplicate["addressbookHeader"]["id"] = 9
    closing.new.store.put("address_book", 9, duplicate)
    before = closing.links()
    with pytest.raises(RebindRefused) as err:
        closing.rebind(monkeypatch=monkeypatch)
    [ambiguous] = err.value.report.ambiguous
    assert ambiguous.raynet_id == closing.raynet_id("Gama a.s.") and "ids 3, 9" in ambiguous.reason
    assert closing.links() == before and closing.meta("pohoda_year") == "2025"


def test_the_cli_prints_what_moved_and_what_was_not_found_R_G2(closing, monkeypatch):
    for name, value in demo_environment().items():
        monkeypatch.setenv(name, value)
    state = open_state(closing.state_path)
    for link in state.iter_links("received_orders"):  # the CLI process knows the real steps only
        state.delete_link(link.id)
    state.close()
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

    state = open_state(closing.state_path)
    for link in state.iter_links("received_orders"):
        state.delete_link(link.id)
    state.close()
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
