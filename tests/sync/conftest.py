"""Both simulators on loopback and an engine wired to them with the production clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.mapping import load_mapping
from engine.raynet.entities import RaynetApi
from engine.resources import mappings_dir
from engine.sandbox.pohoda import PohodaSandbox
from engine.sandbox.raynet import RaynetSandbox
from engine.sync.pohoda_gateway import PohodaGateway
from engine.sync.runner import renderer_for, run_sync


class World:
    """A Raynet sandbox, a POHODA sandbox, a mapping and a state file: run the engine on them."""

    def __init__(self, tmp_path: Path, xsd_dir: Path, mapping_path: Path | None = None,
                 raynet_seed=None, pohoda_seed=None) -> None:
        self.tmp = tmp_path
        self.mapping = load_mapping(mapping_path or mappings_dir() / "standard.yaml")
        self.raynet = RaynetSandbox(seed=raynet_seed).__enter__()
        self.pohoda = PohodaSandbox(seed=pohoda_seed, xsd_dir=xsd_dir).__enter__()
        self.state_path = tmp_path / "state.sqlite"

    def use_mapping(self, path: Path) -> None:
        self.mapping = load_mapping(path)

    def api(self) -> RaynetApi:
        return RaynetApi(self.raynet.client())

    def gateway(self) -> PohodaGateway:
        return PohodaGateway(self.pohoda.transport(), ico="12345678", renderer=renderer_for(self.mapping))

    def run(self, *, dry_run: bool = False, only=None):
        api, gw = self.api(), self.gateway()
        try:
            return run_sync(self.mapping, state_path=self.state_path, raynet=api, pohoda=gw, dry_run=dry_run,
                            only=set(only) if only else None)
        finally:
            api.client.close()
            gw.close()

    def close(self) -> None:
        self.raynet.__exit__(None, None, None)
        self.pohoda.__exit__(None, None, None)


@pytest.fixture()
def world_factory(tmp_path, pohoda_xsd_dir):
    worlds = []

    def make(**kwargs) -> World:
        w = World(tmp_path / f"w{len(worlds)}", pohoda_xsd_dir, **kwargs)
        (tmp_path / f"w{len(worlds)}").mkdir(exist_ok=True)
        worlds.append(w)
        return w

    yield make
    for w in worlds:
        w.close()
