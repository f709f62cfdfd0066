"""Overlays (`extends:`): maps merge, lists replace, null removes a key, and every value keeps the file,
line and column where it was written."""

from __future__ import annotations

from pathlib import Path

from engine.mapping import load_mapping, validate
from engine.mapping.loader import node_at
from engine.mapping.overlays import resolve
from engine.resources import mappings_dir
from tests.mapping.conftest import rendered

BASE = """version: 1
agendas:
  address_book:
    enabled: true
    natural_person: company_without_ico
    match: [ico, name_city]
    fields:
      name: {pohoda: addressbookHeader.identity.address.company, raynet: name}
      ico: {pohoda: addressbookHeader.identity.address.ico, raynet: regNumber}
  stock:
    enabled: true
    kinds: [card, text]
"""


def test_maps_merge_lists_replace_and_null_removes(write):
    write("base.yaml", BASE)
    overlay = write("acme.yaml", """version: 1
extends: base.yaml
agendas:
  address_book:
    match: [ico]
    fields:
      ico: null
      www: {pohoda: addressbookHeader.web, raynet: primaryAddress.contactInfo.www}
  stock:
    kinds: [service]
""")
    merged = resolve(overlay).merged.to_plain()
    book = merged["agendas"]["address_book"]
    assert book["natural_person"] == "company_without_ico"          # kept from the base
    assert book["match"] == ["ico"]                                  # list replaced, not appended
    assert list(book["fields"]) == ["name", "www"]                   # map merged; ico removed by null
    assert merged["agendas"]["stock"] == {"enabled": True, "kinds": ["service"]}
    assert "extends" not in merged


def test_merged_values_point_into_the_file_that_wrote_them(write):
    base = write("base.yaml", BASE)
    overlay = write("acme.yaml", "version: 1\nextends: base.yaml\nagendas:\n  stock:\n    kinds: [service]\n")
    root = resolve(overlay).merged
    kinds = node_at(root, ("agendas", "stock", "kinds"))
    assert (Path(kinds.pos.file), kinds.pos.line) == (overlay, 6)
    person = node_at(root, ("agendas", "address_book", "natural_person"))
    assert (Path(person.pos.file), person.pos.line) == (base, 6)


def test_an_error_in_a_base_value_is_reported_in_the_base_file(write):
    write("base.yaml", BASE.replace("kinds: [card, text]", "kinds: [card, txt]"))
    overlay = write("acme.yaml", "version: 1\nextends: base.yaml\n")
    assert rendered(overlay) == [
        "base.yaml:13:19 error[invalid-value] kinds[1] must be one of card, text, service, package, set, product; "
        "got 'txt' — did you mean 'text'?"]


def test_an_error_in_an_overlay_value_is_reported_in_the_overlay(write):
    write("base.yaml", BASE)
    overlay = write("acme.yaml", "version: 1\nextends: base.yaml\nagendas:\n  stock:\n    enabled: nope\n")
    assert rendered(overlay) == ["6:14 error[wrong-type] enabled must be true or false; got the text 'nope'"]


def test_removing_a_required_key_points_at_the_null(write):
    write("base.yaml", BASE)
    overlay = write("acme.yaml", "version: 1\nextends: base.yaml\nagendas:\n  address_book:\n"
                                 "    natural_person: null\n")
    (line,) = rendered(overlay)
    assert line.startswith("6:21 error[missing-key] 'natural_person: null' removes a key agendas.address_book needs")


def test_chains_of_overlays_merge_in_order(write):
    write("base.yaml", BASE)
    write("group/region.yaml", "version: 1\nextends: ../base.yaml\nagendas:\n  stock:\n    kinds: [set]\n")
    shop = write("group/shop.yaml", "version: 1\nextends: region.yaml\nagendas:\n  stock:\n    enabled: false\n")
    resolved = resolve(shop)
    assert [f.path.name for f in resolved.files] == ["shop.yaml", "region.yaml", "base.yaml"]
    assert resolved.merged.to_plain()["agendas"]["stock"] == {"enabled": False, "kinds": ["set"]}


def test_cycles_are_detected(write):
    write("a.yaml", "version: 1\nextends: b.yaml\n")
    b = write("b.yaml", "version: 1\nextends: a.yaml\n")
    _, diagnostics = validate(b)
    (d,) = diagnostics
    assert d.code == "extends-cycle"
    assert (Path(d.position.file).name, d.position.line) == ("a.yaml", 3)
    assert "b.yaml" in d.message and "a.yaml" in d.message


def test_missing_relative_file(write):
    overlay = write("acme.yaml", "version: 1\nextends: ../nowhere/base.yaml\n")
    (d,) = validate(overlay)[1]
    assert d.code == "extends-not-found" and "does not exist" in d.message


def test_versions_must_agree(write):
    write("base.yaml", BASE)
    overlay = write("acme.yaml", "version: 2\nextends: base.yaml\n")
    codes = {d.code for d in validate(overlay)[1]}
    assert "extends-version" in codes


def test_extends_standard_finds_the_shipped_mapping(write):
    overlay = write("acme.yaml", "version: 1\nextends: standard\nagendas:\n  offers:\n    enabled: false\n")
    mapping = load_mapping(overlay)
    assert mapping.sources == (overlay, mappings_dir() / "standard.yaml")
    assert not mapping.agendas.offers.enabled
    assert mapping.agendas.contracts.enabled


def test_documented_merge_rules_are_in_the_format_docs():
    text = (Path(__file__).parents[2] / "docs" / "mapping-format.md").read_text(encoding="utf-8")
    for rule in ("maps merge", "lists replace", "`null` removes"):
        assert rule in text
