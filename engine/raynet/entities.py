"""Typed views of the Raynet entities the engine uses.

Thin helpers over ``RaynetClient`` (no second client): each knows its paths
and sub-resources exactly as Raynet's OpenAPI spec documents them, and returns
Raynet records (dicts, numbers as ``Decimal``) or small dataclasses.

    api = RaynetApi(client)
    company_id = api.companies.create({"name": …, "rating": "A", "state": "B_ACTUAL", "role": "A_SUBSCRIBER"},
                                      ext_id="pohoda:12")
    api.companies.add_address(company_id, {"address": {"name": "Provozovna", "street": …}})
    for bc in api.business_cases.changed_since(cursor): …
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterator, Mapping, Sequence

from engine.raynet.client import MAX_PAGE, Filters, RaynetClient, created_id, is_success
from engine.raynet.errors import RaynetError, RaynetProtocolError

#: business-case / offer / sales-order status groups ([OAS] GET /businessCase/ param ``status``)
STATUSES = ("B_ACTIVE", "E_WIN", "F_LOST", "G_STORNO")
#: invoice kinds ([OAS] GET /invoice/ param ``invoiceType``)
INVOICE_TYPES = ("NORMAL", "PROFORMA", "CREDIT_NOTE")
#: at most 100 items per ``itemBulkUpsert`` call ([OAS] POST /priceList/{id}/itemBulkUpsert/)
BULK_UPSERT_MAX = 100


def never_updated(record: Mapping[str, Any]) -> bool:
    """The record was not changed since it was created: ``rowInfo.updatedAt`` is empty (the [OAS] examples of
    records nobody edited show ``"rowInfo.updatedAt": null`` next to their ``rowInfo.createdAt``) or equal
    to ``rowInfo.createdAt`` (should Raynet stamp both on a create: not documented either way)."""
    updated = record.get("rowInfo.updatedAt")
    return not updated or updated == record.get("rowInfo.createdAt")


def last_modified_at(record: Mapping[str, Any]) -> datetime | None:
    """When a record last changed: ``rowInfo.updatedAt``, else ``rowInfo.createdAt``.

    (``rowInfo.lastModifiedAt`` is a filter column only; responses carry the
    two flat keys. With ``dateFormat=ISO8601`` they include the offset.)
    """
    for key in ("rowInfo.updatedAt", "rowInfo.createdAt"):
        value = record.get(key)
        if value:
            return parse_datetime(str(value))
    return None


def parse_datetime(text: str) -> datetime:
    """ISO 8601 (``2022-01-01T12:00:00.000+01:00``) as Raynet sends with ``dateFormat=ISO8601``."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise RaynetProtocolError(f"Raynet date-time without offset: {text!r} (was dateFormat=ISO8601 sent?)")
    return value


class EntityApi:
    """List / detail / create / update / delete / extIds of one entity (``/{name}/``)."""

    name: str = ""
    #: the documented change-detection filter / sort column of the list (None: not documented)
    change_filter: str | None = "rowInfo.lastModifiedAt"
    change_sort: str | None = "rowInfo.lastModifiedAt"

    def __init__(self, client: RaynetClient) -> None:
        self.client = client

    def list(
        self,
        *,
        filters: Filters | None = None,
        sort: tuple[str, str] | None = ("id", "ASC"),
        view: str | None = None,
        page_size: int = MAX_PAGE,
        offset: int = 0,
    ) -> Iterator[dict]:
        return self.client.iter_list(self.name, filters=filters, sort=sort, view=view, page_size=page_size, offset=offset)

    def changed_since(
        self, moment: datetime, *, filters: Filters | None = None, view: str | None = None,
        page_size: int = MAX_PAGE, offset: int = 0,
    ) -> Iterator[dict]:
        """Records created or updated at/after ``moment`` (``rowInfo.lastModifiedAt[GE]``), oldest first.

        The filter and sort columns are the ones the entity's list documents
        (a test checks them against the catalogs generated from the spec).
        """
        if self.change_filter is None:
            raise RaynetError(f"Raynet documents no change filter for /{self.name}/", hint="read the whole list")
        pairs = list(filters.items() if isinstance(filters, Mapping) else (filters or []))
        pairs.append((f"{self.change_filter}[GE]", moment))
        sort = (self.change_sort, "ASC") if self.change_sort else ("id", "ASC")
        return self.client.iter_list(
            self.name, filters=pairs, sort=sort, view=view, page_size=page_size, offset=offset,
        )

    def get(self, record_id: int) -> dict:
        return self.client.get(self.name, record_id)

    def get_by_ext_id(self, ext_id: str) -> dict | None:
        return self.client.get_by_ext_id(self.name, ext_id)

    def create(self, body: Mapping[str, Any], *, ext_id: str | None = None) -> int:
        return self.client.create(self.name, body, ext_id=ext_id)

    def update(self, record_id: int, body: Mapping[str, Any]) -> None:
        self.client.update(self.name, record_id, body)

    def delete(self, record_id: int) -> None:
        self.client.delete(self.name, record_id)

    def add_ext_id(self, record_id: int, ext_id: str) -> None:
        self.client.add_ext_id(self.name, record_id, ext_id)

    def remove_ext_id(self, record_id: int, ext_id: str) -> None:
        self.client.remove_ext_id(self.name, record_id, ext_id)

    # helpers for sub-resources
    def _sub(self, record_id: int, *parts: Any) -> str:
        path = self.client.item_path(self.name, record_id)
        for part in parts:
            path += f"{part}/"
        return path

    def _put_new(self, path: str, body: Any) -> int:
        # sub-resource inserts carry no extId: a lost answer is not retried (RaynetUncertainWrite)
        return created_id(self.client.request("PUT", path, json=body), "PUT", path)


