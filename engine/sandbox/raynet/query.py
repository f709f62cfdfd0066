"""Lists of the Raynet simulator: filters, sorting, paging — as each endpoint documents them.

The allowed filter columns, their operators and the sort columns of every
list come from the generated catalogs (``list`` / ``sub_lists``), i.e. from the
query parameters of the list endpoint in Raynet's OpenAPI spec. Anything else
is answered ``400 {"message": "Unsupported filter column ..."}`` ([OAS]
``errors/companyGet.400.json``).

[OAS] info: operators ``EQ, EQ_OR_NULL, NE, NE_OR_NULL, LT, LE, GT, GE, LIKE,
LIKE_NOCASE, IN, NOT_IN, CUSTOM``; default ``EQ``; an empty value with EQ/NE
tests for empty; the same column may appear more than once; ``offset`` /
``limit`` with pages of at most 1000.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from engine.sandbox.raynet import records, validation, views
from engine.sandbox.raynet.validation import ApiError, bad_request

MAX_LIMIT = 1000
#: GUESS: the default page size is not documented; a live observation ([AIPULSE]) says 20
DEFAULT_LIMIT = 20
ALL_OPERATORS = ("EQ", "EQ_OR_NULL", "NE", "NE_OR_NULL", "LT", "LE", "GT", "GE", "LIKE", "LIKE_NOCASE", "IN", "NOT_IN")
#: accepted on every request ([OAS] info "Datum a čas")
GLOBAL_PARAMS = ("dateFormat",)
_FILTER = re.compile(r"^(?P<column>[^\[\]]+)(?:\[(?P<op>[A-Z_]+)\])?$")
_DATE_COLUMNS = {
    "validFrom", "validTill", "scheduledEnd", "expirationDate", "requestDeliveryDate", "issueDate", "dueDate",
    "taxableSupplyDate", "paymentDate", "birthday",
}


def list_spec(entity: str, sub_list: str | None = None) -> dict:
    """The catalog's description of a list endpoint (codelists without catalogs: no filters)."""
    try:
        catalog = validation.catalog(entity)
    except FileNotFoundError:
        return {"params": [], "sort": [], "filters": {}}
    if sub_list:
        return catalog["sub_lists"][sub_list]
    return catalog.get("list") or {"params": [], "sort": [], "filters": {}}


def run(
    store,
    entity: str,
    rows: Iterable[dict],
    params: list[tuple[str, str]],
    *,
    sub_list: str | None = None,
    render: Callable[[dict, bool], dict],
) -> dict:
    """Answer a list request: ``{"success": true, "totalCount": N, "data": [...]}``."""
    spec = list_spec(entity, sub_list)
    allowed_params = set(spec["params"]) | {"offset", "limit"} | set(GLOBAL_PARAMS)
    filters: list[tuple[str, str, str]] = []
    options: dict[str, str] = {}
    for key, value in params:
        if key in allowed_params:
            options[key] = value
            continue
        match = _FILTER.match(key)
        column = match.group("column") if match else key
        if not match or column not in spec["filters"]:
            raise bad_request(f"Unsupported filter column {column}")
        operator = match.group("op") or "EQ"
        allowed = spec["filters"][column].get("operators") or ALL_OPERATORS
        if operator not in allowed:
            # GUESS: not documented; refused like an unknown column
            raise bad_request(f"Unsupported filter operator {operator} for column {column}")
        filters.append((column, operator, value))
    selected = [row for row in rows if all(_test(store, entity, row, c, o, v) for c, o, v in filters)]
    if options.get("fulltext"):
        needle = options["fulltext"].lower()
        selected = [row for row in selected if needle in _fulltext(row)]
    selected = _sort(store, entity, selected, options, spec)
    offset = _int_param(options, "offset", 0)
    limit = min(_int_param(options, "limit", DEFAULT_LIMIT), MAX_LIMIT)  # GUESS: above 1000 is capped
    page = selected[offset:offset + limit]
    view_row_info = options.get("view") == "rowInfo"  # GUESS: other view values are ignored
    iso = options.get("dateFormat") == "ISO8601"
    data = [views.render_row_info(store, entity, row, iso) if view_row_info else render(row, iso) for row in page]
    return {"success": True, "totalCount": len(selected), "data": data}


def _int_param(options: dict[str, str], name: str, default: int) -> int:
    raw = options.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"Invalid value of parameter {name}: {raw}") from None
    if value < 0:
        raise bad_request(f"Invalid value of parameter {name}: {raw}")
    return value


