"""The records a test case gives, shaped like the engine's records (docs/architecture.md, "Records").

- A Raynet record is the JSON the API returns; dotted keys a test writes
  (``primaryAddress.address.city: Praha``) are expanded, except Raynet's own
  flat ``rowInfo.…`` keys.
- A POHODA record is the nested dict below the agenda element; dotted keys
  are catalog paths (``addressbookHeader.identity.address.company``), list
  items ``orderItem[0]``, attributes ``element@attribute``. Values are typed
  by the POHODA field catalog (YAML writes ``12345678`` for an IČ, the
  catalog says text; a date is a ``date``; money a ``Decimal``), so
  expressions see what they see in a real run.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engine import catalogs
from engine.errors import RpsyncError
from engine.sync.paths import PathError, get_path, parse_path, set_path

_ATTRIBUTE = re.compile(r"(?P<elem>[A-Za-z_][A-Za-z0-9_]*(?:\[\d*\])?)@(?P<attr>[A-Za-z_][A-Za-z0-9_]*)")


class RecordError(RpsyncError):
    """A given record or an expected field path does not fit the catalogs."""

    code = "E-TEST-RECORD"


def field_segments(path: str) -> tuple:
    """Segments of a catalog field path, XML attributes included (``a.b@x`` → ``("a", "b@x")``,
    ``items[0]@x`` → ``("items", 0, "@x")``)."""

    def attribute(m: re.Match) -> str:
        elem, attr = m.group("elem"), m.group("attr")
        if "[" in elem:  # an attribute of a list item lives inside the item as "@attr"
            name, index = elem.split("[", 1)
            index = index.rstrip("]") or "0"
            return f'{name}[{index}]["@{attr}"]'
        return f'["{elem}@{attr}"]'

    text = _ATTRIBUTE.sub(attribute, path.strip())
    text = text.replace('.["', '["')
    return parse_path(text)


def nested(flat: dict, *, keep_flat=lambda key: False) -> dict:
    """A record from keys that may be dotted paths (deep: dotted keys inside nested maps expand too)."""
    out: dict = {}
    for key, value in flat.items():
        if isinstance(value, dict):
            value = nested(value, keep_flat=keep_flat)
        elif isinstance(value, list):
            value = [nested(v, keep_flat=keep_flat) if isinstance(v, dict) else v for v in value]
        if keep_flat(key) or ("." not in key and "[" not in key and "@" not in key):
            out[key] = value
            continue
        try:
            set_path(out, field_segments(key), value)
        except PathError as exc:
            raise RecordError(f"'{key}' is not a field path: {exc.message}") from None
    return out


def raynet_record(given: dict) -> dict:
    return nested(given, keep_flat=lambda key: key.startswith("rowInfo."))


def pohoda_record(given: dict, catalog_name: str) -> dict:
    """The POHODA record, typed by the catalog; a field the catalog does not have is an error."""
    catalog = catalogs.load("pohoda", catalog_name)
    record = nested(given)
    return _typed(record, "", catalog)


def _typed(value: Any, path: str, catalog: catalogs.Catalog) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            if key.startswith("@"):
                child_path = f"{path}{key}"
            else:
                child_path = f"{path}.{key}" if path else key
            out[key] = _typed(child, child_path, catalog)
        return out
    info = catalog.lookup(path) if path else None
    if info is None and path:
        close = catalog.suggest(path)
        hint = f"did you mean {' or '.join(close)}?" if close else \
            f"see engine/catalogs/pohoda/{catalog.name}.json for the fields"
        raise RecordError(f"the POHODA {catalog.name} catalog has no field '{path}'", hint=hint)
    if isinstance(value, list):
        item_path = path if path.endswith("[]") else f"{path}[]"
        item_info = catalog.lookup(item_path)
        if item_info is not None and item_info.item_type:
            return [_scalar(v, item_info.item_type, item_path) for v in value]
        return [_typed(v, item_path, catalog) for v in value]
    if info is None or info.type in ("object", "list", "any"):
        return value
    return _scalar(value, info.type, path)


def _scalar(value: Any, type_: str, path: str) -> Any:
    if value is None:
        return None
    try:
        if type_ == "string":
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
        if type_ == "integer":
            return int(value)
        if type_ == "decimal":
            return value if isinstance(value, Decimal) else Decimal(str(value))
        if type_ == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError(value)
        if type_ == "date":
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        if type_ == "datetime":
            return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except (ValueError, InvalidOperation, TypeError):
        raise RecordError(f"{path}: {value!r} is not a {type_} (the POHODA catalog's type of this field)",
                          hint={"date": "write dates as 2024-03-01", "datetime": "write 2024-03-01T10:00:00",
                                "boolean": "write true or false"}.get(type_)) from None
    return value


def read_field(record: Any, path: str) -> Any:
    """The value at a catalog field path of a POHODA record (``None`` when missing)."""
    return get_path(record, field_segments(path))
