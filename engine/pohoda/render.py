"""Render POHODA XML: agenda documents, list requests and the dataPack envelope.

Records are the nested dicts of docs/architecture.md ("Records"), the same
shape ``engine.pohoda.lists`` reads. The per-document Jinja templates in
``templates/pohoda/`` carry what is fixed for a document (the agenda element,
``actionType``/filter, extIds, links to the partner and contract); the record's
own fields are written by ``fields(record)``, which walks the agenda's field
catalog so that every element comes out in XSD sequence order with its
namespace prefix, formatted for its XSD type and checked against its length
and enumeration. A value that does not fit is a ``RenderError`` naming the
record and the field — never a silent truncation.

    xml = render_document("address_book", record, ext_id="123", label="company 123")
    pack = render_datapack([PackItem(item_id("address_book", "add", "123"), xml)], ico="12345678")

Templates run in Jinja's immutable sandbox with XML autoescaping and
``StrictUndefined``; consultants may put their own templates in front of the
shipped ones (``Renderer(template_dirs=[...])``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping  # isinstance checks: the ABC itself, not the slower typing alias
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from engine import catalogs
from engine.errors import RpsyncError
from engine.pohoda.lists import typed_scalar as _read_scalar  # a written value as the list reader types it
from engine.pohoda.localtime import to_local
from engine.resources import templates_dir

NS_BASE = "http://www.stormware.cz/schema/version_2/"
#: prefix -> XSD file of every namespace rpsync writes (declared on the dataPack)
NAMESPACES: dict[str, str] = {
    "dat": "data", "typ": "type", "ftr": "filter", "prn": "print", "lst": "list", "lAdb": "list_addBook",
    "lStk": "list_stock", "lCon": "list_contract", "adb": "addressbook", "con": "contract", "ofr": "offer",
    "ord": "order", "inv": "invoice", "stk": "stock",
}
ENCODING = "Windows-1250"
DEFAULT_EXT_SYSTEM = "raynet"
DEFAULT_EXT_SYSTEM_TEXT = "Raynet CRM"

#: agenda -> template of the document written for it
DOCUMENT_TEMPLATES = {
    "address_book": "address_book.xml.j2",
    "contact_persons": "address_book.xml.j2",
    "contracts": "contract.xml.j2",
    "offers": "offer.xml.j2",
    "received_orders": "received_order.xml.j2",
    "issued_invoices": "issued_invoice.xml.j2",
}
#: agenda -> template of its list (export) request
LIST_TEMPLATES = {
    "address_book": "list_address_book.xml.j2",
    "contact_persons": "list_address_book.xml.j2",
    "delivery_addresses": "list_address_book.xml.j2",
    "stock": "list_stock.xml.j2",
    "related_prices": "list_stock.xml.j2",
    "sales_prices": "list_sales_prices.xml.j2",
    "contracts": "list_contracts.xml.j2",
    "received_orders": "list_received_orders.xml.j2",
    "offers": "list_offers.xml.j2",
    "issued_invoices": "list_issued_invoices.xml.j2",
    "payments": "list_issued_invoices.xml.j2",
}
#: agendas whose documents POHODA can update through XML (actionType update): addressbook.xsd
AGENDAS_WITH_UPDATE = frozenset({"address_book", "contact_persons"})
#: invoice kinds rpsync writes and reads (R-F2)
INVOICE_KINDS = ("issuedInvoice", "issuedAdvanceInvoice", "issuedCorrectiveTax")

_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class RenderError(RpsyncError):
    """A record cannot be written as POHODA XML; names the record and the field."""

    code = "E-POHODA-RENDER"

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None, hint: str | None = None):
        where = []
        if record:
            where.append(f"record {record}")
        if field:
            where.append(f"field {field}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message, hint=hint)
        self.record = record
        self.field = field


# -- value formatting per XSD type --------------------------------------------------------


def xsd_bool(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value in ("true", "false"):
        return value
    raise ValueError(f"expected true or false, got {value!r}")


def xsd_decimal(value: Any) -> str:
    """Decimal with a dot, no exponent, no thousands separator (``typ:currencyType``, ``xsd:float``)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"expected a Decimal amount, got {type(value).__name__} {value!r} (money is never float)")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except ArithmeticError:
            raise ValueError(f"expected a decimal number, got {value!r}") from None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"expected a decimal number, got {value!r}")
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def xsd_int(value: Any) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return str(int(value))
    raise ValueError(f"expected an integer, got {value!r}")


