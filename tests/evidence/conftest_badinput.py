"""Shared pieces of the "bad input" evidence tests (tests/evidence/test_bad_*.py, test_secrets_*.py).

``HostileWorld``: both simulators and the engine (tests/sync's ``World``) with every dataPack the
engine sends kept in a folder (``PackArchive``), so a test can validate each one against the XSDs.
``serve(handler)``: a loopback HTTP server answering with crafted bodies (for the production
clients' error paths). ``HOSTILE``: text values that try to break out of XML or to smuggle
characters XML or Windows-1250 cannot carry.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

from engine.sync.pack_archive import PackArchive
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.runner import renderer_for
from tests.sync.conftest import World

#: text that must reach POHODA unchanged (escaped on the way), or be refused with a message
HOSTILE = {
    "close_tag": "</adb:company><x>",
    "cdata_end": "]]><![CDATA[",
    "amp": "Tom & Jerry &amp; &#38; &lt;",
    "quotes": "\"double\" 'single' `back`",
    "whitespace": "tab\there\nnew line\r\nCRLF ",
    "outside_cp1250": "emoji 😀 漢字 Ωμέγα ₿",
    "c1_and_separators": "del\x7f nel\x85 ls\u2028",
    "markup_like": "[bold]x[/] [/red] ${env:HOME} {{ 7*7 }}",
}
#: characters XML 1.0 cannot carry: every record holding one is quarantined naming the field
CONTROL = "ctl\x01\x1f\x0b end"


class HostileWorld(World):
    """tests/sync's World whose gateway keeps a copy of every dataPack sent (``packs()``)."""

    def __init__(self, tmp_path: Path, xsd_dir: Path, **kwargs) -> None:
        super().__init__(tmp_path, xsd_dir, **kwargs)
        self.pack_dir = tmp_path / "packs"

    def gateway(self) -> PohodaGateway:
        return PohodaGateway(self.pohoda.transport(), ico="12345678", renderer=renderer_for(self.mapping),
                             archive=PackArchive(self.pack_dir))

    def packs(self) -> list[Path]:
        return PackArchive(self.pack_dir).packs() if self.pack_dir.exists() else []


@contextmanager
def hostile_world(tmp_path: Path, xsd_dir: Path, **kwargs) -> Iterator[HostileWorld]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    w = HostileWorld(tmp_path, xsd_dir, **kwargs)
    try:
        yield w
    finally:
        w.close()


Responder = Callable[[BaseHTTPRequestHandler, bytes], tuple[int, dict, bytes]]


@contextmanager
def serve(respond: Responder) -> Iterator[str]:
    """A loopback HTTP server: ``respond(handler, body) -> (status, headers, body)``; yields its base URL.
    A responder may also write to ``handler.wfile`` itself and return None (truncated answers)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = respond(self, body)
            if answer is None:
                self.close_connection = True
                return
            status, headers, payload = answer
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class ServedWorld:
    """Both simulators served on loopback with *distinctive* credentials, a connection profile referring to them
    through environment variables (R-G8), and ``cli(...)``: the ``rpsync`` command run in this process."""

    def __init__(self, folder: Path, xsd_dir: Path, *, raynet_key: str, pohoda_password: str) -> None:
        from engine.demo.profile import write_profile
        from engine.sandbox.pohoda import PohodaSandbox
        from engine.sandbox.raynet import RaynetSandbox

        folder.mkdir(parents=True, exist_ok=True)
        self.dir = folder
        self.raynet_key, self.pohoda_password = raynet_key, pohoda_password
        self.raynet = RaynetSandbox(api_key=raynet_key).start()
        self.pohoda = PohodaSandbox(xsd_dir=xsd_dir, password=pohoda_password).start()
        self.profile = write_profile(folder / "profile.toml", raynet_url=self.raynet.url, pohoda_url=self.pohoda.url,
                                     state=str(folder / "state.sqlite"), packs=str(folder / "packs"))
        self.outputs: list[str] = []

    def env(self, *, raynet_key: str | None = None, pohoda_password: str | None = None) -> dict[str, str]:
        from engine.demo.profile import POHODA_PASSWORD_VAR, RAYNET_KEY_VAR

        return {RAYNET_KEY_VAR: raynet_key or self.raynet_key,
                POHODA_PASSWORD_VAR: pohoda_password or self.pohoda_password, "COLUMNS": "200"}

    def cli(self, *args: str, **env: str):
        from typer.testing import CliRunner

        from engine.cli import app

        result = CliRunner().invoke(app, list(args), env=self.env(**env))
        # click >= 8.2: ``output`` interleaves stdout and stderr as a terminal shows them
        self.outputs.append(result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            self.outputs.append("".join(traceback.format_exception(result.exception)))
        return result

    def close(self) -> None:
        self.raynet.stop()
        self.pohoda.close()


Rewrite = Callable[[str, str, int, bytes], "tuple[int, bytes] | None"]


@contextmanager
def raynet_proxy(sandbox_url: str, rewrite: Rewrite) -> Iterator[str]:
    """A loopback proxy in front of the Raynet simulator: every request goes through to it, and
    ``rewrite(method, path, status, body)`` may replace the answer (``(status, body)``) — crafted JSON on the
    production client's real path. Yields the API base URL to give a ``RaynetClient``."""
    import httpx
    from urllib.parse import urlsplit

    origin = "{0.scheme}://{0.netloc}".format(urlsplit(sandbox_url))
    prefix = urlsplit(sandbox_url).path
    upstream = httpx.Client(base_url=origin, timeout=30)

    def respond(handler, body):
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length")}
        r = upstream.request(handler.command, handler.path, content=body, headers=headers)
        changed = rewrite(handler.command, handler.path, r.status_code, r.content)
        status, payload = changed if changed is not None else (r.status_code, r.content)
        keep = {k: v for k, v in r.headers.items() if k.lower().startswith("x-ratelimit")}
        return status, {"Content-Type": "application/json; charset=UTF-8", **keep}, payload

    try:
        with serve(respond) as url:
            yield url + prefix
    finally:
        upstream.close()
