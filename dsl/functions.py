"""The function registry: every function of the language, as data.

``FUNCTIONS`` maps a name to a :class:`FunctionSpec` — parameters with types,
return type, a one-line doc, what a null argument does, and examples
``(expression, env, expected)`` that the test suite executes and the reference
manual (docs/dsl.md) prints. The checker, the compiler, the docs generator and
editor schemas all read this one table.

Parameter/return types: ``string``, ``number``, ``integer``, ``boolean``,
``date`` (a date, a datetime or ISO text), ``datetime``, ``list``, ``object``,
``any``, ``table`` (a table name), ``lambda`` (``x => …``). ``a|b`` is a union.
Every parameter also accepts null; what null does is the spec's ``null`` rule.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

import regex as _rx

from dsl.errors import ExprRuntimeError
from dsl.values import (MAX_LIST, MAX_STRING, NUMBER_TYPES, as_date, as_datetime, as_list, check_list,
                        check_string, commercial_round, compare, describe, equal, kind, to_decimal, to_int,
                        to_text)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool = False
    variadic: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Example:
    expression: str
    env: Mapping = field(default_factory=dict)
    expected: object = None
    tables: Mapping | None = None


@dataclass(frozen=True)
class FunctionSpec:
    """One function of the language.

    ``kind`` says how the compiler calls it: ``"plain"`` (``impl(*args)``),
    ``"list"`` (a list function whose lambda is compiled inline),
    ``"coalesce"`` and ``"translate"`` (compiled specially).
    ``result_path`` says whether the result is an element (``"element"``) or a
    sub-list (``"same"``) of the list argument, for field-path tracking.
    """

    name: str
    params: tuple[Param, ...]
    returns: str
    doc: str
    null: str
    examples: tuple[Example, ...]
    impl: Callable | None = None
    kind: str = "plain"
    result_path: str | None = None
    #: ``(literal args tuple with None for non-literals) -> message or None``: static argument checks
    check_literals: Callable | None = field(default=None, compare=False)
    #: the null table row of this function: (expression, expected), one or more per parameter;
    #: evaluated with the table ``t = {"a": "A"}`` (docs/dsl.md prints them, the tests run them)
    null_cases: tuple[tuple[str, object], ...] = ()

    @property
    def arity(self) -> tuple[int, int | None]:
        """(minimum, maximum) number of arguments; maximum None = any number."""
        low = sum(1 for p in self.params if not p.optional and not p.variadic)
        if any(p.variadic for p in self.params):
            return low, None
        return low, len(self.params)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(p.type for p in self.params)

    @property
    def signature(self) -> str:
        parts = []
        for p in self.params:
            text = f"{p.name}: {p.type}"
            if p.variadic:
                text = "…" + text
            elif p.optional:
                text += "?"
            parts.append(text)
        return f"{self.name}({', '.join(parts)}) -> {self.returns}"

    def param_at(self, index: int) -> Param | None:
        if index < len(self.params):
            return self.params[index]
        if self.params and self.params[-1].variadic:
            return self.params[-1]
        return None


FUNCTIONS: dict[str, FunctionSpec] = {}


def _register(name, params, returns, doc, null, examples, impl=None, kind="plain", result_path=None,
              check_literals=None):
    FUNCTIONS[name] = FunctionSpec(
        name=name, params=tuple(params), returns=returns, doc=doc, null=null,
        examples=tuple(Example(*e) if isinstance(e, tuple) else e for e in examples),
        impl=impl, kind=kind, result_path=result_path, check_literals=check_literals)


def _P(name, type_, doc="", *, optional=False, variadic=False):
    return Param(name, type_, optional=optional, variadic=variadic, doc=doc)


# --------------------------------------------------------------------------- argument helpers

def _text(fn: str, param: str, value) -> str:
    if isinstance(value, str):
        return value
    raise ExprRuntimeError(f"{fn}: '{param}' must be text, got {describe(value)}",
                           hint=f"convert it first: {fn}(str(…))", value=value)


def _int(fn: str, param: str, value) -> int:
    if type(value) is int:
        return value
    if type(value) is Decimal and value == value.to_integral_value():
        return int(value)
    raise ExprRuntimeError(f"{fn}: '{param}' must be a whole number, got {describe(value)}", value=value)


def _number(fn: str, param: str, value):
    if type(value) in NUMBER_TYPES:
        return value
    raise ExprRuntimeError(f"{fn}: '{param}' must be a number, got {describe(value)}",
                           hint="convert text with decimal(…)" if isinstance(value, str) else None, value=value)


def _size(fn: str, param: str, value: int, limit: int = MAX_STRING) -> int:
    if value > limit:
        raise ExprRuntimeError(f"{fn}: '{param}' is {value}; the limit is {limit}", value=value)
    return value


# --------------------------------------------------------------------------- text

def _upper(text):
    return None if text is None else _text("upper", "text", text).upper()


def _lower(text):
    return None if text is None else _text("lower", "text", text).lower()


def _trim(text):
    return None if text is None else _text("trim", "text", text).strip()


def _len(value):
    if value is None:
        return 0
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value)
    raise ExprRuntimeError(f"len: needs a text, a list or an object, got {describe(value)}", value=value)


def _substr(text, start, length=None):
    if text is None or start is None:
        return None
    s = _text("substr", "text", text)
    start = max(0, _int("substr", "start", start))
    if length is None:
        return s[start:]
    length = _int("substr", "length", length)
    return s[start:start + max(0, length)]


def _left(text, count):
    if text is None or count is None:
        return None
    return _text("left", "text", text)[:max(0, _int("left", "count", count))]


def _right(text, count):
    if text is None or count is None:
        return None
    n = max(0, _int("right", "count", count))
    s = _text("right", "text", text)
    return s[max(0, len(s) - n):] if n else ""


def _replace(text, old, new):
    if text is None or old is None or new is None:
        return None
    s = _text("replace", "text", text)
    old = _text("replace", "old", old)
    new = _text("replace", "new", new)
    if old == "":
        raise ExprRuntimeError("replace: 'old' must not be empty", value=old)
    if new and len(new) > len(old):
        growth = s.count(old) * (len(new) - len(old))
        if len(s) + growth > MAX_STRING:
            raise ExprRuntimeError(f"replace: the result would be {len(s) + growth} characters long; "
                                   f"the limit is {MAX_STRING}")
    return s.replace(old, new)


def _startswith(text, prefix):
    if text is None or prefix is None:
        return False
    return _text("startswith", "text", text).startswith(_text("startswith", "prefix", prefix))


def _endswith(text, suffix):
    if text is None or suffix is None:
        return False
    return _text("endswith", "text", text).endswith(_text("endswith", "suffix", suffix))


def _contains(haystack, needle):
    if haystack is None:
        return False
    if isinstance(haystack, str):
        return needle is not None and _text("contains", "needle", needle) in haystack
    if isinstance(haystack, (list, tuple)):
        return any(equal(item, needle) for item in haystack)
    raise ExprRuntimeError(f"contains: needs a text or a list, got {describe(haystack)}", value=haystack)


def _split(text, separator=None):
    if text is None:
        return []
    s = _text("split", "text", text)
    sep = _text("split", "separator", separator if separator is not None else ",")
    if sep == "":
        raise ExprRuntimeError("split: the separator must not be empty", value=sep)
    if s == "":
        return []
    if s.count(sep) >= MAX_LIST:
        raise ExprRuntimeError(f"split: the result would have more than {MAX_LIST} elements")
    return s.split(sep)


def _join(items, separator=""):
    items = as_list(items, "join")
    sep = "" if separator is None else _text("join", "separator", separator)
    parts = [to_text(item) for item in items if item is not None and item != ""]
    total = sum(len(p) for p in parts) + len(sep) * max(0, len(parts) - 1)
    if total > MAX_STRING:
        raise ExprRuntimeError(f"join: the result would be {total} characters long; the limit is {MAX_STRING}")
    return sep.join(parts)


_REGEX_MAX = 1000
#: seconds one regex_match / regex_replace may take on one value. Patterns such as ``(a+)+$`` backtrack
#: exponentially (26 characters took 5 s, 30 would take minutes): a mapping is untrusted input, so the
#: matching is bounded by time (the ``regex`` engine's timeout) and a pattern that runs out is an error
#: naming it, for the record at hand.
REGEX_TIMEOUT = 0.25


@lru_cache(maxsize=256)
def _regex(pattern: str) -> "_rx.Pattern":
    if len(pattern) > _REGEX_MAX:
        raise ExprRuntimeError(f"regular expression longer than {_REGEX_MAX} characters")
    try:
        return _rx.compile(pattern, _rx.VERSION0)
    except (_rx.error, ValueError) as exc:
        raise ExprRuntimeError(f"invalid regular expression {pattern!r}: {exc}", value=pattern) from None


def _too_slow(fn: str, rx) -> ExprRuntimeError:
    return ExprRuntimeError(
        f"{fn}: the regular expression {rx.pattern!r} took longer than {REGEX_TIMEOUT} s on this value "
        "(it backtracks without bound, e.g. a repeated group that itself repeats); simplify the pattern")


def regex_search(rx, text: str) -> bool:
    """``rx.search(text) is not None``, bounded by ``REGEX_TIMEOUT``."""
    try:
        return rx.search(text, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        raise _too_slow("regex_match", rx) from None


def _check_regex(literals):
    pattern = literals[1] if len(literals) > 1 else None
    if isinstance(pattern, str):
        try:
            _regex(pattern)
        except ExprRuntimeError as exc:
            return 1, exc.message
    return None


def _regex_match(text, pattern):
    if text is None or pattern is None:
        return False
    return regex_search(_regex(_text("regex_match", "pattern", pattern)), _text("regex_match", "text", text))


def _regex_replace(text, pattern, replacement):
    if text is None or pattern is None or replacement is None:
        return None
    rx = _regex(_text("regex_replace", "pattern", pattern))
    s = _text("regex_replace", "text", text)
    try:
        result = rx.sub(_text("regex_replace", "replacement", replacement), s, timeout=REGEX_TIMEOUT)
    except TimeoutError:
        raise _too_slow("regex_replace", rx) from None
    except (_rx.error, IndexError, ValueError) as exc:
        raise ExprRuntimeError(f"regex_replace: bad replacement {replacement!r}: {exc}", value=replacement) from None
    return check_string(result)


def _pad(fn, text, width, fill, left):
    if text is None or width is None:
        return None
    s = to_text(text) if type(text) in NUMBER_TYPES else _text(fn, "text", text)
    width = _size(fn, "width", _int(fn, "width", width))
    fill = " " if fill is None else _text(fn, "fill", fill)
    if len(fill) != 1:
        raise ExprRuntimeError(f"{fn}: 'fill' must be exactly one character, got {describe(fill)}", value=fill)
    return s.rjust(width, fill) if left else s.ljust(width, fill)


def _pad_left(text, width, fill=None):
    return _pad("pad_left", text, width, fill, True)


def _pad_right(text, width, fill=None):
    return _pad("pad_right", text, width, fill, False)


# --------------------------------------------------------------------------- null and numbers

def _coalesce(*values):
    for value in values:
        if value is not None:
            return value
    return None


def _round(value, places=0):
    return commercial_round(value, 0 if places is None else places) if value is not None else None


def _abs(value):
    return None if value is None else abs(_number("abs", "value", value))


def _extreme(fn, values, pick_max):
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = values[0]
    best = None
    for value in values:
        if value is None:
            continue
        if best is None:
            if kind(value) not in ("number", "string", "date", "datetime"):
                raise ExprRuntimeError(f"{fn}: cannot order {describe(value)}", value=value)
            best = value
        elif compare(">" if pick_max else "<", value, best):
            best = value
    return best


def _min(*values):
    return _extreme("min", values, False)


def _max(*values):
    return _extreme("max", values, True)


def _to_int(value):
    return to_int(value)


def _to_decimal(value):
    return to_decimal(value)


def _str(value):
    return None if value is None else check_string(to_text(value))


# --------------------------------------------------------------------------- dates

_DATE_DIRECTIVES = {
    "d": ("%02d", "day"), "m": ("%02d", "month"), "Y": ("%04d", "year"), "y": ("%02d", "year2"),
    "H": ("%02d", "hour"), "M": ("%02d", "minute"), "S": ("%02d", "second"),
    "-d": ("%d", "day"), "-m": ("%d", "month"), "-H": ("%d", "hour"),
}
_STRPTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "M": "%M", "S": "%S",
             "-d": "%d", "-m": "%m", "-H": "%H"}


@lru_cache(maxsize=256)
def _date_format(fmt: str) -> tuple[str, tuple[str, ...]]:
    """Compile a format such as ``%d.%m.%Y`` into a %-template and field names."""
    template, fields = [], []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            template.append(ch)
            i += 1
            continue
        key = fmt[i + 1:i + 3] if fmt[i + 1:i + 2] == "-" else fmt[i + 1:i + 2]
        if key == "%":
            template.append("%%")
            i += 2
            continue
        if key not in _DATE_DIRECTIVES:
            raise ExprRuntimeError(
                f"unknown date format directive '%{key}' in {fmt!r}",
                hint="use %d %m %Y %y %H %M %S (%-d %-m %-H without leading zero), %% for a percent sign",
                value=fmt)
        spec, name = _DATE_DIRECTIVES[key]
        template.append(spec)
        fields.append(name)
        i += 1 + len(key)
    return _join_template(template), tuple(fields)


def _join_template(parts: list[str]) -> str:
    # literal characters must not be read as % directives
    out = []
    for part in parts:
        if part in ("%02d", "%04d", "%d", "%%"):
            out.append(part)
        else:
            out.append(part.replace("%", "%%"))
    return "".join(out)


def _check_date_format(position):
    def check(literals):
        fmt = literals[position] if len(literals) > position else None
        if isinstance(fmt, str):
            try:
                _date_format(fmt)
            except ExprRuntimeError as exc:
                return position, exc.message
        return None
    return check


def _format_date(value, fmt):
    if value is None or fmt is None:
        return None
    if isinstance(value, str):
        value = as_datetime(value, "format_date") if len(value.strip()) > 10 else as_date(value, "format_date")
    elif not isinstance(value, _dt.date):
        raise ExprRuntimeError(f"format_date: {describe(value)} is not a date", value=value)
    template, fields = _date_format(_text("format_date", "format", fmt))
    if not isinstance(value, _dt.datetime) and any(f in ("hour", "minute", "second") for f in fields):
        value = _dt.datetime(value.year, value.month, value.day)
    return template % tuple(value.year % 100 if f == "year2" else getattr(value, f) for f in fields)


def _parse_date(text, fmt=None):
    if text is None:
        return None
    s = _text("parse_date", "text", text).strip()
    if fmt is None:
        return as_date(s, "parse_date")
    f = _text("parse_date", "format", fmt)
    _date_format(f)  # validates directives
    py = re.sub(r"%(-?[a-zA-Z%])", lambda m: _STRPTIME.get(m.group(1), "%%") if m.group(1) != "%" else "%%", f)
    try:
        return _dt.datetime.strptime(s, py).date()
    except ValueError:
        raise ExprRuntimeError(f"parse_date: {describe(text)} does not match the format {f!r}",
                               value=text) from None


def _date(value):
    return as_date(value, "date")


def _datetime(value):
    return as_datetime(value, "datetime")


def _today():
    return _dt.date.today()


def _add_days(value, days):
    if value is None or days is None:
        return None
    n = _int("add_days", "days", days)
    if isinstance(value, str):
        value = as_datetime(value, "add_days") if len(value.strip()) > 10 else as_date(value, "add_days")
    elif not isinstance(value, _dt.date):
        raise ExprRuntimeError(f"add_days: {describe(value)} is not a date", value=value)
    try:
        return value + _dt.timedelta(days=n)
    except OverflowError:
        raise ExprRuntimeError(f"add_days: {to_text(value)} + {n} days is out of the calendar",
                               value=days) from None


# --------------------------------------------------------------------------- lists

def _first(items):
    items = as_list(items, "first")
    return items[0] if items else None


def _last(items):
    items = as_list(items, "last")
    return items[-1] if items else None


# --------------------------------------------------------------------------- the registry

_S = "string"
_TEXT_NULL = "null if any argument is null"

_register("upper", [_P("text", _S)], _S, "Upper-case text.", _TEXT_NULL,
          [("upper(name)", {"name": "Žluťoučký kůň"}, "ŽLUŤOUČKÝ KŮŇ"), ("upper(missing)", {}, None)], _upper)
_register("lower", [_P("text", _S)], _S, "Lower-case text.", _TEXT_NULL,
          [('lower("ABC s.r.o.")', {}, "abc s.r.o.")], _lower)
_register("trim", [_P("text", _S)], _S, "Remove white space at both ends.", _TEXT_NULL,
          [('trim("  Praha 1 ")', {}, "Praha 1")], _trim)
_register("len", [_P("value", "string|list|object")], "integer",
          "Length of a text, number of list elements or object keys.", "0 (a missing value has no length)",
          [('len("Brno")', {}, 4), ("len(items)", {"items": [1, 2, 3]}, 3), ("len(items)", {}, 0)], _len)
_register("substr", [_P("text", _S), _P("start", "integer", "0-based"), _P("length", "integer", optional=True)], _S,
          "Part of a text from position start (0-based), at most length characters.", _TEXT_NULL,
          [('substr("CZ12345678", 2)', {}, "12345678"), ('substr("2024-03-01", 5, 2)', {}, "03")], _substr)
_register("left", [_P("text", _S), _P("count", "integer")], _S, "The first count characters.", _TEXT_NULL,
          [('left("Objednávka", 3)', {}, "Obj")], _left)
_register("right", [_P("text", _S), _P("count", "integer")], _S, "The last count characters.", _TEXT_NULL,
          [('right("CZ12345678", 8)', {}, "12345678")], _right)
_register("replace", [_P("text", _S), _P("old", _S), _P("new", _S)], _S, "Replace every occurrence of old by new.",
          _TEXT_NULL, [('replace("+420 777 123 456", " ", "")', {}, "+420777123456")], _replace)
_register("startswith", [_P("text", _S), _P("prefix", _S)], "boolean", "Does text start with prefix?",
          "false", [('startswith("CZ12345678", "CZ")', {}, True), ('startswith(null, "CZ")', {}, False)], _startswith)
_register("endswith", [_P("text", _S), _P("suffix", _S)], "boolean", "Does text end with suffix?",
          "false", [('endswith("faktura.pdf", ".pdf")', {}, True)], _endswith)
_register("contains", [_P("haystack", "string|list"), _P("needle", "any")], "boolean",
          "Is needle a part of the text, or an element of the list?", "false",
          [('contains("Praha 4", "Praha")', {}, True), ('contains(tags, "VIP")', {"tags": ["VIP", "B2B"]}, True)],
          _contains)
_register("split", [_P("text", _S), _P("separator", _S, optional=True)], "list",
          "Split text at every separator (default \",\").", "[] (a missing text has no parts)",
          [('split("a;b;c", ";")', {}, ["a", "b", "c"]), ('split("", ";")', {}, [])], _split)
_register("join", [_P("items", "list"), _P("separator", _S, optional=True)], _S,
          "Join the texts of a list with separator, skipping nulls and empty texts.",
          "a null list is empty (\"\"); null elements are skipped",
          [('join([street, city], ", ")', {"street": "Dlouhá 5", "city": "Praha"}, "Dlouhá 5, Praha"),
           ('join([street, city], ", ")', {"city": "Praha"}, "Praha")], _join)
_register("regex_match", [_P("text", _S), _P("pattern", _S)], "boolean",
          "Does the regular expression match anywhere in text? (anchor with ^…$)", "false",
          [('regex_match("12345678", "^[0-9]{8}$")', {}, True), ('regex_match("1234", "^[0-9]{8}$")', {}, False)],
          _regex_match, check_literals=_check_regex)
_register("regex_replace", [_P("text", _S), _P("pattern", _S), _P("replacement", _S)], _S,
          "Replace every match of the regular expression (\\1 refers to a group).", _TEXT_NULL,
          [('regex_replace("777 123 456", "[^0-9]", "")', {}, "777123456")], _regex_replace,
          check_literals=_check_regex)
_register("pad_left", [_P("text", "string|number"), _P("width", "integer"), _P("fill", _S, optional=True)], _S,
          "Pad on the left to width characters with fill (default space); numbers are written first.",
          "null if text or width is null; a null fill is a space",
          [('pad_left("42", 5, "0")', {}, "00042"), ("pad_left(7, 3, \"0\")", {}, "007")], _pad_left)
_register("pad_right", [_P("text", "string|number"), _P("width", "integer"), _P("fill", _S, optional=True)], _S,
          "Pad on the right to width characters with fill (default space).",
          "null if text or width is null; a null fill is a space",
          [('pad_right("ab", 4, ".")', {}, "ab..")], _pad_right)
_register("coalesce", [_P("values", "any", variadic=True)], "any",
          "The first argument that is not null (later ones are not evaluated).", "null if all are null",
          [('coalesce(phone, mobile, "-")', {"mobile": "777"}, "777"), ("coalesce(a, b)", {}, None)],
          _coalesce, kind="coalesce")
_register("round", [_P("value", "number"), _P("places", "integer", optional=True)], "number",
          "Round half away from zero (commercial rounding) to places decimals (default 0).", _TEXT_NULL,
          [("round(2.345, 2)", {}, Decimal("2.35")), ("round(-2.5)", {}, Decimal("-3")),
           ("round(1234.5, -2)", {}, Decimal("1200"))], _round)
_register("abs", [_P("value", "number")], "number", "Absolute value.", "null",
          [("abs(-12.50)", {}, Decimal("12.50"))], _abs)
_register("min", [_P("values", "any", variadic=True)], "any",
          "Smallest of the arguments, or of the elements of a single list argument; nulls are skipped.",
          "nulls are skipped; null if there is nothing else",
          [("min(3, 1.5, 2)", {}, Decimal("1.5")), ("min(prices)", {"prices": [5, None, 3]}, 3)], _min)
_register("max", [_P("values", "any", variadic=True)], "any",
          "Largest of the arguments, or of the elements of a single list argument; nulls are skipped.",
          "nulls are skipped; null if there is nothing else",
          [("max(3, 1.5, 2)", {}, 3), ('max("2024-01-05", "2023-12-31")', {}, "2024-01-05")], _max)
_register("int", [_P("value", "number|string")], "integer",
          "Whole number from a number (truncated toward zero) or a text.", "null",
          [('int("42")', {}, 42), ("int(-3.9)", {}, -3)], _to_int)
_register("decimal", [_P("value", "number|string")], "number",
          "Exact decimal number from a number or a text (decimal point or comma).", "null",
          [('decimal("1234,50")', {}, Decimal("1234.50")), ('decimal("0.1") + 0.2', {}, Decimal("0.3"))],
          _to_decimal)
_register("str", [_P("value", "any")], _S,
          "Text of a value: numbers exactly (1.50 stays 1.50), dates ISO, true/false, lists and objects as JSON.",
          "null", [("str(1.50)", {}, "1.50"), ("str(true)", {}, "true")], _str)
_register("date", [_P("value", "date|string")], "date",
          "Date from ISO text (2024-03-01), a date-time (its date) or a date.", "null",
          [('date("2024-03-01")', {}, _dt.date(2024, 3, 1))], _date)
_register("datetime", [_P("value", "datetime|string")], "datetime",
          "Date-time from ISO text (2024-03-01T14:30:00+01:00, Z for UTC) or a date (midnight); "
          "without an offset it stays local time.", "null",
          [('datetime("2024-03-01T14:30:00Z")', {},
            _dt.datetime(2024, 3, 1, 14, 30, tzinfo=_dt.timezone.utc))], _datetime)
_register("today", [], "date", "Today's date (local).", "—", [], _today)
_register("format_date", [_P("value", "date"), _P("format", _S)], _S,
          "Write a date with %d %m %Y %y %H %M %S (%-d %-m %-H without leading zero).", _TEXT_NULL,
          [('format_date("2024-03-01", "%d.%m.%Y")', {}, "01.03.2024"),
           ('format_date(date("2024-03-01"), "%-d. %-m. %Y")', {}, "1. 3. 2024")],
          _format_date, check_literals=_check_date_format(1))
_register("parse_date", [_P("text", _S), _P("format", _S, optional=True)], "date",
          "Read a date written in format (default ISO).", _TEXT_NULL,
          [('parse_date("01.03.2024", "%d.%m.%Y")', {}, _dt.date(2024, 3, 1))],
          _parse_date, check_literals=_check_date_format(1))
_register("add_days", [_P("value", "date"), _P("days", "integer")], "date",
          "The date (or date-time) days later (negative: earlier).", _TEXT_NULL,
          [('add_days("2024-02-28", 2)', {}, _dt.date(2024, 3, 1))], _add_days)
_register("first", [_P("items", "list")], "any", "The first element of a list.", "null",
          [("first(items).code", {"items": [{"code": "A1"}, {"code": "B2"}]}, "A1"), ("first([])", {}, None)],
          _first, result_path="element")
_register("last", [_P("items", "list")], "any", "The last element of a list.", "null",
          [("last(items)", {"items": [1, 2, 3]}, 3)], _last, result_path="element")

_ITEMS = {"items": [{"code": "A", "price": Decimal("10.50"), "quantity": 2},
                    {"code": "", "price": Decimal("0.25"), "quantity": 4}]}
_LIST_NULL = "a null list is empty"
_register("any", [_P("items", "list"), _P("test", "lambda", optional=True)], "boolean",
          "Is the test true for at least one element (without a test: is any element true)?",
          _LIST_NULL + " (false)", [('any(items, i => i.code == "")', _ITEMS, True)], kind="list")
_register("all", [_P("items", "list"), _P("test", "lambda", optional=True)], "boolean",
          "Is the test true for every element (true for an empty list)?", _LIST_NULL + " (true)",
          [("all(items, i => i.price > 0)", _ITEMS, True)], kind="list")
_register("count", [_P("items", "list"), _P("test", "lambda", optional=True)], "integer",
          "Number of elements (for which the test is true).", _LIST_NULL + " (0)",
          [("count(items, i => i.quantity > 2)", _ITEMS, 1), ("count(items)", _ITEMS, 2)], kind="list")
_register("sum", [_P("items", "list"), _P("value", "lambda", optional=True)], "number",
          "Sum of the elements (or of value for each element); null values are skipped.",
          _LIST_NULL + " (0)", [("sum(items, i => i.price * i.quantity)", _ITEMS, Decimal("22.00")),
                                ("sum([1, null, 2.5])", {}, Decimal("3.5"))], kind="list")
_register("filter", [_P("items", "list"), _P("test", "lambda")], "list",
          "The elements for which the test is true.", _LIST_NULL + " ([])",
          [('filter(items, i => i.code != "")', _ITEMS,
            [{"code": "A", "price": Decimal("10.50"), "quantity": 2}])], kind="list", result_path="same")
_register("map", [_P("items", "list"), _P("value", "lambda")], "list",
          "The value for each element.", _LIST_NULL + " ([])",
          [("map(items, i => i.code)", _ITEMS, ["A", ""])], kind="list")
_register("translate", [_P("table", "table"), _P("value", "any"), _P("default", "any", optional=True)], "any",
          "Look value up in a translation table; default when it has no entry.",
          "null, unless the table has a null key or a default applies",
          [Example("translate(states, state)", {"state": "done"}, "WON",
                   {"states": {"new": "NEW", "done": "WON"}}),
           Example('translate(states, state, "OTHER")', {"state": "lost"}, "OTHER",
                   {"states": {"new": "NEW", "done": "WON"}})], kind="translate")

_NULL_CASES = {
    "upper": [("upper(null)", None)],
    "lower": [("lower(null)", None)],
    "trim": [("trim(null)", None)],
    "len": [("len(null)", 0)],
    "substr": [('substr(null, 1)', None), ('substr("abc", null)', None), ('substr("abc", 1, null)', "bc")],
    "left": [("left(null, 2)", None), ('left("abc", null)', None)],
    "right": [("right(null, 2)", None), ('right("abc", null)', None)],
    "replace": [('replace(null, "a", "b")', None), ('replace("abc", null, "b")', None),
                ('replace("abc", "a", null)', None)],
    "startswith": [('startswith(null, "a")', False), ('startswith("abc", null)', False)],
    "endswith": [('endswith(null, "c")', False), ('endswith("abc", null)', False)],
    "contains": [('contains(null, "a")', False), ('contains("abc", null)', False), ("contains([1, null], null)", True)],
    "split": [('split(null, ",")', []), ('split("a,b", null)', ["a", "b"])],
    "join": [('join(null, ",")', ""), ('join(["a", null, "b"], ",")', "a,b"), ('join(["a", "b"], null)', "ab")],
    "regex_match": [('regex_match(null, "a")', False), ('regex_match("abc", null)', False)],
    "regex_replace": [('regex_replace(null, "a", "b")', None), ('regex_replace("abc", null, "b")', None),
                      ('regex_replace("abc", "a", null)', None)],
    "pad_left": [("pad_left(null, 3)", None), ('pad_left("7", null)', None), ('pad_left("7", 3, null)', "  7")],
    "pad_right": [("pad_right(null, 3)", None), ('pad_right("7", null)', None), ('pad_right("7", 3, null)', "7  ")],
    "coalesce": [("coalesce(null, null)", None), ("coalesce(null, 1)", 1)],
    "round": [("round(null)", None), ("round(null, 2)", None), ("round(2.5, null)", Decimal("3"))],
    "abs": [("abs(null)", None)],
    "min": [("min(null)", None), ("min(null, 1)", 1), ("min([null, 2])", 2)],
    "max": [("max(null)", None), ("max(null, 1)", 1), ("max([null, 2])", 2)],
    "int": [("int(null)", None)],
    "decimal": [("decimal(null)", None)],
    "str": [("str(null)", None)],
    "date": [("date(null)", None)],
    "datetime": [("datetime(null)", None)],
    "format_date": [('format_date(null, "%d")', None), ('format_date("2024-03-01", null)', None)],
    "parse_date": [('parse_date(null, "%d.%m.%Y")', None), ('parse_date("2024-03-01", null)', _dt.date(2024, 3, 1))],
    "add_days": [("add_days(null, 1)", None), ('add_days("2024-03-01", null)', None)],
    "first": [("first(null)", None), ("first([null, 1])", None)],
    "last": [("last(null)", None), ("last([1, null])", None)],
    "any": [("any(null, i => i)", False), ("any([null])", False), ("any([null, 1], i => i == null)", True)],
    "all": [("all(null, i => i)", True), ("all([null])", False), ("all([null], i => i == null)", True)],
    "count": [("count(null)", 0), ("count([null, 1])", 2), ("count([null, 1], i => i == null)", 1)],
    "sum": [("sum(null)", 0), ("sum([null, 1])", 1), ("sum([1, 2], i => null)", 0)],
    "filter": [("filter(null, i => true)", []), ("filter([null, 1], i => i != null)", [1])],
    "map": [("map(null, i => i)", []), ("map([null, 1], i => i ?? 0)", [0, 1])],
    "translate": [("translate(t, null)", None), ('translate(t, null, "x")', "x"), ('translate(t, "b", null)', None)],
    "today": [],
}
for _name, _cases in _NULL_CASES.items():
    FUNCTIONS[_name] = replace(FUNCTIONS[_name], null_cases=tuple(_cases))

#: names of the list functions whose second argument may be a lambda
LIST_FUNCTIONS = frozenset(name for name, spec in FUNCTIONS.items() if spec.kind == "list")
