"""Any standard or custom Raynet field bound to any POHODA field, either direction (R-G6), end to end
against both simulators over loopback HTTP; custom fields are written by their Raynet label."""

from __future__ import annotations

from engine.sync.paths import get_path
from tests.sync.helpers import (
    mapping_overlay, pohoda_address, pohoda_records, pohoda_write, raynet_company, raynet_records,
)

DIVISION = "addressbookHeader.identity.address.division"
#: a Raynet custom field on companies, as `/customField/config/` lists it (label → generated key)
CUSTOMER_CODE = {"Company": [{"label": "Kód odběratele", "dataType": "STRING", "name": "Kod_odbera_5f1e2"}]}
OVERLAY = """\
agendas:
  address_book:
    fields:
      customer_code:                 # R-G6: a Raynet custom field (by its label) ⇄ a POHODA field
        pohoda: addressbookHeader.identity.address.division
        raynet: customFields["Kód odběratele"]
      rating:                        # R-G6: a standard Raynet field, Raynet → POHODA only
        pohoda: addressbookHeader.ost1
        raynet: rating
        direction: to_pohoda
"""


def test_custom_and_standard_fields_bound_to_pohoda_fields_both_ways_R_G6(world_factory, tmp_path):
    w = world_factory(mapping_path=mapping_overlay(tmp_path, OVERLAY), raynet_seed={"customFields": CUSTOMER_CODE})
    raynet_company(w, "Odběratel s.r.o.", ico="27082440", customFields={"Kod_odbera_5f1e2": "ODB-042"})
    pohoda_address(w, "Dodavatel a.s.", ico="12345679", city="Ostrava", zip_code="70030")
    first = w.run(only=("address_book",))
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)

    adb = {get_path(r, "addressbookHeader.identity.address.company"): r for r in pohoda_records(w, "address_book")}
    # Raynet → POHODA: the custom field (written by label) and a standard field land in the bound POHODA fields
    assert get_path(adb["Odběratel s.r.o."], DIVISION) == "ODB-042"
    assert get_path(adb["Odběratel s.r.o."], "addressbookHeader.ost1") == "A"

    # POHODA → Raynet: a value entered in POHODA reaches the custom field under Raynet's generated key
    pid = get_path(adb["Dodavatel a.s."], "addressbookHeader.id")
    rating_before = {c["name"]: c for c in raynet_records(w, "company")}["Dodavatel a.s."]["rating"]
    pohoda_write(w, "address_book", {"addressbookHeader": {"identity": {"address": {"division": "DOD-7"}},
                                                           "ost1": "C"}},
                 action="update", filter={"id": pid})
    w.run(only=("address_book",))
    companies = {c["name"]: c for c in raynet_records(w, "company")}
    assert companies["Dodavatel a.s."]["customFields"]["Kod_odbera_5f1e2"] == "DOD-7"
    # the one-way binding never writes back: a POHODA edit of ost1 is not a Raynet change
    assert companies["Dodavatel a.s."]["rating"] == rating_before != "C"
    assert w.run(only=("address_book",)).report.totals().updated == 0


def test_unknown_custom_field_label_names_the_labels_that_exist_R_G6(world_factory, tmp_path):
    w = world_factory(mapping_path=mapping_overlay(tmp_path, OVERLAY.replace("Kód odběratele", "Kod odberatele")),
                      raynet_seed={"customFields": CUSTOMER_CODE})
    raynet_company(w, "Odběratel s.r.o.", ico="27082440")
    result = w.run(only=("address_book",))
    assert result.exit_code == 1
    assert "Kod odberatele" in result.report.message and "Kód odběratele" in result.report.message
    assert pohoda_records(w, "address_book") == []
