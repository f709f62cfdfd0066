"""Static checks: all problems collected, each with exact position, plain words and a hint."""

import pytest

import dsl

CATALOG = dsl.DictCatalog({
    "company.name": {"type": "string", "max_length": 255},
    "company.regNumber": "string",
    "company.turnover": "decimal",
    "company.primaryAddress.address.city": "string",
    "items[]": "list",
    "items[].code": "string",
    "items[].quantity": "decimal",
    "state": {"type": "string", "enum": ["new", "processed", "cancelled"]},
    "validFrom": "date",
    "rowInfo.lastModifiedAt": "datetime",
}, name="raynet/salesOrder")


def diags(text, **kw):
    return dsl.check(text, **kw)


def one(text, **kw):
    found = diags(text, **kw)
    assert len(found) == 1, found
    return found[0]


def test_valid_expression_has_no_diagnostics():
    assert diags('upper(company.name) ~ " " ~ str(sum(items, i => i.quantity))', catalog=CATALOG) == []


def test_check_never_raises():
    assert diags("(((")[0].code == "E-DSL-SYNTAX"
    assert diags(None)[0].code == "E-DSL-SYNTAX"
    assert diags("")[0].message == "the expression is empty"


def test_unknown_function_with_did_you_mean():
    d = one("uper(name)")
    assert (d.code, d.message, d.hint) == ("E-DSL-UNKNOWN-FUNCTION", "unknown function 'uper'", "did you mean upper?")
    assert (d.line, d.column, d.end_column) == (1, 1, 5)
    assert one("UPPER(x)").hint == "did you mean upper?"
    assert one("concat(a, b)").hint.startswith("use the ~ operator")


def test_all_problems_are_collected_in_source_order():
    found = diags('uper(a) + "x"\n  ~ len("a", "b") ~ translate(stats, s)', tables={"states": {"a": 1}})
    assert [(d.code, d.line, d.column) for d in found] == [
        ("E-DSL-UNKNOWN-FUNCTION", 1, 1), ("E-DSL-TYPE", 1, 11), ("E-DSL-ARITY", 2, 5),
        ("E-DSL-UNKNOWN-TABLE", 2, 31)]
    assert found[3].hint == "did you mean 'states'?"


def test_arity():
    d = one("substr(x)")
    assert d.message == "substr takes 2 to 3 arguments, got 1"
    assert d.hint == "usage: substr(text: string, start: integer, length: integer?) -> string"
    assert one("today(1)").message == "today takes 0 arguments, got 1"
    assert one("upper()").message == "upper takes 1 argument, got 0"


@pytest.mark.parametrize("text, message", [
    ("upper(5)", "upper expects text as argument 1 (text), got a whole number 5"),
    ('round("1.5")', 'round expects a number as argument 1 (value), got text "1.5"'),
    ("left(x, true)", "left expects a whole number as argument 2 (count), got a boolean true"),
    ("substr(x, 1.5)", "substr expects a whole number as argument 2 (start), got 1.5"),
    ("upper(len(x))", "upper expects text as argument 1 (text), got a whole number"),
    ('"a" * 2', "* needs numbers, but this is text"),
    ("-true", "unary - needs a number, but this is a boolean"),
    ('x in 5', "'in' needs a list, a text or an object on the right, but this is a whole number"),
    ('1 in "abc"', "'in' a text needs a text on the left, not a whole number"),
    ('"a" < 1', "< compares text with a whole number; that always fails"),
    ("x < [2]", "< cannot order a list"),
    ('"abc".x', ".x on text is always null: only objects have keys and only lists have positions"),
    ('sum("abc")', "sum expects a list as argument 1, got text"),
    ("items[true]", "an index must be a whole number or a text key, not a boolean"),
])
def test_type_mismatches_of_literals_and_known_results(text, message):
    d = one(text)
    assert d.code == "E-DSL-TYPE"
    assert d.message == message


def test_date_parameters_accept_iso_text():
    assert diags('format_date("2024-03-01", "%d.%m.%Y")') == []
    assert diags('add_days(validFrom, 30)', catalog=CATALOG) == []


def test_lambda_rules():
    d = one("upper(i => i)")
    assert d.code == "E-DSL-LAMBDA" and "only as the last argument" in d.message
    d = one("filter(items, true)")
    assert d.code == "E-DSL-LAMBDA" and d.message == "filter expects a lambda such as x => … as argument 2 (test)"
    d = one("map(items, a => map(a, b => map(b, c => map(c, d => d))))")
    assert d.code == "E-DSL-LIMIT" and d.column == 48
    assert diags("map(items, a => map(a, b => map(b, c => c)))") == []


def test_names_starting_with_double_underscore_are_refused():
    for text in ["__class__", "x.__globals__", 'x["__builtins__"]', "map(xs, __x => 1)"]:
        d = one(text)
        assert d.code == "E-DSL-NAME" and "__" in d.message, text


