"""Shared safety helpers: secrets never print, XML input never expands entities."""

import pytest

from engine.secrets import Secret, redact
from engine.xmlsafe import MalformedXmlError, UnsafeXmlError, XmlTooLargeError, parse_bytes


def test_secret_is_redacted_everywhere():
    s = Secret("hunter2-api-key")
    assert "hunter2" not in str(s)
    assert "hunter2" not in repr(s)
    assert "hunter2" not in f"{s}"
    assert s.reveal() == "hunter2-api-key"
    assert redact("Authorization failed for hunter2-api-key") == "Authorization failed for ***"


def test_secret_cannot_be_pickled():
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Secret("x1"))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<lolz>&lol3;</lolz>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_documents_are_refused(doc):
    with pytest.raises(UnsafeXmlError):
        parse_bytes(doc)


def test_truncated_document_is_a_clear_error():
    with pytest.raises(MalformedXmlError, match="not well-formed"):
        parse_bytes(b"<a><b>unfinished")


def test_size_limit():
    with pytest.raises(XmlTooLargeError):
        parse_bytes(b"<a>" + b"x" * 100 + b"</a>", max_bytes=50)
