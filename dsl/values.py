"""Values of the language and the semantics shared by the compiler and the functions.

Value kinds: ``null`` (``None``; a missing key or path is null too),
``boolean`` (``bool``), ``number`` (``int`` or ``decimal.Decimal`` — never
``float``), ``string`` (``str``), ``date`` (``datetime.date``), ``datetime``
(``datetime.datetime``), ``list`` (``list``/``tuple``) and ``object`` (any
``Mapping``, normally ``dict``).

Rules in one place (docs/dsl.md has the full table):

* arithmetic and ordering with a null operand give null;
* ``==``/``!=`` never fail: values of different kinds are unequal, numbers
  compare by value (``1 == 1.0``), booleans are not numbers (``true != 1``);
* ordering (``< <= > >=``) needs two numbers, two strings, two dates or two
  datetimes; anything else is an :class:`ExprRuntimeError`;
* truthiness (``if``, ``and``, ``or``, ``not``, filters): null, false, 0, "",
  empty list and empty object are false, everything else is true.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, DecimalException, InvalidOperation

from dsl.errors import ExprRuntimeError

#: longest string and longest list an expression may produce
MAX_STRING = 1_000_000
MAX_LIST = 100_000

NUMBER_TYPES = frozenset({int, Decimal})
#: decimal arithmetic context: 28 significant digits, errors on overflow
CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999)


def kind(value) -> str:
    """The language kind of a Python value (``"unsupported"`` for anything else)."""
    if value is None:
        return "null"
    t = type(value)
    if t is bool:
        return "boolean"
    if t is int or t is Decimal:
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _dt.datetime):
        return "datetime"
    if isinstance(value, _dt.date):
        return "date"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) and not isinstance(value, bool):
        return "number"
    return "unsupported"


def describe(value) -> str:
    """Kind and a short rendering, for error messages: ``string "abc"``."""
    k = kind(value)
    if k == "null":
        return "null"
    if k == "list":
        return f"a list of {len(value)}"
    if k == "object":
        return f"an object with {len(value)} key{'s' if len(value) != 1 else ''}"
    if k == "unsupported":
        hint = " (parse JSON with parse_float=Decimal)" if isinstance(value, float) else ""
        return f"an unsupported Python value of type {type(value).__name__}{hint}"
    shown = to_text(value) if k != "string" else value
    if len(shown) > 40:
        shown = shown[:37] + "..."
    if k == "string":
        return "string " + json.dumps(shown, ensure_ascii=False)
    return f"{k} {shown}"


# --------------------------------------------------------------------------- text

def number_text(value: int | Decimal) -> str:
    """Plain positional notation: ``Decimal('1E+2')`` is ``100``, ``1.50`` stays ``1.50``."""
    if type(value) is int:
        return str(value)
    if not -100 <= value.adjusted() <= 100:  # positional notation would be enormous
        return str(value)
    text = format(value, "f")
    return "0" if text == "-0" else text


def to_text(value) -> str:
    """The text of a value, as ``~`` and ``str()`` write it (null is "")."""
    if value is None:
        return ""
    t = type(value)
    if t is str:
        return value
    if t is bool:
        return "true" if value else "false"
    if t is int or t is Decimal:
        return number_text(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, Mapping)):
        return json.dumps(to_json(value), ensure_ascii=False)
    raise ExprRuntimeError(f"cannot turn {describe(value)} into text", value=value)


def to_json(value):
    """A JSON-ready copy of a value: Decimal stays Decimal (see :func:`dumps`), dates ISO."""
    if value is None or type(value) in (bool, int, str, Decimal):
        return value
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    raise ExprRuntimeError(f"cannot write {describe(value)} as JSON", value=value)


def dumps(value, *, indent: int | None = None) -> str:
    """JSON text of a language value; a Decimal is written as an exact JSON number."""
    return _DecimalJSONEncoder(ensure_ascii=False, indent=indent).encode(to_json(value))


class _DecimalJSONEncoder(json.JSONEncoder):
    """Writes Decimal as its exact digits (a JSON number), not via float."""

    def iterencode(self, o, _one_shot=False):
        return self._walk(o, 0)

    def _walk(self, o, level):
        if isinstance(o, Decimal):
            yield number_text(o)
        elif isinstance(o, list):
            if not o:
                yield "[]"
                return
            yield "["
            for i, item in enumerate(o):
                if i:
                    yield self.item_separator
                yield from self._newline(level + 1)
                yield from self._walk(item, level + 1)
            yield from self._newline(level)
            yield "]"
        elif isinstance(o, dict):
            if not o:
                yield "{}"
                return
            yield "{"
            for i, (k, v) in enumerate(o.items()):
                if i:
                    yield self.item_separator
                yield from self._newline(level + 1)
                yield json.dumps(k, ensure_ascii=False) + self.key_separator
                yield from self._walk(v, level + 1)
            yield from self._newline(level)
            yield "}"
        else:
            yield json.dumps(o, ensure_ascii=False)

    def _newline(self, level):
        if self.indent is not None:
            yield "\n" + " " * (self.indent * level)


# --------------------------------------------------------------------------- equality and order

def equal(a, b) -> bool:
    """Language equality (``==``): kinds must match, numbers compare by value."""
    ta, tb = type(a), type(b)
    if ta is tb and ta is not list and ta is not dict and ta is not tuple:
        return a == b
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return False
    if ka == "list":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if ka == "object":
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b


_ORDERED = frozenset({"number", "string", "date", "datetime"})


def compare(op: str, a, b):
    """``a op b`` for ``< <= > >=``; null operand -> null; other kinds must match."""
    if a is None or b is None:
        return None
    ka, kb = kind(a), kind(b)
    if ka != kb or ka not in _ORDERED:
        raise ExprRuntimeError(
            f"cannot compare {describe(a)} with {describe(b)} using {op}",
            hint="compare numbers with numbers, text with text, dates with dates; "
                 "convert first with decimal(), str() or date()", value=(a, b))
    try:
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    except TypeError:  # naive vs aware datetimes
        raise ExprRuntimeError(f"cannot compare {describe(a)} with {describe(b)}: one has a time zone "
                               "and the other has not", value=(a, b)) from None


def contains(container, item) -> bool:
    """``item in container``: list membership, substring, or object key; null container is empty."""
    if container is None:
        return False
    k = kind(container)
    if k == "list":
        t = type(item)
        if t is str or t is int or t is Decimal:
            for element in container:
                if type(element) is not bool and element == item and kind(element) == kind(item):
                    return True
            return False
        return any(equal(element, item) for element in container)
    if k == "string":
        if item is None:
            return False
        if not isinstance(item, str):
            raise ExprRuntimeError(f"'in' a text needs a text on the left, got {describe(item)}",
                                   hint="use str(value) to turn it into text", value=item)
        return item in container
    if k == "object":
        return isinstance(item, str) and item in container
    raise ExprRuntimeError(f"'in' needs a list, a text or an object on the right, got {describe(container)}",
                           value=container)


# --------------------------------------------------------------------------- arithmetic

_ARITH_WORDS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "take the remainder of"}


def arith(op: str, a, b):
    """The slow path of ``+ - * / %``: null in -> null out; numbers only."""
    if a is None or b is None:
        return None
    if type(a) not in NUMBER_TYPES or type(b) not in NUMBER_TYPES:
        bad = a if type(a) not in NUMBER_TYPES else b
        hint = None
        if op == "+" and (isinstance(a, str) or isinstance(b, str)):
            hint = 'join texts with ~, e.g. "No. " ~ number'
        elif isinstance(bad, str):
            hint = "convert text to a number with decimal(…) or int(…)"
        elif isinstance(bad, _dt.date):
            hint = "use add_days(date, n) for date arithmetic"
        raise ExprRuntimeError(f"cannot {_ARITH_WORDS[op]} {describe(a)} and {describe(b)}: "
                               f"{op} needs numbers", hint=hint, value=bad)
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return divide(a, b)
        return modulo(a, b)
    except DecimalException:
        raise ExprRuntimeError(f"the result of {number_text(a)} {op} {number_text(b)} is too large",
                               value=(a, b)) from None


def divide(a, b):
    if not b:
        raise ExprRuntimeError(f"division by zero ({number_text(a)} / {number_text(b)})",
                               hint="guard it: if d == 0 then null else n / d", value=b)
    if type(a) is int and type(b) is int and a % b == 0:
        return Decimal(a // b)
    return CONTEXT.divide(Decimal(a), Decimal(b))


def modulo(a, b):
    """Remainder with the sign of the divisor (floored), for ints and Decimals alike."""
    if not b:
        raise ExprRuntimeError(f"division by zero ({number_text(a)} % {number_text(b)})", value=b)
    if type(a) is int and type(b) is int:
        return a % b
    r = CONTEXT.remainder(Decimal(a), Decimal(b))
    if r and (r < 0) != (b < 0):
        r = CONTEXT.add(r, Decimal(b))
    return r


def negate(a):
    if a is None:
        return None
    if type(a) not in NUMBER_TYPES:
        raise ExprRuntimeError(f"cannot negate {describe(a)}: unary - needs a number", value=a)
    return -a


# --------------------------------------------------------------------------- conversions

def to_decimal(value, what: str = "decimal") -> Decimal | None:
    """A number from a number or a text such as ``"1234.50"`` or ``"1234,50"``."""
    if value is None:
        return None
    t = type(value)
    if t is Decimal:
        return value
    if t is int:
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        if 0 < len(text) <= 100:
            try:
                d = Decimal(text)
            except InvalidOperation:
                d = None
            if d is not None and d.is_finite() and all(c in "+-.0123456789eE" for c in text):
                if d and not -100 <= d.adjusted() <= 100:
                    raise ExprRuntimeError(f"{what}: {describe(value)} is out of range (at most 100 digits "
                                           "before or after the decimal point)", value=value)
                return d
        raise ExprRuntimeError(f"{what}: {describe(value)} is not a number",
                               hint='write digits with a decimal point or comma, e.g. "1234.50"', value=value)
    raise ExprRuntimeError(f"{what}: cannot turn {describe(value)} into a number", value=value)


def to_int(value) -> int | None:
    """An integer; decimals are truncated toward zero; text must be an integer."""
    if value is None:
        return None
    t = type(value)
    if t is int:
        return value
    if t is Decimal:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and len(text) <= 100 and text.isascii():
            return int(text)
        d = to_decimal(value, "int")
        return int(d)
    raise ExprRuntimeError(f"int: cannot turn {describe(value)} into a number", value=value)


def commercial_round(value, places: int = 0):
    """Round half away from zero (2.5 -> 3, -2.5 -> -3), as Czech accounting does."""
    if value is None or places is None:
        return None
    if type(value) not in NUMBER_TYPES:
        raise ExprRuntimeError(f"round: {describe(value)} is not a number", value=value)
    if type(places) is not int:
        raise ExprRuntimeError(f"round: the number of places must be an integer, got {describe(places)}",
                               value=places)
    if not -30 <= places <= 30:
        raise ExprRuntimeError(f"round: {places} places is out of range (-30 … 30)", value=places)
    if type(value) is int and places >= 0:
        return value
    try:
        d = Decimal(value)
        if places >= 0:
            return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=CONTEXT)
        scaled = d.scaleb(places, context=CONTEXT).quantize(Decimal(1), rounding=ROUND_HALF_UP, context=CONTEXT)
        return Decimal(int(scaled) * 10 ** -places)
    except DecimalException:
        raise ExprRuntimeError(f"round: {number_text(value)} is too large to round to {places} places",
                               value=value) from None


def as_date(value, what: str) -> _dt.date | None:
    """A date from a date, a datetime (its date part) or an ISO text (``2024-03-01``)."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return _dt.date.fromisoformat(text)
            return _dt.datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise ExprRuntimeError(f"{what}: {describe(value)} is not a date",
                           hint='dates are written as ISO text, e.g. "2024-03-01"; '
                                'use parse_date(text, format) for other formats', value=value)


