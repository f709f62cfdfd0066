"""The sandbox speaks the mServer protocol: login, IČ, methods, compression, XSD checks, status."""

import gzip
import signal
import subprocess
import sys
import time

import httpx
import pytest

from engine.pohoda import render, responses
from engine.pohoda.transport import TransportError
from engine.sandbox.pohoda import PohodaSandbox
from engine.secrets import Secret
from tests.pohoda import records


def company_doc(**kw):
    return render.render_document("address_book", records.company(**kw))


def test_status_is_a_health_check(sandbox, client):
    h = client.transport.health()
    assert h.ok and "POHODA mServer" in h.detail
    text = httpx.get(f"{sandbox.url}/status?companyDetail").text
    assert "XSD checks: on" in text and "12345678" in text


@pytest.mark.parametrize("user,password", [("sandbox", "Xy-not-it-7"), ("admin", "sandbox")])
def test_wrong_login_is_refused_like_mserver(sandbox, user, password):
    t = sandbox.transport(user=user, password=Secret(password))
    with pytest.raises(TransportError, match="401") as exc:
        t.submit(render.render_datapack([render.PackItem("a", company_doc())], ico="12345678"))
    assert password not in str(exc.value)
    assert sandbox.store.count("address_book") == 0


def test_missing_login_and_wrong_method_and_path(sandbox):
    assert httpx.post(f"{sandbox.url}/xml", content=b"<x/>").status_code == 401
    assert httpx.get(f"{sandbox.url}/xml").status_code == 405
    assert httpx.get(f"{sandbox.url}/nothing").status_code == 404


def test_wrong_ico_refuses_the_whole_pack(client, sandbox):
    pack = client.send(company_doc(), ico="87654321")
    assert pack.state == "error" and "87654321" in pack.note and not pack.items
    with pytest.raises(responses.ResponseError, match="does not match"):
        pack.check()
    assert sandbox.store.count("address_book") == 0


def test_invalid_item_is_reported_per_item_others_go_on(client, sandbox):
    good = company_doc()
    bad = good.replace("<typ:company>", "<typ:bogus>x</typ:bogus><typ:company>", 1)
    pack = client.send(good, bad)
    first, second = pack.items
    assert first.ok and first.produced_id == 1
    assert second.state == "error" and "bogus" in second.errors[0].note
    assert second.errors[0].xpath.startswith("/dat:dataPack/dat:dataPackItem[2]")
    assert sandbox.store.count("address_book") == 1


def test_invalid_envelope_refuses_the_pack(client):
    pack = render.render_datapack([render.PackItem("a", company_doc())], ico="12345678")
    broken = pack.replace(b'version="2.0" id=', b'version="9.9" id=', 1)
    answer = responses.parse_response_pack(client.raw(broken))
    assert answer.state == "error" and "schema" in answer.note


def test_without_xsd_folder_the_sandbox_says_checks_are_off(pohoda_validator):
    with PohodaSandbox(xsd_dir=None) as sb:
        assert "XSD checks: off" in httpx.get(f"{sb.url}/status").text
        pack = render.render_datapack([render.PackItem("a", company_doc())], ico="12345678")
        answer = responses.parse_response_pack(sb.transport().submit(pack))
        assert answer.items[0].ok and "XSD checks are off" in answer.note


def test_gzip_both_ways(sandbox):
    pack = render.render_datapack([render.PackItem(f"i{n}", company_doc(ico=f"1{n:07d}")) for n in range(5)],
                                  ico="12345678")
    auth = sandbox.transport()._auth()
    r = httpx.post(f"{sandbox.url}/xml", content=gzip.compress(pack),
                   headers={**auth, "Content-Encoding": "gzip", "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert responses.parse_response_pack(r.content).state == "ok"
    assert sandbox.store.count("address_book") == 5


def test_cli_starts_the_sandbox_alone(tmp_path, pohoda_xsd_dir):
    proc = subprocess.Popen(
        [sys.executable, "-c", "from engine.cli import main; main()", "sandbox", "pohoda", "--port", "0", "--demo",
         "--xsd", str(pohoda_xsd_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "sandbox on http://127.0.0.1:" in first, first
        url = first.split(" on ")[1].split()[0]
        deadline = time.time() + 10
        while True:
            try:
                assert "POHODA mServer" in httpx.get(f"{url}/status").text
                break
            except httpx.ConnectError:
                assert time.time() < deadline
                time.sleep(0.1)
        rest = [proc.stdout.readline() for _ in range(3)]
        assert any("seeded: address_book 3" in line for line in rest), rest
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "service-stop"])
def test_cli_sandbox_stops_cleanly_on_ctrl_c_and_sigterm_even_started_in_the_background(sig):
    # a background job of a non-interactive shell starts with SIGINT ignored: Ctrl-C / kill -INT must still stop it
    proc = subprocess.Popen(
        [sys.executable, "-c", "from engine.cli import main; main()", "sandbox", "pohoda", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        while "Ctrl-C stops it." not in (line := proc.stdout.readline()):
            assert line, "the sandbox ended before serving"
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stdout.read()
    finally:
        proc.kill()
        proc.wait()
