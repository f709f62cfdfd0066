"""Address book ⇄ clients end to end, against both simulators over loopback HTTP (R-A1 … R-A3, R-G3, R-G4)."""

from __future__ import annotations

from engine.sync.paths import get_path
from tests.sync.helpers import pohoda_address, pohoda_records, raynet_company, raynet_records

ADR = "addressbookHeader.identity.address"


def by_company(world):
    return {get_path(r, f"{ADR}.company") or get_path(r, f"{ADR}.name"): r for r in pohoda_records(world, "address_book")}


def by_name(world):
    return {r["name"]: r for r in raynet_records(world, "company")}


def test_new_records_flow_both_ways_and_a_second_run_writes_nothing_R_A1(world_factory):
    w = world_factory()
    raynet_company(w, "ACME s.r.o.", ico="27082440", www="acme.cz")
    pohoda_address(w, "Beta a.s.", ico="12345679", city="Ostrava", zip_code="70030")
    first = w.run()
    assert first.report.status == "ok", first.report.message
    acme = by_company(w)["ACME s.r.o."]
    assert get_path(acme, f"{ADR}.ico") == "27082440" and get_path(acme, "addressbookHeader.web") == "acme.cz"
    beta = by_name(w)["Beta a.s."]
    assert beta["regNumber"] == "12345679" and beta["person"] is False  # R-A1: IČ + company = legal entity
    assert beta["primaryAddress"]["address"]["city"] == "Ostrava"

    before = len(w.raynet.store.requests_for())
    second = w.run()
    t = second.report.totals()
    assert (t.created, t.updated, t.quarantined) == (0, 0, 0)
    # a run with no changes: one list read per entity list — clients, and persons for the contact persons
    # (no writes, no extra lookups, no client details for the delivery addresses)
    spent = [r for r in w.raynet.store.requests_for()[before:]]
    assert sorted((r.method, r.path) for r in spent) == [("GET", "/api/v2/company/"), ("GET", "/api/v2/person/")]
    assert len(pohoda_records(w, "address_book")) == 2 and len(raynet_records(w, "company")) == 2


