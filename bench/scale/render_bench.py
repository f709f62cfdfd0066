"""Records per second of transform + render (+ XSD validation): rpsync vs. the PyPI package ``pohoda``.

    .venv/bin/python -m bench.scale.render_bench --records 2000

The same documents both ways, side by side in one run: Raynet companies, sales
orders and invoices (generated like ``bench.scale.generate``, read as the API
answers them from the Raynet simulator) become POHODA address-book records,
received orders and issued invoices in dataPacks of 100 items.

- rpsync: the agenda's own step (offline, as ``rpsync test`` runs it; Raynet
  lookups answered once by the simulator, POHODA stock lookups by a stub), a
  page of records at a time as a run pairs them (``prefetch_references``: the
  links their documents need looked up at once) — ``pohoda_values`` (the mapping's compiled expressions) + ``pohoda_document`` +
  ``Renderer.render_document`` + ``render_datapack`` (Windows-1250 bytes).
- ``pohoda`` (riesenia/pohoda ported to Python, builds lxml trees): a
  hand-written dict of the same fields from the Raynet record + ``Pohoda.create_*``
  / ``add_item`` + ``add_item`` to the dataPack + serialising to Windows-1250
  bytes (what ``Pohoda.write`` does, without the file).

"render only" times rpsync's render alone on the documents its transform made
(``render_document`` + ``render_datapack``; the same bytes, checked) against
the package's build — the package is given its documents' fields by hand, so
its build has no transform of its own.

Then every pack of both goes through the same XSD validator
(``engine.pohoda.xsd.Validator``). Rates are records per second of one core: the best of ``--repeat``
runs of each side (3; the two sides in turn, so that a slow moment of the machine hits both).
"XSD share" is the part of each side's time (build + XSD) spent validating; the
validator and the pack size are the same for both sides, so the XSD columns
differ only by what is validated (the package's received orders fail the schema
at every item's header, which libxml2 reports without validating that item's
content further).
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from lxml import etree

from bench.scale.generate import World
from engine.mapping import load_mapping
from engine.mappingtest.harness import Harness
from engine.pohoda import render
from engine.pohoda.xsd import Validator, find_xsd_dir
from engine.raynet.entities import RaynetApi
from engine.resources import mappings_dir
from engine.sandbox.raynet import RaynetSandbox
from engine.sync.lookups import Lookups
from engine.sync.stage import Stage

AGENDAS = (("address_book", "company"), ("received_orders", "salesOrder"), ("issued_invoices", "invoice"))
PACK = 100


def raynet_seed(world: World, n: int) -> dict:
    companies, cases, orders, invoices, products = [], [], [], [], []
    for i in range(1, world.sizes.stock + 1):
        code, name, unit, price, _ = world.stock_item(i)
        products.append({"code": code, "name": name, "unit": unit, "price": price, "taxRate": Decimal(21)})
    for i in range(1, n + 1):
        a = world.address(i)
        companies.append({"name": a["company"], "regNumber": a["ico"], "taxNumber": a["dic"], "rating": "A",
                          "state": "B_ACTUAL", "role": "A_SUBSCRIBER",
                          "addresses": [{"address": {"name": "Sídlo", "street": a["street"], "city": a["city"],
                                                     "zipCode": a["zip"], "country": "CZ"},
                                         "contactInfo": {"email": a["email"], "tel1": a["phone"],
                                                         "www": f"www.{a['email'].split('@')[1]}"}}]})
    for i in range(1, n + 1):
        lines = [world.stock_item(1 + (i * k) % world.sizes.stock) for k in (1, 7, 13)[: 1 + i % 3]]
        items = [{"productCode": c, "name": nm, "count": Decimal(1 + i % 9), "price": p, "taxRate": Decimal(21),
                  "unit": u} for c, nm, u, p, _ in lines]
        cases.append({"name": f"Obchodní případ {i}", "company": i, "businessCasePhase": 4, "validFrom": "2025-03-01",
                      "currency": 1})
        orders.append({"name": f"Objednávka {i}", "company": i, "businessCase": i, "salesOrderStatus": 1, "validFrom": "2025-03-01",
                       "requestDeliveryDate": "2025-03-20", "items": items})
        invoices.append({"title": f"Faktura {i}", "company": i, "invoiceType": "NORMAL", "issueDate": "2025-03-01",
                         "taxableSupplyDate": "2025-03-01", "dueDate": "2025-03-15", "currency": 1,
                         "paymentType": "PAYMENT_DIRECT_DEBIT",
                         "items": [{"name": nm, "amount": Decimal(1 + i % 9), "unitPrice": p, "taxRate": Decimal(21),
                                    "unitLabel": u} for c, nm, u, p, _ in lines]})
    return {"records": {"company": companies, "product": products, "businessCase": cases, "salesOrder": orders, "invoice": invoices}}


# --------------------------------------------------------------------------- rpsync
class _StockStub:
    """POHODA as the document steps ask it: does a stock item with this code exist? (yes)."""

    def list(self, agenda, filter=None, **context):
        yield {"stockHeader": {"id": 1, "code": (filter or {}).get("code")}}


def rpsync_step(rn, harness: Harness, agenda: str, n: int):
    """The agenda's step, offline, with every client linked (address book) and every business case (contracts)."""
    links = tuple({"agenda": a, "raynet_id": i, "pohoda_id": i} for i in range(1, n + 1)
                  for a in ("address_book", "contracts")) if agenda != "address_book" else ()
    step = harness.step(agenda, instance={}, links=links)
    step.ctx.raynet = RaynetApi(rn.client())
    step.ctx.lookups = Lookups(step.ctx.raynet, step.ctx.state)
    step.ctx.pohoda = _StockStub()
    return step


