"""Operators: exact decimal arithmetic, typed equality, ordering rules, membership, text, null-coalescing,
conditions, paths — each with the runtime error it can raise, at its exact position."""

import datetime as dt
from decimal import Decimal as D

import pytest

import dsl


def ev(text, env=None, **kw):
    return dsl.evaluate(text, env or {}, **kw)


def runtime_error(text, env=None):
    with pytest.raises(dsl.ExprRuntimeError) as info:
        ev(text, env)
    return info.value


def same(a, b):
    return a == b and type(a) is type(b)


# ---------------------------------------------------------------- arithmetic

@pytest.mark.parametrize("text, expected", [
    ("0.1 + 0.2 == 0.3", True),
    ("0.1 + 0.2", D("0.3")),
    ("1 + 2", 3),
    ("1 + 2.0", D("3.0")),
    ("10 - 2.5", D("7.5")),
    ("3 * 1.10", D("3.30")),
    ("7 / 2", D("3.5")),
    ("6 / 3", D("2")),
    ("1 / 3", D("0.3333333333333333333333333333")),
    ("-7 % 3", 2),
    ("7 % -3", -2),
    ("-7.5 % 2", D("0.5")),
    ("7.5 % 2", D("1.5")),
    ("-(2 + 3)", -5),
    ("- -2", 2),
    ("2 - -1", 3),
])
def test_arithmetic_is_exact(text, expected):
    assert same(ev(text), expected)


def test_arithmetic_on_record_decimals():
    env = {"price": D("1234.50"), "quantity": 3}
    assert same(ev("price * quantity", env), D("3703.50"))


def test_division_by_zero_names_the_position():
    err = runtime_error("total / count", {"total": D("10"), "count": 0})
    d = err.diagnostic
    assert (d.line, d.column, d.end_column) == (1, 1, 14)
    assert "division by zero" in err.message
    err = runtime_error("1 + x % z", {"x": 5, "z": D("0.0")})
    assert err.diagnostic.column == 5 and "division by zero" in err.message


def test_division_by_literal_zero_is_a_check_error():
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile("x / 0")
    assert info.value.diagnostic.code == "E-DSL-DIVISION"


@pytest.mark.parametrize("text, env, words", [
    ('x + 1', {"x": "5"}, "cannot add string \"5\" and number 1: + needs numbers"),
    ("x * 2", {"x": True}, "cannot multiply boolean true and number 2"),
    ("-x", {"x": "a"}, "cannot negate string \"a\""),
    ("x - 1", {"x": dt.date(2024, 1, 1)}, "cannot subtract date 2024-01-01"),
    ("x + y", {"x": [1], "y": 1}, "a list of 1"),
])
def test_arithmetic_on_non_numbers_is_a_runtime_error(text, env, words):
    err = runtime_error(text, env)
    assert words in err.message
    assert err.diagnostic.column == 1


def test_plus_on_text_hints_at_tilde():
    assert "~" in runtime_error("a + b", {"a": "x", "b": "y"}).hint


def test_float_in_a_record_is_refused_with_advice():
    err = runtime_error("x * 2", {"x": 1.5})
    assert "float" in err.message and "parse_float=Decimal" in err.message


def test_decimal_overflow_is_a_language_error():
    err = runtime_error("x * x", {"x": D("9E+999998")})
    assert "too large" in err.message


# ---------------------------------------------------------------- equality and ordering

@pytest.mark.parametrize("text, expected", [
    ("1 == 1.0", True),
    ('one == "1"', False),
    ("t == 1", False),
    ("f == 0", False),
    ("t != 1", True),
    ("t == one", False),
    ("[1, 2] == [1, 2.0]", True),
    ("[1, true] == [1, 1]", False),
    ('"a" != "b"', True),
    ("x == 1", False),
    ("y == 0", False),
    ("o == p", True),
])
def test_equality_is_typed(text, expected):
    env = {"x": True, "y": False, "o": {"a": 1, "b": [1]}, "p": {"b": [D(1)], "a": D("1.0")}, "one": 1, "t": True,
           "f": False}
    assert ev(text, env) is expected