# ---------------------------------------------------------------- companies


class Companies(EntityApi):
    """``/company/`` (Klienti) and its addresses (sídlo / provozovny)."""

    name = "company"

    def add_address(self, company_id: int, body: Mapping[str, Any]) -> int:
        """``PUT /company/{id}/address/`` — body ``{"address": {"name": …}, "contactInfo": {…}, "territory": id}``."""
        return self._put_new(self._sub(company_id, "address"), dict(body))

    def update_address(self, company_id: int, address_id: int, body: Mapping[str, Any]) -> None:
        self.client.request("POST", self._sub(company_id, "address", address_id), json=dict(body))

    def delete_address(self, company_id: int, address_id: int) -> None:
        self.client.request("DELETE", self._sub(company_id, "address", address_id))

    def set_primary_address(self, company_id: int, address_id: int) -> None:
        """The address becomes the primary one (sídlo); the old primary moves to the others."""
        self.client.request("POST", self._sub(company_id, "address", address_id, "setPrimary"))

    def set_contact_address(self, company_id: int, address_id: int) -> None:
        self.client.request("POST", self._sub(company_id, "address", address_id, "setContact"))

    def addresses(self, company_id: int) -> list[dict]:
        """The company's addresses (``addresses`` of its detail)."""
        return list(self.get(company_id).get("addresses") or [])

    def by_reg_number(self, reg_number: str) -> list[dict]:
        """Companies with this IČ (``regNumber[EQ]``; documented filter)."""
        return list(self.list(filters={"regNumber[EQ]": reg_number}))


# ------------------------------------------------------------------ persons


class Persons(EntityApi):
    """``/person/`` (Kontaktní osoby) and its relationships to companies."""

    name = "person"

    def add_relationship(
        self, person_id: int, *, company: int, type: str, company_address: int | None = None, notice: str | None = None
    ) -> int:
        """``PUT /person/{id}/relationship/`` (``company`` and ``type`` — the position — are required)."""
        body: dict[str, Any] = {"company": company, "type": type}
        if company_address is not None:
            body["companyAddress"] = company_address
        if notice is not None:
            body["notice"] = notice
        return self._put_new(self._sub(person_id, "relationship"), body)

    def update_relationship(self, person_id: int, relationship_id: int, body: Mapping[str, Any]) -> None:
        """``POST /person/{id}/relationship/{relId}/`` — ``company`` and ``type`` are required here too."""
        self.client.request("POST", self._sub(person_id, "relationship", relationship_id), json=dict(body))

    def delete_relationship(self, person_id: int, relationship_id: int) -> None:
        self.client.request("DELETE", self._sub(person_id, "relationship", relationship_id))

    def set_primary_relationship(self, person_id: int, relationship_id: int) -> None:
        self.client.request("POST", self._sub(person_id, "relationship", relationship_id, "setPrimary"))

    def of_company(self, company_id: int) -> Iterator[dict]:
        """Persons in any relationship with the company (``personRelationship[CUSTOM]``)."""
        return self.list(filters={"personRelationship[CUSTOM]": company_id})


# -------------------------------------------------------- documents w/ items


