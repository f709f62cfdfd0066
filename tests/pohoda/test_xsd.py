"""XSD set location, fetching and validation (engine.pohoda.xsd)."""

import http.server
import io
import threading
import zipfile
from pathlib import Path

import pytest

from engine.pohoda import xsd



@pytest.fixture(scope="module")
def samples(pohoda_samples_dir):
    return pohoda_samples_dir


def _zip_of(folder: Path, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in folder.glob("*.xsd"):
            zf.writestr(f"schema/{p.name}", p.read_bytes())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_valid_datapack_has_no_errors(pohoda_validator, samples):
    doc = (samples / "VitexSoftware_php-pohoda-serialize__Example_invoice_01_v2.0.xml").read_bytes()
    assert pohoda_validator.validate(doc) == []


def test_invalid_datapack_gives_readable_messages(pohoda_validator, samples):
    doc = (samples / "Masa331_pohoda__spec_fixtures_empty_data_pack.xml").read_bytes()
    errors = pohoda_validator.validate(doc)
    assert errors and errors[0].startswith("line ")
    assert "dat:dataPack" in errors[0] and "{http" not in errors[0]


def test_too_long_value_is_reported_with_prefix(pohoda_validator):
    doc = (
        '<?xml version="1.0" encoding="Windows-1250"?>'
        '<dat:dataPack xmlns:dat="http://www.stormware.cz/schema/version_2/data.xsd" '
        'xmlns:adb="http://www.stormware.cz/schema/version_2/addressbook.xsd" version="2.0" id="x" '
        'application="t" note="n"><dat:dataPackItem version="2.0" id="i"><adb:addressbook version="2.0">'
        f"<adb:addressbookHeader><adb:web>{'w' * 97}</adb:web></adb:addressbookHeader>"
        "</adb:addressbook></dat:dataPackItem></dat:dataPack>"
    ).encode("cp1250")
    errors = pohoda_validator.validate(doc)
    assert any("adb:web" in e and "96" in e for e in errors), errors


def test_response_pack_is_validated_against_response_xsd(pohoda_validator, samples):
    doc = (samples / "jakubdusek_PohodaResponseParser__xmls_invoice_ok.xml").read_bytes()
    assert pohoda_validator.validate(doc) == []
    assert "root element" in pohoda_validator.validate(b"<foo/>")[0]
    assert "not well-formed" in pohoda_validator.validate(b"<foo>")[0]


def test_find_xsd_dir_precedence(pohoda_xsd_dir, tmp_path, monkeypatch):
    monkeypatch.delenv(xsd.ENV_VAR, raising=False)
    monkeypatch.setenv("RPSYNC_CACHE_DIR", str(tmp_path / "cache"))
    assert xsd.find_xsd_dir() is None
    monkeypatch.setenv(xsd.ENV_VAR, str(pohoda_xsd_dir))
    assert xsd.find_xsd_dir() == pohoda_xsd_dir
    assert xsd.find_xsd_dir(pohoda_xsd_dir) == pohoda_xsd_dir
    with pytest.raises(xsd.XsdError, match="no data.xsd"):
        xsd.find_xsd_dir(tmp_path)


def test_extract_zip_is_flat_and_ignores_traversal(pohoda_xsd_dir, tmp_path):
    data = _zip_of(pohoda_xsd_dir, {"../../evil.xsd": b"<x/>", "readme.txt": b"hi"})
    dest = xsd.extract_zip(data, tmp_path / "set")
    assert xsd.is_xsd_dir(dest)
    assert not (tmp_path / "evil.xsd").exists() and (dest / "evil.xsd").exists()
    assert not (dest / "readme.txt").exists()
    with pytest.raises(xsd.XsdError, match="not a zip"):
        xsd.extract_zip(b"nope", tmp_path / "other")


def test_fetch_downloads_over_http_into_the_cache(pohoda_xsd_dir, samples, tmp_path, monkeypatch):
    payload = _zip_of(pohoda_xsd_dir)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/all_schema_ver2.zip":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("RPSYNC_CACHE_DIR", str(tmp_path))
        monkeypatch.delenv(xsd.ENV_VAR, raising=False)
        got = xsd.fetch(url=f"{base}/all_schema_ver2.zip")
        assert got == tmp_path / "pohoda-xsd" and xsd.find_xsd_dir() == got
        assert xsd.Validator(got).validate(
            (samples / "jakubdusek_PohodaResponseParser__xmls_invoice_ok.xml").read_bytes()) == []
        with pytest.raises(xsd.XsdError, match="HTTP 404"):
            xsd.fetch(tmp_path / "x", url=f"{base}/missing.zip")
    finally:
        server.shutdown()
