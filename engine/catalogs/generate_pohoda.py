"""Generate the POHODA field catalogs from STORMWARE's XSD set.

    python -m engine.catalogs.generate_pohoda [--xsd DIR] [--out DIR] [--check]

Writes ``engine/catalogs/pohoda/<agenda>.json`` for every agenda of the
canonical agenda table (docs/architecture.md). A field path is the dotted path
of local element names under the agenda element; repeated elements end in
``[]``; an attribute ``a`` of element ``E`` is ``E@a`` (for a repeated element,
``E[]@a`` — the attribute then lives inside each item's dict as ``@a``).
``--check`` compares instead of writing and exits 1 when the committed
catalogs differ from a fresh generation.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.catalogs.xsd_model import UNBOUNDED, SchemaSet

OUT_DIR = Path(__file__).resolve().parent / "pohoda"
#: maximum length of the ``doc`` text kept from the XSD annotation
DOC_LIMIT = 120


@dataclass(frozen=True)
class AgendaRoot:
    file: str  # XSD file stem
    root: str  # local name of the record element
    element: str | None = None  # global element declaring the record, or
    type: str | None = None  # the complex type of the record (when no global element)
    skip: tuple[str, ...] = ("actionType", "print")  # control elements, not record data


AGENDAS: dict[str, AgendaRoot] = {
    "address_book": AgendaRoot("addressbook", "addressbook", element="addressbook"),
    # a contact person is an address-book record whose refAddress points to the main record
    "contact_persons": AgendaRoot("addressbook", "addressbook", element="addressbook"),
    "delivery_addresses": AgendaRoot("type", "shipToAddress", type="shipToAddressType"),
    "contracts": AgendaRoot("contract", "contract", element="contract"),
    "offers": AgendaRoot("offer", "offer", element="offer"),
    "received_orders": AgendaRoot("order", "order", element="order"),
    "issued_invoices": AgendaRoot("invoice", "invoice", element="invoice"),
    # liquidations of an issued invoice (invoice/liquidations/liquidation, export only)
    "payments": AgendaRoot("type", "liquidation", type="liquidationItemType"),
    "stock": AgendaRoot("stock", "stock", element="stock"),
    # related prices of a stock item (stock/stockPriceItem/stockPrice)
    "related_prices": AgendaRoot("type", "stockPrice", type="stockPriceType"),
    # sales price levels (lst:listSellingPrice/lst:itemSellingPrice)
    "sales_prices": AgendaRoot("list", "itemSellingPrice", type="itemSellingPriceType"),
}


def _short_doc(text: str | None) -> str | None:
    if not text:
        return None
    if len(text) <= DOC_LIMIT:
        return text
    cut = text[: DOC_LIMIT - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def _scalar_entry(info, ns: str, order: int | None, required: bool, doc: str | None) -> dict:
    entry: dict = {"type": info.type}
    if info.max_length is not None and info.type == "string":
        entry["max_length"] = info.max_length
    if info.enum and info.type == "string":
        entry["enum"] = list(info.enum)
    if required:
        entry["required"] = True
    entry["ns"] = ns
    if order is not None:
        entry["order"] = order
    if doc:
        entry["doc"] = doc
    return entry


class _Walker:
    def __init__(self, xsd: SchemaSet, skip: tuple[str, ...]) -> None:
        self.xsd = xsd
        self.skip = skip
        self.fields: dict[str, dict] = {}

    def walk(self, schema, ct, path: str, stack: frozenset) -> None:
        for order, child in enumerate(self.xsd.children(schema, ct)):
            if not path and child.name in self.skip:
                continue
            repeated = child.max_occurs == UNBOUNDED or child.max_occurs > 1
            key = f"{path}.{child.name}" if path else child.name
            if repeated:
                key += "[]"
            ns = self.xsd.prefix_for(child.ns)
            required = child.min_occurs >= 1
            doc = _short_doc(child.doc)
            kind = self.xsd.element_type(child.schema, child.decl)
            if kind[0] == "simple":
                info = kind[1]
                if repeated:
                    entry = {"type": "list", "item_type": info.type, "ns": ns, "order": order}
                    if info.max_length is not None and info.type == "string":
                        entry["max_length"] = info.max_length
                    if doc:
                        entry["doc"] = doc
                    self.fields[key] = entry
                else:
                    self.fields[key] = _scalar_entry(info, ns, order, required, doc)
                continue
            if kind[0] == "any":
                self.fields[key] = {"type": "list" if repeated else "any", "ns": ns, "order": order}
                continue
            _, cschema, cct = kind
            if self.xsd.is_simple_content(cct):
                info = self.xsd.simple_content_info(cschema, cct)
                if repeated:
                    self.fields[key] = {"type": "list", "item_type": info.type, "ns": ns, "order": order}
                    if doc:
                        self.fields[key]["doc"] = doc
                    # attributes of repeated simple-content elements are not represented
                    continue
                self.fields[key] = _scalar_entry(info, ns, order, required, doc)
                self._attributes(cschema, cct, key, ns)
                continue
            entry = {"type": "list" if repeated else "object"}
            if required:
                entry["required"] = True
            entry["ns"] = ns
            entry["order"] = order
            if doc:
                entry["doc"] = doc
            self.fields[key] = entry
            self._attributes(cschema, cct, key, ns)
            marker = id(cct)
            if marker in stack:  # recursive type: stop here, the subtree stays "any"
                entry["type"] = "any"
                continue
            self.walk(cschema, cct, key, stack | {marker})

    def _attributes(self, schema, ct, key: str, ns: str) -> None:
        for attr in self.xsd.attributes(schema, ct):
            entry = _scalar_entry(attr.simple, "", None, attr.required, _short_doc(attr.doc))
            entry.pop("ns", None)
            entry["attribute"] = True
            self.fields[f"{key}@{attr.name}"] = entry


def generate(xsd_dir: Path) -> dict[str, dict]:
    """Return {agenda: catalog dict} generated from the XSD folder."""
    xsd = SchemaSet(xsd_dir)
    out: dict[str, dict] = {}
    for name, spec in AGENDAS.items():
        schema = xsd.by_file[spec.file]
        if spec.element:
            kind = xsd.element_type(schema, schema.elements[spec.element])
            _, cschema, cct = kind
        else:
            cschema, cct = schema, schema.complex_types[spec.type]
        walker = _Walker(xsd, spec.skip)
        walker.walk(cschema, cct, "", frozenset())
        digest = hashlib.sha256(schema.path.read_bytes()).hexdigest()[:16]
        out[name] = {
            "side": "pohoda",
            "name": name,
            "root": spec.root,
            "root_ns": schema.prefix,
            "source": f"{schema.path.name} sha256:{digest}",
            "fields": walker.fields,
        }
    return out


def dumps(catalog: dict) -> str:
    return json.dumps(catalog, ensure_ascii=False, indent=1) + "\n"


def default_xsd_dir() -> Path | None:
    env = os.environ.get("RPSYNC_POHODA_XSD")
    if env:
        return Path(env)
    candidate = Path(__file__).resolve().parents[2].parent / "shared" / "pohoda-xsd"
    return candidate if candidate.is_dir() else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine.catalogs.generate_pohoda", description=__doc__.split("\n")[0])
    ap.add_argument("--xsd", type=Path, default=None, help="folder with STORMWARE's XSD files (data.xsd, …)")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: engine/catalogs/pohoda)")
    ap.add_argument("--check", action="store_true", help="compare with the files in --out instead of writing")
    args = ap.parse_args(argv)
    xsd_dir = args.xsd or default_xsd_dir()
    if xsd_dir is None or not (xsd_dir / "data.xsd").is_file():
        print("error: no POHODA XSD folder; pass --xsd DIR or set RPSYNC_POHODA_XSD", file=sys.stderr)
        return 2
    catalogs = generate(xsd_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, catalog in catalogs.items():
        target = args.out / f"{name}.json"
        text = dumps(catalog)
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
    if args.check:
        if stale:
            print("stale catalogs: " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"{len(catalogs)} POHODA catalogs are up to date")
        return 0
    print(f"wrote {len(catalogs)} POHODA catalogs to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
