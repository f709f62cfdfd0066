"""Rendering POHODA documents: every template variant is XSD-valid, values are typed and checked."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from engine.pohoda import render
from engine.pohoda.render import PackItem, RenderError, Renderer
from tests.pohoda import records

NS = {"dat": "http://www.stormware.cz/schema/version_2/data.xsd",
      "typ": "http://www.stormware.cz/schema/version_2/type.xsd",
      "adb": "http://www.stormware.cz/schema/version_2/addressbook.xsd",
      "ord": "http://www.stormware.cz/schema/version_2/order.xsd",
      "inv": "http://www.stormware.cz/schema/version_2/invoice.xsd",
      "ftr": "http://www.stormware.cz/schema/version_2/filter.xsd",
      "lst": "http://www.stormware.cz/schema/version_2/list.xsd"}


def pack_of(*xmls):
    return render.render_datapack([PackItem(f"item{i}", x) for i, x in enumerate(xmls)], ico="12345678")


def assert_valid(validator, *xmls):
    pack = pack_of(*xmls)
    assert validator.validate(pack) == [], pack.decode("cp1250")
    return etree.fromstring(pack)


# -- every template variant validates ----------------------------------------------------

@pytest.mark.parametrize("variant", ["with_ico", "without_ico", "natural_person", "delivery_addresses"])
def test_address_book_add_variants_are_valid(pohoda_validator, variant):
    rec = {
        "with_ico": records.company(),
        "without_ico": records.company(ico=None),
        "natural_person": records.natural_person(),
        "delivery_addresses": records.with_delivery_addresses(records.company()),
    }[variant]
    root = assert_valid(pohoda_validator, render.render_document("address_book", rec, ext_id="1001"))
    ext = root.find(".//adb:identity/typ:extId", NS)
    assert ext.findtext("typ:ids", namespaces=NS) == "1001"
    assert ext.findtext("typ:exSystemName", namespaces=NS) == "raynet"
    if variant == "delivery_addresses":
        assert len(root.findall(".//typ:shipToAddress", NS)) == 2


@pytest.mark.parametrize("flt", [{"id": 5}, {"ext_id": "1001"}, {"ico": "12345679"}])
def test_address_book_update_via_action_type_and_filter(pohoda_validator, flt):
    xml = render.render_document("address_book", records.company(), action="update", filter=flt)
    root = assert_valid(pohoda_validator, xml)
    f = root.find(".//adb:actionType/adb:update/ftr:filter", NS)
    assert f is not None and len(f) == 1
    # an update does not add another extId to the record
    assert root.find(".//adb:identity/typ:extId", NS) is None


@pytest.mark.parametrize("main", [{"id": 5}, {"ext_id": "1001"}, 5])
def test_contact_person_points_to_main_record(pohoda_validator, main):
    xml = render.render_document("contact_persons", records.contact_person(), ext_id="p-77", ref_address=main)
    root = assert_valid(pohoda_validator, xml)
    ref = root.find(".//adb:refAddress", NS)
    assert ref is not None
    if main in (5, {"id": 5}):
        assert ref.findtext("typ:refAD", namespaces=NS) == "5"
    else:
        assert ref.findtext("typ:extId/typ:ids", namespaces=NS) == "1001"


def test_contract_offer_and_order_are_valid(pohoda_validator):
    assert_valid(
        pohoda_validator,
        render.render_document("contracts", records.contract(), partner={"id": 5}),
        render.render_document("offers", records.offer(), ext_id="off-1", partner={"ext_id": "1001"}),
        render.render_document("received_orders", records.received_order(), ext_id="so-1",
                               partner={"id": 5}, contract={"ids": "25ZAK0001"}),
    )


def test_received_order_links_to_contract_and_address_book_R_R5(pohoda_validator):
    xml = render.render_document("received_orders", records.received_order(), ext_id="so-1",
                                 partner={"ext_id": "1001"}, contract={"id": 17})
    root = assert_valid(pohoda_validator, xml)
    header = root.find(".//ord:orderHeader", NS)
    assert header.findtext("ord:orderType", namespaces=NS) == "receivedOrder"
    assert header.findtext("ord:extId/typ:ids", namespaces=NS) == "so-1"
    assert header.findtext("ord:partnerIdentity/typ:extId/typ:ids", namespaces=NS) == "1001"
    assert header.findtext("ord:contract/typ:id", namespaces=NS) == "17"


def test_offer_items_stock_linked_by_code_or_text_R_O1_R_E2(pohoda_validator):
    root = assert_valid(pohoda_validator, render.render_document("offers", records.offer()))
    items = root.findall(".//{*}offerItem")
    assert [i.findtext("{*}stockItem/{*}stockItem/{*}ids") for i in items] == ["SR-M6", None]


@pytest.mark.parametrize("kind", render.INVOICE_KINDS)
def test_every_invoice_kind_is_valid_R_F2(pohoda_validator, kind):
    xml = render.render_document("issued_invoices", records.invoice(kind), ext_id=f"inv-{kind}",
                                 partner={"id": 5}, links=[{"agenda": "receivedOrder", "number": "250100001", "manual": True}])
    root = assert_valid(pohoda_validator, xml)
    assert root.findtext(".//inv:invoiceType", namespaces=NS) == kind
    assert root.find(".//inv:links/typ:manualLink/typ:sourceDocument/typ:number", NS).text == "250100001"


def test_invoice_type_argument_wins_over_record(pohoda_validator):
    xml = render.render_document("issued_invoices", records.invoice("issuedInvoice"), invoice_type="issuedAdvanceInvoice")
    assert assert_valid(pohoda_validator, xml).findtext(".//inv:invoiceType", namespaces=NS) == "issuedAdvanceInvoice"


def test_foreign_currency_invoice_R_G5(pohoda_validator):
    root = assert_valid(pohoda_validator, render.render_document("issued_invoices", records.invoice(foreign=True)))
    fc = root.find(".//inv:invoiceSummary/inv:foreignCurrency", NS)
    assert fc.findtext("typ:currency/typ:ids", namespaces=NS) == "EUR"
    assert fc.findtext("typ:rate", namespaces=NS) == "25.125"
    assert root.find(".//inv:invoiceItem/inv:foreignCurrency/typ:unitPrice", NS).text == "2.50"


LIST_CASES = [
    ("address_book", {"id": 5}), ("address_book", {"ext_id": "1001"}),
    ("address_book", {"last_changes": dt.datetime(2025, 1, 1, 9, 30, tzinfo=dt.timezone.utc)}),
    ("address_book", {"query": "AD.ICO = '1'"}),
    ("stock", {"store": {"ids": "HLAVNI"}, "storage": "Zboží/Elektro", "last_changes": dt.datetime(2025, 1, 1)}),
    ("stock", {"code": "SR-M6"}), ("stock", None), ("sales_prices", None),
    ("contracts", {"last_changes": dt.datetime(2025, 1, 1)}),
    ("received_orders", {"number_series": ["25OP", "24OP"], "last_changes": dt.datetime(2025, 1, 1)}),
    ("offers", {"numbers": ["250300001"], "date_from": dt.date(2025, 1, 1), "date_till": dt.date(2025, 12, 31)}),
    ("issued_invoices", {"ext_id": "inv-1"}), ("payments", {"ico": "12345679"}),
]


@pytest.mark.parametrize("agenda,flt", LIST_CASES)
def test_list_requests_are_valid(pohoda_validator, agenda, flt):
    assert_valid(pohoda_validator, render.render_list_request(agenda, filter=flt, id_from=1, count=500))


@pytest.mark.parametrize("kind", render.INVOICE_KINDS)
def test_invoice_list_request_per_kind_with_liquidations(pohoda_validator, kind):
    root = assert_valid(pohoda_validator, render.render_list_request("payments", invoice_type=kind))
    req = root.find(".//lst:listInvoiceRequest", NS)
    assert req.get("invoiceType") == kind
    assert req.findtext("lst:restrictionData/lst:liquidations", namespaces=NS) == "true"


def test_last_changes_is_written_in_czech_local_time():
    xml = render.render_list_request("contracts", filter={"last_changes": dt.datetime(2025, 7, 1, 10, 0, tzinfo=dt.timezone.utc)})
    assert "<ftr:lastChanges>2025-07-01T12:00:00</ftr:lastChanges>" in xml


# -- values, escaping, encoding ------------------------------------------------------------

INJECTIONS = [
    "</typ:company><typ:ico>666</typ:ico><typ:company>",
    "]]><!-- x -->&amp;&lt;",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;',
    "\"'><script>alert(1)</script>",
    "Tab\tand\r\nCRLF",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_xml_injection_in_text_fields_stays_text(pohoda_validator, evil):
    rec = records.company(name=evil[:255], note=evil)
    root = assert_valid(pohoda_validator, render.render_document("address_book", rec))
    assert root.findtext(".//typ:company", namespaces=NS) == evil
    assert root.findtext(".//adb:note", namespaces=NS) == evil
    assert root.find(".//typ:ico", NS).text == "12345679"


def test_envelope_attributes_are_escaped(pohoda_validator):
    x = render.render_document("address_book", records.company())
    pack = render.render_datapack([PackItem("a", x)], ico="12345678", note='a"b<c>&\'', application="app <1>")
    assert pohoda_validator.validate(pack) == []
    root = etree.fromstring(pack)
    assert root.get("note") == 'a"b<c>&\'' and root.get("application") == "app <1>"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_any_text_round_trips_through_windows_1250(pohoda_validator, text):
    root = assert_valid(pohoda_validator, render.render_document("address_book", records.company(note=text)))
    assert root.findtext(".//adb:note", namespaces=NS) == text


def test_characters_outside_windows_1250_become_char_refs():
    pack = pack_of(render.render_document("address_book", records.company(name="Zhōngwén 中文 😀 €")))
    assert pack.startswith(b'<?xml version="1.0" encoding="Windows-1250"?>')
    assert b"&#20013;&#25991;" in pack and b"&#128512;" in pack and b"?" not in pack.split(b"?>", 1)[1]
    assert "€".encode("cp1250") in pack
    assert etree.fromstring(pack).findtext(".//typ:company", namespaces=NS) == "Zhōngwén 中文 😀 €"


def test_xsd_type_formatting():
    assert render.xsd_decimal(D("1E+3")) == "1000"
    assert render.xsd_decimal(D("-0.50")) == "-0.50"
    assert render.xsd_decimal(7) == "7"
    assert render.xsd_bool(False) == "false"
    assert render.xsd_date(dt.datetime(2025, 1, 1, 23, 30, tzinfo=dt.timezone.utc)) == "2025-01-02"
    assert render.xsd_datetime(dt.datetime(2025, 1, 1, 12, 0, 0, 123)) == "2025-01-01T12:00:00"
    assert render.xsd_int(D("5")) == "5"
    with pytest.raises(ValueError, match="never float"):
        render.xsd_decimal(1.5)


# -- errors name the record and the field ------------------------------------------------

def test_too_long_value_names_record_and_field_never_truncates():
    rec = records.company(web="w" * 97)
    with pytest.raises(RenderError) as exc:
        render.render_document("address_book", rec, label="Raynet company 42")
    msg = str(exc.value)
    assert "record Raynet company 42" in msg and "field addressbookHeader.web" in msg and "96" in msg


def test_mapping_limit_for_www_is_stricter_R_A2():
    strict = Renderer(limits={"address_book": {"addressbookHeader.web": 32}})
    rec = records.company(web="https://www.example-very-long-domain.cz")
    with pytest.raises(RenderError, match=r"field addressbookHeader\.web.*at most 32"):
        strict.render_document("address_book", rec, label="company 7")
    assert "example-very-long" in render.render_document("address_book", rec)


def test_item_field_error_names_the_item_index():
    rec = records.received_order()
    rec["orderDetail"]["orderItem"][1]["text"] = "x" * 91
    with pytest.raises(RenderError, match=r"orderDetail\.orderItem\[1\]\.text.*90"):
        render.render_document("received_orders", rec, label="order 9")


def test_unknown_field_suggests_the_right_one():
    rec = {"addressbookHeader": {"identity": {"address": {"compnay": "X"}}}}
    with pytest.raises(RenderError) as exc:
        render.render_document("address_book", rec, label="company 1")
    assert "addressbookHeader.identity.address.compnay" in str(exc.value)
    assert "did you mean addressbookHeader.identity.address.company" in str(exc.value)


def test_a_key_that_is_not_text_is_an_unknown_field_not_a_crash():
    for rec in ({5: "X"}, {"addressbookHeader": {7: "X"}}):
        with pytest.raises(RenderError, match="is not a field of POHODA"):
            render.render_document("address_book", rec, label="company 1")


@pytest.mark.parametrize("bad,match", [
    ({"credit": 1.5}, "never float"),
    ({"sex": "alien"}, "use one of: man, woman, unknown"),
    ({"p1": "yes"}, "true or false"),
    ({"note": "bell\x07"}, "U\\+0007"),
    ({"dateOfBirth": "yesterday"}, "YYYY-MM-DD"),
    ({"identity": "flat"}, "dict"),
])
def test_wrong_values_are_errors(bad, match):
    rec = {"addressbookHeader": {"identity": {"address": {"company": "X"}}, **bad}}
    with pytest.raises(RenderError, match=match):
        render.render_document("address_book", rec, label="company 1")


@pytest.mark.parametrize("agenda,rule", [("received_orders", "R-R6"), ("offers", "R-O3"),
                                         ("issued_invoices", "R-F4"), ("contracts", "R-Z5")])
def test_update_of_documents_is_refused(agenda, rule):
    with pytest.raises(RenderError, match=rule):
        render.render_document(agenda, {}, action="update", filter={"id": 1})


def test_update_needs_a_filter():
    with pytest.raises(RenderError, match="needs a filter"):
        render.render_document("address_book", records.company(), action="update")


# -- ids ---------------------------------------------------------------------------------

def test_item_and_pack_ids_are_deterministic_for_an_intent():
    a = render.item_id("issued_invoices", "add", "raynet-5")
    assert a == render.item_id("issued_invoices", "add", "raynet-5") and len(a) <= 64
    assert a != render.item_id("issued_invoices", "add", "raynet-6")
    u1 = render.item_id("address_book", "update", "1", {"a": D("1.0"), "b": 2})
    assert u1 == render.item_id("address_book", "update", "1", {"b": 2, "a": D("1.00")})
    assert u1 != render.item_id("address_book", "update", "1", {"a": D("1.1"), "b": 2})
    items = [PackItem(a, render.render_document("address_book", records.company()))]
    p1, p2 = render.render_datapack(items, ico="1"), render.render_datapack(items, ico="1")
    assert p1 == p2 and etree.fromstring(p1).get("id") == render.pack_id_for([a])


def test_item_ids_stay_what_earlier_versions_gave_so_a_resend_after_an_upgrade_keeps_its_id():
    """An intent journaled by an earlier rpsync and sent again by this one gets the same dataPackItem id (POHODA's
    duplicity check guards the re-send): sha256 of agenda, action, key and content joined by U+001F."""
    import hashlib

    xml = "<ord:order><ord:text>Šroub &amp; matice</ord:text></ord:order>"
    for args, joined in ((("received_orders", "add", "5", xml), f"received_orders\x1fadd\x1f5\x1f{xml}"),
                         (("address_book", "add", 12), "address_book\x1fadd\x1f12"),
                         (("address_book", "update", "1", {"a": 1}),
                          f"address_book\x1fupdate\x1f1\x1f{render.fingerprint({'a': 1})}")):
        digest = hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]
        assert render.item_id(*args).endswith(f"-{digest}"), args


def test_duplicate_item_ids_in_one_pack_are_refused():
    x = render.render_document("address_book", records.company())
    with pytest.raises(RenderError, match="twice"):
        render.render_datapack([PackItem("a", x), PackItem("a", x)], ico="1")


# -- templates are sandboxed -------------------------------------------------------------

def test_consultant_template_cannot_reach_python_internals(tmp_path):
    (tmp_path / "address_book.xml.j2").write_text(
        "<adb:addressbook version=\"2.0\">{{ record.__class__.__mro__ }}</adb:addressbook>", encoding="utf-8")
    with pytest.raises(RenderError):
        Renderer(template_dirs=[tmp_path]).render_document("address_book", records.company())


def test_consultant_template_output_is_escaped_and_undefined_is_an_error(tmp_path, pohoda_validator):
    (tmp_path / "address_book.xml.j2").write_text(
        '<adb:addressbook version="2.0"><adb:addressbookHeader><adb:note>{{ greeting }}</adb:note>'
        "</adb:addressbookHeader></adb:addressbook>", encoding="utf-8")
    r = Renderer(template_dirs=[tmp_path])
    xml = r.render_document("address_book", {}, greeting="</adb:note><evil/>")
    assert pohoda_validator.validate(pack_of(xml)) == []
    (tmp_path / "address_book.xml.j2").write_text("{{ nothing_here }}", encoding="utf-8")
    with pytest.raises(RenderError, match="template address_book.xml.j2.*nothing_here"):
        Renderer(template_dirs=[tmp_path]).render_document("address_book", {})


def test_helper_filters_run_the_renders_own_helpers_whatever_the_template_sets(tmp_path):
    """``doc | fields`` and the other helper filters skip the sandbox's per-call checks (issue 7, render rate),
    so they must call rpsync's helpers only: a template that sets a variable of the same name changes nothing."""
    (tmp_path / "contract.xml.j2").write_text(
        '{% set fields = "{0.__class__}".format %}{% set with_partner = "{0.__class__}".format %}'
        '<con:contract version="2.0">{{ record | with_partner("contractDesc.partnerIdentity", partner) | fields }}'
        "</con:contract>", encoding="utf-8")
    xml = Renderer(template_dirs=[tmp_path]).render_document("contracts", records.contract(), partner={"id": 4})
    assert "__class__" not in xml and "class" not in xml
    assert "<con:partnerIdentity><typ:id>4</typ:id></con:partnerIdentity>" in xml


