"""Scale bench: the standard mapping against both simulators seeded by ``bench.scale.generate``.

    .venv/bin/python -m bench.scale.run --scale 0.01 --scale 0.1

For each scale: the POHODA simulator gets the generated accounting unit (the
Raynet instance starts empty, as at a customer's first sync), both simulators
are served on loopback by this process, and the engine runs in a child process
(``bench.scale.engine_run``: production clients, real HTTP), four times — the
initial sync, two runs with nothing changed, and a run after 1 % of the POHODA
records changed (every 100th company's phone, contact person's function, stock
item's name, order's and invoice's text); between the second and the last, one more
run with nothing changed ("settled": the second run re-reads the records the
initial sync itself wrote, whose change times are after its cursors). Each run
after the first comes "5 minutes later": the Raynet simulator's clock moves on
and the POHODA records saved since the data was generated are aged by an hour
(the engine's cursors have 1 and 5 minute overlaps). Per run and agenda it prints the
time, the engine process's peak RSS so far, requests per side split into reads
and writes, the Raynet minimum (one write per record created or updated in
Raynet, ⌈n/1000⌉ list reads of the n Raynet records the agenda reads, at least
one read when it reads Raynet at all) and the ratio. The whole child's peak RSS
is the child's own VmHWM (``/proc/self/status``; the simulators live in this
process, so their memory is not counted — ``ru_maxrss`` of the child would count
it, since Linux carries the forking process's high-water mark over exec). Not a test: figures for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scale.generate import LEVELS, SAVED, World, seed_store
from engine.demo.profile import demo_environment, write_profile
from engine.pohoda.xsd import find_xsd_dir
from engine.resources import mappings_dir
from engine.sandbox.pohoda import PohodaSandbox
from engine.sandbox.raynet import RaynetSandbox

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ("agenda", "s", "peak RSS MB", "R reads", "R writes", "R min", "R/min", "P reads", "P writes",
           "created", "updated", "unchanged", "quarantined")


def mapping_file(folder: Path) -> Path:
    """The standard mapping plus a Raynet price list for each further sales price level."""
    text = f"version: 1\nextends: {mappings_dir() / 'standard.yaml'}\nprice_lists:\n"
    for n, level in enumerate(LEVELS[1:], start=2):
        text += f"  level_{n}:\n    pohoda: {level}\n    raynet: Ceník {level}\n    currency: CZK\n" \
                "    create_missing: true\n"
    path = folder / "scale.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def engine_run(folder: Path, mapping: Path, profile: Path, name: str) -> dict:
    """Run the engine in a child process; its figures (peak RSS included) plus the wall time."""
    out = folder / f"{name}.json"
    log = folder / f"{name}.log"
    env = {**os.environ, **demo_environment(), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "bench.scale.engine_run", str(mapping), str(profile), str(out)],
                                cwd=folder, env=env, stdout=fh, stderr=subprocess.STDOUT)
        proc.wait()
    wall = time.perf_counter() - started
    if not out.exists():
        raise SystemExit(f"the engine run {name} failed (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
    data = json.loads(out.read_text(encoding="utf-8"))
    data.update(wall=wall, child_peak_rss_mb=data["peak_rss_mb"], exit_code=proc.returncode)
    return data


def counts(report: dict, agenda: str) -> dict:
    per = report.get("agendas", {}).get(agenda, {})
    total = {k: sum(d.get(k, 0) for d in per.values()) for k in ("created", "updated", "unchanged", "quarantined")}
    total["raynet_changed"] = sum(per.get("to_raynet", {}).get(k, 0) for k in ("created", "updated"))
    total["raynet_read"] = per.get("to_pohoda", {}).get("read", 0)
    return total


def rows(data: dict) -> list[tuple]:
    out = []
    for agenda, a in data["agendas"].items():
        c = counts(data["report"], agenda)
        minimum = c["raynet_changed"] + (max(1, math.ceil(c["raynet_read"] / 1000)) if a["raynet_read"] else 0)
        spent = a["raynet_read"] + a["raynet_write"]
        ratio = f"{spent / minimum:.3f}" if minimum else ("—" if not spent else "∞")
        out.append((agenda, f"{a['seconds']:.1f}", f"{a['peak_rss_mb']:.0f}", a["raynet_read"], a["raynet_write"],
                    minimum, ratio, a["pohoda_read"], a["pohoda_write"], c["created"], c["updated"], c["unchanged"],
                    c["quarantined"]))
    if out:  # the whole run: writes of one agenda's step may belong to another (business cases of orders)
        col = lambda i: sum(int(r[i]) for r in out)  # noqa: E731
        spent, minimum = col(3) + col(4), col(5)
        out.append(("**total**", f"{sum(a['seconds'] for a in data['agendas'].values()):.1f}",
                    f"{data['peak_rss_mb']:.0f}", col(3), col(4), minimum,
                    f"{spent / minimum:.3f}" if minimum else "—", col(7), col(8), col(9), col(10), col(11), col(12)))
    return out


def table(title: str, data: dict) -> str:
    lines = [f"{title}: {data['wall']:.1f} s wall, engine peak RSS {data['child_peak_rss_mb']:.0f} MB "
             f"(after start-up {data['startup_rss_mb']:.0f} MB), exit {data['exit_code']}",
             "| " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * (len(COLUMNS) - 1)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows(data)]
    return "\n".join(lines)


def request_shapes(rn, since: int) -> str:
    """The Raynet requests of one run by verb and path (ids as {id}), most frequent first."""
    import re
    from collections import Counter

    shapes = Counter(f"{r.method} {re.sub(r'/[0-9]+', '/{id}', r.path)}" for r in rn.store.requests[since:])
    return ", ".join(f"{shape} ×{n}" for shape, n in shapes.most_common())


def change_one_percent(store) -> int:
    """Every 100th record of each POHODA agenda the sync reads gets a changed field (saved now)."""
    changed = 0
    for agenda in ("address_book", "stock", "received_orders", "issued_invoices"):
        for stored in list(store.iter(agenda))[::100]:
            record = stored.record
            if agenda == "address_book":
                header = record["addressbookHeader"]
                if "refAddress" in header:
                    header["function"] = "Ředitel"
                else:
                    header["identity"]["address"]["phone"] = "+420 600 000 000"
            elif agenda == "stock":
                record["stockHeader"]["name"] += " (nový)"
            else:
                header = record["orderHeader" if agenda == "received_orders" else "invoiceHeader"]
                header["text"] = header["text"][:200] + " (upraveno)"
            store.put(agenda, stored.id, record, number=stored.number, code=stored.code, kind=stored.kind)
            changed += 1
    return changed


def bench(scale: float, folder: Path) -> dict:
    world = World(scale)
    shift = [0.0]
    with RaynetSandbox(quota_limit=10 ** 9, clock=lambda: time.time() + shift[0]) as rn, \
            PohodaSandbox(xsd_dir=find_xsd_dir()) as pohoda:

        def minutes_later() -> None:
            """As if the next run came 5 minutes later: Raynet's clock moves on, and what was saved in POHODA
            (the sync's own writes) is aged by an hour (the engine's own clock cannot be moved)."""
            shift[0] += 300
            pohoda.store._db.execute("UPDATE records SET saved_at = datetime(saved_at, '-1 hour') "
                                     "WHERE saved_at > ?", (SAVED.isoformat(sep=" "),))

        started = time.perf_counter()
        seeded = seed_store(pohoda.store, world)
        print(f"\n## scale {scale}: {seeded} (seeded in {time.perf_counter() - started:.1f} s)")
        mapping = mapping_file(folder)
        profile = write_profile(folder / "profile.toml", raynet_url=rn.url, pohoda_url=pohoda.url,
                                state="state.sqlite", packs="packs")
        results = {}
        for n, (name, title) in enumerate((("initial", "initial sync"),
                            ("nochange", "nothing changed (reads back the initial sync's own writes: echo check)"),
                            ("settled", "nothing changed again (settled)"))):
            if n:
                minutes_later()
            seen = len(rn.store.requests)
            results[name] = engine_run(folder, mapping, profile, name)
            print(table(title, results[name]), flush=True)
            print(f"Raynet requests: {request_shapes(rn, seen)}\n")
        minutes_later()
        changed = change_one_percent(pohoda.store)
        seen = len(rn.store.requests)
        results["changed"] = engine_run(folder, mapping, profile, "changed")
        print(table(f"1 % changed ({changed} POHODA records)", results["changed"]), flush=True)
        print(f"Raynet requests: {request_shapes(rn, seen)}\n")
        results["raynet_records"] = {e: rn.store.count(e) for e in ("company", "person", "product", "priceList",
                                                                    "priceListItem", "salesOrder", "invoice")}
        print(f"Raynet after the runs: {results['raynet_records']}")
        return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="repeatable; default 0.01")
    parser.add_argument("--keep", type=Path, help="keep the work folders (state, logs, packs) here")
    args = parser.parse_args(argv)
    summary = []
    for scale in args.scale or [0.01]:
        with tempfile.TemporaryDirectory() as tmp:
            folder = (args.keep / f"scale-{scale}") if args.keep else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            r = bench(scale, folder)
            runs = ("initial", "nochange", "settled", "changed")
            summary.append((scale, *(f"{r[n]['wall']:.1f}" for n in runs),
                            *(f"{r[n]['child_peak_rss_mb']:.0f}" for n in runs)))
    print("\n| scale | initial s | no change s | settled s | 1 % changed s | initial peak RSS MB | no change MB "
          "| settled MB | 1 % changed MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in summary:
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
