"""What every sync step works with during one run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from engine.mapping.model import Mapping as MappingModel
from engine.pohoda.render import Renderer
from engine.raynet.entities import RaynetApi
from engine.state.store import StateStore
from engine.sync.compile import CompiledAgenda
from engine.sync.lookups import Lookups
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.report import RunReport


@dataclass
class PlannedChange:
    """One write a dry run would make (``rpsync plan``)."""

    agenda: str
    target: str          # raynet | pohoda
    op: str              # create | update | link
    label: str
    key: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from engine.sync.snapshot import canonical

        return {"agenda": self.agenda, "target": self.target, "op": self.op, "label": self.label,
                "key": self.key, "fields": {k: canonical(v) for k, v in self.fields.items()}}


@dataclass
class SyncContext:
    mapping: MappingModel
    agendas: dict[str, CompiledAgenda]
    state: StateStore
    raynet: RaynetApi
    pohoda: PohodaGateway
    renderer: Renderer
    lookups: Lookups
    report: RunReport
    run_id: int
    ico: str
    dry_run: bool = False
    planned: list[PlannedChange] = field(default_factory=list)
    #: called with (agenda, message) for progress output
    progress: Callable[[str, str], None] = lambda agenda, message: None
    clock: Callable[[], float] = time.time
    #: state of the current run shared between steps (e.g. ids created earlier in a dry run)
    scratch: dict[str, Any] = field(default_factory=dict)
    #: when applying a saved plan: the only write keys this run may make (None: any)
    allowed: set[str] | None = None
    _fake_ids: int = 0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=timezone.utc)

    def fake_id(self) -> int:
        """A placeholder id for a record a dry run would create (negative: never a real id)."""
        self._fake_ids -= 1
        return self._fake_ids

    def raynet_ext_id(self, agenda: str, pohoda_id: Any) -> str:
        """The extId rpsync writes on a Raynet record that mirrors POHODA record ``pohoda_id``."""
        return f"{self.mapping.raynet.ext_id_prefix}:{agenda}:{pohoda_id}"

    def may_write(self, key: str) -> bool:
        """False when applying a saved plan that does not contain this write (it waits for the next run)."""
        if self.allowed is None or key in self.allowed:
            return True
        self.report.notes.append(f"not in the saved plan, left for the next run: {key}")
        return False

    def plan(self, agenda: str, target: str, op: str, label: str, key: str, fields: dict | None = None) -> None:
        self.planned.append(PlannedChange(agenda, target, op, label, key, dict(fields or {})))
