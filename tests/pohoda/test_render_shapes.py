"""Shape-compiled writers (``engine.pohoda.shapes``) write exactly what the catalog walk writes (issue 7, Scale:
transform + render rate): the same XML, the same typed record, the same error naming the same field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.pohoda import render, shapes
from tests.pohoda import records
from tests.pohoda.test_typed_fields import RECORDS


def _outcome(fn, *args, **kwargs):
    """What ``fn`` gives, as its repr: typed values compare by their representation too (``Decimal("1E+3")``
    equals ``Decimal("1000")``, but POHODA's reader gives the second)."""
    try:
        return repr(("ok", fn(*args, **kwargs)))
    except render.RenderError as exc:
        return repr(("error", str(exc), exc.field))


def _walked(monkeypatch, fn, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(render, "USE_SHAPES", False)
        return _outcome(fn, *args, **kwargs)


def _fresh(monkeypatch):
    """Compile every element again (no shape made by an earlier test)."""
    monkeypatch.setattr(render, "_COMPILED", {})


SAMPLES = [
    ("address_book", records.company()), ("address_book", records.natural_person()),
    ("address_book", records.with_delivery_addresses(records.company())),
    ("contact_persons", records.contact_person()), ("contracts", records.contract()), ("offers", records.offer()),
    ("received_orders", records.received_order()), ("issued_invoices", records.invoice()),
    ("issued_invoices", records.invoice(foreign=True)), ("issued_invoices", records.invoice("issuedCorrectiveTax")),
    *RECORDS,
]


@pytest.mark.parametrize("agenda, record", SAMPLES, ids=[f"{a}-{i}" for i, (a, _) in enumerate(SAMPLES)])
def test_shapes_write_and_type_every_sample_as_the_walk_does(monkeypatch, agenda, record):
    _fresh(monkeypatch)
    walked = _walked(monkeypatch, render.write_fields, agenda, record)
    typed_walked = _walked(monkeypatch, render.typed_fields, agenda, record)
    assert walked.startswith("('ok'")
    for _ in range(2):  # the first call makes the shape, the second runs it
        assert _outcome(render.write_fields, agenda, record) == walked
        assert _outcome(render.typed_fields, agenda, record) == typed_walked
    node = render._compiled(render.catalogs.load("pohoda", agenda), {}).node("")
    assert callable(node.shapes_xml[tuple(record)])  # it did run a generated function


@pytest.mark.parametrize("agenda, kwargs", [
    ("received_orders", {"partner": {"id": 5}, "contract": {"id": 9}}),
    ("issued_invoices", {"partner": {"ext_id": "77"}, "invoice_type": "issuedInvoice"}),
    ("address_book", {}),
])
def test_rendered_documents_are_the_walks(monkeypatch, agenda, kwargs):
    record = dict(SAMPLES)[agenda]
    renderer = render.Renderer()
    walked = _walked(monkeypatch, renderer.render_document, agenda, record, ext_id="12", **kwargs)
    assert walked.startswith("('ok'")
    assert _outcome(renderer.render_document, agenda, record, ext_id="12", **kwargs) == walked


def test_values_the_shape_does_not_take_are_written_by_the_walk(monkeypatch):
    """Escaping, formatting and errors: a shape made from a plain record, then records that need more."""
    _fresh(monkeypatch)
    plain = {"orderHeader": {"text": "Objednávka", "date": dt.date(2025, 3, 1), "numberOrder": "A1"},
             "orderDetail": {"orderItem": [{"text": "x", "quantity": Decimal("2"),
                                           "homeCurrency": {"unitPrice": Decimal("1.5")}}]}}
    assert render.write_fields("received_orders", plain)  # makes the shape
    cases = [
        ("A & B <c> \r", Decimal("2"), dt.date(2025, 3, 1)),       # escaped text
        ("ok", 3, "2025-03-01"),                                     # int amount, date as text
        ("ok", "2.50", "2025-03-01T10:00:00"),                      # amount as text
        ("ok", Decimal("-0"), dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.timezone.utc)),  # -0, datetime
        ("bad \x01", Decimal("2"), dt.date(2025, 3, 1)),            # control character: error
        ("x" * 241, Decimal("2"), dt.date(2025, 3, 1)),             # too long: error
        ("ok", Decimal("NaN"), dt.date(2025, 3, 1)),                # not an amount: error
        ("ok", 2.5, dt.date(2025, 3, 1)),                           # float money: error
        ("ok", Decimal("2"), "1. 3. 2025"),                         # not a date: error
        ("ok", True, dt.date(2025, 3, 1)),                          # bool is no amount: error
    ]
    for text, quantity, date in cases:
        record = {"orderHeader": {"text": text, "date": date, "numberOrder": "A1"},
                  "orderDetail": {"orderItem": [{"text": text, "quantity": quantity,
                                                "homeCurrency": {"unitPrice": Decimal("1.5")}}]}}
        for fn in (render.write_fields, render.typed_fields):
            assert _outcome(fn, "received_orders", record) == _walked(monkeypatch, fn, "received_orders", record), \
                (fn.__name__, text, quantity, date)


def test_an_inlined_group_of_another_shape_is_written_by_its_own_element(monkeypatch):
    _fresh(monkeypatch)
    first = {"orderHeader": {"partnerIdentity": {"id": 5}, "text": "a"},
             "orderDetail": {"orderItem": [{"text": "x", "stockItem": {"stockItem": {"ids": "S1"}}}]}}
    other = {"orderHeader": {"partnerIdentity": {"extId": [{"ids": "7", "exSystemName": "raynet"}]}, "text": "b"},
             "orderDetail": {"orderItem": [{"stockItem": {"stockItem": {"ids": "S2"}}, "text": "y"},
                                           None, {"text": "z", "unknown": 1}]}}
    render.write_fields("received_orders", first)
    node = render._compiled(render.catalogs.load("pohoda", "received_orders"), {}).node("")
    assert len(node.shapes_xml) == 1
    for record in (first, other, {**other, "orderDetail": {"orderItem": ("tuple", "of", "texts")}},
                   {**other, "orderHeader": None}, {"orderHeader": {"partnerIdentity": {}, "text": "c"}}):
        for fn in (render.write_fields, render.typed_fields):
            assert _outcome(fn, "received_orders", record) == _walked(monkeypatch, fn, "received_orders", record)
    # the unknown item field is the walk's error, naming the item
    error = _outcome(render.write_fields, "received_orders", other)
    assert error.startswith("('error'") and "orderDetail.orderItem[2].unknown" in error


def test_no_record_value_reaches_the_generated_source(monkeypatch):
    _fresh(monkeypatch)
    sources = []
    real = shapes._define
    monkeypatch.setattr(shapes, "_define", lambda src: sources.append("\n".join(src.lines)) or real(src))
    evil = "__import__('os').system('echo owned')"
    record = {"orderHeader": {"text": evil, "numberOrder": "')\nimport os\n#", "date": dt.date(2025, 3, 1)},
              "orderDetail": {"orderItem": [{"text": evil, "unit": "x\"'\\"}]}}
    xml = render.write_fields("received_orders", record)
    assert sources and "owned" in xml
    for source in sources:
        assert "owned" not in source and "import os" not in source and "x\"'" not in source


def test_shapes_per_element_are_bounded_and_the_rest_is_walked(monkeypatch):
    _fresh(monkeypatch)
    node = render._compiled(render.catalogs.load("pohoda", "address_book"), {}).node("addressbookHeader")
    fields = ["phone", "email", "web", "fax", "mobil", "note", "ICQ", "Skype"]
    for n in range(shapes.MAX_SHAPES + 20):
        chosen = [f for i, f in enumerate(fields) if n >> i & 1] or ["note"]
        record = {"addressbookHeader": {f: f"{f} {n}" for f in chosen}}
        assert _outcome(render.write_fields, "address_book", record) == \
            _walked(monkeypatch, render.write_fields, "address_book", record)
    assert len(node.shapes_xml) == shapes.MAX_SHAPES


# --------------------------------------------------------------------------- any values, any shapes
_LEAVES = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["A & B", "<x>", "a\rb", "ctl\x02", "x" * 300, "high", "none",
                                                      "2025-03-01", "2025-02-30", " 12 ", "-0", "1e3"]),
    st.integers(-10, 10**6), st.booleans(), st.dates(), st.sampled_from([Decimal("-0"), Decimal("1.50E+3"),
                                                                       Decimal("NaN"), Decimal("0.00"), 2.5,
                                                                       Decimal("1E-7"), Decimal("-0.00"),
                                                                       Decimal("123E+2"), Decimal("-1E+1")]),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**6, max_value=10**6),
)
_ITEM_KEYS = ["text", "quantity", "unit", "rateVAT", "discountPercentage", "code", "homeCurrency", "stockItem", "note"]
_HEADER_KEYS = ["numberOrder", "date", "dateDelivery", "text", "partnerIdentity", "isExecuted", "note", "number"]