class _Document(EntityApi):
    """Business cases, offers and sales orders share items (``/{name}/{id}/item/``)."""

    status_enum: str = ""

    def add_item(self, record_id: int, body: Mapping[str, Any]) -> int:
        """``PUT /{name}/{id}/item/`` — ``name`` required; ``product``/``productCode`` link a product.

        Beware ([OAS] businessCaseCreateWithItems): an unknown ``productCode``
        makes Raynet create a new product.
        """
        return self._put_new(self._sub(record_id, "item"), dict(body))

    def update_item(self, record_id: int, item_id: int, body: Mapping[str, Any]) -> None:
        self.client.request("POST", self._sub(record_id, "item", item_id), json=dict(body))

    def delete_item(self, record_id: int, item_id: int) -> None:
        self.client.request("DELETE", self._sub(record_id, "item", item_id))

    def items(self, record_id: int) -> list[dict]:
        return list(self.get(record_id).get("items") or [])

    def with_status(self, status: str) -> Iterator[dict]:
        """Records whose status group is ``status`` (B_ACTIVE, E_WIN, F_LOST, G_STORNO)."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        return self.list(filters={"status[EQ]": status})

    def statuses(self) -> list[dict]:
        """The instance's own status list (``/offerStatus/``, ``/salesOrderStatus/``, ``/businessCasePhase/``)."""
        return list(self.client.iter_list(self.status_enum, sort=None))

    def status_id(self, label: str) -> int:
        """Id of the instance status named ``label`` (``code01``, e.g. "Příprava"); error lists the names."""
        entries = self.statuses()
        for entry in entries:
            if entry.get("code01") == label:
                return int(entry["id"])
        names = ", ".join(repr(e.get("code01")) for e in entries)
        raise RaynetError(f"Raynet has no {self.status_enum} named {label!r}", hint=f"existing: {names}")


class BusinessCases(_Document):
    """``/businessCase/`` (Obchodní případ). Its ``status`` follows its phase (``strValue01``)."""

    name = "businessCase"
    status_enum = "businessCasePhase"

    def create_with_items(self, body: Mapping[str, Any]) -> int:
        """``PUT /businessCase/createWithItems`` (no trailing slash, as documented).

        Carries no extId in its schema, so a lost answer is not retried.
        """
        path = "/businessCase/createWithItems"
        return created_id(self.client.request("PUT", path, json=dict(body)), "PUT", path)

    def phases(self) -> list[dict]:
        """``GET /businessCasePhase/`` — ``{id, code01 (name), strValue01 (status group), probability, …}``."""
        return self.statuses()

    def phase_id(self, *, name: str | None = None, status: str | None = None) -> int:
        """A phase by its name (R-Z2: "Před uzavřením"), or the first phase of a status group."""
        phases = self.phases()
        for phase in phases:
            if (name is not None and phase.get("code01") == name) or (
                name is None and status is not None and phase.get("strValue01") == status
            ):
                return int(phase["id"])
        names = ", ".join(f"{p.get('code01')!r} ({p.get('strValue01')})" for p in phases)
        wanted = repr(name) if name is not None else f"status {status}"
        raise RaynetError(f"Raynet has no business-case phase {wanted}", hint=f"existing phases: {names}")


class Offers(_Document):
    """``/offer/`` (Nabídka); requires ``company`` and ``businessCase`` on create."""

    name = "offer"
    status_enum = "offerStatus"


class SalesOrders(_Document):
    """``/salesOrder/`` (Objednávka); requires ``company`` and ``businessCase`` on create."""

    name = "salesOrder"
    status_enum = "salesOrderStatus"


# ----------------------------------------------------------------- invoices


class Invoices(EntityApi):
    """``/invoice/`` (Faktury: NORMAL, PROFORMA, CREDIT_NOTE) with payments.

    Raynet calls this module legacy ([OAS] tag Faktury), yet documents it.
    """

    name = "invoice"

    def create_credit_note(self, invoice_id: int, reason: str) -> int | None:
        """``PUT /invoice/creditNote`` ``{invoiceId, reason}`` — the credit note's id if Raynet returns one."""
        path = "/invoice/creditNote"
        body = self.client.request("PUT", path, json={"invoiceId": invoice_id, "reason": reason})
        try:
            return created_id(body, "PUT", path)
        except RaynetProtocolError:
            return None  # the spec documents 201 without a body

    def add_payment(self, invoice_id: int, amount: Decimal, paid_on: date) -> None:
        """``PUT /invoice/{id}/payment/`` ``{amount, date}`` (200; the spec documents no body).

        Not idempotent and without an extId: a lost answer raises
        ``RaynetUncertainWrite`` — compare ``payments`` of the invoice before resending.
        """
        self.client.request("PUT", self._sub(invoice_id, "payment"), json={"amount": amount, "date": paid_on})

    def delete_payment(self, invoice_id: int, payment_id: int) -> None:
        self.client.request("DELETE", self._sub(invoice_id, "payment", payment_id))

    def payments(self, invoice_id: int) -> list[dict]:
        return list(self.get(invoice_id).get("payments") or [])

    def of_type(self, invoice_type: str) -> Iterator[dict]:
        if invoice_type not in INVOICE_TYPES:
            raise ValueError(f"invoice type must be one of {', '.join(INVOICE_TYPES)}")
        return self.list(filters={"invoiceType[EQ]": invoice_type})


