"""The Raynet CRM REST API v2 client (httpx).

Every request counts against the instance's daily quota, so the client spends
as few as it can and never more than its ``RequestBudget`` allows.

Facts it follows ([OAS] = Raynet's OpenAPI spec; notes in
``../shared/notes/raynet-api-facts.md``):

* auth: HTTP Basic (login e-mail + API key) with ``X-Instance-Name`` on every
  request, or ``Authorization: Bearer <token>`` (the token carries the
  instance). TLS certificates are verified; plain ``http://`` is refused except
  on loopback (the simulator).
* at most 4 concurrent connections: Raynet answers a 5th with 429.
* ``dateFormat=ISO8601`` on every request, so date-times come back with offsets.
* create = ``PUT /{entity}/`` → 201 ``{"success": true, "data": {"id": N}}``;
  update = ``POST /{entity}/{id}/`` (partial); delete = ``DELETE /{entity}/{id}/``;
  paths exactly as documented (trailing slashes).
* lists: ``offset``/``limit`` (max 1000), ``totalCount``, ``sortColumn`` /
  ``sortDirection``, filters ``column[OP]=value``.
* external ids: ``extId`` in the create body; lookup ``GET /{entity}/ext/{extId}/``.
* envelopes parsed leniently (``success`` as ``true`` or ``"true"``; a detail
  without envelope is the record itself); numbers with a fraction are ``Decimal``.
* retries with exponential backoff and jitter on 5xx (not 500 business errors),
  timeouts and connection errors: always for reads and idempotent writes; a
  create whose answer was lost is retried only after a lookup by its extId
  shows the first attempt did not land. A 401 stops all traffic at once
  (20 bad logins block the IP for 60 minutes).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote, urlsplit

import httpx

from engine import __version__
from engine.errors import ConfigError
from engine.raynet import json_codec
from engine.raynet.errors import (
    QuotaExhausted,
    RaynetAuthError,
    RaynetBadRequest,
    RaynetBusinessError,
    RaynetConnectionError,
    RaynetError,
    RaynetForbidden,
    RaynetNotFound,
    RaynetProtocolError,
    RaynetServerError,
    RaynetUncertainWrite,
    RequestLimitReached,
)
from engine.raynet.quota import DEFAULT_RESERVE, QuotaInfo, RequestBudget
from engine.secrets import Secret

log = logging.getLogger("rpsync.raynet")

#: Raynet's maximum page size ([OAS] info "Stránkování seznamu")
MAX_PAGE = 1000
#: Raynet rejects a 5th concurrent connection with 429 (notes, "Later facts (2026)")
MAX_CONNECTIONS = 4

Filters = Mapping[str, Any] | Sequence[tuple[str, Any]]


@dataclass(frozen=True)
class Page:
    """One page of a list: ``total`` is Raynet's ``totalCount`` for the whole query."""

    total: int
    records: list[dict]
    offset: int


class _Landed(Exception):
    """Internal: the lost create did land; carries its id."""

    def __init__(self, record_id: int) -> None:
        self.record_id = record_id


class _SecretAuth(httpx.Auth):
    """Adds the Authorization header at send time; the secret stays a ``Secret`` until then."""

    def __init__(self, *, login: str | None, api_key: Secret | None, bearer: Secret | None) -> None:
        self._login = login
        self._api_key = api_key
        self._bearer = bearer

    def auth_flow(self, request: httpx.Request):
        if self._bearer is not None:
            request.headers["Authorization"] = f"Bearer {self._bearer.reveal()}"
        else:
            assert self._api_key is not None and self._login is not None
            token = base64.b64encode(f"{self._login}:{self._api_key.reveal()}".encode("utf-8")).decode("ascii")
            request.headers["Authorization"] = f"Basic {token}"
        yield request


