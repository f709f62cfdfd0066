"""The SQLite state store: links, fingerprints, cursors, journal, quarantine, runs,
and its behaviour under kills, locks and read-only files."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from engine.state import IntentStatus, Link, StateError, open_state


@pytest.fixture()
def store(tmp_path):
    s = open_state(tmp_path / "state.sqlite")
    yield s
    s.close()


def test_uses_wal_journal(store):
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_links_roundtrip_and_lookup_by_either_side(store):
    link = store.save_link(Link(agenda="address_book", raynet_id=11, pohoda_id=7, raynet_entity="company",
                                raynet_ext_id="pohoda:address_book:7", pohoda_ext_id="11"))
    assert link.id is not None
    assert store.find_link("address_book", raynet_id=11) == link
    assert store.find_link("address_book", pohoda_id=7) == link
    assert store.find_link("address_book", pohoda_ext_id="11") == link
    assert store.find_link("contracts", raynet_id=11) is None
    # updating by id keeps one row
    updated = store.save_link(Link(**{**link.__dict__, "pohoda_number": "AD0007"}))
    assert updated.id == link.id and updated.pohoda_number == "AD0007"
    assert store.count_links() == {"address_book": 1}


def test_one_record_cannot_be_linked_twice(store):
    store.save_link(Link(agenda="stock", raynet_id=1, pohoda_id=1))
    with pytest.raises(StateError, match="already linked"):
        store.save_link(Link(agenda="stock", raynet_id=2, pohoda_id=1))
    store.save_link(Link(agenda="stock", raynet_id=3, pohoda_id=3))
    with pytest.raises(StateError, match="each already linked"):
        store.save_link(Link(agenda="stock", raynet_id=1, pohoda_id=3))
    with pytest.raises(StateError, match="does not exist"):
        store.save_link(Link(agenda="stock", raynet_id=9, pohoda_id=9, id=999))
    # a half link is completed, not duplicated
    half = store.save_link(Link(agenda="contracts", raynet_id=5, pohoda_id=None))
    full = store.save_link(Link(agenda="contracts", raynet_id=5, pohoda_id=50))
    assert full.id == half.id and store.count_links()["contracts"] == 1


def test_shadows_of_one_kind_are_listed_page_by_page_with_their_types(store, monkeypatch):
    """``iter_shadows``: every shadow of (agenda, side), by record id, across pages; other kinds left out."""
    from decimal import Decimal

    monkeypatch.setattr(type(store), "PAGE", 3)
    for i in range(8):
        store.set_shadow("received_orders", "closing_waiting", str(100 + i), {"n": Decimal(f"{i}.50")})
    store.set_shadow("received_orders", "closing_date", "100", {"date": "2025-01-01"})
    store.set_shadow("issued_invoices", "closing_waiting", "1", {"n": 1})
    listed = list(store.iter_shadows("received_orders", "closing_waiting"))
    assert [rid for rid, _ in listed] == [str(100 + i) for i in range(8)]
    assert listed[3][1] == {"n": Decimal("3.50")}
    assert list(store.iter_shadows("received_orders", "nothing")) == []


def test_shadows_keep_types_and_fingerprint(store):
    from datetime import date
    from decimal import Decimal

    shadow = {"price": Decimal("10.50"), "date": date(2026, 1, 31), "items": [{"code": "A"}], "n": 3}
    assert store.get_shadow("stock", "pohoda", "5") is None
    store.set_shadow("stock", "pohoda", "5", shadow)
    assert store.get_shadow("stock", "pohoda", "5") == shadow
    fp = store.get_fingerprint("stock", "pohoda", "5")
    store.set_shadow("stock", "pohoda", "5", {**shadow, "price": Decimal("10.5")})
    assert store.get_fingerprint("stock", "pohoda", "5") == fp  # same value, same fingerprint
    store.set_shadow("stock", "pohoda", "5", {**shadow, "price": Decimal("11")})
    assert store.get_fingerprint("stock", "pohoda", "5") != fp


def test_cursors(store):
    assert store.get_cursor("address_book", "to_raynet") is None
    store.set_cursor("address_book", "to_raynet", "2026-11-25T10:00:00+00:00")
    assert store.get_cursor("address_book", "to_raynet") == "2026-11-25T10:00:00+00:00"


def test_intent_lifecycle(store):
    run = store.start_run("standard.yaml")
    intent = store.begin_intent(run.id, "address_book", "raynet", "create", "address_book:pohoda:7",
                                source_id="7", ext_id="pohoda:address_book:7")
    assert store.pending_intents() == [intent]
    store.finish_intent(intent.id, IntentStatus.DONE, result_id="11")
    assert store.pending_intents() == []
    assert store.intents(run.id)[0].result_id == "11"


def test_transaction_is_atomic(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.save_link(Link(agenda="stock", raynet_id=1, pohoda_id=1))
            store.set_cursor("stock", "to_raynet", "x")
            raise RuntimeError("boom")
    assert store.count_links() == {}
    assert store.get_cursor("stock", "to_raynet") is None


def test_quarantine_counts_and_release(store):
    store.quarantine("address_book", "raynet", "42", "www is 40 characters, the limit is 32",
                     record_label="ACME s.r.o.", field="primaryAddress.contactInfo.www", rule="R-A2")
    store.quarantine("address_book", "raynet", "42", "www is 41 characters, the limit is 32",
                     record_label="ACME s.r.o.", field="primaryAddress.contactInfo.www", rule="R-A2")
    [entry] = store.quarantined()
    assert entry.times == 2 and entry.rule == "R-A2" and "41" in entry.message
    assert entry.first_seen <= entry.last_seen
    assert store.release("address_book", "raynet", "42") is True
    assert store.quarantined() == []
    assert store.release("address_book", "raynet", "42") is False


def test_a_killed_run_is_marked_interrupted(store):
    first = store.start_run()
    second = store.start_run()
    runs = {r.id: r.status for r in store.runs()}
    assert runs[first.id] == "interrupted" and runs[second.id] == "running"


def test_kill_during_a_transaction_leaves_the_database_consistent(tmp_path):
    path = tmp_path / "state.sqlite"
    open_state(path).close()
    script = textwrap.dedent(f"""
        import os, signal
        from engine.state import open_state, Link
        s = open_state({str(path)!r})
        s.save_link(Link(agenda="stock", raynet_id=1, pohoda_id=1))
        with s.transaction():
            for i in range(2, 500):
                s.save_link(Link(agenda="stock", raynet_id=i, pohoda_id=i))
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    store = open_state(path)
    try:
        assert store.check_integrity() == []
        # the committed link survived, the interrupted transaction left nothing behind
        assert store.count_links() == {"stock": 1}
    finally:
        store.close()


