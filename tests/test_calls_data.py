"""Calls.getCallData (SPEC.md §7.1): period rules, every filter, every field, order, paging."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from mock_iovox.catalog.calls import CDR_FIELDS
from tests.helpers import PINNED, RUBY_HEADERS, Api, assert_errors, results, ruby_query, totals
from tests.helpers.calls import (
    DEMO,
    WIDE,
    call_data,
    frozen_clock,  # noqa: F401  (fixture)
    nested,
    today,
)
from tests.helpers.calls import visible_scalar as scalar
from tests.helpers.calls import visible_sql as sql

pytestmark = pytest.mark.usefixtures("frozen_clock")

HMS = re.compile(r"^\d{2,}:[0-5]\d:[0-5]\d$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def count_between(api: Api, start: str, end: str) -> int:
    return int(
        scalar(
            api,
            "SELECT count(*) FROM calls WHERE account_pk = :a AND call_start >= :s AND call_start <= :e",
            a=DEMO,
            s=start,
            e=end,
        )
    )


# --- the period -------------------------------------------------------------------------------


def test_default_period_is_first_of_month_to_end_of_today(api: Api) -> None:
    first = today().replace(day=1)
    rows, total = call_data(api, {"req_fields": "cs"})
    expected = count_between(api, f"{first} 00:00:00", f"{today()} 23:59:59.999999")
    assert total == expected > 0
    assert all(str(first) <= r["call_start"][:10] <= str(today()) for r in rows)
    # the fixture's calls reach back 90 days, so the default window really cuts
    assert expected < count_between(api, "2000-01-01", "2099-12-31")


def busiest_day(api: Api) -> date:
    day = sql(
        api,
        "SELECT date(call_start) d FROM calls WHERE account_pk = :a AND date(call_start) < :t "
        "GROUP BY d ORDER BY count(*) DESC, d LIMIT 1",
        a=DEMO,
        t=str(today()),
    )[0][0]
    return date.fromisoformat(day)


def test_bare_dates_cover_whole_days(api: Api) -> None:
    day = busiest_day(api)
    rows, total = call_data(api, {"sdt": str(day), "edt": str(day), "req_fields": "cs"})
    assert total == count_between(api, f"{day} 00:00:00", f"{day} 23:59:59.999999") > 0
    assert {r["call_start"][:10] for r in rows} == {str(day)}
    # the last call of the day is there: edt's missing time part means 23:59:59
    last = scalar(api, "SELECT max(call_start) FROM calls WHERE date(call_start) = :d", d=str(day))
    assert last[:19] in {r["call_start"] for r in rows}


def test_time_parts_are_honoured(api: Api) -> None:
    day = busiest_day(api)
    rows, total = call_data(api, {"sdt": f"{day} 10:00:00", "edt": f"{day} 11:59:59", "req_fields": "cs"})
    assert total == count_between(api, f"{day} 10:00:00", f"{day} 11:59:59.999999")
    assert all("10:00:00" <= r["call_start"][11:] <= "11:59:59" for r in rows)
    _, noon_total = call_data(api, {"sdt": str(day), "edt": f"{day} 12:00:00", "req_fields": "cs"})
    assert noon_total == count_between(api, f"{day} 00:00:00", f"{day} 12:00:00")
    assert noon_total < count_between(api, f"{day} 00:00:00", f"{day} 23:59:59.999999")


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _month_range(d: date) -> tuple[date, date]:
    first = d.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


@pytest.mark.parametrize(
    "dconst", ["TODAY", "YESTERDAY", "THIS_WEEK", "LAST_WEEK", "THIS_MONTH", "LAST_MONTH"]
)
def test_dconst(api: Api, dconst: str) -> None:
    t = today()
    monday = _week_start(t)
    last_month_end = t.replace(day=1) - timedelta(days=1)
    first, last = {
        "TODAY": (t, t),
        "YESTERDAY": (t - timedelta(days=1), t - timedelta(days=1)),
        "THIS_WEEK": (monday, monday + timedelta(days=6)),
        "LAST_WEEK": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "THIS_MONTH": _month_range(t),
        "LAST_MONTH": _month_range(last_month_end),
    }[dconst]
    # dconst wins over sdt/edt (lower case accepted, as every enumeration)
    _, total = call_data(api, {"dconst": dconst.lower(), **WIDE})
    assert total == count_between(api, f"{first} 00:00:00", f"{last} 23:59:59.999999")


def test_period_errors_are_reported_together(api: Api) -> None:
    resp = api.get("Calls", "getCallData", {"sdt": "yesterday", "edt": "2026-13-01", "dconst": "NEVER"})
    assert_errors(resp, 400, ["sdt Invalid", "edt Invalid", "dconst Invalid"])


def test_id_finds_an_old_call_without_a_period(api: Api) -> None:
    oldest = scalar(
        api, "SELECT call_id FROM calls WHERE account_pk = :a ORDER BY call_start LIMIT 1", a=DEMO
    )
    rows, total = call_data(api, {"id": oldest, "req_fields": "id,cs"})
    assert total == 1 and rows[0]["id"] == oldest
    # with an explicit period that excludes it, it is not found
    _, total = call_data(api, {"id": oldest, "dconst": "TODAY"})
    assert total == 0
    _, total = call_data(api, {"id": "no-such-call"})
    assert total == 0


# --- filters ----------------------------------------------------------------------------------

FILTERS = [
    ("node_id", "node_id", "nid"),
    ("node_type", "node_type", "ntype"),
    ("link_id", "link_id", "lid"),
    ("link_type", "link_type", "ltype"),
    ("ctype", "call_type", "ctype"),
    ("call_res", "call_result", "call_res"),
    ("rule_res", "rule_result", "rule_res"),
    ("call_origin", "call_origin", "co"),
    ("call_origin_encoded", "call_origin_encoded", "coe"),
    ("voxnumber", "voxnumber", "vn"),
    ("call_dest", "call_destination", "cd"),
    ("direction", "direction", "direction"),
    ("detail", "detail", "detail"),
]


@pytest.mark.parametrize(("param", "column", "abbr"), FILTERS)
def test_exact_filters(api: Api, param: str, column: str, abbr: str) -> None:
    # the least common non-empty value, so the filter visibly cuts
    value, expected = sql(
        api,
        f"SELECT {column}, count(*) n FROM calls WHERE account_pk = :a AND {column} != '' "
        f"GROUP BY {column} ORDER BY n, {column} LIMIT 1",
        a=DEMO,
    )[0]
    everything = scalar(api, "SELECT count(*) FROM calls WHERE account_pk = :a", a=DEMO)
    rows, total = call_data(api, {param: value, "req_fields": f"id,{abbr}", **WIDE})
    assert total == expected
    assert {r[CDR_FIELDS_BY_ABBR[abbr]] for r in rows} == {value}
    if param != "direction":  # every generated call is inbound
        assert total < everything
    _, none = call_data(api, {param: f"{value}-nope", **WIDE})
    assert none == 0


CDR_FIELDS_BY_ABBR = {f.abbr: f.element for f in CDR_FIELDS}


def test_filters_combine_with_and(api: Api) -> None:
    rows, total = call_data(
        api, {"link_id": "westbourne-paper", "call_res": "ANSWERED", "req_fields": "lid,call_res", **WIDE}
    )
    expected = scalar(
        api,
        "SELECT count(*) FROM calls WHERE link_id = 'westbourne-paper' AND call_result = 'ANSWERED'",
    )
    assert total == expected > 0
    assert {(r["link_id"], r["call_result"]) for r in rows} == {("westbourne-paper", "ANSWERED")}


def links_of(rows: list[dict[str, str]]) -> set[str]:
    return {r["link_id"] for r in rows}


@pytest.mark.parametrize(
    ("cat_ids", "links"),
    [
        ("103", {"westbourne-web"}),  # Mayfair: only the link tagged with it
        ("102", {"westbourne-web"}),  # London matches its sub-tree (Mayfair)
        ("101", {"westbourne-web", "leeds-deli-web"}),  # United Kingdom: Mayfair and Leeds
        ("106,201", {"paris-bistro-guide"}),  # AND
        ("104,201", set()),  # AND of categories no single link has
        (["103", "104"], {"westbourne-web", "leeds-deli-web"}),  # OR of the repeated values
        ("999", set()),  # unknown category
    ],
)
def test_cat_ids_use_the_links_categories(api: Api, cat_ids: str | list[str], links: set[str]) -> None:
    rows, total = call_data(api, {"cat_ids": cat_ids, "req_fields": "lid", **WIDE})
    assert links_of(rows) == links
    expected = scalar(
        api,
        "SELECT count(*) FROM calls WHERE account_pk = :a AND link_id IN ("
        + (",".join(f"'{link}'" for link in links) or "''")
        + ")",
        a=DEMO,
    )
    assert total == expected


def test_calls_of_another_account_are_invisible(make_api: object) -> None:
    from tests.helpers import OTHER_SANDBOX_KEY, OTHER_USER

    api = make_api()  # type: ignore[operator]
    other = {"username": OTHER_USER, "secureKey": OTHER_SANDBOX_KEY}
    resp = api.get("Calls", "getCallData", {"limit": 20000, "req_fields": "lid", **WIDE}, headers=other)
    assert {r["link_id"] for r in results(resp)} == {"other-link"}
    assert totals(resp)[2] == scalar(api, "SELECT count(*) FROM calls WHERE account_pk = 2") > 0
    mine = api.get("Calls", "getCallData", {"link_id": "other-link", **WIDE})
    assert totals(mine)[2] == 0


def test_calls_later_than_the_clock_are_not_visible_yet(api: Api) -> None:
    from mock_iovox.db import Call

    soon = PINNED + timedelta(hours=1)
    with api.dbs["sandbox"].writing() as session:
        session.add(
            Call(
                account_pk=DEMO,
                call_id="future-1",
                call_start=soon,
                call_end=soon + timedelta(minutes=1),
                talk_time_sec=60,
                has_recording=True,
                link_id="westbourne-web",
            )
        )
    resp = api.get("Calls", "getCallData", {"id": "future-1", **WIDE})
    assert totals(resp)[2] == 0
    by_link = api.get("Calls", "getCallMetrics", {"link_id": "westbourne-web", "req_fields": "tc", **WIDE})
    assert results(by_link)[0]["total_calls"] == str(
        scalar(api, "SELECT count(*) FROM calls WHERE link_id = 'westbourne-web'")
    )
    assert_errors(api.get("Calls", "getCallRecording", {"id": "future-1"}), 400, ["Call ID does not exist"])


# --- fields -----------------------------------------------------------------------------------


def test_default_fields_and_formats(api: Api) -> None:
    rows, _ = call_data(api, WIDE)
    expected = [f.element for f in CDR_FIELDS if f.group is None]
    assert all(list(r) == expected for r in rows)
    by_id = {r["id"]: r for r in rows}
    db = sql(
        api,
        "SELECT call_id, call_start, call_end, call_time_sec, talk_time_sec, has_recording, email_sent, "
        "call_origin, call_origin_encoded, voxnumber FROM calls WHERE account_pk = :a",
        a=DEMO,
    )
    assert len(db) == len(rows)
    for cid, start, end, cts, tts, rec, es, origin, encoded, vn in db:
        row = by_id[cid]
        assert STAMP.match(row["call_start"]) and row["call_start"] == start[:19]
        assert row["call_end"] == end[:19]
        assert row["call_time_sec"] == str(cts) and row["talk_time_sec"] == str(tts)
        h, m, s = (int(x) for x in row["call_time"].split(":"))
        assert HMS.match(row["call_time"]) and h * 3600 + m * 60 + s == cts
        h, m, s = (int(x) for x in row["talk_time"].split(":"))
        assert h * 3600 + m * 60 + s == tts
        assert row["has_recording"] == ("1" if rec else "0")
        assert row["email_sent"] == ("1" if es else "0")
        assert row["call_origin"] == origin and row["voxnumber"] == vn
        # all but the first four digits encoded (SPEC.md §7.1)
        assert encoded.startswith(origin[:4] + "_") and origin[4:] not in encoded
        assert row["call_origin_encoded"] == encoded


@pytest.mark.parametrize("field", [f for f in CDR_FIELDS if f.group is None], ids=lambda f: f.abbr)
def test_each_field_alone(api: Api, field: object) -> None:
    abbr = field.abbr  # type: ignore[attr-defined]
    element = field.element  # type: ignore[attr-defined]
    rows, _ = call_data(api, {"req_fields": abbr, "limit": 5})
    assert rows and all(list(r) == [element] for r in rows)


def test_unknown_req_fields(api: Api) -> None:
    resp = api.get("Calls", "getCallData", {"req_fields": "id,call_time,xx"})
    assert_errors(resp, 400, ["Required Fields Invalid: call_time,xx"])


def test_link_and_node_category_groups(api: Api) -> None:
    params = {"link_id": "paris-bistro-guide", "limit": 3, **WIDE}
    resp = api.get("Calls", "getCallData", {**params, "req_fields": "id,cat_id,cat_lbl,cat_v,node_cat_v"})
    assert resp.status_code == 200
    link_cats = nested(resp, "categories", "category")
    assert len(link_cats) == 3
    assert all(
        c
        == [
            {"category_id": "106", "label": "Location", "value": "Paris"},
            {"category_id": "201", "label": "Cuisine", "value": "Italian"},
        ]
        for c in link_cats
    )
    assert all(c == [{"value": "Paris"}] for c in nested(resp, "node_categories", "node_category"))
    # unrequested groups are absent
    assert nested(resp, "call_categories", "call_category") == [[], [], []]
    assert b"<call_categories" not in resp.content


def test_contact_and_call_category_groups(api: Api) -> None:
    with api.dbs["sandbox"].engine.begin() as conn:
        # the fixture's flows ring numbers, not contacts: a call to the Sales Desk's line is made the
        # Sales Desk's (as a flow attached with that contact would write it)
        conn.execute(
            text(
                "UPDATE calls SET contact_pk = (SELECT pk FROM contacts WHERE contact_id = 'sales-desk') "
                "WHERE pk = (SELECT min(pk) FROM calls WHERE call_destination = '442079460123')"
            )
        )
        contact_pk, call_pk, call_id = conn.execute(
            text("SELECT contact_pk, pk, call_id FROM calls WHERE contact_pk IS NOT NULL ORDER BY pk LIMIT 1")
        ).one()
        cat_pk = conn.execute(text("SELECT pk FROM categories WHERE category_id = '202'")).scalar_one()
        conn.execute(text("INSERT INTO contact_categories VALUES (:c, :k)"), {"c": contact_pk, "k": cat_pk})
        conn.execute(text("DELETE FROM call_categories WHERE call_pk = :c"), {"c": call_pk})
        for cid in ("104", "101"):
            conn.execute(
                text("INSERT INTO call_categories SELECT :c, pk FROM categories WHERE category_id = :i"),
                {"c": call_pk, "i": cid},
            )
    resp = api.get(
        "Calls",
        "getCallData",
        {"id": call_id, "req_fields": "id,contact_cat_id,contact_cat_v,call_cat_id,call_cat_lbl"},
    )
    assert nested(resp, "contact_categories", "contact_category") == [
        [{"category_id": "202", "value": "Indian"}]
    ]
    assert nested(resp, "call_categories", "call_category") == [
        [{"category_id": "101", "label": "Location"}, {"category_id": "104", "label": "Location"}]
    ]


def test_generated_call_categories_are_listed(api: Api) -> None:
    tagged = sql(
        api,
        "SELECT c.call_id, k.category_id FROM call_categories cc JOIN calls c ON c.pk = cc.call_pk "
        "JOIN categories k ON k.pk = cc.category_pk WHERE c.account_pk = :a ORDER BY c.pk LIMIT 5",
        a=DEMO,
    )
    assert tagged
    for call_id, category_id in tagged:
        resp = api.get("Calls", "getCallData", {"id": call_id, "req_fields": "call_cat_id"})
        assert nested(resp, "call_categories", "call_category") == [[{"category_id": category_id}]]


def test_json_output(api: Api) -> None:
    resp = api.get(
        "Calls", "getCallData", {"limit": 1, "req_fields": "id,tts,cat_v", **WIDE}, output_json=True
    )
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()["response"]
    row = body["results"]["result"]
    assert set(row) == {"id", "talk_time_sec", "categories"}
    assert isinstance(row["talk_time_sec"], str)


def test_ruby_shaped_request(api: Api) -> None:
    query = ruby_query(
        "getCallData", {"link_id": "leeds-deli-web", "limit": 2, "req_fields": "id,lid", **WIDE}
    )
    resp = api.request("GET", f"/Calls?{query}", headers=RUBY_HEADERS)
    assert resp.status_code == 200
    assert [r["link_id"] for r in results(resp)] == ["leeds-deli-web"] * 2


# --- order and paging -------------------------------------------------------------------------

ORDERABLE = [f for f in CDR_FIELDS if f.orderable]
NUMERIC = {"cts", "tts"}


@pytest.mark.parametrize("field", ORDERABLE, ids=lambda f: f.abbr)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_order_on_every_field(api: Api, field: object, direction: str) -> None:
    abbr, element = field.abbr, field.element  # type: ignore[attr-defined]
    rows, _ = call_data(api, {"order": f"{abbr}_{direction}", "req_fields": f"id,{abbr}", **WIDE})
    values = [r[element] for r in rows]
    if abbr in NUMERIC:
        keys: list[object] = [int(v) for v in values]
    elif abbr in ("ct", "tt"):
        keys = [tuple(int(x) for x in v.split(":")) for v in values]
    else:
        keys = list(values)
    assert keys == sorted(keys, reverse=direction == "DESC")  # type: ignore[type-var]
    if abbr != "direction":  # every generated call is inbound
        assert len(set(keys)) > 1


def test_default_order_is_newest_first(api: Api) -> None:
    rows, _ = call_data(api, {"req_fields": "cs", **WIDE})
    starts = [r["call_start"] for r in rows]
    assert starts == sorted(starts, reverse=True)


@pytest.mark.parametrize("abbr", ["cat_id", "call_cat_v", "node_cat_lbl", "contact_cat_id", "nope"])
def test_group_fields_cannot_order(api: Api, abbr: str) -> None:
    assert_errors(api.get("Calls", "getCallData", {"order": f"{abbr}_ASC"}), 400, ["Order Field Invalid"])


def test_paging(api: Api) -> None:
    all_rows, total = call_data(api, {"req_fields": "id", **WIDE})
    resp = api.get("Calls", "getCallData", {"page": 3, "limit": 7, "req_fields": "id", **WIDE})
    assert totals(resp) == (3, math.ceil(total / 7), total)
    assert [r["id"] for r in results(resp)] == [r["id"] for r in all_rows[14:21]]
    beyond = api.get("Calls", "getCallData", {"page": total + 1, "limit": 1, **WIDE})
    assert totals(beyond) == (total + 1, total, total) and results(beyond) == []


def test_limit_errors(api: Api) -> None:
    assert_errors(
        api.get("Calls", "getCallData", {"limit": 20001}), 400, ["Limit must be between 1 and 20000"]
    )
