"""Delivery addresses ⇄ Raynet company addresses (or persons) end to end, against both simulators over
loopback HTTP (R-D1 … R-D4)."""

from __future__ import annotations

import pytest

from tests.sync.helpers import (
    adb_id, client_persons, company_id, mapping_overlay, pohoda_address, pohoda_ship_to, pohoda_update_ship_to, raynet_address, raynet_company,
    run_killed, ships,
)


def addresses(world, company_id: int) -> list[dict]:
    """The client's other (non-primary) addresses as Raynet shows them."""
    detail = world.raynet.store.render("company", company_id, detail=True)
    return [a for a in detail["addresses"] if not a["primary"]]


def spent_since(world, before: int) -> list[tuple[str, str]]:
    """Requests about clients and persons (other agendas' list reads are theirs to count)."""
    return sorted((r.method, r.path) for r in world.raynet.store.requests_for()[before:]
                  if r.path.startswith(("/api/v2/company/", "/api/v2/person/")))


def test_delivery_addresses_go_both_ways_and_a_second_run_writes_nothing_R_D1_R_D4(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Alfa s.r.o.", ico="10000001")
    raynet_address(w, cid, "Sklad Brno", street="Skladová 1", city="Brno", zip_code="60200", tel1="+420 500 000 001")
    adb = pohoda_address(w, "Beta a.s.", ico="10000002", city="Ostrava", zip_code="70030")
    pohoda_ship_to(w, adb, name="Provozovna Opava", street="Krátká 3", city="Opava", zip="74601")
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)

    # R-D4: the Raynet address went to POHODA as a delivery address of the client's record, with an extId
    [ship] = ships(w, adb_id(w, "Alfa s.r.o."))
    assert (ship["name"], ship["street"], ship["city"], ship["zip"], ship["phone"]) == \
        ("Sklad Brno", "Skladová 1", "Brno", "60200", "+420 500 000 001")
    assert ship["extId"].endswith(f":address:{addresses(w, cid)[0]['id']}")
    # R-D1: the POHODA delivery address became an address of the Raynet client
    [address] = addresses(w, company_id(w, "Beta a.s."))
    assert (address["address"]["name"], address["address"]["city"]) == ("Provozovna Opava", "Opava")
    assert first.report.counts["delivery_addresses"]["to_pohoda"].created == 1
    assert first.report.counts["delivery_addresses"]["to_raynet"].created == 1

    before = len(w.raynet.store.requests_for())
    second = w.run()
    t = second.report.totals()
    assert (t.created, t.updated, t.quarantined) == (0, 0, 0)
    # no echo, and one read per entity list: no client detail is read again (the sync re-read the clients it
    # wrote to at the end of the first run)
    assert spent_since(w, before) == [("GET", "/api/v2/company/"), ("GET", "/api/v2/person/")]
    assert len(ships(w, adb_id(w, "Alfa s.r.o."))) == 1 and len(addresses(w, company_id(w, "Beta a.s."))) == 1


def test_clients_the_sync_created_are_not_read_for_addresses_until_someone_changes_them_R_D1(world_factory):
    w = world_factory()
    for n in range(3):
        pohoda_address(w, f"Nový {n} s.r.o.", ico=f"2000000{n + 1}")
    pohoda_ship_to(w, adb_id(w, "Nový 0 s.r.o."), name="Sklad Opava", street="Krátká 3", city="Opava", zip="74601")
    before = len(w.raynet.store.requests_for())
    first = w.run()
    assert first.report.counts["delivery_addresses"]["to_raynet"].created == 1
    # a client rpsync just created holds only the primary address it was created with: no detail read of the
    # three new clients for their addresses; the one this step wrote an address to is read once, at the end
    # (to keep what it holds now as its memo)
    new = [company_id(w, f"Nový {n} s.r.o.") for n in range(3)]
    assert spent_since(w, before) == sorted([("GET", "/api/v2/company/"), ("GET", f"/api/v2/company/{new[0]}/"),
                                             ("PUT", f"/api/v2/company/{new[0]}/address/")]
                                            + [("PUT", "/api/v2/company/")] * 3 + [("GET", "/api/v2/person/")])

    before = len(w.raynet.store.requests_for())
    second = w.run()
    assert (second.report.totals().created, second.report.totals().updated) == (0, 0)
    assert spent_since(w, before) == [("GET", "/api/v2/company/"), ("GET", "/api/v2/person/")]  # lists only

    # someone adds an address to a client rpsync created: the list shows the client updated, so its detail is
    # read (once) and the address goes to POHODA (R-D4)
    raynet_address(w, new[2], "Pobočka Zlín", street="Dlouhá 9", city="Zlín", zip_code="76001")
    before = len(w.raynet.store.requests_for())
    third = w.run()
    assert third.report.counts["delivery_addresses"]["to_pohoda"].created == 1
    assert [s["name"] for s in ships(w, adb_id(w, "Nový 2 s.r.o."))] == ["Pobočka Zlín"]
    assert [r for r in spent_since(w, before) if r[1].startswith("/api/v2/company/") and r[1].count("/") > 4] == \
        [("GET", f"/api/v2/company/{new[2]}/")]


