"""Typed errors of the Raynet API client.

Every error carries the HTTP status (when there was a response), Raynet's own
``message`` / ``translatedMessage`` and the request as ``METHOD /path/`` —
never the credentials (they travel in headers, and every text goes through
``engine.secrets.redact`` as a last line of defence).

Raynet documents these answers ([OAS] = its OpenAPI spec, see
``../shared/notes/raynet-api-facts.md``): 400 ``{"message": "Unsupported
filter column ..."}``; 429 ``{"type": "RequestLimitReached", ...}`` (503 in the
2021 docs); 500 for business errors ``{"message": "<Exception>[: key]",
"translatedMessage": "<text>"}``. 401/403/404 bodies are not documented.
"""

from __future__ import annotations

from datetime import datetime

from engine.errors import RpsyncError
from engine.secrets import redact


class RaynetError(RpsyncError):
    """Base class of every Raynet API error."""

    code = "E-RAYNET"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        raynet_message: str | None = None,
        translated_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.raynet_message = raynet_message
        self.translated_message = translated_message
        super().__init__(redact(message), hint=redact(hint) if hint else None)

    @property
    def request(self) -> str | None:
        """``"PUT /company/"`` — the request that failed (no host, no credentials)."""
        if self.method and self.path:
            return f"{self.method} {self.path}"
        return None


class RaynetBadRequest(RaynetError):
    """400: the request itself is wrong (e.g. ``Unsupported filter column``)."""

    code = "E-RAYNET-400"


class RaynetAuthError(RaynetError):
    """401: Raynet refused the login. The client stops all traffic at once."""

    code = "E-RAYNET-401"


class RaynetForbidden(RaynetError):
    """403: the API user may not do this."""

    code = "E-RAYNET-403"


class RaynetNotFound(RaynetError):
    """404: no such record (or endpoint)."""

    code = "E-RAYNET-404"


class RaynetBusinessError(RaynetError):
    """500 with Raynet's business message (``translatedMessage``): not retried."""

    code = "E-RAYNET-500"


class RaynetServerError(RaynetError):
    """Another 5xx that persisted through the retries."""

    code = "E-RAYNET-5XX"


class RaynetConnectionError(RaynetError):
    """Timeouts / connection failures that persisted through the retries."""

    code = "E-RAYNET-CONN"


class RaynetProtocolError(RaynetError):
    """Raynet answered something that is not the documented JSON."""

    code = "E-RAYNET-PROTO"


class RaynetUncertainWrite(RaynetError):
    """A write without an extId lost its answer: it may or may not have landed.

    Not retried, so nothing is written twice; the caller reconciles.
    """

    code = "E-RAYNET-UNCERTAIN"


class QuotaExhausted(RaynetError):
    """The run must stop now: its request budget or the instance quota is spent.

    ``resume_at`` says when the instance quota resets (UTC, from
    ``X-Ratelimit-Reset``) when that is what stops the run; ``None`` when only
    this run's own budget is spent (the next run may go on at once).
    ``resume_offset`` is set when the stop happened inside
    ``RaynetClient.iter_list`` (records before it were yielded).
    """

    code = "E-RAYNET-QUOTA"

    def __init__(self, message: str, *, resume_at: datetime | None = None, reason: str = "", **kwargs) -> None:
        self.resume_at = resume_at
        self.reason = reason
        self.resume_offset: int | None = None
        super().__init__(message, **kwargs)


class RequestLimitReached(QuotaExhausted):
    """429 ``RequestLimitReached`` from Raynet itself (the instance quota is spent)."""

    code = "E-RAYNET-429"
