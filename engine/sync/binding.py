"""Which POHODA accounting unit a sync is bound to (R-G1, R-G2).

One sync = one accounting unit, identified by its IČ and — where the profile
names it — the accounting year (a year-end data closing, *datová uzávěrka*,
continues the books in a new unit with the same IČ and the next year). The
binding lives in the state's meta table: ``pohoda_ico``, ``pohoda_year``.
The first run records it; every later run must match it; ``rpsync rebind``
moves it to a new unit. While a rebind is half done (``rebind_pending``), runs
refuse to start, so no write can use a stale id.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import RpsyncError
from engine.state.store import StateStore

ICO, YEAR, PENDING = "pohoda_ico", "pohoda_year", "rebind_pending"
REBIND_HINT = ("after a year-end closing (datová uzávěrka) point the profile at the new unit and run "
               "`rpsync rebind --profile P --mapping M` (R-G2); never point a sync at an unrelated unit")


class BindingError(RpsyncError):
    code = "E-BINDING"


@dataclass(frozen=True)
class Unit:
    ico: str
    year: int | None = None

    def __str__(self) -> str:
        return f"IČ {self.ico}" + (f", year {self.year}" if self.year is not None else "")


def bound_unit(state: StateStore) -> Unit | None:
    ico = state.get_meta(ICO)
    if ico is None:
        return None
    year = state.get_meta(YEAR)
    return Unit(ico, int(year) if year else None)


def record_binding(state: StateStore, unit: Unit) -> None:
    state.set_meta(ICO, unit.ico)
    state.set_meta(YEAR, str(unit.year) if unit.year is not None else None)


def check_binding(state: StateStore, ico: str, year: int | None = None) -> None:
    """Refuse a run against a unit other than the bound one; bind on the first run."""
    pending = state.get_meta(PENDING)
    if pending:
        raise BindingError(
            f"a rebind to the POHODA unit {pending} was interrupted; runs wait until it has finished",
            hint="run `rpsync rebind --profile P --mapping M` again (it goes on where it stopped)",
        )
    bound = bound_unit(state)
    if bound is None:
        record_binding(state, Unit(ico, year))
        return
    if bound.ico != ico:
        raise BindingError(
            f"this sync is bound to the POHODA accounting unit with IČ {bound.ico}, the profile names {ico}",
            hint=REBIND_HINT,
        )
    if year is None:
        return
    if bound.year is None:
        state.set_meta(YEAR, str(year))  # the profile names the year now: remember it
    elif bound.year != year:
        raise BindingError(
            f"this sync is bound to the POHODA accounting unit {bound}, the profile names year {year}",
            hint=REBIND_HINT,
        )