def test_changes_update_the_same_delivery_address_each_way_R_D4(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Gama s.r.o.", ico="10000003")
    aid = raynet_address(w, cid, "Sklad", street="Polní 1", city="Kolín", zip_code="28002")
    w.run()
    adb = adb_id(w, "Gama s.r.o.")
    [ship] = ships(w, adb)
    # Raynet → POHODA: the delivery address is updated by its id, not added again
    w.api().companies.update_address(cid, aid, {"address": {"street": "Polní 2"}})
    result = w.run()
    assert result.report.counts["delivery_addresses"]["to_pohoda"].updated == 1
    assert [(s["id"], s["street"]) for s in ships(w, adb)] == [(ship["id"], "Polní 2")]
    # POHODA → Raynet
    pohoda_update_ship_to(w, adb, ship["id"], city="Kutná Hora")
    w.run()
    [address] = addresses(w, cid)
    assert (address["id"], address["address"]["city"], address["address"]["street"]) == (aid, "Kutná Hora", "Polní 2")
    # neither change comes back
    again = w.run()
    assert again.report.totals().updated == 0 and again.report.totals().created == 0


def test_delivery_address_without_a_name_is_named_by_its_street_R_D2(world_factory):
    w = world_factory()
    adb = pohoda_address(w, "Delta a.s.", ico="10000004")
    pohoda_ship_to(w, adb, street="Nádražní 7", city="Jihlava", zip="58601")
    pohoda_ship_to(w, adb, city="Třebíč")  # neither name nor street: Raynet cannot take it
    result = w.run()
    [address] = addresses(w, company_id(w, "Delta a.s."))
    assert address["address"]["name"] == "Nádražní 7" and address["address"]["street"] == "Nádražní 7"
    [q] = result.report.quarantine
    assert q.rule == "R-D2" and "neither a name nor a street" in q.message and q.agenda == "delivery_addresses"
    assert result.exit_code == 3


def test_a_mapping_without_the_name_expression_still_names_by_street_R_D2(world_factory, tmp_path):
    w = world_factory(mapping_path=mapping_overlay(tmp_path, "agendas:\n  delivery_addresses:\n    fields:\n"
                                                             "      name: {pohoda: name, raynet: address.name}\n"))
    adb = pohoda_address(w, "Epsilon a.s.", ico="10000005")
    pohoda_ship_to(w, adb, street="Lesní 4", city="Tábor", zip="39002")
    w.run()
    assert [a["address"]["name"] for a in addresses(w, company_id(w, "Epsilon a.s."))] == ["Lesní 4"]


def test_first_run_pairs_existing_delivery_addresses_by_name_and_city(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Zeta s.r.o.", ico="10000006")
    raynet_address(w, cid, "Sklad Zlín", street="Dlouhá 1", city="Zlín", zip_code="76001")
    adb = pohoda_address(w, "Zeta s.r.o.", ico="10000006")
    pohoda_ship_to(w, adb, name="SKLAD ZLÍN", street="Dlouhá 1", city="Zlín", zip="76001")
    result = w.run()
    assert result.report.counts["delivery_addresses"]["to_pohoda"].linked == 1
    assert len(ships(w, adb)) == 1 and len(addresses(w, cid)) == 1
    # pohoda_wins on the first pairing: the name differs, POHODA's is taken
    assert addresses(w, cid)[0]["address"]["name"] == "SKLAD ZLÍN"


def test_addresses_of_a_client_that_is_not_synced_yet_wait_for_it(world_factory):
    """A client the address book refuses (R-A2) is not linked: its addresses wait, then go once it is fixed."""
    w = world_factory()
    cid = raynet_company(w, "Éta s.r.o.", ico="10000007", www="https://www.a-far-too-long-domain-name-example.cz")
    raynet_address(w, cid, "Sklad", street="Horní 1", city="Cheb", zip_code="35002")
    first = w.run()
    assert [q.agenda for q in first.report.quarantine] == ["address_book"]
    w.api().companies.update_address(cid, w.raynet.store.get("company", cid)["addresses"][0]["id"],
                                     {"contactInfo": {"www": "eta.cz"}})
    w.run()
    assert [s["street"] for s in ships(w, adb_id(w, "Éta s.r.o."))] == ["Horní 1"]


def test_contact_persons_mechanism_makes_persons_of_delivery_addresses_R_D1(world_factory, tmp_path):
    w = world_factory(mapping_path=mapping_overlay(tmp_path, "agendas:\n  delivery_addresses:\n"
                                                             "    mechanism: contact_persons\n"))
    adb = pohoda_address(w, "Théta a.s.", ico="10000008")
    pohoda_ship_to(w, adb, name="Sklad Louny", street="Polní 9", city="Louny", zip="44001", email="sklad@theta.cz")
    pohoda_ship_to(w, adb, street="Říční 2", city="Žatec")  # R-D2: named by its street
    first = w.run()
    assert first.report.status == "ok", first.report.quarantine
    persons = client_persons(w)
    assert set(persons) == {"Sklad Louny", "Říční 2"}
    assert persons["Sklad Louny"]["contactInfo"]["email"] == "sklad@theta.cz"
    assert persons["Sklad Louny"]["primaryRelationship"]["company"]["id"] == company_id(w, "Théta a.s.")
    # those persons belong to the delivery addresses: the contact-persons step does not echo them into POHODA
    assert w.pohoda.store.count("address_book") == 1
    assert w.run().report.totals().created == 0
    # a change of the delivery address reaches the person
    pohoda_update_ship_to(w, adb, ships(w, adb)[0]["id"], email="nakup@theta.cz")
    w.run()
    assert client_persons(w)["Sklad Louny"]["contactInfo"]["email"] == "nakup@theta.cz"


def test_dry_run_lists_the_delivery_addresses_and_writes_nothing_R_G3(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Ióta s.r.o.", ico="10000009")
    raynet_address(w, cid, "Pobočka", street="Nová 1", city="Písek", zip_code="39701")
    w.run()
    raynet_address(w, cid, "Pobočka 2", street="Nová 2", city="Písek", zip_code="39701")
    adb = adb_id(w, "Ióta s.r.o.")
    pohoda_ship_to(w, adb, name="Sklad", street="Stará 3", city="Strakonice", zip="38601")
    plan = w.run(dry_run=True)
    assert plan.exit_code == 2
    assert sorted((c.agenda, c.target, c.op) for c in plan.planned) == [
        ("delivery_addresses", "pohoda", "create"), ("delivery_addresses", "raynet", "create")]
    assert len(ships(w, adb)) == 2 and len(addresses(w, cid)) == 2  # nothing written
    w.run()
    assert len(ships(w, adb)) == 3 and len(addresses(w, cid)) == 3
    assert w.run(dry_run=True).exit_code == 0


def test_a_lost_answer_of_raynet_is_settled_by_reading_the_client_no_duplicate(world_factory):
    """Company addresses carry no extId: a create whose answer is lost is found on the client (RaynetUncertainWrite)."""
    w = world_factory()
    adb = pohoda_address(w, "Kappa a.s.", ico="10000010")
    w.run()
    pohoda_ship_to(w, adb, name="Sklad Kappa", street="Lipová 1", city="Beroun", zip="26601")
    w.raynet.faults.drop_next(1, method="PUT")  # Raynet saves the address, the answer never arrives
    result = w.run()
    assert result.report.quarantine == [], result.report.quarantine
    cid = company_id(w, "Kappa a.s.")
    assert [a["address"]["name"] for a in addresses(w, cid)] == ["Sklad Kappa"]
    assert w.run().report.totals().created == 0 and len(addresses(w, cid)) == 1


@pytest.mark.parametrize("point", ["delivery_addresses:raynet-create:sent", "delivery_addresses:pohoda:journaled",
                                   "delivery_addresses:pohoda:answered"])
def test_a_crash_around_a_write_is_reconciled_without_duplicates(world_factory, monkeypatch, point):
    w = world_factory()
    cid = raynet_company(w, "Lambda s.r.o.", ico="10000011")
    adb = pohoda_address(w, "Mí a.s.", ico="10000012")
    w.run()
    raynet_address(w, cid, "Sklad Lambda", street="Jarní 1", city="Most", zip_code="43401")
    pohoda_ship_to(w, adb, name="Sklad Mí", street="Letní 2", city="Kadaň", zip="43201")
    run_killed(w, monkeypatch, point)
    after = w.run()
    assert after.report.status == "ok", (after.report.message, after.report.quarantine)
    assert [s["name"] for s in ships(w, adb_id(w, "Lambda s.r.o."))] == ["Sklad Lambda"]
    assert [a["address"]["name"] for a in addresses(w, company_id(w, "Mí a.s."))] == ["Sklad Mí"]
    if point != "delivery_addresses:pohoda:journaled":
        assert any("interrupted" in n for n in after.report.notes), after.report.notes
    assert w.run().report.totals().created == 0


def test_the_default_address_of_a_client_is_the_delivery_address_of_a_new_document_R_D3(world_factory,
                                                                                     pohoda_xsd_dir):
    from engine.pohoda import render, xsd
    from engine.sync.steps.delivery_addresses import delivery_address_for
    from tests.sync.helpers import sync_context

    w = world_factory()
    cid = raynet_company(w, "Ný s.r.o.", ico="10000013", street="Hlavní 1", city="Praha", zip_code="11000")
    sklad = raynet_address(w, cid, "Sklad Ný", street="Skladová 9", city="Kladno", zip_code="27201",
                           email="sklad@ny.cz")
    w.api().companies.set_contact_address(cid, sklad)          # the client's default (contact) address
    plain = raynet_company(w, "Ksí s.r.o.", ico="10000014", street="Jiná 2", city="Plzeň", zip_code="30100")
    w.run()
    [ship] = ships(w, adb_id(w, "Ný s.r.o."))
    with sync_context(w) as ctx:
        before = len(w.raynet.store.requests_for())
        fields = delivery_address_for(ctx, cid)
        assert fields == {"id": ship["id"], "company": "Ný s.r.o.", "name": "Sklad Ný", "street": "Skladová 9",
                          "city": "Kladno", "zip": "27201", "email": "sklad@ny.cz"}
        assert delivery_address_for(ctx, cid) == fields  # the client's detail is read once a run
        assert len(w.raynet.store.requests_for()) == before + 1
        # without a contact address the primary address is the default; a list record costs no request
        listed = next(r for r in w.api().companies.list() if r["id"] == plain)
        before = len(w.raynet.store.requests_for())
        assert delivery_address_for(ctx, plain, company=listed) == {
            "company": "Ksí s.r.o.", "name": "Sídlo", "street": "Jiná 2", "city": "Plzeň", "zip": "30100"}
        assert len(w.raynet.store.requests_for()) == before
        # a document's own delivery address (a Raynet order's deliveryAddress) wins
        own = delivery_address_for(ctx, plain, company=listed,
                                   address={"name": "Stavba", "street": "Polní 1", "city": "Beroun",
                                            "zipCode": "26601"})
        assert own == {"company": "Ksí s.r.o.", "name": "Stavba", "street": "Polní 1", "city": "Beroun",
                       "zip": "26601"}
    # it is what POHODA takes as a document's delivery address (received order, order.xsd)
    order = {"orderHeader": {"date": __import__("datetime").date(2025, 3, 1), "text": "Objednávka",
                             "partnerIdentity": {"shipToAddress": [fields]}}}
    xml = render.render_document("received_orders", order, partner={"id": adb_id(w, "Ný s.r.o.")})
    pack = render.render_datapack([render.PackItem("o1", xml)], ico="12345678")
    assert xsd.Validator.for_dir(pohoda_xsd_dir).validate(pack) == []
