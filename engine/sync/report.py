"""The run report: per agenda and direction what was read, created, updated,
left unchanged, quarantined, in conflict, and what it cost in requests.

``RunReport.to_dict()`` is the JSON written by ``--report FILE``; the CLI and
the HTML report render from the same data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

COUNTERS = ("read", "created", "updated", "unchanged", "linked", "skipped", "quarantined", "conflicts", "deleted_seen")


@dataclass
class AgendaCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0          # paired with an existing record on first run
    skipped: int = 0         # filtered out by the mapping
    quarantined: int = 0
    conflicts: int = 0
    deleted_seen: int = 0    # deleted on the source side; reported, never propagated (R-G3)


@dataclass
class QuarantineItem:
    agenda: str
    side: str
    record: str
    label: str
    field: str | None
    rule: str | None
    message: str


@dataclass
class ConflictItem:
    agenda: str
    record: str
    binding: str
    winner: str
    raynet_value: Any
    pohoda_value: Any
    lost_value: Any


@dataclass
class RunReport:
    mapping: str = ""
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    finished_at: str | None = None
    status: str = "running"
    message: str = ""
    dry_run: bool = False
    counts: dict[str, dict[str, AgendaCounts]] = field(default_factory=lambda: defaultdict(dict))
    requests: dict[str, int] = field(default_factory=lambda: {"raynet": 0, "pohoda": 0})
    quarantine: list[QuarantineItem] = field(default_factory=list)
    conflicts: list[ConflictItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def agenda(self, agenda: str, direction: str) -> AgendaCounts:
        per = self.counts.setdefault(agenda, {})
        if direction not in per:
            per[direction] = AgendaCounts()
        return per[direction]

    def add_quarantine(self, item: QuarantineItem) -> None:
        self.quarantine.append(item)

    def totals(self) -> AgendaCounts:
        total = AgendaCounts()
        for per in self.counts.values():
            for c in per.values():
                for name in COUNTERS:
                    setattr(total, name, getattr(total, name) + getattr(c, name))
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "message": self.message,
            "dry_run": self.dry_run,
            "agendas": {
                agenda: {direction: asdict(c) for direction, c in per.items()}
                for agenda, per in self.counts.items()
            },
            "totals": asdict(self.totals()),
            "requests": dict(self.requests),
            "quarantine": [asdict(q) for q in self.quarantine],
            "conflicts": [asdict(c) for c in self.conflicts],
            "notes": list(self.notes),
        }
