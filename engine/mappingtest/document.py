"""A rendered POHODA document, as a test reads it back.

The step's document is rendered with the production renderer, wrapped in a
dataPack and encoded the way POHODA receives it (Windows-1250), then parsed
back with the safe XML parser. Expectations read it two ways:

- a catalog field path (``addressbookHeader.web``) reads the document parsed
  back into a POHODA record (``engine.pohoda.lists.record_from_element``),
  typed by the catalog, exactly as a list export of it would be read;
- a key containing ``/`` is an XPath over the agenda element, with the POHODA
  namespace prefixes (``adb:``, ``typ:``, ``ord:`` …).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from engine import catalogs, xmlsafe
from engine.pohoda import lists
from engine.pohoda.render import NAMESPACES, NS_BASE, Renderer
from engine.mappingtest.records import RecordError, read_field

#: prefix -> namespace URI, for XPath expectations
XPATH_NAMESPACES = {prefix: f"{NS_BASE}{name}.xsd" for prefix, name in NAMESPACES.items()}


def is_xpath(key: str) -> bool:
    return "/" in key


def check_xpath(expression: str) -> str | None:
    """The syntax error of an XPath expectation, or None."""
    try:
        etree.XPath(expression, namespaces=XPATH_NAMESPACES)
    except etree.XPathSyntaxError as exc:
        return str(exc)
    return None


@dataclass
class RenderedDocument:
    agenda: str
    xml: str
    element: Any
    record: dict

    @classmethod
    def render(cls, renderer: Renderer, agenda: str, record: dict, *, ico: str, **kwargs: Any) -> "RenderedDocument":
        xml = renderer.render_document(agenda, record, **kwargs)
        pack = renderer.render_datapack([("test-1", xml)], ico=ico)
        root = etree.fromstring(pack, xmlsafe.parser())
        catalog = catalogs.load("pohoda", agenda)
        prefix = catalog.root_ns or next(p for p, name in NAMESPACES.items() if name == catalog.root)
        element = root.find(f".//{{{XPATH_NAMESPACES[prefix]}}}{catalog.root}")
        return cls(agenda, xml, element, lists.record_from_element(agenda, element))

    def field(self, path: str) -> Any:
        """The value at a catalog field path; an unknown path is an error naming close ones."""
        catalog = catalogs.load("pohoda", self.agenda)
        form = catalogs.normalize(path)  # orderItem[0].text -> orderItem[].text, as catalogs name it
        if catalog.lookup(form) is None:
            close = catalog.suggest(form)
            raise RecordError(f"the POHODA {self.agenda} catalog has no field '{path}'",
                              hint=f"did you mean {' or '.join(close)}?" if close else None)
        return read_field(self.record, path)

    def xpath(self, expression: str) -> Any:
        """Text of the selected elements or attributes: one value, a list for several, None for none."""
        result = self.element.xpath(expression, namespaces=XPATH_NAMESPACES)
        if isinstance(result, bool):
            return result
        if isinstance(result, float):
            return Decimal(repr(result)).normalize() if result == result else None
        if isinstance(result, (str, bytes)):
            return str(result)
        values = []
        for item in result:
            if isinstance(item, etree._Element):
                values.append((item.text or "").strip() if len(item) == 0 else etree.tostring(item, encoding=str))
            else:
                values.append(str(item))
        if not values:
            return None
        return values[0] if len(values) == 1 else values