def _group(keys: list[str]):
    def build(draw_keys, values, nested):
        out = {}
        for key in draw_keys:
            if key == "homeCurrency":
                out[key] = {"unitPrice": values.pop()} if nested else values.pop()
            elif key == "stockItem":
                out[key] = {"stockItem": {"ids": values.pop()}} if nested else values.pop()
            elif key in ("partnerIdentity", "number"):
                out[key] = {"id" if key == "partnerIdentity" else "ids": values.pop()} if nested else values.pop()
            else:
                out[key] = values.pop()
        return out
    return st.builds(build, st.permutations(keys).flatmap(lambda p: st.integers(1, len(p)).map(lambda n: p[:n])),
                     st.lists(_LEAVES, min_size=len(keys), max_size=len(keys)), st.booleans())


_ORDERS = st.builds(lambda header, items: {"orderHeader": header, "orderDetail": {"orderItem": items}},
                    _group(_HEADER_KEYS), st.lists(st.one_of(_group(_ITEM_KEYS), st.none()), max_size=3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_ORDERS, second=_ORDERS)
def test_any_order_is_written_and_typed_as_the_walk_does(monkeypatch, first, second):
    """A shape made from one record, then run on another (guards, fast cases, errors): always the walk's result."""
    _fresh(monkeypatch)
    for record in (first, second, first):
        for fn in (render.write_fields, render.typed_fields):
            assert _outcome(fn, "received_orders", record) == _walked(monkeypatch, fn, "received_orders", record)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=_ORDERS)
