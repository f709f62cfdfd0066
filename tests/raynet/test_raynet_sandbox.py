"""The Raynet simulator's own behaviour (what the spec documents, and its declared guesses)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from datetime import date
from decimal import Decimal

import httpx
import pytest

from engine.raynet.entities import RaynetApi
from engine.raynet.errors import RaynetBadRequest, RaynetBusinessError, RaynetError
from engine.sandbox.raynet import RaynetSandbox

COMPANY = {"rating": "A", "state": "B_ACTUAL", "role": "A_SUBSCRIBER"}


@pytest.fixture
def rn():
    with RaynetSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def api(rn):
    client = rn.client()
    yield RaynetApi(client)
    client.close()


def _raw(rn, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, rn.url + path, auth=(rn.LOGIN, rn.API_KEY),
                         headers={"X-Instance-Name": rn.INSTANCE, **kwargs.pop("headers", {})}, **kwargs)


def test_rate_limit_headers_count_down_on_authenticated_answers_only(rn):
    anonymous = httpx.get(rn.url + "company/")
    assert anonymous.status_code == 401 and "X-Ratelimit-Remaining" not in anonymous.headers
    first = _raw(rn, "GET", "company/")
    second = _raw(rn, "GET", "company/", params={"nmae": "x"})  # errors count too
    assert second.status_code == 400
    assert first.headers["X-Ratelimit-Limit"] == "24000"
    assert int(first.headers["X-Ratelimit-Remaining"]) - int(second.headers["X-Ratelimit-Remaining"]) == 1
    assert int(first.headers["X-Ratelimit-Reset"]) % 86400 == 0  # UTC midnight


def test_paths_are_exact_and_verbs_as_documented(rn):
    assert _raw(rn, "GET", "company").status_code == 404  # documented with a trailing slash
    assert _raw(rn, "POST", "company/", json={"name": "x"}).status_code == 405  # create is PUT
    created = _raw(rn, "PUT", "company/", json={"name": "ACME", **COMPANY})
    assert created.status_code == 201 and created.json() == {"success": True, "data": {"id": 1}}
    assert _raw(rn, "PUT", "company/", content=b"{not json").status_code == 400


def test_dates_follow_the_date_format_parameter(rn):
    rn.store.create("company", {"name": "ACME", **COMPANY})
    plain = _raw(rn, "GET", "company/1/").json()["data"]["rowInfo.createdAt"]
    iso = _raw(rn, "GET", "company/1/", params={"dateFormat": "ISO8601"}).json()["data"]["rowInfo.createdAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", plain)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00", iso)  # Europe/Prague


def test_business_case_status_follows_its_phase_R_Z2(api):
    company = api.companies.create({"name": "ACME", **COMPANY})
    case = api.business_cases.create({"name": "OP", "company": company})
    detail = api.business_cases.get(case)
    assert detail["status"] == "B_ACTIVE" and detail["businessCasePhase"]["id"] == api.business_cases.phases()[0]["id"]
    assert detail["currency"]["value"] == "Kč" and re.fullmatch(r"OP-\d\d-001", detail["code"])
    before_closing = api.business_cases.phase_id(name="Před uzavřením")
    api.business_cases.update(case, {"businessCasePhase": before_closing})
    assert api.business_cases.get(case)["status"] == "B_ACTIVE"
    for status in ("E_WIN", "G_STORNO", "F_LOST"):
        api.business_cases.update(case, {"businessCasePhase": api.business_cases.phase_id(status=status)})
        assert api.business_cases.get(case)["status"] == status
    assert [c["id"] for c in api.business_cases.with_status("F_LOST")] == [case]
    with pytest.raises(RaynetBusinessError):
        api.business_cases.update(case, {"businessCasePhase": 999})
    with pytest.raises(RaynetError, match="existing phases"):
        api.business_cases.phase_id(name="Neexistuje")


def test_order_status_comes_from_the_instance_status_list_R_R2(api):
    company = api.companies.create({"name": "ACME", **COMPANY})
    case = api.business_cases.create({"name": "OP", "company": company})
    order = api.sales_orders.create({"name": "Obj", "company": company, "businessCase": case})
    assert api.sales_orders.get(order)["salesOrderStatus"]["value"] == "Příprava"
    api.sales_orders.update(order, {"salesOrderStatus": api.sales_orders.status_id("Akceptována")})
    assert api.sales_orders.get(order)["status"] == "E_WIN"
    api.sales_orders.update(order, {"salesOrderStatus": api.sales_orders.status_id("Zrušena")})
    assert api.sales_orders.get(order)["status"] == "G_STORNO"
    with pytest.raises(RaynetBusinessError):  # an order needs its business case
        api.sales_orders.create({"name": "Obj", "company": company})


def test_custom_fields_are_keyed_by_generated_keys_resolved_from_labels(api):
    key = api.custom_fields.create("company", label="Číslo klienta", group="Interní", data_type="STRING")
    amount = api.custom_fields.create("company", label="Roční obrat", group="Interní", data_type="BIG_DECIMAL")
    assert re.fullmatch(r"Cislo_klie_[0-9a-f]{5}", key)
    assert api.custom_fields.key_for("company", "Číslo klienta") == key
    with pytest.raises(RaynetError) as caught:
        api.custom_fields.key_for("company", "Cislo klienta")
    assert "'Číslo klienta'" in caught.value.hint and "'Roční obrat'" in caught.value.hint
    company = api.companies.create({"name": "ACME", **COMPANY, "customFields": {key: "AB123", amount: Decimal("12.5")}})
    assert api.companies.get(company)["customFields"] == {key: "AB123", amount: Decimal("12.5")}
    api.companies.update(company, {"customFields": {key: ""}})  # empty clears; empty fields are omitted
    assert api.companies.get(company)["customFields"] == {amount: Decimal("12.5")}
    with pytest.raises(RaynetBusinessError):
        api.companies.update(company, {"customFields": {"Neznamy_00000": "x"}})
    with pytest.raises(RaynetBadRequest):
        api.companies.update(company, {"customFields": {amount: "hodně"}})


def test_owner_must_be_a_user_and_owners_match_by_name_R_A3(api):
    owner = api.user_accounts.owner_by_name("Sandbox", "Správce")
    assert owner is not None and owner.username == "sandbox@example.com"
    person = api.persons.create({"firstName": "Jan", "lastName": "Novák"})
    with pytest.raises(RaynetBusinessError):
        api.companies.create({"name": "ACME", **COMPANY, "owner": person})
    company = api.companies.create({"name": "ACME", **COMPANY, "owner": owner.person_id})
    assert api.companies.get(company)["owner"] == {"id": owner.person_id, "fullName": "Sandbox Správce"}


def test_addresses_relationships_and_referential_integrity(api):
    company = api.companies.create({"name": "ACME", **COMPANY, "addresses": [{"address": {"name": "Sídlo"}}]})
    with pytest.raises(RaynetBusinessError):  # R-D2: the CRM requires an address name
        api.companies.add_address(company, {"address": {"street": "Bez názvu 1"}})
    branch = api.companies.add_address(company, {"address": {"name": "Provozovna", "city": "Brno"}})
    person = api.persons.create({"lastName": "Nová", "relationship": {"company": company, "type": "nákup",
                                                                        "companyAddress": branch}})
    detail = api.persons.get(person)
    assert detail["primaryRelationship"]["company"]["name"] == "ACME"
    assert detail["relationships"][0]["companyAddress"] == {"id": branch, "name": "Provozovna"}
    assert [p["id"] for p in api.persons.of_company(company)] == [person]
    with pytest.raises(RaynetBusinessError) as caught:
        api.companies.delete(company)
    assert caught.value.raynet_message == "TranslatedApplicationException: exception.stillReferenced"
    api.companies.set_primary_address(company, branch)
    addresses = api.companies.addresses(company)
    assert [a["primary"] for a in addresses] == [True, False] and addresses[0]["id"] == branch


def test_documents_with_items_and_invoice_payments(api):
    company = api.companies.create({"name": "ACME", **COMPANY})
    case = api.business_cases.create_with_items({"name": "OP", "company": company, "items": [
        {"productCode": "NOVY-1", "name": "Nový výrobek", "price": Decimal("100"), "count": Decimal(2),
         "taxRate": Decimal(21)}]})
    # [OAS] an unknown productCode creates a product
    assert [p["code"] for p in api.products.list()] == ["NOVY-1"]
    detail = api.business_cases.get(case)
    assert detail["totalAmount"] == Decimal("200.00") and detail["totalAmountWithTax"] == Decimal("242.00")
    invoice = api.invoices.create({"company": company, "currency": 1, "issueDate": "2025-01-02",
                                   "dueDate": "2025-01-16", "taxableSupplyDate": "2025-01-02",
                                   "invoiceType": "PROFORMA", "paymentType": "PAYMENT_CASH"})
    api.invoices.update(invoice, {"items": [{"name": "Záloha", "unitPrice": Decimal("100"), "amount": 1,
                                             "taxRate": Decimal(21)}]})
    api.invoices.add_payment(invoice, Decimal("21.00"), date(2025, 1, 3))
    api.invoices.add_payment(invoice, Decimal("100.00"), date(2025, 1, 5))
    detail = api.invoices.get(invoice)
    assert detail["invoiceState"] == "PAID" and detail["unpaidAmount"] == Decimal("0.00")
    assert detail["paymentDate"] == "2025-01-05" and len(detail["payments"]) == 2
    credit = api.invoices.create_credit_note(invoice, "storno")
    assert api.invoices.get(credit)["normalInvoice"]["id"] == invoice
    assert [i["id"] for i in api.invoices.of_type("CREDIT_NOTE")] == [credit]


def test_product_codes_are_unique_R_S2(api):
    api.products.create({"code": "P-1", "name": "A"})
    with pytest.raises(RaynetBusinessError) as caught:
        api.products.create({"code": "P-1", "name": "B"})
    assert "duplicateKey" in caught.value.raynet_message


def test_bulk_upsert_takes_at_most_100_items_and_the_client_splits(rn, api):
    products = [api.products.create({"code": f"P-{i}", "name": f"P {i}"}) for i in range(150)]
    price_list = api.price_lists.create({"name": "Akce", "code": "AKCE", "currency": 1, "validFrom": "2025-01-01"})
    too_many = _raw(rn, "POST", f"priceList/{price_list}/itemBulkUpsert/",
                    json=[{"product": p, "price": 1} for p in products[:101]])
    assert too_many.status_code == 500 and too_many.json()["translatedMessage"]
    results = api.price_lists.bulk_upsert(price_list, [{"product": p, "price": Decimal("9.90")} for p in products])
    assert len(results) == 150 and all(r.success and r.message == "inserted" for r in results)
    assert len(rn.store.requests_for("POST", f"/api/v2/priceList/{price_list}/itemBulkUpsert/")) == 3  # 1 refused + 2
    assert len(list(api.price_lists.items(price_list, page_size=100))) == 150


def test_product_codes_stay_unique_across_renames_and_deletes_R_S2(api):
    """Codes are found by index in the simulator (every product created or named by an order item scanned every
    product): a renamed code is free again, the new one taken, a deleted product's code free."""
    first = api.products.create({"code": "P-1", "name": "A"})
    api.products.update(first, {"code": "P-2"})
    second = api.products.create({"code": "P-1", "name": "B"})          # free again
    with pytest.raises(RaynetBusinessError):
        api.products.create({"code": "P-2", "name": "C"})
    with pytest.raises(RaynetBusinessError):
        api.products.update(second, {"code": "P-2"})
    api.products.delete(first)
    assert api.products.create({"code": "P-2", "name": "D"}) not in (first, second)