def _prefetch(step, page: list[dict]) -> None:
    """What a run looks up for a page of records before their transform (``Step.prefetch_page`` without the
    records' own links, which pairing looks at — not timed here, as pairing is not)."""
    step.ctx.state.clear_prefetched()
    step.prefetch_references(page)


def _paged(step, records: list[dict]):
    """The records a page at a time, the links their transform needs looked up first, as a run does
    (``Stage.pending`` with ``Step.prefetch_page``)."""
    for start in range(0, len(records), Stage.PAGE):
        page = records[start:start + Stage.PAGE]
        _prefetch(step, page)
        yield from page


def rpsync_documents(step, agenda: str, records: list[dict]) -> list[tuple]:
    """The transform alone: (item id, document, ext id, template arguments) of each record."""
    out = []
    for r in _paged(step, records):
        r = step.prepare_raynet(r)
        record, kwargs = step.pohoda_document(step.pohoda_values(r), r, None)
        xml = step.ctx.renderer.render_document(step.pohoda_agenda, record, action="add",
                                                ext_id=step.pohoda_ext_id_for(r["id"]), **kwargs)
        out.append((render.item_id(agenda, "add", str(r["id"]), xml), record, step.pohoda_ext_id_for(r["id"]), kwargs))
    return out


def rpsync_render_only(step, renderer, agenda: str, documents: list[tuple]) -> list[bytes]:
    """The render alone: POHODA documents (as the transform made them) -> dataPacks of Windows-1250 bytes."""
    return _packs(renderer, agenda, ((iid, renderer.render_document(step.pohoda_agenda, record, action="add",
                                                                    ext_id=ext_id, **kwargs))
                                     for iid, record, ext_id, kwargs in documents))


def rpsync_packs(step, renderer, agenda: str, records: list[dict]) -> list[bytes]:
    """Transform + render, record by record, as a run does."""
    def rendered():
        for r in _paged(step, records):
            r = step.prepare_raynet(r)
            record, kwargs = step.pohoda_document(step.pohoda_values(r), r, None)
            xml = renderer.render_document(step.pohoda_agenda, record, action="add",
                                           ext_id=step.pohoda_ext_id_for(r["id"]), **kwargs)
            yield render.item_id(agenda, "add", str(r["id"]), xml), xml
    return _packs(renderer, agenda, rendered())


def _packs(renderer, agenda: str, rendered) -> list[bytes]:
    """(item id, agenda element XML) pairs -> dataPacks of ``PACK`` items."""
    packs, items = [], []
    for iid, xml in rendered:
        items.append(render.PackItem(iid, xml, agenda=agenda))
        if len(items) == PACK:
            packs.append(renderer.render_datapack(items, ico="12345678"))
            items = []
    if items:
        packs.append(renderer.render_datapack(items, ico="12345678"))
    return packs


# --------------------------------------------------------------------------- pohoda package
EXT = {"exSystemName": "rpsync-raynet", "exSystemText": "Raynet CRM"}
VAT = {Decimal(21): "high", Decimal(12): "low", Decimal(0): "none"}


def _address(r: dict) -> dict:
    a = (r.get("addresses") or [{}])[0]
    adr, info = a.get("address") or {}, a.get("contactInfo") or {}
    return {"company": r.get("name"), "city": adr.get("city"), "street": adr.get("street"), "zip": adr.get("zipCode"),
            "ico": r.get("regNumber"), "dic": r.get("taxNumber"), "phone": info.get("tel1"), "email": info.get("email")}


