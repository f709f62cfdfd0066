"""Hostile or broken POHODA answers through the real transports: the mServer client against a loopback server
answering crafted bodies (import answers and list exports), and the file transport's inbox. Entity expansion
(billion laughs), external entities (XXE: local file, network, parameter entities), a truncated document, a
wrong or unknown encoding declaration, a huge or gzip-bombed document: each is refused with an ``RpsyncError``
that says what is wrong, reads no file, makes no request, and stays within bounded time and memory.
"""

from __future__ import annotations

import gzip
import resource
import time
import tracemalloc

import pytest

from engine import xmlsafe
from engine.errors import RpsyncError
from engine.pohoda import render
from engine.pohoda.transport.files import FileTransport
from engine.pohoda.transport.mserver import MServerTransport
from engine.secrets import Secret
from engine.sync.pohoda_gateway import PohodaGateway
from tests.evidence.conftest_badinput import serve

RSP = "http://www.stormware.cz/schema/version_2/response.xsd"
LADB = "http://www.stormware.cz/schema/version_2/list_addBook.xsd"
ADB = "http://www.stormware.cz/schema/version_2/addressbook.xsd"
TYP = "http://www.stormware.cz/schema/version_2/type.xsd"
PASSWORD = "S3cr3t-pohoda-4b7e"
MARKER = "LEAKED-FILE-CONTENT-5d1c"


def answer(inner: str = '<rsp:responsePackItem version="2.0" id="i1" state="ok"/>', *, doctype: str = "",
           encoding: str = "Windows-1250") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>{doctype}'
            f'<rsp:responsePack version="2.0" id="p1" state="ok" ico="12345678" xmlns:rsp="{RSP}" '
            f'xmlns:lAdb="{LADB}" xmlns:adb="{ADB}" xmlns:typ="{TYP}">{inner}</rsp:responsePack>').encode("cp1250")


def list_answer(company: str = "ACME") -> str:
    return (f'<rsp:responsePackItem version="2.0" id="list" state="ok"><lAdb:listAddressBook version="2.0" '
            f'state="ok"><lAdb:addressbook version="2.0"><adb:addressbookHeader><adb:id>1</adb:id>'
            f'<adb:identity><typ:address><typ:company>{company}</typ:company></typ:address></adb:identity>'
            f'</adb:addressbookHeader></lAdb:addressbook></lAdb:listAddressBook></rsp:responsePackItem>')


LAUGHS = ('<!DOCTYPE rsp:responsePack [<!ENTITY a "aaaaaaaaaa">'
          + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi"))
          + "]>")


@pytest.fixture()
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(MARKER, encoding="utf-8")
    evil = tmp_path / "evil.dtd"
    evil.write_text(f'<!ENTITY leak "{MARKER}">', encoding="utf-8")
    return path, evil