def test_translate_checks_R_Z2():
    tables = {"order_state": {"new": "before closing", "processed": "won"}}
    assert one("translate(order_stat, state)", tables=tables).hint == "did you mean 'order_state'?"
    assert one("translate(x, state)").hint == "no translation tables are defined; declare the table in the mapping file"
    d = one("translate(order_state.x, state)", tables=tables)
    assert d.code == "E-DSL-TABLE"
    d = one('translate(order_state, "lost")', tables=tables)
    assert d.code == "E-DSL-TABLE-KEY" and d.message == "table 'order_state' has no entry for \"lost\""
    assert diags('translate(order_state, "lost", "x")', tables=tables) == []
    assert diags('translate(t, "lost")', tables={"t": dsl.Table({"a": 1}, default=0)}) == []


def test_translate_result_kind_follows_table_values():
    prog = dsl.compile("translate(t, x)", tables={"t": {"a": "A", "b": "B"}})
    assert prog.type == "string"
    assert one("upper(translate(t, x))", tables={"t": {"a": 1}}).code == "E-DSL-TYPE"


# ---------------------------------------------------------------- catalogs

def test_unknown_field_with_did_you_mean():
    d = one("upper(company.nmae)", catalog=CATALOG)
    assert d.code == "E-DSL-UNKNOWN-FIELD"
    assert d.message == "unknown field 'company.nmae' in the raynet/salesOrder catalog"
    assert d.hint == "did you mean company.name?"
    assert (d.column, d.end_column) == (7, 19)


def test_fields_inside_lambdas_resolve_against_list_elements():
    d = one("sum(items, i => i.quantiy)", catalog=CATALOG)
    assert d.message.startswith("unknown field 'items[].quantiy'")
    assert d.hint == "did you mean items[].quantity?"
    assert diags('first(items).code == "A"', catalog=CATALOG) == []
    assert diags("items[0].code", catalog=CATALOG) == []
    assert one("items[0].cod", catalog=CATALOG).hint == "did you mean items[].code?"


def test_objects_lists_and_flat_keys_are_known_fields():
    assert diags("company.primaryAddress ?? company", catalog=CATALOG) == []
    assert diags("len(items)", catalog=CATALOG) == []
    assert diags('$["rowInfo.lastModifiedAt"]', catalog=CATALOG) == []


def test_catalog_types_are_checked():
    d = one("upper(company.turnover)", catalog=CATALOG)
    assert d.code == "E-DSL-TYPE" and "got a number" in d.message
    d = one("company.regNumber == 12345678", catalog=CATALOG)
    assert d.code == "E-DSL-TYPE" and "never equal" in d.message


def test_enum_values_are_checked():
    d = one('state == "procesed"', catalog=CATALOG)
    assert d.code == "E-DSL-ENUM" and d.hint == "did you mean 'processed'?"
    assert d.column == 10
    d = one('state in ["new", "won"]', catalog=CATALOG)
    assert d.code == "E-DSL-ENUM" and "'won'" in d.message


def test_compile_raises_check_error_with_every_diagnostic():
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile("uper(a) ~ lenn(b)", source="mapping.yaml")
    err = info.value
    assert [d.code for d in err.diagnostics] == ["E-DSL-UNKNOWN-FUNCTION"] * 2
    text = str(err)
    assert text.count("error[E-DSL-UNKNOWN-FUNCTION]") == 2
    assert "mapping.yaml:1:11:" in text


def test_diagnostics_shift_into_a_yaml_file():
    d = one("x ~\n  uper(y)")
    moved = d.shifted(line_offset=41, column_offset=12)
    assert (moved.line, moved.column) == (43, 3)
    first = one("uper(y)").shifted(41, 12)
    assert (first.line, first.column, first.end_column) == (42, 13, 17)
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile("uper(y)", source="m.yaml")
    assert info.value.render(source_line_offset=41, source_column_offset=12).startswith("m.yaml:42:13:")


def test_catalog_from_json_format():
    catalog = dsl.DictCatalog.from_json({
        "side": "pohoda", "name": "address_book", "root": "addressbook", "source": "test",
        "fields": {"addressbookHeader.identity.address.company": {"type": "string", "max_length": 255, "ns": "typ"},
                   "addressbookHeader.identity.shipToAddress[]": {"type": "list", "ns": "typ"},
                   "addressbookHeader.sex": {"type": "string", "enum": ["man", "woman", "unknown"]}}})
    assert catalog.lookup("addressbookHeader.identity").type == "object"
    assert catalog.lookup("addressbookHeader.identity.shipToAddress").type == "list"
    assert catalog.lookup("addressbookHeader.identity.address.company").max_length == 255
    assert catalog.lookup("addressbookHeader.nope") is None
    assert catalog.suggest("addressbookHeader.identity.address.compny") == ["addressbookHeader.identity.address.company"]
    assert isinstance(catalog, dsl.FieldCatalog)
    assert one('addressbookHeader.sex == "male"', catalog=catalog).code == "E-DSL-ENUM"
