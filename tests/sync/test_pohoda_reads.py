"""POHODA read requests (issue 7, Scale): a run with nothing changed makes at most one mServer request per agenda,
and no write on either side; several list requests of one agenda (the invoice types, R-F2) go as the items of one
dataPack, each paged by its own ``ftr:limit``.

Counted at the POHODA simulator (HTTP POSTs it answered) and per agenda by the run's progress marks.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from bench.scale.generate import World as GeneratedWorld
from bench.scale.generate import seed_store
from engine.sync.pohoda_gateway import ListQuery
from tests.sync.helpers import counted_run, pohoda_edit, pohoda_invoice, pohoda_records

DAT = "{http://www.stormware.cz/schema/version_2/data.xsd}"


def _age_everything(w, hours: int = 1) -> None:
    """As if the next run came later: every POHODA record saved before it (the sync's own writes too) is older
    than the engine's cursors' overlap."""
    store = w.pohoda.store
    for agenda in ("address_book", "stock", "sales_prices", "contracts", "received_orders", "issued_invoices"):
        for s in store.all(agenda):
            store.put(agenda, s.id, s.record, number=s.number, code=s.code, kind=s.kind,
                      saved_at=s.saved_at - timedelta(hours=hours))


def test_a_run_with_nothing_changed_reads_each_pohoda_agenda_in_at_most_one_request(world_factory):
    w = world_factory()
    seed_store(w.pohoda.store, GeneratedWorld(0.0003))   # every agenda: clients, contacts, stock, orders, invoices
    first, _, _, _ = counted_run(w)
    assert first.status == "ok" and first.totals().created > 0, (first.message, first.quarantine)
    for run in ("echo", "settled"):   # the first reads the initial sync's own writes back
        _age_everything(w)
        report, per_agenda, posts, raynet_writes = counted_run(w)
        assert report.status == "ok", (report.message, report.quarantine)
        t = report.totals()
        assert (t.created, t.updated, t.quarantined, raynet_writes) == (0, 0, 0, []), (run, raynet_writes)
        assert {"issued_invoices", "payments", "received_orders", "address_book"} <= per_agenda.keys()
        assert max(per_agenda.values()) <= 1, (run, per_agenda)
        assert posts == sum(per_agenda.values()) == report.requests["pohoda"], (run, per_agenda)
    # changes: still one read per agenda (the invoice read with the orders serves the closing dates, R-Z3; the
    # related prices of a changed stock item use the sales price levels the sales-prices step read)
    _age_everything(w)
    [invoice] = pohoda_records(w, "issued_invoices")[:1]
    pohoda_edit(w, "issued_invoices", invoice["invoiceHeader"]["id"], {"invoiceHeader": {"text": "upraveno"}})
    [stock] = pohoda_records(w, "stock")[:1]
    pohoda_edit(w, "stock", stock["stockHeader"]["id"], {"stockHeader": {"name": "Nový název"}})
    report, per_agenda, _, _ = counted_run(w)
    agendas = report.to_dict()["agendas"]
    assert report.counts["issued_invoices"]["to_raynet"].updated == 1, agendas
    assert report.counts["stock"]["to_raynet"].updated == 1 and report.counts["related_prices"]["to_raynet"].updated
    assert max(per_agenda.values()) <= 1, per_agenda


def test_the_invoice_types_are_items_of_one_datapack_each_paged_on_its_own_R_F2(world_factory):
    w = world_factory()
    made = {"issuedInvoice": [pohoda_invoice(w, None, text=f"F{n}") for n in range(5)],
            "issuedAdvanceInvoice": [pohoda_invoice(w, None, kind="issuedAdvanceInvoice", text="Z")],
            "issuedCorrectiveTax": []}
    gw = w.gateway()
    gw.page_size = 2
    packs: list[list[tuple[str, str | None]]] = []   # per request: (invoiceType, idFrom) of each item
    open_response = gw.transport.open_response

    def recorded(pack: bytes):
        root = etree.fromstring(pack)
        packs.append([(req.get("invoiceType"), next((e.text for e in req.iter() if isinstance(e.tag, str)
                                                     and e.tag.endswith("}idFrom")), None))
                      for item in root.iter(f"{DAT}dataPackItem") for req in item])
        return open_response(pack)

    gw.transport.open_response = recorded
    try:
        kinds = list(made)
        got = [(kinds[i], r["invoiceHeader"]["id"]) for i, r in gw.list_together(
            [ListQuery("issued_invoices", None, {"invoice_type": k}) for k in kinds])]
        first = gw.first_of([ListQuery("issued_invoices", {"id": made["issuedAdvanceInvoice"][0]},
                                       {"invoice_type": k}) for k in kinds])
    finally:
        gw.close()
    assert sorted(got) == sorted((k, i) for k, ids in made.items() for i in ids) and len(got) == 6
    a, b, c, d, e = made["issuedInvoice"]
    # the first request asks for every type; the next ones only for the type whose page came back full
    assert packs[:3] == [[("issuedInvoice", None), ("issuedAdvanceInvoice", None), ("issuedCorrectiveTax", None)],
                         [("issuedInvoice", str(b + 1))], [("issuedInvoice", str(d + 1))]]
    assert first["invoiceHeader"]["invoiceType"] == "issuedAdvanceInvoice" and len(packs) == 4
