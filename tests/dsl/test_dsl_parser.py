"""Parsing: precedence, literals, positions, and syntax errors in plain words with exact carets."""

from decimal import Decimal

import pytest

import dsl
from dsl import ast as A
from dsl.parser import MAX_DEPTH, MAX_LENGTH


def b(op, left, right):
    return A.Binary(op, left, right)


N = A.Name
L = A.Literal


@pytest.mark.parametrize("text, tree", [
    ("1 + 2 * 3", b("+", L(1), b("*", L(2), L(3)))),
    ("(1 + 2) * 3", b("*", b("+", L(1), L(2)), L(3))),
    ("a - b - c", b("-", b("-", N("a"), N("b")), N("c"))),
    ('a ~ b + 1', b("~", N("a"), b("+", N("b"), L(1)))),
    ("a ?? b ?? c", b("??", N("a"), b("??", N("b"), N("c")))),
    ("a ?? b ~ c", b("??", N("a"), b("~", N("b"), N("c")))),
    ("x ?? 0 > 5", b(">", b("??", N("x"), L(0)), L(5))),
    ("not a == b", A.Unary("not", b("==", N("a"), N("b")))),
    ("a or b and c", b("or", N("a"), b("and", N("b"), N("c")))),
    ("a not in [1, 2]", b("not in", N("a"), A.ListLit((L(1), L(2))))),
    ("-x * 2", b("*", A.Unary("-", N("x")), L(2))),
    ("if a then b else if c then d else e", A.If(N("a"), N("b"), A.If(N("c"), N("d"), N("e")))),
    ("items[0].code", A.Attr(A.Index(N("items"), L(0)), "code")),
    ('customFields["Stav zásob"]', A.Index(N("customFields"), L("Stav zásob"))),
    ('$["rowInfo.owner"]', A.Index(A.Root(), L("rowInfo.owner"))),
    ("any(items, i => i.code == \"\")",
     A.Call("any", (N("items"), A.Lambda("i", b("==", A.Attr(N("i"), "code"), L("")))))),
    ("f()", A.Call("f", ())),
    ("[1, 2,]", A.ListLit((L(1), L(2)))),
    ("x.if.not", A.Attr(A.Attr(N("x"), "if"), "not")),
    ("množství * cena", b("*", N("množství"), N("cena"))),
])
def test_precedence_and_shapes(text, tree):
    assert dsl.parse(text) == tree


def test_literals_are_exact_and_typed():
    assert dsl.parse("12") == L(12)
    assert type(dsl.parse("12").value) is int
    assert dsl.parse("12.50").value == Decimal("12.50") and type(dsl.parse("12.50").value) is Decimal
    assert dsl.parse("-3") == L(-3)
    assert dsl.parse("- -3") == A.Unary("-", L(-3))
    assert dsl.parse("true") == L(True) and dsl.parse("true") != L(1)
    assert dsl.parse("null") == L(None)
    assert L(1) != L(Decimal(1))


@pytest.mark.parametrize("text, value", [
    (r'"a\"b"', 'a"b'), (r"'it\'s'", "it's"), (r'"tab\there"', "tab\there"), (r'"line\nbreak"', "line\nbreak"),
    (r'"\u017e"', "ž"), (r'"back\\slash"', "back\\slash"), ("'\"'", '"'),
])
def test_string_escapes(text, value):
    assert dsl.parse(text) == L(value)


def test_positions_are_one_based_with_exclusive_end():
    tree = dsl.parse("a +\n  upper(b)")
    call = tree.right
    assert (call.span.line, call.span.column, call.span.end_line, call.span.end_column) == (2, 3, 2, 11)


def _syntax(text):
    with pytest.raises(dsl.ExprSyntaxError) as info:
        dsl.parse(text)
    return info.value


@pytest.mark.parametrize("text, message, column", [
    ("a + b then c", "expected an operator or the end of the expression, found 'then'", 7),
    ("if a b", "expected 'then' or an operator, found 'b'", 6),
    ("(a + b", "expected ')' or an operator, found the end of the expression", 7),
    ("a +", "expected a value, found the end of the expression", 4),
    ("upper(x", "expected ',', ')' or an operator, found the end of the expression", 8),
    ("a < b < c", "expected an operator or the end of the expression, found '<'", 7),
    ("if a then b", "expected 'else' or an operator, found the end of the expression", 12),
    ("f(a,,b)", "expected a value or ')', found ','", 5),
    ("x.1", "expected a name, found '1'", 3),
])
def test_syntax_errors_in_plain_words_with_exact_position(text, message, column):
    err = _syntax(text)
    assert err.message == message
    assert err.diagnostic.line == 1 and err.diagnostic.column == column


def test_syntax_error_renders_source_line_and_caret():
    err = _syntax("a + b then c")
    assert str(err) == (
        "expression:1:7: error[E-DSL-SYNTAX]: expected an operator or the end of the expression, found 'then'\n"
        "  a + b then c\n"
        "        ^^^^\n"
        "  hint: then and else belong to if CONDITION then A else B")


def test_caret_on_second_line():
    err = _syntax('upper(name)\n  ~ "x" "y"')
    d = err.diagnostic
    assert (d.line, d.column) == (2, 9)
    assert err.render().splitlines()[1:3] == ['    ~ "x" "y"', "          ^^^"]


@pytest.mark.parametrize("text, message, hint", [
    ('"abc', "this string is not closed", 'close it with " on the same line'),
    ("a = b", "unexpected character '='", "compare with =="),
    ("a && b", "unexpected character '&'", "write 'and'"),
    ("@x", "unexpected character '@'", "remove it"),
    ("a b", "found 'b'", "join texts with ~"),
    ("a < b < c", "found '<'", "comparisons do not chain"),
    ("name.upper()", "found '('", "functions are called by name"),
    (r'"a\qb"', "unknown escape '\\q' in a string", "known escapes"),
])
def test_bad_characters_and_common_mistakes_get_hints(text, message, hint):
    err = _syntax(text)
    assert message in err.message
    assert hint in (err.hint or "")


def test_empty_expression_is_refused():
    assert _syntax("   ").message == "the expression is empty"


def test_too_long_expression_is_refused_before_parsing():
    err = _syntax("1 + " * (MAX_LENGTH // 4) + "1")
    assert f"the limit is {MAX_LENGTH}" in err.message


def test_deep_nesting_is_a_clean_syntax_error_not_recursion_error():
    err = _syntax("(" * 3000 + "1" + " + 1)" * 3000)
    assert f"more than {MAX_DEPTH} levels" in err.message
    assert err.diagnostic.line == 1
    err = _syntax("not " * 3000 + "x")
    assert "nested" in err.message
    err = _syntax("+".join(["1"] * 3000))
    assert "nested" in err.message


def test_redundant_parentheses_do_not_nest():
    assert dsl.evaluate("(" * 5000 + "1" + ")" * 5000) == 1


def test_nesting_just_below_the_limit_parses_and_runs():
    text = "(" * 60 + "1" + " + 1)" * 60
    assert dsl.evaluate(text) == 61


def test_overlong_number_literal_is_refused():
    assert "the limit is 40" in _syntax("1" * 41).message


def test_parser_is_built_once():
    import dsl.parser as p
    first = p._LARK
    dsl.parse("a + b")
    assert p._LARK is first