def test_templates_written_for_the_helper_calls_still_render(tmp_path, pohoda_validator):
    """Consultants' templates from before the helper filters call the helpers as functions: the same XML."""
    (tmp_path / "received_order.xml.j2").write_text(
        '{% set doc = with_partner(record | with_value("orderHeader.extId", ext_id), "orderHeader.partnerIdentity",'
        ' partner) %}{% set doc = with_ref(doc, "orderHeader.contract", contract) %}'
        '<ord:order version="2.0">{{ fields(doc) }}</ord:order>', encoding="utf-8")
    kwargs = {"ext_id": "9", "partner": {"id": 5}, "contract": {"id": 6}}
    old = Renderer(template_dirs=[tmp_path]).render_document("received_orders", records.received_order(), **kwargs)
    new = Renderer().render_document("received_orders", records.received_order(), **kwargs)
    assert old.replace("\n", "") == new.replace("\n", "").replace(
        "<ord:orderType>receivedOrder</ord:orderType>", "")
    assert pohoda_validator.validate(pack_of(new)) == []


def test_datapack_items_written_at_once_are_what_a_template_loop_writes(tmp_path, pohoda_validator):
    """The shipped envelope takes its dataPackItem elements written at once (``items_xml``, issue 7 render
    rate); a consultant's envelope that loops over ``items`` itself gets the same bytes."""
    (tmp_path / "datapack.xml.j2").write_text(
        '<?xml version="1.0" encoding="{{ encoding }}"?>\n'
        '<dat:dataPack version="2.0" id="{{ pack_id }}" ico="{{ ico }}" application="{{ application }}" '
        'note="{{ note }}"\n{%- for prefix, uri in namespaces.items() %} xmlns:{{ prefix }}="{{ uri }}"{% endfor %}>\n'
        '{% for item in items %}\n<dat:dataPackItem version="2.0" id="{{ item["id"] }}">\n{{ item["xml"] }}\n'
        "</dat:dataPackItem>\n{% endfor %}\n</dat:dataPack>", encoding="utf-8")
    xmls = [render.render_document("address_book", records.company(name=f"Firma {n} & syn")) for n in range(3)]
    items = [PackItem(f'id-{n}"<&>', xml) for n, xml in enumerate(xmls)]
    shipped = Renderer().render_datapack(items, ico="12345678", note="a & b")
    looped = Renderer(template_dirs=[tmp_path]).render_datapack(items, ico="12345678", note="a & b")
    assert shipped == looped
    assert pohoda_validator.validate(render.render_datapack(
        [PackItem(f"id-{n}", xml) for n, xml in enumerate(xmls)], ico="12345678")) == []


