"""The Raynet API simulator: a loopback HTTP server in a background thread.

    with RaynetSandbox(seed="demo.json", port=0) as rn:
        client = RaynetClient(rn.url, login=rn.LOGIN, api_key=Secret(rn.API_KEY), instance=rn.INSTANCE)
        ...
        rn.store.records("company")         # inspect
        rn.faults.drop_next(1)               # misbehave
        rn.quota.remaining = 3               # run out soon

It answers the endpoints the engine uses exactly as Raynet's OpenAPI spec
documents them: paths (trailing slashes as documented), verbs (PUT creates,
POST updates), envelopes, status codes and error bodies. Transport-level
behaviour ([OAS] info and ``../shared/notes/raynet-api-facts.md``):

* auth: HTTP Basic (login ``sandbox@example.com``, API key ``sandbox``) with
  ``X-Instance-Name: sandbox``, or ``Authorization: Bearer sandbox``; anything
  else 401. More than 20 bad logins from one address block it for 60 minutes.
* ``X-Ratelimit-Limit/Remaining/Reset`` on every authenticated answer; when the
  quota is spent, 429 ``{"type": "RequestLimitReached", …}``. The window is the
  UTC day (or ``quota_window`` seconds).
* at most 4 requests in flight; the 5th gets 429 (notes, "Later facts (2026)").
"""

from __future__ import annotations

import base64
import calendar
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from engine.raynet import json_codec
from engine.sandbox.http import SandboxHTTPServer, drop_connection
from engine.sandbox.raynet import query, records, views
from engine.sandbox.raynet.faults import Faults
from engine.sandbox.raynet.validation import ApiError, bad_request, business_error, not_found
from engine.sandbox.raynet.seed import SANDBOX_USER, apply_seed
from engine.sandbox.raynet.store import LoggedRequest, RaynetStore

API_PREFIX = "/api/v2"
BAD_LOGIN_LIMIT = 20  # [OAS] info "Špatné přihlášení": more than 20 → blocked
BAD_LOGIN_BLOCK = 60 * 60
#: [OAS] info "Limity API" (the documented 429 body)
RATE_LIMIT_BODY = {
    "type": "RequestLimitReached",
    "message": "API request limit reached. See the X-RateLimit-* headers and check out the API documentation "
    "for more details.",
}
#: R-F1: an instance without the invoicing module. [OAS] tag "Faktury" (notes "Invoices — LEGACY"):
#: the module was discontinued in 2021, its API is kept only for backward compatibility. GUESS: how an
#: instance without it answers is not documented; the simulator answers every /invoice/ path like a
#: request the API user has no rights for — the documented 500 ``AttributeAccessDeniedException``
#: ([OAS] paths[/company/].get.responses.500, errors/companyGet.500.json) — with its own message.
INVOICING_OFF = ApiError(500, {"message": "AttributeAccessDeniedException",
                               "translatedMessage": "Modul Faktury není pro tuto instanci dostupný."})
#: GUESS: the body of the concurrency 429 is not documented; same shape, own message
CONCURRENCY_BODY = {"type": "RequestLimitReached", "message": "Too many concurrent API connections."}


