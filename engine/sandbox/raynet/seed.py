"""Seed data of the Raynet simulator: what a fresh instance has, plus a data file.

A fresh Raynet instance comes with currencies, business-case phases (each with
its status group in ``strValue01``), offer and order statuses, VAT rates, a
security level and the user the API key belongs to. The default seed provides
those (names as a Czech instance shows them); a seed file adds to them.

Seed file (JSON)::

    {
      "replaceDefaults": false,               # true: start from an empty instance
      "codelists": {                          # appended to the defaults
        "currency": [{"code01": "$", "code02": "USD", "strValue01": "Americký dolar"}],
        "companyCategory": [{"id": 15, "code01": "Zákazník"}],
        "offerStatus": [{"code01": "Odesláno", "_status": "B_ACTIVE"}]
      },
      "users": [{"username": "obchodnik@example.com", "firstName": "Jana", "lastName": "Nová",
                 "userRole": "FULL_THROTTLE"}],
      "customFields": {"Company": [{"label": "Číslo klienta", "dataType": "STRING",
                                    "groupName": "Interní", "name": "Cislo_klie_cd702"}]},
      "records": {                            # request bodies, created like PUT /{entity}/ in this order:
        "company": [{"name": "…", "rating": "A", "state": "B_ACTUAL", "role": "A_SUBSCRIBER",
                     "extId": "pohoda:1"}],   # optional "id" to fix the id
        "person": [], "product": [], "priceList": [], "businessCase": [], "offer": [],
        "salesOrder": [], "invoice": []
      }
    }

``_status`` on an offer/order status is the status group the simulator derives
``status`` from (hidden: the documented ``/offerStatus/`` output has no such key).

A seeded record may carry sub-records, created right after it exactly as the
API's sub-resource calls create them: ``items`` of an offer or order
(``PUT /{entity}/{id}/item/``), of an invoice (``POST /invoice/{id}/`` with
``items``) or of a price list (``PUT /priceList/{id}/item/``), and ``payments``
of an invoice (``PUT /invoice/{id}/payment/``). An invoice entry
``{"creditNote": {"invoiceId": 3, "reason": "…"}}`` is made like
``PUT /invoice/creditNote`` (a corrective document of invoice 3).
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from engine.sandbox.raynet import records

SANDBOX_USER = "sandbox@example.com"

#: creation order of seeded records (later ones refer to earlier ones)
RECORD_ORDER = ("company", "person", "product", "priceList", "businessCase", "offer", "salesOrder", "invoice")

DEFAULT_SEED: dict[str, Any] = {
    "codelists": {
        "securityLevel": [{"id": 1, "name": "Sdílená"}],
        "currency": [
            {"code01": "Kč", "code02": "CZK", "strValue01": "Česká koruna", "home": True},
            {"code01": "€", "code02": "EUR", "strValue01": "Euro"},
        ],
        "businessCaseType": [{"id": 1, "code01": "Obchodní případ"}],
        # [OAS] GET /businessCasePhase/ example: {"code01": "Před uzavřením", "code02": "E9802F",
        # "strValue01": "B_ACTIVE", "probability": 50, "businessCaseTypeId": 64}; the others are a fresh
        # instance's usual set (one business-case type).
        "businessCasePhase": [
            {"code01": "Identifikace příležitosti", "code02": "9BC1E6", "strValue01": "B_ACTIVE",
             "probability": 10, "businessCaseTypeId": 1},
            {"code01": "Analýza potřeb", "code02": "6FA8DC", "strValue01": "B_ACTIVE",
             "probability": 25, "businessCaseTypeId": 1},
            {"code01": "Před uzavřením", "code02": "E9802F", "strValue01": "B_ACTIVE",
             "probability": 50, "businessCaseTypeId": 1},
            {"code01": "Výhra", "code02": "6AA84F", "strValue01": "E_WIN",
             "probability": 100, "businessCaseTypeId": 1},
            {"code01": "Prohra", "code02": "CC0000", "strValue01": "F_LOST",
             "probability": 0, "businessCaseTypeId": 1},
            {"code01": "Zrušeno", "code02": "999999", "strValue01": "G_STORNO",
             "probability": 0, "businessCaseTypeId": 1},
        ],
        # R-R2 names: preparation / accepted / cancelled ("Příprava" is in the [OAS] offer example)
        "offerStatus": [
            {"code01": "Příprava", "_status": "B_ACTIVE"},
            {"code01": "Odesláno", "_status": "B_ACTIVE"},
            {"code01": "Akceptována", "_status": "E_WIN"},
            {"code01": "Zamítnuta", "_status": "F_LOST"},
            {"code01": "Zrušena", "_status": "G_STORNO"},
        ],
        "salesOrderStatus": [
            {"code01": "Příprava", "_status": "B_ACTIVE"},
            {"code01": "Akceptována", "_status": "E_WIN"},
            {"code01": "Zrušena", "_status": "G_STORNO"},
        ],
        "taxRate": [
            {"code01": "21%", "numValue01": 21},
            {"code01": "12%", "numValue01": 12},
            {"code01": "0%", "numValue01": 0},
        ],
    },
    "users": [
        {"username": SANDBOX_USER, "firstName": "Sandbox", "lastName": "Správce", "userRole": "ADMIN"},
    ],
    "customFields": {"Company": [], "Person": [], "BusinessCase": [], "Offer": [], "SalesOrder": [], "Product": []},
    "priceLists": [
        # the primary price list holds products' standard prices ([OAS] productDetailGet primaryPriceListItem)
        {"name": "Standardní ceník", "code": "CEN-001", "currency": "CZK", "validFrom": "2020-01-01", "primary": True},
    ],
    "records": {},
}


def load_seed_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a Raynet seed file holds a JSON object")
    return data


def apply_seed(store, seed: dict[str, Any] | str | os.PathLike[str] | None, *, defaults: bool = True) -> None:
    """Load the default instance data and then ``seed`` (a dict or a JSON file path) into ``store``."""
    extra = load_seed_file(seed) if isinstance(seed, (str, os.PathLike, Path)) else (seed or {})
    with store.lock:
        if defaults and not extra.get("replaceDefaults"):
            _apply(store, copy.deepcopy(DEFAULT_SEED))
        _apply(store, copy.deepcopy(extra))
        store.save()


def _apply(store, data: dict[str, Any]) -> None:
    for table, entries in (data.get("codelists") or {}).items():
        for entry in entries:
            store.insert_row(table, dict(entry))
    for user in data.get("users") or []:
        _add_user(store, user)
    for entity, fields in (data.get("customFields") or {}).items():
        existing = store.custom_fields.setdefault(entity, [])
        for field in fields:
            definition = {
                "label": field["label"], "dataType": field.get("dataType", "STRING"),
                "enumeration": list(field.get("enumeration") or []), "groupName": field.get("groupName", "Sandbox"),
                "name": field.get("name") or records.custom_field_key(field["label"], f"{entity}:{len(existing)}"),
                "currency": field.get("currency"), "hint": field.get("hint"), "readOnly": bool(field.get("readOnly")),
                "showInFilterView": True, "showInListExport": False, "showInListView": True, "fullText": True,
            }
            existing.append(definition)
    for price_list in data.get("priceLists") or []:
        body = dict(price_list)
        currency = body.get("currency")
        if isinstance(currency, str):
            body["currency"] = next(
                (c["id"] for c in store.table("currency").values() if c.get("code02") == currency), None
            )
        primary = bool(body.pop("primary", False))
        row = records.CREATORS["priceList"](store, body)
        row["primary"] = primary
    for entity in RECORD_ORDER:
        for body in (data.get("records") or {}).get(entity, []):
            _seed_record(store, entity, dict(body))
    unknown = set(data.get("records") or {}) - set(RECORD_ORDER)
    if unknown:
        raise ValueError(f"seed records of unknown entities: {', '.join(sorted(unknown))}")


def _seed_record(store, entity: str, body: dict) -> None:
    fixed_id = body.pop("id", None)
    if fixed_id is not None:
        fixed = int(fixed_id)
        used = store.counters.get(entity, 0)
        if used >= fixed:
            raise ValueError(f"seed: {entity} id {fixed} is taken (ids up to {used} are used); use a higher id")
        store.counters[entity] = fixed - 1
    items = body.pop("items", None) if entity in ("offer", "salesOrder", "invoice", "priceList") else None
    payments = body.pop("payments", None) if entity == "invoice" else None
    credit_note = body.pop("creditNote", None) if entity == "invoice" else None
    if credit_note is not None:
        record_id = records.create_credit_note(store, credit_note)
        if body.get("extId"):
            records.add_ext_id(store, entity, store.row(entity, record_id), body["extId"])
    else:
        record_id = records.create(store, entity, body)
    for item in items or ():
        if entity == "invoice":
            records.update(store, "invoice", record_id, {"items": [item]})
        elif entity == "priceList":
            records.add_price_list_item(store, record_id, item)
        else:
            records.document_item(store, entity, record_id, None, item, "create")
    for payment in payments or ():
        records.invoice_payment(store, record_id, None, payment, "create")


def _add_user(store, user: dict) -> None:
    person = store.insert_row("person", {
        "firstName": user.get("firstName"), "lastName": user.get("lastName") or user["username"],
        "contactInfo": {"email": user["username"]}, "relationships": [], "tags": [], "securityLevel": 1,
    })
    store.insert_row("userAccount", {
        "username": user["username"], "person": person["id"], "userRole": user.get("userRole", "FULL_THROTTLE"),
    })
    person["owner"] = person["id"]
