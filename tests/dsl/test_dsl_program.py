"""Compiled programs: the public attributes, runtime error positions and carets, generated code hygiene."""

from decimal import Decimal as D

import pytest

import dsl


def test_program_attributes():
    text = 'upper(company.name) ~ " " ~ str(sum(items, i => i.price * i.quantity))'
    prog = dsl.compile(text, source="mappings/standard.yaml:12")
    assert isinstance(prog, dsl.Program)
    assert prog.text == text
    assert prog.ast == dsl.parse(text)
    assert prog.fields == {"company.name", "items", "items[].price", "items[].quantity"}
    assert prog.type == "string"
    assert prog.source == "mappings/standard.yaml:12"
    assert prog({"company": {"name": "acme"}, "items": [{"price": D("2.50"), "quantity": 2}]}) == "ACME 5.00"


def test_program_is_reusable_and_pure():
    prog = dsl.compile("map(items, i => i * 2)")
    env = {"items": [1, 2]}
    assert prog(env) == [2, 4]
    assert prog(env) == [2, 4]
    assert env == {"items": [1, 2]}
    assert prog({}) == []


def test_fields_of_various_shapes():
    assert dsl.compile('$["rowInfo.owner"] ~ customFields["Stav zásob"]').fields == {
        "rowInfo.owner", "customFields.Stav zásob"}
    assert dsl.compile("first(filter(items, i => i.q > 0)).code").fields == {"items", "items[].q", "items[].code"}
    assert dsl.compile("items[n].code").fields == {"items[].code", "n"}
    assert dsl.compile("map(split(s, \",\"), p => trim(p))").fields == {"s"}


def test_runtime_error_renders_the_line_with_a_caret():
    prog = dsl.compile('"Cena: " ~ str(decimal(price) * 1.21)', source="order.yaml")
    with pytest.raises(dsl.ExprRuntimeError) as info:
        prog({"price": "abc"})
    err = info.value
    assert err.value == "abc"
    assert str(err) == (
        'order.yaml:1:16: error[E-DSL-RUNTIME]: decimal: string "abc" is not a number\n'
        '  "Cena: " ~ str(decimal(price) * 1.21)\n'
        "                 ^^^^^^^^^^^^^^\n"
        '  hint: write digits with a decimal point or comma, e.g. "1234.50"')


def test_runtime_error_on_a_later_line():
    prog = dsl.compile("a ~\n  b ~\n  str(c / d)")
    with pytest.raises(dsl.ExprRuntimeError) as info:
        prog({"c": 1, "d": 0})
    d = info.value.diagnostic
    assert (d.line, d.column, d.end_line, d.end_column) == (3, 7, 3, 12)


def test_only_the_language_error_escapes():
    prog = dsl.compile("x.y + 1")
    for env in ({"x": {"y": "a"}}, {"x": {"y": [1]}}, {"x": {"y": object()}}):
        with pytest.raises(dsl.ExprRuntimeError):
            prog(env)


def test_generated_code_never_contains_user_text():
    nasty = "'); __import__('os').system('echo pwned'); ('"
    prog = dsl.compile(f'x ~ "{nasty}" ~ $["{nasty}"] ~ y.{"z"}')
    assert "__import__" not in prog.python_source
    assert "pwned" not in prog.python_source
    assert prog({"x": "a", nasty: "b", "y": {"z": "c"}}) == "a" + nasty + "bc"


def test_generated_code_has_no_builtins():
    prog = dsl.compile("1 + x")
    assert prog.__globals__["__builtins__"] == {}
    assert "open" not in prog.__globals__ and "__import__" not in prog.__globals__


def test_very_deep_blocks_are_split_into_helper_functions():
    chain = " ?? ".join(f"v{i}" for i in range(90))
    prog = dsl.compile(chain)
    assert "def _aux" in prog.python_source
    assert prog({"v85": "found"}) == "found"
    assert prog({}) is None
    nested = "x"
    for i in range(45):
        nested = f"if c{i} then ({nested}) else {i}"
    prog = dsl.compile(nested)
    env = {f"c{i}": True for i in range(45)}
    assert prog({**env, "x": "deep"}) == "deep"
    assert prog({**env, "c3": False}) == 3


def test_deep_blocks_inside_a_lambda_see_the_lambda_variable():
    chain = " ?? ".join([f"i.v{k}" for k in range(60)] + ["i.last"])
    prog = dsl.compile(f"map(items, i => {chain})")
    assert "def _aux" in prog.python_source
    assert prog({"items": [{"v59": 1}, {"last": 2}, {}]}) == [1, 2, None]


def test_an_error_inside_a_helper_function_still_has_its_position():
    chain = " ?? ".join([f"v{k}" for k in range(60)] + ["1 / z"])
    prog = dsl.compile(chain)
    with pytest.raises(dsl.ExprRuntimeError) as info:
        prog({"z": 0})
    assert info.value.diagnostic.column == chain.index("1 / z") + 1


def test_syntax_error_from_compile_names_the_source():
    with pytest.raises(dsl.ExprSyntaxError) as info:
        dsl.compile("a +", source="m.yaml")
    assert str(info.value).startswith("m.yaml:1:4: error[E-DSL-SYNTAX]")


def test_errors_share_the_base_class():
    for cls in (dsl.ExprSyntaxError, dsl.ExprCheckError, dsl.ExprRuntimeError):
        assert issubclass(cls, dsl.ExprError)