def as_datetime(value, what: str) -> _dt.datetime | None:
    """A datetime from a datetime, a date (midnight) or an ISO text."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            return _dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    raise ExprRuntimeError(f"{what}: {describe(value)} is not a date-time",
                           hint='write ISO text, e.g. "2024-03-01T14:30:00+01:00"', value=value)


def check_string(result: str) -> str:
    if len(result) > MAX_STRING:
        raise ExprRuntimeError(f"the text result would be {len(result)} characters long; "
                               f"the limit is {MAX_STRING}", value=None)
    return result


def check_list(result: list) -> list:
    if len(result) > MAX_LIST:
        raise ExprRuntimeError(f"the list result would have {len(result)} elements; the limit is {MAX_LIST}")
    return result


def as_list(value, what: str):
    """A list argument; null is the empty list."""
    if value is None:
        return ()
    if type(value) is list or isinstance(value, (list, tuple)):
        return value
    raise ExprRuntimeError(f"{what} needs a list, got {describe(value)}", value=value)


def get_key(container, key):
    """``container[key]`` for the language: object key or list position; anything missing is null."""
    if container is None or key is None:
        return None
    if isinstance(container, Mapping):
        if isinstance(key, str):
            return container.get(key)
        return None
    if isinstance(container, (list, tuple)):
        if type(key) is Decimal and key == key.to_integral_value():
            key = int(key)
        if type(key) is int and -len(container) <= key < len(container):
            return container[key]
        return None
    return None


def get_attr(container, name: str):
    """``container.name`` when ``container`` is not a plain dict: only Mappings have keys."""
    if isinstance(container, Mapping):
        return container.get(name)
    return None
