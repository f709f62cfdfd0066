"""Turn values named by Raynet *read* paths into Raynet API writes.

Bindings name Raynet fields as the API returns them (``primaryAddress.address.street``,
``owner``, ``customFields["Label"]``). Writing needs other shapes: a new client
carries its address in ``addresses[0]``; an existing client's address is changed
through ``/company/{id}/address/{addressId}/`` (the company edit has no address);
references are written as ids; custom fields by their generated key.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Callable, Mapping

from engine.mapping.fields import custom_field_label
from engine.sync.paths import get_path, parse_path, set_path

#: Raynet requires these on a new client (CompanyInsertDto.required); values a
#: client synced from accounting has unless the mapping binds them
COMPANY_DEFAULTS = {"rating": "B", "state": "B_ACTUAL", "role": "A_SUBSCRIBER"}
ADDRESS_PREFIXES = ("primaryAddress.", "contactAddress.")


@cache
def _write_types(entity: str) -> dict[str, str]:
    """Field path -> the type it is written as, where that differs from how it is read."""
    import json
    from importlib import resources

    try:
        text = resources.files("engine.catalogs").joinpath("raynet", f"{entity}.json").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    fields = json.loads(text).get("fields", {})
    return {path: f["write_type"] for path, f in fields.items() if isinstance(f, dict) and f.get("write_type")}


def _writable_ref(entity: str, path: str) -> bool:
    return _write_types(entity).get(path) in ("integer", "number")


def as_written(entity: str, path: str, value: Any) -> Any:
    """A reference read as ``{"id": 5, …}`` is written as ``5``."""
    if isinstance(value, Mapping) and "id" in value and _writable_ref(entity, path):
        return value["id"]
    return value


def resolve_custom(path: str, key_for: Callable[[str], str]) -> str:
    """``customFields["Label"]`` -> ``customFields.<key>`` (other paths unchanged)."""
    label = custom_field_label(path)
    return f"customFields.{key_for(label)}" if label else path


def body_from_values(entity: str, values: Mapping[str, Any], key_for: Callable[[str], str]) -> dict:
    """A nested request body from read-path values (custom fields by key, references as ids)."""
    body: dict[str, Any] = {}
    for path, value in values.items():
        real = resolve_custom(path, key_for)
        if real.startswith("customFields."):
            body.setdefault("customFields", {})[real.split(".", 1)[1]] = value
            continue
        set_path(body, parse_path(real), as_written(entity, real, value))
    return body


def split_company(values: Mapping[str, Any]) -> tuple[dict, dict]:
    """(company fields, primary address fields with the ``primaryAddress.`` prefix removed)."""
    company, address = {}, {}
    for path, value in values.items():
        if path.startswith("primaryAddress."):
            address[path[len("primaryAddress."):]] = value
        elif path.startswith("contactAddress."):
            continue  # the contact address is a view of one of the addresses; written through it
        else:
            company[path] = value
    return company, address


def company_create_body(values: Mapping[str, Any], key_for: Callable[[str], str], *,
                        address_name: str = "Sídlo") -> dict:
    company, address = split_company(values)
    body = {**COMPANY_DEFAULTS, **body_from_values("company", company, key_for)}
    if any(v not in (None, "") for v in address.values()):
        entry = body_from_values("companyAddress", address, key_for)
        entry.setdefault("address", {})
        if not entry["address"].get("name"):
            entry["address"]["name"] = address_name
        entry["address"].setdefault("country", "CZ")
        body["addresses"] = [entry]
    return body


def address_update_body(address: Mapping[str, Any], key_for: Callable[[str], str]) -> dict:
    return body_from_values("companyAddress", address, key_for)


def primary_address_id(record: Mapping[str, Any] | None) -> int | None:
    value = get_path(record, "primaryAddress.id") if record else None
    return int(value) if value is not None else None
