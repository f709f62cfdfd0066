"""Issued invoices ⇄ Raynet invoices end to end, against both simulators over loopback HTTP
(R-F1 … R-F4, R-C1, R-C3, R-G5, R-E2, R-G3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from engine.resources import mappings_dir
from engine.sync.paths import get_path
from tests.sync.helpers import (
    invoice_item, mapping_overlay, pohoda_address, pohoda_edit, pohoda_invoice, pohoda_pay, pohoda_records, pohoda_stock, raynet_company,
    raynet_invoice, raynet_records,
)

STANDARD = mappings_dir() / "standard.yaml"


def invoices(w) -> dict[str, dict]:
    """Raynet invoices by title."""
    return {r["title"]: r for r in raynet_records(w, "invoice")}


def items_of(record: dict) -> list[tuple]:
    return [(i["name"], i["amount"], i["unitPrice"], i["taxRate"]) for i in record["items"]]


def raynet_invoice_requests(w, since: int) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in w.raynet.store.requests_for()[since:] if "/invoice/" in r.path]


def test_pohoda_invoices_of_every_kind_reach_raynet_and_a_second_run_writes_nothing_R_F2(world_factory):
    w = world_factory()
    partner = pohoda_address(w, "Alfa s.r.o.", ico="11111111")
    regular = pohoda_invoice(w, partner, [invoice_item("Šroub M6", "10", "2.50"),
                                          invoice_item("Montáž", "1.5", "450", rate="low")], text="Šrouby",
                             header={"symVar": "2025001"})
    pohoda_invoice(w, partner, [invoice_item("Záloha", "1", "1000")], kind="issuedAdvanceInvoice", text="Záloha")
    pohoda_invoice(w, partner, [invoice_item("Vrácené šrouby", "-4", "2.50")], kind="issuedCorrectiveTax",
                   text="Dobropis", correctiveDocument={"sourceDocument": {"id": regular}})
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    got = invoices(w)
    client = raynet_records(w, "company")[0]["id"]
    assert {t: r["invoiceType"] for t, r in got.items()} == {
        "Šrouby": "NORMAL", "Záloha": "PROFORMA", "Dobropis": "CREDIT_NOTE"}
    assert all(r["company"]["id"] == client for r in got.values())  # R-C1: the address-book record's client
    assert items_of(got["Šrouby"]) == [("Šroub M6", D("10"), D("2.50"), D("21")), ("Montáž", D("1.5"), D("450"), D("12"))]
    assert got["Šrouby"]["variableSymbol"] == "2025001" and got["Šrouby"]["issueDate"] == "2025-03-04"
    # the credit note was made from the regular invoice and carries the corrective document's items only
    assert got["Dobropis"]["normalInvoice"]["id"] == got["Šrouby"]["id"]
    assert items_of(got["Dobropis"]) == [("Vrácené šrouby", D("-4"), D("2.50"), D("21"))]
    assert "pohoda:issued_invoices:" in got["Dobropis"]["creditNoteReason"]
    assert all(r["extIds"] and r["extIds"][0].startswith("pohoda:issued_invoices:") for r in got.values())

    before = len(w.raynet.store.requests_for())
    second = w.run()
    t = second.report.totals()
    assert (t.created, t.updated, t.quarantined) == (0, 0, 0), second.report.to_dict()
    # one read of the invoice list (the created invoices changed since the cursor), nothing else
    assert raynet_invoice_requests(w, before) == [("GET", "/api/v2/invoice/")]
    assert len(raynet_records(w, "invoice")) == 3 and len(pohoda_records(w, "issued_invoices")) == 3


def test_kinds_select_which_invoices_transfer_R_F2(world_factory, tmp_path):
    w = world_factory(mapping_path=mapping_overlay(tmp_path, "agendas:\n  issued_invoices:\n    kinds: [advance]\n"))
    partner = pohoda_address(w, "Beta a.s.", ico="22222222")
    pohoda_invoice(w, partner, [invoice_item("Zboží")], text="Běžná")
    pohoda_invoice(w, partner, [invoice_item("Záloha")], kind="issuedAdvanceInvoice", text="Zálohová")
    company = raynet_records(w, "company")  # none yet
    assert company == []
    w.run()
    assert {t: r["invoiceType"] for t, r in invoices(w).items()} == {"Zálohová": "PROFORMA"}


def test_an_amount_only_in_the_vat_summary_is_reported_never_transferred_as_zero_R_F3(world_factory):
    w = world_factory()
    partner = pohoda_address(w, "Gama s.r.o.", ico="33333333")
    pohoda_invoice(w, partner, None, text="Jen souhrn",
                   invoiceSummary={"homeCurrency": {"priceHigh": D("1000"), "priceHighVAT": D("210")}})
    pohoda_invoice(w, partner, [invoice_item("Zboží", "2", "50")], text="S položkami")
    result = w.run()
    [q] = result.report.quarantine
    assert q.rule == "R-F3" and q.field == "invoiceDetail.invoiceItem"
    assert "1210 CZK" in q.message and "VAT summary" in q.message and "as 0" in q.message
    assert set(invoices(w)) == {"S položkami"} and result.exit_code == 3


def test_only_invoices_linked_to_an_address_book_record_go_and_unsynced_clients_wait_R_C1(world_factory):
    w = world_factory()
    partner = pohoda_address(w, "Delta s.r.o.", ico="44444444")
    pohoda_invoice(w, None, [invoice_item("Zboží")], text="Bez adresáře",
                   header={"partnerIdentity": {"address": {"company": "Někdo", "city": "Praha"}}})
    pohoda_invoice(w, partner, [invoice_item("Zboží")], text="S adresářem")
    # the address book has not run yet: the invoice of a record without a Raynet client waits in quarantine
    early = w.run(only={"issued_invoices"})
    by_rule = {q.rule: q for q in early.report.quarantine}
    assert set(by_rule) == {"R-C1"} and len(early.report.quarantine) == 2
    assert any("no Raynet client yet" in q.message for q in early.report.quarantine)
    assert invoices(w) == {}
    later = w.run()
    [q] = later.report.quarantine
    assert q.rule == "R-C1" and "not linked to an address-book record" in q.message
    assert set(invoices(w)) == {"S adresářem"}


def test_foreign_currency_needs_a_price_list_in_it_on_both_sides_R_C3_R_G5(world_factory, tmp_path):
    w = world_factory()
    partner = pohoda_address(w, "Epsilon GmbH", ico="55555555")
    item = invoice_item("Export", "2", "0")
    item["foreignCurrency"] = {"unitPrice": D("40.50")}
    del item["homeCurrency"]
    pid = pohoda_invoice(w, partner, [item], text="V eurech",
                         invoiceSummary={"foreignCurrency": {"currency": {"ids": "EUR"}, "rate": D("25"), "amount": 1}})
    pohoda_pay(w, pid, "1250", dt.date(2025, 3, 9), foreign=D("50"))
    no_mapping = w.run()
    [q] = no_mapping.report.quarantine
    assert q.rule == "R-C3" and "EUR" in q.message and "currencies.foreign" in q.message
    w.use_mapping(mapping_overlay(tmp_path, "currencies:\n  foreign: [EUR]\nprice_lists:\n  eur:\n    pohoda: Prodejní EUR\n"
                                    "    raynet: Ceník EUR\n    currency: EUR\n"))
    no_raynet_list = w.run()
    [q] = no_raynet_list.report.quarantine
    assert q.rule == "R-C3" and "Raynet has no price list in EUR" in q.message and invoices(w) == {}
    eur = w.api().currencies.by_iso()["EUR"]
    w.raynet.store.create("priceList", {"name": "Ceník EUR", "code": "EUR-1", "currency": eur, "validFrom": "2025-01-01"})
    done = w.run()
    assert done.report.quarantine == [], done.report.quarantine
    got = invoices(w)["V eurech"]
    assert got["currency"]["id"] == eur and items_of(got) == [("Export", D("2"), D("40.50"), D("21"))]
    # its payment waited with it, and is kept in the invoice's currency
    assert [(p["date"], p["amount"]) for p in got["payments"]] == [("2025-03-09", D("50"))]


def test_a_credit_note_raynet_answers_without_an_id_is_found_by_its_reason_R_F2(world_factory, monkeypatch):
    from engine.raynet.entities import Invoices

    create = Invoices.create_credit_note
    monkeypatch.setattr(Invoices, "create_credit_note", lambda self, *a: create(self, *a) and None)  # 201, no body
    w = world_factory()
    partner = pohoda_address(w, "Lambda s.r.o.", ico="12312312")
    regular = pohoda_invoice(w, partner, [invoice_item("Zboží", "2", "100")], text="Původní")
    pohoda_invoice(w, partner, [invoice_item("Vráceno", "-1", "100")], kind="issuedCorrectiveTax", text="Oprava",
                   correctiveDocument={"sourceDocument": {"id": regular}})
    result = w.run()
    assert result.report.status == "ok", (result.report.message, result.report.quarantine)
    assert invoices(w)["Oprava"]["extIds"] and [i["name"] for i in invoices(w)["Oprava"]["items"]] == ["Vráceno"]


def test_raynet_invoices_are_created_once_in_pohoda_by_kind_with_stock_links_R_F4_R_E2(world_factory, tmp_path):
    mapping = mapping_overlay(tmp_path, "agendas:\n  issued_invoices:\n    item_fields:\n      code:\n        pohoda: code\n"
                                "        raynet: description\n        direction: to_pohoda\n")
    w = world_factory(mapping_path=mapping)
    pohoda_stock(w, "SR-M6", "Šroub M6")
    company = raynet_company(w, "Zéta s.r.o.", ico="66666666")
    normal = raynet_invoice(w, company, [
        {"name": "Šroub M6", "amount": 10, "unitPrice": D("2.50"), "taxRate": 21, "description": "SR-M6"},
        {"name": "Doprava", "amount": 1, "unitPrice": D("150"), "taxRate": 21}], title="Z Raynetu")
    raynet_invoice(w, company, [{"name": "Záloha", "amount": 1, "unitPrice": D("500"), "taxRate": 21}],
                   invoice_type="PROFORMA", title="Záloha z Raynetu")
    credit = w.api().invoices.create_credit_note(normal, "Vráceno")
    w.api().invoices.update(credit, {"title": "Dobropis z Raynetu"})
    first = w.run()
    assert first.report.status == "ok", (first.report.message, first.report.quarantine)
    docs = {get_path(r, "invoiceHeader.text"): r for r in pohoda_records(w, "issued_invoices")}
    kinds = {t: get_path(r, "invoiceHeader.invoiceType") for t, r in docs.items()}
    assert kinds == {"Z Raynetu": "issuedInvoice", "Záloha z Raynetu": "issuedAdvanceInvoice",
                     "Dobropis z Raynetu": "issuedCorrectiveTax"}
    client = get_path(pohoda_records(w, "address_book")[0], "addressbookHeader.id")
    assert {get_path(r, "invoiceHeader.partnerIdentity.id") for r in docs.values()} == {client}
    screw, transport = docs["Z Raynetu"]["invoiceDetail"]["invoiceItem"]
    assert screw["stockItem"]["stockItem"]["ids"] == "SR-M6" and "stockItem" not in transport  # R-E2
    assert screw["homeCurrency"]["unitPrice"] == D("2.50") and screw["rateVAT"] == "high"
    assert "FV" in get_path(docs["Z Raynetu"], "invoiceHeader.number.numberRequested")  # pohoda_series
    source = get_path(docs["Z Raynetu"], "invoiceHeader.id")
    assert get_path(docs["Dobropis z Raynetu"], "correctiveDocument.sourceDocument.id") == source
    # R-F4: a later Raynet change is not written to POHODA (invoices cannot be updated through XML)
    w.api().invoices.update(normal, {"title": "Změněno v Raynetu"})
    again = w.run()
    assert again.report.totals().created == 0 and again.report.totals().updated == 0
    imported = "SELECT COUNT(*) FROM imports WHERE agenda = 'issued_invoices'"
    assert w.pohoda.store._db.execute(imported).fetchone()[0] == 3  # no document sent again
    assert "Z Raynetu" in {get_path(r, "invoiceHeader.text") for r in pohoda_records(w, "issued_invoices")}
    assert len(pohoda_records(w, "issued_invoices")) == 3


def test_pohoda_changes_after_creation_update_the_raynet_invoice_items_included_R_F4(world_factory):
    w = world_factory()
    partner = pohoda_address(w, "Éta s.r.o.", ico="77777777")
    pid = pohoda_invoice(w, partner, [invoice_item("Kabel", "3", "10")], text="Kabely")
    w.run()
    rid = invoices(w)["Kabely"]["id"]

    def edit(record):
        record["invoiceHeader"]["note"] = "Opraveno"
        record["invoiceDetail"]["invoiceItem"][0]["quantity"] = D("5")
        record["invoiceDetail"]["invoiceItem"].append(invoice_item("Konektor", "2", "4"))

    pohoda_edit(w, "issued_invoices", pid, edit)
    result = w.run()
    assert result.report.counts["issued_invoices"]["to_raynet"].updated == 1
    got = w.api().invoices.get(rid)
    assert got["note"] == "Opraveno" and items_of(got) == [("Kabel", D("5"), D("10"), D("21")),
                                                          ("Konektor", D("2"), D("4"), D("21"))]
    assert w.run().report.totals().updated == 0  # no echo


def test_first_run_pairs_existing_invoices_by_variable_symbol_instead_of_duplicating(world_factory):
    w = world_factory()
    company = raynet_company(w, "Théta a.s.", ico="88888888")
    pohoda_address(w, "Théta a.s.", ico="88888888")
    rid = raynet_invoice(w, company, [{"name": "Služba", "amount": 1, "unitPrice": D("100"), "taxRate": 21}],
                         title="Služba")
    vs = w.api().invoices.get(rid)["variableSymbol"]
    partner = get_path(pohoda_records(w, "address_book")[0], "addressbookHeader.id")
    pohoda_invoice(w, partner, [invoice_item("Služba", "1", "100")], text="Služba", header={"symVar": vs})
    result = w.run()
    assert result.report.counts["issued_invoices"]["to_pohoda"].linked == 1
    assert len(raynet_records(w, "invoice")) == 1 and len(pohoda_records(w, "issued_invoices")) == 1


def test_dry_run_lists_invoice_and_payment_writes_and_writes_nothing_R_G3(world_factory):
    w = world_factory()
    partner = pohoda_address(w, "Ióta s.r.o.", ico="99999999")
    pid = pohoda_invoice(w, partner, [invoice_item("Zboží", "1", "100")], text="Plán")
    pohoda_pay(w, pid, "50", dt.date(2025, 3, 10))
    plan = w.run(dry_run=True)
    writes = {(c.agenda, c.target, c.op) for c in plan.planned}
    assert {("issued_invoices", "raynet", "create"), ("payments", "raynet", "create")} <= writes
    assert plan.exit_code == 2 and raynet_records(w, "invoice") == []
    w.run()
    assert w.run(dry_run=True).exit_code == 0


def test_the_run_refuses_to_start_without_raynet_invoicing_module_R_F1(world_factory, tmp_path):
    w = world_factory()
    w.raynet.invoicing = False
    pohoda_address(w, "Kappa s.r.o.", ico="10101010")
    result = w.run()
    assert result.exit_code == 1 and "R-F1" in result.report.message
    assert "invoicing module" in result.report.message and "enabled: false" in result.report.message
    assert raynet_records(w, "company") == []  # refused before any agenda ran
    # switched off in the mapping, the rest of the sync runs
    w.use_mapping(mapping_overlay(tmp_path, "agendas:\n  issued_invoices:\n    enabled: false\n"
                                    "  payments:\n    enabled: false\n"))
    assert w.run().exit_code == 0 and len(raynet_records(w, "company")) == 1


def test_a_page_of_raynet_invoices_looks_its_clients_up_in_one_state_query_R_C1(world_factory, monkeypatch):
    """Issue 7 (transform rate): the links a page of records refers to are looked up at once
    (``Step.prefetch_page``), not once per record — and every invoice still finds its client (R-C1)."""
    from engine.state.sqlite import SqliteStateStore
    from engine.sync.steps.issued_invoices import IssuedInvoicesStep

    w = world_factory()
    for i in range(6):
        company = raynet_company(w, f"Klient {i} s.r.o.", ico=f"2{i:07d}")
        raynet_invoice(w, company, [{"name": f"Služba {i}", "amount": 1, "unitPrice": D("100"), "taxRate": 21}],
                       title=f"Faktura {i}")
    queries: list[tuple[str, tuple]] = []
    inside: list[bool] = []
    real_run = IssuedInvoicesStep.run

    def recording(real):
        def query(self, sql, params=()):
            if inside:
                queries.append((sql, params))
            return real(self, sql, params)
        return query

    def run(self):
        inside.append(True)
        try:
            real_run(self)
        finally:
            inside.clear()

    for name in ("_query", "_query_tuples"):
        monkeypatch.setattr(SqliteStateStore, name, recording(getattr(SqliteStateStore, name)))
    monkeypatch.setattr(IssuedInvoicesStep, "run", run)
    report = w.run(only=["address_book", "issued_invoices"]).report
    assert report.status == "ok", (report.message, report.quarantine)
    written = pohoda_records(w, "issued_invoices")
    assert sorted(get_path(r, "invoiceHeader.text") for r in written) == [f"Faktura {i}" for i in range(6)]
    clients = {get_path(r, "addressbookHeader.id") for r in pohoda_records(w, "address_book")}
    assert {get_path(r, "invoiceHeader.partnerIdentity.id") for r in written} <= clients
    one_by_one = [p for sql, p in queries if "raynet_id=?" in sql and p[0] == "address_book"]
    at_once = [p for sql, p in queries if "raynet_id IN" in sql and p[0] == "address_book"]
    assert one_by_one == [] and len(at_once) == 1
