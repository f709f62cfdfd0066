"""Property tests: random trees from the grammar survive format -> parse; random expressions on random
records raise nothing but the language's own errors."""

import datetime as dt
import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dsl
from dsl.compiler import compile_program
from dsl import ast as A
from dsl.format import KEYWORDS
from dsl.functions import FUNCTIONS
from dsl.values import kind

#: examples per property; raise it for a longer hunt: DSL_FUZZ=6000 pytest tests/dsl/test_dsl_properties.py
FUZZ = int(os.environ.get("DSL_FUZZ", "300"))
SETTINGS = settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])

plain_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: n not in KEYWORDS and not n.startswith("__"))
names = st.one_of(plain_names, st.sampled_from(["množství", "cena_s_DPH", "Stav"]))
attr_names = st.one_of(names, st.sampled_from(sorted(KEYWORDS)))

numbers = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12),
    st.builds(lambda i, p: Decimal(i).scaleb(-p), st.integers(-10**9, 10**9), st.integers(1, 6)),
)
literals = st.one_of(
    st.none(), st.booleans(), numbers,
    st.text(max_size=8),
).map(A.Literal)
leaves = st.one_of(literals, names.map(A.Name), st.just(A.Root()))

BINARY = list(A.BINARY_OPS)


def _unary_minus(x):
    # the parser reads "-5" as the literal -5, so a minus over a non-negative number literal is not a tree it makes
    if isinstance(x, A.Literal) and type(x.value) in (int, Decimal) and not (
            x.value < 0 or (type(x.value) is Decimal and x.value.is_signed())):
        return A.Literal(-x.value)
    return A.Unary("-", x)


def extend(children, function_names=None):
    call_names = names if function_names is None else st.sampled_from(function_names)
    args = st.lists(st.one_of(children, st.builds(A.Lambda, names, children)), max_size=3).map(tuple)
    return st.one_of(
        st.lists(children, max_size=3).map(lambda xs: A.ListLit(tuple(xs))),
        st.builds(A.Attr, children, attr_names),
        st.builds(A.Index, children, children),
        st.builds(lambda x: A.Unary("not", x), children),
        children.map(_unary_minus),
        st.builds(A.Binary, st.sampled_from(BINARY), children, children),
        st.builds(A.If, children, children, children),
        st.builds(A.Call, call_names, args),
    )


trees = st.recursive(leaves, extend, max_leaves=25)


@SETTINGS
@given(trees)
def test_format_then_parse_gives_the_same_tree(tree):
    text = dsl.format(tree)
    again = dsl.parse(text)
    assert again == tree, text
    assert dsl.format(again) == text


# ---------------------------------------------------------------- evaluation never escapes the language

POOL = ["a", "b", "items", "x", "s"]
record_names = st.sampled_from(POOL)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000),
    st.builds(lambda i, p: Decimal(i).scaleb(-p), st.integers(-10**6, 10**6), st.integers(0, 4)),
    st.text(max_size=6), st.sampled_from(["2024-03-01", "2024-03-01T10:00:00+01:00", "1,5", "A", "12345678"]),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1),
                 timezones=st.sampled_from([None, dt.timezone.utc])),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(record_names, inner, max_size=4)), max_leaves=12)
records = st.dictionaries(record_names, values, max_size=5)

eval_leaves = st.one_of(literals, record_names.map(A.Name), record_names.map(A.Name),
                        st.sampled_from([A.Literal(2), A.Literal(0), A.Literal("%d.%m.%Y"), A.Literal(","),
                                         A.Literal(Decimal("2.5")), A.Literal("2024-03-01")]))
TABLES = {"t": {"A": "a", 1: "one"}, "record": dsl.Table({"x": 1}, default=0), "u": {None: "null"}}


@st.composite
def calls(draw, children):
    """A call of a registered function with an acceptable number of arguments."""
    spec = FUNCTIONS[draw(st.sampled_from(sorted(FUNCTIONS)))]
    low, high = spec.arity
    count = draw(st.integers(low, high if high is not None else low + 3))
    args = []
    for i in range(count):
        param = spec.param_at(i)
        if param.type == "lambda":
            args.append(A.Lambda(draw(st.sampled_from(["i", "a", "x"])), draw(children)))
        elif param.type == "table":
            args.append(A.Name(draw(st.sampled_from(sorted(TABLES)))))
        else:
            args.append(draw(children))
    return A.Call(spec.name, tuple(args))


def extend_eval(children):
    return st.one_of(extend(children, ["upper", "len", "nosuch"]), calls(children), calls(children))


expressions = st.recursive(eval_leaves, extend_eval, max_leaves=12)
#: problems the checker finds that the runtime must also survive (the others make no program)
RUNTIME_SURVIVABLE = {"E-DSL-TYPE", "E-DSL-DIVISION", "E-DSL-ARGUMENT", "E-DSL-TABLE-KEY", "E-DSL-ENUM",
                      "E-DSL-NAME"}


def _valid_result(value):
    k = kind(value)
    assert k != "unsupported", value
    if k == "list":
        for v in value:
            _valid_result(v)


@settings(max_examples=FUZZ + 100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, records)
def test_random_expressions_on_random_records_raise_only_language_errors(tree, record):
    text = dsl.format(tree)
    try:
        prog = dsl.compile(text, tables=TABLES)
    except dsl.ExprCheckError as err:
        # programs the checker would refuse for kinds of values must still fail cleanly at run time
        if not {d.code for d in err.diagnostics} <= RUNTIME_SURVIVABLE:
            return
        prog = compile_program(dsl.parse(text), text=text, tables=TABLES)
    try:
        result = prog(record)
    except dsl.ExprRuntimeError as err:
        d = err.diagnostic
        assert 1 <= d.line and 1 <= d.column, err
        assert "unexpectedly" not in err.message, err
        assert err.render()
        return
    if kind(result) != "object":
        _valid_result(result)


@SETTINGS
@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes_the_parser_or_checker(text):
    try:
        dsl.parse(text)
    except dsl.ExprSyntaxError as err:
        assert err.diagnostics and err.render()
    for d in dsl.check(text):
        assert d.line >= 1 and d.column >= 1
