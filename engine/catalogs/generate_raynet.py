"""Generate the Raynet field catalogs from Raynet's OpenAPI specification.

    python -m engine.catalogs.generate_raynet [--spec PATH] [--out DIR]

Writes ``engine/catalogs/raynet/<entity>.json`` for every entity the engine
uses. The catalogs are committed data: runtime never reads the specification.

Where the fields come from (the spec documents requests by JSON Schema and
responses by example only, see ``../shared/raynet-openapi/SOURCES.md``):

* read fields: the documented response examples of the entity's list and
  detail endpoints (the record inside the ``{"success", "data"}`` envelope);
* written fields: the request schemas of its create (PUT) and update (POST)
  operations, including sub-resources (company addresses, person
  relationships, document items, invoice payments, price-list items);
* list filters, their operators and the sort columns: the query parameters of
  the list endpoint (operators as the parameter descriptions state them).

Each field carries ``type`` and, where they apply, ``enum``, ``required``
(required on create), ``access`` (``read``/``create``/``update``),
``write_type`` (when a reference is written as an id but read as an object),
``item_type`` (lists of scalars), ``open`` (``customFields``: keys are
instance-specific) and ``doc`` (the spec's label for the field).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

#: where the specification is published (the copy in ../shared is this file)
SPEC_URL = (
    "https://raw.githubusercontent.com/wpify/raynet-sdk/"
    "bbaf858cda9cbd478dd4d30832c4dceb1233cfbc/openapi.json"
)
SPEC_ENV = "RPSYNC_RAYNET_OPENAPI"
SPEC_RELATIVE = Path("shared") / "raynet-openapi" / "openapi.json"

OUT_DIR = Path(__file__).resolve().parent / "raynet"

OPERATORS = (
    "EQ", "EQ_OR_NULL", "NE", "NE_OR_NULL", "LT", "LE", "GT", "GE",
    "LIKE", "LIKE_NOCASE", "IN", "NOT_IN", "CUSTOM",
)
#: query parameters of list endpoints that are not filter columns
LIST_CONTROL_PARAMS = ("offset", "limit", "sortColumn", "sortDirection", "fulltext", "view")

#: a read-only number whose name says it is money, a rate or a quantity is decimal; other
#: read-only numbers (ids, versions, sizes, counts) are integers
_DECIMAL_NAME = re.compile(r"amount|price|value|profit|rate|cost|tax|count|percent|lat$|lng$", re.IGNORECASE)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


# ---------------------------------------------------------------- the spec


def find_spec(explicit: str | os.PathLike[str] | None = None, *, download: bool = True) -> Path:
    """Locate Raynet's openapi.json.

    Order: ``explicit``; the ``RPSYNC_RAYNET_OPENAPI`` environment variable;
    ``shared/raynet-openapi/openapi.json`` beside the repository root or beside
    any of its ancestors (``../shared`` for a checkout next to ``shared/``);
    finally the published file, downloaded once into ``.rpsync-cache/``.
    """
    if explicit:
        return Path(explicit)
    env = os.environ.get(SPEC_ENV)
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[2]
    for folder in repo_root.parents:
        candidate = folder / SPEC_RELATIVE
        if candidate.is_file():
            return candidate
    cached = repo_root / ".rpsync-cache" / "raynet-openapi.json"
    if not cached.is_file():
        if not download:
            raise FileNotFoundError(f"Raynet openapi.json not found; set {SPEC_ENV}")
        cached.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(SPEC_URL, timeout=60) as response:  # noqa: S310 - fixed https URL
            cached.write_bytes(response.read())
    return cached


def load_spec(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    with open(find_spec(path), encoding="utf-8") as handle:
        return json.load(handle)


def operation(spec: dict, path: str, verb: str) -> dict:
    try:
        return spec["paths"][path][verb]
    except KeyError:
        raise KeyError(f"the spec has no {verb.upper()} {path}") from None


def request_schema(spec: dict, path: str, verb: str) -> dict:
    op = operation(spec, path, verb)
    return resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])


def response_example(spec: dict, path: str, verb: str, status: str = "200") -> Any:
    op = operation(spec, path, verb)
    content = op["responses"][status].get("content", {}).get("application/json", {})
    if "example" in content:
        return content["example"]
    schema = content.get("schema")
    if schema:
        return resolve(spec, schema).get("example")
    return None


def resolve(spec: dict, node: Any) -> Any:
    """Resolve local ``$ref``s (``#/components/...``) recursively."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(spec, target)
        return {key: resolve(spec, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(spec, value) for value in node]
    return node


def record_of(example: Any) -> dict:
    """The record inside a documented response (list item or detail).

    Lenient like the client: the ``invoiceDetailGet`` example has no
    envelope, so a dict without ``data`` is the record itself.
    """
    if isinstance(example, dict) and "data" in example and ("success" in example or "totalCount" in example):
        example = example["data"]
    if isinstance(example, list):
        return example[0] if example else {}
    return example if isinstance(example, dict) else {}


# ------------------------------------------------------------- entity plan


@dataclass(frozen=True)
class Read:
    """A documented response whose record (or a list inside it) is read."""

    path: str
    verb: str = "get"
    status: str = "200"
    pick: str = ""  # dotted key inside the record to descend into (e.g. "addresses")
    prefix: str = ""  # catalog path prefix for the fields found (e.g. "items[].")


@dataclass(frozen=True)
class Write:
    """A request body schema whose properties are written."""

    path: str
    verb: str
    access: str  # "create" or "update"
    prefix: str = ""


@dataclass(frozen=True)
class Entity:
    name: str
    root: str
    reads: tuple[Read, ...]
    writes: tuple[Write, ...] = ()
    endpoints: dict[str, str] = field(default_factory=dict)
    list_path: str | None = None
    ext_id: bool = False


def _crud(collection: str, item: str) -> dict[str, str]:
    return {
        "list": f"GET {collection}",
        "detail": f"GET {item}",
        "create": f"PUT {collection}",
        "update": f"POST {item}",
        "delete": f"DELETE {item}",
    }


def _document(name: str, id_name: str, *, create_with_items: bool = False, sync: bool = True) -> Entity:
    collection = f"/{name}/"
    item = f"/{name}/{{{id_name}}}/"
    items = f"/{name}/{{{id_name}}}/item/"
    item_id = f"{name}ItemId"
    one_item = f"/{name}/{{{id_name}}}/item/{{{item_id}}}/"
    writes = [
        Write(collection, "put", "create"),
        Write(item, "post", "update"),
        Write(items, "put", "create", "items[]."),
        Write(one_item, "post", "update", "items[]."),
    ]
    endpoints = _crud(collection, item) | {
        "item_create": f"PUT {items}",
        "item_update": f"POST {one_item}",
        "item_delete": f"DELETE {one_item}",
    }
    if create_with_items:
        writes.insert(1, Write(f"/{name}/createWithItems", "put", "create"))
        endpoints["create_with_items"] = f"PUT /{name}/createWithItems"
    if sync:
        endpoints["sync"] = f"POST /{name}/{{{id_name}}}/sync"
    return Entity(
        name=name,
        root=collection,
        reads=(Read(collection), Read(item)),
        writes=tuple(writes),
        endpoints=endpoints,
        list_path=collection,
        ext_id=True,
    )


def _enumeration(name: str, *, editable: bool = False) -> Entity:
    collection = f"/{name}/"
    endpoints = {"list": f"GET {collection}", "create": f"PUT {collection}"}
    writes = [Write(collection, "put", "create")]
    if editable:
        endpoints["update"] = f"POST /{name}/{{id}}/"
        writes.append(Write(f"/{name}/{{id}}/", "post", "update"))
    endpoints["delete"] = f"DELETE /{name}/{{id}}/"
    return Entity(name, collection, (Read(collection),), tuple(writes), endpoints, list_path=collection)


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "company",
        "/company/",
        reads=(Read("/company/"), Read("/company/{companyId}/")),
        writes=(Write("/company/", "put", "create"), Write("/company/{companyId}/", "post", "update")),
        endpoints=_crud("/company/", "/company/{companyId}/")
        | {
            "address_create": "PUT /company/{companyId}/address/",
            "address_update": "POST /company/{companyId}/address/{addressId}/",
            "address_delete": "DELETE /company/{companyId}/address/{addressId}/",
            "address_set_primary": "POST /company/{companyId}/address/{addressId}/setPrimary/",
            "address_set_contact": "POST /company/{companyId}/address/{addressId}/setContact/",
        },
        list_path="/company/",
        ext_id=True,
    ),
    Entity(
        "companyAddress",
        "/company/{companyId}/address/",
        reads=(Read("/company/{companyId}/", pick="addresses"),),
        writes=(
            Write("/company/{companyId}/address/", "put", "create"),
            Write("/company/{companyId}/address/{addressId}/", "post", "update"),
        ),
        endpoints={
            "create": "PUT /company/{companyId}/address/",
            "update": "POST /company/{companyId}/address/{addressId}/",
            "delete": "DELETE /company/{companyId}/address/{addressId}/",
            "set_primary": "POST /company/{companyId}/address/{addressId}/setPrimary/",
            "set_contact": "POST /company/{companyId}/address/{addressId}/setContact/",
        },
    ),
    Entity(
        "person",
        "/person/",
        reads=(Read("/person/"), Read("/person/{personId}/")),
        writes=(
            Write("/person/", "put", "create"),
            Write("/person/{personId}/", "post", "update"),
            Write("/person/{personId}/relationship/", "put", "create", "relationships[]."),
            Write("/person/{personId}/relationship/{relationshipId}/", "post", "update", "relationships[]."),
        ),
        endpoints=_crud("/person/", "/person/{personId}/")
        | {
            "relationship_create": "PUT /person/{personId}/relationship/",
            "relationship_update": "POST /person/{personId}/relationship/{relationshipId}/",
            "relationship_delete": "DELETE /person/{personId}/relationship/{relationshipId}/",
            "relationship_set_primary": "POST /person/{personId}/relationship/{relationshipId}/setPrimary/",
        },
        list_path="/person/",
        ext_id=True,
    ),
    _document("businessCase", "businessCaseId", create_with_items=True, sync=False),
    _document("offer", "offerId"),
    _document("salesOrder", "salesOrderId"),
    Entity(
        "invoice",
        "/invoice/",
        reads=(Read("/invoice/"), Read("/invoice/{invoiceId}/")),
        writes=(
            Write("/invoice/", "put", "create"),
            Write("/invoice/{invoiceId}/", "post", "update"),
            Write("/invoice/{invoiceId}/payment/", "put", "create", "payments[]."),
        ),
        endpoints=_crud("/invoice/", "/invoice/{invoiceId}/")
        | {
            "credit_note_create": "PUT /invoice/creditNote",
            "payment_create": "PUT /invoice/{invoiceId}/payment/",
            "payment_delete": "DELETE /invoice/{invoiceId}/payment/{paymentId}/",
            "cancel": "POST /invoice/{invoiceId}/cancel",
        },
        list_path="/invoice/",
        ext_id=True,
    ),
    Entity(
        "product",
        "/product/",
        reads=(Read("/product/"), Read("/product/{productId}/")),
        writes=(Write("/product/", "put", "create"), Write("/product/{productId}/", "post", "update")),
        endpoints=_crud("/product/", "/product/{productId}/"),
        list_path="/product/",
        ext_id=True,
    ),
    Entity(
        "priceList",
        "/priceList/",
        reads=(
            Read("/priceList/"),
            Read("/priceList/{priceListId}/"),
            Read("/priceList/{priceListId}/items/", prefix="items[]."),
        ),
        writes=(
            Write("/priceList/", "put", "create"),
            Write("/priceList/{priceListId}/", "post", "update"),
            Write("/priceList/{priceListId}/item/", "put", "create", "items[]."),
            Write("/priceList/{priceListId}/item/{priceListItemId}/", "post", "update", "items[]."),
            Write("/priceList/{priceListId}/itemBulkUpsert/", "post", "create", "items[]."),
            Write("/priceList/{priceListId}/itemBulkUpsert/", "post", "update", "items[]."),
        ),
        endpoints=_crud("/priceList/", "/priceList/{priceListId}/")
        | {
            "items_list": "GET /priceList/{priceListId}/items/",
            "item_create": "PUT /priceList/{priceListId}/item/",
            "item_update": "POST /priceList/{priceListId}/item/{priceListItemId}/",
            "item_delete": "DELETE /priceList/{priceListId}/item/{priceListItemId}/",
            "item_bulk_upsert": "POST /priceList/{priceListId}/itemBulkUpsert/",
        },
        list_path="/priceList/",
        ext_id=True,
    ),
    _enumeration("currency", editable=True),
    Entity(
        "userAccount",
        "/userAccount/",
        reads=(Read("/userAccount/"), Read("/userAccount/{userAccountId}/")),
        endpoints={"list": "GET /userAccount/", "detail": "GET /userAccount/{userAccountId}/"},
        list_path="/userAccount/",
    ),
    _enumeration("businessCasePhase"),
    _enumeration("offerStatus"),
    _enumeration("salesOrderStatus"),
    _enumeration("taxRate"),
    Entity(
        "customFieldConfig",
        "/customField/config/",
        reads=(Read("/customField/config/", pick="Company"),),
        writes=(Write("/customField/config/{entityName}/", "put", "create"),),
        endpoints={
            "list": "GET /customField/config/",
            "create": "PUT /customField/config/{entityName}/",
            "update": "POST /customField/config/{entityName}/{fieldName}",
            "delete": "DELETE /customField/config/{entityName}/{fieldName}",
        },
    ),
)


