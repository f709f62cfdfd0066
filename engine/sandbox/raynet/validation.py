"""What a request body must be, for the Raynet simulator: types, enums, required fields.

The rules come from the generated field catalogs (``engine/catalogs/raynet``),
i.e. from the request schemas of Raynet's OpenAPI spec ([OAS]). Errors use the
documented bodies: 400 ``{"message": …}``, 500 ``{"message": "<Exception>[: key]",
"translatedMessage": …}`` ([OAS] ``errors/*.json``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

#: the sandbox user's time zone (userAccount detail example: ``EUROPE_PRAGUE``)
USER_TZ = ZoneInfo("Europe/Prague")


class ApiError(Exception):
    """An answer other than success: status and the JSON body Raynet would send."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


def business_error(translated: str, message: str = "IllegalArgumentException") -> ApiError:
    """500 with the documented business-error body."""
    return ApiError(500, {"message": message, "translatedMessage": translated})


def bad_request(message: str) -> ApiError:
    return ApiError(400, {"message": message})


def not_found(what: str) -> ApiError:
    # GUESS: 404 bodies are not documented; shaped like the documented error bodies.
    return ApiError(404, {"message": "EntityNotFoundException", "translatedMessage": f"Záznam nebyl nalezen: {what}"})


# ------------------------------------------------------------------ catalogs


@lru_cache(maxsize=None)
def catalog(name: str) -> dict:
    """The generated field catalog ``engine/catalogs/raynet/<name>.json`` (committed data)."""
    text = resources.files("engine.catalogs").joinpath("raynet").joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def fields(name: str) -> dict[str, dict]:
    return catalog(name)["fields"]


# ---------------------------------------------------------------- validation

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _coerce(path: str, kind: str, value: Any) -> Any:
    """One value of type ``kind``; raises 400 for a value of the wrong JSON type.

    GUESS: the spec does not document type errors; a body that does not
    deserialize is a Bad Request.
    """
    if value is None:
        return None
    wrong = bad_request(f"Invalid value of attribute {path}: {value!r} is not {kind}")
    if kind == "string":
        if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
            return str(value)
        raise wrong
    if kind == "integer":
        if isinstance(value, bool):
            raise wrong
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise wrong
    if kind == "decimal":
        if isinstance(value, bool):
            raise wrong
        if isinstance(value, (int, Decimal)):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            try:
                return Decimal(value.strip())
            except ArithmeticError:
                raise wrong from None
        raise wrong
    if kind == "boolean":
        # [OAS] info "Datové typy": true/on/yes/1 and false/off/no/0
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise wrong
    if kind == "date":
        if isinstance(value, str):
            text = value.strip()
            if _DATE_RE.match(text):
                return text
            try:
                return parse_datetime_value(text).astimezone(USER_TZ).date().isoformat()
            except ValueError:
                raise wrong from None
        raise wrong
    if kind == "datetime":
        if isinstance(value, str):
            try:
                return parse_datetime_value(value).isoformat(timespec="milliseconds")
            except ValueError:
                raise wrong from None
        raise wrong
    return value


def validate(catalog_name: str, body: Any, access: str, prefix: str = "", *, required: bool) -> dict:
    """Check ``body`` against the catalog's request fields; return the accepted part.

    Unknown keys are dropped (GUESS: the spec does not say; Raynet's Java
    backend most plausibly ignores them). Missing required fields on create
    are a business error (GUESS: the message of a missing field is not
    documented; shaped like the documented ``IllegalArgumentException``).
    """
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    known = fields(catalog_name)
    accepted: dict[str, Any] = {}
    for key, value in body.items():
        path = f"{prefix}{key}"
        info = known.get(path) or known.get(f"{path}[]")
        if info is None or access not in info["access"]:
            continue
        kind = info.get("write_type") or info["type"]
        if info.get("open"):
            if value is not None and not isinstance(value, dict):
                raise bad_request(f"Invalid value of attribute {path}: expected an object")
            accepted[key] = value
        elif kind == "list":
            if value is None:
                accepted[key] = None
                continue
            if not isinstance(value, list):
                raise bad_request(f"Invalid value of attribute {path}: expected a list")
            item_type = info.get("item_type")
            if item_type:
                accepted[key] = [_coerce(f"{path}[]", item_type, v) for v in value]
            else:
                accepted[key] = [validate(catalog_name, v, access, f"{path}[].", required=required) for v in value]
        elif kind == "object":
            accepted[key] = None if value is None else validate(catalog_name, value, access, f"{path}.", required=required)
        else:
            coerced = _coerce(path, kind, value)
            enum = info.get("enum")
            if coerced is not None and enum and coerced not in enum:
                raise business_error(
                    f"Neplatná hodnota '{coerced}' atributu {path}; povolené hodnoty: {', '.join(enum)}"
                )
            accepted[key] = coerced
    if required and access == "create":
        for path, info in known.items():
            if not info.get("required") or not path.startswith(prefix):
                continue
            rest = path[len(prefix):]
            if "." in rest or "[" in rest:
                continue
            if accepted.get(rest) in (None, ""):
                raise business_error(f"Atribut '{path}' je povinný.", "IllegalArgumentException")
    return accepted


# ------------------------------------------------------------ dates & times


def parse_datetime_value(text: str) -> datetime:
    """``yyyy-MM-dd HH:mm`` (user's zone), ISO 8601, or ``yyyy-MM-dd`` (midnight, user's zone)."""
    text = text.strip().strip('"').strip("'")
    if _DATE_RE.match(text):
        return datetime.fromisoformat(text).replace(tzinfo=USER_TZ)
    if re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", text):
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=USER_TZ)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=USER_TZ)


def render_datetime(stored: str | None, iso: bool) -> str | None:
    """[OAS] info "Datum a čas": ``yyyy-MM-dd HH:mm`` in the user's zone, or ISO 8601 with
    ``dateFormat=ISO8601`` (``2022-01-01T12:00:00.000+01:00``)."""
    if not stored:
        return None
    moment = datetime.fromisoformat(stored).astimezone(USER_TZ)
    if iso:
        return moment.isoformat(timespec="milliseconds")
    return moment.strftime("%Y-%m-%d %H:%M")


def last_modified(row: dict) -> datetime:
    stored = row.get("rowInfo.updatedAt") or row.get("rowInfo.createdAt")
    return datetime.fromisoformat(stored)


def duplicate_key() -> ApiError:
    """The documented unique-key error ([OAS] errors/securityLevelInsert.500.json)."""
    return business_error("Některá z položek není unikátní.", "TranslatedApplicationException: exception.duplicateKey")


def still_referenced() -> ApiError:
    """The documented "still referenced" error ([OAS] errors/securityLevelDelete.500.json)."""
    return business_error(
        "Tento záznam nelze smazat - odkazují se na něj jiné záznamy.",
        "TranslatedApplicationException: exception.stillReferenced",
    )