def _sort(store, entity: str, rows: list[dict], options: dict[str, str], spec: dict) -> list[dict]:
    column = options.get("sortColumn")
    direction = (options.get("sortDirection") or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise bad_request(f"Unsupported sort direction {direction}")
    rows = sorted(rows, key=lambda r: r["id"])  # GUESS: unsorted lists come by id
    if not column:
        return rows if direction == "ASC" else rows[::-1]
    if column not in spec["sort"]:
        raise bad_request(f"Unsupported sort column {column}")

    def key(row: dict) -> tuple:
        value = _value(store, entity, row, column)
        if isinstance(value, datetime):
            return (value is not None, value.timestamp())
        if isinstance(value, str):
            return (True, value.lower())
        return (value is not None, value if value is not None else 0)

    return sorted(rows, key=key, reverse=direction == "DESC")


# ------------------------------------------------------------------- values


def _primary_address(row: dict) -> dict:
    return next((a for a in row.get("addresses") or [] if a["primary"]), {})


def _primary_relationship(row: dict) -> dict:
    return next((r for r in row.get("relationships") or [] if r["primary"]), {})


def _value(store, entity: str, row: dict, column: str) -> Any:
    """The stored value a filter/sort column refers to."""
    if column == "rowInfo.lastModifiedAt":
        return validation.last_modified(row)
    if column in ("rowInfo.createdAt", "rowInfo.updatedAt"):
        stored = row.get(column)
        return datetime.fromisoformat(stored) if stored else None
    if column == "status":
        return views.document_status(store, entity, row)
    if column.startswith("primaryAddress-"):
        return _dig(_primary_address(row), column.split("-", 1)[1])
    if column == "primaryRelationship-company-id":
        return _primary_relationship(row).get("company")
    if column == "primaryRelationship-company-name":
        company = store.row("company", _primary_relationship(row).get("company")) or {}
        return company.get("name")
    if column == "userAccount-id":
        account = records._user_account_of(store, row["id"])
        return account["id"] if account else None
    if column == "product-id":
        return row.get("product")
    if column == "product-code":
        return (store.row("product", row.get("product")) or {}).get("code")
    if column == "name" and entity == "priceListItem":
        return (store.row("product", row.get("product")) or {}).get("name")
    return _dig(row, column)


def _dig(row: dict, path: str) -> Any:
    if path in row:
        return row[path]
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _fulltext(row: dict) -> str:
    parts = []
    for key in ("name", "code", "title", "firstName", "lastName", "regNumber", "username", "code01"):
        if row.get(key):
            parts.append(str(row[key]))
    for address in row.get("addresses") or []:
        parts.extend(str(v) for v in (address.get("address") or {}).values() if v)
    return " ".join(parts).lower()


# -------------------------------------------------------------------- tests


def _test(store, entity: str, row: dict, column: str, operator: str, raw: str) -> bool:
    if operator == "CUSTOM":
        return _custom(store, entity, row, column, raw)
    if column == "tags":
        wanted = {t.strip() for t in raw.split(",") if t.strip()}
        return bool(wanted & set(row.get("tags") or []))  # [OAS] "musí alespoň jeden obsahovat"
    value = _value(store, entity, row, column)
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]  # [OAS] example: validFrom[GT]="2014-06-01"
    empty_value = value in (None, "", [])
    if operator in ("IN", "NOT_IN"):
        options = [_convert(column, value, part.strip()) for part in text.split(",") if part.strip() != ""]
        hit = any(_equal(value, option) for option in options)
        return hit if operator == "IN" else not hit
    if text == "" or text == "null":
        # [OAS] empty value with EQ / NE tests for empty; "regNumber[NE]=null" = has an IČ
        if operator in ("EQ", "EQ_OR_NULL"):
            return empty_value
        if operator in ("NE", "NE_OR_NULL"):
            return not empty_value
    wanted = _convert(column, value, text)
    if operator == "EQ":
        return not empty_value and _equal(value, wanted)
    if operator == "EQ_OR_NULL":
        return empty_value or _equal(value, wanted)
    if operator == "NE":
        return not empty_value and not _equal(value, wanted)
    if operator == "NE_OR_NULL":
        return empty_value or not _equal(value, wanted)
    if operator in ("LIKE", "LIKE_NOCASE"):
        if empty_value:
            return False
        pattern = "^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in text) + "$"
        flags = re.IGNORECASE | re.DOTALL if operator == "LIKE_NOCASE" else re.DOTALL
        return re.match(pattern, str(value), flags) is not None
    if empty_value:
        return False
    try:
        if operator == "LT":
            return value < wanted
        if operator == "LE":
            return value <= wanted
        if operator == "GT":
            return value > wanted
        if operator == "GE":
            return value >= wanted
    except TypeError:
        raise bad_request(f"Invalid filter value {raw!r} for column {column}") from None
    raise bad_request(f"Unsupported filter operator {operator} for column {column}")


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, bool) or isinstance(wanted, bool):
        return bool(value) == bool(wanted) and value is not None
    return value == wanted


def _convert(column: str, value: Any, text: str) -> Any:
    """The filter text as the type of the stored value."""
    try:
        if isinstance(value, datetime) or column.startswith("rowInfo.") and column != "rowInfo.rowAccess":
            return validation.parse_datetime_value(text)
        if isinstance(value, bool):
            return text.lower() in ("true", "on", "yes", "1")
        if isinstance(value, int):
            return int(text)
        if isinstance(value, Decimal):
            return Decimal(text)
        if column in _DATE_COLUMNS:
            return text[:10]
        if value is None and text.lstrip("-").isdigit():
            return int(text)
    except (ValueError, InvalidOperation):
        raise bad_request(f"Invalid filter value {text!r} for column {column}") from None
    return text


def _custom(store, entity: str, row: dict, column: str, raw: str) -> bool:
    """``CUSTOM`` filters ([OAS] parameter descriptions)."""
    ids = {int(v) for v in re.findall(r"\d+", raw)}
    if column == "personRelationship":  # any relationship (primary or not) with the company
        return any(rel["company"] in ids for rel in row.get("relationships") or [])
    if column == "containsProduct":
        return any(item.get("product") in ids for item in row.get("items") or [])
    if column in ("productCategory", "productLine"):
        field = "category" if column == "productCategory" else "productLine"
        for item in row.get("items") or []:
            product = store.row("product", item.get("product")) if item.get("product") else None
            if product and product.get(field) in ids:
                return True
        return False
    if column == "withoutGdpr":
        return True  # the simulator keeps no GDPR titles: nobody has a valid one
    if column == "gdprTemplate":
        return False
    raise ApiError(400, {"message": f"Unsupported filter column {column}"})
