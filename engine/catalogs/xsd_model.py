"""A small reader of POHODA's XSD set, enough to list the fields of an agenda.

Used only by ``engine.catalogs.generate_pohoda`` (build time); the runtime reads
the generated JSON catalogs and never needs the XSD files.

It understands the constructs STORMWARE's schema set uses: global and local
elements (``name``/``ref``), named and anonymous complex and simple types,
``sequence``/``choice``/``all`` (nested), ``group`` and ``attributeGroup``
references, ``complexContent``/``simpleContent`` extensions and restrictions,
simple-type restrictions (``maxLength``, ``length``, ``enumeration``) and
unions (the POHODA unions pair a real type with ``typ:emptyStr``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
_X = "{%s}" % XS
UNBOUNDED = -1

#: XSD built-in type (local name) -> catalog type
_BUILTIN = {
    "string": "string", "normalizedString": "string", "token": "string", "anyURI": "string",
    "base64Binary": "string", "hexBinary": "string", "time": "string", "gYear": "integer",
    "ID": "string", "IDREF": "string", "NMTOKEN": "string", "language": "string", "duration": "string",
    "integer": "integer", "int": "integer", "long": "integer", "short": "integer", "byte": "integer",
    "nonNegativeInteger": "integer", "positiveInteger": "integer", "negativeInteger": "integer",
    "nonPositiveInteger": "integer", "unsignedInt": "integer", "unsignedLong": "integer",
    "unsignedShort": "integer", "unsignedByte": "integer",
    "decimal": "decimal", "float": "decimal", "double": "decimal",
    "boolean": "boolean", "date": "date", "dateTime": "datetime",
    "anyType": "any", "anySimpleType": "string",
}


@dataclass
class SimpleInfo:
    type: str
    max_length: int | None = None
    enum: list[str] | None = None


@dataclass
class Child:
    """One element inside a complex type's content model (flattened)."""

    name: str
    ns: str  # namespace URI
    decl: etree._Element  # the xsd:element (after following ref)
    schema: "Schema"  # schema where decl lives
    min_occurs: int
    max_occurs: int  # UNBOUNDED = -1
    doc: str | None = None


@dataclass
class Attr:
    name: str
    simple: SimpleInfo
    required: bool
    doc: str | None = None


@dataclass
class Schema:
    path: Path
    root: etree._Element
    target_ns: str
    prefix: str
    qualified: bool
    elements: dict[str, etree._Element] = field(default_factory=dict)
    complex_types: dict[str, etree._Element] = field(default_factory=dict)
    simple_types: dict[str, etree._Element] = field(default_factory=dict)
    groups: dict[str, etree._Element] = field(default_factory=dict)
    attribute_groups: dict[str, etree._Element] = field(default_factory=dict)


def _doc(el: etree._Element) -> str | None:
    texts = el.xpath("./xsd:annotation/xsd:documentation/text()", namespaces={"xsd": XS})
    text = " ".join(" ".join(t.split()) for t in texts).strip()
    return text or None


def _occurs(value: str | None, default: int) -> int:
    if value is None:
        return default
    value = value.strip()
    return UNBOUNDED if value == "unbounded" else int(value)


def _mul(a: int, b: int) -> int:
    if a == UNBOUNDED or b == UNBOUNDED:
        return UNBOUNDED if (a != 0 and b != 0) else 0
    return a * b


