"""The engine, offline: a step of an agenda with everything it needs except the two systems.

``rpsync test`` runs the very code a sync runs — the agenda's step from
``engine.sync.steps.STEPS`` (its ``passes``, ``check_record``,
``raynet_values``, ``pohoda_values``, ``pohoda_document``) over the compiled
mapping (``engine.sync.compile``) — but without Raynet or POHODA:

- agendas whose step is not merged yet get the generic :class:`~engine.sync.steps.base.Step`
  (filters, checks and the compiled bindings; documents as the bindings build them);
- Raynet's lists (owners, custom fields, phases, statuses, currencies) come
  from the test file's ``raynet_instance``, with defaults taken from the
  mapping (every currency it names exists; every phase and status its tables
  name exists);
- links from earlier runs come from the case's ``links`` (a state database in memory);
- anything that would reach a system raises :class:`OfflineError`, which names
  what the step asked for.
"""

from __future__ import annotations

from typing import Any, Mapping

from engine.errors import RpsyncError
from engine.mapping.agendas import BY_ID
from engine.mapping.model import Mapping as MappingModel, TranslationTable
from engine.raynet.entities import CONFIG_ENTITY
from engine.state import Link, StateStore, open_state
from engine.sync.compile import CompiledAgenda, compile_mapping
from engine.sync.context import SyncContext
from engine.sync.lookups import LookupError_, Lookups
from engine.sync.report import RunReport
from engine.sync.runner import renderer_for
from engine.sync.steps import STEPS
from engine.sync.steps.base import Step

#: the ICO the offline dataPacks are addressed to (never sent anywhere)
OFFLINE_ICO = "12345678"


class OfflineError(RpsyncError):
    """A step wanted something from Raynet or POHODA; tests run offline."""

    code = "E-TEST-OFFLINE"


class _Offline:
    """Stands in for the Raynet API or the POHODA gateway: every use is a clear error."""

    def __init__(self, system: str) -> None:
        self._system = system

    def __getattr__(self, name: str) -> Any:
        raise OfflineError(
            f"the step asked {self._system} for '{name}'; `rpsync test` runs offline and cannot answer",
            hint="test this part against the simulators (`rpsync sandbox`), or give the step what it needs "
                 "in the test case (links:, raynet_instance:)")


def generic_step_class(agenda: str) -> type[Step]:
    """The base step configured for an agenda whose own step is not (yet) part of the engine."""
    spec = BY_ID[agenda]
    return type(f"Generic{''.join(p.title() for p in agenda.split('_'))}Step", (Step,), {
        "agenda": agenda, "raynet_entity": spec.raynet_side.catalog, "pohoda_agenda": agenda,
    })


def step_class(agenda: str) -> type[Step]:
    return STEPS.get(agenda) or generic_step_class(agenda)


