import copy
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.sync.paths import PathError, _set_path_walk, format_path, get_path, getter, parse_path, set_path, setter
from engine.sync.snapshot import canonical, fingerprint, same


@pytest.mark.parametrize("text,segments", [
    ("name", ("name",)),
    ("primaryAddress.address.street", ("primaryAddress", "address", "street")),
    ("items[0].code", ("items", 0, "code")),
    ('customFields["Stav zásob"]', ("customFields", "Stav zásob")),
    ("customFields['a \\' b']", ("customFields", "a ' b")),
])
def test_parse_and_format_paths(text, segments):
    assert parse_path(text) == segments
    assert parse_path(format_path(segments)) == segments


@pytest.mark.parametrize("bad", ["", ".a", "a..b", "a.", "a b", "a[x]", "a.[0]"])
def test_bad_paths_are_refused(bad):
    with pytest.raises(PathError):
        parse_path(bad)


def test_get_and_set():
    rec = {}
    set_path(rec, "primaryAddress.address.street", "Dlouhá 5")
    set_path(rec, 'customFields["Sklad Brno"]', Decimal("12"))
    set_path(rec, "items[1].code", "A1")
    assert rec["primaryAddress"]["address"]["street"] == "Dlouhá 5"
    assert get_path(rec, 'customFields["Sklad Brno"]') == Decimal("12")
    assert get_path(rec, "items[1].code") == "A1" and rec["items"][0] == {}
    assert get_path(rec, "missing.deeper") is None
    assert get_path(rec, "items[7].code") is None
    assert get_path({"a": "text"}, "a.b") is None


def test_canonical_values_ignore_spelling_differences():
    assert same(None, "")
    assert same(21, Decimal("21.00"))
    assert not same(Decimal("21.5"), 21)
    assert same({"b": 1, "a": None}, {"b": Decimal("1.0")})
    assert canonical(date(2026, 1, 2)) == {"$date": "2026-01-02"}
    assert canonical(Decimal("-0.00")) == {"$num": "0"}
    assert fingerprint({"x": Decimal("1.50"), "y": ""}) == fingerprint({"y": None, "x": Decimal("1.5")})
    assert fingerprint({"x": 1}) != fingerprint({"x": 2})


# -- the fast cases of paths (issue 7, transform rate) --------------------------------------------
_NAMES = st.sampled_from(["a", "b", "c", "addressbookHeader"])
_TREES = st.recursive(st.one_of(st.none(), st.integers(), st.text(max_size=3)),
                      lambda kids: st.one_of(st.dictionaries(_NAMES, kids, max_size=3), st.lists(kids, max_size=3)),
                      max_leaves=12)


@given(record=_TREES, path=st.lists(st.one_of(_NAMES, st.integers(-2, 2)), min_size=1, max_size=4))
def test_getter_reads_what_get_path_reads(record, path):
    segments = tuple(path)
    assert getter(segments)(record) == get_path(record, segments)
    if all(isinstance(seg, str) for seg in segments):  # as text too (a path of names, as mappings write them)
        text = format_path(segments)
        assert getter(text)(record) == get_path(record, text)


@given(record=st.dictionaries(_NAMES, _TREES, max_size=3), path=st.lists(_NAMES, min_size=1, max_size=4),
       value=st.integers())
def test_set_path_of_names_does_what_the_general_walk_does(record, path, value):
    """``set_path`` and ``setter`` (unrolled for one and two names) of a path of names: the general walk."""
    def outcome(write):
        target = copy.deepcopy(record)
        try:
            write(target)
        except (AttributeError, TypeError) as exc:
            return type(exc), target
        return None, target

    walked = outcome(lambda target: _set_path_walk(target, tuple(path), value))
    assert outcome(lambda target: set_path(target, ".".join(path), value)) == walked
    assert outcome(lambda target: setter(".".join(path))(target, value)) == walked
