"""The pieces the sub-record steps share: parent keys, the waiting list, shared list reads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from engine.state import open_state
from engine.sync.steps.base import RaynetRead
from engine.sync.steps.sub_records import Parent, Waiting, shared_read


def test_parent_key_round_trips_and_rejects_other_text():
    parent = Parent(12, 5)
    assert parent.key == "company=12;adb=5" and Parent.parse(parent.key) == parent
    assert Parent.parse(Parent(-3, -4).key) == Parent(-3, -4)  # dry-run placeholders
    assert Parent.parse(None) is None and Parent.parse("company=1") is None


def test_waiting_entries_persist_until_read_once_linked(tmp_path):
    state = open_state(tmp_path / "s.sqlite")
    w = Waiting(state, "contact_persons", "raynet")
    w.add(7, 70)
    w.add(7)          # the whole parent and one child of it
    w.add(8, 80)
    assert w.linked(lambda p: True) == []           # nothing saved before the step finished
    w.finish()
    again = Waiting(state, "contact_persons", "raynet")
    assert again.linked(lambda p: p == 7) == [(7, None), (7, 70)]
    again.add(7, 70)                                 # read, but still waiting (e.g. quarantined again)
    again.finish()
    assert set(Waiting(state, "contact_persons", "raynet").entries()) == {(7, 70), (8, 80)}
    assert list(Waiting(state, "contact_persons", "pohoda").entries()) == []   # each side its own
    state.close()


def test_waiting_entries_are_rows_of_the_state_and_the_old_list_in_meta_moves_into_them(tmp_path):
    """A parent never linked costs a row, not a place in a list read and written whole every run; a state written
    by an earlier version (one JSON list in meta) keeps its entries."""
    import json

    state = open_state(tmp_path / "s.sqlite")
    state.set_meta("sub_records:payments:pohoda:waiting", json.dumps([[5, None], [12, None]]))
    w = Waiting(state, "payments", "pohoda")
    assert w.linked(lambda p: p == 12) == [(12, None)]
    assert state.get_meta("sub_records:payments:pohoda:waiting") is None       # moved into rows
    w.add(40)
    w.finish()
    assert sorted(state.iter_shadows("payments", "waiting:pohoda")) == [("40/", {}), ("5/", {})]
    many = Waiting(state, "payments", "pohoda")
    for parent in range(1000, 4000):
        many.add(parent)
    many.finish()
    assert sum(1 for _ in Waiting(state, "payments", "pohoda").entries()) == 3002
    Waiting(state, "payments", "pohoda").clear()
    assert list(Waiting(state, "payments", "pohoda").entries()) == []
    state.close()


def test_a_shared_read_is_used_only_when_it_covers_the_window():
    now = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    old, new = now - timedelta(hours=2), now - timedelta(minutes=5)
    ctx = SimpleNamespace(scratch={"raynet_read:company": RaynetRead(now - timedelta(hours=1),
                                                                      {1: (old, 3), 2: (new, 9)})})
    assert dict(shared_read(ctx, "company", now - timedelta(minutes=30))) == {2: (new, 9)}
    assert shared_read(ctx, "company", now - timedelta(hours=3)) is None   # this step is further behind
    assert shared_read(ctx, "company", None) is None                       # a first run needs the whole list
    assert shared_read(ctx, "person", now) is None
    ctx.scratch["raynet_read:company"] = RaynetRead(None, {1: (old, 3)})
    assert dict(shared_read(ctx, "company", None)) == {1: (old, 3)}


def test_status_counts_what_waits_per_agenda(tmp_path):
    """`rpsync status` shows the waiting rows (a list that only grows is seen before it matters)."""
    import json

    from typer.testing import CliRunner

    from engine.cli import app

    state = open_state(tmp_path / "s.sqlite")
    payments = Waiting(state, "payments", "pohoda")
    for invoice in (5, 6, 7):
        payments.add(invoice)
    payments.finish()
    persons = Waiting(state, "contact_persons", "raynet")
    persons.add(12, 120)
    persons.finish()
    state.set_shadow("received_orders", "closing_waiting", "31", {"date": "2025-06-01", "orders": [[9, None]]})
    state.set_shadow("received_orders", "raynet", "4", {"name": "not a waiting row"})
    state.close()
    shown = CliRunner().invoke(app, ["status", "--state", str(tmp_path / "s.sqlite"), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["waiting"] == [
        {"agenda": "contact_persons", "for": "a Raynet client to be linked", "records": 1},
        {"agenda": "payments", "for": "a POHODA record to be linked", "records": 3},
        {"agenda": "received_orders", "for": "an order to be linked (R-Z3 closing date)", "records": 1}]
    text = CliRunner().invoke(app, ["status", "--state", str(tmp_path / "s.sqlite")], env={"COLUMNS": "200"})
    assert "waiting" in text.stdout and "an order to be linked (R-Z3 closing date)" in text.stdout
