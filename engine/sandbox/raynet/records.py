"""What the Raynet simulator does with records: create, update, delete, sub-resources.

Authority: Raynet's OpenAPI spec ([OAS]); request bodies are checked by
``validation.py`` (from the generated catalogs), answers are rendered by
``views.py``. Where the spec is silent the choice is marked ``GUESS`` with the
reasoning.

Error bodies follow the documented shape ``{"message": "<Exception>[: key]",
"translatedMessage": "<text>"}`` with status 500 for business errors ([OAS]
``errors/*.500.json``).
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from decimal import Decimal
from typing import Any, Callable

from engine.sandbox.raynet.validation import (
    USER_TZ,
    ApiError,
    _coerce,
    bad_request,
    business_error,
    duplicate_key,
    not_found,
    still_referenced,
    validate,
)

MAX_EXT_IDS = 10  # [OAS] tag "Externí identifikátor": up to 10 per record
BULK_UPSERT_MAX = 100  # [OAS] POST /priceList/{id}/itemBulkUpsert/
STATUSES = ("B_ACTIVE", "E_WIN", "F_LOST", "G_STORNO")
EXT_ENTITIES = ("company", "person", "businessCase", "offer", "salesOrder", "invoice", "product", "priceList")

#: config entity names of /customField/config/ by API entity
CONFIG_ENTITY = {
    "company": "Company", "person": "Person", "businessCase": "BusinessCase", "offer": "Offer",
    "salesOrder": "SalesOrder", "product": "Product", "lead": "Lead", "project": "Project",
    "task": "Task", "email": "Email", "event": "Event", "letter": "Letter", "phoneCall": "PhoneCall",
    "meeting": "Meeting",
}

#: GUESS: output country names for input country codes ([OAS] companyInsert documents
#: ``address.country`` as "[Kód Země]" (``CZ``); detail examples show "Česká republika")
COUNTRIES = {
    "CZ": "Česká republika", "SK": "Slovensko", "DE": "Německo", "AT": "Rakousko", "PL": "Polsko",
    "HU": "Maďarsko", "GB": "Spojené království", "US": "Spojené státy americké", "FR": "Francie",
    "IT": "Itálie", "NL": "Nizozemsko", "BE": "Belgie", "CH": "Švýcarsko",
}


# --------------------------------------------------------------- references

#: per entity: request field -> referenced table
REFERENCES: dict[str, dict[str, str]] = {
    "company": {
        "owner": "owner", "securityLevel": "securityLevel", "category": "companyCategory",
        "contactSource": "contactSource", "employeesNumber": "employeesNumber", "legalForm": "legalForm",
        "paymentTerm": "paymentTerm", "turnover": "companyTurnover", "economyActivity": "economyActivity",
        "companyClassification1": "companyClassification1", "companyClassification2": "companyClassification2",
        "companyClassification3": "companyClassification3", "originLead": "lead",
    },
    "person": {
        "owner": "owner", "securityLevel": "securityLevel", "category": "personCategory",
        "personClassification1": "personClassification1", "personClassification2": "personClassification2",
        "personClassification3": "personClassification3", "language": "language",
        "maritalStatus": "maritalStatus", "originLead": "lead",
    },
    "businessCase": {
        "owner": "owner", "securityLevel": "securityLevel", "company": "company", "person": "person",
        "project": "project", "currency": "currency", "category": "businessCaseCategory", "source": "contactSource",
        "businessCaseClassification1": "businessCaseClassification1",
        "businessCaseClassification2": "businessCaseClassification2",
        "businessCaseClassification3": "businessCaseClassification3", "businessCasePhase": "businessCasePhase",
        "originalLead": "lead",
    },
    "offer": {
        "owner": "owner", "securityLevel": "securityLevel", "company": "company", "person": "person",
        "businessCase": "businessCase", "category": "offerCategory", "offerStatus": "offerStatus",
    },
    "salesOrder": {
        "owner": "owner", "securityLevel": "securityLevel", "company": "company", "person": "person",
        "businessCase": "businessCase", "offer": "offer", "category": "salesOrderCategory",
        "salesOrderStatus": "salesOrderStatus",
    },
    "invoice": {
        "company": "company", "securityLevel": "securityLevel", "owner": "owner", "currency": "currency",
        "businessCase": "businessCase",
    },
    "product": {"category": "productCategory", "productLine": "productLine"},
    "priceList": {
        "owner": "owner", "securityLevel": "securityLevel", "currency": "currency", "category": "priceListCategory",
    },
}


def check_reference(store, table: str, value: Any, path: str) -> None:
    """A written id must exist. GUESS: an unknown id is a business error (500)."""
    if value is None:
        return
    if table == "owner":
        person = store.row("person", value)
        if person is None or not _user_account_of(store, value):
            raise business_error(f"Vlastník {value} neexistuje nebo není uživatelem ({path}).")
        return
    if store.row(table, value) is None:
        raise business_error(f"Záznam {table} s ID {value} neexistuje ({path}).")


def _user_account_of(store, person_id: int) -> dict | None:
    for account in store.table("userAccount").values():
        if account.get("person") == person_id:
            return account
    return None


def full_name(person: dict) -> str:
    return " ".join(p for p in (person.get("firstName"), person.get("lastName")) if p)


def ref(store, table: str, value: Any) -> dict | None:
    """A reference as the API renders it."""
    if value is None:
        return None
    if table in ("owner", "person"):
        row = store.row("person", value)
        return {"id": value, "fullName": full_name(row) if row else None}
    if table == "company":
        row = store.row("company", value)
        return {"id": value, "name": row.get("name") if row else None}
    if table == "securityLevel":
        row = store.row("securityLevel", value)
        return {"id": value, "name": row.get("name") if row else None}
    if table in ("businessCase", "offer"):
        row = store.row(table, value)
        return {"id": value, "code": row.get("code") if row else None}
    if table == "lead":
        return {"id": value, "code": None, "topic": None}
    row = store.row(table, value)
    return {"id": value, "value": row.get("code01") if row else None}


# ----------------------------------------------------------- custom fields


def custom_field_key(label: str, salt: str) -> str:
    """Keys look like ``Cislo_klie_cd702`` ([OAS] examples): the label without
    diacritics, spaces as ``_``, cut to 10 characters, ``_`` and 5 hex digits."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"\s+", "_", plain.strip())[:10] or "pole"
    digest = hashlib.sha1(f"{salt}:{label}".encode("utf-8")).hexdigest()[:5]
    return f"{stem}_{digest}"