def test_price_list_items_are_found_by_product_after_deletes_and_product_changes_R_L2(rn, api):
    """The simulator finds a price list's item of a product by index (an upsert scanned every item: the scale
    bench's 100 000 related prices spent hours in the simulator): inserts, upserts, an item deleted, an item moved
    to another product and a whole price list deleted all keep the answers right."""
    a, b, c = (api.products.create({"code": f"X-{n}", "name": f"X {n}"}) for n in range(3))
    first = api.price_lists.create({"name": "Akce", "code": "AKCE", "currency": 1, "validFrom": "2025-01-01"})
    second = api.price_lists.create({"name": "Výprodej", "code": "VYP", "currency": 1, "validFrom": "2025-01-01"})
    [inserted] = api.price_lists.bulk_upsert(first, [{"product": a, "price": Decimal("1")}])
    [updated] = api.price_lists.bulk_upsert(first, [{"product": a, "price": Decimal("2")}])
    assert (inserted.message, updated.message) == ("inserted", "updated")
    assert updated.price_list_item == inserted.price_list_item
    assert [r.message for r in api.price_lists.bulk_upsert(second, [{"product": a, "price": 3}])] == ["inserted"]
    with pytest.raises(RaynetBusinessError):                    # one item per product and list
        api.price_lists.add_item(first, {"product": a, "price": 4})
    api.price_lists.delete_item(first, inserted.price_list_item)
    [again] = api.price_lists.bulk_upsert(first, [{"product": a, "price": Decimal("5")}])
    assert again.message == "inserted" and again.price_list_item != inserted.price_list_item
    api.price_lists.update_item(first, again.price_list_item, {"product": b})
    assert [r.message for r in api.price_lists.bulk_upsert(first, [{"product": b, "price": 6}])] == ["updated"]
    assert [r.message for r in api.price_lists.bulk_upsert(first, [{"product": a, "price": 7}])] == ["inserted"]
    api.price_lists.delete(second)
    assert [r.message for r in api.price_lists.bulk_upsert(first, [{"product": c, "price": 8}])] == ["inserted"]
    prices = {i["product"]["id"]: i["price"] for i in api.price_lists.items(first)}
    assert prices == {a: 7, b: 6, c: 8}


