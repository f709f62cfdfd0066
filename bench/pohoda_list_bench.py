"""Stream a large POHODA list export (address book) and report time and memory.

    python bench/pohoda_list_bench.py [--records 1000000] [--file PATH] [--keep]

Writes a responsePack with N ``lAdb:addressbook`` records (each with two
delivery addresses) to a temporary file, then reads it with
``engine.pohoda.lists.iter_records`` and prints records/s, the file size and
the process RSS at intervals: with streaming, RSS stays flat however big the
export is.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.pohoda import lists, render  # noqa: E402

HEAD = ('<?xml version="1.0" encoding="Windows-1250"?>\n<rsp:responsePack version="2.0" id="bench" state="ok" '
        'xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" '
        'xmlns:rdc="http://www.stormware.cz/schema/version_2/documentresponse.xsd" '
        + " ".join(f'xmlns:{p}="{render.NS_BASE}{f}.xsd"' for p, f in render.NAMESPACES.items())
        + '><rsp:responsePackItem version="2.0" id="1" state="ok"><lAdb:listAddressBook version="2.0" '
        'dateTimeStamp="2025-01-01T10:00:00" dateValidFrom="2025-01-01" state="ok">')
TAIL = "</lAdb:listAddressBook></rsp:responsePackItem></rsp:responsePack>"


def record(n: int) -> dict:
    return {"addressbookHeader": {
        "id": n,
        "identity": {"address": {"company": f"Firma č. {n} s.r.o.", "ico": str(n), "street": "Hlavní 1",
                                 "city": "Praha", "zip": "11000"},
                     "shipToAddress": [{"name": "Sklad", "street": "Dlouhá 2", "city": "Brno", "zip": "60200"},
                                       {"name": "Pobočka", "street": "Krátká 3", "city": "Ostrava", "zip": "70030"}]},
        "email": f"info{n}@firma.cz", "web": "www.firma.cz", "p2": True}}


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def write_export(path: Path, n: int) -> None:
    """Render one record through the real writer, then vary its id/name/IČ per record (fast)."""
    template = render.write_fields("address_book", record(987654321))
    template = f'<lAdb:addressbook version="2.0">{template}</lAdb:addressbook>'.replace("987654321", "{n}")
    with open(path, "wb") as fh:
        fh.write(HEAD.encode("cp1250"))
        for start in range(1, n + 1, 5000):
            chunk = "".join(template.replace("{n}", str(i)) for i in range(start, min(n, start + 4999) + 1))
            fh.write(render.encode(chunk))
        fh.write(TAIL.encode("cp1250"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path, default=None, help="where to write the export (default: a temp file)")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    args = ap.parse_args()
    path = args.file or Path(tempfile.gettempdir()) / f"rpsync-bench-{args.records}.xml"
    t0 = time.perf_counter()
    write_export(path, args.records)
    t1 = time.perf_counter()
    size = path.stat().st_size
    print(f"export: {args.records:,} records, {size / 1e6:,.0f} MB written in {t1 - t0:,.1f} s")
    start_rss = rss_mb()
    samples = []
    count = 0
    step = max(1, args.records // 10)
    t2 = time.perf_counter()
    with open(path, "rb") as fh:
        for rec in lists.iter_records("address_book", fh, max_bytes=size + 1):
            count += 1
            if count % step == 0:
                samples.append((count, rss_mb()))
    t3 = time.perf_counter()
    assert count == args.records, count
    print(f"read:   {count:,} records in {t3 - t2:,.1f} s = {count / (t3 - t2):,.0f} records/s, "
          f"{size / 1e6 / (t3 - t2):,.1f} MB/s")
    print(f"RSS:    before reading {start_rss:,.1f} MB; during: "
          + ", ".join(f"{c // 1000:,}k={m:,.1f}" for c, m in samples))
    print(f"        growth first->last sample {samples[-1][1] - samples[0][1]:+.1f} MB; "
          f"peak RSS of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:,.1f} MB")
    if not args.keep and args.file is None:
        path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
