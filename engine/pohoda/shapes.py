"""Shape-compiled writers: one generated Python function per shape of record.

``engine.pohoda.render`` writes a record by walking its field catalog: for each key a
record sets, a closure formats, checks and writes that element. A mapping's records set
the same keys record after record, so for each (catalog element, key set) this module
generates one function with those per-key steps inlined — the same checks, the same
text, no call per field. The groups and lists of groups below are inlined too, in the
shape of the first record of that key set, each behind a guard (the same keys, in the
same order); a group of another shape is written by its own element's function.

A generated function takes only the common case of each element (a ``str`` that fits,
a finite ``Decimal``, an ``int``, a ``date``); any other value — one that needs
formatting, or does not fit — raises ``Slow``, and the caller writes that level with the
catalog walk, which formats it the same way or raises the ``RenderError`` naming the
field. A level it writes has element keys only (a key set with an attribute key is
written by the walk), so no attribute is set there. Lists whose items carry attributes
and the other XSD types go through the walk's own closures. So the output is the walk's,
byte for byte (tests compare both).

Only trusted text reaches the generated source: the catalog's element names (checked to be
XML names, and written with ``repr``; a guard's key tuple is spelled by the catalog too, and
a key that is not a plain ``str`` — a template's Markup — sends its dict to the walk) and
constant indexes. No record value, template or mapping text is ever part of it; those are
data passed to the compiled function.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Callable

from engine.pohoda.xmltext import BAD_XML_CHARS, escape_text, join_where

#: XML's forbidden control characters (a text with one is an error: the walk raises it)
_BAD = BAD_XML_CHARS.search
#: every character a text is not written as it is for: the forbidden ones and those escaping changes
#: (``escape_text``: & < > and CR) — one search for the common text that has none
_NOT_PLAIN = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff&<>]").search


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?$")

#: a node keeps at most this many shapes (key sets); a record of yet another shape is written by the walk
MAX_SHAPES = 64


class Slow(Exception):
    """A value the generated function does not take: the level is written by the catalog walk."""


def _date_of(text: str) -> dt.date:
    """A date written as text (Raynet's ``2025-03-01``), as ``render.xsd_date`` reads it; else ``Slow``."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise Slow from None


#: what every generated function may name
_HELPERS = {"_plain": _NOT_PLAIN, "_bad": _BAD, "_escape": escape_text, "Slow": Slow, "Decimal": Decimal, "date": dt.date,
            "fmt": format, "_date_of": _date_of}


# Element specs (made by render._Compiled for the elements without attributes):
#   ("string", start, end, limit | None, allowed | None)   plain text
#   ("decimal", start, end)                                 an amount (xsd_decimal of a finite Decimal)
#   ("exact", start, end, int | date)                       an int or a date, written as itself
#   ("object", start, end, empty, node)                     a group of fields (node.xml / node.typed)
#   ("items", start, end, empty, node)                      a list of groups, one element each
#   None                                                    anything else: the walk's own closures
# A node has ``elements`` (key -> (position, key, write, typed, spec)), ``xml(value, where)`` and
# ``typed(value, where)``.

#: groups nested deeper than this below a function's own level are written by their own element's function
MAX_DEPTH = 6


def _check(spec: tuple) -> None:
    for tag in spec[1:3]:
        name = tag.strip("</>")
        if not _NAME.match(name):
            raise ValueError(f"not an XML element name: {name!r}")


class _Source:
    """The lines of one generated function and the constants it names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: dict[str, Any] = dict(_HELPERS)
        self.count = 0

    def var(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value: Any) -> str:
        name = self.var("_c")
        self.consts[name] = value
        return name

    def add(self, indent: int, *lines: str) -> None:
        self.lines += ["    " * indent + line for line in lines]


def takes(node: Any, keys: tuple) -> bool:
    """Can a generated function write a dict of ``node`` with these keys? Element names only, as plain ``str``
    (a ``str`` subclass such as Markup, which a template's ``|safe`` makes, goes to the walk)."""
    elements = node.elements
    return all(type(key) is str and key in elements for key in keys)


def _names(node: Any, keys: tuple) -> tuple:
    """``keys`` as the catalog spells them: what a guard compares with is catalog text, never a record's."""
    return tuple(node.elements[key][1] for key in keys)


def _inline_keys(node: Any, sample: Any) -> tuple | None:
    """The keys of ``sample`` when a group of that shape can be inlined under ``node``."""
    if type(sample) is not dict or not sample:
        return None
    keys = tuple(sample)
    return _names(node, keys) if takes(node, keys) else None


def _inner(sub: Any, sample: Any, key: str, kind: str, depth: int) -> tuple[Any, tuple | None]:
    """(the sample's group under ``key`` — a list's first item —, its keys when it is inlined)."""
    inner = sample.get(key) if type(sample) is dict else None
    if kind == "items":
        inner = inner[0] if type(inner) is list and inner else None
    return inner, (_inline_keys(sub, inner) if depth < MAX_DEPTH else None)


def _plain_enumeration(spec: tuple) -> bool:
    """Are the field's values an enumeration of plain text? (Then a value in it needs no escaping or check.)"""
    allowed = spec[4]
    return allowed is not None and all(_NOT_PLAIN(value) is None for value in allowed)


def _string_cond(spec: tuple, v: str, src: _Source, check: str) -> str:
    _, _, _, limit, allowed = spec
    cond = f"type({v}) is str"
    if check and not _plain_enumeration(spec):
        cond += f" and {check}({v}) is None"
    if limit is not None:
        cond += f" and len({v}) <= {int(limit)}"
    if allowed is not None:
        cond += f" and {v} in {src.const(allowed)}"
    return cond


def _fields(src: _Source, node: Any, keys: tuple, value: str, indent: int):
    """For each element of ``keys`` in XSD order: the lines reading it from the dict in ``value`` into a new
    variable, skipping None; yields (key, write, typed, spec, variable, indent of its lines)."""
    for _, key, write, typed, spec in sorted(node.elements[key] for key in keys):
        if spec:
            _check(spec)
        v = src.var("v")
        src.add(indent, f"{v} = {value}[{key!r}]", f"if {v} is not None:")
        yield key, write, typed, spec, v, indent + 1


def _xml_level(src: _Source, node: Any, keys: tuple, value: str, where: str, indent: int, sample: Any,
               depth: int) -> None:
    """Lines appending the XML of the dict in variable ``value`` (keys ``keys``) to ``out``.
    ``where`` is an expression of its position, evaluated only when a call needs it."""
    for key, write, _, spec, v, i in _fields(src, node, keys, value, indent):
        kind = spec[0] if spec else None
        if kind == "string":
            start, end = spec[1], spec[2]
            if _plain_enumeration(spec):  # one of the enumeration's values: plain text, as it is
                src.add(i, f"if {_string_cond(spec, v, src, '')}:", f"    a({start!r} + {v} + {end!r})",
                        "else:", "    raise Slow")
                continue
            src.add(i, f"if {_string_cond(spec, v, src, '')}:",
                    f"    if _plain({v}) is not None:",
                    f"        if _bad({v}) is not None:",
                    "            raise Slow",
                    f"        {v} = _escape({v})",
                    f"    a({start!r} + {v} + {end!r})",
                    "else:", "    raise Slow")
        elif kind == "decimal":
            start, end = spec[1], spec[2]
            t = src.var("t")
            # str() is the plain text xsd_decimal writes unless it has an exponent ("E", or "e" in a context with
            # capitals=0), or is -0
            src.add(i, f"if type({v}) is Decimal and {v}.is_finite():",
                    f"    {t} = str({v})",
                    f'    if "E" in {t} or "e" in {t} or {t} == "-0":',
                    f'        {t} = fmt({v}, "f")',
                    f'        if {t} in ("-0", ""):',
                    f'            {t} = "0"',
                    f"    a({start!r} + {t} + {end!r})",
                    "else:", "    raise Slow")
        elif kind == "exact":
            start, end, exact = spec[1], spec[2], spec[3]
            if exact is dt.date:
                src.add(i, f"if type({v}) is date:", f"    a({start!r} + {v}.isoformat() + {end!r})",
                        f"elif type({v}) is str:", f"    a({start!r} + _date_of({v}).isoformat() + {end!r})")
            else:
                src.add(i, f"if type({v}) is int:", f"    a({start!r} + str({v}) + {end!r})")
            src.add(i, "else:", "    raise Slow")
        elif kind in ("object", "items"):
            start, end, empty, sub = spec[1], spec[2], spec[3], spec[4]
            here = f"_join({where}, {key!r})"
            inner, inner_keys = _inner(sub, sample, key, kind, depth)
            fn = src.const(sub.xml)
            if kind == "items":
                w = src.const(write)
                n, item = src.var("n"), src.var("item")
                src.add(i, f"if type({v}) is list:", f"    for {n}, {item} in enumerate({v}):",
                        f"        if {item} is None:", "            continue")
                item_where = f'({here} + "[" + str({n}) + "]")'
                _xml_group(src, sub, inner_keys, item, item_where, i + 2, inner, depth, start, end, empty, fn)
                x = src.var("x")  # what a closure writes may be empty: only what is not counts (see _xml_group)
                src.add(i, "else:", f"    {x} = {w}({value}, {v}, {where})", f"    if {x}:", f"        a({x})")
            else:
                _xml_group(src, sub, inner_keys, v, here, i, inner, depth, start, end, empty, fn)
        else:
            x = src.var("x")
            src.add(i, f"{x} = {src.const(write)}({value}, {v}, {where})", f"if {x}:", f"    a({x})")


def _xml_group(src: _Source, sub: Any, inner_keys: tuple | None, v: str, here: str, i: int, inner: Any,
               depth: int, start: str, end: str, empty: str, fn: str) -> None:
    """Lines writing the group in ``v``: inlined when it has ``inner_keys``, else by its element's function.
    Every piece appended is non-empty text, so a group that wrote none is one appended piece (its start tag):
    an empty element, ``<tag/>``, as the walk writes it."""
    if inner_keys is not None:
        n = src.var("n")
        src.add(i, f"if type({v}) is dict and tuple({v}) == {inner_keys!r}:",
                f"    {n} = len(out)", f"    a({start!r})")
        _xml_level(src, sub, inner_keys, v, here, i + 1, inner, depth + 1)
        src.add(i, f"    if len(out) == {n} + 1:", f"        out[-1] = {empty!r}", "    else:", f"        a({end!r})",
                "else:")
        i += 1
    body = src.var("b")
    src.add(i, f"{body} = {fn}({v}, {here})", f"a({start!r} + {body} + {end!r} if {body} else {empty!r})")


def compile_xml(node: Any, keys: tuple, sample: dict) -> Callable[[dict, str], str]:
    """``f(value, where) -> XML`` of a dict of ``node`` with exactly ``keys``; groups inlined in ``sample``'s shape."""
    src = _Source()
    src.add(0, "def shape(value, where):", "    out = []", "    a = out.append")
    _xml_level(src, node, keys, "value", "where", 1, sample, 0)
    src.add(1, 'return "".join(out)')
    return _define(src)


def _typed_level(src: _Source, node: Any, keys: tuple, value: str, out: str, where: str, indent: int,
                 sample: Any, depth: int) -> None:
    """Lines setting the typed fields of the dict in ``value`` (keys ``keys``) in the dict ``out``."""
    for key, _, typed, spec, v, i in _fields(src, node, keys, value, indent):
        kind = spec[0] if spec else None
        if kind == "string":
            # the typed value is the text itself: escaping does not matter here, control characters do
            src.add(i, f"if {_string_cond(spec, v, src, '_bad')}:", f"    {out}[{key!r}] = {v}",
                    "else:", "    raise Slow")
        elif kind == "decimal":
            t = src.var("t")
            # the Decimal of xsd_decimal's text is the value itself unless it has an exponent, or is -0 (see above)
            src.add(i, f"if type({v}) is Decimal and {v}.is_finite():", f"    {t} = str({v})",
                    f'    if "E" in {t} or "e" in {t} or {t} == "-0":',
                    f'        {t} = fmt({v}, "f")',
                    f'        {out}[{key!r}] = Decimal("0" if {t} in ("-0", "") else {t})',
                    "    else:", f"        {out}[{key!r}] = {v}",
                    "else:", "    raise Slow")
        elif kind == "exact":
            src.add(i, f"if type({v}) is {'date' if spec[3] is dt.date else 'int'}:", f"    {out}[{key!r}] = {v}")
            if spec[3] is dt.date:
                src.add(i, f"elif type({v}) is str:", f"    {out}[{key!r}] = _date_of({v})")
            src.add(i, "else:", "    raise Slow")
        elif kind in ("object", "items"):
            sub = spec[4]
            here = f"_join({where}, {key!r})"
            inner, inner_keys = _inner(sub, sample, key, kind, depth)
            fn = src.const(sub.typed)
            if kind == "items":
                t = src.const(typed)
                n, item, lst = src.var("n"), src.var("item"), src.var("l")
                src.add(i, f"if type({v}) is list:", f"    {lst} = []", f"    for {n}, {item} in enumerate({v}):",
                        f"        if {item} is None:", "            continue")
                got = src.var("g")
                _typed_group(src, sub, inner_keys, item, f'({here} + "[" + str({n}) + "]")', i + 2, inner, depth,
                             fn, got)
                src.add(i + 2, f"{lst}.append({got})")
                src.add(i, f"    if {lst}:", f"        {out}[{key!r}] = {lst}", "else:",
                        f"    {t}({value}, {v}, {where}, {out})")
            else:
                got = src.var("g")
                _typed_group(src, sub, inner_keys, v, here, i, inner, depth, fn, got)
                src.add(i, f"{out}[{key!r}] = {got}")
        else:
            src.add(i, f"{src.const(typed)}({value}, {v}, {where}, {out})")


def _typed_group(src: _Source, sub: Any, inner_keys: tuple | None, v: str, here: str, i: int, inner: Any,
                 depth: int, fn: str, got: str) -> None:
    """Lines setting ``got`` to the typed group in ``v``: inlined when it has ``inner_keys``."""
    if inner_keys is not None:
        src.add(i, f"if type({v}) is dict and tuple({v}) == {inner_keys!r}:", f"    {got} = {{}}")
        _typed_level(src, sub, inner_keys, v, got, here, i + 1, inner, depth + 1)
        src.add(i, "else:")
        i += 1
    src.add(i, f"{got} = {fn}({v}, {here})")


def compile_typed(node: Any, keys: tuple, sample: dict) -> Callable[[dict, str], dict]:
    """``f(value, where) -> typed dict`` (as POHODA reads the record back) of a dict of ``node`` with exactly
    ``keys``; groups inlined in ``sample``'s shape."""
    src = _Source()
    src.add(0, "def shape(value, where):", "    out = {}")
    _typed_level(src, node, keys, "value", "out", "where", 1, sample, 0)
    src.add(1, "return out")
    return _define(src)


def _define(src: _Source) -> Callable:
    namespace = {"__builtins__": {"type": type, "str": str, "int": int, "len": len, "tuple": tuple, "dict": dict, "list": list,
                                  "enumerate": enumerate},
                 "_join": join_where, **src.consts}
    exec(compile("\n".join(src.lines), "<rpsync shape>", "exec"), namespace)  # noqa: S102 (see module doc)
    return namespace["shape"]