def test_fields_in_a_list_request_template_is_a_clear_error(tmp_path):
    (tmp_path / "list_stock.xml.j2").write_text("<lStk:listStockRequest>{{ filter | fields }}</lStk:listStockRequest>",
                                                encoding="utf-8")
    with pytest.raises(RenderError, match="template list_stock.xml.j2.*only document templates"):
        Renderer(template_dirs=[tmp_path]).render_list_request("stock")


def test_helper_filters_outside_document_and_list_templates_are_clear_errors(tmp_path):
    (tmp_path / "list_contracts.xml.j2").write_text(
        "<lCon:listContractRequest>{{ (5 | ref_address_of)['refAD'] }}</lCon:listContractRequest>", encoding="utf-8")
    assert "5" in Renderer(template_dirs=[tmp_path]).render_list_request("contracts")
    (tmp_path / "datapack.xml.j2").write_text("{{ 5 | ref_address_of }}{{ items[0]['id'] }}", encoding="utf-8")
    with pytest.raises(RenderError, match="ref_address_of is a helper of document and list request templates"):
        Renderer(template_dirs=[tmp_path]).render_datapack([PackItem("a", "<x/>")], ico="1")
    (tmp_path / "datapack.xml.j2").write_text("{{ items[0]['id'] }} {{ items[:1][0]['xml'] }} {{ items | length }}",
                                              encoding="utf-8")
    pack = Renderer(template_dirs=[tmp_path]).render_datapack([PackItem("a", "<x/>")], ico="1")
    assert pack.decode("cp1250") == "a <x/> 1"