def hostile_bodies(secret, evil, network_url) -> dict[str, tuple[bytes, str]]:
    """name -> (answer body, words the error must contain)"""
    return {
        "billion_laughs": (answer(list_answer("&i;"), doctype=LAUGHS), "DOCTYPE"),
        "xxe_local_file": (answer(list_answer("&x;"),
                                  doctype=f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'), "DOCTYPE"),
        "xxe_network": (answer(list_answer("&x;"),
                               doctype=f'<!DOCTYPE r [<!ENTITY x SYSTEM "{network_url}/xxe">]>'), "DOCTYPE"),
        "xxe_parameter_entity": (answer(list_answer("&leak;"),
                                        doctype=f'<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{evil}"> %p;]>'),
                                 ""),
        "external_dtd": (answer(list_answer(), doctype=f'<!DOCTYPE r SYSTEM "file://{evil}">'), "DOCTYPE"),
        "truncated": (answer(list_answer())[:300], "well-formed"),
        "utf8_declared_cp1250_bytes": (answer(list_answer("Šťastná žába"), encoding="UTF-8"), "well-formed"),
        "unknown_encoding": (answer(list_answer(), encoding="x-klingon"), ""),
        "utf16_declared_8bit_bytes": (answer(list_answer(), encoding="UTF-16"), ""),
        "not_a_response_pack": (b'<?xml version="1.0"?><html><body>Service unavailable</body></html>',
                                "responsePack"),
        "empty": (b"", ""),
    }


class Recorder:
    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.current = ""
        self.network_hits = 0

    def __call__(self, handler, body):
        if handler.path.startswith("/xxe"):        # the XXE target: must never be fetched
            self.network_hits += 1
            return 200, {}, MARKER.encode()
        payload = self.bodies[self.current]
        return 200, {"Content-Type": "text/xml"}, payload


def bounded(call):
    """Run ``call``; the RpsyncError it raises, within 5 s and 100 MB more peak memory (Python and libxml2)."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(RpsyncError) as info:
        call()
    assert time.monotonic() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 100 * 1024   # KiB
    return info.value


def transport(url: str, **kwargs) -> MServerTransport:
    return MServerTransport(url, user="sandbox", password=Secret(PASSWORD), **kwargs)


def test_hostile_mserver_answers_to_imports_and_to_list_exports_are_refused_safely(secret_file):
    secret, evil = secret_file
    recorder = Recorder()
    with serve(recorder) as url:
        bodies = hostile_bodies(secret, evil, url)
        recorder.bodies = {k: v[0] for k, v in bodies.items()}
        for name, (_, words) in bodies.items():
            recorder.current = name
            with transport(url) as t:
                item = render.PackItem("i1", render.render_document("address_book", {"addressbookHeader": {
                    "identity": {"address": {"company": "A", "street": "s", "city": "c", "zip": "1"}}}}))
                imported = bounded(lambda: list(t.send([item], ico="12345678")))
                gateway = PohodaGateway(t, ico="12345678", renderer=render.default_renderer())
                listed = bounded(lambda: list(gateway.list("address_book")))
            for where, err in (("import", imported), ("list", listed)):
                text = f"{err}\n{err.hint or ''}"
                assert words in text, (name, where, text)
                assert MARKER not in text and PASSWORD not in text, (name, where, text)
                assert len(text) < 2000, (name, where)
    assert recorder.network_hits == 0


def test_a_well_formed_answer_goes_through_the_same_path(secret_file):
    """The control: the crafted-answer server and the clients do work with a sound answer."""
    recorder = Recorder()
    with serve(recorder) as url:
        recorder.bodies = {"ok": answer(list_answer("Š&amp;ť")), "import": answer()}
        with transport(url) as t:
            recorder.current = "ok"
            records = list(PohodaGateway(t, ico="12345678", renderer=render.default_renderer()).list("address_book"))
            assert [r["addressbookHeader"]["identity"]["address"]["company"] for r in records] == ["Š&ť"]
            recorder.current = "import"
            [(_, pack)] = list(t.send([render.PackItem("i1", "<x/>")], ico="12345678"))
            assert pack.items[0].ok


def test_huge_and_gzip_bombed_answers_are_refused_within_the_limit_without_reading_them_whole(monkeypatch):
    limit = 1_000_000
    filler = "<!--" + "x" * 8_000_000 + "-->"           # 8 MB, well-formed, over the limit
    bomb = gzip.compress(answer(list_answer() + "<!--" + " " * 60_000_000 + "-->"), compresslevel=9)
    assert len(bomb) < 200_000
    state = {"body": answer(filler), "headers": {}}
    with serve(lambda handler, body: (200, {"Content-Type": "text/xml", **state["headers"]}, state["body"])) as url:
        with transport(url, max_response_bytes=limit) as t:
            gateway = PohodaGateway(t, ico="12345678", renderer=render.default_renderer())
            for body, headers in ((answer(filler), {}), (bomb, {"Content-Encoding": "gzip"})):
                state.update(body=body, headers=headers)
                tracemalloc.start()
                err = bounded(lambda: list(gateway.list("address_book")))
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                assert "over the limit of 1,000,000 bytes" in str(err) and peak < 4 * limit, (str(err), peak)
        # an import answer: xmlsafe's limit for documents held in memory applies, and the answer is not read
        # past it (it is spooled: at most 8 MB in memory, the rest on disk, up to the transport's own limit)
        monkeypatch.setattr(xmlsafe, "DEFAULT_MAX_BYTES", limit)
        big = answer("<!--" + "x" * 40_000_000 + "-->")
        with transport(url) as t:
            for body, headers in ((big, {}), (bomb, {"Content-Encoding": "gzip"})):
                state.update(body=body, headers=headers)
                tracemalloc.start()
                err = bounded(lambda: list(t.send([render.PackItem("i1", "<x/>")], ico="12345678")))
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                assert "over the limit of 1,000,000 bytes" in str(err), str(err)
                assert peak < 25_000_000, peak        # not the 40 MB (or 60 MB inflated) answer in memory


def test_hostile_response_files_in_the_file_transports_inbox_are_refused_naming_the_file(tmp_path, secret_file):
    secret, evil = secret_file
    for name, (body, words) in hostile_bodies(secret, evil, "http://127.0.0.1:9").items():
        inbox = tmp_path / name
        inbox.mkdir()
        (inbox / "answer.xml").write_bytes(body)
        files = FileTransport(tmp_path / "out", inbox)
        err = bounded(lambda: list(files.responses()))
        assert "answer.xml" in str(err) and words in str(err), (name, str(err))
        assert MARKER not in str(err)
    huge = tmp_path / "huge"
    huge.mkdir()
    (huge / "big.xml").write_bytes(answer("<!--" + "x" * 2_000_000 + "-->"))
    err = bounded(lambda: list(FileTransport(tmp_path / "out", huge, max_response_bytes=1_000_000).responses()))
    assert "big.xml" in str(err) and "size limit" in str(err)