@dataclass
class Quota:
    """The instance's request quota (24 000 a day by default, [OAS] "Co když mi limity nestačí")."""

    limit: int = 24000
    window: float | None = None  # seconds; None = the UTC day
    used: int = 0
    reset_at: float = 0.0
    clock: Callable[[], float] = field(default=time.time, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _roll(self) -> None:
        now = self.clock()
        if now >= self.reset_at:
            self.used = 0
            if self.window:
                self.reset_at = now + self.window
            else:
                tomorrow = datetime.fromtimestamp(now, tz=timezone.utc).date() + timedelta(days=1)
                self.reset_at = float(calendar.timegm(tomorrow.timetuple()))

    @property
    def remaining(self) -> int:
        with self._lock:
            self._roll()
            return max(0, self.limit - self.used)

    @remaining.setter
    def remaining(self, value: int) -> None:
        with self._lock:
            self._roll()
            self.used = max(0, self.limit - value)

    def consume(self) -> bool:
        """Charge one request; ``False`` if the quota is spent."""
        with self._lock:
            self._roll()
            if self.used >= self.limit:
                return False
            self.used += 1
            return True

    def reset(self) -> None:
        """Start a new window now (tests: "the next day")."""
        with self._lock:
            self.reset_at = 0.0
            self._roll()

    def headers(self) -> dict[str, str]:
        with self._lock:
            self._roll()
            return {
                "X-Ratelimit-Limit": str(self.limit),
                "X-Ratelimit-Remaining": str(max(0, self.limit - self.used)),
                "X-Ratelimit-Reset": str(int(self.reset_at)),
            }


class _Drop(Exception):
    """Close the connection without an answer."""


Route = tuple[str, re.Pattern, Callable[..., Any]]


class RaynetSandbox:
    """A Raynet API simulator on loopback; a context manager.

    ``store_path``: persist the data there (loaded if it exists, else seeded);
    ``seed``: a seed dict or JSON file (see ``engine.sandbox.raynet.seed``);
    ``port``: 0 = a free port. ``rn.url`` is the API base URL.
    """

    LOGIN = SANDBOX_USER
    API_KEY = "sandbox"
    INSTANCE = "sandbox"
    BEARER = "sandbox"

    def __init__(
        self,
        store_path: str | os.PathLike[str] | None = None,
        seed: dict | str | os.PathLike[str] | None = None,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        quota_limit: int = 24000,
        quota_window: float | None = None,
        max_concurrent: int = 4,
        faults: Faults | None = None,
        defaults: bool = True,
        clock: Callable[[], float] = time.time,
        invoicing: bool = True,
        api_key: str | None = None,
    ) -> None:
        if api_key is not None:  # another accepted API key than the public "sandbox" (tests grep for it)
            if not api_key:
                raise ValueError("the sandbox's API key cannot be empty")
            self.API_KEY = api_key
        self.store = RaynetStore(store_path, clock=clock)
        #: is the legacy invoicing module ("Faktury") available on this instance? (R-F1; see INVOICING_OFF)
        self.invoicing = invoicing
        if not self.store.load():
            apply_seed(self.store, seed, defaults=defaults)
        self.faults = faults or Faults()
        self.quota = Quota(limit=quota_limit, window=quota_window, clock=clock)
        self.max_concurrent = max_concurrent
        self.clock = clock
        self._host = host
        self._port = port
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        #: the most requests that were in flight at once (tests: the client's cap)
        self.peak_concurrency = 0
        self._bad_logins: dict[str, list[float]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.routes: list[Route] = _routes()

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "RaynetSandbox":
        sandbox = self

        class Handler(_Handler):
            pass

        Handler.sandbox = sandbox
        self._server = SandboxHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="raynet-sandbox", daemon=True
        )
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
        self.store.save()

    def __enter__(self) -> "RaynetSandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}{API_PREFIX}/"

    @property
    def bad_logins(self) -> int:
        """Requests with bad credentials seen so far (all addresses)."""
        return sum(len(v) for v in self._bad_logins.values())

    def client(self, **kwargs: Any):
        """A production ``RaynetClient`` logged in with the sandbox's fixed credentials."""
        from engine.raynet.client import RaynetClient
        from engine.secrets import Secret

        if "bearer" in kwargs:
            return RaynetClient(self.url, **kwargs)
        return RaynetClient(self.url, login=self.LOGIN, api_key=Secret(self.API_KEY), instance=self.INSTANCE, **kwargs)

    # ----------------------------------------------------------- internals
    def authenticate(self, headers, address: str) -> bool:
        now = self.clock()
        recent = [t for t in self._bad_logins.get(address, []) if now - t < BAD_LOGIN_BLOCK]
        self._bad_logins[address] = recent
        blocked = len(recent) > BAD_LOGIN_LIMIT
        ok = False
        auth = headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            ok = auth[7:].strip() == self.BEARER  # the token carries the instance (notes, 2026)
        elif auth.startswith("Basic "):
            try:
                user, _, key = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user = key = ""
            ok = user == self.LOGIN and key == self.API_KEY and headers.get("X-Instance-Name") == self.INSTANCE
        if not ok:
            recent.append(now)
        return ok and not blocked

    def enter(self) -> bool:
        with self._in_flight_lock:
            if self._in_flight >= self.max_concurrent:
                return False
            self._in_flight += 1
            self.peak_concurrency = max(self.peak_concurrency, self._in_flight)
            return True

    def leave(self) -> None:
        with self._in_flight_lock:
            self._in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RaynetSandbox/2.0"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stalls)
    sandbox: RaynetSandbox

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header by the simulated instance's clock (a test may run it in the past or future),
        as a server states its own time (RFC 9110 §6.6.1)."""
        from email.utils import formatdate

        return formatdate(self.sandbox.store.clock() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -------------------------------------------------------------- request
    def _dispatch(self, method: str) -> None:
        sandbox = self.sandbox
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        params = parse_qsl(parts.query, keep_blank_values=True)
        logged = dict(method=method, path=path, query=parts.query, authenticated=False, counted=False)
        if not sandbox.authenticate(self.headers, self.client_address[0]):
            # GUESS: 401 bodies are not documented
            self._send(401, {"message": "Unauthorized", "translatedMessage": "Neplatné přihlašovací údaje."},
                       {"WWW-Authenticate": 'Basic realm="RAYNET CRM API"'}, logged)
            return
        logged["authenticated"] = True
        if not sandbox.enter():
            self._send(429, CONCURRENCY_BODY, sandbox.quota.headers(), logged)
            return
        try:
            if sandbox.faults.take_exhaust():
                sandbox.quota.remaining = 0   # other clients of the instance spent it
            if not sandbox.quota.consume():
                self._send(429, RATE_LIMIT_BODY, sandbox.quota.headers(), logged)
                return
            logged["counted"] = True
            delay = sandbox.faults.take_delay()
            if delay:
                time.sleep(delay)
            failure = sandbox.faults.take_failure()
            if failure:
                self._send_raw(failure, b"<html><body><h1>Service Unavailable</h1></body></html>", "text/html",
                               sandbox.quota.headers(), logged)
                return
            try:
                status, body = self._route(method, path, params, raw)
            except ApiError as error:
                status, body = error.status, error.body
            except _Drop:
                sandbox.store.log(LoggedRequest(status=0, **logged))
                drop_connection(self)
                return
            if 200 <= status < 300 and sandbox.faults.take_malformed():
                text = json_codec.dumps(body)
                self._send_raw(status, text[: max(1, len(text) // 2)], "application/json; charset=UTF-8",
                               sandbox.quota.headers(), logged)
                return
            self._send(status, body, sandbox.quota.headers(), logged)
        finally:
            sandbox.leave()

    def _route(self, method: str, path: str, params: list[tuple[str, str]], raw: bytes) -> tuple[int, Any]:
        if not path.startswith(API_PREFIX + "/"):
            raise not_found(path)
        api_path = path[len(API_PREFIX):]
        if not self.sandbox.invoicing and api_path.startswith("/invoice/"):
            raise INVOICING_OFF
        allowed = []
        for verb, pattern, handler in self.sandbox.routes:
            match = pattern.fullmatch(api_path)
            if not match:
                continue
            if verb != method:
                allowed.append(verb)
                continue
            body = None
            if method in ("PUT", "POST") and raw.strip():
                try:
                    body = json_codec.loads(raw)
                except ValueError:
                    raise bad_request("Malformed JSON request body") from None
            store = self.sandbox.store
            with store.lock:
                status, answer = handler(store, params, body, **match.groupdict())
                if method != "GET":
                    store.save()
            if method != "GET" and self.sandbox.faults.take_drop(method):
                raise _Drop()
            return status, answer
        if allowed:
            # GUESS: an unsupported verb on a documented path
            raise ApiError(405, {"message": f"Request method '{method}' not supported"})
        raise not_found(api_path)

    # ------------------------------------------------------------- response
    def _send(self, status: int, body: Any, headers: dict[str, str], logged: dict) -> None:
        self._send_raw(status, json_codec.dumps(body), "application/json; charset=UTF-8", headers, logged)

    def _send_raw(self, status: int, content: bytes, content_type: str, headers: dict[str, str], logged: dict) -> None:
        self.sandbox.store.log(LoggedRequest(status=status, **logged))
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


# -------------------------------------------------------------------- routes

LIST_ENTITIES = ("company", "person", "businessCase", "offer", "salesOrder", "invoice", "product", "priceList",
                 "userAccount")
CREATE_ENTITIES = ("company", "person", "businessCase", "offer", "salesOrder", "invoice", "product", "priceList",
                   "currency", "businessCasePhase", "offerStatus", "salesOrderStatus", "taxRate")
UPDATE_ENTITIES = ("company", "person", "businessCase", "offer", "salesOrder", "invoice", "product", "priceList",
                   "currency")
DELETE_ENTITIES = ("company", "person", "businessCase", "offer", "salesOrder", "invoice", "product", "priceList",
                   "currency", "businessCasePhase", "offerStatus", "salesOrderStatus", "taxRate")
OK = {"success": True}  # GUESS for 200 answers the spec documents without a body (currencyEdit shows this)


def _iso(params: list[tuple[str, str]]) -> bool:
    return dict(params).get("dateFormat") == "ISO8601"


def _only_global(params: list[tuple[str, str]]) -> None:
    for key, _ in params:
        if key not in query.GLOBAL_PARAMS:
            raise bad_request(f"Unsupported filter column {key}")


def _created(record_id: int) -> tuple[int, dict]:
    return 201, {"success": True, "data": {"id": record_id}}  # [OAS] Insert201Response


def _list(entity: str):
    def handler(store, params, body):
        rows = list(store.table(entity).values())
        answer = query.run(store, entity, rows, params,
                           render=lambda row, iso: views.render(store, entity, row, detail=False, iso=iso))
        return 200, answer
    return handler


def _detail(entity: str):
    def handler(store, params, body, id):
        _only_global(params)
        row = store.row(entity, int(id))
        if row is None:
            raise not_found(f"{entity} {id}")
        return 200, {"success": True, "data": views.render(store, entity, row, detail=True, iso=_iso(params))}
    return handler


def _create(entity: str):
    def handler(store, params, body):
        record_id = records.create(store, entity, body if isinstance(body, dict) else _need_object())
        if entity == "currency":
            return 201, {"success": True, "data": record_id}  # [OAS] currencyInsert.201
        return _created(record_id)
    return handler


def _need_object() -> dict:
    raise bad_request("Request body must be a JSON object")


def _update(entity: str):
    def handler(store, params, body, id):
        records.update(store, entity, int(id), body if isinstance(body, dict) else _need_object())
        return 200, OK
    return handler


def _delete(entity: str):
    def handler(store, params, body, id):
        records.delete(store, entity, int(id))
        return 200, OK
    return handler


def _ext_lookup(store, params, body, entity, ext):
    """``GET /{entity}/ext/{extId}/`` — [OAS] tag "Externí identifikátor" (prose only):
    "Detail daného záznamu je možné následně získat pomocí URL". GUESS: the detail
    answer; 404 when no record has the extId."""
    _only_global(params)
    if entity not in records.EXT_ENTITIES:
        raise not_found(f"/{entity}/ext/")
    record_id = store.find_ext(entity, ext)
    if record_id is None or store.row(entity, record_id) is None:
        raise not_found(f"{entity} ext {ext}")
    return 200, {"success": True, "data": views.render(store, entity, store.row(entity, record_id), detail=True,
                                                         iso=_iso(params))}


def _ext_add(store, params, body, entity, id):
    if entity not in records.EXT_ENTITIES:
        raise not_found(f"/{entity}/")
    row = store.row(entity, int(id))
    if row is None:
        raise not_found(f"{entity} {id}")
    ext = (body or {}).get("extId") if isinstance(body, dict) else None
    if not isinstance(ext, str) or not ext.strip():
        raise business_error("Atribut 'extId' je povinný.")  # [OAS] ExtIdInsertDto requires extId
    records.add_ext_id(store, entity, row, ext)
    store.touch(row)
    return 200, {"success": "true"}  # [OAS] extIdInsert.200 (a string "true")


def _ext_remove(store, params, body, entity, id, ext):
    row = store.row(entity, int(id)) if entity in records.EXT_ENTITIES else None
    if row is None:
        raise not_found(f"{entity} {id}")
    records.remove_ext_id(store, entity, row, ext)
    store.touch(row)
    return 200, {"success": "true"}  # [OAS] extIdDelete.200


def _address(action: str):
    def handler(store, params, body, id, aid=None):
        result = records.company_address(store, int(id), int(aid) if aid else None, body, action)
        return _created(result) if action == "create" else (200, OK)
    return handler


def _relationship(action: str):
    def handler(store, params, body, id, rid=None):
        result = records.person_relationship(store, int(id), int(rid) if rid else None, body, action)
        return _created(result) if action == "create" else (200, OK)
    return handler


def _item(entity: str, action: str):
    def handler(store, params, body, id, iid=None):
        # [OAS] 201 "Created" without a documented body: GUESS Insert201Response like other inserts
        result = records.document_item(store, entity, int(id), int(iid) if iid else None, body, action)
        return _created(result) if action == "create" else (200, OK)
    return handler


def _price_list_items(store, params, body, id):
    if store.row("priceList", int(id)) is None:
        raise not_found(f"priceList {id}")
    rows = [r for r in store.table("priceListItem").values() if r["priceList"] == int(id)]
    answer = query.run(store, "priceList", rows, params, sub_list="items",
                       render=lambda row, iso: views.render(store, "priceListItem", row, detail=False, iso=iso))
    # [OAS] priceListItemsDetailGet.200 documents "success" as a boolean
    return 200, answer


def _price_list_item_create(store, params, body, id):
    return _created(records.add_price_list_item(store, int(id), body if isinstance(body, dict) else _need_object()))


def _price_list_item(action: str):
    def handler(store, params, body, id, iid):
        records.price_list_item(store, int(id), int(iid), body, action)
        return 200, OK
    return handler


def _bulk_upsert(store, params, body, id):
    return 200, {"success": True, "data": records.bulk_upsert(store, int(id), body)}


def _create_with_items(store, params, body):
    return _created(records.create_business_case_with_items(store, body if isinstance(body, dict) else _need_object()))


def _credit_note(store, params, body):
    # [OAS] 201 without a documented body: GUESS Insert201Response
    return _created(records.create_credit_note(store, body if isinstance(body, dict) else _need_object()))


def _payment(action: str):
    def handler(store, params, body, id, pid=None):
        records.invoice_payment(store, int(id), int(pid) if pid else None, body, action)
        return 200, OK  # [OAS] invoicePaymentInsert answers 200 (no body documented)
    return handler


def _custom_field_config(store, params, body):
    _only_global(params)
    data = {entity: [dict(f) for f in fields] for entity, fields in store.custom_fields.items()}
    return 200, {"success": True, "data": data}


def _custom_field_create(store, params, body, entity):
    key = records.custom_field_create(store, entity, body if isinstance(body, dict) else _need_object())
    return 201, {"success": True, "data": {"fieldName": key}}  # [OAS] customFieldConfigInsert.201


def _codelist_list(table: str):
    def handler(store, params, body):
        rows = list(store.table(table).values())
        return 200, query.run(store, table, rows, params,
                              render=lambda row, iso: views.render(store, table, row, detail=False, iso=iso))
    return handler


def _routes() -> list[Route]:
    routes: list[tuple[str, str, Callable]] = []
    add = lambda verb, path, handler: routes.append((verb, path, handler))  # noqa: E731
    number = r"(?P<id>\d+)"
    for entity in LIST_ENTITIES:
        add("GET", f"/{entity}/", _list(entity))
        add("GET", f"/{entity}/{number}/", _detail(entity))
    for table in views.CODELIST_KEYS:
        add("GET", f"/{table}/", _codelist_list(table))
    for entity in CREATE_ENTITIES:
        add("PUT", f"/{entity}/", _create(entity))
    for entity in UPDATE_ENTITIES:
        add("POST", f"/{entity}/{number}/", _update(entity))
    for entity in DELETE_ENTITIES:
        add("DELETE", f"/{entity}/{number}/", _delete(entity))
    entity_name = r"(?P<entity>[A-Za-z]+)"
    add("GET", f"/{entity_name}/ext/(?P<ext>[^/]+)/", _ext_lookup)
    add("PUT", f"/{entity_name}/{number}/extId/", _ext_add)
    add("DELETE", f"/{entity_name}/{number}/extId/(?P<ext>[^/]+)", _ext_remove)  # no trailing slash ([OAS])
    add("PUT", f"/company/{number}/address/", _address("create"))
    add("POST", f"/company/{number}/address/(?P<aid>\\d+)/", _address("update"))
    add("DELETE", f"/company/{number}/address/(?P<aid>\\d+)/", _address("delete"))
    add("POST", f"/company/{number}/address/(?P<aid>\\d+)/setPrimary/", _address("setPrimary"))
    add("POST", f"/company/{number}/address/(?P<aid>\\d+)/setContact/", _address("setContact"))
    add("PUT", f"/person/{number}/relationship/", _relationship("create"))
    add("POST", f"/person/{number}/relationship/(?P<rid>\\d+)/", _relationship("update"))
    add("DELETE", f"/person/{number}/relationship/(?P<rid>\\d+)/", _relationship("delete"))
    add("POST", f"/person/{number}/relationship/(?P<rid>\\d+)/setPrimary/", _relationship("setPrimary"))
    add("PUT", "/businessCase/createWithItems", _create_with_items)  # no trailing slash ([OAS])
    for entity in ("businessCase", "offer", "salesOrder"):
        add("PUT", f"/{entity}/{number}/item/", _item(entity, "create"))
        add("POST", f"/{entity}/{number}/item/(?P<iid>\\d+)/", _item(entity, "update"))
        add("DELETE", f"/{entity}/{number}/item/(?P<iid>\\d+)/", _item(entity, "delete"))
    add("GET", f"/priceList/{number}/items/", _price_list_items)
    add("PUT", f"/priceList/{number}/item/", _price_list_item_create)
    add("POST", f"/priceList/{number}/itemBulkUpsert/", _bulk_upsert)
    add("POST", f"/priceList/{number}/item/(?P<iid>\\d+)/", _price_list_item("update"))
    add("DELETE", f"/priceList/{number}/item/(?P<iid>\\d+)/", _price_list_item("delete"))
    add("PUT", "/invoice/creditNote", _credit_note)  # no trailing slash ([OAS])
    add("PUT", f"/invoice/{number}/payment/", _payment("create"))
    add("DELETE", f"/invoice/{number}/payment/(?P<pid>\\d+)/", _payment("delete"))
    add("GET", "/customField/config/", _custom_field_config)
    add("PUT", f"/customField/config/{entity_name}/", _custom_field_create)
    return [(verb, re.compile(path), handler) for verb, path, handler in routes]