@pytest.mark.parametrize("text", ['1 == "1"', "true == 1", 'x.code != 5'])
def test_equality_of_different_literal_kinds_is_a_check_error(text):
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile(text, catalog=dsl.DictCatalog({"x.code": "string"}))
    assert "values of different kinds are never equal" in info.value.message


@pytest.mark.parametrize("text, expected", [
    ("2 < 10", True), ("2.5 >= 2", True), ('"a" < "b"', True), ('"B" < "a"', True),
    ('"10" < "9"', True), ("d1 < d2", True), ("t1 <= t1", True), ("x > 1", True),
])
def test_ordering(text, expected):
    env = {"d1": dt.date(2024, 1, 1), "d2": dt.date(2024, 2, 1),
           "t1": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), "x": D("1.5")}
    assert ev(text, env) is expected


@pytest.mark.parametrize("env, words", [
    ({"a": 1, "b": "2"}, "cannot compare number 1 with string \"2\" using <"),
    ({"a": True, "b": False}, "cannot compare boolean true with boolean false"),
    ({"a": dt.date(2024, 1, 1), "b": "2024-01-01"}, "cannot compare date 2024-01-01 with string"),
    ({"a": [1], "b": [2]}, "cannot compare a list of 1 with a list of 1"),
    ({"a": dt.datetime(2024, 1, 1), "b": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)}, "time zone"),
    ({"a": dt.date(2024, 1, 1), "b": dt.datetime(2024, 1, 1)}, "cannot compare date 2024-01-01 with datetime"),
])
def test_comparing_incomparable_kinds_is_a_runtime_error(env, words):
    err = runtime_error("x or a < b", {**env, "x": False})
    assert words in err.message
    assert err.diagnostic.column == 6 and err.diagnostic.end_column == 11


def test_comparing_incomparable_literals_is_a_check_error():
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile('1 < "2"')
    assert info.value.diagnostic.code == "E-DSL-TYPE"


# ---------------------------------------------------------------- membership

@pytest.mark.parametrize("text, expected", [
    ('country in ["CZ", "SK"]', True),
    ('country not in ["CZ", "SK"]', False),
    ('"Praha" in city', True),
    ('"key" in obj', True),
    ('"other" in obj', False),
    ("2 in [1, 2.0]", True),
    ("true in [1]", False),
    ("1 in [true]", False),
    ("[1] in [[1], [2]]", True),
    ("n in [1, 2]", True),
    ("n in [1, \"2\"]", True),
])
def test_membership(text, expected):
    env = {"country": "CZ", "city": "Praha 4", "obj": {"key": 1}, "n": D("1.0")}
    assert ev(text, env) is expected


def test_membership_needs_a_container():
    err = runtime_error("x in y", {"x": 1, "y": 5})
    assert "needs a list, a text or an object on the right" in err.message
    err = runtime_error("x in y", {"x": 1, "y": "123"})
    assert "needs a text on the left" in err.message


# ---------------------------------------------------------------- text

@pytest.mark.parametrize("text, expected", [
    ('"No. " ~ 42', "No. 42"),
    ('"" ~ 1.50', "1.50"),
    ('"" ~ true', "true"),
    ('a ~ ", " ~ b', "Dlouhá 5, Praha"),
    ('"x" ~ missing ~ "y"', "xy"),
    ('"" ~ d', "2024-03-01"),
    ('"" ~ [1, "a"]', '[1, "a"]'),
    ('"" ~ 1E2', None),
])
def test_concatenation_writes_values_as_text(text, expected):
    env = {"a": "Dlouhá 5", "b": "Praha", "d": dt.date(2024, 3, 1)}
    if expected is None:
        with pytest.raises(dsl.ExprSyntaxError):
            ev(text, env)
    else:
        assert ev(text, env) == expected


def test_concatenated_decimal_has_no_exponent():
    assert ev('"" ~ x', {"x": D("1E+2")}) == "100"


# ---------------------------------------------------------------- ??, if, and/or/not

