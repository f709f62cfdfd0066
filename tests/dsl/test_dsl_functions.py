"""The function library: every registry example and every null-table cell is executed; specific behaviours
(commercial rounding, dates, regular expressions, list functions, translation tables) and their errors."""

import datetime as dt
from decimal import Decimal as D

import pytest

import dsl
from dsl.docs import NULL_TABLES, OPERATOR_NULLS
from dsl.functions import FUNCTIONS


def ev(text, env=None, **kw):
    return dsl.evaluate(text, env or {}, **kw)


def same(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


EXAMPLES = [(name, ex) for name, spec in sorted(FUNCTIONS.items()) for ex in spec.examples]
NULL_CELLS = [(name, case) for name, spec in sorted(FUNCTIONS.items()) for case in spec.null_cases]


@pytest.mark.parametrize("name, example", EXAMPLES, ids=[f"{n}:{e.expression}" for n, e in EXAMPLES])
def test_registry_examples_hold(name, example):
    result = dsl.evaluate(example.expression, dict(example.env), tables=example.tables)
    assert same(result, example.expected)


@pytest.mark.parametrize("name, case", NULL_CELLS, ids=[c[0] for _, c in NULL_CELLS])
def test_null_table_function_cells(name, case):
    expression, expected = case
    assert same(ev(expression, tables=NULL_TABLES), expected)


@pytest.mark.parametrize("expression, expected, rule", OPERATOR_NULLS, ids=[c[0] for c in OPERATOR_NULLS])
def test_null_table_operator_cells(expression, expected, rule):
    assert same(ev(expression), expected)


def test_null_table_covers_every_parameter_of_every_function():
    for name, spec in FUNCTIONS.items():
        if not spec.params:
            continue
        exprs = [e for e, _ in spec.null_cases]
        assert exprs, f"{name} has no null-table row"
        # one row per parameter position with null there (variadic: at least one)
        for i, param in enumerate(spec.params):
            if param.type in ("lambda", "table"):
                continue
            assert any(_null_at(e, i) for e in exprs), f"{name}: no null-table row with null as {param.name}"


def _null_at(expression, index):
    args = dsl.parse(expression).args
    from dsl import ast as A
    if index >= len(args):
        return False
    arg = args[index]
    return (isinstance(arg, A.Literal) and arg.value is None) or (
        isinstance(arg, A.ListLit) and any(isinstance(i, A.Literal) and i.value is None for i in arg.items))


def test_every_function_is_documented_with_signature_and_examples():
    for name, spec in FUNCTIONS.items():
        assert spec.doc and spec.doc.endswith((".", ")", "?")), name
        assert spec.signature.startswith(f"{name}(")
        assert name == "today" or spec.examples, name


def test_registry_shape_is_data():
    spec = FUNCTIONS["substr"]
    assert spec.arity == (2, 3)
    assert spec.types == ("string", "integer", "integer")
    assert spec.signature == "substr(text: string, start: integer, length: integer?) -> string"
    assert FUNCTIONS["coalesce"].arity == (0, None)
    required = {"upper", "lower", "trim", "len", "substr", "left", "right", "replace", "startswith", "endswith",
                "contains", "split", "join", "regex_match", "regex_replace", "pad_left", "pad_right", "coalesce",
                "round", "abs", "min", "max", "int", "decimal", "str", "date", "datetime", "today", "format_date",
                "parse_date", "add_days", "first", "last", "any", "all", "count", "sum", "filter", "map",
                "translate"}
    assert required <= set(FUNCTIONS)


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("text, expected", [
    ("round(2.5)", D("3")), ("round(3.5)", D("4")), ("round(-2.5)", D("-3")), ("round(2.4999)", D("2")),
    ("round(1.005, 2)", D("1.01")), ("round(-1.005, 2)", D("-1.01")), ("round(2.345, 2)", D("2.35")),
    ("round(7)", 7), ("round(7, 2)", 7), ("round(1250, -2)", D("1300")), ("round(-1250, -2)", D("-1300")),
    ("round(x, 2)", D("1512.50")),
])
def test_round_is_commercial_half_away_from_zero(text, expected):
    assert same(ev(text, {"x": D("1250.00") * D("1.21")}), expected)


def test_round_errors():
    with pytest.raises(dsl.ExprRuntimeError, match="too large"):
        ev("round(x, 2)", {"x": D("1E+30")})
    with pytest.raises(dsl.ExprRuntimeError, match="out of range"):
        ev("round(1.5, n)", {"n": 99})
    with pytest.raises(dsl.ExprCheckError, match="whole number"):
        dsl.compile("round(x, 1.5)")


@pytest.mark.parametrize("text, expected", [
    ('decimal("1234.50")', D("1234.50")), ('decimal("1234,50")', D("1234.50")), ('decimal(" 1 234,5 ")', D("1234.5")),
    ("decimal(3)", D(3)), ('int("42")', 42), ('int(" -7 ")', -7), ("int(3.99)", 3), ("int(-3.99)", -3),
    ('int("3.7")', 3), ("abs(-3)", 3), ("min(3, 1)", 1), ("max([1, 5.5, 2])", D("5.5")),
    ('min("b", "a")', "a"), ("max()", None), ("min([])", None),
])
def test_number_functions(text, expected):
    assert same(ev(text), expected)


@pytest.mark.parametrize("text, env, words", [
    ("decimal(x)", {"x": "abc"}, 'decimal: string "abc" is not a number'),
    ("decimal(x)", {"x": "NaN"}, "is not a number"),
    ("decimal(x)", {"x": "Infinity"}, "is not a number"),
    ("decimal(x)", {"x": True}, "cannot turn boolean true into a number"),
    ("int(x)", {"x": "12a"}, "is not a number"),
    ("min(a, b)", {"a": 1, "b": "x"}, "cannot compare"),
    ("abs(x)", {"x": "5"}, "'value' must be a number"),
])
def test_conversion_errors_name_the_value_and_position(text, env, words):
    with pytest.raises(dsl.ExprRuntimeError) as info:
        ev(text, env)
    assert words in info.value.message
    assert info.value.diagnostic.column == 1
    assert info.value.value is not None


# ---------------------------------------------------------------- text

@pytest.mark.parametrize("text, expected", [
    ('substr("abcdef", 2, 3)', "cde"), ('substr("abc", 5)', ""), ('substr("abc", -2)', "abc"),
    ('left("abc", 0)', ""), ('right("abc", 5)', "abc"), ('right("abc", 0)', ""),
    ('pad_left("12345", 3, "0")', "12345"), ('pad_right(1.5, 5, "0")', "1.500"),
    ('split("a, b", ", ")', ["a", "b"]), ('join([1, 2.50, true], "-")', "1-2.50-true"),
    ('join(["a", "", null, "b"], ", ")', "a, b"),
    ('regex_replace("2024-03-01", "(\\\\d+)-(\\\\d+)-(\\\\d+)", "\\\\3.\\\\2.\\\\1")', "01.03.2024"),
    ('regex_match("ab", "b")', True), ('contains([1, 2], 2.0)', True), ('contains("abc", "d")', False),
    ('str(1E2)', None), ("str(x)", "100"), ('str([1, "a"])', '[1, "a"]'), ("str(d)", "2024-03-01"),
    ('upper("ß")', "SS"), ("len(o)", 2),
])
def test_text_functions(text, expected):
    env = {"x": D("1E+2"), "d": dt.date(2024, 3, 1), "o": {"a": 1, "b": 2}}
    if expected is None:
        with pytest.raises(dsl.ExprSyntaxError):
            ev(text, env)
    else:
        assert same(ev(text, env), expected)


@pytest.mark.parametrize("text, env, words", [
    ("upper(x)", {"x": 5}, "upper: 'text' must be text, got number 5"),
    ('replace(x, "", "a")', {"x": "abc"}, "'old' must not be empty"),
    ('split(x, "")', {"x": "abc"}, "separator must not be empty"),
    ('pad_left(x, 3, "ab")', {"x": "1"}, "exactly one character"),
    ("regex_match(x, p)", {"x": "a", "p": "("}, "invalid regular expression"),
    ("len(x)", {"x": 5}, "needs a text, a list or an object"),
    ('date(x)', {"x": "1.3.2024"}, 'date: string "1.3.2024" is not a date'),
    ('format_date(x, "%d")', {"x": "yesterday"}, "is not a date"),
    ('format_date(x, f)', {"x": "2024-03-01", "f": "%A"}, "unknown date format directive '%A'"),
    ('parse_date(x, "%d.%m.%Y")', {"x": "2024-03-01"}, "does not match the format"),
    ('add_days(x, 1)', {"x": 5}, "is not a date"),
    ('add_days(x, 1)', {"x": dt.date.max}, "out of the calendar"),
])
def test_function_errors_name_the_problem(text, env, words):
    with pytest.raises(dsl.ExprRuntimeError) as info:
        ev(text, env)
    assert words in info.value.message


@pytest.mark.parametrize("value", ["Šroub M6x20 " * 10, "", "ab", None, 5, D("1.5"), ["a"], {"a": 1}])
@pytest.mark.parametrize("count", [0, 2, 90])
def test_left_with_a_literal_count_is_the_function_whatever_the_value(value, count):
    """``left(name, 90)`` is spelled inline (issue 7, transform rate): the same result or the same error as
    the registered function, which an expression count still calls."""
    def outcome(text, env):
        try:
            return "ok", ev(text, env)
        except dsl.ExprRuntimeError as exc:
            return "error", exc.message
    inline, called = outcome(f"left(x, {count})", {"x": value}), outcome("left(x, n)", {"x": value, "n": count})
    assert inline == called and (value is None or not isinstance(value, str) or inline == ("ok", value[:count]))
    program = dsl.compile(f"left(x, {count})")
    assert f"[:{count}]" in program.python_source  # it is the inline spelling that ran


def test_invalid_literal_regex_is_a_check_error():
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile('regex_match(x, "([a-z")')
    d = info.value.diagnostic
    assert d.code == "E-DSL-ARGUMENT" and d.column == 16


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("text, expected", [
    ('format_date("2024-03-01T14:05:09+01:00", "%d.%m.%Y %H:%M:%S")', "01.03.2024 14:05:09"),
    ('format_date(date("2024-03-01"), "%y/%-m/%-d")', "24/3/1"),
    ('format_date("2024-03-01", "100%% %Y")', "100% 2024"),
    ('format_date(d, "%H:%M")', "00:00"),
    ('format_date(dt, "%-H h")', "9 h"),
    ('parse_date("1. 3. 2024", "%d. %m. %Y")', dt.date(2024, 3, 1)),
    ('parse_date("2024-03-01T10:00:00")', dt.date(2024, 3, 1)),
    ('add_days("2024-12-31", 1)', dt.date(2025, 1, 1)),
    ("add_days(dt, -1)", dt.datetime(2024, 2, 29, 9, 0)),
    ('datetime("2024-03-01T14:30:00Z")', dt.datetime(2024, 3, 1, 14, 30, tzinfo=dt.timezone.utc)),
    ('datetime("2024-03-01")', dt.datetime(2024, 3, 1)),
    ("datetime(d)", dt.datetime(2024, 3, 1)),
    ("date(dt)", dt.date(2024, 3, 1)),
    ('date("2024-03-01") < date("2024-03-02")', True),
    ("today() == today()", True),
])
def test_date_functions(text, expected):
    env = {"d": dt.date(2024, 3, 1), "dt": dt.datetime(2024, 3, 1, 9, 0)}
    assert same(ev(text, env), expected)


def test_today_is_a_date():
    assert isinstance(ev("today()"), dt.date)


def test_unknown_literal_date_format_is_a_check_error():
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile('format_date(created, "%d.%m.%Y %Q")')
    assert "'%Q'" in info.value.message and info.value.diagnostic.column == 22


# ---------------------------------------------------------------- lists

ITEMS = {"items": [{"code": "A", "price": D("10.50"), "quantity": 2, "tags": ["x"]},
                   {"code": "", "price": D("0.25"), "quantity": 4, "tags": []},
                   {"code": "C", "price": None, "quantity": 1, "tags": ["x", "y"]}]}


@pytest.mark.parametrize("text, expected", [
    ('any(items, i => i.code == "")', True),
    ("all(items, i => i.quantity > 0)", True),
    ("all(items, i => i.price > 0)", False),
    ("count(items, i => i.quantity > 1)", 2),
    ("sum(items, i => i.price * i.quantity)", D("22.00")),
    ("sum(items, i => i.quantity)", 7),
    ('map(filter(items, i => i.code != ""), i => i.code)', ["A", "C"]),
    ("first(filter(items, i => i.quantity == 4)).price", D("0.25")),
    ("last(items).code", "C"),
    ("sum(map(items, i => len(i.tags)))", 3),
    ('count(items, i => any(i.tags, t => t == "y"))', 1),
    ("sum(items, i => sum(items, j => 1))", 9),
    ("any([])", False), ("all([])", True), ("count([1, 2, 3])", 3), ("sum([])", 0),
    ("map([1, 2], x => x * 2)", [2, 4]),
])
def test_list_functions_R_R1(text, expected):
    assert same(ev(text, ITEMS), expected)


def test_any_detects_an_empty_order_line_R_R1():
    assert ev('any(items, i => trim(i.text ?? "") == "")', {"items": [{"text": "Cement"}, {"text": "  "}]}) is True


def test_any_stops_at_the_first_match():
    # the second element would fail: any must not look at it
    assert ev("any(items, i => 10 / i > 1)", {"items": [1, 0]}) is True


def test_list_function_errors():
    with pytest.raises(dsl.ExprRuntimeError, match="sum needs a list, got string"):
        ev("sum(x)", {"x": "abc"})
    with pytest.raises(dsl.ExprRuntimeError, match="sum: cannot add string"):
        ev("sum(items, i => i.code)", ITEMS)
    with pytest.raises(dsl.ExprRuntimeError, match="sum: cannot add string"):
        ev("sum(x)", {"x": [1, "2"]})


def test_list_function_error_points_into_the_lambda_body():
    with pytest.raises(dsl.ExprRuntimeError) as info:
        ev("sum(items, i => i.price * i.code)", ITEMS)
    d = info.value.diagnostic
    assert (d.column, d.end_column) == (17, 33)


# ---------------------------------------------------------------- translation tables

STATES = {"new": "before closing", "processed": "won", "cancelled": "cancelled"}


def test_translate_order_state_to_business_case_phase_R_Z2():
    assert ev("translate(states, state)", {"state": "processed"}, tables={"states": STATES}) == "won"


def test_translate_unknown_key_names_table_and_key_R_R2():
    with pytest.raises(dsl.ExprRuntimeError) as info:
        ev("translate(states, state)", {"state": "lost"}, tables={"states": STATES})
    err = info.value
    assert err.message == "translate: table 'states' has no entry for string \"lost\""
    assert "'new', 'processed', 'cancelled'" in err.hint
    assert err.value == "lost"


def test_translate_defaults_call_then_table():
    table = dsl.Table(STATES, default="other")
    assert ev('translate(states, state, "call")', {"state": "x"}, tables={"states": table}) == "call"
    assert ev("translate(states, state)", {"state": "x"}, tables={"states": table}) == "other"
    assert ev("translate(states, state)", {"state": None}, tables={"states": table}) == "other"
    assert ev("translate(states, state)", {}, tables={"states": STATES}) is None


def test_translate_default_is_evaluated_only_when_needed():
    assert ev("translate(t, k, 1 / z)", {"k": "a", "z": 0}, tables={"t": {"a": 1}}) == 1


def test_translate_number_keys_match_by_value_and_booleans_stay_booleans():
    tables = {"t": {3: "three", 2: "two", True: "yes"}}
    assert ev("translate(t, k)", {"k": D("2.0")}, tables=tables) == "two"
    assert ev("translate(t, k)", {"k": 3}, tables=tables) == "three"
    assert ev("translate(t, k)", {"k": True}, tables=tables) == "yes"
    with pytest.raises(dsl.ExprRuntimeError, match="no entry for boolean false"):
        ev("translate(t, k)", {"k": False}, tables=tables)
    with pytest.raises(dsl.ExprRuntimeError, match="no entry for number 1"):
        ev("translate(t, k)", {"k": 1}, tables=tables)


def test_translate_boolean_does_not_hit_number_key_one():
    with pytest.raises(dsl.ExprRuntimeError, match="no entry for boolean true"):
        ev("translate(u, k)", {"k": True}, tables={"u": {1: "num", 0: "zero"}})


def test_translate_null_key_and_list_value():
    assert ev("translate(t, k)", {"k": None}, tables={"t": {None: "none"}}) == "none"
    with pytest.raises(dsl.ExprRuntimeError, match="must be text or a number"):
        ev("translate(t, k)", {"k": [1]}, tables={"t": {"a": 1}})


def test_table_origin_appears_in_the_error():
    table = dsl.Table({"a": 1}, origin="mapping.yaml:12")
    with pytest.raises(dsl.ExprRuntimeError, match="defined at mapping.yaml:12"):
        ev("translate(t, k)", {"k": "b"}, tables={"t": table})


def test_implementations_accept_every_arity_the_registry_allows():
    import inspect
    for name, spec in FUNCTIONS.items():
        if spec.impl is None:
            continue
        signature = inspect.signature(spec.impl)
        low, high = spec.arity
        for n in range(low, (high if high is not None else low + 3) + 1):
            signature.bind(*([None] * n))  # raises TypeError if the registry and the code disagree
