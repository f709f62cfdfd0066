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