class RaynetClient:
    """A Raynet API session for one run.

    ``RaynetClient(base_url, login=…, api_key=Secret(…), instance=…)`` or
    ``RaynetClient(base_url, bearer=Secret(…))``. ``budget``: an ``int`` (this
    run's request cap), a ``RequestBudget``, or ``None`` (no cap of its own;
    the instance ``reserve`` still applies).
    """

    def __init__(
        self,
        base_url: str,
        *,
        login: str | None = None,
        api_key: Secret | None = None,
        instance: str | None = None,
        bearer: Secret | None = None,
        budget: int | RequestBudget | None = None,
        reserve: int | float = DEFAULT_RESERVE,
        timeout: float = 30.0,
        max_connections: int = MAX_CONNECTIONS,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        verify: Any = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_base_url(base_url)
        if bearer is not None:
            if not isinstance(bearer, Secret) or not bearer:
                raise ConfigError("Raynet bearer token must be a non-empty Secret", hint="use bearer=Secret(...)")
        else:
            missing = [n for n, v in (("login", login), ("api_key", api_key), ("instance", instance)) if not v]
            if missing:
                raise ConfigError(
                    f"Raynet connection needs {', '.join(missing)} (or a bearer token)",
                    hint="set login (the user's e-mail), api_key and instance in the connection profile",
                )
            if not isinstance(api_key, Secret):
                raise ConfigError("Raynet api_key must be a Secret", hint="use api_key=Secret(...) / ${env:NAME}")
        if not 1 <= max_connections <= MAX_CONNECTIONS:
            raise ConfigError(
                f"max_connections must be 1..{MAX_CONNECTIONS}: Raynet answers a 5th concurrent connection with 429"
            )
        self.base_url = base_url.rstrip("/")
        self.instance = instance
        self.budget = budget if isinstance(budget, RequestBudget) else RequestBudget(budget, reserve=reserve)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(max_connections)
        #: Raynet's clock (the ``Date`` header, whole seconds) at the first answer after ``mark_time()``
        self.first_answer_at: datetime | None = None
        self._marked = False
        self._auth_error: RaynetAuthError | None = None
        headers = {"Accept": "application/json", "User-Agent": f"rpsync/{__version__}"}
        if instance:
            headers["X-Instance-Name"] = instance
        self._http = httpx.Client(
            auth=_SecretAuth(login=login, api_key=api_key, bearer=bearer),
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            verify=verify,
            transport=transport,
            follow_redirects=False,
        )

    # ------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "RaynetClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ reporting
    @property
    def requests_spent(self) -> int:
        """Requests this client has sent (retries and extId lookups included)."""
        return self.budget.spent

    @property
    def quota(self) -> QuotaInfo | None:
        """The instance quota from the last ``X-Ratelimit-*`` headers seen."""
        return self.budget.quota

    # ---------------------------------------------------------------- paths
    @staticmethod
    def collection_path(entity: str) -> str:
        return f"/{_segment(entity)}/"

    @staticmethod
    def item_path(entity: str, record_id: int) -> str:
        return f"/{_segment(entity)}/{_record_id(record_id)}/"

    @staticmethod
    def ext_path(entity: str, ext_id: str) -> str:
        if not ext_id:
            raise ValueError("an extId cannot be empty")
        return f"/{_segment(entity)}/ext/{quote(str(ext_id), safe=':@.-_~')}/"

    # ----------------------------------------------------------------- reads
    def list_page(
        self,
        entity: str,
        *,
        filters: Filters | None = None,
        sort: tuple[str, str] | None = ("id", "ASC"),
        view: str | None = None,
        offset: int = 0,
        limit: int = MAX_PAGE,
        path: str | None = None,
        fulltext: str | None = None,
    ) -> Page:
        """One page of ``GET /{entity}/`` (or of ``path``, e.g. a price list's items)."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1..{MAX_PAGE} (Raynet's maximum page)")
        params: list[tuple[str, str]] = [("offset", str(offset)), ("limit", str(limit))]
        if sort:
            column, direction = sort
            params += [("sortColumn", column), ("sortDirection", direction.upper())]
        if view:
            params.append(("view", view))
        if fulltext:
            params.append(("fulltext", fulltext))
        params += encode_filters(filters)
        where = path or self.collection_path(entity)
        body = self.request("GET", where, params=params)
        if isinstance(body, dict):
            _check_success(body, "GET", where)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise RaynetProtocolError(
                f"Raynet list answer for {path or entity} has no data list", method="GET", path=where
            )
        for n, record in enumerate(body["data"]):
            # a record rpsync cannot name cannot be linked, shadowed or quarantined: the page is refused whole
            record_id = record.get("id") if isinstance(record, dict) else None
            if isinstance(record_id, bool) or not isinstance(record_id, int):
                shown = json_codec.dumps(record)[:120].decode("utf-8", errors="replace")
                raise RaynetProtocolError(
                    f"Raynet list answer for {path or entity} holds an item that is not a record with a numeric "
                    f"id (item {offset + n + 1}: {shown})", method="GET", path=where,
                )
        try:
            total = int(body.get("totalCount", len(body["data"])))
        except (TypeError, ValueError):
            total = len(body["data"])
        return Page(total=total, records=body["data"], offset=offset)

    def iter_list(
        self,
        entity: str,
        *,
        filters: Filters | None = None,
        sort: tuple[str, str] | None = ("id", "ASC"),
        view: str | None = None,
        page_size: int = MAX_PAGE,
        offset: int = 0,
        path: str | None = None,
        fulltext: str | None = None,
    ) -> Iterator[dict]:
        """Every record of a list, page by page (``page_size`` up to 1000).

        Changed-since reads pass ``filters={"rowInfo.lastModifiedAt[GE]": when}``.
        If the quota stops the run mid-list, the ``QuotaExhausted`` raised has
        ``resume_offset``: the offset to pass to resume exactly there.
        """
        while True:
            try:
                page = self.list_page(
                    entity, filters=filters, sort=sort, view=view, offset=offset, limit=page_size,
                    path=path, fulltext=fulltext,
                )
            except QuotaExhausted as stop:
                stop.resume_offset = offset
                raise
            records, total = page.records, page.total
            page = None
            offset += len(records)
            done = not records or offset >= total or len(records) < page_size
            # each record is let go as it is handed on, and the page is gone before the next one is asked
            # for: one page (not two) in memory at a time
            records.reverse()
            while records:
                yield records.pop()
            if done:
                return

    def get(self, entity: str, record_id: int) -> dict:
        """``GET /{entity}/{id}/`` — the record's detail."""
        return unwrap_record(self.request("GET", self.item_path(entity, record_id)), "GET", self.item_path(entity, record_id))

    def get_by_ext_id(self, entity: str, ext_id: str) -> dict | None:
        """``GET /{entity}/ext/{extId}/`` — the record's detail, or ``None`` if no record has it."""
        path = self.ext_path(entity, ext_id)
        try:
            body = self.request("GET", path)
        except RaynetNotFound:
            return None
        return unwrap_record(body, "GET", path)

    # ---------------------------------------------------------------- writes
    def create(self, entity: str, body: Mapping[str, Any], ext_id: str | None = None) -> int:
        """``PUT /{entity}/`` → the new id.

        With ``ext_id`` the create is idempotent: a lost answer is retried only
        after a lookup by extId shows the first attempt did not land, and if a
        record with that extId exists already, its id is returned.
        """
        payload = dict(body)
        if ext_id is not None:
            payload["extId"] = ext_id
        ext = ext_id or (payload.get("extId") if isinstance(payload.get("extId"), str) else None)
        path = self.collection_path(entity)
        landed = (lambda: self._find_landed(entity, ext)) if ext else None
        try:
            answer = self.request("PUT", path, json=payload, idempotent=False, landed=landed)
        except RaynetBusinessError as error:
            # extIds are unique: "exception.duplicateKey" means a record with this extId
            # exists — an earlier attempt of this write that landed (its answer lost, or
            # racing a retry). The create is idempotent: that record's id is the answer.
            if ext and "duplicateKey" in (error.raynet_message or ""):
                existing = self._find_landed(entity, ext)
                if existing is not None:
                    return existing
            raise
        return created_id(answer, "PUT", path)

    def update(self, entity: str, record_id: int, body: Mapping[str, Any]) -> Any:
        """``POST /{entity}/{id}/`` — a partial update (only the keys sent change).

        An update that adds or deletes items (``items[]`` entries without an id, or with a negative one: [OAS]
        InvoiceEditDto) is not idempotent — sent twice, the items are there twice, or the second delete fails —
        so a lost answer is not retried blindly: it raises
        ``RaynetUncertainWrite`` and the caller looks at the record (the sync: on its next run)."""
        adds = any(isinstance(item, Mapping) and ("id" not in item or int(item["id"]) < 0)
                   for item in body.get("items") or ())
        return self.request("POST", self.item_path(entity, record_id), json=dict(body), idempotent=not adds)

    def delete(self, entity: str, record_id: int) -> None:
        """``DELETE /{entity}/{id}/``."""
        self.request("DELETE", self.item_path(entity, record_id))

    def add_ext_id(self, entity: str, record_id: int, ext_id: str) -> None:
        """``PUT /{entity}/{id}/extId/`` (a record holds up to 10 extIds)."""
        self.request("PUT", f"{self.item_path(entity, record_id)}extId/", json={"extId": ext_id})

    def remove_ext_id(self, entity: str, record_id: int, ext_id: str) -> None:
        """``DELETE /{entity}/{id}/extId/{extId}`` (documented without a trailing slash)."""
        self.request("DELETE", f"{self.item_path(entity, record_id)}extId/{quote(ext_id, safe=':@.-_~')}")

    # --------------------------------------------------------------- engine
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        landed: Callable[[], int | None] | None = None,
    ) -> Any:
        """Send one API call (with retries) and return its parsed JSON body (``None`` if empty).

        ``idempotent`` (default: every verb but PUT) decides whether an
        ambiguous failure (answer lost, 5xx) is retried. For a non-idempotent
        call, ``landed`` — a lookup returning the id if the first attempt did
        land — makes it retryable.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method != "PUT"
        query = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        if not any(k == "dateFormat" for k, _ in query):
            query.append(("dateFormat", "ISO8601"))
        content = json_codec.dumps(json) if json is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        attempt = 0
        while True:
            try:
                return self._attempt(method, path, query, content, headers, idempotent, landed, attempt)
            except _Retry as retry:
                attempt += 1
                if attempt > self.retries:
                    raise retry.error from None
                delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
                delay = random.uniform(delay / 2, delay)  # exponential backoff, jittered
                log.info("Raynet %s %s: %s; retry %d in %.2fs", method, path, retry.error.message, attempt, delay)
                self._sleep(delay)
            except _Landed as done:
                return {"success": True, "data": {"id": done.record_id}}

    def _attempt(self, method, path, query, content, headers, idempotent, landed, attempt: int = 0) -> Any:
        if self._auth_error is not None:
            raise RaynetAuthError(
                self._auth_error.message, status=401, method=method, path=path, hint=self._auth_error.hint
            )
        self.budget.acquire()
        response: httpx.Response | None = None
        raw = b""
        failure: Exception | None = None
        try:
            with self._slots:
                response = self._http.send(self._http.build_request(
                    method, self.base_url + path, params=query, content=content, headers=headers), stream=True)
                try:
                    # the body is read here, not by httpx into ``response.content``: an httpx response is in a
                    # reference cycle (its stream refers back to it), so it is freed only by the cyclic garbage
                    # collector, and every list page's body (~1 MB) stayed in memory until a full collection
                    raw = b"".join(response.iter_bytes())
                finally:
                    response.close()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.TimeoutException,
                httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            failure = exc
        finally:
            # a request that never connected did not reach Raynet's quota
            never_sent = isinstance(failure, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            self.budget.release(response.headers if response is not None else None, sent=not never_sent)
        if failure is not None:
            name = type(failure).__name__
            if isinstance(failure, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
                raise _Retry(RaynetConnectionError(
                    f"cannot connect to Raynet for {method} {path}: {name}", method=method, path=path,
                    hint="check the network and the Raynet base URL",
                ))
            self._ambiguous(
                RaynetConnectionError(f"Raynet did not answer {method} {path}: {name}", method=method, path=path),
                idempotent, landed,
            )
        assert response is not None
        if self._marked and self.first_answer_at is None:
            self.first_answer_at = _server_date(response)
        if response.status_code == 404 and method == "DELETE" and attempt > 0:
            return None  # an earlier attempt whose answer was lost did delete it
        return self._handle(response, raw, method, path, idempotent, landed)

    def _ambiguous(self, error: RaynetError, idempotent: bool, landed: Callable[[], int | None] | None):
        """The request may have been processed: retry only if that is harmless."""
        if idempotent:
            raise _Retry(error)
        if landed is not None:
            record_id = landed()
            if record_id is not None:
                raise _Landed(record_id)
            raise _Retry(error)
        raise RaynetUncertainWrite(
            f"{error.message}; the write may or may not have been applied, so it was not repeated",
            method=error.method, path=error.path, status=error.status,
            hint="check the record in Raynet; writes with an extId are retried safely",
        )

    def mark_time(self) -> None:
        """Start watching for Raynet's clock: ``first_answer_at`` becomes the ``Date`` of the next answer."""
        self.first_answer_at = None
        self._marked = True

    def _handle(self, response: httpx.Response, raw: bytes, method: str, path: str, idempotent: bool,
                landed) -> Any:
        status = response.status_code
        body, parse_error = _parse(raw)
        message, translated, kind = _error_fields(body)
        common = dict(status=status, method=method, path=path, raynet_message=message, translated_message=translated)
        if 200 <= status < 300:
            if parse_error:
                error = RaynetProtocolError(f"Raynet answered {method} {path} with malformed JSON", **common)
                self._ambiguous(error, idempotent, landed)
            return body
        detail = f": {translated or message}" if (translated or message) else ""
        if status == 401:
            self._auth_error = RaynetAuthError(
                f"Raynet refused the login (401) on {method} {path}{detail}; all Raynet traffic of this run stopped",
                hint="check the login e-mail, API key and instance name (or the bearer token); "
                "Raynet blocks the IP for 60 minutes after 20 bad logins",
                **common,
            )
            raise self._auth_error
        if status == 429 or (status == 503 and kind == "RequestLimitReached"):
            quota = QuotaInfo.from_headers(response.headers)
            if kind == "RequestLimitReached" and (quota is None or not quota.remaining):
                self.budget.block_until(quota.reset if quota else None)
                resume = quota.reset if quota else None
                raise RequestLimitReached(
                    f"Raynet's request limit is reached ({status} RequestLimitReached) on {method} {path}"
                    + (f"; it resets at {resume:%Y-%m-%d %H:%M:%S} UTC" if resume else ""),
                    resume_at=resume, reason="instance", hint="run again after the reset time", **common,
                )
            # 429 with quota left: too many concurrent connections — not processed, retry
            raise _Retry(RaynetServerError(f"Raynet answered {status} on {method} {path}{detail}", **common))
        if status == 400:
            raise RaynetBadRequest(f"Raynet rejected {method} {path} (400){detail}", **common)
        if status == 403:
            raise RaynetForbidden(f"Raynet forbids {method} {path} (403){detail}", **common)
        if status == 404:
            raise RaynetNotFound(f"Raynet has no {path} (404){detail}", **common)
        if status == 500 and message:
            raise RaynetBusinessError(
                f"Raynet refused {method} {path}: {translated or message}", **common,
                hint=f"Raynet's message: {message}" if translated else None,
            )
        if status >= 500:
            self._ambiguous(RaynetServerError(f"Raynet answered {status} on {method} {path}{detail}", **common),
                            idempotent, landed)
        raise RaynetError(f"Raynet answered {status} on {method} {path}{detail}", **common)

    def _find_landed(self, entity: str, ext_id: str) -> int | None:
        record = self.get_by_ext_id(entity, ext_id)
        if record is None:
            return None
        record_id = record.get("id")
        return int(record_id) if record_id is not None else None


