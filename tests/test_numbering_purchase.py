"""Purchase and Countries (SPEC.md §5.9, §8): regions, buying numbers (as PHP and Ruby send it),
order details, the callback to callback_url, and getCountries."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from mock_iovox.db import PurchaseOrder
from mock_iovox.db.numbering import CallbackDelivery
from mock_iovox.numbering import callbacks
from mock_iovox.settings import Settings
from tests.helpers import PRODUCTION_KEY, Api, assert_errors, results, totals, xml_of
from tests.helpers.numbering import (
    FRENCH_DETAILS,
    Receiver,
    php,
    purchase_item,
    ruby,
    stock_numbers,
    voxnumbers,
)

# --- getCountries ----------------------------------------------------------------------------


def test_get_countries_php_json(api: Api) -> None:
    resp = api.get("Countries", "getCountries", {"page": 1, "limit": 20000}, output_json=True)
    assert resp.status_code == 200
    body = resp.json()["response"]
    rows = body["results"]["result"]
    assert int(body["total_results"]) == len(rows) > 230
    assert {"code": "44", "name": "UNITED KINGDOM"} in rows
    assert {"code": "33", "name": "FRANCE"} in rows
    assert rows[0] == {"code": "93", "name": "AFGHANISTAN"}
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)


def test_get_countries_ruby_xml_paged(api: Api) -> None:
    resp = ruby(api, "GET", "Countries", "getCountries", params={"page": 2, "limit": 2})
    assert resp.status_code == 200
    assert results(resp) == [{"code": "213", "name": "ALGERIA"}, {"code": "1", "name": "AMERICAN SAMOA"}]
    total = totals(resp)[2]
    assert totals(resp) == (2, (total + 1) // 2, total)


def test_get_countries_ignores_req_fields_and_checks_limit(api: Api) -> None:
    assert_errors(
        api.get("Countries", "getCountries", {"limit": 0}), 400, ["Limit must be between 1 and 20000"]
    )
    rows = results(api.get("Countries", "getCountries", {"limit": 1, "req_fields": "code"}))
    assert rows == [{"code": "93", "name": "AFGHANISTAN"}]


# --- getVoxnumberRegions / getRegionForNumberType --------------------------------------------


def test_regions_for_france_as_ruby_asks(api: Api) -> None:
    resp = ruby(
        api,
        "GET",
        "Purchase",
        "getVoxnumberRegions",
        params={"country_code": "33", "number_type": "GEOGRAPHIC"},
    )
    rows = results(resp)
    assert [r["area_code"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0] == {
        "area_code": "1",
        "country_code": "33",
        "country_name": "FRANCE",
        "state_name": "Ile-de-France",
        "city_name": "Paris",
        "require_purchase_info": "1",
        "cost": "2.00",
    }


def test_regions_php_json_filters(api: Api) -> None:
    resp = api.get(
        "Purchase", "getVoxnumberRegions", {"number_type": "GEOGRAPHIC", "area_code": "020"}, output_json=True
    )
    row = resp.json()["response"]["results"]["result"]
    assert row == {
        "area_code": "20",
        "country_code": "44",
        "country_name": "UNITED KINGDOM",
        "state_name": "England",
        "city_name": "London",
        "require_purchase_info": "0",
        "cost": "1.00",
    }


def test_regions_by_type_and_fields(api: Api) -> None:
    rows = results(
        api.get("Purchase", "getVoxnumberRegions", {"number_type": "tollfree", "req_fields": "ac,cc,ct"})
    )
    assert rows == [{"area_code": "808", "country_code": "44", "cost": "5.00"}]
    rows = results(api.get("Purchase", "getVoxnumberRegions", {"number_type": "NATIONAL"}))
    assert [(r["area_code"], r["city_name"], r["state_name"]) for r in rows] == [("306", "", "")]
    all_rows = results(api.get("Purchase", "getVoxnumberRegions"))
    assert len(all_rows) == 31
    north_america = results(api.get("Purchase", "getVoxnumberRegions", {"country_code": "1"}))
    assert {r["country_name"] for r in north_america} == {"UNITED STATES", "CANADA"}


def test_regions_errors_and_unknown_country(api: Api) -> None:
    resp = api.get("Purchase", "getVoxnumberRegions", {"number_type": "MOBILE", "country_code": "4x"})
    assert_errors(resp, 400, ["Number Type Invalid", "Country Code Invalid"])
    resp = api.get("Purchase", "getVoxnumberRegions", {"country_code": "999"})
    assert totals(resp) == (1, 0, 0)
    assert_errors(
        api.get("Purchase", "getVoxnumberRegions", {"req_fields": "ac,zz"}),
        400,
        ["Required Fields Invalid: zz"],
    )


def test_region_for_number_type(api: Api) -> None:
    assert_errors(api.get("Purchase", "getRegionForNumberType"), 400, ["Number Type Empty"])
    resp = ruby(api, "GET", "Purchase", "getRegionForNumberType", params={"number_type": "TOLLFREE"})
    assert [r["area_code"] for r in results(resp)] == ["808"]


# --- purchaseVoxNumbers ----------------------------------------------------------------------


def buy(api: Api, *items: dict[str, Any], **top: Any) -> Any:
    request: dict[str, Any] = {**top, "items": {"item": list(items)}}
    return php(api, "POST", "Purchase", "purchaseVoxNumbers", request)


def order_rows(api: Api, env: str = "sandbox") -> int:
    with api.dbs[env].reading() as db:
        return db.scalar(select(func.count()).select_from(PurchaseOrder)) or 0


def test_purchase_php_body_answers_201_with_the_numbers(api: Api) -> None:
    london_stock = stock_numbers(api, "44", "20")
    paris_stock = stock_numbers(api, "33", "1")
    resp = buy(
        api,
        purchase_item("44", "20", quantity=2),
        purchase_item("33", "1", additional_information=FRENCH_DETAILS),
        dynamic_quantity="FALSE",
    )
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"] == "application/xml; charset=utf-8"
    expected = (
        "<response><order_reference>SBX-00000001</order_reference><order_status>COMPLETED</order_status>"
        "<voxnumbers>"
        f"<voxnumber><full_voxnumber>{london_stock[0]}</full_voxnumber><area_code>20</area_code>"
        "<country_code>44</country_code></voxnumber>"
        f"<voxnumber><full_voxnumber>{london_stock[1]}</full_voxnumber><area_code>20</area_code>"
        "<country_code>44</country_code></voxnumber>"
        f"<voxnumber><full_voxnumber>{paris_stock[0]}</full_voxnumber><area_code>1</area_code>"
        "<country_code>33</country_code></voxnumber>"
        "</voxnumbers></response>"
    )
    assert resp.text == '<?xml version="1.0" encoding="utf-8"?>\n' + expected
    assert stock_numbers(api, "44", "20") == london_stock[2:]
    # they land in the account unassigned, with a purchase date (SPEC.md §8 step 3)
    rows = voxnumbers(api, {"voxnumber": paris_stock[0], "req_fields": "as,cs,vn,vnt,vnco,vnci,vnpd,cc"})
    assert rows[0]["assigned_status"] == "UNASSIGNED"
    assert rows[0]["call_status"] == ""
    assert rows[0]["voxnumber_type"] == "LOCAL"
    assert (rows[0]["voxnumber_country"], rows[0]["voxnumber_city"], rows[0]["country_code"]) == (
        "FRANCE",
        "Paris",
        "33",
    )
    assert len(rows[0]["purchase_date"]) == 19


def test_purchase_ruby_body_as_bin_purchase_voxnumbers(api: Api) -> None:
    item = {
        "quantity": 1,
        "country_code": "33",
        "area_code": "2",
        "city_name": "Nantes",
        "number_type": "GEOGRAPHIC",
        "additional_information": FRENCH_DETAILS,
    }
    resp = ruby(
        api, "POST", "Purchase", "purchaseVoxNumbers", {"items": {"item": [item, {**item, "area_code": "3"}]}}
    )
    assert resp.status_code == 201, resp.text
    root = xml_of(resp)
    got = [
        (v.findtext("area_code"), v.findtext("country_code")) for v in root.findall("voxnumbers/voxnumber")
    ]
    assert got == [("2", "33"), ("3", "33")]
    assert root.findtext("order_status") == "COMPLETED"


def test_purchase_by_postcode_buys_in_the_covering_area(api: Api) -> None:
    resp = buy(api, purchase_item("44", None, post_code="LS1 4AP", quantity=1))
    assert resp.status_code == 201, resp.text
    assert xml_of(resp).findtext("voxnumbers/voxnumber/area_code") == "113"


def test_purchase_errors_are_item_indexed_together_and_nothing_is_bought(api: Api) -> None:
    before = stock_numbers(api, "44", "20")
    resp = buy(
        api,
        purchase_item("44", "20", quantity=1),
        purchase_item("44", "999"),
        purchase_item("44", None),
        purchase_item("33", "1"),
        purchase_item("33", "1", number_type="TOLLFREE", additional_information=FRENCH_DETAILS),
        purchase_item("44", "20", quantity=0),
        purchase_item("44", None, post_code="CB2 1TN"),
    )
    assert_errors(
        resp,
        400,
        [
            "Basket Item 2 of 7 is not correct.",
            "Area Code 3 of 7 Empty",
            "Additional Information 4 of 7 Empty",
            "Basket Item 5 of 7 is not correct.",
            "Quantity 6 of 7 Invalid",
            "Basket Item 7 of 7 is not correct.",
        ],
    )
    assert stock_numbers(api, "44", "20") == before
    assert order_rows(api) == 0


def test_purchase_payload_errors(api: Api) -> None:
    resp = buy(api, {"area_code": "20", "number_type": "LOCAL", "quantity": "two"})
    assert_errors(
        resp,
        400,
        ["Country Code 1 of 1 Empty", "Number Type 1 of 1 Invalid", "Quantity 1 of 1 not an integer"],
    )
    resp = php(api, "POST", "Purchase", "purchaseVoxNumbers", {"items": {}})
    assert_errors(resp, 400, ["Request Empty"])
    resp = api.post("Purchase", "purchaseVoxNumbers", "")
    assert_errors(resp, 400, ["XML Empty"])


def test_short_stock_fails_the_whole_order_without_dynamic_quantity(api: Api) -> None:
    stock = len(stock_numbers(api, "44", "114"))
    assert stock == 25
    resp = buy(api, purchase_item("44", "20"), purchase_item("44", "114", quantity=stock + 1))
    assert_errors(resp, 400, ["Basket Item 2 of 2 has not enough VoxNumbers available"])
    # two items of one region share its stock
    resp = buy(api, purchase_item("44", "114", quantity=20), purchase_item("44", "0114", quantity=6))
    assert_errors(resp, 400, ["Basket Item 2 of 2 has not enough VoxNumbers available"])
    assert len(stock_numbers(api, "44", "114")) == stock
    assert order_rows(api) == 0


def test_dynamic_quantity_buys_what_is_in_stock(api: Api) -> None:
    resp = buy(
        api,
        purchase_item("44", "114", quantity=20),
        purchase_item("44", "114", quantity=10),
        dynamic_quantity="TRUE",
    )
    assert resp.status_code == 201, resp.text
    root = xml_of(resp)
    assert root.findtext("order_status") == "PARTIAL"
    assert len(root.findall("voxnumbers/voxnumber")) == 25
    assert stock_numbers(api, "44", "114") == []
    again = buy(api, purchase_item("44", "114", quantity=1), dynamic_quantity="TRUE")
    assert again.status_code == 201
    assert xml_of(again).findtext("order_status") == "PARTIAL"
    assert etree.tostring(xml_of(again).find("voxnumbers")) == b"<voxnumbers/>"


def test_dynamic_quantity_invalid(api: Api) -> None:
    assert_errors(buy(api, purchase_item(), dynamic_quantity="MAYBE"), 400, ["Dynamic Quantity Invalid"])


def test_sandbox_and_production_have_their_own_stock_and_orders(settings: Settings) -> None:
    both = settings.with_overrides(default_env="production")
    prod, sandbox = Api(both, host="api.iovox.com"), Api(both, host="sandboxapi.iovox.com")
    try:
        _own_stock_and_orders(prod, sandbox)
    finally:
        prod.close()
        sandbox.close()


def _own_stock_and_orders(prod: Api, sandbox: Api) -> None:
    headers = {"secureKey": PRODUCTION_KEY}
    sandbox_stock = stock_numbers(sandbox, "44", "20")
    resp = php(
        prod, "POST", "Purchase", "purchaseVoxNumbers", {"items": {"item": purchase_item()}}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    root = xml_of(resp)
    assert root.findtext("order_reference") == "PRD-00000001"
    bought = root.findtext("voxnumbers/voxnumber/full_voxnumber")
    assert bought not in stock_numbers(prod, "44", "20", env="production")
    assert stock_numbers(sandbox, "44", "20") == sandbox_stock
    assert order_rows(sandbox) == 0 and order_rows(prod, "production") == 1
    # the sandbox does not know the production order
    resp = sandbox.get("Purchase", "getOrderDetails", {"order_reference": "PRD-00000001"})
    assert_errors(resp, 400, ["Order Reference does not exist"])


# --- getOrderDetails -------------------------------------------------------------------------


def test_order_details_repeat_the_purchase_answer(api: Api) -> None:
    bought = buy(api, purchase_item(quantity=2))
    resp = ruby(api, "GET", "Purchase", "getOrderDetails", params={"order_reference": "SBX-00000001"})
    assert resp.status_code == 200
    assert resp.content == bought.content


def test_order_details_errors_and_isolation(api: Api) -> None:
    assert_errors(api.get("Purchase", "getOrderDetails"), 400, ["Order Reference Empty"])
    assert_errors(
        api.get("Purchase", "getOrderDetails", {"order_reference": "SBX-00000009"}),
        400,
        ["Order Reference does not exist"],
    )
    buy(api, purchase_item())
    other = {"username": "OtherPartner", "secureKey": "3c1c8d1e0f6a4b9b8f0d2e7a5c4b3a21"}
    resp = php(
        api, "GET", "Purchase", "getOrderDetails", params={"order_reference": "SBX-00000001"}, headers=other
    )
    assert_errors(resp, 400, ["Order Reference does not exist"])


# --- callback_url ----------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([])
    yield r
    r.close()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks, "BACKOFF_SECONDS", (0.05, 0.1, 0.2))
    monkeypatch.setattr(callbacks, "TIMEOUT_SECONDS", 2.0)


def deliveries(api: Api, expected: int, timeout: float = 10.0) -> list[CallbackDelivery]:
    """The delivery log once it has `expected` rows (the delivery runs in a background thread)."""
    deadline = time.monotonic() + timeout
    while True:
        with api.dbs["sandbox"].reading() as db:
            rows = list(db.scalars(select(CallbackDelivery).order_by(CallbackDelivery.pk)))
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.02)


def test_callback_receives_the_order_outcome(api: Api, receiver: Receiver) -> None:
    resp = buy(api, purchase_item(quantity=2), callback_url=receiver.url, cc_list="ops@example.test")
    assert resp.status_code == 201, resp.text
    assert receiver.event.wait(10)
    path, content_type, body = receiver.received[0]
    assert path == "/iovox/cb"
    assert content_type == "application/xml; charset=utf-8"
    assert body == resp.content
    rows = deliveries(api, 1)
    assert [(r.attempt, r.status_code, r.error, r.url) for r in rows] == [(1, 200, "", receiver.url)]
    assert rows[0].payload.encode() == resp.content
    with api.dbs["sandbox"].reading() as db:
        order = db.scalars(select(PurchaseOrder)).one()
        assert (order.callback_url, order.cc_list) == (receiver.url, "ops@example.test")


def test_callback_is_retried_with_backoff(api: Api, receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    assert buy(api, purchase_item(), callback_url=receiver.url).status_code == 201
    assert receiver.event.wait(10)
    rows = deliveries(api, 3)
    assert [(r.attempt, r.status_code, r.error) for r in rows] == [
        (1, 500, "HTTP 500"),
        (2, 503, "HTTP 503"),
        (3, 200, ""),
    ]
    assert len(receiver.received) == 3


def test_callback_attempts_are_bounded(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks, "MAX_ATTEMPTS", 3)
    dead = Receiver([])
    url = dead.url
    dead.close()  # nothing listens there any more: connection refused
    assert buy(api, purchase_item(), callback_url=url).status_code == 201
    rows = deliveries(api, 3)
    time.sleep(0.4)
    rows = deliveries(api, 3)
    assert [(r.attempt, r.status_code) for r in rows] == [(1, None), (2, None), (3, None)]
    assert all(r.error for r in rows)


def test_no_callback_for_a_refused_order(api: Api, receiver: Receiver) -> None:
    resp = buy(api, purchase_item("44", "999"), callback_url=receiver.url)
    assert_errors(resp, 400, ["Basket Item 1 of 1 is not correct."])
    assert not receiver.event.wait(0.3)
    assert receiver.received == []


@pytest.mark.parametrize("url", ["ftp://example.test/cb", "not a url", "https://" + "a" * 120 + ".test/"])
def test_callback_url_invalid(api: Api, url: str) -> None:
    assert_errors(buy(api, purchase_item(), callback_url=url), 400, ["Callback URL Invalid"])
    assert order_rows(api) == 0


def test_delivery_log_keeps_the_newest(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks, "KEEP_PER_ORDER", 3)
    monkeypatch.setattr(callbacks, "KEEP_PER_ACCOUNT", 4)
    buy(api, purchase_item())
    buy(api, purchase_item())
    database = api.dbs["sandbox"]
    for order_pk in (1, 1, 1, 1, 1, 2, 2):
        callbacks.record(
            callbacks.Job(database, 1, order_pk, "http://127.0.0.1:9/", b"<response/>"), 1, None, "x"
        )
    rows = deliveries(api, 0)
    # order 1 kept its newest 3, then the account its newest 4 overall
    assert [r.order_pk for r in rows] == [1, 1, 2, 2]
    assert [r.pk for r in rows] == [4, 5, 6, 7]


def test_control_plane_outbox_shows_the_callback_and_its_attempts(api: Api, receiver: Receiver) -> None:
    receiver.statuses = [503]
    assert buy(api, purchase_item(), callback_url=receiver.url).status_code == 201
    assert len(deliveries(api, 2)) == 2
    messages = api.client.get("/__mock__/outbox").json()["messages"]
    assert [(m["kind"], m["reference"], m["url"], m["account"]) for m in messages] == [
        ("purchase_callback", "SBX-00000001", receiver.url, "Demo Estates")
    ]
    attempts = messages[0]["deliveries"]
    assert [(d["attempt"], d["status_code"], d["error"]) for d in attempts] == [
        (1, 503, "HTTP 503"),
        (2, 200, ""),
    ]
    assert attempts[1]["payload"].startswith("<?xml")
