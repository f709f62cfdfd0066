"""The JSON Schema: a valid draft 2020-12 schema, documented on every property, accepting the shipped
mappings, and its errors always translated into plain words at the YAML position."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator

from engine.mapping.agendas import AGENDAS
from engine.mapping.loader import load_text
from engine.mapping.overlays import resolve
from engine.mapping.schema import check, schema, schema_text
from engine.resources import mappings_dir

SHIPPED = sorted(p for p in mappings_dir().rglob("*.yaml") if not p.name.endswith("_test.yaml"))  # not test files


def test_schema_is_a_valid_draft_2020_12_schema():
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema())
    assert json.loads(schema_text()) == schema()


def _properties(node, path="$"):
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}.{name}", sub
        for key, sub in node.items():
            if isinstance(sub, (dict, list)):
                yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}[{i}]")


def test_every_property_has_a_description():
    missing = [p for p, sub in _properties(schema()) if not (isinstance(sub, dict) and sub.get("description"))]
    assert missing == []


def test_schema_forbids_unknown_keys_on_every_object():
    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            for sub in node.values():
                yield from objects(sub)
        elif isinstance(node, list):
            for sub in node:
                yield from objects(sub)
    assert all(o.get("additionalProperties") is False for o in objects(schema()))


def test_fixed_directions_in_the_schema_match_the_agenda_table():
    props = schema()["properties"]["agendas"]["properties"]
    assert set(props) == {a.id for a in AGENDAS}
    for spec in AGENDAS:
        direction = props[spec.id]["properties"]["direction"]
        if spec.fixed_direction:
            assert direction["enum"] == [spec.fixed_direction], spec.id
        else:
            assert direction["$ref"] == "#/$defs/direction", spec.id


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_schema_accepts_every_shipped_mapping(path):
    merged = resolve(path).merged
    assert list(Draft202012Validator(schema()).iter_errors(merged.to_plain())) == []


# words jsonschema uses in its own messages; none may reach a user
RAW = re.compile(r"is not of type|is not one of|Additional properties|does not match|is a required property|"
                 r"should be non-empty|is too short|is too long|has non-unique elements|False schema|"
                 r"is not valid under any|was expected|is less than|is greater than|Unevaluated properties|"
                 r"should not be valid|expected to be")

BROKEN_DOCUMENTS = {
    "type": "version: 1\nagendas: []\n",
    "enum": "version: 1\nagendas:\n  address_book: {enabled: true, natural_person: x, direction: sideways}\n",
    "const": "version: 3\nagendas:\n  address_book: {enabled: true, natural_person: company_without_ico}\n",
    "required": "version: 1\nagendas: {}\n",
    "additional": "version: 1\nextra: 1\nagendas:\n  address_book: {enabled: true, natural_person: "
                  "company_without_ico, fiels: {}}\n",
    "pattern": "version: 1\ncurrencies: {home: Kč}\nagendas:\n  address_book: {enabled: true, "
               "natural_person: company_without_ico}\n",
    "property-names": "version: 1\ntables:\n  Bad Name: {entries: {a: b}}\nagendas:\n  address_book: "
                      "{enabled: true, natural_person: company_without_ico}\n",
    "min-length": "version: 1\nagendas:\n  address_book: {enabled: true, natural_person: company_without_ico, "
                  "filter: {to_pohoda: ''}}\n",
    "max-length": "version: 1\npohoda: {ext_system: " + "x" * 70 + "}\nagendas:\n  address_book: "
                  "{enabled: true, natural_person: company_without_ico}\n",
    "minimum": "version: 1\nsettings: {www_max_length: 0}\nagendas:\n  address_book: {enabled: true, "
               "natural_person: company_without_ico}\n",
    "min-items": "version: 1\nagendas:\n  address_book: {enabled: true, natural_person: company_without_ico, "
                 "match: []}\n",
    "unique": "version: 1\nagendas:\n  address_book: {enabled: true, natural_person: company_without_ico, "
              "match: [ico, ico]}\n",
    "min-properties": "version: 1\nagendas:\n  address_book: {enabled: true, natural_person: company_without_ico, "
                      "fields: {x: {}}}\n",
    "not": "version: 1\nagendas:\n  address_book: {enabled: true, natural_person: company_without_ico}\n"
           "  stock: {enabled: true, filter: {to_pohoda: 'true'}}\n",
    "integer": "version: 1\nsettings: {www_max_length: 3.5}\nagendas:\n  address_book: {enabled: true, "
               "natural_person: company_without_ico}\n",
}


@pytest.mark.parametrize("kind", sorted(BROKEN_DOCUMENTS))
def test_schema_errors_are_translated_into_plain_words(kind):
    loaded = load_text(BROKEN_DOCUMENTS[kind], "m.yaml")
    diagnostics = check(loaded.root)
    assert diagnostics, kind
    for d in diagnostics:
        assert not RAW.search(d.message), d.message
        assert d.position is not None and d.position.file == "m.yaml"


def test_enum_message_names_the_choices_and_suggests_the_closest():
    loaded = load_text("version: 1\nagendas:\n  address_book:\n    enabled: true\n    natural_person: "
                       "company_without_ico\n    direction: to_pohda\n", "m.yaml")
    (d,) = check(loaded.root)
    assert d.render() == ("m.yaml:6:16: error[invalid-value]: direction must be one of both, to_pohoda, to_raynet; "
                          "got 'to_pohda' — did you mean 'to_pohoda'?\n"
                          "  hint: direction: Which way address-book records flow.")


def test_unknown_key_points_at_the_key_and_suggests():
    loaded = load_text("version: 1\nagendas:\n  address_book:\n    enabled: true\n    natural_persn: x\n", "m.yaml")
    messages = {(d.code, d.position.line, d.position.column): d.message for d in check(loaded.root)}
    assert messages[("unknown-key", 5, 5)] == ("unknown key 'natural_persn' in agendas.address_book — did you mean "
                                               "'natural_person'?")
    assert ("missing-key", 3, 3) in messages


SYNTHETIC = {
    "type": "object",
    "properties": {
        "a": {"format": "email"}, "b": {"multipleOf": 5}, "c": {"maxItems": 1}, "d": {"maxProperties": 1},
        "e": {"contains": {"const": 1}}, "f": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
        "g": {"anyOf": [{"type": "integer"}, {"minLength": 5}]}, "h": False, "i": {"not": {"type": "string"}},
        "j": {"exclusiveMaximum": 3}, "k": {"maxLength": 2}, "l": {"dependentRequired": {"x": ["y"]}},
        "m": {"unevaluatedProperties": False, "properties": {"ok": {}}}, "n": {"prefixItems": [{"type": "string"}]},
    },
}
SYNTHETIC_DOC = ("a: not-an-email\nb: 7\nc: [1, 2]\nd: {p: 1, q: 2}\ne: [2, 3]\nf: text\ng: abc\nh: 1\ni: text\n"
                 "j: 4\nk: abc\nl: {x: 1}\nm: {ok: 1, bad: 2}\nn: [1]\n")


def test_every_jsonschema_keyword_is_translated_at_its_position():
    from jsonschema import FormatChecker

    from engine.mapping.schema import _translate_all

    root = load_text(SYNTHETIC_DOC, "m.yaml").root
    errors = list(Draft202012Validator(SYNTHETIC, format_checker=FormatChecker()).iter_errors(root.to_plain()))
    assert {e.validator for e in errors} >= {"format", "multipleOf", "maxItems", "maxProperties", "contains",
                                             "oneOf", "anyOf", "not", "exclusiveMaximum", "maxLength",
                                             "dependentRequired", "unevaluatedProperties", "type"}
    diagnostics = list(_translate_all(errors, root))
    assert len(diagnostics) >= 13
    lines = {d.position.line for d in diagnostics}
    # every offending value at its own line; jsonschema reports a `false` subschema (h) at its parent map
    assert lines == set(range(1, 15)) - {8}
    assert any(d.message == "the mapping is not allowed here" for d in diagnostics)
    for d in diagnostics:
        assert not RAW.search(d.message), d.message
        assert d.code in ("invalid-format", "out-of-range", "schema", "wrong-type", "missing-key", "unknown-key")