class _Retry(Exception):
    def __init__(self, error: RaynetError) -> None:
        self.error = error


# ------------------------------------------------------------------ helpers


def encode_filters(filters: Filters | None) -> list[tuple[str, str]]:
    """``{"name[LIKE]": "A%", "category[IN]": [1, 2]}`` → query pairs (values as Raynet reads them)."""
    if not filters:
        return []
    items = filters.items() if isinstance(filters, Mapping) else filters
    return [(str(key), _filter_value(value)) for key, value in items]


def _filter_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a date-time filter needs a time zone (Raynet reads naive times in the user's zone)")
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_filter_value(v) for v in value)
    return str(value)


def unwrap_record(body: Any, method: str, path: str) -> dict:
    """The record of a detail answer: ``{"success", "data": {...}}`` or (lenient) the bare record."""
    if isinstance(body, dict):
        _check_success(body, method, path)
        data = body.get("data") if "data" in body else body
        if isinstance(data, dict):
            return data
    raise RaynetProtocolError(f"Raynet answered {method} {path} without a record", method=method, path=path)


def created_id(body: Any, method: str, path: str) -> int:
    """The id in a create answer: ``data.id`` (``Insert201Response``) or ``data`` itself (``PUT /currency/``)."""
    if isinstance(body, dict):
        _check_success(body, method, path)
        data = body.get("data")
        if isinstance(data, dict) and data.get("id") is not None:
            return int(data["id"])
        if isinstance(data, (int, str)) and str(data).isdigit():
            return int(data)
    raise RaynetProtocolError(f"Raynet answered {method} {path} without the new record's id", method=method, path=path)


