"""The typed model the engine consumes: complete, frozen, defaults filled in, expressions ready to compile."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

import dsl
from engine.mapping import MappingError, load_mapping
from engine.mapping.model import AddressBook, Mapping, ReceivedOrders
from engine.resources import mappings_dir

STANDARD = mappings_dir() / "standard.yaml"


@pytest.fixture(scope="module")
def standard() -> Mapping:
    return load_mapping(STANDARD)


def test_agendas_iterate_in_plan_order(standard):
    assert [a.id for a in standard.agendas] == [
        "address_book", "delivery_addresses", "contact_persons", "stock", "sales_prices", "related_prices",
        "contracts", "offers", "received_orders", "issued_invoices", "payments"]
    assert isinstance(standard.agendas.get("address_book"), AddressBook)
    assert isinstance(standard.agendas.received_orders, ReceivedOrders)


def test_model_is_frozen(standard):
    with pytest.raises(dataclasses.FrozenInstanceError):
        standard.agendas.offers.enabled = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        standard.tables["x"] = None  # type: ignore[index]


def test_every_expression_compiles_with_the_mapping_tables(standard):
    tables = standard.dsl_tables()
    expressions = list(standard.expressions())
    assert len(expressions) > 30
    for expr in expressions:
        program = expr.compile(tables)
        assert program.text == expr.text
        assert expr.source.startswith("mappings/standard.yaml:") or "standard.yaml:" in expr.source


def test_state_translation_R_R2_R_Z2(standard):
    orders = standard.agendas.received_orders
    state = orders.state.compile(standard.dsl_tables())
    assert state({"orderHeader": {"storno": "cancelledDocument", "isExecuted": True}}) == "cancelled"
    assert state({"orderHeader": {"isExecuted": True}}) == "processed"
    assert state({"orderHeader": {}}) == "not_processed"
    assert orders.status_table.translate("not_processed") == "Příprava"
    assert standard.agendas.contracts.phase_table.translate("cancelled") == "Zrušeno"


def test_delivery_address_without_name_gets_its_street_R_D2(standard):
    name = next(b for b in standard.agendas.delivery_addresses.fields if b.name == "name")
    program = name.to_raynet.compile(standard.dsl_tables())
    assert program({"name": "", "street": "Dlouhá 5"}) == "Dlouhá 5"
    assert program({"name": "Sklad Brno", "street": "Dlouhá 5"}) == "Sklad Brno"
    assert name.ways == ("to_pohoda", "to_raynet") and name.runs("to_raynet")


def test_number_keys_are_found_by_numbers_as_in_expressions(standard):
    """``translate`` of the model looks a key up as ``translate(t, v)`` in an expression does: YAML typed
    ``12: low`` as the number 12, so 12, 12.0 and Decimal("12") find it (it used to compare the text "12",
    so every number fell to the default)."""
    table = standard.tables["tax_rate_to_pohoda"]
    program = dsl.compile("translate(tax_rate_to_pohoda, v)", tables=standard.dsl_tables())
    for key in (12, 12.0, Decimal("12"), Decimal("12.00"), 0, 21):
        assert table.translate(key) == program({"v": key}), key
    assert [table.translate(k) for k in (12, Decimal("0"), 21.0)] == ["low", "none", "high"]
    assert table.translate(15) == "high" and table.translate("12") == "high"   # not an entry: the default
    assert table.translate([12]) == "high"                                       # unhashable: the default
    states = standard.agendas.received_orders.status_table                        # text keys as before
    assert states.translate("cancelled") == "Zrušena"
    with pytest.raises(KeyError, match="no entry for True"):
        states.translate(True)


def test_item_vat_rate_uses_number_keyed_table(standard):
    vat = next(b for b in standard.agendas.offers.item_fields if b.name == "vat_rate")
    program = vat.to_pohoda.compile(standard.dsl_tables())
    assert program({"taxRate": Decimal("12")}) == "low"
    assert program({"taxRate": Decimal("15")}) == "high"  # the table's default


def test_record_checks_R_A2(standard):
    checks = standard.agendas.address_book.checks_for("to_pohoda")
    assert {c.rule_id for c in checks} == {"R-A2"}
    street = next(c for c in checks if c.name == "street_required")
    rule = street.rule.compile(standard.dsl_tables())
    assert rule({"primaryAddress": {"address": {"street": "Těšínská 5"}}}) is True
    assert rule({"primaryAddress": {"address": {"street": "  "}}}) is False


def test_bindings_follow_the_agenda_direction(write):
    path = write("acme.yaml", "version: 1\nextends: standard\nagendas:\n  address_book:\n    direction: to_raynet\n"
                              "  delivery_addresses:\n    direction: to_raynet\n  contact_persons:\n"
                              "    direction: to_raynet\n")
    book = load_mapping(path).agendas.address_book
    assert not book.runs("to_pohoda") and book.runs("to_raynet")
    assert book.bindings("to_pohoda") == ()
    assert {b.name for b in book.bindings("to_raynet")} >= {"name", "ico", "www"}


def test_one_way_bindings_run_only_their_way(standard):
    by_name = {b.name: b for b in standard.agendas.contact_persons.fields}
    assert by_name["first_name"].ways == ("to_raynet",)     # raynet field computed from POHODA
    assert by_name["name"].ways == ("to_pohoda",)           # POHODA field computed from Raynet
    order_number = next(b for b in standard.agendas.received_orders.fields if b.name == "customer_order_number")
    assert order_number.ways == ("to_pohoda",)              # explicit direction


def test_disabled_and_absent_agendas_are_present_and_off(write):
    path = write("m.yaml", "version: 1\nagendas:\n  address_book:\n    enabled: true\n"
                           "    natural_person: name_without_ico\n")
    m = load_mapping(path)
    assert m.agendas.address_book.enabled and m.agendas.address_book.direction == "both"
    assert [a.id for a in m.agendas.enabled()] == ["address_book"]
    assert m.agendas.stock.kinds == ("card", "text", "service", "package", "set", "product")
    assert m.agendas.offers.direction == "to_pohoda" and not m.agendas.offers.runs("to_pohoda")
    assert (m.settings.www_max_length, m.currencies.home, m.items.stock_link) == (32, "CZK", "by_code")


def test_expression_positions_locate_runtime_errors(write):
    path = write("m.yaml", "version: 1\nagendas:\n  address_book:\n    enabled: true\n"
                           "    natural_person: name_without_ico\n    filter:\n      to_raynet: |\n"
                           "        addressbookHeader.identity.address.ico != null\n"
                           "          and decimal(addressbookHeader.credit) > 0\n")
    expr = load_mapping(path).agendas.address_book.filter.to_raynet
    assert (expr.position.line, expr.position.column) == (8, 18)
    where = expr.locate(2, 7)           # 'decimal' on the expression's second line
    assert (where.line, where.column) == (10, 15)
    with pytest.raises(dsl.ExprRuntimeError):
        expr.compile()({"addressbookHeader": {"identity": {"address": {"ico": "1"}}, "credit": "abc"}})


def test_load_mapping_raises_with_every_diagnostic(write):
    path = write("m.yaml", "version: 1\nextends: standard\nagendas:\n  offers:\n    direction: both\n"
                           "  stock:\n    enabled: maybe\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    codes = [d.code for d in caught.value.diagnostics]
    assert codes == ["fixed-direction", "wrong-type"]
    assert "m.yaml:6:16: error[fixed-direction]" in str(caught.value)
    assert "(2 errors)" in str(caught.value)
