"""Per-run id collections on disk (issue 7: memory flat as the record counts grow)."""

from __future__ import annotations

import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest

from engine.sync.ondisk import IdMap, IdSet, IdTextMap, scratch_ids
from engine.sync.steps.base import RaynetRead
from engine.sync.steps.sub_records import shared_read


def test_an_id_set_behaves_as_a_set_of_ints_iterated_in_ascending_order():
    ids = IdSet([5, "3", 9])
    ids.add(-2)            # a dry run's placeholder id
    ids.add(5)
    ids.update([1, 3])
    assert list(ids) == [-2, 1, 3, 5, 9] and len(ids) == 5 and ids
    assert 3 in ids and "9" in ids and 4 not in ids and None not in ids
    ids.discard(3)
    assert list(ids) == [-2, 1, 5, 9]
    assert not IdSet()


def test_an_id_map_keeps_typed_values_and_pages_through_more_than_a_page(monkeypatch):
    monkeypatch.setattr("engine.sync.ondisk.PAGE", 3)
    when = datetime(2025, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=1)))
    memo = IdMap()
    for n in range(7, 0, -1):
        memo[n] = (when, n * 10)
    assert memo.get(4) == [when, 40] and memo.get(4)[0].utcoffset() == timedelta(hours=1)
    assert memo.get(99) is None and memo.get(None, "x") == "x"
    assert memo.pop(2) == [when, 20] and 2 not in memo and memo.pop(2, "gone") == "gone"
    assert [rid for rid, _ in memo.items()] == [1, 3, 4, 5, 6, 7] == list(memo)


def test_a_shared_read_kept_on_disk_streams_what_the_later_step_needs():
    now = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    changed = IdMap()
    changed[2] = (now - timedelta(minutes=5), 9)
    changed[1] = (now - timedelta(hours=2), 3)
    changed[3] = (None, None)
    ctx = type("Ctx", (), {"scratch": {"raynet_read:company": RaynetRead(now - timedelta(hours=1), changed)}})
    assert list(shared_read(ctx, "company", now - timedelta(minutes=30))) == [
        (2, (now - timedelta(minutes=5), 9)), (3, (None, None))]


def test_a_hundred_thousand_ids_cost_no_python_memory():
    """What a first run over 100 000 records kept as Python sets (60+ bytes an id: ~6 MB) stays on disk."""
    scratch: dict = {}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        ids = scratch_ids(scratch, "linked")
        ids.update(range(100_000))
        assert scratch_ids(scratch, "linked") is ids and len(ids) == 100_000
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 200_000, grown


@pytest.mark.parametrize("kind", [IdMap, IdTextMap])
def test_an_id_map_with_writes_in_memory_answers_as_a_dict_does(monkeypatch, kind):
    """IdMap keeps up to BUFFER writes in memory before writing them together (issue 7: a step writes one or two
    per record), and answers the ids ``prefetch`` looked up from memory (a page of records' ids at once); every
    read sees every write, in or out of the buffer, before or after a prefetch. IdTextMap keeps text as it is."""
    import random

    monkeypatch.setattr(IdMap, "BUFFER", 4)
    rng = random.Random(7)
    memo, model = kind(), {}
    for step in range(1500):
        rid = rng.randrange(12)
        op = rng.choice(["set", "set", "get", "get", "pop", "discard", "in", "len", "bool", "items", "prefetch"])
        if op == "prefetch":
            memo.prefetch(rng.sample(range(12), rng.randrange(1, 12)) + [None])
        elif op == "set":
            memo[rid] = ("raynet", step) if kind is IdMap else f"raynet:{step}"
            model[rid] = ["raynet", step] if kind is IdMap else f"raynet:{step}"
        elif op == "get":
            assert memo.get(rid, "none") == model.get(rid, "none")
        elif op == "pop":
            assert memo.pop(rid, "none") == model.pop(rid, "none")
        elif op == "discard":
            memo.discard(rid)
            model.pop(rid, None)
        elif op == "in":
            assert (rid in memo) == (rid in model)
        elif op == "len":
            assert len(memo) == len(model)
        elif op == "bool":
            assert bool(memo) == bool(model)
        else:
            assert list(memo.items()) == sorted(model.items()) and list(memo) == sorted(model)


def test_an_id_text_map_refuses_what_is_not_text():
    with pytest.raises(TypeError, match="text"):
        IdTextMap()[1] = ("raynet", 5)
