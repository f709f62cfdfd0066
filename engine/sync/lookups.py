"""Raynet's instance-specific lists, resolved by the names consultants write.

Mapping files name things as people see them in Raynet: custom fields by label
(``customFields["Stav zásob"]``), business-case phases and order statuses by
name ("Výhra"), currencies by ISO code, owners by first and last name (R-A3).
Raynet wants ids and generated keys. ``Lookups`` reads each list once and
keeps it in the state database for a day, so a run with nothing to do spends
no request on them; a name it cannot find refreshes the list once before it
is an error naming the names that exist.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from engine.errors import RpsyncError
from engine.raynet.entities import CONFIG_ENTITY, RaynetApi
from engine.state.store import StateStore

#: seconds a cached list stays fresh
TTL = 24 * 3600


class LookupError_(RpsyncError):
    code = "E-LOOKUP"


class Lookups:
    def __init__(self, api: RaynetApi, state: StateStore, *, clock: Callable[[], float] = time.time) -> None:
        self.api = api
        self.state = state
        self.clock = clock
        self._mem: dict[str, Any] = {}
        #: (the currencies table, its Raynet id -> ISO code), for ``currency_iso``
        self._iso_by_id: tuple[dict, dict[int, str]] | None = None

    # ---------------------------------------------------------------- cache
    def _cached(self, name: str, fetch: Callable[[], Any], *, refresh: bool = False) -> Any:
        if not refresh and name in self._mem:
            return self._mem[name]
        key = f"lookup:{name}"
        if not refresh:
            raw = self.state.get_meta(key)
            if raw:
                entry = json.loads(raw)
                if self.clock() - entry.get("at", 0) < TTL:
                    self._mem[name] = entry["data"]
                    return entry["data"]
        data = fetch()
        self.state.set_meta(key, json.dumps({"at": self.clock(), "data": data}, ensure_ascii=False))
        self._mem[name] = data
        return data

    def _resolve(self, name: str, fetch: Callable[[], dict], key: Any, what: str, hint_word: str) -> Any:
        table = self._cached(name, fetch)
        if str(key) in table:
            return table[str(key)]
        table = self._cached(name, fetch, refresh=True)
        if str(key) in table:
            return table[str(key)]
        known = ", ".join(repr(k) for k in sorted(table)) or "none"
        raise LookupError_(f"Raynet has no {what} {key!r}", hint=f"{hint_word}: {known}")

    # ------------------------------------------------------- custom fields
    def _custom_fields(self) -> dict:
        config = self.api.custom_fields.config(refresh=True)
        return {entity: {f.label: f.key for f in fields} for entity, fields in config.items()}

    def custom_field_key(self, entity: str, label: str) -> str:
        config_entity = CONFIG_ENTITY.get(entity, entity)

        def fetch():
            return self._custom_fields().get(config_entity, {})

        return self._resolve(f"custom_fields:{config_entity}", fetch, label,
                             f"custom field labelled on {entity}", f"labels on {entity}")

    def custom_field_labels(self, entity: str) -> dict[str, str]:
        """key -> label of an entity's custom fields."""
        config_entity = CONFIG_ENTITY.get(entity, entity)
        table = self._cached(f"custom_fields:{config_entity}",
                             lambda: self._custom_fields().get(config_entity, {}))
        return {v: k for k, v in table.items()}

    # -------------------------------------------------- phases and statuses
    def phase_id(self, name: str) -> int:
        def fetch():
            return {str(p.get("code01")): int(p["id"]) for p in self.api.business_cases.phases()}

        return int(self._resolve("phases", fetch, name, "business-case phase", "phases"))

    def phase_status(self) -> dict[str, str]:
        """phase id (as text) -> status group (B_ACTIVE, E_WIN, F_LOST, G_STORNO)."""
        return self._cached("phase_status", lambda: {
            str(p["id"]): str(p.get("strValue01")) for p in self.api.business_cases.phases()})

    def sales_order_status_id(self, name: str) -> int:
        def fetch():
            return {str(s.get("code01")): int(s["id"]) for s in self.api.sales_orders.statuses()}

        return int(self._resolve("sales_order_statuses", fetch, name, "order status", "statuses"))

    def offer_status_id(self, name: str) -> int:
        def fetch():
            return {str(s.get("code01")): int(s["id"]) for s in self.api.offers.statuses()}

        return int(self._resolve("offer_statuses", fetch, name, "offer status", "statuses"))

    # ------------------------------------------------------------ currencies
    def currencies(self, *, refresh: bool = False) -> dict[str, int]:
        """ISO code -> Raynet currency id."""
        return self._cached("currencies", lambda: dict(self.api.currencies.by_iso()), refresh=refresh)

    def currency_id(self, iso: str) -> int:
        return int(self._resolve("currencies", lambda: dict(self.api.currencies.by_iso()), iso,
                                 "currency", "currencies (ISO codes)"))

    def currency_iso(self, currency_id: int) -> str | None:
        """The ISO code of a Raynet currency id (documents read back name their currency by id)."""
        def find(table: dict) -> str | None:
            # the table inverted once per table read (a document asks this for every record)
            inverse = self._iso_by_id
            if inverse is None or inverse[0] is not table:
                by_id: dict[int, str] = {}
                for iso, cid in table.items():
                    by_id.setdefault(int(cid), iso)  # the first, as a scan of the table finds
                inverse = self._iso_by_id = (table, by_id)
            return inverse[1].get(int(currency_id))

        found = find(self.currencies())
        if found is None:
            found = find(self.currencies(refresh=True))
        return found

    def has_currency(self, iso: str) -> bool:
        try:
            self.currency_id(iso)
            return True
        except LookupError_:
            return False

    # ---------------------------------------------------------------- owners
    def owner_id(self, first_name: str | None, last_name: str | None) -> int | None:
        """R-A3: the person id of the one user with exactly this first and last name, else None."""
        if not first_name or not last_name:
            return None
        table = self._owners()
        found = table.get(f"{first_name}\x1f{last_name}", [])
        return found[0] if len(found) == 1 else None

    def _owners(self) -> dict[str, list[int]]:
        def fetch():
            table: dict[str, list[int]] = {}
            for o in self.api.user_accounts.owners():
                table.setdefault(f"{o.first_name}\x1f{o.last_name}", []).append(o.person_id)
            return table

        return self._cached("owners", fetch)

    def owner_name(self, person_id: int) -> tuple[str, str] | None:
        table = self._owners()
        for key, ids in table.items():
            if person_id in ids:
                first, _, last = key.partition("\x1f")
                return first, last
        return None
