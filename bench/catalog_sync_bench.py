"""Raynet requests and time of the catalog agendas (stock, sales prices, related prices).

    .venv/bin/python bench/catalog_sync_bench.py                 # 1000 stock items, 2 related prices each
    .venv/bin/python bench/catalog_sync_bench.py --items 200 --changed 0.1 --quantities

Both simulators run in-process on loopback; the engine talks to them with the
production clients. Four runs: the first (everything new), one with nothing
changed, one where a share of the stock items changed (name), and one where
only another warehouse's quantities changed (with ``--quantities``). Each line
shows the Raynet and POHODA requests the run spent and the Raynet requests per
changed stock item. Not a test: figures for bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.mapping import load_mapping  # noqa: E402
from engine.pohoda.xsd import find_xsd_dir  # noqa: E402
from engine.raynet.entities import RaynetApi  # noqa: E402
from engine.resources import mappings_dir  # noqa: E402
from engine.sandbox.pohoda import PohodaSandbox  # noqa: E402
from engine.sandbox.raynet import RaynetSandbox  # noqa: E402
from engine.sync.pohoda_gateway import PohodaGateway  # noqa: E402
from engine.sync.runner import renderer_for, run_sync  # noqa: E402

CATALOG = {"stock", "sales_prices", "related_prices"}


def level(level_id: int, code: str) -> dict:
    return {"record": {"id": level_id, "code": code, "name": code, "discountValidity": "pernament",
                       "priceType": "discount", "calculation": "excludedVAT", "rounding": "0,1"}}


def stock(n: int, store: str, count: int) -> dict:
    return {"record": {"stockHeader": {"code": f"P-{n:05d}", "name": f"Položka {n}", "storage": {"ids": store},
                                       "sellingPrice": Decimal(100 + n), "count": Decimal(count), "isSales": True},
                       "stockPriceItem": {"stockPrice": [{"ids": "Prodejní cena", "price": Decimal(99 + n)},
                                                         {"ids": "VO", "price": Decimal(90 + n)}]}}}


def mapping_file(folder: Path, quantities: bool) -> Path:
    text = (f"version: 1\nextends: {mappings_dir() / 'standard.yaml'}\n"
            "price_lists:\n  wholesale:\n    pohoda: VO\n    raynet: Velkoobchodní ceník\n    currency: CZK\n")
    if quantities:
        text += ("agendas:\n  stock:\n    filter:\n      pohoda_select:\n        stores: [HLAVNI]\n"
                 "    store_quantities:\n      brno:\n        store: BRNO\n"
                 "        raynet: 'customFields[\"Stav Brno\"]'\n")
    path = folder / "bench.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--changed", type=float, default=0.1, help="share of stock items changed in run 3")
    parser.add_argument("--quantities", action="store_true", help="one warehouse + Brno quantities (R-S3)")
    args = parser.parse_args()
    xsd = find_xsd_dir()
    seed = {"sales_prices": [level(1, "Prodejní cena"), level(2, "VO")],
            "stock": [stock(n, "HLAVNI", 10) for n in range(args.items)]}
    if args.quantities:
        seed["stock"] += [stock(n, "BRNO", 3) for n in range(args.items)]
    raynet_seed = {"customFields": {"Product": [{"label": "Stav Brno", "dataType": "BIG_DECIMAL"}]}}
    with tempfile.TemporaryDirectory() as tmp, RaynetSandbox(seed=raynet_seed, quota_limit=10 ** 7) as rn, \
            PohodaSandbox(seed=seed, xsd_dir=xsd) as pohoda:
        folder = Path(tmp)
        mapping = load_mapping(mapping_file(folder, args.quantities))
        state = folder / "state.sqlite"

        def run(title: str, changed: int) -> None:
            api = RaynetApi(rn.client())
            gateway = PohodaGateway(pohoda.transport(), ico="12345678", renderer=renderer_for(mapping))
            started = time.perf_counter()
            try:
                result = run_sync(mapping, state_path=state, raynet=api, pohoda=gateway, only=CATALOG)
            finally:
                api.client.close()
                gateway.close()
            seconds = time.perf_counter() - started
            t = result.report.totals()
            spent = result.report.requests
            per = f"{spent['raynet'] / changed:.3f}" if changed else "—"
            print(f"| {title} | {seconds:.1f} | {spent['raynet']} | {spent['pohoda']} | {changed} | {per} | "
                  f"{t.created} | {t.updated} | {t.unchanged} | {t.quarantined} |")

        def age() -> None:  # as if saved long ago: outside the next run's re-read overlap
            from datetime import timedelta

            for s in pohoda.store.all("stock"):
                pohoda.store.put("stock", s.id, s.record, code=s.code, saved_at=s.saved_at - timedelta(hours=1))

        print(f"{args.items} stock items, 2 related prices each, 2 price lists"
              + (", Brno quantities" if args.quantities else ""))
        print("| run | s | Raynet requests | POHODA requests | stock items changed | Raynet req. per changed item "
              "| created | updated | unchanged | quarantined |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        run("first", args.items)
        age()
        run("nothing changed", 0)
        main_items = [s for s in pohoda.store.all("stock") if s.record["stockHeader"]["storage"]["ids"] == "HLAVNI"]
        step = max(1, round(1 / args.changed)) if args.changed else 0
        changed = main_items[::step] if step else []
        for s in changed:
            s.record["stockHeader"]["name"] += " (nový název)"
            pohoda.store.put("stock", s.id, s.record, code=s.code)
        run(f"{len(changed)} renamed", len(changed))
        if args.quantities:
            age()
            brno = [s for s in pohoda.store.all("stock") if s.record["stockHeader"]["storage"]["ids"] == "BRNO"][::step]
            for s in brno:
                s.record["stockHeader"]["count"] = Decimal(1)
                pohoda.store.put("stock", s.id, s.record, code=s.code)
            run(f"{len(brno)} Brno quantities", len(brno))


if __name__ == "__main__":
    main()
