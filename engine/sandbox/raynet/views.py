"""How the Raynet simulator renders records: the documented response shapes.

Every list item and detail has exactly the keys of the response example in
Raynet's OpenAPI spec for that endpoint ([OAS] ``responses/<operation>.200.json``
in ``../shared/raynet-samples/``) — including the examples' own differences
between list and detail (e.g. the company list has ``securityLevel``, the
detail has not). The contract tests compare both, key by key and by JSON type.
References render as small objects (``{"id", "value"}``, ``{"id", "fullName"}``,
``{"id", "name"}``, ``{"id", "code"}``); date-times per ``dateFormat``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from engine.sandbox.raynet.records import (
    COUNTRIES,
    REFERENCES,
    _phase_status,
    _primary_price_list,
    _user_account_of,
    ref,
)
from engine.sandbox.raynet.validation import render_datetime

def _pick(source: dict | None, keys: tuple[str, ...]) -> dict:
    source = source or {}
    return {key: source.get(key) for key in keys}


def _rowinfo(row: dict, iso: bool, keys: tuple[str, ...] = ("createdAt", "createdBy", "updatedAt", "updatedBy",
                                                            "rowAccess", "rowState")) -> dict:
    out = {}
    for key in keys:
        value = row.get(f"rowInfo.{key}")
        out[f"rowInfo.{key}"] = render_datetime(value, iso) if key.endswith("At") else value
    return out


def _custom(row: dict) -> dict | None:
    # [OAS] companyDetailGet: empty custom fields are omitted
    values = {k: v for k, v in (row.get("customFields") or {}).items() if v not in (None, "")}
    return values or None


def _country(code: str | None) -> str | None:
    if code is None:
        return None
    return COUNTRIES.get(code.upper(), code)


def _address_block(store, entry: dict | None) -> dict | None:
    if entry is None:
        return None
    address = entry.get("address") or {}
    return {
        "id": entry["id"],
        "primary": entry["primary"],
        "contactAddress": entry["contactAddress"],
        "address": {
            "id": entry["id"], "city": address.get("city"), "country": _country(address.get("country")),
            "name": address.get("name"), "province": address.get("province"), "street": address.get("street"),
            "zipCode": address.get("zipCode"), "lat": address.get("lat"), "lng": address.get("lng"),
        },
        "territory": ref(store, "territory", entry.get("territory")),
        "contactInfo": {
            "email": _ci(entry, "email"), "email2": _ci(entry, "email2"), "primary": True,
            "tel1": _ci(entry, "tel1"), "tel1Type": _ci(entry, "tel1Type"), "tel2": _ci(entry, "tel2"),
            "tel2Type": _ci(entry, "tel2Type"), "www": _ci(entry, "www"), "otherContact": _ci(entry, "otherContact"),
        },
    }


def _ci(entry: dict, key: str) -> Any:
    return (entry.get("contactInfo") or {}).get(key)


def _social(row: dict) -> dict:
    return _pick(row.get("socialNetworkContact"), (
        "facebook", "googleplus", "twitter", "linkedin", "pinterest", "instagram", "skype", "youtube"))


def _refs(store, entity: str, row: dict, *keys: str) -> dict:
    table = REFERENCES[entity]
    return {key: ref(store, table[key], row.get(key)) for key in keys}


def render_company(store, row: dict, detail: bool, iso: bool) -> dict:
    addresses = row.get("addresses") or []
    primary = next((a for a in addresses if a["primary"]), None)
    contact = next((a for a in addresses if a["contactAddress"]), None)
    r = lambda *keys: _refs(store, "company", row, *keys)  # noqa: E731
    if not detail:
        return {
            "id": row["id"], "name": row.get("name"), "titleBefore": row.get("titleBefore"),
            "firstName": row.get("firstName"), "lastName": row.get("lastName"), "titleAfter": row.get("titleAfter"),
            "person": bool(row.get("person")), "role": row.get("role"), "state": row.get("state"),
            "rating": row.get("rating"), **r("owner"), "regNumber": row.get("regNumber"),
            "taxNumber": row.get("taxNumber"), "taxNumber2": row.get("taxNumber2"), "taxPayer": row.get("taxPayer"),
            "primaryAddress": _address_block(store, primary), "contactAddress": _address_block(store, contact),
            **r("category", "turnover", "economyActivity", "companyClassification1", "companyClassification2",
                "companyClassification3", "paymentTerm", "contactSource"),
            "birthday": row.get("birthday"), "notice": row.get("notice"), "tags": list(row.get("tags") or []),
            "customFields": _custom(row), **_rowinfo(row, iso), **r("securityLevel"), "inlineGdpr": [],
            "_version": row["_version"],
        }
    return {
        "id": row["id"], "name": row.get("name"), "person": bool(row.get("person")),
        "firstName": row.get("firstName"), "lastName": row.get("lastName"), "titleBefore": row.get("titleBefore"),
        "titleAfter": row.get("titleAfter"), "salutation": row.get("salutation"), **r("owner"),
        "rating": row.get("rating"), "state": row.get("state"), "role": row.get("role"), "notice": row.get("notice"),
        **r("category", "contactSource", "employeesNumber", "legalForm", "paymentTerm", "turnover",
            "economyActivity", "companyClassification1", "companyClassification2", "companyClassification3"),
        "regNumber": row.get("regNumber"), "taxNumber": row.get("taxNumber"), "taxNumber2": row.get("taxNumber2"),
        "taxPayer": row.get("taxPayer"), "bankAccount": row.get("bankAccount"), "databox": row.get("databox"),
        "court": row.get("court"), "birthday": row.get("birthday"),
        "primaryAddress": _address_block(store, primary), "tags": list(row.get("tags") or []), "logo": None,
        "socialNetworkContact": _social(row), "customFields": _custom(row), **_rowinfo(row, iso),
        "_version": row["_version"], "attachments": [],
        "addresses": [_address_block(store, a) for a in addresses], "inlineGdpr": [],
        **r("originLead"),
    }


def _primary_relationship(store, row: dict) -> dict | None:
    rel = next((r for r in row.get("relationships") or [] if r["primary"]), None)
    if rel is None:
        return None
    return {"id": rel["id"], "type": rel.get("type"), "company": ref(store, "company", rel["company"])}


def _private_address(row: dict) -> dict:
    address = row.get("privateAddress") or {}
    return {"city": address.get("city"), "country": _country(address.get("country")),
            "countryCode": address.get("country"), "province": address.get("province"),
            "street": address.get("street"), "zipCode": address.get("zipCode")}


def _person_company_address(store, row: dict) -> dict | None:
    rel = next((r for r in row.get("relationships") or [] if r["primary"]), None)
    if rel is None or rel.get("companyAddress") is None:
        return None
    company = store.row("company", rel["company"]) or {}
    entry = next((a for a in company.get("addresses", []) if a["id"] == rel["companyAddress"]), None)
    if entry is None:
        return None
    address = entry.get("address") or {}
    return {
        "address": {"id": entry["id"], "city": address.get("city"), "country": _country(address.get("country")),
                    "countryCode": address.get("country"), "province": address.get("province"),
                    "street": address.get("street"), "zipCode": address.get("zipCode")},
        "territory": ref(store, "territory", entry.get("territory")),
    }


def render_person(store, row: dict, detail: bool, iso: bool) -> dict:
    r = lambda *keys: _refs(store, "person", row, *keys)  # noqa: E731
    active_user = _user_account_of(store, row["id"]) is not None
    if not detail:
        return {
            "id": row["id"], "titleBefore": row.get("titleBefore"), "firstName": row.get("firstName"),
            "lastName": row.get("lastName"), "titleAfter": row.get("titleAfter"),
            "primaryRelationship": _primary_relationship(store, row), **r("owner"),
            "contactInfo": _pick(row.get("contactInfo"), (
                "email", "email2", "tel1", "tel1Type", "tel2", "tel2Type", "www", "otherContact")),
            "privateAddress": _private_address(row),
            **r("category", "personClassification1", "personClassification2", "personClassification3"),
            "salutation": row.get("salutation"), "birthday": row.get("birthday"), **r("language", "maritalStatus"),
            "gender": row.get("gender"), "companyAddress": _person_company_address(store, row),
            "customFields": _custom(row), **_rowinfo(row, iso), **r("securityLevel"), "notice": row.get("notice"),
            "activeUserAccount": active_user, "keyman": bool(row.get("keyman")), "tags": list(row.get("tags") or []),
            "_version": row["_version"], "inlineGdpr": [],
        }
    relationships = []
    for rel in row.get("relationships") or []:
        company = store.row("company", rel["company"]) or {}
        address = next((a for a in company.get("addresses", []) if a["id"] == rel.get("companyAddress")), None)
        relationships.append({
            "id": rel["id"], "company": ref(store, "company", rel["company"]),
            "companyAddress": {"id": address["id"], "name": (address.get("address") or {}).get("name")} if address else None,
            "notice": rel.get("notice"), "primary": rel["primary"], "type": rel.get("type"),
        })
    return {
        "id": row["id"], "titleBefore": row.get("titleBefore"), "firstName": row.get("firstName"),
        "lastName": row.get("lastName"), "titleAfter": row.get("titleAfter"), **r("owner", "category"),
        "primaryRelationship": _primary_relationship(store, row),
        **r("personClassification1", "personClassification2", "personClassification3"),
        "salutation": row.get("salutation"), "birthday": row.get("birthday"), **r("language", "maritalStatus"),
        "gender": row.get("gender"),
        "contactInfo": {**_pick(row.get("contactInfo"), (
            "email", "email2", "tel1", "tel1Type", "tel2", "tel2Type", "www", "fax", "otherContact")),
            "doNotSendMM": bool((row.get("contactInfo") or {}).get("doNotSendMM"))},
        "socialNetworkContact": _social(row), "privateAddress": _private_address(row),
        "customFields": _custom(row), **_rowinfo(row, iso, ("createdAt", "updatedAt", "rowAccess", "rowState")),
        **r("securityLevel"), "notice": row.get("notice"), "photo": None, "activeUserAccount": active_user,
        "tags": list(row.get("tags") or []), "_version": row["_version"], "attachments": [],
        "relationships": relationships, "inlineGdpr": [], "keyman": bool(row.get("keyman")), **r("originLead"),
    }


def _items(row: dict) -> list[dict]:
    return [
        {"id": i["id"], "priceListItem": ref_plain(i.get("priceListItem")), "name": i.get("name"),
         "description": i.get("description"), "price": i.get("price"), "taxRate": i.get("taxRate"),
         "unit": i.get("unit"), "discountPercent": i.get("discountPercent"), "count": i.get("count")}
        for i in row.get("items") or []
    ]


def ref_plain(value: Any) -> dict | None:
    return None if value is None else {"id": value}


def document_status(store, entity: str, row: dict) -> str | None:
    if entity == "businessCase":
        return _phase_status(store, row.get("businessCasePhase"))
    table = "offerStatus" if entity == "offer" else "salesOrderStatus"
    entry = store.row(table, row.get(table)) if row.get(table) is not None else None
    # GUESS: the status group of offer/order statuses is not in the documented
    # /offerStatus/ output; the simulator keeps it as a hidden "_status" of the entry.
    return (entry or {}).get("_status") or "B_ACTIVE"


def render_business_case(store, row: dict, detail: bool, iso: bool) -> dict:
    r = lambda *keys: _refs(store, "businessCase", row, *keys)  # noqa: E731
    out = {
        "id": row["id"], "code": row.get("code"), "name": row.get("name"), **r("company", "person", "owner", "currency"),
        "validFrom": row.get("validFrom"), "validTill": row.get("validTill"), "scheduledEnd": row.get("scheduledEnd"),
        "totalAmount": row.get("totalAmount"),
    }
    if detail:
        out["totalAmountWithTax"] = row.get("totalAmountWithTax", row.get("totalAmount"))
        out["estimatedValue"] = row.get("estimatedValue")
        out["tradingProfit"] = row.get("tradingProfit", row.get("totalAmount"))
    else:
        out["tradingProfit"] = row.get("tradingProfit", row.get("totalAmount"))
        out["estimatedValue"] = row.get("estimatedValue")
    out.update({
        "status": document_status(store, "businessCase", row), "probability": row.get("probability"),
        "exchangeRate": row.get("exchangeRate"), **r("businessCasePhase"), "businessCaseType": None,
        **r("category", "project", "source", "businessCaseClassification1", "businessCaseClassification2",
            "businessCaseClassification3"),
        "losingReason": None, "losingCategory": None, **_rowinfo(row, iso), **r("securityLevel"),
        "description": row.get("description"), "tags": list(row.get("tags") or []),
    })
    if detail:
        out.update({"attachments": [], "customFields": _custom(row), "items": _items(row), "signatures": [],
                    **r("originalLead")})
    return out


def render_offer_or_order(entity: str) -> Callable:
    status_table = "offerStatus" if entity == "offer" else "salesOrderStatus"

    def render(store, row: dict, detail: bool, iso: bool) -> dict:
        r = lambda *keys: _refs(store, entity, row, *keys)  # noqa: E731
        out = {"id": row["id"], "sync": bool(row.get("sync")), "code": row.get("code"), "name": row.get("name"),
               **r("company", "person", "businessCase")}
        if entity == "salesOrder":
            out.update(r("offer"))
        out.update({**r("owner"), "currency": ref(store, "currency", row.get("currency"))})
        if detail:
            out["exchangeRate"] = row.get("exchangeRate")
        out.update({"validFrom": row.get("validFrom"), "validTill": row.get("validTill"),
                    "expirationDate": row.get("expirationDate")})
        if entity == "salesOrder":
            out["requestDeliveryDate"] = row.get("requestDeliveryDate")
        out.update({"totalAmount": row.get("totalAmount"), "estimatedValue": row.get("estimatedValue"),
                    "status": document_status(store, entity, row), **r(status_table, "category"),
                    **_rowinfo(row, iso), **r("securityLevel"), "description": row.get("description")})
        if not detail:
            out["tags"] = list(row.get("tags") or [])
            return out
        if entity == "salesOrder":
            delivery = row.get("deliveryAddress") or {}
            invoice_address = row.get("invoiceAddress") or delivery.get("invoiceAddress") or {}
            company = store.row("company", row.get("company")) or {}
            out.update({
                "deliveryAddress": _order_address(delivery), "invoiceAddress": _order_address(invoice_address),
                "invoiceRegNumber": company.get("regNumber"), "invoiceTaxNumber": company.get("taxNumber"),
                "invoiceTaxNumber2": company.get("taxNumber2"),
            })
        out.update({"tags": list(row.get("tags") or []), "attachments": [], "customFields": _custom(row),
                    "items": _items(row), "signatures": []})
        return out

    return render


def _order_address(address: dict) -> dict:
    code = address.get("countryCode") or address.get("country")
    return {"name": address.get("name"), "city": address.get("city"), "country": _country(code),
            "countryCode": code, "province": address.get("province"), "street": address.get("street"),
            "zipCode": address.get("zipCode")}


def render_invoice(store, row: dict, detail: bool, iso: bool) -> dict:
    r = lambda *keys: _refs(store, "invoice", row, *keys)  # noqa: E731
    normal = store.row("invoice", row.get("normalInvoice")) if row.get("normalInvoice") else None
    out = {
        "id": row["id"], "code": row.get("code"), "title": row.get("title"), **r("company"),
        "invoiceType": row.get("invoiceType"), "issueDate": row.get("issueDate"), "dueDate": row.get("dueDate"),
        "taxableSupplyDate": row.get("taxableSupplyDate"), "paymentDate": row.get("paymentDate"),
        "invoiceState": row.get("invoiceState"), "baseAmount": row.get("baseAmount"),
        "totalAmount": row.get("totalAmount"), "unpaidAmount": row.get("unpaidAmount"),
        "currencyExchangeRate": Decimal(1), **r("currency"), "variableSymbol": row.get("variableSymbol"),
        "constantSymbol": row.get("constantSymbol"), "specificSymbol": row.get("specificSymbol"), "category": None,
        **r("owner"), "note": row.get("note"), "privateNote": row.get("privateNote"),
        "deliveryNote": row.get("deliveryNote"), "creditNoteReason": row.get("creditNoteReason"),
        "vendorName": row.get("vendorName"), "vendorBankAccountNumber": row.get("vendorBankAccountNumber"),
    }
    if detail:
        company = store.row("company", row.get("company")) or {}
        primary = next((a for a in company.get("addresses", []) if a["primary"]), None)
        billing = dict((primary or {}).get("address") or {})
        billing.update(row.get("billingAddress") or {})
        out.update({
            "vendorBankName": row.get("vendorBankName"), "vendorBankIban": row.get("vendorBankIban"),
            "vendorBankSwift": row.get("vendorBankSwift"), "vendorRegNumber": row.get("vendorRegNumber"),
            "vendorTaxNumber": row.get("vendorTaxNumber"), "vendorTaxNumber2": None,
            "vendorEmail": row.get("vendorEmail"), "vendorWebsite": row.get("vendorWebsite"),
            "vendorPhoneNumber": row.get("vendorPhoneNumber"), "vendorFax": row.get("vendorFax"),
            "vendorBusinessRegisterNote": row.get("vendorBusinessRegisterNote"),
            "vendorAddress": _invoice_address(row.get("vendorAddress") or {}),
            "billingName": row.get("billingName") or company.get("name"),
            "billingRegNumber": row.get("billingRegNumber") or company.get("regNumber"),
            "billingTaxNumber": row.get("billingTaxNumber") or company.get("taxNumber"),
            "billingTaxNumber2": company.get("taxNumber2"), "billingAddress": _invoice_address(billing),
        })
    out_tail = {"salesOrder": None} if detail else {}
    out.update({
        "badDebt": False, **r("businessCase"), "paymentType": row.get("paymentType"),
        "decimalPrecision": 2, "taxPayer": "YES", "rounding": False, "roundingType": "FLOOR", "reverseTax": False,
        "normalInvoice": {"id": normal["id"], "code": normal.get("code")} if normal else None,
        **_rowinfo(row, iso), **r("securityLevel"),
    })
    out.update(out_tail)
    if detail:
        out["_version"] = row["_version"]
        out["extIds"] = list(row.get("extIds") or []) or None
    out["tags"] = list(row.get("tags") or [])
    if detail:
        out["items"] = [_invoice_item(i, row, iso) for i in row.get("items") or []]
        out["payments"] = [
            {"id": p["id"], "amount": p["amount"], "date": p["date"],
             "rowInfo.createdAt": render_datetime(p.get("createdAt"), iso), "rowInfo.createdBy": store.user,
             "rowInfo.updatedAt": None, "rowInfo.updatedBy": None, "rowInfo.rowAccess": None, "rowInfo.rowState": None}
            for p in row.get("payments") or []
        ]
    return out


def _invoice_address(address: dict) -> dict:
    code = address.get("countryCode") or address.get("country")
    return {"city": address.get("city"), "country": _country(code), "countryCode": code,
            "province": address.get("province"), "street": address.get("street"), "zipCode": address.get("zipCode")}


def _invoice_item(item: dict, invoice: dict, iso: bool) -> dict:
    base = (Decimal(item["unitPrice"] or 0) * Decimal(item["amount"] or 0)
            * (1 - Decimal(item["discountPercent"] or 0) / 100)).quantize(Decimal("0.01"))
    tax = (base * Decimal(item["taxRate"] or 0) / 100).quantize(Decimal("0.01"))
    return {
        "id": item["id"], "name": item.get("name"), "amount": item.get("amount"), "unitPrice": item.get("unitPrice"),
        "taxRate": item.get("taxRate"), "basePrice": base, "totalTax": tax, "totalPrice": base + tax,
        "discountPercent": item.get("discountPercent"), "sequenceNumber": invoice["items"].index(item) + 1,
        "unitLabel": item.get("unitLabel"), "calculateTaxFromTotalPrice": False, "priceListItem": None,
        "description": item.get("description"),
        "rowInfo.createdAt": render_datetime(item.get("createdAt"), iso), "rowInfo.createdBy": invoice.get("rowInfo.createdBy"),
        "rowInfo.updatedAt": None, "rowInfo.updatedBy": None, "rowInfo.rowAccess": None, "rowInfo.rowState": None,
    }


def render_product(store, row: dict, detail: bool, iso: bool) -> dict:
    r = lambda *keys: _refs(store, "product", row, *keys)  # noqa: E731
    primary = _primary_price_list(store)
    item = None
    if primary is not None:
        item = store.price_list_item(primary["id"], row["id"])
    currency = store.row("currency", primary.get("currency")) if primary else None
    primary_item = None if item is None else {
        "id": item["id"], "price": item.get("price"),
        "priceList": {"id": primary["id"], "currency": (currency or {}).get("code02")},
    }
    out = {"id": row["id"], "code": row.get("code"), "name": row.get("name"), "description": row.get("description"),
           "taxRate": row.get("taxRate"), **r("category"), "primaryPriceListItem": primary_item, **r("productLine"),
           "unit": row.get("unit"), "cost": row.get("cost"), "validFrom": row.get("validFrom"),
           "validTill": row.get("validTill"), **_rowinfo(row, iso), "tags": list(row.get("tags") or [])}
    if detail:
        out.update({"photo": None, "_version": row["_version"], "attachments": [], "customFields": _custom(row)})
    return out


def render_price_list(store, row: dict, detail: bool, iso: bool) -> dict:
    r = lambda *keys: _refs(store, "priceList", row, *keys)  # noqa: E731
    out = {"id": row["id"], **r("category"), "code": row.get("code"), **r("currency"),
           "description": row.get("description"), "name": row.get("name"), "primary": bool(row.get("primary")),
           "validFrom": row.get("validFrom"), "validTill": row.get("validTill"), **r("owner"), **_rowinfo(row, iso),
           **r("securityLevel")}
    if detail:
        items = sorted((i for i in store.table("priceListItem").values() if i["priceList"] == row["id"]),
                       key=lambda i: i["id"])[:1000]  # [OAS] the detail embeds the first 1000 items
        out["items"] = [
            {"id": i["id"], "product": _product_ref(store, i["product"]), "price": i.get("price"),
             **_rowinfo(i, iso)}
            for i in items
        ]
    return out


def _product_ref(store, product_id: int) -> dict:
    product = store.row("product", product_id) or {}
    return {"id": product_id, "code": product.get("code"), "name": product.get("name")}


def render_price_list_item(store, row: dict, detail: bool, iso: bool) -> dict:
    product = store.row("product", row["product"]) or {}
    return {"id": row["id"], "product": _product_ref(store, row["product"]), "name": product.get("name"),
            "price": row.get("price"), "cost": row.get("cost"), "unit": row.get("unit"),
            "taxRate": row.get("taxRate"), "description": row.get("description"), **_rowinfo(row, iso)}


def render_user_account(store, row: dict, detail: bool, iso: bool) -> dict:
    out = {"id": row["id"], "_version": row["_version"]}
    if detail:
        out["person"] = ref(store, "person", row.get("person"))
        out["username"] = row.get("username")
        out.update({
            "email2": None, "userRole": row.get("userRole"), "personRecordFilter": None,
            "listExportPermission": True, "detailReportPermission": True, "googleContactsPermission": False,
            "bulkOperationPermission": True, "codelistEditPermission": True, "editOnlyOwnedRecordsPermission": False,
            "onlyLockRecordsPermission": False, "deletePermissionConfig": None, "twoFactorEnabled": False,
            "timezone": "EUROPE_PRAGUE", "dateFormat": "DAY_MONTH_YEAR", "timeFormat": "HOUR24",
            "startWeekDay": "MONDAY", "securityLevels": [{"id": 1, "name": "Sdílená"}], "securityProfile": None,
        })
    else:
        out.update({"username": row.get("username"), "person": ref(store, "person", row.get("person")),
                    "userRole": row.get("userRole")})
    out.update(_rowinfo(row, iso, ("createdAt", "createdBy", "updatedAt", "updatedBy")))
    return out


#: documented output keys of codelist entries ([OAS] GET /currency/, /businessCasePhase/, …)
CODELIST_KEYS = {
    "currency": ("id", "code01", "code02", "strValue01"),
    "businessCasePhase": ("id", "code01", "code02", "strValue01", "probability", "businessCaseTypeId", "locked"),
    "offerStatus": ("id", "code01", "locked"),
    "salesOrderStatus": ("id", "code01", "locked"),
    "taxRate": ("id", "code01", "numValue01"),
}


def render_codelist(table: str) -> Callable:
    def render(store, row: dict, detail: bool, iso: bool) -> dict:
        keys = CODELIST_KEYS.get(table, ("id", "code01", "code02"))
        return {key: row.get(key, False if key == "locked" else None) for key in keys}

    return render


RENDERERS: dict[str, Callable[[Any, dict, bool, bool], dict]] = {
    "company": render_company,
    "person": render_person,
    "businessCase": render_business_case,
    "offer": render_offer_or_order("offer"),
    "salesOrder": render_offer_or_order("salesOrder"),
    "invoice": render_invoice,
    "product": render_product,
    "priceList": render_price_list,
    "priceListItem": render_price_list_item,
    "userAccount": render_user_account,
    **{table: render_codelist(table) for table in CODELIST_KEYS},
}


def render(store, entity: str, row: dict, *, detail: bool, iso: bool) -> dict:
    return RENDERERS[entity](store, row, detail, iso)


def render_row_info(store, entity: str, row: dict, iso: bool) -> dict:
    """``view=rowInfo``: "only status information (created, updated, version, …)" ([OAS] ``view``).
    GUESS: the exact key set is not documented; id, ``_version`` and the flat ``rowInfo.*`` keys."""
    return {"id": row["id"], "_version": row.get("_version"), **_rowinfo(row, iso)}
