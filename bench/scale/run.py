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
one read when it reads Raynet at all) and the ratio, and next to it the *API minimum*: that minimum
corrected by what the Raynet API forces (rules 1–6 below, counted from what the run did to Raynet's data)
and the ratio to it. The whole child's peak RSS
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
COLUMNS = ("agenda", "s", "peak RSS MB", "R reads", "R writes", "R min", "R/min", "API min", "R/API min", "P reads",
           "P writes", "created", "updated", "unchanged", "quarantined")

# ---------------------------------------------------------------- what the Raynet API forces ("API min")
# The minimum (*R min*: one write per record created or updated in Raynet, ⌈n/1000⌉ list reads) is kept
# as defined. *API min* is that minimum corrected by what the Raynet API itself forces (the official OpenAPI,
# /work/shared/raynet-openapi/openapi.json, "[OAS]"; `raynet-spec show PATH VERB`), each rule counted from what
# the run did to the simulator's data (a snapshot of the records before and after the run), not from the
# requests the engine spent:
#  1. A new order or invoice with items costs its create and one edit: the insert DTOs have no items
#     (PUT /salesOrder/ `SalesOrderInsertDto`, PUT /invoice/ `InvoiceInsertDto`: no `items` property), the edit
#     DTOs have them (POST /salesOrder/{id}/ `SalesOrderEditDto.items`, POST /invoice/{id}/ `InvoiceEditDto.items`).
#     (+1 write per new salesOrder / invoice holding items, charged to received_orders / issued_invoices.)
#  2. A business case per new order: `SalesOrderInsertDto` requires `businessCase` — already a record of the
#     issue's minimum (the contracts agenda), no correction.
#  3. New payments of an invoice: PUT /invoice/{invoiceId}/payment/ (`InvoicePaymentInsertDto`: amount, date)
#     answers 200 with no body, and the invoice list has no payments (GET /invoice/ example) — the ids of the
#     new payments come only from the invoice's detail. (+1 read per invoice whose payments grew: payments.)
#     `InvoiceEditDto` has no payments either, so each payment is its own write (the minimum already).
#  4. Price-list items go in bulk: POST /priceList/{id}/itemBulkUpsert/ takes an array (at most 100 —
#     raynet-api-facts.md), per price list. (related_prices writes = Σ over price lists ⌈changed items / 100⌉
#     instead of one per item; not counting the primary price list's items a PUT /product/ made — a product's
#     price is its `primaryPriceListItem`, [OAS] productDetailGet — charged to the stock agenda's create.)
#  5. A client's other addresses are only in its detail (GET /company/ example: `primaryAddress`,
#     `contactAddress`; GET /company/{id}/ adds `addresses[]`), and a client whose addresses were written or
#     who was otherwise updated this run must be read once after the writes, or the next run cannot tell its
#     own writes from someone else's (`_version` is documented only as "verze", the `view=rowInfo` parameter).
#     A client created this run and not updated since needs no read (its `rowInfo.updatedAt` stays null, as in
#     the [OAS] examples of unedited records). (+1 read per client updated during the run: delivery_addresses,
#     the standard mapping syncs company addresses.)
#  6. Codelist ids: `currency` is required by `PriceListInsertDto` and `InvoiceInsertDto` (an id "z číselníku
#     Currency"); the standard mapping sets the order status (R-R2) and the business case phase (R-Z2), ids
#     from SalesOrderStatus / BusinessCasePhase. (+1 read per codelist per run that creates such records.)
SNAPSHOT_TABLES = ("company", "invoice", "salesOrder", "priceList", "priceListItem")


def snapshot(store) -> dict[str, dict[int, tuple]]:
    """Per record of the tables the API-minimum rules look at: (_version, rowInfo.updatedAt, items, payments,
    price list, primary) — enough to tell what a run created or changed."""
    with store.lock:
        return {t: {rid: (row.get("_version"), row.get("rowInfo.updatedAt"), len(row.get("items") or ()),
                          len(row.get("payments") or ()), row.get("priceList"), bool(row.get("primary")))
                    for rid, row in store.tables.get(t, {}).items()} for t in SNAPSHOT_TABLES}


def api_corrections(before: dict, after: dict) -> dict[str, list[int]]:
    """agenda -> [reads, writes] to add to the issue's minimum for what the Raynet API forces (rules 1–6);
    for related_prices [0, the bulk requests the changed items need] (``rows`` puts it in place of the
    issue's one write per item)."""
    out: dict[str, list[int]] = {}

    def add(agenda: str, reads: int = 0, writes: int = 0) -> None:
        total = out.setdefault(agenda, [0, 0])
        total[0] += reads
        total[1] += writes

    new = {t: [rid for rid in after[t] if rid not in before[t]] for t in SNAPSHOT_TABLES}
    add("received_orders", writes=sum(1 for rid in new["salesOrder"] if after["salesOrder"][rid][2]))   # 1
    add("issued_invoices", writes=sum(1 for rid in new["invoice"] if after["invoice"][rid][2]))         # 1
    add("payments", reads=sum(1 for rid, row in after["invoice"].items()                                # 3
                              if row[3] > (before["invoice"].get(rid, (None, None, 0, 0))[3])))
    per_list: dict[int, int] = {}                                                                        # 4
    primary = {rid for rid, row in after["priceList"].items() if row[5]}
    for rid, row in after["priceListItem"].items():
        made_by_product = rid not in before["priceListItem"] and row[0] == 1 and row[4] in primary
        if before["priceListItem"].get(rid, (None,))[0] != row[0] and not made_by_product:
            per_list[row[4]] = per_list.get(row[4], 0) + 1
    add("related_prices", writes=sum(math.ceil(n / 100) for n in per_list.values()))
    add("delivery_addresses", reads=sum(1 for rid, row in after["company"].items()                       # 5
                                        if row[1] and row[1] != before["company"].get(rid, (None, None))[1]))
    if new["priceList"]:                                                                                 # 6
        add("sales_prices", reads=1)
    elif new["invoice"]:
        add("issued_invoices", reads=1)
    if new["salesOrder"]:
        add("received_orders", reads=2)
    return out


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


def ratio(spent: int, minimum: int) -> str:
    return f"{spent / minimum:.3f}" if minimum else ("—" if not spent else "∞")


def rows(data: dict) -> list[tuple]:
    out = []
    corrections = data.get("api_corrections", {})
    for agenda, a in data["agendas"].items():
        c = counts(data["report"], agenda)
        minimum = c["raynet_changed"] + (max(1, math.ceil(c["raynet_read"] / 1000)) if a["raynet_read"] else 0)
        api_minimum = minimum + sum(corrections.get(agenda, (0, 0)))
        if agenda == "related_prices":  # rule 4: bulk requests in place of one write per item
            api_minimum -= c["raynet_changed"]
        spent = a["raynet_read"] + a["raynet_write"]
        out.append((agenda, f"{a['seconds']:.1f}", f"{a['peak_rss_mb']:.0f}", a["raynet_read"], a["raynet_write"],
                    minimum, ratio(spent, minimum), api_minimum, ratio(spent, api_minimum), a["pohoda_read"],
                    a["pohoda_write"], c["created"], c["updated"], c["unchanged"], c["quarantined"]))
    if out:  # the whole run: writes of one agenda's step may belong to another (business cases of orders)
        col = lambda i: sum(int(r[i]) for r in out)  # noqa: E731
        spent = col(3) + col(4)
        out.append(("**total**", f"{sum(a['seconds'] for a in data['agendas'].values()):.1f}",
                    f"{data['peak_rss_mb']:.0f}", col(3), col(4), col(5), ratio(spent, col(5)), col(7),
                    ratio(spent, col(7)), *(col(i) for i in range(9, 15))))
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
            seen, before = len(rn.store.requests), snapshot(rn.store)
            results[name] = engine_run(folder, mapping, profile, name)
            results[name]["api_corrections"] = api_corrections(before, snapshot(rn.store))
            print(table(title, results[name]), flush=True)
            print(f"Raynet requests: {request_shapes(rn, seen)}\n")
        minutes_later()
        changed = change_one_percent(pohoda.store)
        seen, before = len(rn.store.requests), snapshot(rn.store)
        results["changed"] = engine_run(folder, mapping, profile, "changed")
        results["changed"]["api_corrections"] = api_corrections(before, snapshot(rn.store))
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
    summary, requests = [], []
    for scale in args.scale or [0.01]:
        with tempfile.TemporaryDirectory() as tmp:
            folder = (args.keep / f"scale-{scale}") if args.keep else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            r = bench(scale, folder)
            runs = ("initial", "nochange", "settled", "changed")
            summary.append((scale, *(f"{r[n]['wall']:.1f}" for n in runs),
                            *(f"{r[n]['child_peak_rss_mb']:.0f}" for n in runs)))
            for n in runs:
                total = rows(r[n])[-1]
                requests.append((f"{scale} {n}", *total[3:9]))
    print("\n| scale | initial s | no change s | settled s | 1 % changed s | initial peak RSS MB | no change MB "
          "| settled MB | 1 % changed MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in summary:
        print("| " + " | ".join(str(v) for v in row) + " |")
    print("\n| scale, run | R reads | R writes | R min | R / min | API min | R / API min |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in requests:
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
