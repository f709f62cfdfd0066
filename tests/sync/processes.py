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
from decimal import Decimal
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
        return run_profile(self.profile)

    def report(self) -> dict:
        return json.loads((self.dir / "report.json").read_text(encoding="utf-8"))


def run_profile(profile: Path):
    """What ``rpsync run --mapping standard.yaml --profile PROFILE`` runs, in this process (no CLI start-up)."""
    from engine.mapping import load_mapping
    from engine.profile import load_profile
    from engine.sync.connect import pohoda_from_profile, raynet_from_profile
    from engine.sync.runner import run_sync

    model = load_mapping(STANDARD)
    prof = load_profile(profile, env={**os.environ, **demo_environment()})
    raynet, pohoda = raynet_from_profile(prof), pohoda_from_profile(prof, model)
    try:
        return run_sync(model, state_path=prof.state_path, raynet=raynet, pohoda=pohoda)
    finally:
        raynet.client.close()
        pohoda.close()


def _pohoda_key(record: dict) -> tuple:
    return tuple(get_path(record, f"{ADR}.{k}") for k in ("company", "name", "ico", "street", "city", "zip")) + (
        get_path(record, "addressbookHeader.web"), bool(get_path(record, "addressbookHeader.refAddress")))


def _raynet_key(record: dict) -> tuple:
    address = (record.get("addresses") or [{}])[0].get("address") or {}
    return (record.get("name"), record.get("regNumber"), bool(record.get("person")), address.get("street"),
            address.get("city"), address.get("zipCode"), len(record.get("addresses") or []))


def _ref(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _money(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}" if value is not None else ""


def _pohoda_documents(world: HostedWorld, names: dict[int, Any]) -> dict[str, Counter]:
    """Every POHODA agenda the sync writes, by content: text, partner (by name), items, liquidations."""
    store = world.pohoda.store
    partner = lambda r, header: names.get(get_path(r, f"{header}.partnerIdentity.id"))  # noqa: E731
    books = store.all("address_book")
    return {
        "ships": Counter((names.get(s.id), ship.get("name"), ship.get("street"), ship.get("city"))
                         for s in books for ship in get_path(s.record, "addressbookHeader.identity.shipToAddress") or ()),
        "contracts": Counter((get_path(s.record, "contractDesc.number.numberRequested"),
                              get_path(s.record, "contractDesc.text"), partner(s.record, "contractDesc"))
                             for s in store.all("contracts")),
        "offers": Counter((get_path(s.record, "offerHeader.text"), partner(s.record, "offerHeader"),
                           len(get_path(s.record, "offerDetail.offerItem") or ())) for s in store.all("offers")),
        "received_orders": Counter((get_path(s.record, "orderHeader.text"), partner(s.record, "orderHeader"),
                                    len(get_path(s.record, "orderDetail.orderItem") or ()))
                                   for s in store.all("received_orders")),
        "issued_invoices": Counter((s.kind, get_path(s.record, "invoiceHeader.text"), partner(s.record, "invoiceHeader"),
                                    len(get_path(s.record, "invoiceDetail.invoiceItem") or ()),
                                    len(get_path(s.record, "liquidations.liquidation") or ()))
                                   for s in store.all("issued_invoices")),
    }


def _raynet_records(world: HostedWorld) -> dict[str, Counter]:
    """Every Raynet entity the sync writes, by content (related records by name, not id)."""
    store = world.raynet.store
    by_id = {e: {r["id"]: r for r in store.records(e)} for e in ("company", "product", "priceList", "businessCase")}
    name = lambda entity, ref: (by_id[entity].get(_ref(ref)) or {}).get("name") or \
        (by_id[entity].get(_ref(ref)) or {}).get("code")  # noqa: E731
    return {
        "persons": Counter((r.get("firstName"), r.get("lastName"),
                            tuple(sorted(str(name("company", rel.get("company"))) for rel in r.get("relationships") or ())))
                           for r in store.records("person")),
        "products": Counter((r.get("code"), r.get("name")) for r in store.records("product")),
        "price_lists": Counter((r.get("name"), _ref(r.get("currency"))) for r in store.records("priceList")),
        "price_list_items": Counter((name("priceList", r.get("priceList")), name("product", r.get("product")),
                                     _money(r.get("price"))) for r in store.records("priceListItem")),
        "business_cases": Counter((r.get("name"), name("company", r.get("company")), _ref(r.get("businessCasePhase")),
                                   r.get("validTill")) for r in store.records("businessCase")),
        "sales_orders": Counter((r.get("name"), name("company", r.get("company")),
                                 name("businessCase", r.get("businessCase")), _ref(r.get("salesOrderStatus")),
                                 len(r.get("items") or ())) for r in store.records("salesOrder")),
        "invoices": Counter((r.get("title"), r.get("invoiceType"), name("company", r.get("company")),
                             len(r.get("items") or ()),
                             tuple(sorted((_money(p.get("amount")), p.get("date")) for p in r.get("payments") or ())))
                            for r in store.records("invoice")),
    }


def snapshot(world: HostedWorld, state_path: Path | None = None) -> dict[str, Any]:
    """Both stores (every agenda) and the links, by content: Counters expose duplicates and missing records."""
    pohoda = {s.id: s.record for s in world.pohoda.store.all("address_book")}
    raynet = {r["id"]: r for r in world.raynet.store.records("company")}
    links = []
    state = open_state(state_path or world.state_path)
    try:
        for link in state.iter_links("address_book"):
            links.append((raynet[link.raynet_id]["name"] if link.raynet_id in raynet else f"missing {link.raynet_id}",
                          _pohoda_key(pohoda[link.pohoda_id]) if link.pohoda_id in pohoda
                          else f"missing {link.pohoda_id}"))
        # links of every agenda: how many, how many with both sides (a lost or doubled link shows here)
        link_counts = Counter((l.agenda, l.raynet_id is not None, l.pohoda_id is not None or bool(l.pohoda_number))
                              for l in state.iter_links())
        pending = [i for i in state.intents() if i.status.value == "pending"]
        quarantine = sorted((q.agenda, q.side, q.record_label, q.rule) for q in state.quarantined())
    finally:
        state.close()
    ext_ids = Counter(ext for entity in ("company", "person", "product", "priceList", "businessCase", "salesOrder",
                                         "invoice")
                      for r in world.raynet.store.records(entity) for ext in r.get("extIds") or [])
    names = {i: get_path(r, f"{ADR}.company") or get_path(r, f"{ADR}.name") for i, r in pohoda.items()}
    return {
        "pohoda": Counter(_pohoda_key(r) for r in pohoda.values()),
        "raynet": Counter(_raynet_key(r) for r in raynet.values()),
        "links": Counter(links),
        "link_counts": link_counts,
        "pohoda_ext_ids": Counter(tuple(sorted(world.pohoda.store.ext_ids_of("address_book", i)))
                                  for i in pohoda),
        "pohoda_documents": _pohoda_documents(world, names),
        "raynet_records": _raynet_records(world),
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
