"""The shipped mappings: the standard mapping implements every default of REQUIREMENTS.md and cites every
rule id; the example overlays are realistic customer files; all of them validate cleanly."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.mapping import load_mapping, validate
from engine.resources import mappings_dir

STANDARD = mappings_dir() / "standard.yaml"
EXAMPLES = sorted(p for p in (mappings_dir() / "examples").glob("*.yaml") if not p.name.endswith("_test.yaml"))
ALL = [STANDARD] + EXAMPLES


def _requirements() -> Path:
    """../shared/REQUIREMENTS.md beside the repository (or beside one of its ancestors), or $RPSYNC_REQUIREMENTS."""
    env = os.environ.get("RPSYNC_REQUIREMENTS")
    if env:
        return Path(env)
    for folder in Path(__file__).resolve().parents[2].parents:
        candidate = folder / "shared" / "REQUIREMENTS.md"
        if candidate.is_file():
            return candidate
    raise AssertionError("REQUIREMENTS.md not found beside the repository; set RPSYNC_REQUIREMENTS")


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_shipped_mapping_validates_without_errors_or_warnings(path):
    mapping, diagnostics = validate(path)
    assert [d.render() for d in diagnostics] == []
    assert mapping is not None


def _rule_ids() -> list[str]:
    text = _requirements().read_text(encoding="utf-8")
    return re.findall(r"\*\*(R-[A-Z][0-9]+)\*\*", text)


def test_standard_mapping_cites_every_rule_id():
    ids = _rule_ids()
    assert len(ids) >= 45 and ids[0] == "R-G1" and ids[-1] == "R-E3"
    text = STANDARD.read_text(encoding="utf-8")
    cited = set(re.findall(r"R-[A-Z][0-9]+", text))
    assert [i for i in ids if i not in cited] == []


def test_standard_defaults_follow_the_requirements():
    m = load_mapping(STANDARD)
    assert m.settings.www_max_length == 32                                            # R-A2
    assert m.agendas.address_book.enabled and m.agendas.address_book.natural_person == "company_without_ico"  # R-A1
    assert m.agendas.address_book.owners == "by_name"                                 # R-A3
    assert m.agendas.offers.direction == "to_pohoda"                                  # R-O*
    assert {m.agendas.stock.direction, m.agendas.sales_prices.direction, m.agendas.related_prices.direction,
            m.agendas.payments.direction} == {"to_raynet"}                            # R-S*, R-L*, R-F5
    assert set(m.agendas.stock.kinds) == {"card", "text", "service", "package", "set", "product"}  # R-S1
    assert m.agendas.issued_invoices.kinds == ("regular", "advance", "corrective")    # R-F2
    assert m.agendas.contracts.trigger_to_pohoda.text == 'status == "E_WIN"'          # R-Z4
    assert m.agendas.contracts.closing_date_from_invoice                              # R-Z3
    phase = m.agendas.contracts.phase_table                                           # R-Z2
    assert [phase.translate(s) for s in ("not_processed", "processed", "cancelled")] == \
        ["Před uzavřením", "Výhra", "Zrušeno"]
    status = m.agendas.received_orders.status_table                                   # R-R2
    assert status.keys == "pohoda.order_state" and status.translate("processed") == "Akceptována"
    assert (m.items.stock_link, m.items.otherwise) == ("by_code", "text_item")        # R-E2
    assert m.agendas.delivery_addresses.mechanism == "company_addresses"              # R-D1
    assert m.agendas.contact_persons.to_pohoda_as == "contact_persons"                # R-P2


def test_at_least_three_realistic_example_overlays():
    assert len(EXAMPLES) >= 3
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../../engine/mapping/schema.json\n")
        assert "\nextends: standard\n" in text


def test_one_warehouse_example_R_S3_R_G7():
    m = load_mapping(mappings_dir() / "examples" / "one_warehouse_stock.yaml")
    stock = m.agendas.stock
    assert stock.filter.pohoda_select.stores == ("HLAVNI",)
    assert [(q.store, q.raynet_custom_field) for q in stock.store_quantities] == \
        [("BRNO", "Stav Brno"), ("OSTRAVA", "Stav Ostrava")]
    quantity = next(b for b in stock.fields if b.name == "quantity")
    assert quantity.raynet_custom_field == "Stav zásob" and quantity.ways == ("to_raynet",)
    assert m.agendas.address_book.filter.pohoda_select.groups == ("ODB",)


def test_eur_example_R_G5_R_C3():
    m = load_mapping(mappings_dir() / "examples" / "eur_documents.yaml")
    assert m.currencies.foreign == ("EUR",)
    (eur,) = m.price_lists_in("EUR")
    assert (eur.pohoda, eur.raynet) == ("Prodejní cena EUR", "Ceník EUR")
    assert len(m.price_lists_in("CZK")) == 1                                          # the standard one stays


def test_natural_persons_example_R_A1_R_D1():
    m = load_mapping(mappings_dir() / "examples" / "natural_persons_by_name.yaml")
    assert m.agendas.address_book.natural_person == "name_without_ico"
    delivery = m.agendas.delivery_addresses
    assert (delivery.mechanism, delivery.direction) == ("contact_persons", "to_raynet")
    assert {b.name for b in delivery.contact_person_fields if b.runs("to_raynet")} >= {"last_name", "phone"}


def test_every_diagnostic_code_is_documented():
    from engine.mapping.diagnostics import CODES

    text = (Path(__file__).parents[2] / "docs" / "mapping-format.md").read_text(encoding="utf-8")
    assert [code for code in CODES if f"`{code}`" not in text] == []
