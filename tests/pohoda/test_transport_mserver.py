"""mServer transport: headers, gzip, batching, HTTP errors (an httpx mock; real HTTP runs in the simulator suite)."""

import base64
import gzip

import httpx
import pytest

from engine.pohoda import render
from engine.pohoda.transport import TransportError, batches, open_transport
from engine.pohoda.transport.mserver import MServerTransport
from engine.secrets import Secret
from tests.pohoda import records

OK = (b'<?xml version="1.0" encoding="Windows-1250"?><rsp:responsePack version="2.0" id="x" state="ok" '
      b'xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd"/>')


def make(handler, **kw):
    return MServerTransport("http://127.0.0.1:1/", user="sandbox", password=Secret("tajne-heslo"),
                            application="rpsync-test", http_transport=httpx.MockTransport(handler), **kw)


def test_request_carries_mserver_headers_and_gzip_body():
    seen = {}

    def handler(request: httpx.Request):
        seen["path"] = request.url.path
        seen["headers"] = request.headers
        seen["body"] = request.content
        return httpx.Response(200, content=gzip.compress(OK), headers={"Content-Encoding": "gzip"})

    pack = render.render_datapack([render.PackItem("a", render.render_document("address_book", records.company()))],
                                  ico="12345678")
    with make(handler) as t:
        assert t.submit(pack) == OK
    h = seen["headers"]
    assert seen["path"] == "/xml"
    assert h["STW-Authorization"] == "Basic " + base64.b64encode(b"sandbox:tajne-heslo").decode()
    assert h["STW-Application"] == "rpsync-test" and h["Content-Type"] == "text/xml"
    assert "gzip" in h["Accept-Encoding"] and h["Content-Encoding"] == "gzip"
    assert gzip.decompress(seen["body"]) == pack


@pytest.mark.parametrize("status,match", [(401, "user name or password"), (403, "accounting unit"),
                                          (404, "no such address"), (503, "unavailable"), (418, "HTTP 418")])
def test_http_errors_are_explained(status, match):
    with make(lambda r: httpx.Response(status), busy_delays=(0.0,)) as t:   # 503: retried once, then explained
        with pytest.raises(TransportError, match=match) as exc:
            t.submit(b"<x/>")
    assert "tajne-heslo" not in str(exc.value)


def test_timeouts_and_refused_connections_are_clear():
    def slow(request):
        raise httpx.ReadTimeout("slow", request=request)

    with make(slow) as t, pytest.raises(TransportError, match="did not answer in time"):
        t.submit(b"<x/>")

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    with make(refused) as t, pytest.raises(TransportError, match="127.0.0.1"):
        t.submit(b"<x/>")


def test_answer_over_the_size_limit_is_refused():
    with make(lambda r: httpx.Response(200, content=b"x" * 5000), max_response_bytes=1000) as t:
        with pytest.raises(TransportError, match="over the limit"):
            t.submit(b"<x/>")


def test_send_batches_items_sequentially():
    packs = []

    def handler(request):
        packs.append(gzip.decompress(request.content) if request.headers.get("Content-Encoding") else request.content)
        return httpx.Response(200, content=OK)

    xml = render.render_document("address_book", records.company())
    items = [render.PackItem(f"i{n}", xml) for n in range(7)]
    with make(handler, batch_size=3) as t:
        results = list(t.send(items, ico="12345678"))
    assert [len(b) for b, _ in results] == [3, 3, 1]
    assert [p.count(b"<dat:dataPackItem ") for p in packs] == [3, 3, 1]
    assert list(batches(range(5), 2)) == [[0, 1], [2, 3], [4]]


def test_health_reads_status_text():
    def handler(request):
        assert request.url.path == "/status"
        return httpx.Response(200, text="Response from POHODA mServer\nCompany: Sandbox")

    with make(handler) as t:
        h = t.health()
    assert h.ok and "mServer" in h.detail
    with make(lambda r: httpx.Response(401)) as t:
        assert not t.health()


def test_open_transport_from_profile_settings(tmp_path):
    t = open_transport({"kind": "files", "outbox": str(tmp_path)})
    assert t.kind == "files"
    with pytest.raises(TransportError, match="unknown POHODA transport"):
        open_transport({"kind": "ftp"})
