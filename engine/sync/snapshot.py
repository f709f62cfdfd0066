"""Canonical values, snapshots and fingerprints.

Two systems spell the same value differently: POHODA leaves an empty element
out where Raynet answers ``null`` or ``""``; ``21`` and ``21.00`` are the same
VAT rate. Comparisons and fingerprints therefore work on canonical values:

- ``None`` and ``""`` are the same (no value);
- numbers (``int``, ``Decimal``) compare by value (``1 == 1.00``);
- dates and date-times are ISO strings; dicts are key-sorted; lists keep order.

A *snapshot* is the dict ``{binding name: canonical value}`` of one record in one
side's field space; its fingerprint is a short stable hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping


def norm_text(value: Any) -> str:
    """Text as pairing keys compare it: spaces collapsed, case folded (``" ACME  s.r.o."`` is ``acme s.r.o.``)."""
    return " ".join(str(value or "").split()).casefold()


def canonical(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        d = Decimal(value)
        if not d.is_finite():
            return {"$num": str(d)}
        text = format(d.normalize(), "f")
        return {"$num": "0" if text in ("-0", "0") else text}
    if isinstance(value, float):  # never produced by rpsync itself; accepted defensively
        return canonical(Decimal(repr(value)))
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Mapping):
        out = {str(k): canonical(v) for k, v in value.items()}
        out = {k: v for k, v in out.items() if v is not None}
        return dict(sorted(out.items())) or None
    if isinstance(value, (list, tuple)):
        items = [canonical(v) for v in value]
        return items or None
    return {"$str": str(value)}


def same(a: Any, b: Any) -> bool:
    """True when two values are the same after canonicalisation."""
    return canonical(a) == canonical(b)


#: ``json.dumps(…, ensure_ascii=False, separators=(",", ":"), sort_keys=True)`` made once: with arguments,
#: ``json.dumps`` builds a new encoder on every call, which costs more than encoding a small value
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def dumps(snapshot: Mapping[str, Any]) -> str:
    return _DUMPS({k: canonical(v) for k, v in sorted(snapshot.items())})


def fingerprint(snapshot: Mapping[str, Any]) -> str:
    return hashlib.blake2b(dumps(snapshot).encode("utf-8"), digest_size=12).hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return {"$num": str(value)}
    if isinstance(value, float):
        return {"$num": repr(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return {"$str": str(value)}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, raw), = value.items()
            if tag == "$num":
                return Decimal(raw)
            if tag == "$dt":
                return datetime.fromisoformat(raw)
            if tag == "$date":
                return date.fromisoformat(raw)
            if tag == "$str":
                return raw
        return {k: _decode(v) for k, v in value.items()}
    return value


def to_json(value: Any) -> str:
    """Serialise a record or shadow keeping Decimal, date and datetime types."""
    return _DUMPS(_encode(value))


def from_json(text: str) -> Any:
    return _decode(json.loads(text))
