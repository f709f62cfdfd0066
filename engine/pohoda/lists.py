"""Reading POHODA list answers (exports) as records, streaming, in constant memory.

    with open("export.xml", "rb") as fh:
        for record in iter_records("address_book", fh):
            record["addressbookHeader"]["identity"]["address"]["company"]

A record is the nested dict of docs/architecture.md ("Records"), typed by the
agenda's field catalog: numbers ``Decimal``/``int``, ``typ:boolean`` ``bool``,
dates ``date``, date-times aware ``datetime`` (POHODA local time,
Europe/Prague), repeated elements lists (also when they occur once), an
attribute ``a`` of element ``E`` the key ``"E@a"`` next to it (``"@a"`` inside
an item of a list). The same shape renders back with the agenda's template.

The reader uses lxml ``iterparse`` and clears every record once converted, so
memory does not grow with the export. It never expands entities (a DOCTYPE is
refused), never touches the network, and stops with a clear error once more
than ``max_bytes`` were read.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Mapping

from lxml import etree

from engine import catalogs, xmlsafe
from engine.errors import RpsyncError
from engine.pohoda.localtime import aware

RSP = "http://www.stormware.cz/schema/version_2/response.xsd"
#: agendas that are parts of another agenda's records: (parent agenda, path of the sub-list)
DERIVED = {
    "delivery_addresses": ("address_book", "addressbookHeader.identity.shipToAddress"),
    "payments": ("issued_invoices", "liquidations.liquidation"),
    "related_prices": ("stock", "stockPriceItem.stockPrice"),
}
_CHUNK = 64 * 1024
#: default size limit of a list answer: streaming keeps memory flat, so exports may be large
DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024


class ListError(RpsyncError):
    """A list answer cannot be read, or POHODA answered the list request with an error."""

    code = "E-POHODA-LIST"


class _LimitedReader:
    """File-like wrapper that refuses to read more than ``limit`` bytes."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.count = 0

    def read(self, n: int = _CHUNK) -> bytes:
        data = self.raw.read(n if n and n > 0 else _CHUNK)
        if not self.count:   # a DOCTYPE is refused before the parser sees it (entity bombs, XXE)
            xmlsafe.check_prolog(data)
        self.count += len(data)
        if self.count > self.limit:
            raise xmlsafe.XmlTooLargeError(
                f"the POHODA list answer is over the limit of {self.limit:,} bytes",
                hint="raise the size limit in the connection profile, or page the export (id_from/count)",
            )
        return data


def typed_scalar(type_: str, text: str | None, where: str) -> Any:
    """A POHODA list value (the text of an element or attribute) as its catalog type reads it: str, int, Decimal,
    bool, date or datetime; an empty non-string value is None."""
    if type_ in ("string", "any"):
        return text if text is not None else ""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if type_ == "integer":
            return int(value)
        if type_ == "decimal":
            return Decimal(value)
        if type_ == "boolean":
            if value in ("true", "1"):
                return True
            if value in ("false", "0"):
                return False
            raise ValueError(value)
        if type_ == "date":
            return dt.date.fromisoformat(value[:10])
        if type_ == "datetime":
            stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return aware(stamp)
    except (ValueError, InvalidOperation):
        raise ListError(f"field {where}: {value!r} is not a valid {type_}") from None
    return value


