"""The state store interface.

The runner talks only to this interface, so a server database can replace
SQLite later. Every method that changes state is durable when it returns;
``transaction()`` groups several changes into one atomic step (used to finish
a write: intent outcome + link + fingerprint together).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Any, Iterable, Iterator

from engine.errors import RpsyncError
from engine.state.model import Intent, IntentStatus, Link, QuarantineEntry, RunRecord


class StateError(RpsyncError):
    """The state database cannot be used (locked, read-only, corrupt, wrong unit)."""

    code = "E-STATE"


class StateStore(ABC):
    # --- grouping -----------------------------------------------------------
    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All changes inside the block commit together or not at all."""

    @abstractmethod
    def close(self) -> None: ...

    # --- metadata (binding to the POHODA accounting unit, schema version) ----
    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str | None) -> None: ...

    # --- links ---------------------------------------------------------------
    @abstractmethod
    def find_link(
        self,
        agenda: str,
        *,
        raynet_id: int | None = None,
        pohoda_id: int | None = None,
        pohoda_number: str | None = None,
        raynet_ext_id: str | None = None,
        pohoda_ext_id: str | None = None,
    ) -> Link | None: ...

    @abstractmethod
    def save_link(self, link: Link) -> Link:
        """Insert or update (by ``link.id``, else by either side's id); returns the stored link."""

    @abstractmethod
    def delete_link(self, link_id: int) -> None:
        """Forget a link (used only when an operator re-links, R-R4; never for deletions, R-G3)."""

    @abstractmethod
    def iter_links(self, agenda: str | None = None) -> Iterator[Link]: ...

    def prefetch_links(self, agenda: str, raynet_ids: Iterable[Any]) -> None:
        """Hint: ``find_link(agenda, raynet_id=…)`` is about to be asked for these ids (a page of records);
        a store may look them up at once. The answers must stay those ``find_link`` would give."""

    def prefetch_children(self, agenda: str, parent_keys: Iterable[Any]) -> None:
        """Hint: ``links_with_parent(agenda, key)`` is about to be asked for these keys (see ``prefetch_links``)."""

    def clear_prefetched(self) -> None:
        """Forget what ``prefetch_links`` and ``prefetch_children`` looked up."""

    def links_with_parent(self, agenda: str, parent_key: str) -> Iterator[Link]:
        """The links of ``agenda`` whose ``parent_key`` is ``parent_key``, in id order."""
        return (link for link in self.iter_links(agenda) if link.parent_key == parent_key)

    @abstractmethod
    def count_links(self) -> dict[str, int]: ...

    # --- shadows (what each side held when the pair was last in sync) --------
    @abstractmethod
    def get_shadow(self, agenda: str, side: str, record_id: str) -> dict | None:
        """The shadow of a record (see engine.sync.merge), or None if never synced."""

    @abstractmethod
    def get_fingerprint(self, agenda: str, side: str, record_id: str) -> str | None:
        """A short hash of the stored shadow (cheap unchanged-check)."""

    @abstractmethod
    def set_shadow(self, agenda: str, side: str, record_id: str, shadow: dict) -> None: ...

    @abstractmethod
    def delete_shadow(self, agenda: str, side: str, record_id: str) -> None:
        """Forget a shadow (``rpsync rebind``: its record id belongs to another accounting unit)."""

    def delete_shadows(self, agenda: str, side: str) -> None:
        """Forget every shadow of ``agenda`` on ``side`` (``rpsync rebind``: rows keyed by the old unit's ids)."""
        for record_id, _ in list(self.iter_shadows(agenda, side)):
            self.delete_shadow(agenda, side, record_id)

    @abstractmethod
    def iter_shadows(self, agenda: str, side: str) -> Iterator[tuple[str, dict]]:
        """(record id, shadow) of every shadow of ``agenda`` on ``side``, by record id (as text), a page at a
        time; shadows set or deleted meanwhile may or may not be seen."""

    # --- cursors -------------------------------------------------------------
    @abstractmethod
    def get_cursor(self, agenda: str, direction: str) -> str | None: ...

    @abstractmethod
    def set_cursor(self, agenda: str, direction: str, value: str | None) -> None: ...

    # --- write journal (idempotency) -----------------------------------------
    @abstractmethod
    def begin_intent(
        self,
        run_id: int,
        agenda: str,
        target: str,
        op: str,
        key: str,
        *,
        source_id: str | None = None,
        ext_id: str | None = None,
        payload_hash: str | None = None,
    ) -> Intent:
        """Journal a write before it is sent; durable when this returns."""

    @abstractmethod
    def finish_intent(
        self, intent_id: int, status: IntentStatus, *, result_id: str | None = None, message: str | None = None
    ) -> None: ...

    @abstractmethod
    def pending_intents(self) -> list[Intent]:
        """Writes whose outcome is unknown (the process died after journaling them)."""

    @abstractmethod
    def intents(self, run_id: int | None = None) -> list[Intent]: ...

    def intent_results(self, run_id: int, *, agenda: str, target: str, status: IntentStatus,
                       op: str | None = None) -> Iterator[str]:
        """The result ids of a run's intents of ``agenda`` to ``target`` that ended in ``status`` (and are of
        ``op``, when given: "create", "update" …) — streamed: a large first run journals one intent per record,
        and a step that only needs their ids must not hold them all as objects."""
        for intent in self.intents(run_id):
            if intent.agenda == agenda and intent.target == target and intent.status == status and intent.result_id \
                    and (op is None or intent.op == op):
                yield intent.result_id

    # --- quarantine ----------------------------------------------------------
    @abstractmethod
    def quarantine(
        self,
        agenda: str,
        side: str,
        record_id: str,
        message: str,
        *,
        record_label: str = "",
        field: str | None = None,
        rule: str | None = None,
    ) -> None: ...

    @abstractmethod
    def release(self, agenda: str, side: str, record_id: str) -> bool:
        """The record went through: take it out of quarantine. True if it was there."""

    @abstractmethod
    def quarantined(self, agenda: str | None = None) -> list[QuarantineEntry]: ...

    # --- runs ----------------------------------------------------------------
    @abstractmethod
    def start_run(self, mapping: str | None = None) -> RunRecord: ...

    @abstractmethod
    def finish_run(self, run_id: int, status: str, summary: dict) -> None: ...

    @abstractmethod
    def runs(self, limit: int = 20) -> list[RunRecord]: ...

    # --- housekeeping --------------------------------------------------------
    @abstractmethod
    def check_integrity(self) -> list[str]:
        """Problems found by the database's own integrity check (empty = consistent)."""

    def links_by_agenda(self, agendas: Iterable[str]) -> dict[str, list[Link]]:
        return {a: list(self.iter_links(a)) for a in agendas}
