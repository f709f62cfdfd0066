"""Text as rpsync writes it into POHODA XML: the characters XML cannot carry, escaping, field positions.

Shared by the catalog walk (``engine.pohoda.render``) and the functions generated from it
(``engine.pohoda.shapes``), which must write and refuse exactly the same text.
"""

from __future__ import annotations

import re

#: characters XML 1.0 cannot carry (a text with one is an error naming its field)
BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attr(text: str) -> str:
    return escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def join_where(where: str, key: str) -> str:
    """The position of field ``key`` inside ``where`` (``orderHeader`` + ``text`` = ``orderHeader.text``)."""
    return f"{where}.{key}" if where else key