def test_locked_database_is_a_clear_error(tmp_path):
    path = tmp_path / "state.sqlite"
    store = open_state(path, timeout=0.2)
    blocker = sqlite3.connect(str(path), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StateError, match="locked by another process"):
            store.set_cursor("stock", "to_raynet", "x")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        store.close()


def test_read_only_database_is_a_clear_error(tmp_path):
    path = tmp_path / "state.sqlite"
    open_state(path).close()
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    ro.close()
    # open the store on a read-only URI: works as root too, unlike chmod
    from engine.state.sqlite import SqliteStateStore

    with pytest.raises(StateError, match="read-only|cannot be opened"):
        s = SqliteStateStore(f"file:{path}?mode=ro")
        s.set_cursor("stock", "to_raynet", "x")


def test_damaged_file_is_a_clear_error(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="damaged"):
        open_state(path)


# -- links looked up a page at a time (issue 7, transform rate) --------------------------------------------
def _queries(store, monkeypatch):
    seen = []
    for name in ("_query", "_query_tuples"):
        real = getattr(store, name)
        monkeypatch.setattr(store, name, lambda sql, params=(), real=real: seen.append(sql) or real(sql, params))
    return seen


def test_prefetched_links_answer_as_find_link_does_in_one_query(store, monkeypatch):
    for i in range(1, 6):
        store.save_link(Link(agenda="address_book", raynet_id=i, pohoda_id=100 + i))
    store.save_link(Link(agenda="contracts", raynet_id=3, pohoda_id=903))
    wanted = {i: store.find_link("address_book", raynet_id=i) for i in range(0, 8)}
    seen = _queries(store, monkeypatch)
    store.prefetch_links("address_book", [1, 2, 3, 4, 5, 6, 7, 0, None, "x", 3])
    assert len(seen) == 1
    assert {i: store.find_link("address_book", raynet_id=i) for i in range(0, 8)} == wanted
    assert len(seen) == 1  # all from memory, found or not
    assert store.find_link("contracts", raynet_id=3).pohoda_id == 903  # another agenda: asked as before
    assert len(seen) == 2
    # not found by the Raynet id: the other keys given are still looked up
    assert store.find_link("address_book", raynet_id=7, pohoda_id=105).raynet_id == 5


