"""Plain value types stored in the sync state."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Link:
    """One record known on both sides.

    ``raynet_id`` / ``pohoda_id`` are the systems' own ids; ``pohoda_number``
    is the POHODA document number where the agenda has one. ``raynet_ext_id``
    is the extId the engine wrote into Raynet, ``pohoda_ext_id`` the extId
    (``typ:ids``) it wrote into POHODA. ``deleted_on`` names a side on which
    the record was seen deleted (the link is kept, R-G3).
    """

    agenda: str
    raynet_id: int | None
    pohoda_id: int | None
    pohoda_number: str | None = None
    raynet_ext_id: str | None = None
    pohoda_ext_id: str | None = None
    raynet_entity: str | None = None
    deleted_on: str | None = None
    parent_key: str | None = None
    id: int | None = None


class IntentStatus(str, enum.Enum):
    PENDING = "pending"      # journaled, possibly sent, outcome unknown
    DONE = "done"            # the target confirmed the write
    FAILED = "failed"        # the target refused the write (nothing was written)
    ABANDONED = "abandoned"  # reconciliation found nothing on the target: safe to redo


@dataclass(frozen=True)
class Intent:
    """A write the engine is about to send, journaled before it is sent."""

    id: int
    run_id: int
    agenda: str
    target: str            # "raynet" | "pohoda"
    op: str                # "create" | "update" | ...
    key: str               # deterministic: the same record's same intent gets the same key
    source_id: str | None
    ext_id: str | None
    payload_hash: str | None
    status: IntentStatus
    result_id: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class QuarantineEntry:
    agenda: str
    side: str              # the side the record was read from
    record_id: str
    record_label: str
    field: str | None
    rule: str | None
    message: str
    first_seen: datetime
    last_seen: datetime
    times: int = 1


@dataclass
class RunRecord:
    id: int
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"   # running | ok | quarantined | failed | interrupted | budget_spent
    mapping: str | None = None
    summary: dict = field(default_factory=dict)