class _Converter:  # see record_from_element()
    """Element subtree -> record dict, typed by a catalog (or untyped without one)."""

    def __init__(self, catalog: catalogs.Catalog | None) -> None:
        self.fields = catalog.fields if catalog is not None else None

    def record(self, elem) -> dict:
        return self._children(elem, "")

    def _attrs_into(self, target: dict, elem, key_prefix: str, path_prefix: str) -> None:
        for name, value in elem.attrib.items():
            if name.startswith("{"):
                continue
            info = self.fields.get(f"{path_prefix}@{name}") if self.fields is not None else None
            target[f"{key_prefix}@{name}"] = typed_scalar(info.type, value, f"{path_prefix}@{name}") if info else value

    def _children(self, elem, path: str) -> dict:
        out: dict = {}
        fields = self.fields
        for child in elem:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            name = tag.rpartition("}")[2]
            cpath = f"{path}.{name}" if path else name
            if fields is None:
                self._untyped(out, child, name, cpath)
                continue
            info = fields.get(cpath)
            if info is None:
                info = fields.get(cpath + "[]")
                if info is None:  # not in the catalog (newer POHODA?): keep it, untyped
                    self._untyped(out, child, name, cpath)
                    continue
                if info.item_type:
                    value = typed_scalar(info.item_type, child.text, cpath + "[]")
                else:
                    value = self._children(child, cpath + "[]")
                    if child.attrib:
                        self._attrs_into(value, child, "", cpath + "[]")
                out.setdefault(name, []).append(value)
                continue
            if info.type in ("object", "any") and (len(child) or info.type == "object"):
                out[name] = self._children(child, cpath)
            else:
                out[name] = typed_scalar(info.type, child.text, cpath)
            if child.attrib:
                self._attrs_into(out, child, name, cpath)
        return out

    def _untyped(self, out: dict, child, name: str, cpath: str) -> None:
        if len(child):
            saved, self.fields = self.fields, None
            try:
                value: Any = self._children(child, cpath)
            finally:
                self.fields = saved
        else:
            value = child.text if child.text is not None else ""
        if child.attrib and isinstance(value, dict):
            for a, v in child.attrib.items():
                value[f"@{a}"] = v
        if name in out:
            prev = out[name]
            out[name] = prev + [value] if isinstance(prev, list) else [prev, value]
        else:
            out[name] = value


@cache
def _converter(agenda: str) -> _Converter:
    return _Converter(catalogs.load("pohoda", agenda))


def record_from_element(agenda: str, elem) -> dict:
    """One agenda element (an import's or an export's) as a typed record of ``agenda``."""
    return _converter(agenda).record(elem)


def _open(source) -> tuple[IO[bytes], bool]:
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(source), True
    if isinstance(source, (str, Path)):
        return open(source, "rb"), True
    return source, False


def _record_element(agenda: str | None) -> tuple[str | None, catalogs.Catalog | None]:
    if agenda is None:
        return None, None
    if agenda in DERIVED:
        parent, path = DERIVED[agenda]
        raise ListError(
            f"{agenda} are part of {parent} records; read {parent} and take {path}[] "
            f"(engine.pohoda.lists.derived({agenda!r}, record))"
        )
    cat = catalogs.load("pohoda", agenda)
    return cat.root, cat