# ------------------------------------------------------- products, prices


class Products(EntityApi):
    """``/product/`` (code and name required; ``code`` is not a documented list filter)."""

    name = "product"


@dataclass(frozen=True)
class BulkResult:
    """One line of an ``itemBulkUpsert`` answer."""

    product: int | None
    price_list_item: int | None
    success: bool
    message: str


class PriceLists(EntityApi):
    """``/priceList/`` (Ceníky) and their items."""

    name = "priceList"

    def items(self, price_list_id: int, *, filters: Filters | None = None, page_size: int = MAX_PAGE) -> Iterator[dict]:
        """``GET /priceList/{id}/items/`` page by page (the detail embeds only the first 1000)."""
        return self.client.iter_list(
            self.name, path=self._sub(price_list_id, "items"), filters=filters, sort=None, page_size=page_size
        )

    def add_item(self, price_list_id: int, body: Mapping[str, Any]) -> int:
        """``PUT /priceList/{id}/item/`` ``{product*, price, cost, unit, taxRate, description}``."""
        return self._put_new(self._sub(price_list_id, "item"), dict(body))

    def update_item(self, price_list_id: int, item_id: int, body: Mapping[str, Any]) -> None:
        self.client.request("POST", self._sub(price_list_id, "item", item_id), json=dict(body))

    def delete_item(self, price_list_id: int, item_id: int) -> None:
        self.client.request("DELETE", self._sub(price_list_id, "item", item_id))

    def bulk_upsert(self, price_list_id: int, items: Sequence[Mapping[str, Any]]) -> list[BulkResult]:
        """``POST /priceList/{id}/itemBulkUpsert/``, 100 items per call (an upsert: safe to retry)."""
        results: list[BulkResult] = []
        path = self._sub(price_list_id, "itemBulkUpsert")
        for start in range(0, len(items), BULK_UPSERT_MAX):
            chunk = [dict(item) for item in items[start:start + BULK_UPSERT_MAX]]
            body = self.client.request("POST", path, json=chunk)
            lines = body.get("data") if isinstance(body, dict) else None
            if not isinstance(lines, list):
                raise RaynetProtocolError(f"Raynet answered POST {path} without result lines", method="POST", path=path)
            for line in lines:
                results.append(BulkResult(
                    product=_int_or_none(line.get("product")),
                    price_list_item=_int_or_none(line.get("priceListItem")),
                    success=is_success(line.get("success")),
                    message=str(line.get("message") or ""),
                ))
        return results


class Currencies(EntityApi):
    """``/currency/``: ``code02`` is the ISO code, ``code01`` the symbol. Records refer to currencies by id."""

    name = "currency"
    change_filter = None  # GET /currency/ documents no filters
    change_sort = None

    def all(self) -> list[dict]:
        return list(self.client.iter_list(self.name, sort=None))

    def by_iso(self) -> dict[str, int]:
        """ISO code (``code02``) → the instance's currency id."""
        return {str(c["code02"]).upper(): int(c["id"]) for c in self.all() if c.get("code02")}

    def create(self, body: Mapping[str, Any], *, ext_id: str | None = None) -> int:
        """``PUT /currency/`` ``{code01*, code02*, strValue01}`` → ``{"success": true, "data": <id>}``."""
        if ext_id is not None:
            raise ValueError("currencies carry no extId")
        return self.client.create(self.name, body)


# ------------------------------------------------------------ users, fields


@dataclass(frozen=True)
class Owner:
    """A Raynet user who can own records: ``owner`` fields take ``person_id`` (R-A3)."""

    person_id: int
    user_account_id: int
    username: str
    first_name: str | None
    last_name: str | None
    full_name: str


