"""The production Raynet client against the simulator, over real loopback HTTP."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from engine.errors import ConfigError
from engine.raynet.client import RaynetClient
from engine.raynet.entities import RaynetApi, last_modified_at
from engine.raynet.errors import (
    QuotaExhausted,
    RaynetAuthError,
    RaynetBadRequest,
    RaynetBusinessError,
    RaynetNotFound,
    RaynetServerError,
    RaynetUncertainWrite,
    RequestLimitReached,
)
from engine.raynet.quota import RequestBudget
from engine.sandbox.raynet import RaynetSandbox
from engine.secrets import Secret

COMPANY = {"rating": "A", "state": "B_ACTUAL", "role": "A_SUBSCRIBER"}


class Clock:
    """A settable clock shared by the simulator (rowInfo stamps, quota window)."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc).timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def rn():
    with RaynetSandbox() as sandbox:
        yield sandbox


def _no_sleep(delays: list[float] | None = None):
    return (lambda s: delays.append(s)) if delays is not None else (lambda s: None)


def _seed_companies(rn, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        rn.store.create("company", {"name": f"Firma {i:05d}", **COMPANY, "regNumber": f"{10000000 + i}"})


def _sent(rn, method: str, prefix: str = "/api/v2/company/") -> int:
    return len([r for r in rn.store.requests_for(method, prefix) if r.authenticated])


# ------------------------------------------------------------------- paging


def test_paging_reads_every_record_once_across_several_pages(rn):
    _seed_companies(rn, 2500)
    with rn.client() as client:
        records = list(client.iter_list("company"))
        assert len(records) == 2500
        assert [r["id"] for r in records] == sorted({r["id"] for r in records})
        assert client.requests_spent == 3  # 1000 + 1000 + 500: pages of Raynet's maximum
    queries = [r.query for r in rn.store.requests_for("GET", "/api/v2/company/")]
    assert all("limit=1000" in q and "dateFormat=ISO8601" in q and "sortColumn=id" in q for q in queries)
    assert [q.split("offset=")[1].split("&")[0] for q in queries] == ["0", "1000", "2000"]


def test_a_list_read_holds_one_page_at_a_time_and_no_answer_body(rn, monkeypatch):
    """Issue 7 (memory flat): when the next page is asked for, the previous one holds no record any more,
    and no httpx response keeps its body (a response sits in a reference cycle: only a full garbage
    collection frees it, so kept bodies of ~1 MB list pages piled up)."""
    import gc

    _seed_companies(rn, 25)
    with rn.client() as client:
        pages: list[list] = []
        list_page = client.list_page

        def watched(*args, **kwargs):
            assert all(not records for records in pages), "a previous page still holds records"
            page = list_page(*args, **kwargs)
            pages.append(page.records)
            return page

        monkeypatch.setattr(client, "list_page", watched)
        gc.collect()
        gc.disable()
        try:
            names = [r["name"] for r in client.iter_list("company", page_size=10)]
            kept = [o for o in gc.get_objects() if isinstance(o, httpx.Response) and hasattr(o, "_content")]
        finally:
            gc.enable()
    assert names == [f"Firma {i:05d}" for i in range(25)] and len(pages) == 3
    assert kept == []


def test_small_pages_stop_at_total_count(rn):
    _seed_companies(rn, 15)
    with rn.client() as client:
        assert [r["name"] for r in client.iter_list("company", page_size=7)] == [f"Firma {i:05d}" for i in range(15)]
        assert client.requests_spent == 3
        page = client.list_page("company", limit=7, offset=14)
        assert page.total == 15 and len(page.records) == 1
        with pytest.raises(ValueError):
            client.list_page("company", limit=1001)


def test_simulator_caps_a_page_at_1000_and_defaults_to_20(rn):
    _seed_companies(rn, 1100)
    auth = (rn.LOGIN, rn.API_KEY)
    headers = {"X-Instance-Name": rn.INSTANCE}
    big = httpx.get(rn.url + "company/", params={"limit": 5000}, auth=auth, headers=headers).json()
    assert big["totalCount"] == 1100 and len(big["data"]) == 1000
    default = httpx.get(rn.url + "company/", auth=auth, headers=headers).json()
    assert len(default["data"]) == 20


# ------------------------------------------------------------------ filters


def test_filters_select_records_as_documented(rn):
    _seed_companies(rn, 30)
    with rn.client() as client:
        like = list(client.iter_list("company", filters={"name[LIKE]": "Firma 0001%"}))
        assert [r["name"] for r in like] == [f"Firma {i:05d}" for i in range(10, 20)]
        assert [r["id"] for r in client.iter_list("company", filters={"regNumber[EQ]": "10000007"})] == [8]
        nocase = list(client.iter_list("company", filters={"name[LIKE_NOCASE]": "firma 0002_"}))
        assert len(nocase) == 10
        both = list(client.iter_list("company", filters=[("name[LIKE]", "Firma%"), ("regNumber[NE]", "10000000")]))
        assert len(both) == 29
        desc = list(client.iter_list("company", sort=("name", "DESC"), page_size=5))
        assert desc[0]["name"] == "Firma 00029" and len(desc) == 30


def test_unknown_filter_column_is_a_typed_400_naming_the_request(rn):
    with rn.client() as client:
        with pytest.raises(RaynetBadRequest) as caught:
            list(client.iter_list("product", filters={"code[EQ]": "P-1"}))  # not a documented product filter
    error = caught.value
    assert error.status == 400
    assert error.raynet_message == "Unsupported filter column code"
    assert error.request == "GET /product/"
    with rn.client() as client:
        with pytest.raises(RaynetBadRequest, match="operator"):
            list(client.iter_list("company", filters={"regNumber[LIKE]": "1%"}))  # only EQ, NE documented
        with pytest.raises(RaynetBadRequest, match="sort"):
            list(client.iter_list("company", sort=("taxNumber", "ASC")))


def test_changed_since_reads_only_records_modified_at_or_after_the_moment():
    clock = Clock()
    with RaynetSandbox(clock=clock) as rn:
        api = RaynetApi(rn.client())
        old = api.companies.create({"name": "Stará", **COMPANY})
        clock.advance(3600)
        cursor = datetime.fromtimestamp(clock.now, tz=timezone.utc)
        clock.advance(60)
        new = api.companies.create({"name": "Nová", **COMPANY})
        assert [c["id"] for c in api.companies.changed_since(cursor)] == [new]
        clock.advance(60)
        api.companies.update(old, {"notice": "změna"})
        changed = list(api.companies.changed_since(cursor))
        assert [c["id"] for c in changed] == [new, old]  # oldest change first
        assert last_modified_at(changed[1]) == datetime.fromtimestamp(clock.now, tz=timezone.utc)
        assert last_modified_at(changed[1]).utcoffset() == timedelta(hours=1)  # user's zone, ISO 8601
        probe = list(api.companies.changed_since(cursor, view="rowInfo"))
        assert set(probe[0]) == {"id", "_version", "rowInfo.createdAt", "rowInfo.createdBy", "rowInfo.updatedAt",
                                 "rowInfo.updatedBy", "rowInfo.rowAccess", "rowInfo.rowState"}
        api.client.close()


# ------------------------------------------------------- create / update / ext


def test_create_update_and_ext_id_lookup(rn):
    api = RaynetApi(rn.client())
    company = api.companies.create({"name": "ACME s.r.o.", **COMPANY, "regNumber": "12345678",
                                    "notice": "první"}, ext_id="pohoda:adb:7")
    found = api.companies.get_by_ext_id("pohoda:adb:7")
    assert found["id"] == company and found["name"] == "ACME s.r.o." and found["_version"] == 1
    assert found["rowInfo.updatedAt"] is None and found["rowInfo.createdBy"] == rn.LOGIN
    assert api.companies.get_by_ext_id("pohoda:adb:8") is None
    api.companies.update(company, {"notice": "druhá"})  # partial: nothing else changes
    after = api.companies.get(company)
    assert after["notice"] == "druhá" and after["regNumber"] == "12345678" and after["rating"] == "A"
    assert after["_version"] == 2 and after["rowInfo.updatedAt"] is not None
    assert rn.store.get("company", company)["extIds"] == ["pohoda:adb:7"]
    with pytest.raises(RaynetNotFound):
        api.companies.get(company + 100)
    api.client.close()


def test_create_with_an_existing_ext_id_returns_that_record(rn):
    api = RaynetApi(rn.client())
    first = api.companies.create({"name": "ACME", **COMPANY}, ext_id="pohoda:adb:1")
    again = api.companies.create({"name": "ACME", **COMPANY}, ext_id="pohoda:adb:1")
    assert again == first and rn.store.count("company") == 1
    api.client.close()


def test_missing_required_field_is_raynets_business_error(rn):
    api = RaynetApi(rn.client())
    with pytest.raises(RaynetBusinessError) as caught:
        api.companies.create({"name": "Bez stavu", "rating": "A", "role": "A_SUBSCRIBER"})
    assert caught.value.status == 500 and "state" in caught.value.translated_message
    assert caught.value.request == "PUT /company/"
    assert rn.store.count("company") == 0
    api.client.close()


def test_a_record_holds_at_most_ten_ext_ids(rn):
    api = RaynetApi(rn.client())
    company = api.companies.create({"name": "ACME", **COMPANY}, ext_id="x:0")
    for i in range(1, 10):
        api.companies.add_ext_id(company, f"x:{i}")
    with pytest.raises(RaynetBusinessError):
        api.companies.add_ext_id(company, "x:10")
    api.companies.remove_ext_id(company, "x:0")
    assert api.companies.get_by_ext_id("x:0") is None and api.companies.get_by_ext_id("x:9")["id"] == company
    api.client.close()


def test_money_stays_decimal_both_ways(rn):
    api = RaynetApi(rn.client())
    product = api.products.create({"code": "P-1", "name": "Pohovka", "price": Decimal("1499.99")})
    price_list = api.price_lists.create({"name": "EUR", "code": "EUR", "currency": api.currencies.by_iso()["EUR"],
                                         "validFrom": "2025-01-01"})
    api.price_lists.add_item(price_list, {"product": product, "price": Decimal("52.381"), "cost": Decimal("0.1")})
    item = next(api.price_lists.items(price_list))
    assert item["price"] == Decimal("52.381") and isinstance(item["price"], Decimal)
    assert item["cost"] == Decimal("0.1")
    assert api.products.get(product)["primaryPriceListItem"]["price"] == Decimal("1499.99")
    api.client.close()


# ---------------------------------------------------------------- the quota


def test_run_budget_stops_cleanly_and_the_next_run_resumes_where_it_stopped(rn):
    _seed_companies(rn, 2500)
    seen: list[int] = []
    with rn.client(budget=2) as first_run:
        with pytest.raises(QuotaExhausted) as caught:
            for record in first_run.iter_list("company"):
                seen.append(record["id"])
        assert first_run.requests_spent == 2
    stop = caught.value
    assert stop.reason == "run" and stop.resume_at is None and stop.resume_offset == 2000
    assert "budget" in str(stop)
    assert len(seen) == 2000
    with rn.client(budget=2) as second_run:
        seen += [r["id"] for r in second_run.iter_list("company", offset=stop.resume_offset)]
    assert sorted(seen) == list(range(1, 2501)) and len(seen) == 2500


def test_reserve_is_never_overdrawn_and_the_stop_says_when_to_go_on():
    clock = Clock()
    with RaynetSandbox(quota_limit=100, clock=clock) as rn:
        rn.quota.remaining = 12
        with rn.client(budget=RequestBudget(reserve=10, clock=clock)) as client:
            list(client.iter_list("currency", sort=None))
            list(client.iter_list("currency", sort=None))
            with pytest.raises(QuotaExhausted) as caught:
                list(client.iter_list("currency", sort=None))
        assert rn.quota.remaining == 10  # two requests went out, the reserve stayed
        stop = caught.value
        assert stop.reason == "reserve"
        assert stop.resume_at == datetime(2025, 3, 2, tzinfo=timezone.utc)  # next UTC midnight
        assert "2025-03-02 00:00:00 UTC" in str(stop)


def test_reserve_as_a_share_of_the_daily_limit():
    with RaynetSandbox(quota_limit=1000) as rn:
        rn.quota.remaining = 51
        with rn.client(reserve=0.05) as client:  # 5 % of 1000 = 50 stay for others
            list(client.iter_list("currency", sort=None))
            with pytest.raises(QuotaExhausted):
                list(client.iter_list("currency", sort=None))
        assert rn.quota.remaining == 50


def test_raynets_429_stops_all_traffic_until_the_reset():
    clock = Clock()
    with RaynetSandbox(quota_limit=5, clock=clock) as rn:
        rn.quota.remaining = 0
        with rn.client(budget=RequestBudget(reserve=0, clock=clock)) as client:
            with pytest.raises(RequestLimitReached) as caught:
                list(client.iter_list("currency", sort=None))
            assert caught.value.status == 429 and caught.value.resume_at == datetime(2025, 3, 2, tzinfo=timezone.utc)
            sent = len(rn.store.requests)
            with pytest.raises(QuotaExhausted):
                list(client.iter_list("currency", sort=None))
            assert len(rn.store.requests) == sent  # nothing more was sent
        clock.advance(24 * 3600)  # the next day: a new window and a new run
        with rn.client(budget=RequestBudget(reserve=0, clock=clock)) as client:
            assert len(list(client.iter_list("currency", sort=None))) == 2
            assert client.quota.remaining == 4 and client.quota.limit == 5


# ------------------------------------------------------------------ retries


def test_lost_create_answer_is_retried_without_a_duplicate_thanks_to_the_ext_id(rn):
    rn.faults.drop_next(1, method="PUT")
    with rn.client(sleep=_no_sleep()) as client:
        company = client.create("company", {"name": "ACME", **COMPANY}, ext_id="pohoda:adb:1")
    assert [c["id"] for c in rn.store.records("company")] == [company]
    assert _sent(rn, "PUT") == 1  # the lookup showed it had landed: no second PUT
    assert len([r for r in rn.store.requests_for("GET", "/api/v2/company/ext/")]) == 1


def test_create_whose_first_attempt_did_not_land_is_sent_again_once(rn):
    rn.faults.fail_next(1, status=503)
    delays: list[float] = []
    with rn.client(sleep=_no_sleep(delays)) as client:
        company = client.create("company", {"name": "ACME", **COMPANY}, ext_id="pohoda:adb:1")
    assert rn.store.count("company") == 1 and rn.store.records("company")[0]["id"] == company
    assert _sent(rn, "PUT") == 2 and len(delays) == 1


def test_lost_create_answer_without_ext_id_is_not_repeated(rn):
    rn.faults.drop_next(1, method="PUT")
    with rn.client(sleep=_no_sleep()) as client:
        with pytest.raises(RaynetUncertainWrite) as caught:
            client.create("company", {"name": "ACME", **COMPANY})
    assert caught.value.request == "PUT /company/"
    assert rn.store.count("company") == 1 and _sent(rn, "PUT") == 1


def test_slow_create_racing_its_retry_still_leaves_one_record(rn):
    rn.faults.delay_next(0.8)
    with rn.client(timeout=0.3, sleep=_no_sleep()) as client:
        company = client.create("company", {"name": "ACME", **COMPANY}, ext_id="pohoda:adb:1")
        threading.Event().wait(1.0)  # let the slow first attempt finish on the server
        assert [c["id"] for c in rn.store.records("company")] == [company]
        assert client.get_by_ext_id("company", "pohoda:adb:1")["id"] == company


def test_reads_are_retried_with_growing_jittered_backoff(rn):
    rn.faults.fail_next(3, status=503)
    delays: list[float] = []
    with rn.client(sleep=_no_sleep(delays), backoff=0.5) as client:
        assert list(client.iter_list("currency", sort=None))
        assert client.requests_spent == 4
    assert len(delays) == 3
    assert 0.25 <= delays[0] <= 0.5 and 0.5 <= delays[1] <= 1.0 and 1.0 <= delays[2] <= 2.0


def test_malformed_json_and_timeouts_on_reads_are_retried(rn):
    with rn.client(timeout=0.3, sleep=_no_sleep()) as client:
        rn.faults.malformed_next(1)
        assert len(list(client.iter_list("currency", sort=None))) == 2
        assert client.requests_spent == 2
        rn.faults.delay_next(0.6)
        assert len(list(client.iter_list("currency", sort=None))) == 2
        assert client.requests_spent == 4


def test_delete_whose_answer_was_lost_is_retried_and_done(rn):
    _seed_companies(rn, 1)
    rn.faults.drop_next(1, method="DELETE")
    with rn.client(sleep=_no_sleep()) as client:
        client.delete("company", 1)
    assert rn.store.count("company") == 0
    assert [r.status for r in rn.store.requests_for("DELETE")] == [0, 404]  # dropped, then "already gone"


def test_retries_give_up_with_a_typed_error(rn):
    rn.faults.fail_next(5, status=502)
    with rn.client(sleep=_no_sleep(), retries=2) as client:
        with pytest.raises(RaynetServerError) as caught:
            client.get("company", 1)
    assert caught.value.status == 502 and caught.value.request == "GET /company/1/"
    assert _sent(rn, "GET") == 3


def test_business_errors_are_not_retried(rn):
    with rn.client(sleep=_no_sleep()) as client:
        with pytest.raises(RaynetBusinessError):
            client.create("company", {"name": "X", "rating": "Z", "state": "B_ACTUAL", "role": "A_SUBSCRIBER"},
                          ext_id="e:1")
    assert _sent(rn, "PUT") == 1


# --------------------------------------------------------------------- auth


def test_a_401_stops_all_traffic_at_once_and_never_shows_the_key(rn):
    key = "wrong-key-4f9a1c2e7b"
    client = RaynetClient(rn.url, login=rn.LOGIN, api_key=Secret(key), instance=rn.INSTANCE, sleep=_no_sleep())
    with pytest.raises(RaynetAuthError) as first:
        list(client.iter_list("company"))
    with pytest.raises(RaynetAuthError):
        client.create("company", {"name": "X", **COMPANY}, ext_id="e:1")
    with pytest.raises(RaynetAuthError):
        client.get("company", 1)
    client.close()
    assert rn.bad_logins == 1  # one bad request reached Raynet; 20 would block the IP
    assert first.value.status == 401
    assert key not in str(first.value) and key not in repr(first.value.__dict__)
    assert "60 minutes" in str(first.value)


def test_wrong_instance_is_refused(rn):
    client = RaynetClient(rn.url, login=rn.LOGIN, api_key=Secret(rn.API_KEY), instance="jina-instance")
    with pytest.raises(RaynetAuthError):
        client.get("company", 1)
    client.close()


def test_bearer_token_authenticates_without_the_instance_header(rn):
    with RaynetClient(rn.url, bearer=Secret(rn.BEARER)) as client:
        assert client.create("company", {"name": "ACME", **COMPANY}) == 1
        assert client.get("company", 1)["name"] == "ACME"
    with RaynetClient(rn.url, bearer=Secret("not-the-token")) as client:
        with pytest.raises(RaynetAuthError):
            client.get("company", 1)


def test_more_than_20_bad_logins_block_the_address(rn):
    for _ in range(21):
        httpx.get(rn.url + "company/", auth=(rn.LOGIN, "bad"), headers={"X-Instance-Name": rn.INSTANCE})
    good = httpx.get(rn.url + "company/", auth=(rn.LOGIN, rn.API_KEY), headers={"X-Instance-Name": rn.INSTANCE})
    assert good.status_code == 401


def test_client_refuses_plain_http_to_a_remote_host_and_incomplete_logins():
    with pytest.raises(ConfigError, match="TLS"):
        RaynetClient("http://app.raynet.cz/api/v2/", bearer=Secret("t"))
    with pytest.raises(ConfigError, match="api_key"):
        RaynetClient("https://app.raynet.cz/api/v2/", login="a@b.cz", instance="x")
    with pytest.raises(ConfigError, match="5th"):
        RaynetClient("https://app.raynet.cz/api/v2/", bearer=Secret("t"), max_connections=5)


# --------------------------------------------------------------- concurrency


def test_a_fifth_concurrent_connection_gets_429(rn):
    rn.faults.delay = 0.6
    results: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        response = httpx.get(rn.url + "currency/", auth=(rn.LOGIN, rn.API_KEY),
                             headers={"X-Instance-Name": rn.INSTANCE}, timeout=5)
        with lock:
            results.append(response.status_code)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 200, 200, 200, 429]


def test_the_client_keeps_at_most_four_requests_in_flight(rn):
    rn.faults.delay = 0.15
    errors: list[Exception] = []
    with rn.client() as client:
        def call() -> None:
            try:
                list(client.iter_list("currency", sort=None))
            except Exception as error:  # noqa: BLE001 - collected for the assertion
                errors.append(error)

        threads = [threading.Thread(target=call) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert client.requests_spent == 10
    assert errors == [] and rn.peak_concurrency == 4
    assert not [r for r in rn.store.requests if r.status == 429]


def test_budget_object_is_shared_by_the_threads_of_a_run(rn):
    budget = RequestBudget(3, reserve=0)
    with rn.client(budget=budget) as client:
        for _ in range(3):
            list(client.iter_list("currency", sort=None))
        with pytest.raises(QuotaExhausted):
            list(client.iter_list("currency", sort=None))
    assert budget.spent == 3 and budget.left_for_run == 0
