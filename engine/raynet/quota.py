"""The daily request quota: what Raynet says is left, and what this run may spend.

Raynet allows 24 000 requests a day per instance (midnight to midnight UTC)
and reports the state on every response ([OAS] info "Limity API")::

    X-Ratelimit-Limit: 24000
    X-Ratelimit-Remaining: 23999
    X-Ratelimit-Reset: 1508889600      (Unix time of the window's end)

A run gets a ``RequestBudget``: at most ``max_requests`` requests of its own,
and never below ``reserve`` requests left on the instance (for the customer's
people and other integrations). ``acquire()`` before each request raises
``QuotaExhausted`` instead of overdrawing; requests in flight are counted, so
four parallel requests cannot overshoot either. The next run starts with a
fresh budget and resumes from the engine's cursors.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Mapping

from engine.raynet.errors import QuotaExhausted

#: default reserve: 5 % of the instance's daily limit stays for others
DEFAULT_RESERVE: float = 0.05


@dataclass(frozen=True)
class QuotaInfo:
    """The instance quota as the last response reported it."""

    limit: int | None
    remaining: int | None
    reset: datetime | None  # UTC, end of the current window

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "QuotaInfo | None":
        """Parse ``X-Ratelimit-*`` (case-insensitive); ``None`` if absent or garbled."""
        lowered = {k.lower(): v for k, v in headers.items()}
        values: dict[str, int | None] = {}
        for name in ("limit", "remaining", "reset"):
            raw = lowered.get(f"x-ratelimit-{name}")
            try:
                values[name] = int(str(raw).strip()) if raw is not None else None
            except ValueError:
                values[name] = None
        if values["limit"] is None and values["remaining"] is None:
            return None
        reset = values["reset"]
        return cls(
            limit=values["limit"],
            remaining=values["remaining"],
            reset=datetime.fromtimestamp(reset, tz=timezone.utc) if reset is not None else None,
        )


class RequestBudget:
    """What one run may spend. Thread-safe.

    ``max_requests``: this run's own cap (``None`` = no cap of its own).
    ``reserve``: requests that must stay on the instance — an ``int``, or a
    ``float`` below 1 meaning a share of ``X-Ratelimit-Limit``.
    """

    def __init__(
        self,
        max_requests: int | None = None,
        *,
        reserve: int | float = DEFAULT_RESERVE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_requests is not None and max_requests < 0:
            raise ValueError("max_requests must be >= 0")
        if reserve < 0:
            raise ValueError("reserve must be >= 0")
        self.max_requests = max_requests
        self.reserve = reserve
        self._clock = clock
        self._lock = threading.Lock()
        self._spent = 0
        self._in_flight = 0
        self._quota: QuotaInfo | None = None
        self._blocked_until: datetime | None = None  # after a 429 RequestLimitReached

    # ------------------------------------------------------------ reporting
    @property
    def spent(self) -> int:
        """Requests this run has sent (retries and lookups included)."""
        return self._spent

    @property
    def quota(self) -> QuotaInfo | None:
        return self._quota

    @property
    def left_for_run(self) -> int | None:
        """Requests this run may still send as far as it knows (``None`` = unknown/unbounded)."""
        with self._lock:
            candidates = []
            if self.max_requests is not None:
                candidates.append(self.max_requests - self._spent - self._in_flight)
            instance = self._instance_available()
            if instance is not None:
                candidates.append(instance)
            return max(0, min(candidates)) if candidates else None

    def reserve_count(self) -> int:
        if isinstance(self.reserve, float) and self.reserve < 1:
            limit = self._quota.limit if self._quota and self._quota.limit else 0
            return int(limit * self.reserve)
        return int(self.reserve)

    # ------------------------------------------------------------- spending
    def acquire(self) -> None:
        """Account for one request about to be sent, or raise ``QuotaExhausted``."""
        with self._lock:
            now = self._now()
            if self._blocked_until is not None:
                if now < self._blocked_until:
                    raise QuotaExhausted(
                        f"Raynet's request limit for this instance is reached; it resets at {_fmt(self._blocked_until)}.",
                        resume_at=self._blocked_until,
                        reason="instance",
                        hint="run again after the reset time",
                    )
                self._blocked_until = None
            if self.max_requests is not None and self._spent + self._in_flight >= self.max_requests:
                raise QuotaExhausted(
                    f"This run's Raynet request budget ({self.max_requests}) is spent; "
                    "the next run goes on from where this one stopped.",
                    reason="run",
                    hint="raise the run's request budget, or run again",
                )
            available = self._instance_available()
            if available is not None and available <= 0:
                reset = self._quota.reset if self._quota else None
                raise QuotaExhausted(
                    f"Raynet's instance quota is down to its reserve ({self._quota.remaining if self._quota else '?'} "
                    f"left, {self.reserve_count()} kept for others); it resets at {_fmt(reset)}.",
                    resume_at=reset,
                    reason="reserve",
                    hint="run again after the reset time, or lower the reserve",
                )
            self._in_flight += 1

    def release(self, headers: Mapping[str, str] | None, *, sent: bool = True) -> None:
        """The request finished (``headers`` of its response, if any).

        ``sent=False``: it never left this machine (connection refused), so it
        did not count against Raynet's quota and is not charged to the run.
        """
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if sent:
                self._spent += 1
            if headers:
                info = QuotaInfo.from_headers(headers)
                if info is not None:
                    self._quota = info

    def block_until(self, reset: datetime | None) -> None:
        """Raynet answered 429 RequestLimitReached: send nothing more until ``reset``."""
        with self._lock:
            self._blocked_until = reset or datetime.fromtimestamp(self._clock() + 60, tz=timezone.utc)

    # -------------------------------------------------------------- helpers
    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), tz=timezone.utc)

    def _instance_available(self) -> int | None:
        quota = self._quota
        if quota is None or quota.remaining is None:
            return None
        if quota.reset is not None and self._now() >= quota.reset:
            return None  # the window has rolled over since: unknown until the next answer
        return quota.remaining - self._in_flight - self.reserve_count()


def _fmt(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "an unknown time"
