"""Contact persons ⇄ Raynet persons end to end, against both simulators over loopback HTTP (R-P1, R-P2)."""

from __future__ import annotations

import pytest

from engine.sync.paths import get_path
from tests.sync.helpers import (
    adb_id, client_persons, company_id, mapping_overlay, pohoda_address, pohoda_contact, pohoda_write, raynet_company, raynet_person,
    run_killed, ships,
)

ADR = "addressbookHeader.identity.address"


def contacts(world) -> dict[str, dict]:
    """POHODA contact persons by name."""
    return {get_path(s.record, f"{ADR}.name"): s.record for s in world.pohoda.store.all("address_book")
            if get_path(s.record, "addressbookHeader.refAddress")}


def test_pohoda_contact_persons_become_persons_of_the_client_R_P1(world_factory):
    w = world_factory()
    main = pohoda_address(w, "Alfa s.r.o.", ico="20000001")
    pohoda_contact(w, main, "Petr Novák", email="petr@alfa.cz", phone="+420 600 000 001", function="Nákupčí")
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    novak = client_persons(w)["Novák"]
    assert (novak["firstName"], novak["contactInfo"]["email"], novak["contactInfo"]["tel1"]) == \
        ("Petr", "petr@alfa.cz", "+420 600 000 001")
    assert novak["primaryRelationship"]["company"]["id"] == company_id(w, "Alfa s.r.o.")
    assert novak["primaryRelationship"]["type"] == "Nákupčí"  # the function is the position
    before = len(w.raynet.store.requests_for())
    second = w.run()
    t = second.report.totals()
    assert (t.created, t.updated, t.quarantined) == (0, 0, 0)
    spent = w.raynet.store.requests_for()[before:]
    assert all(r.method == "GET" for r in spent) and len({r.path for r in spent}) == len(spent)
    assert sorted(r.path for r in spent if r.path.startswith(("/api/v2/company/", "/api/v2/person/"))) == [
        "/api/v2/company/", "/api/v2/person/"]