def test_null_coalescing_replaces_only_null():
    assert ev('email ?? "-"', {"email": None}) == "-"
    assert ev('email ?? "-"', {"email": ""}) == ""
    assert ev('a ?? b ?? 3', {"b": 0}) == 0


def test_null_coalescing_does_not_evaluate_the_right_side_when_not_needed():
    assert ev("x ?? 1 / y", {"x": 5, "y": 0}) == 5


def test_if_then_else_evaluates_only_the_chosen_branch():
    assert ev('if n > 0 then 10 / n else "none"', {"n": 0}) == "none"
    assert ev('if n > 0 then 10 / n else "none"', {"n": 4}) == D("2.5")


@pytest.mark.parametrize("value, expected", [
    (None, False), (False, False), (0, False), (D("0.00"), False), ("", False), ([], False), ({}, False),
    (True, True), (1, True), ("x", True), ([0], True), ({"a": 1}, True), (dt.date(2024, 1, 1), True),
])
def test_truthiness(value, expected):
    assert ev("if x then true else false", {"x": value}) is expected
    assert ev("not not x", {"x": value}) is expected
    assert ev("x and true", {"x": value}) is expected
    assert ev("x or false", {"x": value}) is expected


def test_and_or_short_circuit_and_give_booleans():
    assert ev("x != 0 and 10 / x > 1", {"x": 0}) is False
    assert ev("x == 0 or 10 / x > 1", {"x": 0}) is True
    assert ev('"a" and "b"') is True
    assert ev('a and b and c or d', {"a": 1, "b": 1, "c": 0, "d": ""}) is False


# ---------------------------------------------------------------- paths

RECORD = {
    "company": {"name": "ACME", "primaryAddress": {"address": {"street": "Dlouhá 5"}}},
    "items": [{"code": "A"}, {"code": "B"}],
    "customFields": {"Stav zásob": "skladem"},
    "rowInfo.lastModifiedAt": "2024-03-04",
    "tags": "VIP",
}


@pytest.mark.parametrize("text, expected", [
    ("company.primaryAddress.address.street", "Dlouhá 5"),
    ("company.missing.street", None),
    ("nothing.at.all", None),
    ("items[0].code", "A"),
    ("items[1].code", "B"),
    ("items[-1].code", "B"),
    ("items[2].code", None),
    ("items[-3]", None),
    ('items["code"]', None),
    ("items[1.0].code", "B"),
    ("items[0.5]", None),
    ('customFields["Stav zásob"]', "skladem"),
    ('$["rowInfo.lastModifiedAt"]', "2024-03-04"),
    ('$.company["name"]', "ACME"),
    ("tags.x", None),
    ("tags[0]", None),
    ('company[items[0].code]', None),
    ("items[n]", {"code": "B"}),
])
def test_paths_read_and_missing_is_null_R_G6(text, expected):
    assert ev(text, {**RECORD, "n": 1}) == expected


def test_the_environment_may_be_any_mapping():
    from types import MappingProxyType
    env = MappingProxyType({"a": MappingProxyType({"b": 1})})
    assert ev("a.b + 1", env) == 2


def test_a_non_mapping_environment_is_a_language_error():
    prog = dsl.compile("a")
    with pytest.raises(dsl.ExprRuntimeError) as info:
        prog([1, 2])
    assert "environment must be a mapping" in info.value.message


def test_the_same_path_in_both_branches_is_read_correctly():
    text = 'if a.b then a.b.c else a.b.d ~ a.b.c'
    assert ev(text, {"a": {"b": {"c": "C", "d": "D"}}}) == "C"
    assert ev(text, {"a": {"b": {}}}) == ""
    assert ev("if x then a.b else a.b", {"x": False, "a": {"b": 2}}) == 2


def test_lambda_parameter_shadows_a_record_name():
    assert ev("map(items, code => code.code)", {"items": [{"code": "A"}], "code": "outer"}) == ["A"]
    assert ev("map(items, i => i.code ~ code)", {"items": [{"code": "A"}], "code": "!"}) == ["A!"]
