"""Running the engine in a child process against simulators hosted by the test process.

``HostedWorld`` serves a Raynet and a POHODA simulator (seeded with the demo
world's data unless told otherwise) and writes a connection profile for them
(the demo's profile writer: secrets as ``${env:…}`` references);
``rpsync(...)`` runs the CLI in a child process with the referenced variables
set, optionally armed to die at a crash point (``RPSYNC_CRASH_AT``) or killed
with SIGKILL after a delay. ``snapshot(world)`` describes both stores and the
links by content (no ids, no timestamps), so two worlds that went through
different histories compare equal when they hold the same records.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.demo import generate
from engine.demo.profile import demo_environment, write_profile
from engine.resources import mappings_dir
from engine.sandbox.pohoda import PohodaSandbox
from engine.sandbox.raynet import RaynetSandbox
from engine.state import open_state
from engine.sync.paths import get_path

STANDARD = mappings_dir() / "standard.yaml"
CLI = [sys.executable, "-c", "from engine.cli import main; main()"]
ADR = "addressbookHeader.identity.address"


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    crashed_at: str | None

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


class HostedWorld:
    def __init__(self, folder: Path, *, xsd_dir: Path | None, raynet_seed=None, pohoda_seed=None,
                 raynet_delay: float = 0.0) -> None:
        self.dir = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.raynet = RaynetSandbox(seed=raynet_seed if raynet_seed is not None else generate.load("raynet"))
        self.raynet.faults.delay = raynet_delay
        self.pohoda = PohodaSandbox(seed=pohoda_seed if pohoda_seed is not None else generate.load("pohoda"),
                                    xsd_dir=xsd_dir)
        self.raynet.start()
        self.pohoda.start()
        self.state_path = folder / "state.sqlite"
        self.profile = write_profile(folder / "profile.toml", raynet_url=self.raynet.url,
                                     pohoda_url=self.pohoda.url, state="state.sqlite", packs="packs")

    def close(self) -> None:
        self.raynet.stop()
        self.pohoda.close()

    def rpsync(self, *args: str, crash_at: str | None = None, kill_after: float | None = None,
               extra_env: dict[str, str] | None = None, timeout: float = 60) -> Finished:
        env = {**os.environ, **demo_environment(), "COLUMNS": "160", **(extra_env or {})}
        env.pop("RPSYNC_CRASH_AFTER", None)
        env.pop("RPSYNC_CRASH_AT", None)
        log = self.dir / "crash.log"
        log.unlink(missing_ok=True)
        if crash_at:
            env["RPSYNC_CRASH_AT"] = crash_at
            env["RPSYNC_CRASH_LOG"] = str(log)
        proc = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", cwd=self.dir)
        if kill_after is not None:
            # the clock starts when the child reaches Raynet (its start-up time varies from machine to machine)
            seen = len(self.raynet.store.requests)
            wait_until(lambda: len(self.raynet.store.requests) > seen or proc.poll() is not None, timeout)
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.kill()  # SIGKILL, like kill -9
        out, err = proc.communicate(timeout=timeout)
        fired = log.read_text(encoding="utf-8").strip() if log.exists() else None
        return Finished(proc.returncode, out, err, fired)

    def run(self, **kwargs: Any) -> Finished:
        report = self.dir / "report.json"
        report.unlink(missing_ok=True)
        return self.rpsync("run", "--mapping", str(STANDARD), "--profile", str(self.profile), "--quiet",
                           "--report", str(report), **kwargs)

    def run_here(self):
        """The same run in this process (quicker set-up for trials), clients built from the profile."""
        from engine.mapping import load_mapping
        from engine.profile import load_profile
        from engine.sync.connect import pohoda_from_profile, raynet_from_profile
        from engine.sync.runner import run_sync

        model = load_mapping(STANDARD)
        prof = load_profile(self.profile, env={**os.environ, **demo_environment()})
        raynet, pohoda = raynet_from_profile(prof), pohoda_from_profile(prof, model)
        try:
            return run_sync(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda)
        finally:
            raynet.client.close()
            pohoda.close()

    def report(self) -> dict:
        return json.loads((self.dir / "report.json").read_text(encoding="utf-8"))


def _pohoda_key(record: dict) -> tuple:
    return tuple(get_path(record, f"{ADR}.{k}") for k in ("company", "name", "ico", "street", "city", "zip")) + (
        get_path(record, "addressbookHeader.web"), bool(get_path(record, "addressbookHeader.refAddress")))


def _raynet_key(record: dict) -> tuple:
    address = (record.get("addresses") or [{}])[0].get("address") or {}
    return (record.get("name"), record.get("regNumber"), bool(record.get("person")), address.get("street"),
            address.get("city"), address.get("zipCode"), len(record.get("addresses") or []))


def snapshot(world: HostedWorld, state_path: Path | None = None) -> dict[str, Any]:
    """Both stores and the links, by content: Counters expose duplicates and missing records."""
    pohoda = {s.id: s.record for s in world.pohoda.store.all("address_book")}
    raynet = {r["id"]: r for r in world.raynet.store.records("company")}
    links = []
    state = open_state(state_path or world.state_path)
    try:
        for link in state.iter_links("address_book"):
            links.append((raynet[link.raynet_id]["name"] if link.raynet_id in raynet else f"missing {link.raynet_id}",
                          _pohoda_key(pohoda[link.pohoda_id]) if link.pohoda_id in pohoda
                          else f"missing {link.pohoda_id}"))
        pending = [i for i in state.intents() if i.status.value == "pending"]
        quarantine = sorted((q.agenda, q.side, q.record_label, q.rule) for q in state.quarantined())
    finally:
        state.close()
    ext_ids = Counter(ext for r in raynet.values() for ext in r.get("extIds") or [])
    return {
        "pohoda": Counter(_pohoda_key(r) for r in pohoda.values()),
        "raynet": Counter(_raynet_key(r) for r in raynet.values()),
        "links": Counter(links),
        "pohoda_ext_ids": Counter(tuple(sorted(world.pohoda.store.ext_ids_of("address_book", i)))
                                  for i in pohoda),
        "raynet_ext_ids_unique": all(n == 1 for n in ext_ids.values()),
        "pending_intents": len(pending),
        "quarantine": quarantine,
    }


def wait_until(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False
