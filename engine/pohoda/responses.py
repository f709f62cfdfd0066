"""POHODA's answers to imports: ``rsp:responsePack`` -> per-item results.

    pack = parse_response_pack(data)
    pack.state, pack.note                      # "ok" | "error"; e.g. a refused login or missing rights
    item = pack.by_id["AD-…"]                  # the dataPackItem id echoes back
    item.state, item.produced_id, item.produced_number, item.errors, item.warnings

Pack, item and document ``state`` are ``ok``/``error`` only (type.xsd
``stavType2``); warnings exist only per ``rdc:detail`` (``stavType``). List
answers (``lst:listInvoice`` …) are read with ``engine.pohoda.lists``; here an
item of a list answer only reports its state and the list element's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from engine import xmlsafe
from engine.errors import RpsyncError

RSP = "http://www.stormware.cz/schema/version_2/response.xsd"
RDC = "http://www.stormware.cz/schema/version_2/documentresponse.xsd"

#: response element (local name) -> canonical agenda id
RESPONSE_AGENDA = {
    "addressbookResponse": "address_book",
    "contractResponse": "contracts",
    "offerResponse": "offers",
    "orderResponse": "received_orders",
    "invoiceResponse": "issued_invoices",
    "stockItemResponse": "stock",
    "listAddressBook": "address_book",
    "listStock": "stock",
    "listContract": "contracts",
    "listOrder": "received_orders",
    "listOffer": "offers",
    "listInvoice": "issued_invoices",
    "listSellingPrice": "sales_prices",
}


class ResponseError(RpsyncError):
    """A responsePack cannot be read, or POHODA refused the whole dataPack."""

    code = "E-POHODA-RESPONSE"


@dataclass(frozen=True)
class Detail:
    """One ``rdc:importDetails/rdc:detail``: a message about one value of the document."""

    state: str  # ok | warning | error
    errno: int | None = None
    note: str | None = None
    xpath: str | None = None
    value_requested: str | None = None
    value_produced: str | None = None

    def __str__(self) -> str:
        parts = [self.state]
        if self.errno is not None:
            parts.append(f"#{self.errno}")
        text = " ".join(parts) + ": " + (self.note or "")
        if self.xpath:
            text += f" (at {self.xpath})"
        return text


@dataclass(frozen=True)
class Duplicity:
    """``rsp:errorDetail/rsp:recordDuplicity``: the dataPack item was imported before."""

    agenda_type: str
    date_create: dt.date | None = None
    id: int | None = None  # None: the earlier document was deleted since
    number: str | None = None


@dataclass(frozen=True)
class ResponseItem:
    id: str
    state: str
    note: str | None = None
    kind: str | None = None  # local name of the answer element, e.g. "invoiceResponse", "listInvoice"
    agenda: str | None = None
    document_state: str | None = None
    details: tuple[Detail, ...] = ()
    produced_id: int | None = None
    produced_number: str | None = None
    produced_code: str | None = None
    produced_action: str | None = None
    produced_ext_id: str | None = None
    duplicity: tuple[Duplicity, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state == "ok" and (self.document_state in (None, "ok"))

    @property
    def errors(self) -> list[Detail]:
        return [d for d in self.details if d.state == "error"]

    @property
    def warnings(self) -> list[Detail]:
        return [d for d in self.details if d.state == "warning"]

    def message(self) -> str:
        """One line for a report: the item's note and its error/warning details."""
        parts = [d for d in self.details if d.state != "ok"]
        text = "; ".join(str(d) for d in parts)
        if self.note:
            text = f"{self.note}; {text}" if text else self.note
        if self.duplicity:
            dup = self.duplicity[0]
            text = (text + "; " if text else "") + (
                f"already imported as {dup.agenda_type} id {dup.id} number {dup.number}"
                if dup.id is not None else f"already imported ({dup.agenda_type}); that document was deleted since"
            )
        return text or self.state