# ------------------------------------------------------------ field merging


def _value_type(key: str, value: Any) -> str:
    if value is None:
        return "any"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "decimal" if _DECIMAL_NAME.search(key) else "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        if _DATE.match(value):
            return "date"
        if _DATETIME.match(value):
            return "datetime"
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    return "any"


def _schema_type(schema: dict) -> str:
    kind = schema.get("type")
    if kind == "string":
        fmt = schema.get("format")
        return {"date": "date", "date-time": "datetime"}.get(fmt, "string")
    return {
        "integer": "integer",
        "number": "decimal",
        "boolean": "boolean",
        "object": "object",
        "array": "list",
    }.get(kind, "any")


_SCALARS = ("string", "integer", "decimal", "boolean", "date", "datetime")
_WIDER = {("integer", "decimal"): "decimal", ("decimal", "integer"): "decimal",
          ("string", "date"): "date", ("date", "string"): "date",
          ("string", "datetime"): "datetime", ("datetime", "string"): "datetime"}


def _merge_type(old: str | None, new: str) -> str:
    if old is None or old == "any":
        return new
    if new == "any" or new == old:
        return old
    return _WIDER.get((old, new), old)


class _Fields:
    def __init__(self) -> None:
        self.read: dict[str, dict] = {}
        self.write: dict[str, dict] = {}

    # -- read side (response examples)
    def add_example(self, record: dict, prefix: str) -> None:
        for key, value in record.items():
            path = f"{prefix}{key}"
            if key == "customFields":
                self._read(path, "object")["open"] = True
                continue
            if isinstance(value, list):
                entry = self._read(f"{path}[]", "list")
                items = [v for v in value if v is not None]
                if items and all(isinstance(v, dict) for v in items):
                    for item in items:
                        self.add_example(item, f"{path}[].")
                elif items:
                    entry["item_type"] = _merge_type(entry.get("item_type"), _value_type(key, items[0]))
                continue
            self._read(path, _value_type(key, value))
            if isinstance(value, dict):
                self.add_example(value, f"{path}.")

    def _read(self, path: str, kind: str) -> dict:
        entry = self.read.setdefault(path, {})
        entry["type"] = _merge_type(entry.get("type"), kind)
        return entry

    # -- write side (request schemas)
    def add_schema(self, schema: dict, prefix: str, access: str, *, required: bool) -> None:
        if schema.get("type") == "array":
            schema = schema.get("items", {})
        needed = set(schema.get("required") or ()) if required else set()
        for key, prop in (schema.get("properties") or {}).items():
            if key.startswith("<"):  # "<customFieldKey>" placeholder
                continue
            path = f"{prefix}{key}"
            kind = _schema_type(prop)
            if key == "customFields":
                entry = self._write(path, "object", access, prop)
                entry["open"] = True
                continue
            if kind == "list":
                entry = self._write(f"{path}[]", "list", access, prop)
                items = prop.get("items") or {}
                if items.get("type") == "object" or items.get("properties"):
                    self.add_schema(items, f"{path}[].", access, required=required)
                elif items:
                    entry["item_type"] = _schema_type(items)
            else:
                entry = self._write(path, kind, access, prop)
                if kind == "object":
                    self.add_schema(prop, f"{path}.", access, required=required)
            if key in needed and access == "create":
                entry["required"] = True

    def _write(self, path: str, kind: str, access: str, prop: dict) -> dict:
        entry = self.write.setdefault(path, {"access": []})
        entry["type"] = _merge_type(entry.get("type"), kind)
        if access not in entry["access"]:
            entry["access"].append(access)
        if prop.get("enum"):
            entry["enum"] = _union(entry.get("enum"), prop["enum"])
        doc = (prop.get("description") or "").strip().splitlines()
        if doc and "doc" not in entry:
            entry["doc"] = doc[0][:200]
        if kind == "integer" and re.search(r"\bID\b", prop.get("description") or ""):
            entry["reference"] = True
        return entry

    # -- the catalog
    def merged(self, extra_enums: dict[str, list[str]]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for path in _ordered(list(self.read) + list(self.write)):
            read, write = self.read.get(path), self.write.get(path)
            entry: dict[str, Any] = {}
            access: list[str] = []
            if read and write:
                rtype, wtype = read["type"], write["type"]
                if rtype == "object" and wtype in _SCALARS:
                    entry["type"] = "object"
                    entry["write_type"] = wtype
                elif rtype == "any" and write.get("reference"):
                    # documented as null in the example, written as an id: Raynet
                    # returns references as objects ({"id": …, …}; info "Datové typy")
                    entry["type"] = "object"
                    entry["write_type"] = wtype
                else:
                    entry["type"] = _merge_type(rtype, wtype) if rtype != "any" else wtype
            else:
                entry["type"] = (read or write)["type"]  # type: ignore[index]
            if read:
                access.append("read")
            if write:
                access += [a for a in ("create", "update") if a in write["access"]]
            enum = _union(write.get("enum") if write else None, extra_enums.get(path))
            if enum:
                entry["enum"] = enum
            for source in (read, write):
                if source:
                    for key in ("item_type", "open"):
                        if key in source:
                            entry[key] = source[key]
            if write and write.get("required"):
                entry["required"] = True
            entry["access"] = access
            if write and write.get("doc"):
                entry["doc"] = write["doc"]
            out[path] = entry
        return out


def _union(first: Iterable[str] | None, second: Iterable[str] | None) -> list[str] | None:
    values: list[str] = []
    for seq in (first or (), second or ()):
        for value in seq:
            if value not in values:
                values.append(value)
    return values or None


def _ordered(paths: list[str]) -> list[str]:
    """Unique paths, first-seen order (response order, then request-only fields)."""
    seen: dict[str, None] = {}
    for path in paths:
        seen.setdefault(path, None)
    return list(seen)


# ------------------------------------------------------------------ filters


def _filter_operators(description: str) -> list[str] | None:
    found = [op for op in re.findall(r"`([A-Z_]+)`", description) if op in OPERATORS]
    if "operátor `CUSTOM`" in description or "operátor CUSTOM" in description:
        found.append("CUSTOM")
    ordered = [op for op in OPERATORS if op in found]
    return ordered or None


def _documented_values(description: str) -> list[str] | None:
    match = re.search(r"Hodnoty jsou:([^.]*)", description)
    if not match:
        return None
    return re.findall(r"`([A-Z_]+)`", match.group(1)) or None


def list_parameters(spec: dict, list_path: str) -> tuple[dict[str, dict], list[str], list[str]]:
    """Filters (column -> type, operators, enum), sort columns and control params."""
    filters: dict[str, dict] = {}
    sort: list[str] = []
    controls: list[str] = []
    for param in operation(spec, list_path, "get").get("parameters", []):
        if param.get("in") != "query":
            continue
        name = param["name"]
        schema = param.get("schema", {})
        if name in LIST_CONTROL_PARAMS:
            controls.append(name)
            if name == "sortColumn":
                sort = list(schema.get("enum", []))
            continue
        description = param.get("description") or ""
        column: dict[str, Any] = {"type": _schema_type(schema), "operators": _filter_operators(description)}
        enum = schema.get("enum") or _documented_values(description)
        if enum:
            column["enum"] = list(enum)
        filters[name] = column
    return filters, sort, controls


# --------------------------------------------------------------- generation


def build_catalog(spec: dict, entity: Entity) -> dict[str, Any]:
    fields = _Fields()
    for read in entity.reads:
        record = record_of(response_example(spec, read.path, read.verb, read.status))
        if read.pick:
            picked = record.get(read.pick)
            record = record_of(picked) if isinstance(picked, list) else (picked or {})
        fields.add_example(record, read.prefix)
    for write in entity.writes:
        fields.add_schema(request_schema(spec, write.path, write.verb), write.prefix, write.access, required=True)
    filters: dict[str, dict] = {}
    sort: list[str] = []
    controls: list[str] = []
    extra_enums: dict[str, list[str]] = {}
    if entity.list_path:
        filters, sort, controls = list_parameters(spec, entity.list_path)
        for column, info in filters.items():
            if info.get("enum") and column in fields.read:
                extra_enums[column] = info["enum"]
    catalog_fields = fields.merged(extra_enums)
    if entity.ext_id:
        catalog_fields["extId"] = {
            "type": "string",
            "access": ["create"],
            "doc": "Externí identifikátor (tag 'Externí identifikátor'): sent on create, up to 10 per record; "
            "lookup GET /{entityName}/ext/{extId}/",
        }
    info = spec.get("info", {})
    catalog: dict[str, Any] = {
        "side": "raynet",
        "name": entity.name,
        "root": entity.root,
        "source": f"openapi.json {info.get('title', '')} {info.get('version', '')}".strip(),
        "endpoints": dict(entity.endpoints),
    }
    if entity.list_path:
        catalog["list"] = {"params": controls, "sort": sort, "filters": filters}
    catalog["fields"] = catalog_fields
    return catalog


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, ensure_ascii=False, indent=2) + "\n"


def generate(spec: dict) -> dict[str, str]:
    """File name -> JSON text for every catalog."""
    return {f"{entity.name}.json": render(build_catalog(spec, entity)) for entity in ENTITIES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.catalogs.generate_raynet", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", help=f"path of Raynet's openapi.json (default: ${SPEC_ENV} or ../shared/...)")
    parser.add_argument("--out", default=str(OUT_DIR), help="output folder (default: engine/catalogs/raynet)")
    args = parser.parse_args(argv)
    spec = load_spec(args.spec)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = generate(spec)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} Raynet catalogs to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
