"""Sandbox escape corpus: every attempt is refused with a clear language error (never Python's own)."""

import pytest

import dsl
from dsl.values import MAX_LIST, MAX_STRING


@pytest.mark.parametrize("text, code, words", [
    ("__class__", "E-DSL-NAME", "names starting with __ are reserved"),
    ("x.__class__", "E-DSL-NAME", "'__class__'"),
    ("x.__class__.__mro__", "E-DSL-NAME", "'__mro__'"),
    ('x["__globals__"]', "E-DSL-NAME", "'__globals__'"),
    ("x.__globals__", "E-DSL-NAME", "'__globals__'"),
    ("__builtins__", "E-DSL-NAME", "'__builtins__'"),
    ('getattr(x, "__class__")', "E-DSL-UNKNOWN-FUNCTION", "unknown function 'getattr'"),
    ('__import__("os")', "E-DSL-UNKNOWN-FUNCTION", "unknown function '__import__'"),
    ('eval("1 + 1")', "E-DSL-UNKNOWN-FUNCTION", "unknown function 'eval'"),
    ('exec("x = 1")', "E-DSL-UNKNOWN-FUNCTION", "unknown function 'exec'"),
    ('open("/etc/passwd")', "E-DSL-UNKNOWN-FUNCTION", "unknown function 'open'"),
    ("type(x)", "E-DSL-UNKNOWN-FUNCTION", "unknown function 'type'"),
    ("globals()", "E-DSL-UNKNOWN-FUNCTION", "unknown function 'globals'"),
    ("vars(x)", "E-DSL-UNKNOWN-FUNCTION", "unknown function 'vars'"),
    ("map(xs, __self => 1)", "E-DSL-NAME", "'__self'"),
    ("map(a, x => map(a, y => map(a, z => map(a, w => 1))))", "E-DSL-LIMIT", "nested more than 3 deep"),
])
def test_static_refusals(text, code, words):
    with pytest.raises(dsl.ExprCheckError) as info:
        dsl.compile(text)
    codes = [d.code for d in info.value.diagnostics]
    assert code in codes
    assert any(words in d.message for d in info.value.diagnostics)


def test_python_escape_hatches_get_a_hint():
    d = dsl.check('getattr(x, "__class__")')[0]
    assert "cannot reach Python" in d.hint


@pytest.mark.parametrize("text", [
    "().__class__", '"".join(x)', "x.upper()", "lambda: 1", "i => i", "x[1:2]", "import os", "{}",
    "x if y else z", "f(**x)", "f(*x)", "x; y", "x = 1", "[i for i in x]", "`ls`", "x.__class__()",
])
def test_python_syntax_is_not_the_language(text):
    with pytest.raises(dsl.ExprSyntaxError):
        dsl.compile(text)


class Spy:
    """A Python object in the environment: the language must never touch its attributes."""

    def __init__(self):
        self.touched = []
        self.secret = "s3cret"

    def get(self, key, default=None):
        self.touched.append(key)
        return "via get"

    def __getitem__(self, key):
        self.touched.append(key)
        return "via getitem"

    def __getattr__(self, name):
        self.touched.append(name)
        return "via getattr"


def test_python_objects_in_the_environment_are_opaque():
    spy = Spy()
    env = {"obj": spy}
    assert dsl.evaluate("obj.secret", env) is None
    assert dsl.evaluate('obj["secret"]', env) is None
    assert dsl.evaluate("obj[0]", env) is None
    assert dsl.evaluate("obj.get", env) is None
    assert spy.touched == []


def test_objects_cannot_become_text_or_numbers():
    with pytest.raises(dsl.ExprRuntimeError, match="cannot turn an unsupported Python value of type Spy into text"):
        dsl.evaluate('"" ~ obj', {"obj": Spy()})
    with pytest.raises(dsl.ExprRuntimeError, match="unsupported Python value"):
        dsl.evaluate("obj + 1", {"obj": Spy()})


@pytest.mark.parametrize("text, env", [
    ('pad_left("x", 100000000)', {}),
    ('pad_right("x", n)', {"n": MAX_STRING + 1}),
    ("s ~ s", {"s": "x" * (MAX_STRING // 2 + 1)}),
    ("s ~ s ~ s ~ s ~ s ~ s ~ s ~ s", {"s": "x" * (MAX_STRING // 4)}),
    ('replace(s, "a", "aaaaaaaaaa")', {"s": "a" * 200_000}),
    ('regex_replace(s, "a", "aaaaaaaaaa")', {"s": "a" * 200_000}),
    ('join(map(xs, x => s), "")', {"xs": list(range(20)), "s": "y" * 60_000}),
    ("str(xs)", {"xs": ["abcdefghij"] * 100_000}),
])
def test_huge_text_results_are_refused(text, env):
    with pytest.raises(dsl.ExprRuntimeError) as info:
        dsl.evaluate(text, env)
    assert f"the limit is {MAX_STRING}" in info.value.message


@pytest.mark.parametrize("text, env", [
    ('split(s, ",")', {"s": "," * (MAX_LIST + 5)}),
    ("map(xs, x => x)", {"xs": [0] * (MAX_LIST + 1)}),
    ("filter(xs, x => true)", {"xs": [0] * (MAX_LIST + 1)}),
])
def test_huge_list_results_are_refused(text, env):
    with pytest.raises(dsl.ExprRuntimeError) as info:
        dsl.evaluate(text, env)
    assert str(MAX_LIST) in info.value.message


def test_giant_repetition_is_bounded_by_lambda_nesting():
    # three levels over 40 elements is 64,000 steps: allowed and quick
    assert dsl.evaluate("count(xs, a => any(xs, b => all(xs, c => c >= 0)))", {"xs": list(range(40))}) == 40


def test_long_regular_expressions_are_refused():
    with pytest.raises(dsl.ExprRuntimeError, match="regular expression longer than"):
        dsl.evaluate("regex_match(x, p)", {"x": "a", "p": "a" * 1001})


def test_huge_numbers_do_not_hang_or_escape():
    with pytest.raises(dsl.ExprRuntimeError):
        dsl.evaluate("int(x)", {"x": "9" * 5000})
    with pytest.raises(dsl.ExprRuntimeError):
        dsl.evaluate("decimal(x)", {"x": "1e999999999"})
