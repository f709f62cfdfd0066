"""The POHODA mServer simulator: a loopback HTTP server backed by SQLite.

    from engine.sandbox.pohoda import PohodaSandbox
    with PohodaSandbox(seed="demo.json", xsd_dir=...) as sb:
        sb.url            # http://127.0.0.1:<port>  (POST /xml, GET/POST /status)
        sb.store          # inspect records: sb.store.all("address_book"), sb.store.get(…), sb.store.find_ext(…)
        sb.transport()    # an MServerTransport logged in as the sandbox user
        sb.faults         # inject faults: sb.faults.busy_next(), .error_next(), .warning_next(), .drop_next(),
                          # or rates (engine/sandbox/pohoda/faults.py)

Fixed login like a real mServer configured for one user: user ``sandbox``,
password ``sandbox``, accounting unit IČ ``12345678``. Anything else is refused
(HTTP 401 for the login, an error responsePack for another IČ).
What the simulator checks and where the behaviour comes from:
``engine/sandbox/pohoda/imports.py`` (writes) and ``exports.py`` (lists).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping

from engine.pohoda import xsd
from engine.sandbox.http import SandboxHTTPServer, drop_connection
from engine.sandbox.pohoda.faults import BUSY_TEXT, PohodaFaults
from engine.sandbox.pohoda.imports import Importer
from engine.sandbox.pohoda.seed import apply_seed
from engine.sandbox.pohoda.store import Store

USER = "sandbox"
PASSWORD = "sandbox"
ICO = "12345678"
#: the shipped demo data (``rpsync sandbox pohoda --demo``)
DEMO_SEED = Path(__file__).with_name("demo.json")
#: requests larger than this are refused (413)
MAX_REQUEST_BYTES = 100 * 1024 * 1024
_AUTO = object()


class PohodaSandbox:
    def __init__(
        self,
        store_path: str | Path | None = None,
        seed: str | Path | Mapping | None = None,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        xsd_dir: Any = _AUTO,
        ico: str = ICO,
        user: str = USER,
        password: str = PASSWORD,
        www_limit: int = 32,
        check_duplicity: bool = True,
        clock=None,
        faults: PohodaFaults | None = None,
    ) -> None:
        if xsd_dir is _AUTO:
            xsd_dir = xsd.find_xsd_dir()
        self.xsd_dir = Path(xsd_dir) if xsd_dir else None
        self.validator = xsd.Validator.for_dir(self.xsd_dir) if self.xsd_dir else None
        self.store = Store(store_path, clock=clock)
        self.ico, self.user, self.password = ico, user, password
        self.faults = faults or PohodaFaults()
        self.importer = Importer(self.store, validator=self.validator, ico=ico, www_limit=www_limit,
                                 check_duplicity=check_duplicity, faults=self.faults)
        self.seeded = apply_seed(self.store, seed) if seed is not None else {}
        self.host, self._port = host, port
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status), for tests
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._busy = threading.Lock()  # mServer processes one request at a time

    @property
    def xsd_checks(self) -> bool:
        return self.validator is not None

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def status_text(self, company: bool = False) -> str:
        lines = ["Response from POHODA mServer (rpsync sandbox)",
                 f"XSD checks: {'on (' + str(self.xsd_dir) + ')' if self.xsd_checks else 'off (no XSD folder configured)'}"]
        if company:
            lines.append(f"Company IČ: {self.ico}")
        return "\n".join(lines) + "\n"

    def start(self) -> "PohodaSandbox":
        if self._server is None:
            self._server = SandboxHTTPServer((self.host, self._port), _handler(self))
            self._server.daemon_threads = True
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="pohoda-sandbox", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self.store.close()

    def __enter__(self) -> "PohodaSandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def transport(self, **kwargs):
        """An ``MServerTransport`` for this sandbox (its fixed login)."""
        from engine.pohoda.transport.mserver import MServerTransport
        from engine.secrets import Secret

        kwargs.setdefault("user", self.user)
        kwargs.setdefault("password", Secret(self.password))
        return MServerTransport(self.url, **kwargs)

    # -- request handling (called from the HTTP thread) ---------------------------
    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = raw.partition(":")
        return user == self.user and password == self.password

    def handle_xml(self, body: bytes) -> bytes:
        return self._process(body)[0]

    def _process(self, body: bytes) -> tuple[bytes, int]:
        """The responsePack, and how many import items of the dataPack were imported."""
        with self._busy:
            answer = self.importer.process(body)
            return answer, self.importer.last_imported


def _handler(sandbox: PohodaSandbox):
    class Handler(BaseHTTPRequestHandler):
        server_version = "rpsync-pohoda-sandbox"
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stalls)

        def log_message(self, fmt, *args):  # quiet; requests are kept in sandbox.requests
            pass

        def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            sandbox.requests.append((self.command, self.path, status))
            headers = {"Content-Type": content_type}
            if "gzip" in (self.headers.get("Accept-Encoding") or "") and len(body) > 1024:
                body = gzip.compress(body, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _read_body(self) -> bytes | None:
            length = self.headers.get("Content-Length")
            if length is None:
                self._send(411, b"Content-Length required\n")
                return None
            size = int(length)
            if size > MAX_REQUEST_BYTES:
                self._send(413, b"request too large\n")
                self.close_connection = True
                return None
            data = self.rfile.read(size)
            encoding = (self.headers.get("Content-Encoding") or "").lower()
            try:
                if encoding == "gzip":
                    data = gzip.decompress(data)
                elif encoding == "deflate":
                    data = zlib.decompress(data)
            except (OSError, zlib.error):
                self._send(400, b"the body cannot be decompressed\n")
                return None
            return data

        def _drain(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if 0 < length <= MAX_REQUEST_BYTES:
                self.rfile.read(length)
            elif length:
                self.close_connection = True

        def _status(self) -> None:
            company = "companyDetail" in self.path
            self._send(200, sandbox.status_text(company).encode("utf-8"))

        def do_GET(self):
            route = self.path.split("?")[0]
            if route == "/status":
                self._status()
            elif route == "/xml":
                self._send(405, b"XML must be sent by POST\n")
            else:
                self._send(404, b"not found\n")

        def do_POST(self):
            route = self.path.split("?")[0]
            if route == "/status":
                self._drain()
                self._status()
                return
            if route != "/xml":
                self._send(404, b"not found\n")
                return
            if not sandbox._authorized(self.headers.get("STW-Authorization")):
                # mServer answers 401 when the login is missing or the user/password is wrong
                # [GH:VitexSoftware/PHP-Pohoda-Connector Client.php processResponse]
                self._drain()
                self._send(401, b"Unauthorized\n")
                return
            body = self._read_body()
            if body is None:
                return
            if sandbox.faults.take_busy():   # refused before processing (faults.py: a GUESS at mServer's answer)
                self._send(503, BUSY_TEXT)
                return
            answer, imported = sandbox._process(body)
            if imported and sandbox.faults.take_drop():   # committed; the answer is lost
                sandbox.requests.append((self.command, self.path, 0))
                drop_connection(self)
                return
            self._send(200, answer, "text/xml; charset=Windows-1250")

    return Handler