def package_document(pohoda, agenda: str, r: dict):
    """The package's agenda object for a Raynet record: the same fields rpsync's standard mapping writes."""
    ext = {"ids": str(r["id"]), **EXT}
    if agenda == "address_book":
        www = ((r.get("addresses") or [{}])[0].get("contactInfo") or {}).get("www")
        return pohoda.create_addressbook({"identity": {"extId": ext, "address": _address(r)}, "web": www})
    partner = {"id": r["company"]["id"]}
    if agenda == "received_orders":
        doc = pohoda.create_order({"extId": ext, "orderType": "receivedOrder", "number": {"ids": "OBP"},
                                   "numberOrder": r.get("code"), "date": r.get("validFrom"),
                                   "dateDelivery": r.get("requestDeliveryDate"), "text": r.get("name"),
                                   "partnerIdentity": partner})
        for item in r.get("items") or ():
            doc.add_item({"text": item.get("name"), "quantity": item.get("count"), "unit": item.get("unit"),
                          "rateVAT": VAT.get(item.get("taxRate"), "high"), "discountPercentage": Decimal(0),
                          "homeCurrency": {"unitPrice": item.get("price")}, "code": item.get("productCode"),
                          "stockItem": {"stockItem": {"ids": item.get("productCode")}}})
        return doc
    doc = pohoda.create_invoice({"extId": ext, "invoiceType": "issuedInvoice", "number": {"ids": "FV"},
                                 "symVar": r.get("code"), "date": r.get("issueDate"), "dateTax": r.get("taxableSupplyDate"),
                                 "dateDue": r.get("dueDate"), "text": r.get("title"), "partnerIdentity": partner,
                                 "paymentType": {"paymentType": "draft"}})
    for item in r.get("items") or ():
        doc.add_item({"text": item.get("name"), "quantity": item.get("amount"), "unit": item.get("unitLabel"),
                      "rateVAT": VAT.get(item.get("taxRate"), "high"), "discountPercentage": Decimal(0),
                      "homeCurrency": {"unitPrice": item.get("unitPrice")}})
    return doc


def package_packs(agenda: str, records: list[dict]) -> list[bytes]:
    from pohoda.Pohoda import Pohoda

    packs = []
    for start in range(0, len(records), PACK):
        pohoda = Pohoda("12345678", f"pack-{start}", note="rpsync bench")  # POHODA requires note (data.xsd)
        for r in records[start:start + PACK]:
            pohoda.add_item(str(r["id"]), package_document(pohoda, agenda, r))
        packs.append(etree.tostring(pohoda._xml_root, xml_declaration=True, encoding="windows-1250"))
    return packs


def timed(fn, *args, repeat: int = 1):
    """``fn(*args)`` and its best time of ``repeat`` runs (the least disturbed by the rest of the machine)."""
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn(*args)
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    return out, best


#: the parts of rpsync's time per record (``--parts``), in the order a run goes through them
PARTS = ("prefetch", "prepare", "values", "document", "render", "item id", "pack")


def rpsync_parts(step, renderer, agenda: str, records: list[dict]) -> dict[str, float]:
    """Seconds of each part of transform + render over ``records`` (as ``rpsync_packs``, timed part by part)."""
    clock = time.perf_counter
    spent = dict.fromkeys(PARTS, 0.0)
    items = []
    for start in range(0, len(records), Stage.PAGE):
        page = records[start:start + Stage.PAGE]
        t0 = clock()
        _prefetch(step, page)
        spent["prefetch"] += clock() - t0
        for r in page:
            t0 = clock()
            r = step.prepare_raynet(r)
            t1 = clock()
            values = step.pohoda_values(r)
            t2 = clock()
            record, kwargs = step.pohoda_document(values, r, None)
            t3 = clock()
            xml = renderer.render_document(step.pohoda_agenda, record, action="add",
                                           ext_id=step.pohoda_ext_id_for(r["id"]), **kwargs)
            t4 = clock()
            items.append(render.PackItem(render.item_id(agenda, "add", str(r["id"]), xml), xml, agenda=agenda))
            t5 = clock()
            spent["prepare"] += t1 - t0
            spent["values"] += t2 - t1
            spent["document"] += t3 - t2
            spent["render"] += t4 - t3
            spent["item id"] += t5 - t4
    t0 = clock()
    for start in range(0, len(items), PACK):
        renderer.render_datapack(items[start:start + PACK], ico="12345678")
    spent["pack"] = clock() - t0
    return spent