def test_raynet_persons_become_contact_persons_and_changes_flow_both_ways_R_P2(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Beta a.s.", ico="20000002")
    pid = raynet_person(w, cid, "Malá", first_name="Jana", position="jednatelka",
                        contactInfo={"email": "jana@beta.cz"})
    w.run()
    jana = contacts(w)["Jana Malá"]
    header = jana["addressbookHeader"]
    assert header["refAddress"] == {"refAD": adb_id(w, "Beta a.s.")} and header["function"] == "jednatelka"
    assert get_path(jana, f"{ADR}.email") == "jana@beta.cz"
    # Raynet → POHODA
    w.api().persons.update(pid, {"contactInfo": {"email": "mala@beta.cz"}})
    w.run()
    assert get_path(contacts(w)["Jana Malá"], f"{ADR}.email") == "mala@beta.cz"
    # POHODA → Raynet, the function into the relationship's position
    pohoda_write(w, "contact_persons", {"addressbookHeader": {"identity": {"address": {"phone": "+420 700 000 002"}},
                                                             "function": "ředitelka"}},
                 action="update", filter={"id": header["id"]})
    w.run()
    mala = client_persons(w)["Malá"]
    assert mala["contactInfo"]["tel1"] == "+420 700 000 002" and mala["primaryRelationship"]["type"] == "ředitelka"
    again = w.run()
    assert (again.report.totals().updated, again.report.totals().created) == (0, 0)  # no echo


def test_persons_go_to_pohoda_as_delivery_addresses_when_the_mapping_says_so_R_P2(world_factory, tmp_path):
    w = world_factory(mapping_path=mapping_overlay(tmp_path, "agendas:\n  contact_persons:\n"
                                                     "    to_pohoda_as: delivery_addresses\n"))
    cid = raynet_company(w, "Gama s.r.o.", ico="20000003")
    pid = raynet_person(w, cid, "Černý", first_name="Karel",
                        privateAddress={"street": "Dubová 3", "city": "Kladno", "zipCode": "27201"})
    main = pohoda_address(w, "Delta a.s.", ico="20000004")
    pohoda_contact(w, main, "Eva Bílá", email="eva@delta.cz", function="účetní")
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    adb = adb_id(w, "Gama s.r.o.")
    [ship] = ships(w, adb)
    assert (ship["name"], ship["street"], ship["city"], ship["zip"]) == ("Karel Černý", "Dubová 3", "Kladno", "27201")
    assert ship["extId"].endswith(f":person:{pid}")
    assert set(contacts(w)) == {"Eva Bílá"}          # no POHODA contact person made from the Raynet person
    assert "Bílá" in client_persons(w)                 # R-P1 still brings POHODA contact persons to Raynet
    # the delivery address made from the person is not turned into a Raynet company address
    detail = w.raynet.store.render("company", cid, detail=True)
    assert [a["primary"] for a in detail["addresses"]] == [True]
    # a change of the person updates the same delivery address
    w.api().persons.update(pid, {"privateAddress": {"street": "Dubová 5", "city": "Kladno", "zipCode": "27201"}})
    w.run()
    assert [(s["id"], s["street"]) for s in ships(w, adb)] == [(ship["id"], "Dubová 5")]
    again = w.run()
    assert (again.report.totals().updated, again.report.totals().created) == (0, 0)


def test_a_person_whose_client_is_not_synced_yet_waits_for_it(world_factory):
    """The client is refused by the address book (R-A2): the person waits — no quarantine of its own, no
    request while it waits — and goes to POHODA in the run after the client is fixed."""
    w = world_factory()
    cid = raynet_company(w, "Éta s.r.o.", ico="20000005", www="https://www.a-far-too-long-domain-name-example.cz")
    raynet_person(w, cid, "Veselý", first_name="Ota")
    first = w.run()
    assert [q.agenda for q in first.report.quarantine] == ["address_book"]
    assert contacts(w) == {}
    before = len(w.raynet.store.requests_for())
    w.run()
    assert not any("/person/" in r.path and r.path != "/api/v2/person/" for r in w.raynet.store.requests_for()[before:])
    w.api().companies.update_address(cid, w.raynet.store.get("company", cid)["addresses"][0]["id"],
                                     {"contactInfo": {"www": "eta.cz"}})
    w.run()
    assert get_path(contacts(w)["Ota Veselý"], "addressbookHeader.refAddress.refAD") == adb_id(w, "Éta s.r.o.")


def test_first_run_pairs_existing_contact_persons_by_name_and_email(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Théta a.s.", ico="20000006")
    raynet_person(w, cid, "Dvořák", first_name="Jan", contactInfo={"email": "jan@theta.cz"})
    main = pohoda_address(w, "Théta a.s.", ico="20000006")
    pohoda_contact(w, main, "Jan Dvořák", email="JAN@theta.cz", phone="+420 600 000 006")
    result = w.run()
    assert result.report.counts["contact_persons"]["to_pohoda"].linked == 1
    assert list(client_persons(w)) == ["Dvořák"] and list(contacts(w)) == ["Jan Dvořák"]
    assert client_persons(w)["Dvořák"]["contactInfo"]["tel1"] == "+420 600 000 006"


def test_a_cleared_function_leaves_the_position_R_P1(world_factory):
    """Raynet requires a position on a relationship: an empty POHODA function does not clear it (and the
    other changes of the record still go)."""
    w = world_factory()
    main = pohoda_address(w, "Ióta s.r.o.", ico="20000007")
    contact = pohoda_contact(w, main, "Olga Nová", function="asistentka")
    w.run()
    pohoda_write(w, "contact_persons", {"addressbookHeader": {"function": "",
                                                             "identity": {"address": {"email": "olga@iota.cz"}}}},
                 action="update", filter={"id": contact})
    result = w.run()
    assert result.report.quarantine == []
    nova = client_persons(w)["Nová"]
    assert nova["primaryRelationship"]["type"] == "asistentka" and nova["contactInfo"]["email"] == "olga@iota.cz"
    again = w.run()
    assert (again.report.totals().updated, again.report.totals().created) == (0, 0)


def test_dry_run_lists_contact_persons_and_writes_nothing_R_G3(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Kappa s.r.o.", ico="20000008")
    main = pohoda_address(w, "Lambda a.s.", ico="20000009")
    w.run()
    raynet_person(w, cid, "Král", first_name="Adam")
    pohoda_contact(w, main, "Bára Malá")
    plan = w.run(dry_run=True)
    assert sorted((c.agenda, c.target, c.op) for c in plan.planned) == [
        ("contact_persons", "pohoda", "create"), ("contact_persons", "raynet", "create")]
    assert list(contacts(w)) == ["Bára Malá"] and list(client_persons(w)) == ["Král"]
    w.run()
    assert set(contacts(w)) == {"Bára Malá", "Adam Král"} and set(client_persons(w)) == {"Král", "Malá"}


@pytest.mark.parametrize("point,to_pohoda_as", [
    ("contact_persons:raynet-create:sent", "contact_persons"),
    ("contact_persons:pohoda:answered", "contact_persons"),
    ("contact_persons:pohoda:answered", "delivery_addresses"),
])
def test_a_crash_around_a_write_is_reconciled_without_duplicates(world_factory, monkeypatch, tmp_path, point,
                                                                 to_pohoda_as):
    w = world_factory(mapping_path=mapping_overlay(tmp_path, f"agendas:\n  contact_persons:\n    to_pohoda_as: {to_pohoda_as}\n"))
    cid = raynet_company(w, "Mí s.r.o.", ico="20000010")
    main = pohoda_address(w, "Ný a.s.", ico="20000011")
    w.run()
    raynet_person(w, cid, "Horák", first_name="Ivan", privateAddress={"street": "Krátká 1", "city": "Kolín"})
    pohoda_contact(w, main, "Lída Malá")
    run_killed(w, monkeypatch, point)
    after = w.run()
    assert after.report.status == "ok", (after.report.message, after.report.quarantine)
    assert any("interrupted" in n for n in after.report.notes), after.report.notes
    assert set(client_persons(w)) == {"Horák", "Malá"}
    if to_pohoda_as == "contact_persons":
        assert set(contacts(w)) == {"Ivan Horák", "Lída Malá"}
    else:
        assert [s["name"] for s in ships(w, adb_id(w, "Mí s.r.o."))] == ["Ivan Horák"]
    assert w.run().report.totals().created == 0


@pytest.mark.parametrize("killed_at", [None, "contact_persons:pohoda:sent"])
def test_a_person_and_a_client_with_the_same_raynet_id_both_reach_the_address_book_R_P2(world_factory, monkeypatch,
                                                                                        killed_at):
    """Contact persons are address-book records too: their POHODA extIds must not collide with the clients'
    (Raynet numbers persons and clients independently), also when a crash makes rpsync look one up again."""
    w = world_factory()
    cid = raynet_company(w, "Omikron s.r.o.", ico="20000012")
    person = raynet_person(w, cid, "Veselá", first_name="Iva")
    w.run()
    twin = cid
    while twin < person:                    # clients until one has the person's Raynet id
        twin = raynet_company(w, f"Klient {twin + 1}", ico=f"3{twin + 1:07d}")
    assert twin == person
    if killed_at:
        raynet_person(w, cid, "Nový", first_name="Jan")   # a write for the step to be killed in
        run_killed(w, monkeypatch, killed_at)
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    system = w.mapping.pohoda.ext_system
    client = w.pohoda.store.find_ext("address_book", system, str(twin))
    contact = w.pohoda.store.find_ext("address_book", system, f"person-{person}")
    assert client is not None and contact is not None and client != contact
    assert get_path(w.pohoda.store.get("address_book", client).record, f"{ADR}.company") == f"Klient {twin}"
    assert get_path(w.pohoda.store.get("address_book", contact).record, f"{ADR}.name") == "Iva Veselá"
    assert ("Jan Nový" in contacts(w)) == bool(killed_at) and len(contacts(w)) == 1 + bool(killed_at)
    assert w.run().report.totals().created == 0


def test_plan_explain_describes_the_sub_record_steps_without_connecting(tmp_path):
    from engine.cli.plan import explain
    from engine.mapping import load_mapping

    text = "\n".join(explain(load_mapping(mapping_overlay(tmp_path, "agendas:\n  contact_persons:\n"
                                                             "    to_pohoda_as: delivery_addresses\n"
                                                             "  delivery_addresses:\n    mechanism: contact_persons\n"))))
    assert "Raynet persons → delivery addresses of the client's POHODA record (R-P2, one way)" in text
    assert "POHODA delivery addresses → Raynet persons of the client (one way)" in text
    assert "named by its street (R-D2)" in text
