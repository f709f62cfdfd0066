"""Raynet JSON with exact money: numbers with a fraction are ``Decimal`` both ways.

``loads`` parses JSON numbers with a fraction as ``Decimal`` (integers stay
``int``); ``dumps`` writes a ``Decimal`` as the JSON number it is (the
standard library would refuse it, and a float detour could change it).
Dates become ``yyyy-MM-dd``; date-times ISO 8601 with their offset (Raynet
accepts both on input, [OAS] info "Datum a čas").
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any


#: a JSON escape of a UTF-16 surrogate (a pair is decoded to one character; a lone one stays a surrogate)
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number Raynet sends")


def loads(data: bytes | str) -> Any:
    """Parse a Raynet answer. ``ValueError`` for anything that is not JSON as Raynet writes it: NaN/Infinity
    (no float may reach money) and nesting too deep to parse (instead of a RecursionError). A lone UTF-16
    surrogate escape (broken text in Raynet) becomes U+FFFD: it could not be stored, reported or written
    as XML, and the rest of the record is fine."""
    try:
        value = json.loads(data, parse_float=Decimal, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    return _scrub(value) if _SURROGATE.search(raw) else value


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> bytes:
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode("utf-8")


def _encode(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, (bool, str)):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to Raynet")
        text = format(value, "f")
        out.append(text)
    elif isinstance(value, float):
        out.append(json.dumps(value))
    elif isinstance(value, datetime):
        out.append(json.dumps(value.isoformat(timespec="milliseconds")))
    elif isinstance(value, date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as Raynet JSON")