def test_a_saved_deleted_or_rolled_back_link_is_never_answered_from_the_prefetch(store):
    store.save_link(Link(agenda="address_book", raynet_id=1, pohoda_id=101))
    store.save_link(Link(agenda="contracts", raynet_id=1, pohoda_id=901))
    store.prefetch_links("address_book", [1, 2])
    store.prefetch_links("contracts", [1, 2])
    created = store.save_link(Link(agenda="address_book", raynet_id=2, pohoda_id=102))
    assert store.find_link("address_book", raynet_id=2) == created  # prefetched "none" is forgotten
    assert store.find_link("contracts", raynet_id=1).pohoda_id == 901
    store.prefetch_links("contracts", [1, 2])
    store.delete_link(store.find_link("contracts", raynet_id=1).id)
    assert store.find_link("contracts", raynet_id=1) is None
    # a link written in a transaction that rolls back: prefetched inside it, gone after it
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.save_link(Link(agenda="contracts", raynet_id=5, pohoda_id=905))
            store.prefetch_links("contracts", [5])
            assert store.find_link("contracts", raynet_id=5).pohoda_id == 905
            raise RuntimeError("rolled back")
    assert store.find_link("contracts", raynet_id=5) is None


def test_prefetched_answers_are_bounded(store, monkeypatch):
    monkeypatch.setattr(type(store), "PREFETCH_MAX", 10)
    store.prefetch_links("address_book", range(8))
    store.prefetch_links("contracts", range(8))
    assert len(store._prefetched) == 8
    store.prefetch_links("contracts", range(1200))  # more than one query's parameters, more than the bound
    assert store.find_link("contracts", raynet_id=1100) is None
    assert len(store._prefetched) == 1200  # at most the bound, or one call's ids