def iter_records(agenda: str | None, stream, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[dict]:
    """Yield the records of a list answer (responsePack with ``lst:list…``), one at a time.

    ``stream``: a binary file object, bytes, or a path. ``agenda``: a POHODA
    catalog name (``address_book``, ``stock``, ``sales_prices``, ``contracts``,
    ``received_orders``, ``offers``, ``issued_invoices``, ``contact_persons``)
    for typed records, or ``None`` for untyped records of any list.
    ``contact_persons`` yields only address-book records with ``refAddress``.
    """
    reader = _ItemReader(agenda)
    for _, record in _iter_pack(stream, lambda item_id: reader, max_bytes):
        yield record


def iter_item_records(stream, agendas: Mapping[str, str | None], *,
                      max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[tuple[str, dict]]:
    """Yield ``(dataPackItem id, record)`` of a list answer to a dataPack of several list requests.

    A dataPack may carry several dataPackItems, each one operation (data.xsd: ``dataPackItem`` 1..unbounded;
    STORMWARE "popis struktury XML"); POHODA answers each in a responsePackItem with the same ``id``
    (response.xsd). ``agendas`` maps each item id asked for to its agenda (as ``iter_records`` takes it); an
    answer item with an id that was not asked for is an error. Streaming, constant memory, like ``iter_records``.
    """
    readers = {item_id: _ItemReader(agenda) for item_id, agenda in agendas.items()}

    def pick(item_id: str | None) -> _ItemReader:
        reader = readers.get(item_id or "")
        if reader is None:
            raise ListError(f"POHODA answered a list item {item_id!r} that was not asked for "
                            f"(asked: {', '.join(sorted(readers))})")
        return reader

    yield from _iter_pack(stream, pick, max_bytes)


class _ItemReader:
    """How the records of one list item are read: the record element, its catalog, contact persons only."""

    def __init__(self, agenda: str | None) -> None:
        self.record_name, catalog = _record_element(agenda)
        self.convert = _Converter(catalog)
        self.only_contacts = agenda == "contact_persons"


def _iter_pack(stream, pick: Callable[[str | None], _ItemReader], max_bytes: int) -> Iterator[tuple[str, dict]]:
    raw, owned = _open(stream)
    reader = _LimitedReader(raw, max_bytes)
    try:
        context = etree.iterparse(
            reader, events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
            remove_comments=True, remove_pis=True, huge_tree=True,
        )
        depth = 0
        pack_error = None
        items_seen = 0
        list_depth = -1  # depth of the lst:list… element we are inside
        checked = False
        item_id = ""
        item: _ItemReader | None = None
        try:
            for event, elem in context:
                if event == "start":
                    depth += 1
                    if not checked:
                        xmlsafe.check_no_dtd(elem)
                        checked = True
                        if elem.tag != f"{{{RSP}}}responsePack":
                            raise ListError(f"expected a POHODA responsePack, got <{etree.QName(elem).localname}>")
                        if elem.get("state") == "error":  # the items say why; a pack without items says it here
                            pack_error = elem.get("note") or "no reason given"
                    elif depth == 2:
                        items_seen += 1
                        if elem.get("state") == "error":
                            raise ListError(
                                f"POHODA answered list request item {elem.get('id')!r} with an error: "
                                f"{elem.get('note') or 'no reason given'}"
                            )
                        item_id = elem.get("id") or ""
                        item = pick(item_id)
                    elif depth == 3 and etree.QName(elem).localname.startswith("list"):
                        list_depth = depth
                        if elem.get("state") == "error":
                            raise ListError(f"POHODA could not export {etree.QName(elem).localname}")
                    continue
                # end event
                if depth == list_depth + 1 and list_depth > 0:
                    local = elem.tag.rpartition("}")[2] if isinstance(elem.tag, str) else ""
                    if item is not None and local not in ("importDetails", "parts") and \
                            (item.record_name is None or local == item.record_name):
                        record = item.convert.record(elem)
                        if not item.only_contacts or (record.get("addressbookHeader") or {}).get("refAddress"):
                            yield item_id, record
                    elem.clear(keep_tail=False)
                    parent = elem.getparent()
                    if parent is not None:
                        while elem.getprevious() is not None:
                            del parent[0]
                elif depth == list_depth:
                    list_depth = -1
                    elem.clear(keep_tail=False)
                elif depth == 2:
                    elem.clear(keep_tail=False)
                elif depth == 1 and pack_error is not None and not items_seen:
                    raise ListError(f"POHODA answered the list request with an error: {pack_error}")
                depth -= 1
        except etree.XMLSyntaxError as exc:
            raise xmlsafe.MalformedXmlError(f"the POHODA list answer is not well-formed XML: {exc}") from None
    finally:
        if owned:
            raw.close()


def derived(agenda: str, record: dict) -> list[dict]:
    """Sub-records of a derived agenda in a parent record (e.g. the liquidations of an invoice)."""
    if agenda not in DERIVED:
        raise ListError(f"{agenda} is not a derived agenda; use one of {', '.join(DERIVED)}")
    _, path = DERIVED[agenda]
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, dict):
            return []
        node = node.get(part)
    return list(node) if isinstance(node, list) else []
