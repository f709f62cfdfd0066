"""Two-way field merge for one linked pair of records.

The state keeps, per link and side, a *shadow*: the values of the fields that
matter on that side (the fields the mapping's expressions read and the fields
its bindings write) as they were when the pair was last in sync. Everything
else follows from evaluating the bindings:

- Raynet changed binding *n*   ⇔ ``to_pohoda_n(raynet_now) ≠ to_pohoda_n(raynet_shadow)``
- POHODA changed binding *n*   ⇔ ``to_raynet_n(pohoda_now) ≠ to_raynet_n(pohoda_shadow)``

A change is written to the other side only when the other side does not hold
that value already. A binding changed on both sides to different values is a
conflict, settled by the agenda's policy (``pohoda_wins``, ``raynet_wins``,
``newest_wins`` or ``quarantine``); the losing value is reported.

No echo: after a write, the shadow of the written side is the record patched
with what was written, so reading that record back next run finds no change.
A side not read this run (it did not change since the cursor) is represented
by its shadow, so no request is spent to fetch it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from engine.sync.paths import get_path, parse_path, set_path
from engine.sync.snapshot import same

POLICIES = ("pohoda_wins", "raynet_wins", "newest_wins", "quarantine")

Transform = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Binding:
    """A compiled field binding.

    ``to_pohoda`` evaluates over a Raynet record and gives the value for
    ``pohoda_path``; ``to_raynet`` evaluates over a POHODA record and gives the
    value for ``raynet_path``. Either may be ``None`` (one direction only).
    ``reads_raynet`` / ``reads_pohoda`` are the field paths the transforms read.
    """

    name: str
    raynet_path: str | None
    pohoda_path: str | None
    to_pohoda: Transform | None = None
    to_raynet: Transform | None = None
    reads_raynet: frozenset[str] = frozenset()
    reads_pohoda: frozenset[str] = frozenset()
    where: str = ""        # mapping file position, for messages

    @property
    def both_ways(self) -> bool:
        return self.to_pohoda is not None and self.to_raynet is not None


@dataclass(frozen=True)
class Conflict:
    binding: str
    raynet_value: Any
    pohoda_value: Any
    winner: str            # "raynet" | "pohoda" | "none" (quarantine)
    lost_value: Any


@dataclass
class Decision:
    to_pohoda: dict[str, Any] = field(default_factory=dict)   # pohoda path -> value to write
    to_raynet: dict[str, Any] = field(default_factory=dict)   # raynet path -> value to write
    conflicts: list[Conflict] = field(default_factory=list)
    quarantine: bool = False

    @property
    def empty(self) -> bool:
        return not self.to_pohoda and not self.to_raynet


def shadow_paths(bindings: Iterable[Binding], side: str) -> frozenset[str]:
    """Every field path whose value the shadow of ``side`` must keep."""
    paths: set[str] = set()
    for b in bindings:
        if side == "raynet":
            paths |= set(b.reads_raynet)
            if b.raynet_path:
                paths.add(b.raynet_path)
        else:
            paths |= set(b.reads_pohoda)
            if b.pohoda_path:
                paths.add(b.pohoda_path)
    return frozenset(paths)


def make_shadow(record: Mapping[str, Any] | None, paths: Iterable[str]) -> dict[str, Any]:
    """A nested record holding only ``paths`` of ``record`` (so expressions evaluate on it alike)."""
    out: dict[str, Any] = {}
    if not record:
        return out
    for path in sorted(paths, key=lambda p: len(parse_path(p))):
        segments = parse_path(path)
        # keep the value at the first list boundary whole (item lists are read by list functions)
        cut = next((i for i, s in enumerate(segments) if isinstance(s, int)), None)
        head = segments if cut is None else segments[:cut]
        if not head:
            continue
        value = get_path(record, head)
        if value is not None and get_path(out, head) is None:
            set_path(out, head, value)
    return out


def patched(record: Mapping[str, Any] | None, writes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep-enough copy of ``record`` with ``writes`` (path -> value) applied."""
    import copy

    out = copy.deepcopy(dict(record or {}))
    for path, value in writes.items():
        set_path(out, path, value)
    return out


def _eval(fn: Transform | None, record: Mapping[str, Any] | None) -> Any:
    return None if fn is None or record is None else fn(record)


def decide(
    bindings: Iterable[Binding],
    *,
    raynet_now: Mapping[str, Any] | None,
    pohoda_now: Mapping[str, Any] | None,
    raynet_shadow: Mapping[str, Any] | None,
    pohoda_shadow: Mapping[str, Any] | None,
    policy: str = "pohoda_wins",
    newer: str | None = None,
) -> Decision:
    """Which values to write to each side for one linked pair.

    ``raynet_now`` / ``pohoda_now`` are the records read this run, or ``None``
    when that side did not change (its shadow stands in). Shadows are ``None``
    for a pair never synced before (first run: every bound value is a change).
    ``newer`` names the side changed last, for ``newest_wins``.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown conflict policy {policy!r}")
    decision = Decision()
    r_cur = raynet_now if raynet_now is not None else raynet_shadow
    p_cur = pohoda_now if pohoda_now is not None else pohoda_shadow

    for b in bindings:
        want_p = _eval(b.to_pohoda, r_cur) if b.to_pohoda else None
        want_r = _eval(b.to_raynet, p_cur) if b.to_raynet else None
        r_changed = b.to_pohoda is not None and raynet_now is not None and (
            raynet_shadow is None or not same(want_p, _eval(b.to_pohoda, raynet_shadow)))
        p_changed = b.to_raynet is not None and pohoda_now is not None and (
            pohoda_shadow is None or not same(want_r, _eval(b.to_raynet, pohoda_shadow)))

        have_p = get_path(p_cur, b.pohoda_path) if (b.pohoda_path and p_cur is not None) else None
        have_r = get_path(r_cur, b.raynet_path) if (b.raynet_path and r_cur is not None) else None
        need_p = r_changed and b.pohoda_path is not None and not same(want_p, have_p)
        need_r = p_changed and b.raynet_path is not None and not same(want_r, have_r)

        if need_p and need_r:
            # both sides hold different new values (on a first pairing: different values at all)
            winner = _winner(policy, newer)
            if winner == "none":
                decision.quarantine = True
                decision.conflicts.append(Conflict(b.name, want_p, want_r, "none", None))
                continue
            if winner == "pohoda":
                decision.conflicts.append(Conflict(b.name, have_r, have_p, "pohoda", have_r))
                need_p = False
            else:
                decision.conflicts.append(Conflict(b.name, have_r, have_p, "raynet", have_p))
                need_r = False
        if need_p:
            decision.to_pohoda[b.pohoda_path] = want_p
        if need_r:
            decision.to_raynet[b.raynet_path] = want_r
    if decision.quarantine:
        decision.to_pohoda.clear()
        decision.to_raynet.clear()
    return decision


def _winner(policy: str, newer: str | None) -> str:
    if policy == "pohoda_wins":
        return "pohoda"
    if policy == "raynet_wins":
        return "raynet"
    if policy == "newest_wins":
        return newer if newer in ("pohoda", "raynet") else "pohoda"
    return "none"
