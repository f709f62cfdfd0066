"""POHODA mServer over HTTP (httpx).

Protocol (facts notes §8): XML only by ``POST /xml`` with ``Content-Type:
text/xml``; credentials in ``STW-Authorization: Basic base64(user:password)``;
``STW-Application`` names us in mServer's monitoring; gzip/deflate for request
and response bodies; ``/status`` answers a short text (used as health check).
mServer processes one request at a time (concurrent ones are serialized by the
server), so this client sends sequentially and puts many dataPackItems into
one dataPack (``batch_size``).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import tempfile
import threading
import time
import zlib
from typing import IO, Iterable, Iterator

import httpx

from engine import xmlsafe
from engine.pohoda import render, responses
from engine.pohoda.transport import AnswerLost, Health, TransportError, batches
from engine.secrets import Secret, redact

#: meaning of mServer's HTTP errors; the texts follow the explanations collected in
#: [GH:VitexSoftware/PHP-Pohoda-Connector/src/mServer/Client.php processResponse] (third party)
_HTTP_ERRORS = {
    400: "mServer could not read the request (400 Bad Request)",
    401: "mServer refused the login (401): the user name or password is wrong, or the user does not exist in POHODA",
    403: "mServer refused access (403): the user may not open this accounting unit",
    404: "mServer has no such address (404): the URL must end in the server and port, rpsync adds /xml",
    405: "mServer refused the method (405): XML must be sent by POST",
    408: "mServer timed out processing the request (408)",
    500: "mServer failed while processing the request (500)",
    503: "mServer is temporarily unavailable (503)",
}
DEFAULT_BATCH = 100
#: waits before the retries of a dataPack answered 503. mServer processes one request at a time (facts notes §8)
#: and a 503 is refused before processing (HTTP, RFC 9110 §15.6.4), so the same dataPack is sent again
BUSY_DELAYS = (1.0, 3.0, 10.0)
#: answers are spooled to disk, so big list exports are fine; imports' answers are parsed with xmlsafe's limit
LIST_MAX_BYTES = 2 * 1024 * 1024 * 1024
_SPOOL = 8 * 1024 * 1024
#: the most bytes one decompression step may produce (a gzip bomb inflates a 64 KiB read a thousandfold)
_INFLATE_STEP = 1024 * 1024


def _decoded(response: httpx.Response) -> Iterator[bytes]:
    """The answer's body, decompressed in steps of at most ``_INFLATE_STEP`` bytes (httpx's own decoders
    inflate a whole network read at once, so a small compressed answer can take gigabytes before any size check)."""
    if response.is_stream_consumed:   # already read (an in-memory response, e.g. a mock transport): decoded
        yield response.content
        return
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding == "identity":
        yield from response.iter_raw()
        return
    if encoding not in ("gzip", "deflate"):
        raise TransportError(f"mServer answered with an unsupported Content-Encoding {encoding!r}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    first = True
    for chunk in response.iter_raw():
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, _INFLATE_STEP)
            except zlib.error as exc:
                if first and encoding == "deflate":   # a raw deflate stream without the zlib header
                    inflater, first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise TransportError(f"mServer's compressed answer is corrupt ({exc})") from None
            first = False
            if out:
                yield out
            data = inflater.unconsumed_tail
    tail = inflater.flush()
    if tail:
        yield tail


class _Busy(Exception):
    """mServer answered 503."""


class MServerTransport:
    kind = "mserver"

    def __init__(
        self,
        url: str,
        *,
        user: str,
        password: Secret | str,
        application: str = "rpsync",
        instance: str | None = None,
        check_duplicity: bool = False,
        timeout: float = 600.0,
        connect_timeout: float = 10.0,
        batch_size: int = DEFAULT_BATCH,
        compress_requests: bool = True,
        max_response_bytes: int = LIST_MAX_BYTES,
        http_transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        busy_delays: tuple[float, ...] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        #: seconds to wait before each retry of a dataPack mServer answered 503 (busy: not processed)
        self.busy_delays = BUSY_DELAYS if busy_delays is None else tuple(busy_delays)
        self.user = user
        self.password = password if isinstance(password, Secret) else Secret(password)
        self.application = application
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise TransportError("batch_size must be at least 1")
        self.compress_requests = compress_requests
        self.max_response_bytes = max_response_bytes
        self._lock = threading.Lock()  # one request at a time, like mServer itself
        headers = {
            "STW-Application": application,
            "Content-Type": "text/xml",
            "Accept-Encoding": "gzip, deflate",
        }
        # STW-Instance / STW-Check-Duplicity: third-party only (facts notes §8), sent when asked for
        if instance:
            headers["STW-Instance"] = instance
        if check_duplicity:
            headers["STW-Check-Duplicity"] = "true"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=http_transport,
            verify=verify,
        )

    # -- helpers -------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        # user:password as UTF-8, as the PHP clients send it (third party; the official page
        # only says "Basic" with name and password joined by ':')
        token = base64.b64encode(f"{self.user}:{self.password.reveal()}".encode("utf-8")).decode("ascii")
        return {"STW-Authorization": f"Basic {token}"}

    def _body(self, pack: bytes) -> tuple[bytes, dict[str, str]]:
        if self.compress_requests and len(pack) > 1024:
            return gzip.compress(pack, compresslevel=5), {"Content-Encoding": "gzip"}
        return pack, {}

    def _fail(self, exc: Exception) -> TransportError:
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return AnswerLost(
                f"mServer at {self.url} did not answer in time ({type(exc).__name__})",
                hint="large exports take long: raise the timeout, or page the export (count/id_from)",
            )
        if isinstance(exc, httpx.ConnectError):
            return TransportError(
                f"cannot connect to mServer at {self.url}",
                hint="is mServer started in POHODA (Databáze → POHODA mServer)? It listens on IPv4: use 127.0.0.1",
            )
        if isinstance(exc, httpx.ConnectTimeout):   # nothing was sent
            return TransportError(redact(f"cannot connect to mServer at {self.url}: {exc}"))
        return AnswerLost(redact(f"talking to mServer at {self.url} failed: {exc}"))

    def _check_status(self, response: httpx.Response, body: bytes | None = None) -> None:
        if response.status_code == 200:
            return
        message = _HTTP_ERRORS.get(response.status_code, f"mServer answered HTTP {response.status_code}")
        raise TransportError(f"{message} ({self.url})")

    # -- PohodaTransport ----------------------------------------------------
    def submit(self, pack: bytes, *, max_bytes: int | None = None) -> bytes:
        """POST one dataPack to ``/xml``; return the responsePack bytes (with ``max_bytes``: at most one byte
        more, so a caller's size check refuses an over-long answer without it being held in memory whole)."""
        with self.open_response(pack) as fh:
            return fh.read() if max_bytes is None else fh.read(max_bytes + 1)

    @contextlib.contextmanager
    def open_response(self, pack: bytes) -> Iterator[IO[bytes]]:
        """POST a dataPack and stream the answer into a temporary file (for big list exports)."""
        body, extra = self._body(pack)
        attempt = 0
        while True:
            try:
                spool = self._post(body, extra)
                break
            except _Busy:
                attempt += 1
                if attempt > len(self.busy_delays):
                    raise TransportError(
                        f"{_HTTP_ERRORS[503]} ({self.url}); still so after {attempt} attempts",
                        hint="mServer is busy or POHODA is closed for maintenance; run again later (the next run "
                             "goes on where this one stopped)") from None
                time.sleep(self.busy_delays[attempt - 1])
        spool.seek(0)
        try:
            yield spool
        finally:
            spool.close()

    def _post(self, body: bytes, extra: dict[str, str]) -> IO[bytes]:
        """One POST of a dataPack; its answer spooled. ``_Busy`` on 503: mServer refused it unprocessed."""
        with self._lock:
            try:
                with self._client.stream("POST", f"{self.url}/xml", content=body,
                                         headers={**self._auth(), **extra}) as response:
                    if response.status_code == 503:
                        raise _Busy()
                    self._check_status(response)
                    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)
                    size = 0
                    for chunk in _decoded(response):
                        size += len(chunk)
                        if size > self.max_response_bytes:
                            spool.close()
                            raise TransportError(
                                f"mServer's answer is over the limit of {self.max_response_bytes:,} bytes",
                                hint="page the export (count/id_from) or raise the limit in the connection profile",
                            )
                        spool.write(chunk)
            except httpx.HTTPError as exc:
                raise self._fail(exc) from None
        return spool

    def send(
        self,
        items: Iterable[render.PackItem],
        *,
        ico: str,
        renderer: render.Renderer | None = None,
        note: str = "",
    ) -> Iterator[tuple[list[render.PackItem], responses.ResponsePack]]:
        """Send items in dataPacks of ``batch_size``; yield each batch with POHODA's answer."""
        renderer = renderer or render.default_renderer()
        for batch in batches(items, self.batch_size):
            pack = renderer.render_datapack(batch, ico=ico, application=self.application, note=note)
            limit = xmlsafe.DEFAULT_MAX_BYTES
            answer = responses.parse_response_pack(self.submit(pack, max_bytes=limit), max_bytes=limit)
            yield batch, answer.check()

    def health(self) -> Health:
        """``GET /status``: mServer answers a short text when it is running."""
        try:
            with self._lock:
                response = self._client.get(f"{self.url}/status", headers=self._auth())
        except httpx.HTTPError as exc:
            return Health(False, self._fail(exc).message)
        if response.status_code != 200:
            return Health(False, _HTTP_ERRORS.get(response.status_code, f"HTTP {response.status_code}"))
        first = response.text.strip().splitlines()[0] if response.text.strip() else "mServer answered"
        return Health(True, first[:200])

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "MServerTransport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
