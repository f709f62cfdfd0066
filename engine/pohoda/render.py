"""Render POHODA XML: agenda documents, list requests and the dataPack envelope.

Records are the nested dicts of docs/architecture.md ("Records"), the same
shape ``engine.pohoda.lists`` reads. The per-document Jinja templates in
``templates/pohoda/`` carry what is fixed for a document (the agenda element,
``actionType``/filter, extIds, links to the partner and contract); the record's
own fields are written by ``record | fields``, which walks the agenda's field
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

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateRuntimeError, pass_context
from jinja2.runtime import new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from engine import catalogs
from engine.errors import RpsyncError
from engine.pohoda.lists import typed_scalar as _read_scalar  # a written value as the list reader types it
from engine.pohoda import shapes
from engine.pohoda.xmltext import BAD_XML_CHARS, escape_attr, escape_text, join_where
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


def _canonical_scalar(value: Any) -> Any:
    """``json.dumps``' default in ``fingerprint``: what ``_canonical`` makes of a value JSON cannot write."""
    kind = type(value)
    if kind is Decimal and value.is_finite():  # as below, without xsd_decimal's checks
        text = format(value.normalize(), "f")
        return "D:0" if text in ("-0", "") else "D:" + text
    if kind is dt.date:
        return value.isoformat()
    if isinstance(value, Decimal):
        return "D:" + xsd_decimal(value.normalize() if value == value else value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _canonical(value)
    return str(value)


def _str_keyed(value: Any) -> bool:
    """Are the keys of every dict in ``value`` (at any depth) text? (Then JSON's own key sort is ``_canonical``'s.)"""
    stack = [value]
    pop, push = stack.pop, stack.extend
    budget = 1_000_000  # a value that contains itself is no record: left to _canonical (which refuses it)
    while stack:
        budget -= 1
        if not budget:
            return False
        v = pop()
        kind = type(v)
        if kind is str:
            continue
        if kind is dict or isinstance(v, dict):  # JSON writes dict subclasses as dicts
            for k in v:
                if type(k) is not str:
                    return False
            push(v.values())
        elif kind is list or kind is tuple or isinstance(v, (list, tuple)):
            push(v)
    return True


def fingerprint(record: Any) -> str:
    """Stable hash of a record's content (key order and Decimal trailing zeros do not matter).

    The hashed text is ``_canonical``'s JSON (kept as earlier versions wrote it: the ids of delivery-address
    writes hash their record, and a re-send after an upgrade should keep its id). With text keys
    (every record the catalog walk accepts) JSON sorts the keys and calls ``_canonical_scalar`` for the
    Decimals and dates itself, which writes the same text without copying the record first."""
    if _str_keyed(record):
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                          default=_canonical_scalar)
    else:
        text = json.dumps(_canonical(record), ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_id(agenda: str, action: str, key: str, content: Any = None) -> str:
    """Deterministic dataPackItem id for an intent: (agenda, action, source key[, content]).

    Re-sending the same intent gives the same id, so POHODA's duplicity check on
    dataPack/dataPackItem ids also guards re-sends. Pass ``content`` for
    updates, so that a *new* change of the same record gets a new id: the
    document's rendered XML (text, hashed as it is: the writer is
    deterministic, and the XML is everything POHODA receives), or a record
    (hashed by ``fingerprint``: key order and Decimal trailing zeros do not
    matter).
    """
    if content is None:
        text = f"{agenda}\x1f{action}\x1f{key}"
    else:  # the same text as the parts joined by \x1f, without a copy of the document's XML
        text = f"{agenda}\x1f{action}\x1f{key}\x1f"
    digest = hashlib.sha256(text.encode("utf-8"))
    if content is not None:
        digest.update((content if isinstance(content, str) else fingerprint(content)).encode("utf-8"))
    return f"{_AGENDA_CODE.get(agenda, 'XX')}{action[:1].upper()}-{digest.hexdigest()[:24]}"


def pack_id_for(item_ids: Iterable[str]) -> str:
    """Deterministic dataPack id from its item ids (same batch -> same id)."""
    digest = hashlib.sha256("\x1f".join(item_ids).encode("utf-8")).hexdigest()[:24]
    return f"rpsync-{digest}"


# -- writing a record through its catalog ------------------------------------------------
#
# Each field of a catalog is compiled once (per catalog and mapping limits) into small functions: its text
# (format, control characters, length incl. the mapping's limits R-A2, enumeration), its element as XML
# text, and its value typed as ``engine.pohoda.lists`` reads that text back. A record's walk then only looks
# its own keys up, sorts them into XSD order and calls those functions — no catalog lookups, type dispatch
# or limit lookups per value. Only catalog data goes in (limits and enumerations as data). Per record shape,
# ``engine.pohoda.shapes`` then generates one function inlining those steps, from catalog element names only.


class _Bad(Exception):
    """A value does not fit its field (the caller knows where the field is)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class _FieldError(Exception):
    """A value does not fit; raised through the walk and turned into a ``RenderError`` with the record's label."""

    def __init__(self, where: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.where, self.message, self.hint = where, message, hint

    def render_error(self, label: str | None) -> RenderError:
        return RenderError(self.message, record=label, field=self.where or "(record)", hint=self.hint)


_CONTROL_HINT = "remove the character from the source value"
_LENGTH_HINT = "shorten the source value or map a shorter expression (rpsync never truncates)"
_UNKNOWN = object()
_SCALAR_TYPES = (str, int, Decimal, bool, dt.date)
_search_bad = BAD_XML_CHARS.search




def _string_checks(info: catalogs.FieldInfo, limits: Mapping[str, int]) -> tuple[int | None, frozenset | None]:
    """(longest length, allowed values) of a text field; the mapping's limits come before the XSD's (R-A2)."""
    limit = limits.get(info.path, info.max_length) if limits else info.max_length
    return limit, (frozenset(info.enum) if info.enum else None)


def _text_of(type_: str, info: catalogs.FieldInfo, limits: Mapping[str, int]):
    """value -> the field's text (``_Bad`` when it does not fit): format for the XSD type, then (text types)
    control characters, then (strings) length and enumeration."""
    fmt = _FORMAT.get(type_, _text)
    if fmt is not _text:  # the other formats write digits, dates and true/false only

        def formatted(value: Any) -> str:
            try:
                return fmt(value)
            except ValueError as exc:
                raise _Bad(str(exc)) from None

        return formatted
    limit, enum = _string_checks(info, limits) if type_ == "string" else (None, None)
    allowed = ", ".join(info.enum) if enum else ""

    def text(value: Any) -> str:
        if type(value) is str:
            text = value
        else:
            try:
                text = _text(value)
            except ValueError as exc:
                raise _Bad(str(exc)) from None
        bad = _search_bad(text)
        if bad:
            raise _Bad(f"contains the control character U+{ord(bad.group()):04X}, which XML cannot carry",
                       _CONTROL_HINT)
        if limit is not None and len(text) > limit:
            raise _Bad(f"is {len(text)} characters long; POHODA allows at most {limit}", _LENGTH_HINT)
        if enum is not None and text not in enum:
            raise _Bad(f"{text!r} is not allowed; use one of: {allowed}")
        return text

    return text


#: text -> value for the formats whose text is always valid (``xsd_decimal``/``xsd_int``/``xsd_date`` write plain
#: digits and dates): what ``lists.typed_scalar`` reads from it, without its checks
_READ_WRITTEN = {"decimal": lambda text, where: Decimal(text), "integer": lambda text, where: int(text),
                 "date": lambda text, where: dt.date.fromisoformat(text)}


def _reader_of(type_: str):
    """text -> the value ``lists.typed_scalar`` reads from it (strings stay as they are)."""
    if type_ in ("string", "any"):
        return None
    return _READ_WRITTEN.get(type_) or (lambda text, where: _read_scalar(type_, text, where))


class _Attributes:
    """The attributes an element (or a list item) carries: ((attribute, key, text, read), …) of one plan."""

    __slots__ = ("plan",)

    def __init__(self, infos: Iterable[tuple[str, str, catalogs.FieldInfo]], limits: Mapping[str, int]) -> None:
        self.plan = tuple((attr, key, _text_of(info.type, info, limits), _reader_of(info.type))
                          for attr, key, info in infos)

    def _texts(self, holder: Mapping, where: str) -> list[tuple[str, str, Any, str, str]]:
        out = []
        for attr, key, text_of, read in self.plan:
            v = holder.get(key)
            if v is not None:
                aw = where + "@" + attr
                try:
                    text = text_of(v)
                except _Bad as bad:
                    raise _FieldError(aw, bad.message, bad.hint) from None
                out.append((attr, key, read, text, aw))
        return out

    def xml(self, holder: Mapping, where: str) -> str:
        return "".join([f' {attr}="{escape_attr(text)}"' for attr, _, _, text, _ in self._texts(holder, where)])

    def typed(self, holder: Mapping, where: str) -> list[tuple[str, Any]]:
        return [(key, text if read is None else read(text, aw)) for _, key, read, text, aw in
                self._texts(holder, where)]


#: a shape cache's entry for a key set the generated functions do not take (attribute or unknown keys): the walk
_WALK = object()
#: False: every record is written by the catalog walk alone (the tests compare both ways)
USE_SHAPES = True


class _Node:
    """The compiled children of one element (or of the record root): key -> (XSD position, key, write, typed, spec).

    ``xml``/``typed`` run the function generated for the key set a dict has (``engine.pohoda.shapes``), made the
    first time a dict of that set comes; the catalog walk (``walk_xml``/``walk_typed``) writes what it does not
    take, and reports every error.
    """

    __slots__ = ("catalog", "path", "known", "elements", "orders", "shapes_xml", "shapes_typed")

    def __init__(self, catalog: catalogs.Catalog, path: str, known: dict) -> None:
        self.catalog, self.path, self.known = catalog, path, known
        self.elements: dict[str, tuple] = {}  # the entries of ``known`` that are elements (filled with it)
        #: the keys of a dict (in its order) -> its entries in XSD order: a mapping's records set the same
        #: fields in the same order, so after the first record the others need no lookups and no sort
        self.orders: dict[tuple, tuple] = {}
        self.shapes_xml: dict[tuple, Any] = {}
        self.shapes_typed: dict[tuple, Any] = {}

    def _shape(self, value: dict, keys: tuple, cache: dict, compile_shape) -> Any:
        """The generated function of a key set (``_WALK`` for a set it does not take), made once: its groups
        inlined in ``value``'s shape."""
        if len(cache) >= shapes.MAX_SHAPES:
            return _WALK  # a mapping's records come in a few shapes; this many means they vary: walk them
        if shapes.takes(self, keys):
            found = compile_shape(self, keys, value)
        else:
            found = _WALK
        cache[keys] = found
        return found

    def _ordered(self, value: Any) -> tuple | None:
        """The entries of a dict's keys in XSD order, when seen before (None values are skipped by the caller)."""
        if type(value) is dict:
            return self.orders.get(tuple(value))
        return None

    def present(self, value: Any, where: str) -> list[tuple]:
        """The entries of the elements ``value`` sets, in XSD order; an unknown key is an error."""
        elements = self.elements
        if type(value) is dict and value.keys() <= elements.keys():  # elements only (no attribute keys)
            if len(self.orders) < 256:
                self.orders[tuple(value)] = tuple(sorted(elements[key] for key in value))
            present = [elements[key] for key, v in value.items() if v is not None]
            if len(present) > 1:
                present.sort()  # by XSD position (unique within an element, so the tuples never compare further)
            return present
        if type(value) is not dict and not isinstance(value, Mapping):
            raise _FieldError(where, f"expected a group of fields (dict), got {type(value).__name__}")
        known = self.known
        present = []
        for key, v in value.items():
            entry = known.get(key, _UNKNOWN)
            if entry is _UNKNOWN:
                full = f"{self.path}.{key}" if self.path else str(key)
                close = self.catalog.suggest(full)
                raise _FieldError(join_where(where, key), f"is not a field of POHODA {self.catalog.name}",
                                  f"did you mean {close[0]}?" if close else None)
            if v is not None and entry is not None:
                present.append(entry)
        if len(present) > 1:
            present.sort()  # by XSD position (unique within an element, so the tuples never compare further)
        return present

    def xml(self, value: Any, where: str) -> str:
        return self._run(value, where, self.shapes_xml, shapes.compile_xml, self.walk_xml)

    def typed(self, value: Any, where: str) -> dict:
        return self._run(value, where, self.shapes_typed, shapes.compile_typed, self.walk_typed)

    def _run(self, value: Any, where: str, cache: dict, compile_shape, walk) -> Any:
        """The generated function of ``value``'s key set (made the first time), else — or for a value it does
        not take — the catalog walk."""
        if type(value) is dict and USE_SHAPES:
            keys = tuple(value)
            fast = cache.get(keys)
            if fast is None:
                fast = self._shape(value, keys, cache, compile_shape)
            if fast is not _WALK:
                try:
                    return fast(value, where)
                except shapes.Slow:
                    pass  # a value it does not take: the walk formats it, or names what is wrong
        return walk(value, where)

    def walk_xml(self, value: Any, where: str) -> str:
        order = self._ordered(value)
        if order is not None:
            return "".join([write(value, v, where) for _, key, write, _, _ in order if (v := value[key]) is not None])
        return "".join([write(value, value[key], where) for _, key, write, _, _ in self.present(value, where)])

    def walk_typed(self, value: Any, where: str) -> dict:
        out: dict = {}
        order = self._ordered(value)
        for _, key, _, typed, _ in order if order is not None else self.present(value, where):
            v = value[key]
            if v is not None:
                typed(value, v, where, out)
        return out


class _Compiled:
    """Every element of one catalog compiled for one set of mapping limits (``_compiled``)."""

    def __init__(self, catalog: catalogs.Catalog, limits: Mapping[str, int]) -> None:
        self.catalog, self.limits = catalog, limits
        self.nodes: dict[str, _Node] = {}

    def node(self, path: str) -> _Node:
        found = self.nodes.get(path)
        if found is None:
            found = self.nodes[path] = self._compile(path)
        return found

    def _compile(self, path: str) -> _Node:
        kids = self.catalog.children(path)
        node = _Node(self.catalog, path, {})  # published by node() once complete (catalog paths do not nest in
        # themselves, so no element needs its own node while it is being compiled)
        attrs: dict[str, list] = {}
        for info in kids:
            if info.attribute and "[]@" not in info.path:
                elem, _, attr = info.name.partition("@")
                attrs.setdefault(elem, []).append((attr, info.name, info))
        known: dict[str, tuple | None] = {}
        for n, info in enumerate(kids):
            if info.attribute:
                known[_key_of(info)] = None  # written with its element (or its list item)
                continue
            name = info.name
            write, typed, spec = self._element(info, f"{info.ns}:{name}" if info.ns else name, name,
                                               _Attributes(attrs.get(name, ()), self.limits))
            known[name] = node.elements[name] = (n, name, write, typed, spec)
        node.known.update(known)
        return node

    def _element(self, info: catalogs.FieldInfo, tag: str, key: str, attrs: _Attributes):
        """(write, typed, spec) of one element: ``write(holder, value, where) -> XML``,
        ``typed(holder, value, where, out)`` sets ``out[key]`` (and its attributes) as POHODA reads them back;
        ``spec`` tells ``engine.pohoda.shapes`` how to inline the element (None: it calls write/typed)."""
        kind = info.type
        with_attrs = bool(attrs.plan)
        if kind == "list":
            return self._list(info, tag, key, attrs)
        if kind == "object":
            node = self.node(info.path)

            def write_object(holder, value, where):
                sub = join_where(where, key)
                a = attrs.xml(holder, sub) if with_attrs else ""
                body = node.xml(value, sub)
                return f"<{tag}{a}>{body}</{tag}>" if body else f"<{tag}{a}/>"

            def typed_object(holder, value, where, out):
                sub = join_where(where, key)
                a = attrs.typed(holder, sub) if with_attrs else ()
                out[key] = node.typed(value, sub)
                out.update(a)

            # a spec even with attributes: a level the generated functions write has element keys only (its key set
            # is all elements), so no attribute of its elements is set there
            return write_object, typed_object, ("object", f"<{tag}>", f"</{tag}>", f"<{tag}/>", node)
        text_of, read = _text_of(kind, info, self.limits), _reader_of(kind)
        start, end = f"<{tag}>", f"</{tag}>"
        single = f"expected a single {kind} value, got "

        def text(value, where):  # where: the parent's
            if type(value) not in _SCALAR_TYPES and isinstance(value, (Mapping, list, tuple)):
                raise _FieldError(join_where(where, key), single + type(value).__name__)
            try:
                return text_of(value)
            except _Bad as bad:
                raise _FieldError(join_where(where, key), bad.message, bad.hint) from None

        escape = escape_text if _FORMAT.get(kind, _text) is _text else str  # other formats: digits, dates, true/false

        def write_scalar(holder, value, where):
            a = attrs.xml(holder, join_where(where, key)) if with_attrs else ""
            return f"<{tag}{a}>{escape(text(value, where))}{end}" if a else start + escape(text(value, where)) + end

        if kind == "string" and not with_attrs:  # the common case first: a plain text that fits, no calls
            limit, enum = _string_checks(info, self.limits)

            def write_string(holder, value, where):
                if type(value) is str and _search_bad(value) is None and (limit is None or len(value) <= limit) \
                        and (enum is None or value in enum):
                    return start + value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")\
                        .replace("\r", "&#13;") + end
                return write_scalar(holder, value, where)  # formats, checks and errors as any scalar

            def typed_string(holder, value, where, out):
                if type(value) is str and _search_bad(value) is None and (limit is None or len(value) <= limit) \
                        and (enum is None or value in enum):
                    out[key] = value
                else:
                    out[key] = text(value, where)

            return write_string, typed_string, ("string", start, end, limit, enum)

        if kind == "decimal" and not with_attrs:  # an amount: as xsd_decimal writes a finite Decimal

            def write_decimal(holder, value, where):
                if type(value) is Decimal and value.is_finite():
                    t = format(value, "f")
                    return start + ("0" if t in ("-0", "") else t) + end
                return write_scalar(holder, value, where)

            def typed_decimal(holder, value, where, out):
                if type(value) is Decimal and value.is_finite():
                    t = format(value, "f")
                    out[key] = Decimal("0" if t in ("-0", "") else t)
                else:
                    out[key] = read(text(value, where), "")

            return write_decimal, typed_decimal, ("decimal", start, end)

        exact = {"integer": int, "date": dt.date}.get(kind)
        if exact is not None and not with_attrs:  # an int or a date (not a datetime): read back as itself

            def write_exact(holder, value, where):
                if type(value) is exact:
                    return start + (value.isoformat() if exact is dt.date else str(value)) + end
                return write_scalar(holder, value, where)

            def typed_exact(holder, value, where, out):
                if type(value) is exact:
                    out[key] = value  # xsd_int/xsd_date and back give an equal int/date (both immutable)
                else:
                    out[key] = read(text(value, where), "")

            return write_exact, typed_exact, ("exact", start, end, exact)

        def typed_scalar(holder, value, where, out):
            if with_attrs:
                sub = join_where(where, key)
                a = attrs.typed(holder, sub)
                t = text(value, where)
                out[key] = t if read is None else read(t, sub)
                out.update(a)
            else:
                t = text(value, where)
                out[key] = t if read is None else read(t, join_where(where, key))

        spec = None
        if with_attrs:  # written plain by generated functions (their levels set no attribute, see write_object)
            exact = {"integer": int, "date": dt.date}.get(kind)
            if kind == "string":
                spec = ("string", start, end, *_string_checks(info, self.limits))
            elif kind == "decimal":
                spec = ("decimal", start, end)
            elif exact is not None:
                spec = ("exact", start, end, exact)
        return write_scalar, typed_scalar, spec

    def _list(self, info: catalogs.FieldInfo, tag: str, key: str, attrs: _Attributes):
        with_attrs = bool(attrs.plan)  # attributes next to a list element are checked, not written
        end = f"</{tag}>"
        if info.item_type:  # list of scalars
            text_of, read = _text_of(info.item_type, info, self.limits), _reader_of(info.item_type)

            def item_text(item, iw):
                try:
                    return text_of(item)
                except _Bad as bad:
                    raise _FieldError(iw, bad.message, bad.hint) from None

            def write_scalars(holder, value, where):
                sub = join_where(where, key)
                if with_attrs:
                    attrs.xml(holder, sub)
                return "".join([f"<{tag}>{escape_text(item_text(item, iw))}{end}"
                                for iw, item in _list_items(value, sub)])

            def typed_scalars(holder, value, where, out):
                sub = join_where(where, key)
                if with_attrs:
                    attrs.typed(holder, sub)
                items = [item_text(item, iw) if read is None else read(item_text(item, iw), iw)
                         for iw, item in _list_items(value, sub)]
                if items:
                    out[key] = items

            return write_scalars, typed_scalars, None
        node = self.node(info.path)
        item_attrs = _Attributes(((_key_of(i)[1:], _key_of(i), i) for i in self.catalog.children(info.path)
                                  if i.attribute and "[]@" in i.path), self.limits)
        with_item_attrs = bool(item_attrs.plan)

        def write_items(holder, value, where):
            sub = join_where(where, key)
            if with_attrs:
                attrs.xml(holder, sub)
            out = []
            for iw, item in _list_items(value, sub):
                a = item_attrs.xml(item, iw) if with_item_attrs and isinstance(item, Mapping) else ""
                body = node.xml(item, iw)
                out.append(f"<{tag}{a}>{body}{end}" if body else f"<{tag}{a}/>")
            return "".join(out)

        def typed_items(holder, value, where, out):
            sub = join_where(where, key)
            if with_attrs:
                attrs.typed(holder, sub)
            items = []
            for iw, item in _list_items(value, sub):
                a = item_attrs.typed(item, iw) if with_item_attrs and isinstance(item, Mapping) else ()
                typed = node.typed(item, iw)
                typed.update(a)
                items.append(typed)
            if items:
                out[key] = items

        # the list's own attributes are only checked, and a generated level sets none (see write_object); its items'
        # attributes are keys of each item, which generated functions do not look for: such lists use write_items
        spec = None if with_item_attrs else ("items", f"<{tag}>", end, f"<{tag}/>", node)
        return write_items, typed_items, spec


def _key_of(info: catalogs.FieldInfo) -> str:
    """The dict key of a catalog child in its parent's dict."""
    if info.attribute and "[]@" in info.path:
        return "@" + info.path.rsplit("@", 1)[1]
    return info.name


#: (catalog, limits) -> its compiled elements. Catalogs are loaded once and never change, so a record's render
#: looks its keys up instead of walking every child the XSD allows (an invoice header has ~70) per record.
_COMPILED: dict[tuple, _Compiled] = {}


def _compiled(catalog: catalogs.Catalog, limits: Mapping[str, int]) -> _Compiled:
    key = (id(catalog), tuple(sorted(limits.items())) if limits else ())
    found = _COMPILED.get(key)
    if found is None or found.catalog is not catalog:
        found = _COMPILED[key] = _Compiled(catalog, dict(limits or {}))
    return found


def _list_items(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    """The items of a list field (a single value = a list of one) with where each is: ``items[0]`` …; None skipped."""
    for i, item in enumerate(value if isinstance(value, (list, tuple)) else [value]):
        if item is not None:
            yield f"{where}[{i}]", item


class _Writer:
    """Writes a record dict as XML elements, in catalog (XSD) order.

    ``typed_fields`` types a record through the same compiled elements (the record ``engine.pohoda.lists``
    would read from this text): both check every value the same way and raise the same ``RenderError``.
    """

    def __init__(self, catalog: catalogs.Catalog, *, label: str | None, limits: Mapping[str, int] | None = None,
                 compiled: _Compiled | None = None) -> None:
        self.catalog = catalog
        self.label = label
        self.compiled = compiled if compiled is not None else _compiled(catalog, limits or {})

    def children(self, value: Mapping, path: str, where: str) -> str:
        try:
            return self.compiled.node(path).xml(value, where)
        except _FieldError as exc:
            raise exc.render_error(self.label) from None



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
    try:  # _Writer.typed_children without a writer of its own (a document step types every record)
        return _compiled(catalogs.load("pohoda", agenda), _NO_LIMITS).node("").typed(record, "")
    except _FieldError as exc:
        raise exc.render_error(label or agenda) from None


#: ``typed_fields``: the catalog's own limits (a mapping's stricter ones apply to what is written)
_NO_LIMITS: Mapping[str, int] = {}


def with_value(record: Mapping | None, path: str, value: Any) -> dict:
    """A copy of ``record`` with ``value`` set at dotted ``path`` (``a.b[]`` appends). None = unchanged (a dict
    is given back as it is: records are values here, never changed in place). Only the dicts on the path are
    copied; the rest is shared with ``record``."""
    if value is None:
        return record if type(record) is dict else dict(record or {})
    heads, last, append = _with_path(path)
    base = node = dict(record) if record else {}
    for head in heads:
        inner = node.get(head)
        inner = dict(inner) if (type(inner) is dict or isinstance(inner, Mapping)) and inner else {}
        node[head] = inner
        node = inner
    if append:
        current = node.get(last)
        items = list(current) if isinstance(current, (list, tuple)) else ([current] if current else [])
        items.append(value)
        node[last] = items
    else:
        node[last] = value
    return base


#: ``with_value``'s paths, parsed: (the names it descends through, the last name, append?)
_WITH_PATHS: dict[str, tuple[tuple[str, ...], str, bool]] = {}


def _with_path(path: str) -> tuple[tuple[str, ...], str, bool]:
    found = _WITH_PATHS.get(path) if type(path) is str else None
    if found is None:
        heads, rest = [], path
        while True:
            last, _, rest = rest.partition(".")
            if not rest:  # "a." sets a, as "a" does
                break
            if last.endswith("[]"):
                raise RenderError(f"with_value cannot descend through the list {last}")
            heads.append(last)
        append = last.endswith("[]")
        found = (tuple(heads), last[:-2] if append else last, append)
        if type(path) is str and len(_WITH_PATHS) < 512:  # a template's paths are few; a Markup path keeps its type
            _WITH_PATHS[path] = found
    return found


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
        #: templates as first loaded (a run builds its renderer, so a changed template counts from the next run)
        self._templates: dict[str, tuple[Any, dict]] = {}
        self._document_contexts: dict[str, tuple[Any, dict]] = {}
        self._writers: dict[str, tuple[catalogs.Catalog, _Compiled]] = {}
        self._helper_functions: dict | None = None

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
        if ref is None:
            return None
        if type(ref) is dict and len(ref) == 1 and "id" in ref:  # the usual {"id": 5}, as the loop below makes it
            return {"id": ref["id"]} if ref["id"] is not None else None
        if ref == {}:
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
        if self._helper_functions is None:
            self._helper_functions = self._new_helpers()
        return self._helper_functions

    def _new_helpers(self) -> dict:
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
                "with_links": with_links, "ref_address_of": ref_address_of, "fields": _fields}

    def _writer(self, agenda: str, label: str) -> _Writer:
        """A writer of ``agenda``'s records with this renderer's limits (its compiled catalog looked up once)."""
        found = self._writers.get(agenda)
        if found is None:
            catalog = catalogs.load("pohoda", agenda)
            found = self._writers[agenda] = (catalog, _compiled(catalog, self.limits.get(agenda, {})))
        return _Writer(found[0], label=label, compiled=found[1])

    def _document_context(self, name: str) -> tuple[Any, dict]:
        """A document template and the context every render of it starts from: the template's globals, the
        defaults of the document arguments and the helpers (one copy per render instead of building it)."""
        found = self._document_contexts.get(name)
        if found is None:
            template, template_globals = self._template(name)
            helpers = self._helpers()
            base = {**template_globals, "partner": None, "contract": None, "links": (), "ref_address": None,
                    "invoice_type": None, **helpers, "ext_system": self.ext_system, _HELPERS_KEY: helpers}
            found = self._document_contexts[name] = (template, base)
        return found

    def _template(self, name: str) -> tuple[Any, dict]:
        """The template and its globals as a plain dict (Jinja keeps them as a ChainMap over the environment's,
        which costs more to copy into every render's context than the rest of a small template)."""
        found = self._templates.get(name)
        if found is None:
            try:
                template = self.env.get_template(name)
            except TemplateError as exc:
                raise RenderError(f"cannot load template {name}: {exc}") from None
            found = self._templates[name] = (template, dict(template.globals))
        return found

    def _render(self, name: str, context: dict, label: str | None, *, complete: bool = False) -> str:
        """``context`` complete: it holds the template's globals already, and is the render's own (a fresh dict)."""
        template, template_globals = self._template(name)
        env = self.env
        try:
            # Template.render(**context), with the globals as a plain dict (see _template)
            run = new_context(env, template.name, template.blocks, context, complete, None if complete
                              else template_globals)
            try:
                text = env.concat(template.root_render_func(run))
            except Exception:
                env.handle_exception()  # as Template.render: the same exception, its traceback in template lines
            return text.strip()
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
        writer = self._writer(agenda, label or (f"{agenda} ext {ext_id}" if ext_id else agenda))
        _, base = self._document_context(template)
        ctx = base.copy()
        if context:
            ctx.update(context)
            if not _HELPER_NAMES.isdisjoint(context):  # the helpers are rpsync's, whatever a caller passes
                ctx.update(base[_HELPERS_KEY])
        ctx["agenda"] = agenda
        ctx["record"] = record if type(record) is dict else dict(record or {})
        ctx["action"] = action
        ctx["filter"] = dict(filter or {})
        ctx["ext_id"] = self._ext_id(ext_id)
        ctx["ext_system"] = self.ext_system
        ctx[_WRITER_KEY] = writer
        return self._render(template, ctx, writer.label, complete=True)

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
        helpers = self._helpers()
        ctx = {**context, **helpers, _HELPERS_KEY: helpers}
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
            # the dataPackItem elements are written here, where the template puts ``items_xml``: a template loop
            # over 100 items costs four times as much (issue 7, render rate), and the pack's text is joined once
            # (a pack is ~100-300 KB: each extra copy of it costs more than the loop saved). ``items`` keeps
            # them one by one for templates that loop.
            "items_xml": _ITEMS_MARK,
            "items": _PackItems(packed),
            "encoding": ENCODING,
        }
        text = self._render("datapack.xml.j2", ctx, None)
        parts = text.split(_ITEMS_MARK)
        if len(parts) > 1:
            elements: list[str] = []
            for n, it in enumerate(packed):
                elements += ('\n<dat:dataPackItem version="2.0" id="' if n else '<dat:dataPackItem version="2.0" id="',
                             escape(it.id), '">\n', it.xml, "\n</dat:dataPackItem>")
            pieces = [parts[0]]
            for part in parts[1:]:
                pieces += elements
                pieces.append(part)
            text = "".join(pieces)
        return encode(text)


#: where the envelope template wants the dataPackItem elements (a text no template writes by chance)
_ITEMS_MARK = Markup("\x1frpsync:dataPackItems\x1f")


class _PackItems:
    """A dataPack's items as a template loops over them (``{"id": …, "xml": Markup(…)}``), made only if it does."""

    def __init__(self, packed: list[PackItem]) -> None:
        self._packed = packed

    def __iter__(self) -> Iterator[dict]:
        return (self._item(it) for it in self._packed)

    def __getitem__(self, index: int | slice) -> dict | list[dict]:
        if isinstance(index, slice):
            return [self._item(it) for it in self._packed[index]]
        return self._item(self._packed[index])

    @staticmethod
    def _item(it: PackItem) -> dict:
        return {"id": it.id, "xml": Markup(it.xml)}

    def __len__(self) -> int:
        return len(self._packed)


def encode(text: str) -> bytes:
    """Windows-1250 bytes; characters outside it as numeric character references."""
    return text.encode("cp1250", errors="xmlcharrefreplace")


#: where a render's own helpers sit in its context for the helper filters: not a name a template can write or set
_HELPERS_KEY = "rpsync:helpers"
#: where a document render's writer (its catalog, limits and record label) sits in its context, for ``fields``
_WRITER_KEY = "rpsync:writer"
_HELPER_NAMES = frozenset({"ext_id_of", "with_ref", "with_partner", "with_links", "ref_address_of", "fields"})


@pass_context
def _fields(context, value: Mapping, path: str = "") -> Markup:
    """``doc | fields`` / ``fields(doc)``: the record's elements in XSD order, by the render's own writer."""
    writer = context.parent.get(_WRITER_KEY)
    if writer is None:
        raise TemplateRuntimeError("fields writes a document's record: only document templates have one")
    return Markup(writer.children(value, path, path))


def _helper_filter(name: str):
    """The render's helper ``name`` as a filter (``doc | with_partner(path, partner)``, ``doc | fields``): a filter
    is called directly, where a template's call of a global goes through the sandbox's checks (a few µs each, a
    third of a small document's render). The helper is the render's own, from the render's context, which a
    template cannot change (``{% set %}`` writes the template's variables, not the context it was given)."""

    @pass_context
    def helper(context, *args):
        helpers = context.parent.get(_HELPERS_KEY)
        if helpers is None:
            raise TemplateRuntimeError(f"{name} is a helper of document and list request templates only")
        return helpers[name](*args)

    helper.__name__ = name
    return helper


def _value_at(record: Any, path: str) -> Any:
    """The value at dotted ``path`` of nested dicts, None where a level is missing (``record | value_at("a.b")``)."""
    for key in path.split("."):
        if not isinstance(record, Mapping):
            return None
        record = record.get(key)
    return record


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
        xsd_int=xsd_int, with_value=with_value, value_at=_value_at, first_set=_first_set,
        fields=_fields,
        **{name: _helper_filter(name) for name in ("with_ref", "with_partner", "with_links", "ref_address_of")},
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
