"""A document's item fields, as one generated function per mapping (issue 7, transform rate)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.sync.merge import Binding
from engine.sync.paths import set_path
from engine.sync.steps.documents import item_writer

_PATHS = ["text", "quantity", "homeCurrency.unitPrice", "homeCurrency.price", "stockItem.stockItem.ids",
          "list[0].x"]
_VALUES = st.one_of(st.none(), st.just(""), st.text(max_size=3), st.integers(), st.decimals(allow_nan=False),
                    st.just(Decimal("0")), st.just(0), st.just(False))


@given(writes=st.lists(st.tuples(st.sampled_from(_PATHS), _VALUES), max_size=8))
def test_item_fields_are_what_the_bindings_write_one_by_one(writes):
    """Every binding in order, None and "" left out, nested paths created, a later binding of a path winning:
    as the loop over the bindings did."""
    bindings = tuple(Binding(name=f"b{n}", raynet_path=None, pohoda_path=path, to_pohoda=lambda item, v=value: v)
                     for n, (path, value) in enumerate(writes)) + (
        Binding(name="copy", raynet_path="name", pohoda_path="text", to_pohoda=lambda item: item.get("name")),
        Binding(name="back only", raynet_path="x", pohoda_path="note", to_raynet=lambda p: 1))
    expected: dict = {}
    for b in bindings:
        if b.to_pohoda is not None:
            value = b.to_pohoda({"name": "Šroub"})
            if value is not None and value != "":
                set_path(expected, b.pohoda_path, value)
    assert item_writer(bindings)({"name": "Šroub"}) == expected
    assert item_writer(bindings) is item_writer(bindings)  # made once per bindings
