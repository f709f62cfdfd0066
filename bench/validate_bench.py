"""Benchmark: validate the standard mapping plus 50 generated customer overlays.

Goal (issue 3): under 2 s in total. Run from the repository root:

    .venv/bin/python bench/validate_bench.py [--overlays 50] [--repeat 3]

Prints the time of the first, cold validation run in a fresh process (imports,
catalogs, every expression checked once), the warm in-process time, and the
end-to-end time of ``rpsync validate`` on the folder (a new process each run).
The overlays are realistic variations of the shipped examples: agendas
switched off, filters, warehouse and number-series selections, extra custom
field bindings, EUR price lists, mechanisms, changed tables.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HEADER = "# yaml-language-server: $schema=mapping.schema.json\n"

OPTIONAL = ["offers", "received_orders", "issued_invoices", "payments", "related_prices"]
STORES = ["HLAVNI", "BRNO", "OSTRAVA", "PLZEN", "ZLIN"]


def overlay(i: int, rnd: random.Random) -> str:
    lines = ["version: 1", "extends: standard", f"description: customer {i:02d}"]
    if rnd.random() < 0.4:
        lines += ["currencies:", "  foreign: [EUR]", "price_lists:", "  eur:", "    pohoda: Prodejní cena EUR",
                  "    raynet: Ceník EUR", "    currency: EUR"]
    if rnd.random() < 0.3:
        lines += ["settings:", f"  www_max_length: {rnd.choice([32, 48, 64])}"]
    if rnd.random() < 0.5:
        lines += ["tables:", "  order_state_to_phase:", "    entries:",
                  f"      processed: {rnd.choice(['Výhra', 'Uzavřeno', 'Dokončeno'])}"]
    lines.append("agendas:")
    lines += ["  address_book:", f"    natural_person: {rnd.choice(['company_without_ico', 'name_without_ico'])}",
              f"    on_conflict: {rnd.choice(['pohoda_wins', 'raynet_wins', 'newest_wins', 'quarantine'])}",
              "    fields:",
              f"      segment_{i}:",
              "        pohoda: addressbookHeader.adGroup",
              f"        raynet: 'customFields[\"Segment {i}\"]'",
              f"        direction: {rnd.choice(['both', 'to_raynet'])}"]
    if rnd.random() < 0.5:
        lines += ["    filter:", "      pohoda_select:", f"        groups: [{rnd.choice(['ODB', 'VIP', 'VO'])}]",
                  f"      to_raynet: 'addressbookHeader.identity.address.ico != null or "
                  f"addressbookHeader.adGroup == \"{rnd.choice(['VIP', 'MO'])}\"'"]
    stores = rnd.sample(STORES, k=rnd.randint(1, 3))
    lines += ["  stock:", "    filter:", "      pohoda_select:", f"        stores: [{stores[0]}]",
              f"      to_raynet: 'stockHeader.isSales == true and stockHeader.count >= {rnd.randint(0, 5)}'",
              "    fields:", "      quantity:", "        pohoda: stockHeader.count",
              "        raynet: 'customFields[\"Stav zásob\"]'"]
    if len(stores) > 1:
        lines.append("    store_quantities:")
        for store in stores[1:]:
            lines += [f"      {store.lower()}:", f"        store: {store}",
                      f"        raynet: 'customFields[\"Stav {store.title()}\"]'"]
    if rnd.random() < 0.5:
        lines += ["  delivery_addresses:", "    mechanism: contact_persons", "    direction: to_raynet"]
    for agenda in rnd.sample(OPTIONAL, k=rnd.randint(0, 2)):
        if agenda == "issued_invoices":
            lines += ["  payments:", "    enabled: false"]
        lines += [f"  {agenda}:", "    enabled: false"]
    if rnd.random() < 0.5:
        lines += ["  contracts:", f"    trigger_to_pohoda: 'status == \"E_WIN\" and totalAmount >= "
                                  f"{rnd.randint(1, 50) * 1000}'",
                  f"    pohoda_series: Z{i:02d}"]
    return HEADER + "\n".join(lines) + "\n"


def write_overlays(folder: Path, count: int) -> None:
    from engine.mapping.schema import schema_text

    rnd = random.Random(20251125)
    (folder / "mapping.schema.json").write_text(schema_text(), encoding="utf-8")
    standard = (REPO / "mappings" / "standard.yaml").read_text(encoding="utf-8")
    (folder / "standard.yaml").write_text(standard.replace("../engine/mapping/schema.json", "mapping.schema.json"),
                                          encoding="utf-8")
    for i in range(count):
        (folder / f"customer_{i:02d}.yaml").write_text(overlay(i, rnd), encoding="utf-8")


COLD = """
import sys, time
t0 = time.perf_counter()
from engine.mapping import validate_paths
t1 = time.perf_counter()
diags = validate_paths([sys.argv[1]])
t2 = time.perf_counter()
errors = [d for d in diags if d.is_error]
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {len(errors)} {len(diags)}")
for d in errors[:5]:
    print(d.render(), file=sys.stderr)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--overlays", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_overlays(folder, args.overlays)
        files = args.overlays + 1
        cold = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, "-c", COLD, str(folder)], capture_output=True, text=True,
                                 cwd=REPO, check=True)
            imp, run, errors, total = out.stdout.split()
            if int(errors):
                print(out.stderr, file=sys.stderr)
                raise SystemExit(f"the generated overlays have {errors} errors")
            cold.append((float(imp), float(run)))
        from engine.mapping import validate_paths

        validate_paths([folder])  # warm the caches of this process
        warm = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            validate_paths([folder])
            warm.append(time.perf_counter() - start)
        cli = []
        rpsync = Path(sys.executable).with_name("rpsync")
        for _ in range(args.repeat):
            start = time.perf_counter()
            out = subprocess.run([str(rpsync), "validate", str(folder)], capture_output=True, text=True, cwd=REPO)
            cli.append(time.perf_counter() - start)
            if out.returncode != 0:
                raise SystemExit(out.stdout + out.stderr)
    best_cold = min(cold, key=lambda c: c[1])
    print(f"validate: standard mapping + {args.overlays} overlays ({files} files), best of {args.repeat}")
    print(f"  fresh process, validation only : {best_cold[1]:.3f} s   (imports {best_cold[0]:.3f} s)")
    print(f"  same process, caches warm      : {min(warm):.3f} s")
    print(f"  `rpsync validate DIR` end to end: {min(cli):.3f} s")
    print(f"  goal < 2 s: {'met' if min(cli) < 2.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
