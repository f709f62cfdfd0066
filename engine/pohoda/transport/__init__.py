"""How rpsync talks to POHODA: one small interface, three transports.

``PohodaTransport``: ``submit(pack) -> bytes | None`` sends a dataPack and
returns POHODA's responsePack (``None`` when the answer comes later, as with
files), ``health() -> Health``, ``close()``. Chosen in the connection profile:

- ``mserver`` (``MServerTransport``): POHODA mServer over HTTP, synchronous.
- ``files`` (``FileTransport``): dataPack files into an outbox, responsePacks
  read back from an inbox (R-E1, R-E3).
- ``database`` (``DatabaseReader``): read-only SQL for change detection and fast
  reads (POHODA SQL/E1); it never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Protocol, Sequence, runtime_checkable

from engine.errors import RpsyncError


class TransportError(RpsyncError):
    """POHODA cannot be reached, or refused the request."""

    code = "E-POHODA-TRANSPORT"


class AnswerLost(TransportError):
    """The request was sent and its answer never came (timeout, connection dropped): POHODA may have processed it."""


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str

    def __bool__(self) -> bool:
        return self.ok


@runtime_checkable
class PohodaTransport(Protocol):
    kind: str

    def submit(self, pack: bytes) -> bytes | None: ...

    def health(self) -> Health: ...

    def close(self) -> None: ...


def batches(items: Iterable, size: int) -> Iterator[list]:
    """Split ``items`` into lists of at most ``size`` (the dataPack batch size)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def open_transport(settings: dict) -> PohodaTransport:
    """A transport from connection-profile settings ``{"kind": "mserver"|"files"|"database", …}``."""
    kind = settings.get("kind")
    options = {k: v for k, v in settings.items() if k != "kind"}
    if kind == "mserver":
        from engine.pohoda.transport.mserver import MServerTransport

        return MServerTransport(**options)
    if kind == "files":
        from engine.pohoda.transport.files import FileTransport

        return FileTransport(**options)
    if kind == "database":
        from engine.pohoda.transport.database import DatabaseReader

        return DatabaseReader(**options)
    known: Sequence[str] = ("mserver", "files", "database")
    raise TransportError(f"unknown POHODA transport {kind!r}; use one of: {', '.join(known)}")
