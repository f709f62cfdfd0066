"""Fault injection for the Raynet simulator (tests, and consultants rehearsing bad days).

Two kinds of knobs: *counters* make the next N requests misbehave
deterministically (what tests use), *rates* make a share of all requests
misbehave at random (``rpsync sandbox raynet --error-rate 0.05``).

``exhaust`` spends the instance's quota at that moment, as other integrations of the
same instance do: that request and the following ones get 429 RequestLimitReached
until the quota window resets (``--quota-window``; the UTC day by default).

``drop_after_commit`` is the nasty one: the write is committed to the store,
then the connection is closed without an answer — the client cannot know the
record exists unless it looks it up (by extId).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    #: share of requests answered with ``error_status`` before being processed
    error_rate: float = 0.0
    #: the status of injected server errors (503 = "Service Unavailable", a proxy-like failure)
    error_status: int = 503
    #: seconds every answer is delayed (slow responses)
    delay: float = 0.0
    #: share of requests delayed by ``delay`` (1.0 = all)
    delay_rate: float = 1.0
    #: share of writes whose connection is dropped after the write is committed
    drop_rate: float = 0.0
    #: share of successful answers whose JSON body is cut (malformed)
    malformed_rate: float = 0.0
    #: share of requests at which other clients spend the instance's quota (429 until the window resets)
    exhaust_rate: float = 0.0
    #: random seed (reproducible runs)
    seed: int | None = None

    _fail_next: list[int] = field(default_factory=list, repr=False)
    _drop_next: dict[str, int] = field(default_factory=dict, repr=False)
    _malformed_next: int = field(default=0, repr=False)
    _delay_next: list[float] = field(default_factory=list, repr=False)
    _exhaust_next: int = field(default=0, repr=False)
    _exhaust_wait: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._random.seed(self.seed)

    # ------------------------------------------------------- deterministic
    def fail_next(self, count: int = 1, *, status: int | None = None) -> None:
        """The next ``count`` requests are answered with a server error (not processed)."""
        with self._lock:
            self._fail_next.extend([status or self.error_status] * count)

    def drop_next(self, count: int = 1, *, method: str = "PUT") -> None:
        """The next ``count`` ``method`` writes are committed, then their connection is dropped."""
        with self._lock:
            self._drop_next[method.upper()] = self._drop_next.get(method.upper(), 0) + count

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` requests are answered ``seconds`` late (then processed as usual)."""
        with self._lock:
            self._delay_next.extend([seconds] * count)

    def malformed_next(self, count: int = 1) -> None:
        """The next ``count`` successful answers carry malformed JSON."""
        with self._lock:
            self._malformed_next += count

    def exhaust_next(self, count: int = 1, *, after: int = 0) -> None:
        """At the next ``count`` requests (after ``after`` more) the instance's quota is spent by others."""
        with self._lock:
            self._exhaust_next += count
            self._exhaust_wait = after

    def clear(self) -> None:
        with self._lock:
            self._fail_next.clear()
            self._drop_next.clear()
            self._malformed_next = self._exhaust_next = 0
            self._delay_next.clear()
            self.error_rate = self.drop_rate = self.malformed_rate = self.exhaust_rate = 0.0
            self.delay = 0.0

    # ------------------------------------------------------------ decisions
    def take_failure(self) -> int | None:
        with self._lock:
            if self._fail_next:
                return self._fail_next.pop(0)
            if self.error_rate and self._random.random() < self.error_rate:
                return self.error_status
            return None

    def take_delay(self) -> float:
        with self._lock:
            if self._delay_next:
                return self._delay_next.pop(0)
            if self.delay and self._random.random() < self.delay_rate:
                return self.delay
            return 0.0

    def take_drop(self, method: str) -> bool:
        with self._lock:
            pending = self._drop_next.get(method, 0)
            if pending:
                self._drop_next[method] = pending - 1
                return True
            return bool(self.drop_rate) and method != "GET" and self._random.random() < self.drop_rate

    def take_malformed(self) -> bool:
        with self._lock:
            if self._malformed_next:
                self._malformed_next -= 1
                return True
            return bool(self.malformed_rate) and self._random.random() < self.malformed_rate

    def take_exhaust(self) -> bool:
        with self._lock:
            if self._exhaust_next:
                if self._exhaust_wait:
                    self._exhaust_wait -= 1
                    return False
                self._exhaust_next -= 1
                return True
            return bool(self.exhaust_rate) and self._random.random() < self.exhaust_rate
