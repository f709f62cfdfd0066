"""The committed Raynet field catalogs are exactly what the generator makes from the spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.catalogs import generate_raynet as gen

CATALOG_DIR = Path(gen.__file__).resolve().parent / "raynet"
TYPES = {"string", "integer", "decimal", "boolean", "date", "datetime", "object", "list", "any"}


@pytest.fixture(scope="module")
def fresh(spec):
    return gen.generate(spec)


def _load(name: str) -> dict:
    return json.loads((CATALOG_DIR / f"{name}.json").read_text(encoding="utf-8"))


def test_committed_catalogs_equal_a_fresh_generation(fresh):
    committed = {p.name: p.read_text(encoding="utf-8") for p in CATALOG_DIR.glob("*.json")}
    assert sorted(committed) == sorted(fresh)
    for name, text in fresh.items():
        assert committed[name] == text, f"{name} is stale: run python -m engine.catalogs.generate_raynet"


def test_every_entity_the_engine_uses_has_a_catalog():
    wanted = {
        "company", "companyAddress", "person", "businessCase", "offer", "salesOrder", "invoice",
        "product", "priceList", "currency", "userAccount", "businessCasePhase", "customFieldConfig",
    }
    assert wanted <= {p.stem for p in CATALOG_DIR.glob("*.json")}


def test_catalog_format_matches_the_architecture_contract():
    for path in CATALOG_DIR.glob("*.json"):
        catalog = json.loads(path.read_text(encoding="utf-8"))
        assert catalog["side"] == "raynet" and catalog["name"] == path.stem
        assert catalog["fields"], path.name
        for field, info in catalog["fields"].items():
            assert info["type"] in TYPES, (path.name, field)
            assert set(info["access"]) <= {"read", "create", "update"} and info["access"], (path.name, field)
            if field.endswith("[]"):
                assert info["type"] == "list", (path.name, field)


def test_company_required_fields_come_from_the_insert_schema_R_A2():
    fields = _load("company")["fields"]
    assert {f for f, i in fields.items() if i.get("required") and "." not in f} == {"name", "rating", "state", "role"}
    assert fields["state"]["enum"] == ["A_POTENTIAL", "B_ACTUAL", "C_DEFERRED", "D_UNATTRACTIVE"]
    assert fields["addresses[].address.name"]["required"] is True
    assert fields["regNumber"]["type"] == "string"
    assert fields["birthday"]["type"] == "date"


def test_references_are_read_as_objects_and_written_as_ids():
    fields = _load("businessCase")["fields"]
    assert fields["owner"] == {**fields["owner"], "type": "object", "write_type": "integer"}
    assert fields["owner.fullName"]["access"] == ["read"]
    # documented as null in the example, still a reference
    assert fields["project"]["type"] == "object" and fields["project"]["write_type"] == "integer"


def test_custom_fields_are_an_open_object_without_instance_keys():
    for name in ("company", "person", "businessCase", "offer", "salesOrder", "product"):
        fields = _load(name)["fields"]
        assert fields["customFields"]["type"] == "object" and fields["customFields"]["open"] is True
        assert not [f for f in fields if f.startswith("customFields.")], name


def test_money_is_decimal_and_ids_are_integers():
    invoice = _load("invoice")["fields"]
    assert invoice["totalAmount"]["type"] == "decimal"
    assert invoice["items[].unitPrice"]["type"] == "decimal"
    assert invoice["payments[].amount"]["required"] is True
    assert invoice["_version"]["type"] == "integer"
    assert "CREDIT_NOTE" in invoice["invoiceType"]["enum"]  # documented on the list filter


def test_list_filters_and_sort_columns_follow_the_list_endpoint(spec):
    company = _load("company")
    assert company["list"]["filters"]["regNumber"]["operators"] == ["EQ", "NE"]
    assert "rowInfo.lastModifiedAt" in company["list"]["filters"]
    assert company["list"]["sort"] == spec["paths"]["/company/"]["get"]["parameters"][2]["schema"]["enum"]
    product = _load("product")
    assert "code" not in product["list"]["filters"]  # not a documented product filter
    assert _load("person")["list"]["filters"]["personRelationship"]["operators"] == ["CUSTOM"]


def test_generator_cli_writes_the_catalogs(tmp_path, spec_path):
    assert gen.main(["--spec", str(spec_path), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "company.json").read_text(encoding="utf-8") == (CATALOG_DIR / "company.json").read_text(
        encoding="utf-8"
    )