def apply_custom_fields(store, entity: str, row: dict, values: dict | None) -> None:
    """[OAS] ``customFields.<customFieldKey>``: number for BIG_DECIMAL, boolean for BOOLEAN,
    ``yyyy-MM-dd`` for DATE, string otherwise; an empty value clears the field.
    GUESS: an unknown key or a wrongly typed value is a business error."""
    if not values:
        return
    config = {f["name"]: f for f in store.custom_fields.get(CONFIG_ENTITY[entity], [])}
    current = row.setdefault("customFields", {})
    for key, value in values.items():
        definition = config.get(key)
        if definition is None:
            raise business_error(f"Volitelné pole '{key}' neexistuje u entity {CONFIG_ENTITY[entity]}.")
        if value is None or value == "":
            current.pop(key, None)
            continue
        kind = definition.get("dataType")
        path = f"customFields.{key}"
        if kind in ("BIG_DECIMAL", "MONETARY", "PERCENT"):
            current[key] = _coerce(path, "decimal", value)
        elif kind == "BOOLEAN":
            current[key] = _coerce(path, "boolean", value)
        elif kind == "DATE":
            current[key] = _coerce(path, "date", value)
        elif kind == "ENUMERATION":
            text = _coerce(path, "string", value)
            if text not in (definition.get("enumeration") or []):
                raise business_error(f"Hodnota '{text}' není v číselníku volitelného pole '{key}'.")
            current[key] = text
        else:
            current[key] = _coerce(path, "string", value)


# ------------------------------------------------------------------ writes