@dataclass(frozen=True)
class ResponsePack:
    id: str
    state: str
    note: str | None = None
    program_version: str | None = None
    ico: str | None = None
    items: tuple[ResponseItem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    @property
    def by_id(self) -> dict[str, ResponseItem]:
        return {item.id: item for item in self.items}

    def check(self) -> "ResponsePack":
        """Raise ``ResponseError`` when POHODA refused the whole pack (no items, state error)."""
        if self.state == "error" and not self.items:
            raise ResponseError(
                f"POHODA refused the dataPack {self.id!r}: {self.note or 'no reason given'}",
                hint="check the mServer user's rights for XML import/export and the accounting unit (IČ)",
            )
        return self


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return None


def _text(el, path: str) -> str | None:
    found = el.find(path)
    if found is None:
        return None
    return found.text if found.text is not None else ""


def _details(container) -> tuple[Detail, ...]:
    out = []
    for d in container.iterfind(f"{{{RDC}}}importDetails/{{{RDC}}}detail"):
        out.append(Detail(
            state=(_text(d, f"{{{RDC}}}state") or "").strip(),
            errno=_int(_text(d, f"{{{RDC}}}errno")),
            note=_text(d, f"{{{RDC}}}note"),
            xpath=_text(d, f"{{{RDC}}}XPath"),
            value_requested=_text(d, f"{{{RDC}}}valueRequested"),
            value_produced=_text(d, f"{{{RDC}}}valueProduced"),
        ))
    return tuple(out)


def _duplicity(item) -> tuple[Duplicity, ...]:
    out = []
    for dup in item.iterfind(f"{{{RSP}}}errorDetail/{{{RSP}}}recordDuplicity"):
        date_text = _text(dup, f"{{{RSP}}}dateCreate")
        try:
            date = dt.date.fromisoformat(date_text[:10]) if date_text else None
        except ValueError:
            date = None
        out.append(Duplicity(
            agenda_type=(_text(dup, f"{{{RSP}}}agendaType") or "").strip(),
            date_create=date, id=_int(_text(dup, f"{{{RSP}}}id")), number=_text(dup, f"{{{RSP}}}number"),
        ))
    return tuple(out)


def _item(el) -> ResponseItem:
    answer = next((c for c in el if isinstance(c.tag, str) and etree.QName(c).namespace != RSP), None)
    kwargs: dict = {}
    if answer is not None:
        kind = etree.QName(answer).localname
        kwargs.update(kind=kind, agenda=RESPONSE_AGENDA.get(kind), document_state=answer.get("state"),
                      details=_details(answer))
        produced = answer.find(f"{{{RDC}}}producedDetails")
        if produced is not None:
            kwargs.update(
                produced_id=_int(_text(produced, f"{{{RDC}}}id")),
                produced_number=_text(produced, f"{{{RDC}}}number"),
                produced_code=_text(produced, f"{{{RDC}}}code"),
                produced_action=_text(produced, f"{{{RDC}}}actionType"),
                produced_ext_id=_text(produced, f"{{{RDC}}}extId/{{*}}ids"),
            )
    return ResponseItem(
        id=el.get("id") or "", state=el.get("state") or "", note=el.get("note") or None,
        duplicity=_duplicity(el), **kwargs,
    )


def parse_response_pack(data: bytes, *, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> ResponsePack:
    """Read a responsePack (bytes, any declared encoding) safely into a ``ResponsePack``."""
    try:
        root = xmlsafe.parse_bytes(data, max_bytes=max_bytes, what="POHODA responsePack")
    except xmlsafe.MalformedXmlError as exc:
        raise ResponseError(exc.message, hint="POHODA's answer was cut off or is not XML") from None
    if root.tag != f"{{{RSP}}}responsePack":
        local = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise ResponseError(f"expected a POHODA responsePack, got <{local}>")
    return ResponsePack(
        id=root.get("id") or "",
        state=root.get("state") or "",
        note=root.get("note") or None,
        program_version=root.get("programVersion"),
        ico=root.get("ico"),
        items=tuple(_item(el) for el in root.iterfind(f"{{{RSP}}}responsePackItem")),
    )
