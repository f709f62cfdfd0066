"""Does an actual value match what a test file expects, and how both are shown.

YAML and the two systems spell values differently, so matching is by meaning:
numbers by value (``21 == 21.00``), dates and date-times against their ISO
text, a number written in YAML against the same digits in text (an IČ written
``12345678`` matches ``"12345678"``), text in XML (``"true"``, ``"21.00"``)
against the typed value. Maps match when every key written matches (keys not
written are not checked); lists match item by item. ``null`` matches only no
value (``None`` or missing).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dsl.errors import ExprRuntimeError
from dsl.values import dumps, to_decimal


def _number(value: Any) -> Decimal | None:
    """The value as a number, the way the expression language reads numbers from text; None if it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return to_decimal(value)
    except ExprRuntimeError:
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, Decimal)):
        return str(value)
    return None


def matches(expected: Any, actual: Any) -> bool:
    if expected is None:
        return actual is None or actual == [] or actual == ""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        return all(matches(v, actual.get(k)) for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return False
        return all(matches(e, a) for e, a in zip(expected, actual))
    if actual is None or isinstance(actual, (dict, list)):
        return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _text(expected) == _text(actual)
    if isinstance(expected, (int, Decimal)) and isinstance(actual, (int, Decimal, float)):
        return _number(expected) == _number(actual)
    if isinstance(expected, (int, Decimal)) and isinstance(actual, str):
        # XML text ("21.00") or a text field written as a YAML number (IČ 12345678)
        text = actual.strip()
        leading_zero = len(text) > 1 and text.isdigit() and text.startswith("0")  # 01234 is a code, not 1234
        return actual == str(expected) or (not leading_zero and _number(text) == _number(expected))
    if isinstance(expected, str) and isinstance(actual, (int, Decimal)):
        return expected == str(actual)
    if isinstance(actual, (date, datetime)) or isinstance(expected, (date, datetime)):
        return _text(expected) == _text(actual)
    return expected == actual


def show(value: Any) -> str:
    """A value as a test file would write it (JSON-like; text in double quotes, ``null`` for none)."""
    try:
        return dumps(value)
    except (TypeError, ValueError):
        return repr(value)