class OfflineLookups(Lookups):
    """Raynet's instance lists from a test file instead of the API."""

    def __init__(self, mapping: MappingModel, instance: Mapping[str, Any]) -> None:
        self.api = _Offline("Raynet")
        self.state = None
        self._mem = {}
        owners: dict[str, list[int]] = {}
        self._owner_names: dict[int, tuple[str, str]] = {}
        for o in instance.get("owners") or ():
            owners.setdefault(f"{o['first_name']}\x1f{o['last_name']}", []).append(int(o["id"]))
            self._owner_names.setdefault(int(o["id"]), (o["first_name"], o["last_name"]))
        self._owners_by_name = owners
        self._custom = {CONFIG_ENTITY.get(entity, entity): dict(fields)
                        for entity, fields in (instance.get("custom_fields") or {}).items()}
        self._phases = dict(instance.get("phases") or _names_in(mapping, "phase_table"))
        self._order_statuses = dict(instance.get("order_statuses") or _names_in(mapping, "status_table"))
        self._offer_statuses = dict(instance.get("offer_statuses") or {})
        currencies = instance.get("currencies")
        self._currencies = dict(currencies) if currencies is not None else \
            {iso: i for i, iso in enumerate(mapping.currencies.all(), start=1)}

    def _cached(self, name, fetch, *, refresh=False):
        raise OfflineError(f"the step asked Raynet for its list '{name}', which `rpsync test` does not know",
                           hint="name the lists a test needs under raynet_instance: (owners, custom_fields, "
                                "phases, order_statuses, offer_statuses, currencies)")

    @staticmethod
    def _find(table: Mapping[str, Any], key: Any, what: str, listed: str) -> Any:
        if str(key) in table:
            return table[str(key)]
        known = ", ".join(repr(k) for k in sorted(table)) or "none"
        raise LookupError_(f"Raynet has no {what} {key!r}",
                           hint=f"the test file's raynet_instance.{listed} lists: {known}")

    def custom_field_key(self, entity: str, label: str) -> str:
        config_entity = CONFIG_ENTITY.get(entity, entity)
        return self._find(self._custom.get(config_entity, {}), label, f"custom field labelled on {entity}",
                          f"custom_fields.{entity}")

    def custom_field_labels(self, entity: str) -> dict[str, str]:
        return {key: label for label, key in self._custom.get(CONFIG_ENTITY.get(entity, entity), {}).items()}

    def phase_id(self, name: str) -> int:
        return int(self._find(self._phases, name, "business-case phase", "phases"))

    def phase_status(self) -> dict[str, str]:
        return {}

    def sales_order_status_id(self, name: str) -> int:
        return int(self._find(self._order_statuses, name, "order status", "order_statuses"))

    def offer_status_id(self, name: str) -> int:
        return int(self._find(self._offer_statuses, name, "offer status", "offer_statuses"))

    def currency_id(self, iso: str) -> int:
        return int(self._find(self._currencies, iso, "currency", "currencies"))

    def currencies(self, *, refresh: bool = False) -> dict[str, int]:
        return dict(self._currencies)

    def owner_id(self, first_name: str | None, last_name: str | None) -> int | None:
        found = self._owners_by_name.get(f"{first_name}\x1f{last_name}", [])
        return found[0] if len(found) == 1 else None

    def owner_name(self, person_id: int) -> tuple[str, str] | None:
        return self._owner_names.get(int(person_id))


def _names_in(mapping: MappingModel, table_key: str) -> dict[str, int]:
    """Names the mapping's tables under ``table_key`` translate to, numbered (phases, statuses)."""
    names: list[str] = []
    for agenda in mapping.agendas:
        table = getattr(agenda, table_key, None)
        if isinstance(table, TranslationTable):
            values = list(table.entries.values()) + ([table.default] if table.has_default else [])
            names += [str(v) for v in values if str(v) not in names]
    return {name: i for i, name in enumerate(names, start=1)}


class Harness:
    """One mapping, compiled once; a fresh offline context per test case."""

    def __init__(self, mapping: MappingModel) -> None:
        self.mapping = mapping
        self.agendas: dict[str, CompiledAgenda] = compile_mapping(mapping)
        self.renderer = renderer_for(mapping)

    @staticmethod
    def _state(links: tuple[dict, ...]) -> StateStore:
        state = open_state(":memory:")
        for link in links:
            state.save_link(Link(agenda=link["agenda"], raynet_id=link.get("raynet_id"),
                                 pohoda_id=link.get("pohoda_id"), pohoda_number=link.get("pohoda_number")))
        return state

    def step(self, agenda: str, *, instance: Mapping[str, Any], links: tuple[dict, ...] = ()) -> Step:
        """The agenda's step over an offline context (close ``step.ctx.state`` when done)."""
        ctx = SyncContext(
            mapping=self.mapping, agendas=self.agendas, state=self._state(links), raynet=_Offline("Raynet"),
            pohoda=_Offline("POHODA"), renderer=self.renderer, lookups=OfflineLookups(self.mapping, instance),
            report=RunReport(mapping=str(self.mapping.path), dry_run=True), run_id=0, ico=OFFLINE_ICO,
            dry_run=True,
        )
        return step_class(agenda)(ctx)

