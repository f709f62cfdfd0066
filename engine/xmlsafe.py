"""Safe XML input: every XML document rpsync reads goes through here.

POHODA answers and exports are parsed without entity expansion, without DTD
loading, without network access, and up to a configurable size. lxml's
``resolve_entities=False`` keeps entity references unexpanded; documents that
declare a DTD with entities are refused outright (billion laughs, XXE).
"""

from __future__ import annotations

import re

from lxml import etree

from engine.errors import RpsyncError

#: default upper bound for one XML document read into memory (bytes)
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


class UnsafeXmlError(RpsyncError):
    code = "E-XML-UNSAFE"


class XmlTooLargeError(RpsyncError):
    code = "E-XML-SIZE"


class MalformedXmlError(RpsyncError):
    code = "E-XML-MALFORMED"


def parser(**extra) -> etree.XMLParser:
    """An lxml parser that never expands entities, loads DTDs or touches the network."""
    options = dict(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )
    options.update(extra)
    return etree.XMLParser(**options)


def check_no_dtd(root_or_tree) -> None:
    """Refuse documents carrying a DOCTYPE with an internal subset (entity declarations)."""
    tree = root_or_tree.getroottree() if hasattr(root_or_tree, "getroottree") else root_or_tree
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise UnsafeXmlError(_DTD_MESSAGE)


_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_:]")
_DTD_MESSAGE = ("the XML document declares a DOCTYPE; rpsync refuses DTDs and entity declarations "
                "(they can expand without bound or read local files)")


def check_prolog(head: bytes) -> None:
    """Refuse a document whose prolog (the bytes before its first element, in ``head``) declares a DOCTYPE —
    before libxml2 reads the DTD at all. NUL bytes are dropped first, so UTF-16 documents are caught too;
    a prolog longer than ``head`` is left to ``check_no_dtd`` after parsing."""
    text = head.replace(b"\x00", b"")
    first = _FIRST_ELEMENT.search(text)
    prolog = text[: first.start()] if first else text
    if b"<!DOCTYPE" in prolog:
        raise UnsafeXmlError(_DTD_MESSAGE)


def parse_bytes(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "XML document"):
    """Parse a whole document held in memory, safely. Returns the root element."""
    if len(data) > max_bytes:
        raise XmlTooLargeError(
            f"{what} is {len(data):,} bytes, over the limit of {max_bytes:,} bytes",
            hint="raise the limit in the connection profile if this size is expected",
        )
    check_prolog(data[:65536])
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXmlError(f"{what} is not well-formed XML: {exc}") from None
    check_no_dtd(root)
    return root