def is_success(value: Any) -> bool:
    """``success`` is documented both as ``true`` and as ``"true"``."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _check_success(body: dict, method: str, path: str) -> None:
    if "success" in body and not is_success(body["success"]):
        message, translated, _ = _error_fields(body)
        raise RaynetError(
            f"Raynet reported failure for {method} {path}: {translated or message or body.get('success')}",
            method=method, path=path, raynet_message=message, translated_message=translated,
        )


def _parse(raw: bytes) -> tuple[Any, bool]:
    if not raw.strip():
        return None, False
    try:
        return json_codec.loads(raw), False
    except ValueError:
        return None, True


def _error_fields(body: Any) -> tuple[str | None, str | None, str | None]:
    if not isinstance(body, dict):
        return None, None, None
    def text(key: str) -> str | None:
        value = body.get(key)
        return str(value) if value not in (None, "") else None
    return text("message"), text("translatedMessage"), text("type")


def _segment(entity: str) -> str:
    if not entity or "/" in entity or entity.startswith("."):
        raise ValueError(f"not a Raynet entity name: {entity!r}")
    return entity


def _record_id(record_id: Any) -> int:
    if isinstance(record_id, bool) or not isinstance(record_id, int):
        try:
            return int(str(record_id))
        except ValueError:
            raise ValueError(f"not a Raynet record id: {record_id!r}") from None
    return record_id


def _check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return
        raise ConfigError(
            f"refusing plain http to {host}: Raynet requires TLS",
            hint="use https://app.raynet.cz/api/v2/ (plain http only for the local simulator)",
        )
    raise ConfigError(f"not a Raynet API base URL: {base_url!r}", hint="e.g. https://app.raynet.cz/api/v2/")


def _server_date(response: httpx.Response) -> datetime | None:
    """The answer's ``Date`` header (RFC 9110: when the server made it) as an aware UTC datetime, or None."""
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError, IndexError):
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