def test_saving_a_link_forgets_only_the_prefetched_answers_it_changes(store, monkeypatch):
    for i in range(1, 5):
        store.save_link(Link(agenda="received_orders", raynet_id=i, pohoda_id=100 + i, parent_key=f"contracts:{i}"))
    store.prefetch_links("received_orders", [1, 2, 3, 4, 9])
    store.prefetch_children("received_orders", ["contracts:1", "contracts:2", "contracts:9"])
    seen = _queries(store, monkeypatch)
    # an order of another record is saved: the answers about records 1, 2 and contract 1 still come from memory
    store.save_link(Link(agenda="received_orders", raynet_id=9, pohoda_id=109, parent_key="contracts:9"))
    before = len(seen)
    assert store.find_link("received_orders", raynet_id=1).pohoda_id == 101
    assert [link.raynet_id for link in store.links_with_parent("received_orders", "contracts:1")] == [1]
    assert len(seen) == before
    # ... and those about what it changed are asked again, and are right
    assert store.find_link("received_orders", raynet_id=9).pohoda_id == 109
    assert [link.raynet_id for link in store.links_with_parent("received_orders", "contracts:9")] == [9]
    # a link moved to another Raynet id and another parent: both its old and its new answers are right
    moved = store.find_link("received_orders", raynet_id=2)
    store.prefetch_links("received_orders", [2, 7])
    store.prefetch_children("received_orders", ["contracts:2", "contracts:1"])
    store.save_link(Link(**{**moved.__dict__, "raynet_id": 7, "parent_key": "contracts:1"}))
    assert store.find_link("received_orders", raynet_id=2) is None
    assert store.find_link("received_orders", raynet_id=7).pohoda_id == 102
    assert list(store.links_with_parent("received_orders", "contracts:2")) == []
    assert [link.raynet_id for link in store.links_with_parent("received_orders", "contracts:1")] == [1, 7]
    # a link found by its POHODA id (saved without its link id) leaves its old parent too
    half = store.save_link(Link(agenda="received_orders", raynet_id=None, pohoda_id=150, parent_key="contracts:5"))
    store.prefetch_children("received_orders", ["contracts:5", "contracts:6"])
    assert [link.id for link in store.links_with_parent("received_orders", "contracts:5")] == [half.id]
    store.save_link(Link(agenda="received_orders", raynet_id=15, pohoda_id=150, parent_key="contracts:6"))
    assert list(store.links_with_parent("received_orders", "contracts:5")) == []
    assert [link.raynet_id for link in store.links_with_parent("received_orders", "contracts:6")] == [15]


def test_links_read_back_are_the_links_saved_field_for_field(store):
    saved = store.save_link(Link(agenda="received_orders", raynet_id=3, pohoda_id=30, pohoda_number="OBP0001",
                                 raynet_ext_id="pohoda:received_orders:30", pohoda_ext_id="3",
                                 raynet_entity="salesOrder", deleted_on="pohoda", parent_key="contracts:9"))
    expected = Link(agenda="received_orders", raynet_id=3, pohoda_id=30, pohoda_number="OBP0001",
                    raynet_ext_id="pohoda:received_orders:30", pohoda_ext_id="3", raynet_entity="salesOrder",
                    deleted_on="pohoda", parent_key="contracts:9", id=saved.id)
    store.prefetch_links("received_orders", [3])
    for found in (saved, store.find_link("received_orders", pohoda_id=30), store.find_link("received_orders", raynet_id=3),
                  next(store.links_with_parent("received_orders", "contracts:9"))):
        assert found == expected and hash(found) == hash(expected) and repr(found) == repr(expected)
        with pytest.raises(AttributeError):
            found.raynet_id = 4  # still frozen


def test_prefetching_looks_the_values_up_in_their_index_not_through_the_agenda(store, monkeypatch):
    """With ``ORDER BY id`` SQLite walked every link of the agenda in id order (100 000 per page at scale)."""
    for i in range(1, 50):
        store.save_link(Link(agenda="received_orders", raynet_id=i, pohoda_id=i, parent_key=f"contracts:{i}"))
    seen = []
    real = store._query_tuples
    monkeypatch.setattr(store, "_query_tuples", lambda sql, params=(): seen.append((sql, params)) or real(sql, params))
    store.prefetch_links("received_orders", [3, 1, 2])
    store.prefetch_children("received_orders", ["contracts:2", "contracts:1"])
    assert len(seen) == 2
    plans = [" ".join(str(r[-1]) for r in store._db.execute("EXPLAIN QUERY PLAN " + sql, params))
             for sql, params in seen]
    assert "links_raynet" in plans[0] and "links_parent" in plans[1], plans
    assert [link.raynet_id for link in store.links_with_parent("received_orders", "contracts:2")] == [2]


def test_a_link_saved_with_its_raynet_id_as_text_is_not_answered_stale(store):
    """Review of issue 7: SQLite stores "5" as the integer 5, the prefetched answers' key."""
    store.prefetch_links("stock", [5])
    assert store.find_link("stock", raynet_id=5) is None
    store.save_link(Link(agenda="stock", raynet_id="5", pohoda_id=9))
    assert store.find_link("stock", raynet_id=5).pohoda_id == 9
