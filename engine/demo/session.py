"""One ``rpsync demo`` run: seed the world once, serve it, sync it with the standard mapping, report.

The sync goes through the production path: a connection profile written into
the work folder, clients built from it by ``engine.sync.connect``, and
``engine.sync.runner.run_sync`` — exactly what ``rpsync run`` does. A killed
demo is finished by the next one (the runner reconciles the writes it had
journaled); a demo that finds nothing new says so.

Exit code (``DemoOutcome.exit_code``): 1 when the run failed; 3 when it put
records into quarantine that were not there before; otherwise 0 — so a
second demo on the same folder, which only re-checks the records that are
bad on purpose, ends with 0.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from engine.demo import profile as demo_profile
from engine.demo.world import (
    PACKS_DIR, PROFILE_FILE, REPORT_FILE, REPORT_HTML_FILE, STATE_FILE, DemoWorld, Servers,
)
from engine.report_html import write_html_report
from engine.secrets import redact
from engine.sync.pack_archive import PackArchive
from engine.sync.runner import SyncResult


@dataclass
class DemoOutcome:
    workdir: Path
    seeded_now: bool
    result: SyncResult
    report: dict[str, Any]
    xsd_dir: Path | None
    quarantined_before: set[tuple[str, str, str]] = field(default_factory=set)
    packs: int = 0

    @property
    def new_quarantine(self) -> list[dict]:
        return [q for q in self.report.get("quarantine", [])
                if (q["agenda"], q["side"], str(q["record"])) not in self.quarantined_before]

    @property
    def nothing_new(self) -> bool:
        t = self.report.get("totals", {})
        return (self.report.get("status") != "failed" and not self.new_quarantine
                and not any(t.get(k, 0) for k in ("created", "updated", "linked", "conflicts")))

    @property
    def exit_code(self) -> int:
        if self.report.get("status") == "failed":
            return 1
        return 3 if self.new_quarantine else 0


def quarantined_keys(state_path: Path) -> set[tuple[str, str, str]]:
    if not state_path.exists():
        return set()
    from engine.state import open_state

    state = open_state(state_path)
    try:
        return {(q.agenda, q.side, q.record_id) for q in state.quarantined()}
    finally:
        state.close()


@contextmanager
def served(workdir: Path, *, xsd_dir: Path | None) -> Iterator[tuple[DemoWorld, Servers, Path, bool]]:
    """Seed (once) and serve the world in ``workdir``; writes the profile of this start."""
    world = DemoWorld(workdir)
    seeded_now = world.ensure_seeded()
    with world.serve(xsd_dir=xsd_dir) as servers:
        path = demo_profile.write_profile(
            world.path(PROFILE_FILE), raynet_url=servers.raynet.url, pohoda_url=servers.pohoda.url,
            state=STATE_FILE, packs=PACKS_DIR)
        demo_profile.set_environment()
        yield world, servers, path, seeded_now


def sync(world: DemoWorld, profile_path: Path, *,
         progress: Callable[[str, str], None] | None = None) -> tuple[SyncResult, set]:
    """Run the standard mapping both ways on the served world, as ``rpsync run`` would."""
    from engine.mapping import load_mapping
    from engine.profile import load_profile
    from engine.resources import mappings_dir
    from engine.sync.connect import pohoda_from_profile, raynet_from_profile
    from engine.sync.runner import run_sync

    model = load_mapping(mappings_dir() / "standard.yaml")
    prof = load_profile(profile_path)
    before = quarantined_keys(prof.state_path)
    raynet = raynet_from_profile(prof)
    pohoda = pohoda_from_profile(prof, model)
    try:
        result = run_sync(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda, progress=progress)
    finally:
        raynet.client.close()
        pohoda.close()
    return result, before


def save_report(path: Path, report: dict[str, Any]) -> None:
    text = redact(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run_demo(workdir: str | os.PathLike, *, xsd_dir: Path | None,
             progress: Callable[[str, str], None] | None = None,
             while_serving: Callable[[DemoOutcome, Servers, Path], None] | None = None) -> DemoOutcome:
    """Seed once, serve, sync, write ``report.json`` and ``report.html``; ``while_serving`` runs before the
    simulators stop."""
    with served(Path(workdir), xsd_dir=xsd_dir) as (world, servers, profile_path, seeded_now):
        result, before = sync(world, profile_path, progress=progress)
        report = result.report.to_dict()
        save_report(world.path(REPORT_FILE), report)
        write_html_report(report, world.path(REPORT_HTML_FILE))
        outcome = DemoOutcome(
            workdir=world.dir, seeded_now=seeded_now, result=result, report=report, xsd_dir=xsd_dir,
            quarantined_before=before, packs=len(PackArchive(world.path(PACKS_DIR)).packs()),
        )
        if while_serving is not None:
            while_serving(outcome, servers, profile_path)
    return outcome
