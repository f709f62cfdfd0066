"""Raynet JSON with exact money: numbers with a fraction are ``Decimal`` both ways.

``loads`` parses JSON numbers with a fraction as ``Decimal`` (integers stay
``int``); ``dumps`` writes a ``Decimal`` as the JSON number it is (the
standard library would refuse it, and a float detour could change it).
Dates become ``yyyy-MM-dd``; date-times ISO 8601 with their offset (Raynet
accepts both on input, [OAS] info "Datum a čas").
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def loads(data: bytes | str) -> Any:
    return json.loads(data, parse_float=Decimal)


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
