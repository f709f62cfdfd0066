"""A document's item fields, as one generated function per mapping (issue 7, transform rate)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

import pytest

from engine.mapping import load_mapping
from engine.mappingtest.harness import Harness
from engine.pohoda import render
from engine.resources import mappings_dir
from engine.sync.merge import Binding
from engine.sync.paths import set_path
from engine.sync.steps.base import Reject
from engine.sync.steps.documents import item_writer

_PATHS = ["text", "quantity", "homeCurrency.unitPrice", "homeCurrency.price", "stockItem.stockItem.ids",
          "list[0].x"]
_VALUES = st.one_of(st.none(), st.just(""), st.text(max_size=3), st.integers(), st.decimals(allow_nan=False),
                    st.just(Decimal("0")), st.just(0), st.just(False))


@given(writes=st.lists(st.tuples(st.sampled_from(_PATHS), _VALUES), max_size=8))
def test_item_fields_are_what_the_bindings_write_one_by_one_R_O1(writes):
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


def test_a_document_typed_in_part_still_names_its_first_error_in_xsd_order_R_G6():
    """Review of issue 7: a received order is typed only in its header (what its POHODA shadow keeps); when a
    value does not fit, the Reject names the whole document's first error in XSD order — `links` comes before
    the header — as typing the whole document did."""
    step = Harness(load_mapping(mappings_dir() / "standard.yaml")).step("received_orders", instance={}, links=())
    header, items = {"text": "bad\x01"}, {"orderItem": [{"text": "x\x02", "quantity": Decimal("1")}]}
    for record, field in (({"links": {"link": [{"sourceAgenda": "nonsense"}]}, "orderHeader": header,
                            "orderDetail": items}, "links.link[0].sourceAgenda"),
                          ({"orderHeader": header, "orderDetail": items}, "orderHeader.text")):
        with pytest.raises(Reject) as info:
            step.typed(record, lambda: "order 5")
        with pytest.raises(render.RenderError) as whole:
            render.typed_fields("received_orders", record, label="order 5")
        assert (info.value.field, info.value.message, info.value.rule) == (field, whole.value.message, "R-G6")
    typed = step.typed({"orderHeader": {"date": "2025-03-01"}, "orderDetail": items}, "order 5")
    assert str(typed["orderHeader"]["date"]) == "2025-03-01" and type(typed["orderHeader"]["date"]) is not str
    assert typed["orderDetail"] is items  # not kept by the shadow: as the mapping made it, for the render