class UserAccounts(EntityApi):
    """``/userAccount/`` (read only). Owners of records are the users' *person* ids."""

    name = "userAccount"
    change_sort = None  # sortable by username / userRole only

    def all(self) -> list[dict]:
        return list(self.client.iter_list(self.name, sort=("username", "ASC")))

    def owners(self) -> list[Owner]:
        """Every user as an ``Owner`` with first and last name (R-A3 matches on both).

        Two lists: ``/userAccount/`` (username, person) and the persons that are
        users (``/person/?userAccount-id[NE]=``, as Raynet's own n8n node does).
        """
        persons = {
            int(p["id"]): p
            for p in self.client.iter_list("person", filters=[("userAccount-id[NE]", "")], sort=("id", "ASC"))
        }
        owners = []
        for account in self.all():
            person = account.get("person") or {}
            person_id = person.get("id")
            if person_id is None:
                continue
            detail = persons.get(int(person_id), {})
            owners.append(Owner(
                person_id=int(person_id),
                user_account_id=int(account["id"]),
                username=str(account.get("username") or ""),
                first_name=detail.get("firstName"),
                last_name=detail.get("lastName"),
                full_name=str(person.get("fullName") or ""),
            ))
        return owners

    def owner_by_name(self, first_name: str, last_name: str) -> Owner | None:
        """R-A3: the owner with exactly this first and last name, if exactly one."""
        found = [o for o in self.owners() if o.first_name == first_name and o.last_name == last_name]
        return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class CustomField:
    """One custom field definition of ``/customField/config/``."""

    entity: str  # as Raynet names it in the config: "Company", "Person", …
    key: str  # the generated key used in ``customFields`` ("Cislo_klie_cd702")
    label: str
    data_type: str
    group: str | None
    enumeration: tuple[str, ...]


#: entity names of the custom-field config (response keys) by API entity name
CONFIG_ENTITY = {
    "company": "Company", "person": "Person", "businessCase": "BusinessCase", "offer": "Offer",
    "salesOrder": "SalesOrder", "product": "Product", "lead": "Lead", "project": "Project",
}


class CustomFields:
    """``/customField/config/``: labels as consultants see them ⇄ generated keys."""

    def __init__(self, client: RaynetClient) -> None:
        self.client = client
        self._config: dict[str, list[CustomField]] | None = None

    def config(self, *, refresh: bool = False) -> dict[str, list[CustomField]]:
        """Config entity name (``"Company"``) → its fields; read once per run unless ``refresh``."""
        if self._config is None or refresh:
            path = "/customField/config/"
            body = self.client.request("GET", path)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict):
                raise RaynetProtocolError("Raynet answered GET /customField/config/ without data", method="GET", path=path)
            self._config = {
                entity: [
                    CustomField(
                        entity=entity, key=str(f.get("name")), label=str(f.get("label")),
                        data_type=str(f.get("dataType")), group=f.get("groupName"),
                        enumeration=tuple(f.get("enumeration") or ()),
                    )
                    for f in fields or []
                ]
                for entity, fields in data.items()
            }
        return self._config

    def fields(self, entity: str) -> list[CustomField]:
        return self.config().get(CONFIG_ENTITY.get(entity, entity), [])

    def key_for(self, entity: str, label: str) -> str:
        """The generated key of the field labelled ``label``; the error names the labels that exist."""
        fields = self.fields(entity)
        for field in fields:
            if field.label == label:
                return field.key
        labels = ", ".join(repr(f.label) for f in fields) or "none"
        raise RaynetError(
            f"Raynet has no custom field labelled {label!r} on {entity}",
            hint=f"labels on {entity}: {labels}",
        )

    def create(self, entity: str, *, label: str, group: str, data_type: str, **options: Any) -> str:
        """``PUT /customField/config/{entity}/`` → the generated key (``data.fieldName``)."""
        path = f"/customField/config/{entity}/"
        body = self.client.request(
            "PUT", path, json={"label": label, "groupName": group, "dataType": data_type, **options}
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("fieldName"):
            raise RaynetProtocolError(f"Raynet answered PUT {path} without fieldName", method="PUT", path=path)
        self._config = None
        return str(data["fieldName"])


class RaynetApi:
    """All typed views over one client."""

    def __init__(self, client: RaynetClient) -> None:
        self.client = client
        self.companies = Companies(client)
        self.persons = Persons(client)
        self.business_cases = BusinessCases(client)
        self.offers = Offers(client)
        self.sales_orders = SalesOrders(client)
        self.invoices = Invoices(client)
        self.products = Products(client)
        self.price_lists = PriceLists(client)
        self.currencies = Currencies(client)
        self.user_accounts = UserAccounts(client)
        self.custom_fields = CustomFields(client)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


__all__ = [
    "BULK_UPSERT_MAX", "INVOICE_TYPES", "STATUSES", "BulkResult", "BusinessCases", "Companies", "Currencies",
    "CustomField", "CustomFields", "EntityApi", "Invoices", "Offers", "Owner", "Persons", "PriceLists", "Products",
    "RaynetApi", "SalesOrders", "UserAccounts", "last_modified_at", "parse_datetime",
]