def _merge(target: dict, changes: dict) -> None:
    """Partial update: only the keys sent change; nested objects merge key by key."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _check_refs(store, entity: str, body: dict) -> None:
    for key, table in REFERENCES.get(entity, {}).items():
        if key in body:
            check_reference(store, table, body[key], key)


def _take_ext_id(store, entity: str, body: dict) -> str | None:
    ext = body.pop("extId", None)
    if ext is None:
        return None
    if not isinstance(ext, str) or not ext.strip():
        raise bad_request("Invalid value of attribute extId")
    if entity not in EXT_ENTITIES:
        return None
    if store.find_ext(entity, ext) is not None:
        # documented message class ([OAS] errors/securityLevelInsert.500.json)
        raise duplicate_key()
    return ext


def add_ext_id(store, entity: str, row: dict, ext: str) -> None:
    ext_ids = row.setdefault("extIds", [])
    if ext in ext_ids:
        return
    owner = store.find_ext(entity, ext)
    if owner is not None and owner != row["id"]:
        raise duplicate_key()
    if len(ext_ids) >= MAX_EXT_IDS:
        raise business_error(f"Záznam může mít nejvýše {MAX_EXT_IDS} externích identifikátorů.")
    ext_ids.append(ext)
    store.index_ext(entity, ext, row["id"])


def remove_ext_id(store, entity: str, row: dict, ext: str) -> None:
    ext_ids = row.get("extIds") or []
    if ext in ext_ids:
        ext_ids.remove(ext)
        store.index_ext(entity, ext, None)


def _home_currency(store) -> int | None:
    currencies = store.table("currency")
    for row in currencies.values():
        if row.get("home"):
            return row["id"]
    return min(currencies) if currencies else None


def _api_user_person(store) -> int | None:
    for account in store.table("userAccount").values():
        if account.get("username") == store.user:
            return account.get("person")
    return None


def _next_code(store, entity: str) -> str:
    """GUESS at the numbering: ``OP-15-008`` / ``NAB-17-001`` / ``OBJ-17-001`` / ``FV2015001`` ([OAS] examples)."""
    year = store.now().year
    number = store.next_id(f"code:{entity}:{year}")
    prefix = {"businessCase": "OP", "offer": "NAB", "salesOrder": "OBJ"}.get(entity)
    if prefix:
        return f"{prefix}-{year % 100:02d}-{number:03d}"
    return f"FV{year}{number:03d}"


def create(store, entity: str, body: dict) -> int:
    """``PUT /{entity}/`` — returns the new id."""
    creator = CREATORS.get(entity)
    if creator is None:
        raise not_found(f"/{entity}/")
    payload = dict(body)
    ext = _take_ext_id(store, entity, payload)
    row = creator(store, payload)
    if ext:
        add_ext_id(store, entity, row, ext)
    return row["id"]


def _new_record(store, entity: str, catalog_name: str, body: dict) -> tuple[dict, dict]:
    accepted = validate(catalog_name, body, "create", required=True)
    _check_refs(store, entity, accepted)
    custom = accepted.pop("customFields", None)
    row = {k: v for k, v in accepted.items()}
    if "owner" in REFERENCES.get(entity, {}) and row.get("owner") is None:
        row["owner"] = _api_user_person(store)  # GUESS: the creator owns a new record
    if "securityLevel" in REFERENCES.get(entity, {}) and row.get("securityLevel") is None:
        row["securityLevel"] = 1  # "Pokud není vyplněna je nastavena výchozí bezpečnostní skupina"
    return row, custom or {}


def _create_company(store, body: dict) -> dict:
    row, custom = _new_record(store, "company", "company", body)
    if row.get("person") and not row.get("lastName"):
        # [OAS] lastName "povinný v případě, že je aktivní příznak 'Jedná se o fyzickou osobu'"
        raise business_error("Atribut 'lastName' je povinný pro fyzickou osobu.")
    addresses = row.pop("addresses", None) or []
    row["addresses"] = []
    row["tags"] = row.get("tags") or []
    row = store.insert_row("company", row)
    for index, address in enumerate(addresses):
        _add_address(store, row, address, primary=index == 0)
    apply_custom_fields(store, "company", row, custom)
    return row


def _add_address(store, company: dict, body: dict, *, primary: bool = False) -> dict:
    if body.get("territory") is not None:
        check_reference(store, "territory", body["territory"], "territory")
    address = body.get("address") or {}
    if not address.get("name"):
        raise business_error("Atribut 'address.name' je povinný.")  # [OAS] CompanyAddressInsertDto
    entry = {
        "id": store.next_id("companyAddress"),
        "primary": primary,
        "contactAddress": False,
        "address": dict(address),
        "contactInfo": dict(body.get("contactInfo") or {}),
        "territory": body.get("territory"),
    }
    company["addresses"].append(entry)
    return entry


def _create_person(store, body: dict) -> dict:
    row, custom = _new_record(store, "person", "person", body)
    relationship = row.pop("relationship", None)
    row["relationships"] = []
    row["tags"] = row.get("tags") or []
    if relationship and relationship.get("company") is not None:
        _check_relationship(store, relationship)
    row = store.insert_row("person", row)
    if relationship and relationship.get("company") is not None:
        _add_relationship(store, row, relationship)
    apply_custom_fields(store, "person", row, custom)
    return row


def _check_relationship(store, body: dict) -> None:
    check_reference(store, "company", body.get("company"), "company")
    address = body.get("companyAddress")
    if address is not None:
        company = store.row("company", body["company"])
        if not any(a["id"] == address for a in company.get("addresses", [])):
            raise business_error(f"Adresa {address} nepatří klientovi {body['company']}.")


def _add_relationship(store, person: dict, body: dict) -> dict:
    entry = {
        "id": store.next_id("personRelationship"),
        "company": body["company"],
        "companyAddress": body.get("companyAddress"),
        "type": body.get("type"),
        "notice": body.get("notice"),
        "primary": not person["relationships"],
    }
    person["relationships"].append(entry)
    return entry


def _phase_status(store, phase_id: int | None) -> str | None:
    phase = store.row("businessCasePhase", phase_id) if phase_id is not None else None
    return phase.get("strValue01") if phase else None


def _first(store, table: str) -> int | None:
    rows = store.table(table)
    return min(rows) if rows else None


def _create_business_case(store, body: dict) -> dict:
    row, custom = _new_record(store, "businessCase", "businessCase", body)
    items = row.pop("items", None) or []
    # [OAS] "Pokud nebude vyplněno, založí se OP do prvního stavu."
    row["businessCasePhase"] = row.get("businessCasePhase") or _first(store, "businessCasePhase")
    row["currency"] = row.get("currency") or _home_currency(store)  # GUESS: home currency by default
    row.setdefault("exchangeRate", Decimal(1))
    row["code"] = _next_code(store, "businessCase")
    row["items"] = []
    row["tags"] = row.get("tags") or []
    row["validFrom"] = row.get("validFrom") or store.now().astimezone(USER_TZ).date().isoformat()
    row = store.insert_row("businessCase", row)
    for item in items:
        _add_item(store, "businessCase", row, item)
    apply_custom_fields(store, "businessCase", row, custom)
    return row


def create_business_case_with_items(store, body: dict) -> int:
    """``PUT /businessCase/createWithItems`` (same fields + items; unknown ``productCode`` creates a product)."""
    payload = dict(body)
    _take_ext_id(store, "businessCase", payload)  # not in the schema: ignored
    accepted = validate("businessCase", {k: v for k, v in payload.items() if k != "items"}, "create", required=True)
    items = payload.get("items") or []
    if not isinstance(items, list):
        raise bad_request("Invalid value of attribute items: expected a list")
    accepted["items"] = items
    return _create_business_case(store, accepted)["id"]


def _create_document(entity: str, status_table: str) -> Callable:
    def creator(store, body: dict) -> dict:
        row, custom = _new_record(store, entity, entity, body)
        business_case = store.row("businessCase", row["businessCase"])
        # [OAS] "Pokud nebude vyplněno, založí se nabídka do prvního stavu."
        row[status_table] = row.get(status_table) or _first(store, status_table)
        row["currency"] = business_case.get("currency")  # GUESS: documents take the business case's currency
        row["exchangeRate"] = business_case.get("exchangeRate") or Decimal(1)
        row["code"] = _next_code(store, entity)
        row["items"] = []
        row["tags"] = []
        row["sync"] = False
        row = store.insert_row(entity, row)
        apply_custom_fields(store, entity, row, custom)
        return row

    return creator


def _item_product(store, body: dict) -> tuple[int | None, int | None]:
    """(product id, price-list item id) of an item body: ``product`` id or ``productCode``."""
    product_id = body.get("product")
    if product_id is not None:
        check_reference(store, "product", product_id, "product")
    code = body.get("productCode")
    if product_id is None and code:
        product = store.product_by_code(code)
        if product is not None:
            product_id = product["id"]
        else:
            # [OAS] businessCaseCreateWithItemsInsert: an unknown productCode creates a new product
            product_id = _create_product(store, {"code": code, "name": body.get("name") or code,
                                                 "price": body.get("price"), "taxRate": body.get("taxRate"),
                                                 "unit": body.get("unit")})["id"]
    price_list_item = body.get("priceListItem")
    if product_id is not None and price_list_item is None:
        item = store.price_list_item(body.get("priceList"), product_id)   # no price list: the first of any
        if item is not None:
            price_list_item = item["id"]
    return product_id, price_list_item


def _add_item(store, entity: str, parent: dict, body: dict) -> dict:
    accepted = validate(entity, body, "create", "items[].", required=True)
    product_id, price_list_item = _item_product(store, accepted)
    product = store.row("product", product_id) if product_id else None
    entry = {
        "id": store.next_id(f"{entity}Item"),
        "product": product_id,
        "priceListItem": price_list_item,
        "name": accepted.get("name") or (product or {}).get("name"),
        "description": accepted.get("description"),
        "price": accepted.get("price", (product or {}).get("price") or Decimal(0)),
        "cost": accepted.get("cost", (product or {}).get("cost")),
        "taxRate": accepted.get("taxRate", (product or {}).get("taxRate") or Decimal(0)),
        "unit": accepted.get("unit", (product or {}).get("unit")),
        "discountPercent": accepted.get("discountPercent") or Decimal(0),
        "count": accepted.get("count") if accepted.get("count") is not None else Decimal(1),
    }
    parent["items"].append(entry)
    _recompute(parent)
    return entry


def _recompute(row: dict) -> None:
    """GUESS: with items, the document's amount is the items' sum (Raynet computes it; formula not documented)."""
    items = row.get("items") or []
    if not items:
        return
    total = Decimal(0)
    with_tax = Decimal(0)
    cost = Decimal(0)
    for item in items:
        line = Decimal(item["price"] or 0) * Decimal(item["count"] or 0) * (1 - Decimal(item["discountPercent"] or 0) / 100)
        total += line
        with_tax += line * (1 + Decimal(item["taxRate"] or 0) / 100)
        cost += Decimal(item.get("cost") or 0) * Decimal(item["count"] or 0)
    row["totalAmount"] = total.quantize(Decimal("0.01"))
    row["totalAmountWithTax"] = with_tax.quantize(Decimal("0.01"))
    row["tradingProfit"] = (total - cost).quantize(Decimal("0.01"))


def _create_invoice(store, body: dict) -> dict:
    row, _ = _new_record(store, "invoice", "invoice", body)
    row["code"] = _next_code(store, "invoice")
    row["variableSymbol"] = row["code"][2:]  # GUESS: VS from the number (example: FV2015001 / 2015001)
    row["items"] = []
    row["payments"] = []
    row["tags"] = []
    row["extIds"] = []
    row.setdefault("owner", _api_user_person(store))
    row = store.insert_row("invoice", row)
    _invoice_amounts(row)
    return row


def _invoice_amounts(row: dict) -> None:
    base = Decimal(0)
    total = Decimal(0)
    for item in row.get("items") or []:
        line = Decimal(item["unitPrice"] or 0) * Decimal(item["amount"] or 0) * (1 - Decimal(item["discountPercent"] or 0) / 100)
        base += line
        total += line * (1 + Decimal(item["taxRate"] or 0) / 100)
    paid = sum((Decimal(p["amount"]) for p in row.get("payments") or []), Decimal(0))
    row["baseAmount"] = base.quantize(Decimal("0.01"))
    row["totalAmount"] = total.quantize(Decimal("0.01"))
    row["unpaidAmount"] = max(Decimal(0), total - paid).quantize(Decimal("0.01"))
    paid_up = bool(row.get("payments")) and paid >= total
    row["invoiceState"] = "PAID" if paid_up else "UNPAID"
    row["paymentDate"] = max(p["date"] for p in row["payments"]) if paid_up else None


def create_credit_note(store, body: dict) -> int:
    """``PUT /invoice/creditNote`` ``{invoiceId*, reason*}``.

    GUESS: a CREDIT_NOTE invoice copying the original's items with negated
    quantities, ``normalInvoice`` pointing to the original.
    """
    accepted = body if isinstance(body, dict) else {}
    for key in ("invoiceId", "reason"):
        if accepted.get(key) in (None, ""):
            raise business_error(f"Atribut '{key}' je povinný.")
    original = store.row("invoice", _coerce("invoiceId", "integer", accepted["invoiceId"]))
    if original is None:
        raise business_error(f"Faktura {accepted['invoiceId']} neexistuje.")
    row = copy.deepcopy({k: v for k, v in original.items() if not k.startswith("rowInfo.") and k not in ("id", "_version")})
    row.update({
        "invoiceType": "CREDIT_NOTE", "code": _next_code(store, "invoice"), "creditNoteReason": str(accepted["reason"]),
        "normalInvoice": original["id"], "payments": [], "extIds": [],
    })
    for item in row["items"]:
        item["id"] = store.next_id("invoiceItem")
        item["amount"] = -Decimal(item["amount"] or 0)
    row = store.insert_row("invoice", row)
    _invoice_amounts(row)
    return row["id"]


def _create_product(store, body: dict) -> dict:
    row, custom = _new_record(store, "product", "product", body)
    if store.product_by_code(row["code"]) is not None:
        # GUESS: product codes are unique (R-S2; the duplicate-key message class is documented)
        raise duplicate_key()
    price = row.pop("price", None)
    row["tags"] = row.get("tags") or []
    row["validFrom"] = store.now().astimezone(USER_TZ).date().isoformat()
    row["validTill"] = None
    row = store.insert_row("product", row)
    primary = _primary_price_list(store)
    if primary is not None:
        # [OAS] product "price" is the "[Standardní cena]", kept in the primary price list
        _upsert_price_list_item(store, primary, {"product": row["id"], "price": price or Decimal(0)})
    apply_custom_fields(store, "product", row, custom)
    return row


def _primary_price_list(store) -> dict | None:
    for row in store.table("priceList").values():
        if row.get("primary"):
            return row
    return None


def _create_price_list(store, body: dict) -> dict:
    row, _ = _new_record(store, "priceList", "priceList", body)
    row["primary"] = bool(row.get("primary", False)) and _primary_price_list(store) is None
    return store.insert_row("priceList", row)


def _upsert_price_list_item(store, price_list: dict, body: dict) -> tuple[dict, bool]:
    product_id = body.get("product")
    check_reference(store, "product", product_id, "product")
    item = store.price_list_item(price_list["id"], product_id)
    if item is not None:
        _merge(item, {k: v for k, v in body.items() if k != "product"})
        store.touch(item)
        return item, False
    item = {"priceList": price_list["id"], "product": product_id, "price": body.get("price"),
            "cost": body.get("cost"), "unit": body.get("unit"), "taxRate": body.get("taxRate"),
            "description": body.get("description")}
    return store.insert_row("priceListItem", item), True


def add_price_list_item(store, price_list_id: int, body: dict) -> int:
    price_list = _require(store, "priceList", price_list_id)
    accepted = validate("priceList", body, "create", "items[].", required=True)
    if store.price_list_item(price_list_id, accepted["product"]) is not None:
        raise duplicate_key()
    item, _ = _upsert_price_list_item(store, price_list, accepted)
    store.touch(price_list)
    return item["id"]


def bulk_upsert(store, price_list_id: int, body: Any) -> list[dict]:
    """``POST /priceList/{id}/itemBulkUpsert/`` — at most 100 items ([OAS] description).

    The answer lines follow the documented example (``"product"`` as a string).
    GUESS: more than 100 items is a business error; a bad line fails alone.
    """
    price_list = _require(store, "priceList", price_list_id)
    if not isinstance(body, list):
        raise bad_request("Request body must be a JSON array")
    if len(body) > BULK_UPSERT_MAX:
        raise business_error(f"Najednou lze vložit nejvýše {BULK_UPSERT_MAX} položek.")
    lines = []
    for raw in body:
        try:
            accepted = validate("priceList", raw, "update", "items[].", required=False)
            if accepted.get("product") is None:
                raise business_error("Atribut 'product' je povinný.")
            item, inserted = _upsert_price_list_item(store, price_list, accepted)
            lines.append({"product": str(accepted["product"]), "priceListItem": item["id"], "success": True,
                          "message": "inserted" if inserted else "updated"})
        except ApiError as error:
            product = raw.get("product") if isinstance(raw, dict) else None
            lines.append({"product": None if product is None else str(product), "priceListItem": None,
                          "success": False, "message": error.body.get("translatedMessage") or error.body.get("message")})
    store.touch(price_list)
    return lines


def _create_codelist(table: str, catalog_name: str) -> Callable:
    def creator(store, body: dict) -> dict:
        accepted = validate(catalog_name, body, "create", required=True)
        return store.insert_row(table, accepted)

    return creator


CREATORS: dict[str, Callable[[Any, dict], dict]] = {
    "company": _create_company,
    "person": _create_person,
    "businessCase": _create_business_case,
    "offer": _create_document("offer", "offerStatus"),
    "salesOrder": _create_document("salesOrder", "salesOrderStatus"),
    "invoice": _create_invoice,
    "product": _create_product,
    "priceList": _create_price_list,
    "currency": _create_codelist("currency", "currency"),
    "businessCasePhase": _create_codelist("businessCasePhase", "businessCasePhase"),
    "offerStatus": _create_codelist("offerStatus", "offerStatus"),
    "salesOrderStatus": _create_codelist("salesOrderStatus", "salesOrderStatus"),
    "taxRate": _create_codelist("taxRate", "taxRate"),
}


def _require(store, table: str, record_id: int) -> dict:
    row = store.row(table, record_id)
    if row is None:
        raise not_found(f"{table} {record_id}")
    return row


def update(store, entity: str, record_id: int, body: dict) -> None:
    """``POST /{entity}/{id}/`` — partial update ([OAS] edit DTOs have no required fields)."""
    row = _require(store, entity, record_id)
    if entity in ("currency",):
        accepted = validate(entity, body, "update", required=False)
        _merge(row, accepted)
        return
    accepted = validate(entity, body, "update", required=False)
    _check_refs(store, entity, accepted)
    custom = accepted.pop("customFields", None)
    items = accepted.pop("items", None)
    if entity == "product" and "code" in accepted:
        other = store.product_by_code(accepted["code"])
        if other is not None and other["id"] != record_id:
            raise duplicate_key()
        store.forget_product_codes()
    price = accepted.pop("price", None) if entity == "product" else None
    _merge(row, accepted)
    if items is not None and entity in ("businessCase", "offer", "salesOrder", "invoice"):
        _update_items(store, entity, row, items)
    if entity == "product" and price is not None:
        primary = _primary_price_list(store)
        if primary is not None:
            _upsert_price_list_item(store, primary, {"product": record_id, "price": price})
    apply_custom_fields(store, entity, row, custom)
    store.touch(row)


def _update_items(store, entity: str, row: dict, items: list[dict]) -> None:
    """GUESS ([OAS] edit DTOs list ``items[]`` with ``id``): an item with an id is
    updated, one without is added; items not sent stay. Invoices: a negative id
    deletes that item ([OAS] InvoiceEditDto ``items[].id``: "prázdné ID => položka
    bude založena, záporné ID => položka bude smazána, kladné ID => položka bude změněna")."""
    for body in items:
        item_id = body.get("id")
        if item_id is None:
            if entity == "invoice":
                if not body.get("name"):
                    # [OAS] InvoiceEditDto items[].name: "Je vyžadováno, pokud se vkládá nová položka"
                    raise business_error("Atribut 'items[].name' je povinný pro novou položku.")
                _add_invoice_item(store, row, body)
            else:
                _add_item(store, entity, row, body)
            continue
        if entity == "invoice" and int(item_id) < 0:
            gone = next((i for i in row["items"] if i["id"] == -int(item_id)), None)
            if gone is None:
                raise business_error(f"Položka {-int(item_id)} neexistuje.")
            row["items"].remove(gone)
            continue
        for item in row["items"]:
            if item["id"] == item_id:
                _merge(item, {k: v for k, v in body.items() if k != "id"})
                break
        else:
            raise business_error(f"Položka {item_id} neexistuje.")
    if entity == "invoice":
        _invoice_amounts(row)
    else:
        _recompute(row)


def _add_invoice_item(store, row: dict, body: dict) -> None:
    row["items"].append({
        "id": store.next_id("invoiceItem"), "name": body.get("name"), "amount": body.get("amount") or Decimal(1),
        "unitPrice": body.get("unitPrice") or Decimal(0), "taxRate": body.get("taxRate") or Decimal(0),
        "discountPercent": body.get("discountPercent") or Decimal(0), "unitLabel": body.get("unitLabel"),
        "description": body.get("description"), "createdAt": store.stamp(),
    })


def delete(store, entity: str, record_id: int) -> None:
    """``DELETE /{entity}/{id}/``; a record others refer to is refused with the
    documented ``exception.stillReferenced`` ([OAS] errors/securityLevelDelete.500.json)."""
    row = _require(store, entity, record_id)
    if _referenced(store, entity, record_id):
        raise still_referenced()
    for ext in list(row.get("extIds") or []):
        store.index_ext(entity, ext, None)
    if entity == "priceList":
        for item_id in [i for i, item in store.table("priceListItem").items() if item["priceList"] == record_id]:
            del store.table("priceListItem")[item_id]
        store.forget_price_items()
    del store.table(entity)[record_id]
    if entity == "product":
        store.forget_product_codes()


def _referenced(store, entity: str, record_id: int) -> bool:
    for table, refs in REFERENCES.items():
        for key, target in refs.items():
            if target == entity or (entity == "person" and target == "owner"):
                if any(r.get(key) == record_id for r in store.table(table).values()):
                    return True
    if entity == "company":
        for person in store.table("person").values():
            if any(rel["company"] == record_id for rel in person.get("relationships", [])):
                return True
    if entity == "product":
        if any(i["product"] == record_id for i in store.table("priceListItem").values()):
            primary = _primary_price_list(store)
            others = [i for i in store.table("priceListItem").values()
                      if i["product"] == record_id and (primary is None or i["priceList"] != primary["id"])]
            if others:
                return True
    if entity in ("currency", "businessCasePhase", "offerStatus", "salesOrderStatus"):
        return any(r.get(entity) == record_id for t in ("businessCase", "offer", "salesOrder", "invoice", "priceList")
                   for r in store.table(t).values())
    return False


# ------------------------------------------------------------ sub-resources


def company_address(store, company_id: int, address_id: int | None, body: dict | None, action: str) -> int | None:
    """Company addresses: add / update / delete / setPrimary / setContact ([OAS] /company/{id}/address/…)."""
    company = _require(store, "company", company_id)
    if action == "create":
        accepted = validate("companyAddress", body, "create", required=True)
        entry = _add_address(store, company, accepted, primary=not company["addresses"])
        store.touch(company)
        return entry["id"]
    entry = next((a for a in company["addresses"] if a["id"] == address_id), None)
    if entry is None:
        raise not_found(f"company {company_id} address {address_id}")
    if action == "update":
        accepted = validate("companyAddress", body, "update", required=False)
        if accepted.get("territory") is not None:
            check_reference(store, "territory", accepted["territory"], "territory")
        if "address" in accepted and accepted["address"] is not None and accepted["address"].get("name") == "":
            raise business_error("Atribut 'address.name' je povinný.")
        _merge(entry, accepted)
    elif action == "delete":
        if entry["primary"]:
            # GUESS: the primary address (sídlo) cannot be removed while the company exists
            raise business_error("Primární adresu klienta nelze smazat.")
        for person in store.table("person").values():
            if any(rel.get("companyAddress") == address_id for rel in person.get("relationships", [])):
                raise still_referenced()
        company["addresses"].remove(entry)
    elif action == "setPrimary":
        # [OAS] the previous primary address moves to the other addresses
        for other in company["addresses"]:
            other["primary"] = other is entry
        company["addresses"].sort(key=lambda a: not a["primary"])
    elif action == "setContact":
        for other in company["addresses"]:
            other["contactAddress"] = other is entry
    store.touch(company)
    return None


def person_relationship(store, person_id: int, relationship_id: int | None, body: dict | None, action: str) -> int | None:
    person = _require(store, "person", person_id)
    if action == "create":
        accepted = validate("person", body, "create", "relationships[].", required=True)
        _check_relationship(store, accepted)
        entry = _add_relationship(store, person, accepted)
        store.touch(person)
        return entry["id"]
    entry = next((r for r in person["relationships"] if r["id"] == relationship_id), None)
    if entry is None:
        raise not_found(f"person {person_id} relationship {relationship_id}")
    if action == "update":
        accepted = validate("person", body, "update", "relationships[].", required=False)
        for key in ("company", "type"):  # [OAS] PersonRelationshipEditDto requires both
            if accepted.get(key) in (None, ""):
                raise business_error(f"Atribut '{key}' je povinný.")
        _check_relationship(store, accepted)
        _merge(entry, accepted)
    elif action == "delete":
        person["relationships"].remove(entry)
        if entry["primary"] and person["relationships"]:
            person["relationships"][0]["primary"] = True
    elif action == "setPrimary":
        for other in person["relationships"]:
            other["primary"] = other is entry
    store.touch(person)
    return None


def document_item(store, entity: str, record_id: int, item_id: int | None, body: dict | None, action: str) -> int | None:
    row = _require(store, entity, record_id)
    if action == "create":
        entry = _add_item(store, entity, row, body if isinstance(body, dict) else {})
        store.touch(row)
        return entry["id"]
    entry = next((i for i in row["items"] if i["id"] == item_id), None)
    if entry is None:
        raise not_found(f"{entity} {record_id} item {item_id}")
    if action == "update":
        accepted = validate(entity, body, "update", "items[].", required=False)
        accepted.pop("id", None)
        if "priceListItem" in accepted and accepted["priceListItem"] is not None:
            check_reference(store, "priceListItem", accepted["priceListItem"], "priceListItem")
        _merge(entry, accepted)
    elif action == "delete":
        row["items"].remove(entry)
    _recompute(row)
    store.touch(row)
    return None


def price_list_item(store, price_list_id: int, item_id: int, body: dict | None, action: str) -> None:
    price_list = _require(store, "priceList", price_list_id)
    item = store.row("priceListItem", item_id)
    if item is None or item["priceList"] != price_list_id:
        raise not_found(f"priceList {price_list_id} item {item_id}")
    if action == "update":
        accepted = validate("priceList", body, "update", "items[].", required=False)
        if "product" in accepted:
            check_reference(store, "product", accepted["product"], "product")
        _merge(item, accepted)
        store.touch(item)
        if "product" in accepted:
            store.forget_price_items()
    else:
        del store.table("priceListItem")[item_id]
        store.forget_price_items()
    store.touch(price_list)


def invoice_payment(store, invoice_id: int, payment_id: int | None, body: dict | None, action: str) -> int | None:
    invoice = _require(store, "invoice", invoice_id)
    if action == "create":
        accepted = validate("invoice", body, "create", "payments[].", required=True)
        entry = {"id": store.next_id("invoicePayment"), "amount": accepted["amount"], "date": accepted["date"],
                 "createdAt": store.stamp()}
        invoice["payments"].append(entry)
        _invoice_amounts(invoice)
        store.touch(invoice)
        return entry["id"]
    entry = next((p for p in invoice["payments"] if p["id"] == payment_id), None)
    if entry is None:
        raise not_found(f"invoice {invoice_id} payment {payment_id}")
    invoice["payments"].remove(entry)
    _invoice_amounts(invoice)
    store.touch(invoice)
    return None


def custom_field_create(store, entity_name: str, body: dict) -> str:
    if entity_name not in CONFIG_ENTITY:
        raise not_found(f"/customField/config/{entity_name}/")
    accepted = validate("customFieldConfig", body, "create", required=True)
    config = store.custom_fields.setdefault(CONFIG_ENTITY[entity_name], [])
    key = custom_field_key(accepted["label"], f"{entity_name}:{len(config)}")
    config.append({
        "label": accepted["label"], "dataType": accepted["dataType"], "enumeration": [],
        "groupName": accepted["groupName"], "name": key, "currency": accepted.get("currency"),
        "hint": accepted.get("hint"), "readOnly": bool(accepted.get("readOnly", False)),
        "showInFilterView": bool(accepted.get("showInFilterView", True)),
        "showInListExport": bool(accepted.get("showInListExport", False)),
        "showInListView": bool(accepted.get("showInListView", True)),
        "fullText": bool(accepted.get("fullText", True)),
    })
    return key
