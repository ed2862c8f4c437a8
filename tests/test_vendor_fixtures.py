"""The vendor's own JSON answers, as shipped in the PHP client's test fixtures (PHP-MODELS.md §2
Categories; Yproximite/IovoxBundle `tests/phpunit/Fixtures/Categories`), reproduced by the default
fixture: the same structure, key order and string typing, and the same values wherever a value is not
specific to the vendor's account (its ids, labels and counts are).

Facts read from those four files (not the files themselves):
* getCategories, top level (`basic-response.json`): rows `category_id, label, value, child_count`; a
  tree configuration's value equals its label; the account carries the date configurations
  "Quarantine Date", "Deletion Date" and "Detach Date", each with category_id = label = value.
* getCategories below a configuration (`parent-response.json`): each child's label is its
  configuration's label and its value its own.
* getCategories with `req_fields=` (`response-without-fields.json`): `"result":[{},{},{}]`.
* getCategoryId (`basic-response.json`): one row, written as an object, `category_id` and
  `category_path` = the configuration label and the values from the top, joined by `;`.
Every count and id is a string; the envelope is current_page, total_pages, total_results, results.
"""

from __future__ import annotations

from typing import Any

from mock_iovox.settings import Settings
from tests.helpers import OTHER, PRODUCTION_KEY, Api

ENVELOPE = ["current_page", "total_pages", "total_results", "results"]
CATEGORY_KEYS = ["category_id", "label", "value", "child_count"]
BUILT_IN_DATES = ["Quarantine Date", "Deletion Date", "Detach Date"]


def body(api: Api, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    resp = api.get("Categories", method, params, output_json=True)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert list(data) == ["response"] and list(data["response"]) == ENVELOPE
    assert all(isinstance(data["response"][k], str) for k in ENVELOPE[:3])
    return data["response"]  # type: ignore[no-any-return]


def rows_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    result = response["results"]["result"]
    return result if isinstance(result, list) else [result]


def test_top_level_like_basic_response(api: Api) -> None:
    response = body(api, "getCategories")
    rows = rows_of(response)
    assert response["total_results"] == str(len(rows))
    assert all(list(r) == CATEGORY_KEYS and all(isinstance(v, str) for v in r.values()) for r in rows)
    dates = [r for r in rows if r["label"] in BUILT_IN_DATES]
    assert [(r["category_id"], r["label"], r["value"]) for r in dates] == [(d, d, d) for d in BUILT_IN_DATES]
    trees = [r for r in rows if r["label"] not in BUILT_IN_DATES]
    assert trees and all(r["value"] == r["label"] for r in trees)
    # the vendor lists the account's own configuration first, the date configurations after it
    assert rows[-3:] == dates


def test_children_like_parent_response(api: Api) -> None:
    top = {r["category_id"]: r["label"] for r in rows_of(body(api, "getCategories"))}
    for parent_id in ("100", "200"):
        rows = rows_of(body(api, "getCategories", {"parent_category_id": parent_id}))
        assert len(rows) > 1
        assert all(list(r) == CATEGORY_KEYS for r in rows)
        assert {r["label"] for r in rows} == {top[parent_id]}
        assert all(r["value"] and r["value"] != r["label"] and r["category_id"] != parent_id for r in rows)


def test_without_fields_like_response_without_fields(api: Api) -> None:
    response = body(api, "getCategories", {"req_fields": ""})
    assert response["results"] == {"result": [{}] * int(response["total_results"])}
    assert int(response["total_results"]) >= 3


def test_category_id_like_basic_response(api: Api) -> None:
    response = body(api, "getCategoryId", {"label": "Cuisine", "value": "Italian"})
    assert (response["current_page"], response["total_pages"], response["total_results"]) == ("1", "1", "1")
    result = response["results"]["result"]
    assert result == {"category_id": "201", "category_path": "Cuisine;Italian"}  # one row: an object


def test_date_configurations_in_every_account(api: Api, settings: Settings) -> None:
    for headers in ({}, OTHER):
        resp = api.get("Categories", "getCategories", headers=headers, output_json=True)
        labels = [r["label"] for r in rows_of(resp.json()["response"])]
        assert labels[-3:] == BUILT_IN_DATES
    production = Api(settings.with_overrides(default_env="production"), host="api.iovox.com")
    try:
        resp = production.get(
            "Categories", "getCategories", headers={"secureKey": PRODUCTION_KEY}, output_json=True
        )
    finally:
        production.close()
    assert resp.status_code == 200, resp.text
    assert [r["label"] for r in rows_of(resp.json()["response"])] == ["Location", *BUILT_IN_DATES]
