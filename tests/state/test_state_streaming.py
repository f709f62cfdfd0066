"""Reads of the state that grow with the records come in pages, never all at once (issue 7, Scale)."""

from __future__ import annotations

import pytest

from engine.state import IntentStatus, Link, open_state
from engine.state.store import StateStore


@pytest.fixture()
def store(tmp_path, monkeypatch):
    s = open_state(tmp_path / "state.sqlite")
    monkeypatch.setattr(type(s), "PAGE", 3)  # pages of 3 rows: a handful of records crosses several pages
    yield s
    s.close()


def _journal(store, run_id, agenda, target, n, status=IntentStatus.DONE):
    for i in range(n):
        intent = store.begin_intent(run_id, agenda, target, "create", f"{agenda}:{target}:{i}")
        store.finish_intent(intent.id, status, result_id=str(100 + i) if status == IntentStatus.DONE else None)


def test_intent_results_are_the_runs_done_ids_of_one_agenda_and_target(store):
    run, other = store.start_run("m.yaml"), store.start_run("m.yaml")
    _journal(store, run.id, "address_book", "raynet", 8)
    _journal(store, run.id, "address_book", "pohoda", 2)
    _journal(store, run.id, "contact_persons", "raynet", 2)
    _journal(store, run.id, "address_book", "raynet", 2, status=IntentStatus.FAILED)
    _journal(store, other.id, "address_book", "raynet", 4)
    found = list(store.intent_results(run.id, agenda="address_book", target="raynet", status=IntentStatus.DONE))
    assert found == [str(100 + i) for i in range(8)]
    # the same answer as the protocol's generic version over every intent of the run
    assert found == list(StateStore.intent_results(store, run.id, agenda="address_book", target="raynet",
                                                   status=IntentStatus.DONE))


def test_intent_results_read_pages_not_every_intent(store, monkeypatch):
    run = store.start_run("m.yaml")
    _journal(store, run.id, "address_book", "raynet", 8)
    sizes: list[int] = []
    query = type(store)._query

    def counting(self, sql, params=()):
        rows = query(self, sql, params)
        sizes.append(len(rows))
        return rows

    monkeypatch.setattr(type(store), "_query", counting)
    monkeypatch.setattr(type(store), "intents", lambda *a, **k: pytest.fail("loads every intent of the run"))
    assert len(list(store.intent_results(run.id, agenda="address_book", target="raynet",
                                         status=IntentStatus.DONE))) == 8
    assert max(sizes) == 3 and len(sizes) == 3  # 3 + 3 + 2 rows


def test_links_of_an_agenda_come_in_pages_in_id_order(store):
    for i in range(7):
        store.save_link(Link(agenda="address_book", raynet_id=i, pohoda_id=50 + i))
        store.save_link(Link(agenda="stock", raynet_id=i, pohoda_id=90 + i))
    assert [l.raynet_id for l in store.iter_links("address_book")] == list(range(7))
    assert [l.pohoda_id for l in store.iter_links("stock")] == [90 + i for i in range(7)]
    assert len(list(store.iter_links())) == 14


def test_links_with_a_parent_are_found_by_the_parent_not_by_reading_every_link(store, monkeypatch):
    for i in range(6):
        store.save_link(Link(agenda="received_orders", raynet_id=i, pohoda_id=i, parent_key=f"contracts:{i % 2}"))
    store.save_link(Link(agenda="offers", raynet_id=9, pohoda_id=9, parent_key="contracts:0"))
    expected = [l.raynet_id for l in StateStore.links_with_parent(store, "received_orders", "contracts:0")]
    monkeypatch.setattr(type(store), "iter_links", lambda *a, **k: pytest.fail("reads every link of the agenda"))
    assert [l.raynet_id for l in store.links_with_parent("received_orders", "contracts:0")] == expected == [0, 2, 4]
    assert list(store.links_with_parent("received_orders", "contracts:7")) == []


def test_intent_results_of_one_op_only(store):
    run = store.start_run("m.yaml")
    _journal(store, run.id, "address_book", "raynet", 3)                    # creates: results 100 … 102
    update = store.begin_intent(run.id, "address_book", "raynet", "update", "address_book:update-raynet:7")
    store.finish_intent(update.id, IntentStatus.DONE, result_id="7")
    for op, expected in (("create", ["100", "101", "102"]), ("update", ["7"]), (None, ["100", "101", "102", "7"])):
        found = list(store.intent_results(run.id, agenda="address_book", target="raynet", status=IntentStatus.DONE,
                                          op=op))
        assert found == expected
        assert found == list(StateStore.intent_results(store, run.id, agenda="address_book", target="raynet",
                                                       status=IntentStatus.DONE, op=op))