def test_seed_file_and_persistence_across_restarts(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({
        "codelists": {"companyCategory": [{"id": 15, "code01": "Zákazník"}]},
        "users": [{"username": "obchodnik@example.com", "firstName": "Jana", "lastName": "Nová"}],
        "customFields": {"Company": [{"label": "Číslo klienta", "name": "Cislo_klie_cd702"}]},
        "records": {"company": [{"id": 50, "name": "Seed s.r.o.", **COMPANY, "category": 15,
                                 "customFields": {"Cislo_klie_cd702": "K1"}, "extId": "pohoda:adb:50"}]},
    }), encoding="utf-8")
    store = tmp_path / "raynet.json"
    with RaynetSandbox(store_path=store, seed=seed) as rn:
        api = RaynetApi(rn.client())
        seeded = api.companies.get_by_ext_id("pohoda:adb:50")
        assert seeded["id"] == 50 and seeded["category"] == {"id": 15, "value": "Zákazník"}
        assert seeded["customFields"] == {"Cislo_klie_cd702": "K1"}
        assert {o.username for o in api.user_accounts.owners()} == {"sandbox@example.com", "obchodnik@example.com"}
        new = api.companies.create({"name": "Nová", **COMPANY})
        api.client.close()
    assert new == 51 and store.is_file()
    with RaynetSandbox(store_path=store, seed=None) as rn:  # loaded, not re-seeded
        api = RaynetApi(rn.client())
        assert [c["name"] for c in api.companies.list()] == ["Seed s.r.o.", "Nová"]
        assert api.companies.create({"name": "Třetí", **COMPANY}) == 52
        assert api.companies.get_by_ext_id("pohoda:adb:50")["id"] == 50
        api.client.close()


def test_seed_ids_that_are_taken_are_refused():
    with pytest.raises(ValueError, match="taken"):
        RaynetSandbox(seed={"records": {"person": [{"id": 1, "lastName": "Kolize"}]}})


def test_fault_rates_are_reproducible():
    from engine.sandbox.raynet import Faults

    def pattern() -> list[bool]:
        faults = Faults(error_rate=0.5, seed=7)
        return [faults.take_failure() is not None for _ in range(20)]

    assert pattern() == pattern() and 0 < sum(pattern()) < 20


def test_cli_serves_the_sandbox_until_interrupted(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from engine.cli import main; main()", "sandbox", "raynet", "--port", "0",
         "--quota", "50"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v2/")
        answer = httpx.get(url + "currency/", auth=("sandbox@example.com", "sandbox"),
                           headers={"X-Instance-Name": "sandbox"})
        assert answer.status_code == 200 and answer.headers["X-Ratelimit-Limit"] == "50"
        assert [c["code02"] for c in answer.json()["data"]] == ["CZK", "EUR"]
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err


def test_cli_refuses_a_missing_seed_file(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "from engine.cli import main; main()", "sandbox", "raynet", "--seed",
         str(tmp_path / "nope.json")],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2 and "does not exist" in result.stderr
