"""Small helpers shared by the simulator's import and export sides."""

from __future__ import annotations

from typing import Any

from lxml import etree

#: agenda -> record element holding the header fields (id, number, partner, extId)
HEADER = {
    "address_book": "addressbookHeader", "stock": "stockHeader", "contracts": "contractDesc",
    "received_orders": "orderHeader", "offers": "offerHeader", "issued_invoices": "invoiceHeader",
}


def local(elem) -> str:
    return etree.QName(elem).localname


def kids(elem) -> list:
    return [c for c in elem if isinstance(c.tag, str)] if elem is not None else []


def child(elem, name: str):
    return next((c for c in kids(elem) if local(c) == name), None)


def text(elem, name: str) -> str | None:
    c = child(elem, name)
    return c.text.strip() if c is not None and c.text else None


def get(record: Any, path: str) -> Any:
    """The value at a dotted path of a record dict, or None."""
    node = record
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def warehouse_of(stock_record: Any) -> str:
    """The warehouse (Sklad) of a stock record: the first level of ``stockHeader.storage.ids``.

    list.xsd documents the first level of the storage tree ("členění skladu")
    as the warehouse; a stock item without a storage belongs to the one
    unnamed warehouse (""). POHODA keeps one stock card per warehouse, so the
    same code may exist once in each warehouse (see ``Store.stock_by_code``).
    """
    return str(get(stock_record, "stockHeader.storage.ids") or "").split("/")[0]