def xsd_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return to_local(value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            pass
    raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")


def xsd_datetime(value: Any) -> str:
    """``xsd:dateTime`` as POHODA's local time (Europe/Prague), no offset.

    POHODA stores local times (the SQL ``DatSave`` is a plain datetime); which
    zone ``ftr:lastChanges`` assumes is not documented (facts notes §6/§9), so
    aware datetimes are converted to Czech local time.
    """
    if isinstance(value, dt.datetime):
        return to_local(value).replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()).isoformat()
    if isinstance(value, str):
        try:
            return xsd_datetime(dt.datetime.fromisoformat(value.strip()))
        except ValueError:
            pass
    raise ValueError(f"expected a date-time, got {value!r}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return xsd_bool(value)
    if isinstance(value, float):
        raise ValueError(f"expected text, got float {value!r}")
    if isinstance(value, (int, Decimal)):
        return xsd_decimal(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise ValueError(f"expected text, got {type(value).__name__}")


_FORMAT = {
    "string": _text, "any": _text, "integer": xsd_int, "decimal": xsd_decimal,
    "boolean": xsd_bool, "date": xsd_date, "datetime": xsd_datetime,
}


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attr(text: str) -> str:
    return (
        escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    )


# -- ids ---------------------------------------------------------------------------------

_AGENDA_CODE = {
    "address_book": "AD", "contact_persons": "KO", "delivery_addresses": "DA", "contracts": "ZK",
    "offers": "NV", "received_orders": "OP", "issued_invoices": "FV", "stock": "ZS", "sales_prices": "PC",
    "related_prices": "SC", "payments": "LK",
}


def _canonical(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is dict and all(type(k) is str for k in value):  # the common case: sorting str keys needs no str()
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return "D:" + xsd_decimal(value.normalize() if value == value else value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def fingerprint(record: Any) -> str:
    """Stable hash of a record's content (key order and Decimal trailing zeros do not matter)."""
    text = json.dumps(_canonical(record), ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_id(agenda: str, action: str, key: str, content: Any = None) -> str:
    """Deterministic dataPackItem id for an intent: (agenda, action, source key[, content]).

    Re-sending the same intent gives the same id, so POHODA's duplicity check on
    dataPack/dataPackItem ids also guards re-sends. Pass ``content`` for
    updates, so that a *new* change of the same record gets a new id.
    """
    parts = [agenda, action, str(key)]
    if content is not None:
        parts.append(fingerprint(content))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
    return f"{_AGENDA_CODE.get(agenda, 'XX')}{action[:1].upper()}-{digest}"


def pack_id_for(item_ids: Iterable[str]) -> str:
    """Deterministic dataPack id from its item ids (same batch -> same id)."""
    digest = hashlib.sha256("\x1f".join(item_ids).encode("utf-8")).hexdigest()[:24]
    return f"rpsync-{digest}"


# -- writing a record through its catalog ------------------------------------------------


def _key_of(info: catalogs.FieldInfo) -> str:
    """The dict key of a catalog child in its parent's dict."""
    if info.attribute and "[]@" in info.path:
        return "@" + info.path.rsplit("@", 1)[1]
    return info.name


#: per catalog and element path, its rendering plan: the dict keys it accepts (-> the element's entry, None for
#: an attribute); its element children by key ->
#: (XSD position, key, info, tag, attributes written on that element as ((attribute, key, info), …)); the
#: attributes of a list item ((attribute, key, info), …). Catalogs are loaded once and never change, so a
#: record's render looks its keys up instead of walking every child the XSD allows (an invoice header has
#: ~70) for each element of each record.
_CHILDREN: dict[tuple[int, str], tuple] = {}


def _plan(catalog: catalogs.Catalog, path: str) -> tuple[dict, dict, tuple]:
    key = (id(catalog), path)
    found = _CHILDREN.get(key)
    if found is None or found[-1] is not catalog:
        kids = catalog.children(path)
        attrs: dict[str, list] = {}
        for info in kids:
            if info.attribute and "[]@" not in info.path:
                elem, _, attr = info.name.partition("@")
                attrs.setdefault(elem, []).append((attr, info.name, info))
        elements = {}
        for n, info in enumerate(kids):
            if not info.attribute:
                name = info.name
                tag = f"{info.ns}:{name}" if info.ns else name
                elements[name] = (n, name, info, tag, tuple(attrs.get(name, ())))
        item_attrs = tuple((_key_of(info)[1:], _key_of(info), info) for info in kids
                           if info.attribute and "[]@" in info.path)
        known = {_key_of(info): elements.get(_key_of(info)) for info in kids}
        found = _CHILDREN[key] = (known, elements, item_attrs, catalog)
    return found[:3]


_UNKNOWN = object()
_SCALAR_TYPES = (str, int, Decimal, bool, dt.date)


@lru_cache(maxsize=4096)
def _normalized(where: str) -> str:
    return catalogs.normalize(where)


class _Writer:
    """Writes a record dict as XML elements, in catalog (XSD) order — or types it as POHODA reads it back.

    Both walks (``children`` → XML text, ``typed_children`` → the record ``engine.pohoda.lists`` would read
    from that text) check every value the same way and raise the same ``RenderError``.
    """

    def __init__(self, catalog: catalogs.Catalog, *, label: str | None, limits: Mapping[str, int]) -> None:
        self.catalog = catalog
        self.label = label
        self.limits = limits

    def error(self, where: str, message: str, hint: str | None = None) -> RenderError:
        return RenderError(message, record=self.label, field=where or "(record)", hint=hint)

    def scalar(self, info: catalogs.FieldInfo, value: Any, where: str, type_: str | None = None) -> str:
        type_ = type_ or info.type
        fmt = _FORMAT.get(type_, _text)
        if fmt is _text and type(value) is str:
            text = value
        else:
            try:
                text = fmt(value)
            except ValueError as exc:
                raise self.error(where, str(exc)) from None
        if fmt is _text:  # the other formats write digits, dates and true/false only
            bad = _BAD_XML_CHARS.search(text)
            if bad:
                raise self.error(
                    where, f"contains the control character U+{ord(bad.group()):04X}, which XML cannot carry",
                    hint="remove the character from the source value",
                )
        if type_ == "string":
            limit = self.limits.get(_normalized(where), info.max_length) if self.limits else info.max_length
            if limit is not None and len(text) > limit:
                raise self.error(
                    where, f"is {len(text)} characters long; POHODA allows at most {limit}",
                    hint="shorten the source value or map a shorter expression (rpsync never truncates)",
                )
            if info.enum and text not in info.enum:
                raise self.error(where, f"{text!r} is not allowed; use one of: {', '.join(info.enum)}")
        return text

    def _present(self, value: Any, path: str, where: str) -> list[tuple]:
        """The plan entries of the elements ``value`` sets, in XSD order; an unknown key is an error."""
        if type(value) is not dict and not isinstance(value, Mapping):
            raise self.error(where, f"expected a group of fields (dict), got {type(value).__name__}")
        known = _plan(self.catalog, path)[0]
        present = []
        for key, v in value.items():
            entry = known.get(key, _UNKNOWN)
            if entry is _UNKNOWN:
                full = f"{path}.{key}" if path else key
                close = self.catalog.suggest(full)
                hint = f"did you mean {close[0]}?" if close else None
                raise self.error(
                    f"{where}.{key}" if where else key,
                    f"is not a field of POHODA {self.catalog.name}", hint=hint,
                )
            if v is not None and entry is not None:
                present.append(entry)
        if len(present) > 1:
            present.sort(key=_position)
        return present

    def children(self, value: Mapping, path: str, where: str) -> str:
        out: list[str] = []
        for _, key, info, tag, attr_plan in self._present(value, path, where):
            sub_where = f"{where}.{key}" if where else key
            attrs = self._attrs(value, attr_plan, sub_where) if attr_plan else ""
            out.append(self.element(info, tag, value[key], sub_where, attrs))
        return "".join(out)

    def _attr_texts(self, holder: Mapping, attr_plan: tuple, where: str) -> Iterator[tuple]:
        """(attribute, key, info, text, where) of each attribute of ``attr_plan`` that ``holder`` sets."""
        for attr, key, info in attr_plan:
            v = holder.get(key)
            if v is not None:
                aw = where + "@" + attr
                yield attr, key, info, self.scalar(info, v, aw), aw

    def _attrs(self, holder: Mapping, attr_plan: tuple, where: str) -> str:
        return "".join(f' {attr}="{escape_attr(text)}"' for attr, _, _, text, _ in
                       self._attr_texts(holder, attr_plan, where))

    def _typed_attrs(self, holder: Mapping, attr_plan: tuple, where: str) -> list[tuple[str, Any]]:
        return [(key, _read_scalar(info.type, text, aw)) for _, key, info, text, aw in
                self._attr_texts(holder, attr_plan, where)]

    def element(self, info: catalogs.FieldInfo, tag: str, value: Any, where: str, attrs: str = "") -> str:
        kind = info.type
        if kind == "list":
            out = []
            for iw, item in _list_items(value, where):
                if info.item_type:  # list of scalars
                    out.append(f"<{tag}>{escape_text(self.scalar(info, item, iw, info.item_type))}</{tag}>")
                    continue
                item_attrs = self._attrs(item, _plan(self.catalog, info.path)[2], iw) if isinstance(item, Mapping) else ""
                body = self.children(item, info.path, iw)
                out.append(f"<{tag}{item_attrs}>{body}</{tag}>" if body else f"<{tag}{item_attrs}/>")
            return "".join(out)
        if kind == "object":
            body = self.children(value, info.path, where)
            return f"<{tag}{attrs}>{body}</{tag}>" if body else f"<{tag}{attrs}/>"
        if type(value) not in _SCALAR_TYPES and isinstance(value, (Mapping, list, tuple)):
            raise self.error(where, f"expected a single {kind} value, got {type(value).__name__}")
        return f"<{tag}{attrs}>{escape_text(self.scalar(info, value, where))}</{tag}>"

    # -- the same walk, typed: what ``lists.record_from_element`` reads from the XML ``children`` writes --
    def typed_children(self, value: Mapping, path: str, where: str) -> dict:
        out: dict = {}
        for _, key, info, _, attr_plan in self._present(value, path, where):
            sub_where = f"{where}.{key}" if where else key
            attrs = self._typed_attrs(value, attr_plan, sub_where) if attr_plan else ()
            if info.type == "list":  # attributes next to a list element are not written (see element)
                items = self._typed_items(info, value[key], sub_where)
                if items:
                    out[key] = items
                continue
            out[key] = self.typed_element(info, value[key], sub_where)
            for name, typed in attrs:
                out[name] = typed
        return out

    def _typed_items(self, info: catalogs.FieldInfo, value: Any, where: str) -> list:
        out = []
        for iw, item in _list_items(value, where):
            if info.item_type:
                out.append(_read_scalar(info.item_type, self.scalar(info, item, iw, info.item_type), iw))
                continue
            attrs = self._typed_attrs(item, _plan(self.catalog, info.path)[2], iw) if isinstance(item, Mapping) else ()
            typed = self.typed_children(item, info.path, iw)
            typed.update(attrs)
            out.append(typed)
        return out

    def typed_element(self, info: catalogs.FieldInfo, value: Any, where: str) -> Any:
        if info.type == "object":
            return self.typed_children(value, info.path, where)
        if type(value) not in _SCALAR_TYPES and isinstance(value, (Mapping, list, tuple)):
            raise self.error(where, f"expected a single {info.type} value, got {type(value).__name__}")
        return _read_scalar(info.type, self.scalar(info, value, where), where)


def _list_items(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    """The items of a list field (a single value = a list of one) with where each is: ``items[0]`` …; None skipped."""
    for i, item in enumerate(value if isinstance(value, (list, tuple)) else [value]):
        if item is not None:
            yield f"{where}[{i}]", item


def _position(entry: tuple) -> int:
    return entry[0]


def write_fields(agenda: str, record: Mapping, *, label: str | None = None,
                 limits: Mapping[str, int] | None = None) -> str:
    """The child elements of an agenda record (no agenda element around them), in XSD order.

    Used where the record sits inside another element than the import one,
    e.g. ``lAdb:addressbook`` of a list answer (the simulator's exports).
    """
    writer = _Writer(catalogs.load("pohoda", agenda), label=label or agenda, limits=limits or {})
    return writer.children(record, "", "")


def typed_fields(agenda: str, record: Mapping, *, label: str | None = None) -> dict:
    """``record`` as POHODA gives it back once written (dates as dates, amounts as Decimal, lists as lists):
    what ``lists.record_from_element`` reads from ``write_fields``' XML, without writing and parsing it.
    A value that does not fit its field is the same ``RenderError`` ``write_fields`` raises."""
    writer = _Writer(catalogs.load("pohoda", agenda), label=label or agenda, limits={})
    return writer.typed_children(record, "", "")


def with_value(record: Mapping | None, path: str, value: Any) -> dict:
    """A copy of ``record`` with ``value`` set at dotted ``path`` (``a.b[]`` appends). None = unchanged."""
    base = dict(record or {})
    if value is None:
        return base
    head, _, rest = path.partition(".")
    if not rest:
        if head.endswith("[]"):
            key = head[:-2]
            current = base.get(key)
            items = list(current) if isinstance(current, (list, tuple)) else ([current] if current else [])
            items.append(value)
            base[key] = items
        else:
            base[head] = value
        return base
    if head.endswith("[]"):
        raise RenderError(f"with_value cannot descend through the list {head}")
    inner = base.get(head)
    base[head] = with_value(inner if isinstance(inner, Mapping) else None, rest, value)
    return base


def _first_set(*values):
    for v in values:
        if v is not None:
            return v
    return None


@dataclass(frozen=True)
class PackItem:
    """One dataPackItem: its id and the agenda element (rendered XML text)."""

    id: str
    xml: str
    agenda: str | None = None
    label: str | None = None


@dataclass
class Renderer:
    """Renders documents with the shipped templates (or a consultant's in front of them)."""

    template_dirs: list[Path] = field(default_factory=list)
    ext_system: str = DEFAULT_EXT_SYSTEM
    ext_system_text: str | None = DEFAULT_EXT_SYSTEM_TEXT
    #: stricter length limits per agenda and field path, e.g. {"address_book": {"addressbookHeader.web": 32}} (R-A2)
    limits: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    application: str = "rpsync"

    def __post_init__(self) -> None:
        dirs = [str(Path(d)) for d in self.template_dirs] + [str(templates_dir() / "pohoda")]
        self.env = _environment(tuple(dirs))

    # -- helpers exposed to templates --
    def _ext_id(self, ids: Any) -> dict | None:
        if ids is None or ids == "":
            return None
        out = {"ids": str(ids), "exSystemName": self.ext_system}
        if self.ext_system_text:
            out["exSystemText"] = self.ext_system_text
        return out

    def _ref(self, ref: Any) -> dict | None:
        """A reference ({"id": 5} / {"ids": "code"} / {"ext_id": "123"} / {"number": …}) as record fields."""
        if ref is None or ref == {}:
            return None
        if not isinstance(ref, Mapping):
            return {"id": ref}
        out = {}
        for key, value in ref.items():
            if value is None:
                continue
            if key == "ext_id":
                out["extId"] = self._ext_id(value)
            else:
                out[key] = value
        return out or None

    def _helpers(self) -> dict:
        ext_id_of, ref = self._ext_id, self._ref

        def with_ref(doc, path, value):
            return with_value(doc, path, ref(value))

        def with_partner(doc, identity_path, partner):
            """Link a document's partner to an address-book record by POHODA id or by extId."""
            if not partner:
                return doc
            p = ref(partner) or {}
            if "id" in p:
                doc = with_value(doc, f"{identity_path}.id", p["id"])
            if "extId" in p:
                doc = with_value(doc, f"{identity_path}.extId[]", p["extId"])
            return doc

        def with_links(doc, links):
            """Links to source documents: [{"agenda": "receivedOrder", "id"|"number"|"ext_id": …, "manual": bool}]."""
            for link in links or ():
                source = ref({k: v for k, v in link.items() if k in ("id", "number", "ext_id")})
                kind = "manualLink" if link.get("manual") else "link"
                doc = with_value(doc, f"links.{kind}[]", {"sourceAgenda": link["agenda"], "sourceDocument": source})
            return doc

        def ref_address_of(main):
            """refAddress of a contact person: the main record by POHODA id (refAD) or by extId."""
            r = ref(main)
            if not r:
                return None
            out = {}
            if "id" in r:
                out["refAD"] = r["id"]
            if "extId" in r:
                out["extId"] = r["extId"]
            return out or None

        return {"ext_id_of": ext_id_of, "with_ref": with_ref, "with_partner": with_partner,
                "with_links": with_links, "ref_address_of": ref_address_of}

    def _template(self, name: str):
        try:
            return self.env.get_template(name)
        except TemplateError as exc:
            raise RenderError(f"cannot load template {name}: {exc}") from None

    def _render(self, name: str, context: dict, label: str | None) -> str:
        try:
            return self._template(name).render(**context).strip()
        except RenderError:
            raise
        except TemplateError as exc:
            where = f"template {name}"
            lineno = getattr(exc, "lineno", None)
            if lineno:
                where += f" line {lineno}"
            raise RenderError(f"{where}: {exc}", record=label) from None

    def render_document(
        self,
        agenda: str,
        record: Mapping,
        *,
        action: str = "add",
        ext_id: str | int | None = None,
        filter: Mapping | None = None,
        label: str | None = None,
        **context: Any,
    ) -> str:
        """One agenda element (e.g. ``<adb:addressbook>``) as XML text, prefixes undeclared.

        ``action`` is ``add`` or ``update`` (update only where POHODA supports it:
        the address book, with ``filter`` = {"id": …} / {"ext_id": …} / {"ico": …}).
        ``ext_id`` is the Raynet id written as ``typ:extId``. Extra keyword
        arguments reach the template (``partner``, ``contract``, ``links``,
        ``invoice_type``, ``ref_address`` …).
        """
        template = DOCUMENT_TEMPLATES.get(agenda)
        if template is None:
            raise RenderError(
                f"rpsync does not write POHODA {agenda} documents",
                hint=f"writable agendas: {', '.join(sorted(DOCUMENT_TEMPLATES))}",
            )
        if action not in ("add", "update"):
            raise RenderError(f"unknown action {action!r}; use add or update", record=label)
        if action == "update" and agenda not in AGENDAS_WITH_UPDATE:
            raise RenderError(
                f"POHODA cannot update existing {agenda} through XML (R-Z5, R-O3, R-R6, R-F4); "
                "only new documents can be written",
                record=label,
            )
        if action == "update" and not filter:
            raise RenderError("an update needs a filter that finds the record (id, ext_id or ico)", record=label)
        catalog = catalogs.load("pohoda", agenda)
        writer = _Writer(catalog, label=label or (f"{agenda} ext {ext_id}" if ext_id else agenda),
                         limits=self.limits.get(agenda, {}))

        def fields(value: Mapping, path: str = "") -> Markup:
            return Markup(writer.children(value, path, path))

        ctx = {"partner": None, "contract": None, "links": (), "ref_address": None,
               "invoice_type": None, **context, **self._helpers()}
        ctx.update(
            agenda=agenda, record=dict(record or {}), action=action, filter=dict(filter or {}),
            ext_id=self._ext_id(ext_id), ext_system=self.ext_system, fields=fields,
        )
        return self._render(template, ctx, writer.label)

    def render_list_request(
        self,
        agenda: str,
        *,
        filter: Mapping | None = None,
        id_from: int | None = None,
        count: int | None = None,
        **context: Any,
    ) -> str:
        """One list (export) request element for ``agenda``.

        ``filter`` keys: ``id``, ``ext_id``, ``last_changes`` (datetime),
        ``code``/``store``/``storage`` (stock), ``number_series`` (list of
        prefixes)/``numbers`` (list of document numbers), ``date_from``/``date_till``,
        ``company``/``ico``, ``query`` (SQL WHERE, ftr:queryFilter),
        ``user_filter``. ``id_from``/``count`` page the export (ftr:limit).
        """
        template = LIST_TEMPLATES.get(agenda)
        if template is None:
            raise RenderError(f"rpsync has no list request for POHODA {agenda}")
        if count is not None and not 1 <= int(count) <= 10000:
            raise RenderError("count must be between 1 and 10000 (ftr:limitType)")
        ctx = {**context, **self._helpers()}
        ctx.setdefault("invoice_type", "issuedInvoice")
        ctx.setdefault("liquidations", agenda == "payments")
        ctx.update(
            agenda=agenda, filter=dict(filter or {}), id_from=id_from, count=count,
            ext_system=self.ext_system,
        )
        return self._render(template, ctx, None)

    def render_datapack(
        self,
        items: Iterable[PackItem | tuple[str, str]],
        *,
        ico: str,
        pack_id: str | None = None,
        application: str | None = None,
        note: str = "",
    ) -> bytes:
        """The dataPack envelope around rendered items, encoded Windows-1250.

        Characters outside Windows-1250 become numeric character references.
        """
        packed = [it if isinstance(it, PackItem) else PackItem(it[0], it[1]) for it in items]
        if not packed:
            raise RenderError("a dataPack needs at least one item")
        seen: set[str] = set()
        for it in packed:
            if it.id in seen:
                raise RenderError(f"dataPackItem id {it.id} appears twice in one dataPack", record=it.label)
            seen.add(it.id)
        ctx = {
            "namespaces": {p: f"{NS_BASE}{f}.xsd" for p, f in NAMESPACES.items()},
            "pack_id": pack_id or pack_id_for(it.id for it in packed),
            "ico": ico,
            "application": application or self.application,
            "note": note,
            "items": [{"id": it.id, "xml": Markup(it.xml)} for it in packed],
            "encoding": ENCODING,
        }
        text = self._render("datapack.xml.j2", ctx, None)
        return encode(text)


def encode(text: str) -> bytes:
    """Windows-1250 bytes; characters outside it as numeric character references."""
    return text.encode("cp1250", errors="xmlcharrefreplace")


@lru_cache(maxsize=16)
def _environment(dirs: tuple[str, ...]) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        xsd_date=xsd_date, xsd_datetime=xsd_datetime, xsd_bool=xsd_bool, xsd_decimal=xsd_decimal,
        xsd_int=xsd_int, with_value=with_value,
    )
    env.globals.update(first_set=_first_set, invoice_kinds=INVOICE_KINDS)
    return env


# -- module-level API (default renderer) -------------------------------------------------

_default: Renderer | None = None


def default_renderer() -> Renderer:
    global _default
    if _default is None:
        _default = Renderer()
    return _default


def render_document(agenda: str, record: Mapping, **kwargs: Any) -> str:
    return default_renderer().render_document(agenda, record, **kwargs)


def render_list_request(agenda: str, **kwargs: Any) -> str:
    return default_renderer().render_list_request(agenda, **kwargs)


def render_datapack(items, *, ico: str, pack_id: str | None = None, application: str | None = None,
                    note: str = "") -> bytes:
    return default_renderer().render_datapack(items, ico=ico, pack_id=pack_id, application=application, note=note)