def test_a_value_and_its_typed_copy_are_written_alike(record):
    """A document step types only what its POHODA shadow keeps (a received order's header) and leaves the rest
    (its items) to the render (issue 7): the render must write a value as it writes its typed copy, and refuse
    a value the typing refuses with the same error naming the same field."""
    typed = _outcome(render.typed_fields, "received_orders", record)
    written = _outcome(render.write_fields, "received_orders", record)
    if typed.startswith("('ok'"):
        assert _outcome(render.write_fields, "received_orders", render.typed_fields("received_orders", record)) \
            == written
    else:
        assert written == typed


def test_elements_with_attributes_are_inlined_only_where_no_attribute_is_set(monkeypatch):
    """A generated level has element keys only; a dict that sets an attribute (``rateVAT@value``,
    ``stockItem@insertAttachStock``, ``numberRequested@checkDuplicity``) is written by the walk, attributes and all."""
    _fresh(monkeypatch)
    plain = {"orderHeader": {"number": {"numberRequested": "OBJ1"}, "text": "a"},
             "orderDetail": {"orderItem": [{"text": "x", "rateVAT": "high", "stockItem": {"stockItem": {"ids": "S1"}}}]}}
    with_attributes = {
        "orderHeader": {"number": {"numberRequested": "OBJ2", "numberRequested@checkDuplicity": True}, "text": "b"},
        "orderDetail": {"orderItem": [
            {"text": "x", "rateVAT": "high", "rateVAT@value": Decimal("21"),
             "stockItem": {"stockItem": {"ids": "S1"}, "stockItem@insertAttachStock": False}},
            {"text": "y", "rateVAT": "low", "stockItem": {"stockItem": {"ids": "S2"}}}]}}
    for record in (plain, with_attributes, plain):
        for fn in (render.write_fields, render.typed_fields):
            assert _outcome(fn, "received_orders", record) == _walked(monkeypatch, fn, "received_orders", record)
    xml = render.write_fields("received_orders", with_attributes)
    assert '<ord:rateVAT value="21">high</ord:rateVAT>' in xml
    assert '<typ:stockItem insertAttachStock="false"><typ:ids>S1</typ:ids></typ:stockItem>' in xml
    assert '<typ:numberRequested checkDuplicity="true">OBJ2</typ:numberRequested>' in xml


def test_a_key_a_template_made_markup_never_reaches_generated_code_nor_later_renders(tmp_path, monkeypatch):
    """Review of issue 7: ``"contractDesc.text" | safe`` is a Markup key; its repr in a generated guard broke
    every later render of that shape (NameError), in every renderer of the process."""
    _fresh(monkeypatch)
    (tmp_path / "contract.xml.j2").write_text(
        '{% set doc = record | with_value("contractDesc.text" | safe, "x") %}'
        '<con:contract version="2.0">{{ doc | fields }}</con:contract>', encoding="utf-8")
    custom = render.Renderer(template_dirs=[tmp_path]).render_document("contracts", {})
    assert "<con:text>x</con:text>" in custom
    for record in ({"contractDesc": {"text": "ok"}}, {"contractDesc": {"text": "ok", "note": "n"}}):
        walked = _walked(monkeypatch, render.Renderer().render_document, "contracts", record)
        assert _outcome(render.Renderer().render_document, "contracts", record) == walked
        assert walked.startswith("('ok'")


def test_a_group_whose_fields_write_nothing_is_an_empty_element_as_the_walk_writes_it(monkeypatch):
    """Review of issue 7: an empty list inside an inlined group was written ``<g></g>``, the walk ``<g/>``."""
    _fresh(monkeypatch)
    records_ = [{"invoiceHeader": {"evidentiaryResourcesMOSS": {"ids": ["x"]}}},
                {"invoiceHeader": {"evidentiaryResourcesMOSS": {"ids": []}}},
                {"invoiceHeader": {"evidentiaryResourcesMOSS": {"ids": [None]}}},
                {"invoiceHeader": {"text": "a"}, "invoiceDetail": {"invoiceItem": [{"text": "b"}]}},
                {"invoiceHeader": {"text": "a"}, "invoiceDetail": {"invoiceItem": ()}},
                {"invoiceHeader": {"partnerIdentity": {"extId": ()}, "text": "a"}}]
    for record in records_ + records_:
        for fn in (render.write_fields, render.typed_fields):
            assert _outcome(fn, "issued_invoices", record) == _walked(monkeypatch, fn, "issued_invoices", record)
    assert "<inv:evidentiaryResourcesMOSS/>" in render.write_fields("issued_invoices", records_[1])