def test_changes_flow_each_way_without_echo(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Gama s.r.o.", ico="11111111")
    w.run()
    api = w.api()
    api.companies.update(cid, {"notice": "VIP zákazník"})
    w.run()
    gama = by_company(w)["Gama s.r.o."]
    assert get_path(gama, "addressbookHeader.note") == "VIP zákazník"
    # the POHODA change made by the sync does not come back as a Raynet write
    third = w.run()
    assert third.report.totals().updated == 0
    # a street changed in POHODA reaches the client's primary address
    pid = get_path(gama, "addressbookHeader.id")
    from engine.pohoda import render
    from tests.sync.helpers import pohoda_write

    pohoda_write(w, "address_book", {f"addressbookHeader": {"identity": {"address": {"street": "Nová 9"}}}},
                 action="update", filter={"id": pid})
    w.run()
    assert by_name(w)["Gama s.r.o."]["primaryAddress"]["address"]["street"] == "Nová 9"
    assert w.run().report.totals().updated == 0


def test_first_run_pairs_existing_records_by_ico_instead_of_duplicating(world_factory):
    w = world_factory()
    raynet_company(w, "Delta a.s.", ico="22222222", city="Plzeň")
    pohoda_address(w, "DELTA a.s.", ico="22222222", city="Plzeň")
    result = w.run()
    assert result.report.counts["address_book"]["to_pohoda"].linked == 1
    assert len(raynet_records(w, "company")) == 1 and len(pohoda_records(w, "address_book")) == 1
    # pohoda_wins on first pairing: the differing name is taken from POHODA, the report lists the lost value
    assert by_name(w).keys() == {"DELTA a.s."}
    assert any(c.binding == "name" and c.lost_value == "Delta a.s." for c in result.report.conflicts)


def test_ambiguous_match_is_quarantined_for_a_person(world_factory):
    w = world_factory()
    raynet_company(w, "Epsilon", ico="33333333")
    pohoda_address(w, "Epsilon Praha", ico="33333333")
    pohoda_address(w, "Epsilon Brno", ico="33333333")
    result = w.run()
    [q] = [q for q in result.report.quarantine if q.rule == "pairing"]
    assert "2 POHODA records match by ico = '33333333'" in q.message
    assert result.exit_code == 3


def test_www_over_the_limit_is_rejected_and_the_rest_goes_on_R_A2(world_factory):
    w = world_factory()
    raynet_company(w, "Zeta", ico="44444444", www="https://www.example-of-a-far-too-long-domain.cz")
    raynet_company(w, "Eta", ico="55555555", www="eta.cz")
    result = w.run()
    [q] = result.report.quarantine
    assert q.rule == "R-A2" and q.field == "primaryAddress.contactInfo.www" and "limit is 32" in q.message
    assert "Eta" in by_company(w) and "Zeta" not in by_company(w)
    # fixed in Raynet: it goes through on the next run and leaves quarantine
    w.api().companies.update_address(
        w.raynet.store.records("company")[0]["id"],
        w.raynet.store.records("company")[0]["addresses"][0]["id"], {"contactInfo": {"www": "zeta.cz"}})
    again = w.run()
    assert "Zeta" in by_company(w) and again.report.quarantine == [] and again.exit_code == 0


def test_missing_street_is_rejected_with_the_field_named_R_A2(world_factory):
    w = world_factory()
    raynet_company(w, "Théta", ico="66666666", street="")
    result = w.run()
    [q] = result.report.quarantine
    assert q.field == "primaryAddress.address.street" and "street" in q.message and q.rule == "R-A2"


def test_company_without_ico_is_a_natural_person_R_A1(world_factory):
    w = world_factory()
    pohoda_address(w, "Jan Novák", ico=None)
    w.run()
    novak = by_name(w)["Jan Novák"]
    assert novak["person"] is True and novak["lastName"] == "Novák" and novak["firstName"] == "Jan"


def test_name_mechanism_makes_a_natural_person_from_the_name_R_A1(world_factory, tmp_path):
    overlay = tmp_path / "persons.yaml"
    overlay.write_text(f"version: 1\nextends: {(__import__('engine.resources').resources.mappings_dir() / 'standard.yaml')}\n"
                       "agendas:\n  address_book:\n    natural_person: name_without_ico\n", encoding="utf-8")
    w = world_factory(mapping_path=overlay)
    pohoda_address(w, "Truhlářství", name="Petr Svoboda")
    w.run()
    record = by_name(w)["Truhlářství"]
    assert record["person"] is True and record["lastName"] == "Svoboda"


def test_responsible_person_is_linked_to_the_owner_with_the_same_name_R_A3(world_factory):
    w = world_factory()
    pohoda_address(w, "Iota s.r.o.", ico="77777777", responsiblePerson={"name": "Sandbox", "surname": "Správce"})
    pohoda_address(w, "Kappa s.r.o.", ico="88888888", responsiblePerson={"name": "Nikdo", "surname": "Neznámý"})
    w.run()
    owners = {r["name"]: r["owner"] for r in raynet_records(w, "company")}
    assert owners["Iota s.r.o."]["fullName"] == "Sandbox Správce"
    api_user = w.raynet.store.records("userAccount")[0]["person"]
    assert owners["Iota s.r.o."]["id"] == (api_user if isinstance(api_user, int) else api_user["id"])


def test_dry_run_writes_nothing_and_shows_every_write_R_G3(world_factory):
    w = world_factory()
    raynet_company(w, "Lambda", ico="99999999")
    pohoda_address(w, "Mí s.r.o.", ico="10101010")
    result = w.run(dry_run=True)
    assert result.exit_code == 2
    assert sorted((c.target, c.op) for c in result.planned) == [("pohoda", "create"), ("raynet", "create")]
    assert len(raynet_records(w, "company")) == 1 and len(pohoda_records(w, "address_book")) == 1
    assert not w.state_path.exists() or w.run(dry_run=True).exit_code == 2
    # the real run then does exactly that
    real = w.run()
    assert (real.report.totals().created) == 2
    assert w.run(dry_run=True).exit_code == 0


def test_deleted_client_is_reported_never_deleted_in_pohoda_R_G3(world_factory):
    w = world_factory()
    cid = raynet_company(w, "Ný", ico="12121212")
    w.run()
    w.api().companies.delete(cid)
    pid = get_path(by_company(w)["Ný"], "addressbookHeader.id")
    from tests.sync.helpers import pohoda_write

    pohoda_write(w, "address_book", {"addressbookHeader": {"identity": {"address": {"city": "Jihlava"}}}},
                 action="update", filter={"id": pid})
    result = w.run()
    assert result.report.counts["address_book"]["to_raynet"].deleted_seen == 1
    assert any("deleted" in n for n in result.report.notes)
    assert "Ný" in by_company(w)  # nothing deleted in POHODA