class SchemaSet:
    """All ``*.xsd`` files of a folder, indexed by target namespace."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.by_ns: dict[str, Schema] = {}
        self.by_file: dict[str, Schema] = {}
        parser = etree.XMLParser(no_network=True, resolve_entities=False, remove_comments=True)
        for path in sorted(self.folder.glob("*.xsd")):
            root = etree.parse(str(path), parser).getroot()
            tns = root.get("targetNamespace") or ""
            prefix = next((p for p, uri in root.nsmap.items() if p and uri == tns), path.stem)
            schema = Schema(
                path=path, root=root, target_ns=tns, prefix=prefix,
                qualified=root.get("elementFormDefault") == "qualified",
            )
            for el in root:
                if not isinstance(el.tag, str):
                    continue
                local = etree.QName(el).localname
                name = el.get("name")
                if not name:
                    continue
                table = {
                    "element": schema.elements, "complexType": schema.complex_types,
                    "simpleType": schema.simple_types, "group": schema.groups,
                    "attributeGroup": schema.attribute_groups,
                }.get(local)
                if table is not None:
                    table[name] = el
            # data-package.xsd shares data.xsd's namespace; the first (data.xsd) wins
            self.by_ns.setdefault(tns, schema)
            self.by_file[path.stem] = schema

    # -- names --------------------------------------------------------------
    def resolve(self, el: etree._Element, qname: str) -> tuple[str, str]:
        prefix, _, local = qname.rpartition(":")
        uri = el.nsmap.get(prefix or None)
        if uri is None:
            raise KeyError(f"unknown prefix in {qname!r}")
        return uri, local

    def find(self, uri: str, local: str, kind: str) -> tuple[Schema, etree._Element] | None:
        schema = self.by_ns.get(uri)
        if schema is None:
            return None
        table = getattr(schema, kind)
        el = table.get(local)
        return (schema, el) if el is not None else None

    def schema_of(self, el: etree._Element) -> Schema:
        root = el.getroottree().getroot()
        for schema in self.by_file.values():
            if schema.root is root:
                return schema
        raise KeyError("element not from this schema set")

    def prefix_for(self, uri: str) -> str:
        schema = self.by_ns.get(uri)
        return schema.prefix if schema else ""

    # -- simple types -------------------------------------------------------
    def simple_info(self, schema: Schema, type_el_or_qname) -> SimpleInfo:
        """Type, max length and enumeration of a simple type (a qname string or an xsd:simpleType)."""
        if isinstance(type_el_or_qname, tuple):
            uri, local = type_el_or_qname
            if uri == XS:
                return SimpleInfo(_BUILTIN.get(local, "string"))
            found = self.find(uri, local, "simple_types")
            if found is None:
                found_ct = self.find(uri, local, "complex_types")
                if found_ct is not None:  # complex type with simple content
                    return self.simple_content_info(*found_ct)
                return SimpleInfo("string")
            schema, type_el = found
        else:
            type_el = type_el_or_qname
        restriction = type_el.find(f"{_X}restriction")
        if restriction is not None:
            if restriction.get("base"):
                base = self.simple_info(schema, self.resolve(restriction, restriction.get("base")))
            else:
                inner = restriction.find(f"{_X}simpleType")
                base = self.simple_info(schema, inner) if inner is not None else SimpleInfo("string")
            info = SimpleInfo(base.type, base.max_length, base.enum)
            enums = [e.get("value") for e in restriction.findall(f"{_X}enumeration")]
            if enums:
                info.enum = enums
            for facet in ("maxLength", "length"):
                f = restriction.find(f"{_X}{facet}")
                if f is not None:
                    info.max_length = int(f.get("value"))
            if info.type == "string" and info.enum and sorted(info.enum) == ["false", "true"]:
                return SimpleInfo("boolean")
            return info
        union = type_el.find(f"{_X}union")
        if union is not None:
            members = []
            for qname in (union.get("memberTypes") or "").split():
                members.append(self.simple_info(schema, self.resolve(union, qname)))
            for inner in union.findall(f"{_X}simpleType"):
                members.append(self.simple_info(schema, inner))
            real = [m for m in members if m.enum != [""]]
            return real[0] if real else SimpleInfo("string")
        if type_el.find(f"{_X}list") is not None:
            return SimpleInfo("string")
        return SimpleInfo("string")

    def simple_content_info(self, schema: Schema, ct: etree._Element) -> SimpleInfo:
        sc = ct.find(f"{_X}simpleContent")
        if sc is None:
            return SimpleInfo("any")
        deriv = sc[0] if len(sc) and isinstance(sc[0].tag, str) else None
        for d in sc:
            if isinstance(d.tag, str) and etree.QName(d).localname in ("extension", "restriction"):
                deriv = d
                break
        base = self.simple_info(schema, self.resolve(deriv, deriv.get("base")))
        if etree.QName(deriv).localname == "restriction":
            info = SimpleInfo(base.type, base.max_length, base.enum)
            enums = [e.get("value") for e in deriv.findall(f"{_X}enumeration")]
            if enums:
                info.enum = enums
            f = deriv.find(f"{_X}maxLength")
            if f is not None:
                info.max_length = int(f.get("value"))
            return info
        return base

    # -- elements -----------------------------------------------------------
    def element_type(self, schema: Schema, decl: etree._Element):
        """('simple', SimpleInfo) | ('complex', schema, complexType element) | ('any',)"""
        inline_ct = decl.find(f"{_X}complexType")
        if inline_ct is not None:
            return ("complex", schema, inline_ct)
        inline_st = decl.find(f"{_X}simpleType")
        if inline_st is not None:
            return ("simple", self.simple_info(schema, inline_st))
        qname = decl.get("type")
        if not qname:
            return ("any",)
        uri, local = self.resolve(decl, qname)
        if uri == XS:
            t = _BUILTIN.get(local, "string")
            return ("any",) if t == "any" else ("simple", SimpleInfo(t))
        found = self.find(uri, local, "complex_types")
        if found is not None:
            return ("complex", found[0], found[1])
        found = self.find(uri, local, "simple_types")
        if found is not None:
            return ("simple", self.simple_info(found[0], found[1]))
        raise KeyError(f"type {qname} not found (in {schema.path.name})")

    def is_simple_content(self, ct: etree._Element) -> bool:
        return ct.find(f"{_X}simpleContent") is not None

    def children(self, schema: Schema, ct: etree._Element) -> list[Child]:
        """Child elements of a complex type in document order (base type's first)."""
        out: list[Child] = []
        self._content(schema, ct, 1, 1, False, out)
        # keep the first declaration of a name; a repeated name anywhere makes it a list
        merged: dict[str, Child] = {}
        for c in out:
            if c.name in merged:
                prev = merged[c.name]
                prev.max_occurs = UNBOUNDED
                prev.min_occurs = min(prev.min_occurs, c.min_occurs)
            else:
                merged[c.name] = c
        return list(merged.values())

    def _content(self, schema, ct, mn, mx, in_choice, out):
        for part in ct:
            if not isinstance(part.tag, str):
                continue
            local = etree.QName(part).localname
            if local in ("sequence", "choice", "all", "group"):
                self._particle(schema, part, mn, mx, in_choice, out)
            elif local in ("complexContent",):
                for deriv in part:
                    if not isinstance(deriv.tag, str):
                        continue
                    dl = etree.QName(deriv).localname
                    if dl == "extension":
                        uri, name = self.resolve(deriv, deriv.get("base"))
                        found = self.find(uri, name, "complex_types")
                        if found is not None:
                            self._content(found[0], found[1], mn, mx, in_choice, out)
                        self._content(schema, deriv, mn, mx, in_choice, out)
                    elif dl == "restriction":
                        self._content(schema, deriv, mn, mx, in_choice, out)

    def _particle(self, schema, part, mn, mx, in_choice, out):
        local = etree.QName(part).localname
        p_min = _occurs(part.get("minOccurs"), 1)
        p_max = _occurs(part.get("maxOccurs"), 1)
        mn2 = 0 if in_choice else mn * p_min
        mx2 = _mul(mx, p_max)
        if local == "group":
            uri, name = self.resolve(part, part.get("ref"))
            found = self.find(uri, name, "groups")
            if found is None:
                return
            gschema, group = found
            for g in group:
                if isinstance(g.tag, str) and etree.QName(g).localname in ("sequence", "choice", "all"):
                    self._particle(gschema, g, mn2, mx2, in_choice, out)
            return
        if local == "element":
            self._element(schema, part, mn2, mx2, out)
            return
        if local == "any":
            return
        choice = local == "choice"
        for item in part:
            if not isinstance(item.tag, str):
                continue
            il = etree.QName(item).localname
            if il in ("element", "sequence", "choice", "group", "all", "any"):
                self._particle(schema, item, mn2, mx2, in_choice or choice, out)

    def _element(self, schema, el, mn, mx, out):
        ref = el.get("ref")
        if ref:
            uri, name = self.resolve(el, ref)
            found = self.find(uri, name, "elements")
            if found is None:
                return
            dschema, decl = found
            ns = dschema.target_ns
            doc = _doc(el) or _doc(decl)
        else:
            dschema, decl = schema, el
            ns = schema.target_ns if (schema.qualified or el.get("form") == "qualified") else ""
            doc = _doc(el)
        out.append(Child(name=decl.get("name"), ns=ns, decl=decl, schema=dschema,
                         min_occurs=mn, max_occurs=mx, doc=doc))

    def attributes(self, schema: Schema, ct: etree._Element) -> list[Attr]:
        out: list[Attr] = []
        self._attrs(schema, ct, out)
        seen, uniq = set(), []
        for a in out:
            if a.name not in seen:
                seen.add(a.name)
                uniq.append(a)
        return uniq

    def _attrs(self, schema, node, out):
        for part in node:
            if not isinstance(part.tag, str):
                continue
            local = etree.QName(part).localname
            if local == "attribute":
                name = part.get("name")
                if not name:
                    continue
                inline = part.find(f"{_X}simpleType")
                if inline is not None:
                    info = self.simple_info(schema, inline)
                elif part.get("type"):
                    info = self.simple_info(schema, self.resolve(part, part.get("type")))
                else:
                    info = SimpleInfo("string")
                out.append(Attr(name, info, part.get("use") == "required", _doc(part)))
            elif local == "attributeGroup" and part.get("ref"):
                uri, name = self.resolve(part, part.get("ref"))
                found = self.find(uri, name, "attribute_groups")
                if found is not None:
                    self._attrs(found[0], found[1], out)
            elif local in ("complexContent", "simpleContent"):
                for deriv in part:
                    if not isinstance(deriv.tag, str):
                        continue
                    if etree.QName(deriv).localname in ("extension", "restriction"):
                        uri, name = self.resolve(deriv, deriv.get("base"))
                        found = self.find(uri, name, "complex_types")
                        if found is not None:
                            self._attrs(found[0], found[1], out)
                        self._attrs(schema, deriv, out)