_tree = st.recursive(st.none() | st.text(max_size=2) | st.integers(0, 3) | st.lists(st.integers(0, 3), max_size=2),
                     lambda inner: st.dictionaries(st.sampled_from("abc"), inner, max_size=3), max_leaves=8)


@given(record=st.none() | st.dictionaries(st.sampled_from("abc"), _tree, max_size=3),
       names=st.lists(st.sampled_from("abc"), min_size=1, max_size=3), append=st.booleans(),
       value=st.integers(1, 9))
def test_with_value_copies_the_path_only_and_never_changes_the_record_it_is_given(record, names, append, value):
    """Templates add the document's own fields with ``with_value`` (issue 7: it copies only the dicts on the path)."""
    import copy

    before = copy.deepcopy(record)
    out = render.with_value(record, ".".join(names) + ("[]" if append else ""), value)
    assert record == before
    node, original = out, record
    for name in names[:-1]:
        assert node is not original
        node, original = node[name], (original or {}).get(name) if isinstance(original, dict) else None
    assert node is not original
    for key, kept in (original.items() if isinstance(original, dict) else ()):
        if key != names[-1]:
            assert node[key] is kept  # shared, not copied
    if not append:
        assert node[names[-1]] == value
    else:
        old = original.get(names[-1]) if isinstance(original, dict) else None
        assert node[names[-1]] == (list(old) if isinstance(old, (list, tuple)) else [old] if old else []) + [value]


def test_with_value_replaces_what_is_not_a_mapping_on_its_path_without_asking_its_truth():
    """Review of issue 7: a template's undefined value stored on the path is replaced, as before (its truth
    would raise StrictUndefined's error)."""
    from jinja2 import StrictUndefined

    assert render.with_value({"a": StrictUndefined(name="x"), "b": 2}, "a.c", 1) == {"a": {"c": 1}, "b": 2}


def test_with_value_refuses_to_descend_through_a_list():
    with pytest.raises(RenderError, match="through the list a"):
        render.with_value({}, "a[].b", 1)
    assert render.with_value(None, "a.", 1) == {"a": 1}  # a trailing dot sets the name before it
