"""The demo's work folder: both simulators' stores, seeded once, and the simulators serving them.

A folder holds one demo world. The first ``rpsync demo`` seeds it from the
generated data (``engine/demo/data``); every later one continues it. Seeding
is atomic: each store is built under a temporary name and renamed into place,
and ``world.json`` is written last — a folder without it was never synced, so
an interrupted seeding simply starts again.

Files (all in the folder):

- ``world.json`` — when and from which data the world was seeded;
- ``pohoda.sqlite`` — the POHODA simulator's accounting unit (SQLite);
- ``raynet.json`` — the Raynet simulator's instance (the simulator keeps its
  data as one JSON file, replaced atomically after every write);
- ``state.sqlite`` — the sync's state (links, cursors, journal, quarantine);
- ``profile.toml`` — the connection profile of the simulators of the last start;
- ``packs/`` — every dataPack sent to POHODA to write, and POHODA's answer;
- ``report.json`` — the report of the last run.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from engine.demo import generate

WORLD_FILE = "world.json"
POHODA_STORE = "pohoda.sqlite"
RAYNET_STORE = "raynet.json"
STATE_FILE = "state.sqlite"
PROFILE_FILE = "profile.toml"
PACKS_DIR = "packs"
REPORT_FILE = "report.json"
#: the same report as one self-contained page (engine.report_html)
REPORT_HTML_FILE = "report.html"
README_FILE = "README.txt"
#: the default work folder (relative to the current directory)
DEFAULT_WORKDIR = Path("rpsync-demo")

_README = """\
rpsync demo world — made by `rpsync demo`; run it again to continue this world.

world.json     when and from which data this world was seeded
pohoda.sqlite  the POHODA simulator's accounting unit (IČ 12345678)
raynet.json    the Raynet simulator's instance
state.sqlite   the sync's state: links, cursors, write journal, quarantine
               (rpsync status --state state.sqlite)
profile.toml   connection profile of the simulators (valid while `rpsync demo --serve` runs)
packs/         every dataPack sent to POHODA to write, and POHODA's answer
report.json    the report of the last run
report.html    the same report as a page for a browser
"""


@dataclass(frozen=True)
class Servers:
    raynet: Any   # engine.sandbox.raynet.RaynetSandbox
    pohoda: Any   # engine.sandbox.pohoda.PohodaSandbox


class DemoWorld:
    def __init__(self, workdir: str | os.PathLike) -> None:
        self.dir = Path(workdir)

    def path(self, name: str) -> Path:
        return self.dir / name

    @property
    def seeded(self) -> bool:
        return self.path(WORLD_FILE).is_file()

    def info(self) -> dict[str, Any]:
        return json.loads(self.path(WORLD_FILE).read_text(encoding="utf-8")) if self.seeded else {}

    def ensure_seeded(self) -> bool:
        """Seed both stores unless the folder holds a world already; True when it seeded now."""
        if self.seeded:
            return False
        self.dir.mkdir(parents=True, exist_ok=True)
        # leftovers of an interrupted seeding (nothing was synced: the marker comes before any run)
        for name in (POHODA_STORE, RAYNET_STORE, STATE_FILE, f"{STATE_FILE}-wal", f"{STATE_FILE}-shm"):
            self.path(name).unlink(missing_ok=True)
        self._seed_pohoda(generate.load("pohoda"))
        self._seed_raynet(generate.load("raynet"))
        manifest = generate.load("manifest")
        info = {"seeded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "seed": manifest["seed"], "counts": manifest["counts"]}
        tmp = self.path(WORLD_FILE + ".tmp")
        tmp.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path(WORLD_FILE))
        self.path(README_FILE).write_text(_README, encoding="utf-8")
        return True

    def _seed_pohoda(self, data: dict) -> None:
        from engine.sandbox.pohoda.seed import apply_seed
        from engine.sandbox.pohoda.store import Store

        tmp = self.path(POHODA_STORE + ".seeding")
        tmp.unlink(missing_ok=True)
        store = Store(tmp)
        try:
            apply_seed(store, data)
        finally:
            store.close()
        os.replace(tmp, self.path(POHODA_STORE))

    def _seed_raynet(self, data: dict) -> None:
        from engine.sandbox.raynet.seed import apply_seed
        from engine.sandbox.raynet.store import RaynetStore

        tmp = self.path(RAYNET_STORE + ".seeding")
        tmp.unlink(missing_ok=True)
        apply_seed(RaynetStore(tmp), data)  # saves the file
        os.replace(tmp, self.path(RAYNET_STORE))

    @contextmanager
    def serve(self, *, xsd_dir: Any = None) -> Iterator[Servers]:
        """Both simulators on free loopback ports, serving this folder's stores."""
        from engine.sandbox.pohoda import PohodaSandbox
        from engine.sandbox.raynet import RaynetSandbox

        if not self.seeded:
            raise RuntimeError(f"{self.dir} holds no demo world yet (ensure_seeded first)")
        with RaynetSandbox(store_path=self.path(RAYNET_STORE)) as raynet, \
                PohodaSandbox(store_path=self.path(POHODA_STORE), xsd_dir=xsd_dir) as pohoda:
            yield Servers(raynet, pohoda)