def parts_table(harness, rn, records_per_agenda: int, repeat: int) -> None:
    """µs per record of each part of rpsync's transform + render (the best of ``repeat`` runs per part)."""
    print("| agenda | " + " | ".join(f"{p} µs" for p in PARTS) + " | total µs | budget at 2× the package µs |")
    print("|---|" + "---:|" * (len(PARTS) + 2))
    for agenda, entity in AGENDAS:
        records = [rn.store.render(entity, i) for i in range(1, records_per_agenda + 1)]
        step = rpsync_step(rn, harness, agenda, records_per_agenda)
        rpsync_packs(step, harness.renderer, agenda, records[:20])
        best = dict.fromkeys(PARTS, float("inf"))
        theirs = float("inf")
        for _ in range(repeat):
            for part, took in rpsync_parts(step, harness.renderer, agenda, records).items():
                best[part] = min(best[part], took)
            theirs = min(theirs, timed(package_packs, agenda, records)[1])
        n = len(records)
        print(f"| {agenda} | " + " | ".join(f"{1e6 * best[p] / n:.1f}" for p in PARTS)
              + f" | {1e6 * sum(best.values()) / n:.1f} | {1e6 * theirs / n / 2:.1f} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000, help="records per agenda")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the best time counts")
    parser.add_argument("--parts", action="store_true",
                        help="instead: µs per record of each part of rpsync's transform + render")
    args = parser.parse_args(argv)
    if args.parts:
        world = World(max(args.records / 100_000, 0.001))
        harness = Harness(load_mapping(mappings_dir() / "standard.yaml"))
        with RaynetSandbox(seed=raynet_seed(world, args.records), quota_limit=10 ** 9) as rn:
            parts_table(harness, rn, args.records, args.repeat)
        return
    world = World(max(args.records / 100_000, 0.001))
    folder = find_xsd_dir()
    if folder is None:
        raise SystemExit("no POHODA XSD folder: set RPSYNC_POHODA_XSD (e.g. ../shared/pohoda-xsd)")
    validator = Validator.for_dir(folder)
    print("| agenda | records | rpsync transform+render rec/s | pohoda build rec/s | ratio | rpsync + XSD rec/s "
          "| pohoda + XSD rec/s | ratio | XSD share rpsync | XSD share pohoda | XSD ms/pack rpsync | XSD ms/pack pohoda "
          "| XSD errors rpsync | XSD errors pohoda | rpsync render only rec/s | ratio render only |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    harness = Harness(load_mapping(mappings_dir() / "standard.yaml"))  # once, as a run compiles its mapping once
    with RaynetSandbox(seed=raynet_seed(world, args.records), quota_limit=10 ** 9) as rn:
        for agenda, entity in AGENDAS:
            records = [rn.store.render(entity, i) for i in range(1, args.records + 1)]
            step = rpsync_step(rn, harness, agenda, args.records)
            # warm-up: the run's cached lookups, and the XSD compiled (once per process) before either side is timed
            for pack in rpsync_packs(step, harness.renderer, agenda, records[:20]) + package_packs(agenda, records[:20]):
                validator.validate(pack)
            t_ours = t_theirs = None
            for _ in range(args.repeat):  # the two sides in turn, so a slow moment of the machine hits both
                ours, t = timed(rpsync_packs, step, harness.renderer, agenda, records)
                t_ours = t if t_ours is None else min(t_ours, t)
                theirs, t = timed(package_packs, agenda, records)
                t_theirs = t if t_theirs is None else min(t_theirs, t)
            documents = rpsync_documents(step, agenda, records)  # the transform, untimed: then the render alone
            alone, t_alone = timed(rpsync_render_only, step, harness.renderer, agenda, documents, repeat=args.repeat)
            if alone != ours:
                raise SystemExit(f"{agenda}: the render alone wrote other bytes than transform + render")
            errors_ours, v_ours = timed(lambda: [e for p in ours for e in validator.validate(p)])
            errors_theirs, v_theirs = timed(lambda: [e for p in theirs for e in validator.validate(p)])
            n = len(records)
            print(f"| {agenda} | {n} | {n / t_ours:,.0f} | {n / t_theirs:,.0f} | {t_theirs / t_ours:.2f} | "
                  f"{n / (t_ours + v_ours):,.0f} | {n / (t_theirs + v_theirs):,.0f} | "
                  f"{(t_theirs + v_theirs) / (t_ours + v_ours):.2f} | {v_ours / (t_ours + v_ours):.0%} | "
                  f"{v_theirs / (t_theirs + v_theirs):.0%} | {1000 * v_ours / len(ours):.1f} | "
                  f"{1000 * v_theirs / len(theirs):.1f} | {len(errors_ours)} | {len(errors_theirs)} | "
                  f"{n / t_alone:,.0f} | {t_theirs / t_alone:.2f} |",
                  flush=True)
            for e in errors_theirs[:2] + errors_ours[:2]:
                print(f"    {e[:300]}")


if __name__ == "__main__":
    main()
