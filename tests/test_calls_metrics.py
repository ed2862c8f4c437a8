"""Calls.getCallMetrics (SPEC.md §7.2): every metric and group field, consistent with getCallData."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from mock_iovox.catalog.calls import GROUP_FIELDS, METRIC_FIELDS
from tests.helpers import Api, assert_errors, results, totals
from tests.helpers.calls import (
    WIDE,
    frozen_clock,  # noqa: F401  (fixture)
    metrics,
    today,
)
from tests.helpers.calls import call_data as _call_data

pytestmark = pytest.mark.usefixtures("frozen_clock")

#: only what the metrics need, so the 3,000-row comparisons stay quick
NEEDED = "cs,co,coe,vn,cd,detail,cts,tts,call_res,nid,ntype,lid,lname,ltype"


def call_data(api: Api, params: dict[str, object]) -> tuple[list[dict[str, str]], int]:
    return _call_data(api, {"req_fields": NEEDED, **params})


METRICS = [f.element for f in METRIC_FIELDS]
# group field -> the getCallData element holding the same value (cdate/cweekd/cmonth: from call_start)
DATA_ELEMENT = {
    "co": "call_origin",
    "coe": "call_origin_encoded",
    "vn": "voxnumber",
    "cd": "call_destination",
    "detail": "detail",
    "call_res": "call_result",
    "nid": "node_id",
    "ntype": "node_type",
    "lid": "link_id",
    "lname": "link_name",
    "ltype": "link_type",
}
WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def seconds(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60 + s


def group_key(abbr: str, row: dict[str, str]) -> str:
    start = row["call_start"]
    if abbr == "cdate":
        return start[:10]
    if abbr == "cmonth":
        return start[:7]
    if abbr == "cweekd":
        return WEEKDAYS[date.fromisoformat(start[:10]).weekday()]
    return row[DATA_ELEMENT[abbr]]


def expected_metrics(rows: list[dict[str, str]], days: int) -> dict[str, str]:
    """The metrics computed by hand from getCallData rows."""
    n = len(rows)
    ct = sum(int(r["call_time_sec"]) for r in rows)
    tt = sum(int(r["talk_time_sec"]) for r in rows)

    def hms(s: int) -> str:
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"

    def avg(total: int) -> int:
        return int(total / n + 0.5) if n else 0

    return {
        "total_calls": str(n),
        "ave_calls_per_day": f"{n / days:.2f}",
        "total_call_time": hms(ct),
        "total_call_time_sec": str(ct),
        "ave_call_time": hms(avg(ct)),
        "ave_call_time_sec": str(avg(ct)),
        "total_talk_time": hms(tt),
        "total_talk_time_sec": str(tt),
        "ave_talk_time": hms(avg(tt)),
        "ave_talk_time_sec": str(avg(tt)),
        "total_unique_callers": str(len({r["call_origin"] for r in rows})),
        "total_unique_nodes": str(len({r["node_id"] for r in rows})),
        "total_unique_links": str(len({r["link_id"] for r in rows})),
    }


PERIOD: dict[str, Any] = {"sdt": "2000-01-01", "edt": "2099-12-31"}
PERIOD_DAYS = (date(2099, 12, 31) - date(2000, 1, 1)).days + 1


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"link_id": "westbourne-web"},
        {"node_type": "Restaurant", "call_res": "ANSWERED"},
        {"cat_ids": ["103", "106"]},
        {"ctype": "API"},
        {"rule_res": "Voicemail"},
        {"link_id": "no-such-link"},
    ],
    ids=repr,
)
def test_totals_match_call_data(api: Api, filters: dict[str, object]) -> None:
    rows, _ = call_data(api, {**filters, **PERIOD})
    got = metrics(api, {**filters, **PERIOD})
    assert got == [expected_metrics(rows, PERIOD_DAYS)]
    if filters.get("link_id") != "no-such-link":
        assert rows


def test_default_period_and_per_day_average(api: Api) -> None:
    first = today().replace(day=1)
    rows, _ = call_data(api, {})  # the same default window
    days = (today() - first).days + 1
    [got] = metrics(api, {})
    assert got == expected_metrics(rows, days)
    assert float(got["ave_calls_per_day"]) == pytest.approx(len(rows) / days, abs=0.005)


def test_bare_edt_means_end_of_day(api: Api) -> None:
    day = today() - timedelta(days=3)
    rows, _ = call_data(api, {"sdt": str(day), "edt": str(day)})
    [got] = metrics(api, {"sdt": str(day), "edt": str(day)})
    assert got == expected_metrics(rows, 1)


def test_call_origin_encryption_filter(api: Api) -> None:
    rows, _ = call_data(api, {"req_fields": "coe", **WIDE})
    encoded = rows[0]["call_origin_encoded"]
    matching, _ = call_data(api, {"call_origin_encoded": encoded, **WIDE})
    [got] = metrics(api, {"call_origin_encryption": encoded, **WIDE})
    assert got["total_calls"] == str(len(matching)) and got["total_unique_callers"] == "1"


@pytest.mark.parametrize("abbr", list(GROUP_FIELDS))
def test_each_group_field(api: Api, abbr: str) -> None:
    rows, _ = call_data(api, PERIOD)
    by_group: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_group[group_key(abbr, r)].append(r)
    got = metrics(api, {"group_fields": abbr, **PERIOD})
    element = GROUP_FIELDS[abbr]
    assert [list(g) for g in got] == [[*METRICS, element]] * len(got)
    assert {g[element]: {k: g[k] for k in METRICS} for g in got} == {
        k: expected_metrics(v, PERIOD_DAYS) for k, v in by_group.items()
    }
    order = [g[element] for g in got]
    if abbr == "cweekd":
        assert order == [d for d in WEEKDAYS if d in order]
    else:
        assert order == sorted(order)
    assert len(got) > 1


def test_two_group_fields(api: Api) -> None:
    rows, _ = call_data(api, {"link_type": "Web", **PERIOD})
    by_group: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        by_group[(r["link_id"], r["call_result"])] += 1
    got = metrics(api, {"group_fields": "lid,call_res", "req_fields": "tc", "link_type": "Web", **PERIOD})
    assert [list(g) for g in got] == [["total_calls", "link_id", "call_result"]] * len(got)
    assert {(g["link_id"], g["call_result"]): int(g["total_calls"]) for g in got} == by_group
    assert [(g["link_id"], g["call_result"]) for g in got] == sorted(by_group)


def test_grouped_by_day_in_a_month(api: Api) -> None:
    first = today().replace(day=1)
    got = metrics(api, {"group_fields": "cdate", "req_fields": "tc,ttts", "link_id": "westbourne-web"})
    days = [g["call_date"] for g in got]
    assert days == sorted(days) and all(str(first) <= d <= str(today()) for d in days)
    rows, _ = call_data(api, {"link_id": "westbourne-web"})
    assert sum(int(g["total_calls"]) for g in got) == len(rows)
    assert sum(int(g["total_talk_time_sec"]) for g in got) == sum(int(r["talk_time_sec"]) for r in rows)


@pytest.mark.parametrize("abbr", [f.abbr for f in METRIC_FIELDS])
def test_each_metric_alone(api: Api, abbr: str) -> None:
    element = next(f.element for f in METRIC_FIELDS if f.abbr == abbr)
    rows, _ = call_data(api, PERIOD)
    assert metrics(api, {"req_fields": abbr, **PERIOD}) == [
        {element: expected_metrics(rows, PERIOD_DAYS)[element]}
    ]


def test_empty_period_gives_one_row_of_zeros(api: Api) -> None:
    got = metrics(api, {"sdt": "2001-01-01", "edt": "2001-01-31"})
    assert got == [expected_metrics([], 31)]
    assert got[0]["total_call_time"] == "00:00:00" and got[0]["ave_calls_per_day"] == "0.00"
    assert metrics(api, {"sdt": "2001-01-01", "edt": "2001-01-31", "group_fields": "cdate"}) == []


def test_paging_of_groups(api: Api) -> None:
    resp = api.get("Calls", "getCallMetrics", {"group_fields": "cdate", "limit": 10, "page": 2, **PERIOD})
    everything = metrics(api, {"group_fields": "cdate", **PERIOD})
    assert totals(resp) == (2, -(-len(everything) // 10), len(everything))
    assert [{k: v for k, v in r.items() if k != "period"} for r in results(resp)] == everything[10:20]
    beyond = api.get("Calls", "getCallMetrics", {"group_fields": "cdate", "limit": 10, "page": 99, **PERIOD})
    assert totals(beyond) == (99, -(-len(everything) // 10), len(everything)) and results(beyond) == []


def test_group_field_errors(api: Api) -> None:
    resp = api.get("Calls", "getCallMetrics", {"group_fields": "cdate,bogus,lid,xx"})
    assert_errors(resp, 400, ["Group Fields Invalid: bogus,xx", "Group Fields can not be more than 2"])
    resp = api.get("Calls", "getCallMetrics", {"group_fields": "cdate,lid,nid"})
    assert_errors(resp, 400, ["Group Fields can not be more than 2"])
    resp = api.get("Calls", "getCallMetrics", {"group_fields": "date"})
    assert_errors(resp, 400, ["Group Fields Invalid: date"])


def test_metric_errors(api: Api) -> None:
    assert_errors(
        api.get("Calls", "getCallMetrics", {"req_fields": "tc,cs"}), 400, ["Required Fields Invalid: cs"]
    )
    assert_errors(api.get("Calls", "getCallMetrics", {"sdt": "2026-02-30"}), 400, ["sdt Invalid"])


@pytest.mark.parametrize(
    ("params", "period"),
    [
        (PERIOD, "2000-01-01 00:00:00 - 2099-12-31 23:59:59"),
        ({"sdt": "2001-01-01 08:30:00", "edt": "2001-01-31", "group_fields": "lid"}, ""),
        ({"sdt": "2001-01-01 08:30:00", "edt": "2001-01-31"}, "2001-01-01 08:30:00 - 2001-01-31 23:59:59"),
    ],
)
def test_every_row_has_its_period(api: Api, params: dict[str, str], period: str) -> None:
    """PHP's CallMetricModel reads `period`; each row carries the queried window."""
    rows = results(api.get("Calls", "getCallMetrics", params))
    assert [r["period"] for r in rows] == ([period] if period else [])
    grouped = results(api.get("Calls", "getCallMetrics", {"group_fields": "lid", **PERIOD}))
    assert len(grouped) == 4 and {r["period"] for r in grouped} == {
        "2000-01-01 00:00:00 - 2099-12-31 23:59:59"
    }


def test_json_metrics(api: Api) -> None:
    resp = api.get(
        "Calls", "getCallMetrics", {"req_fields": "tc", "group_fields": "cmonth", **PERIOD}, output_json=True
    )
    result = resp.json()["response"]["results"]["result"]
    rows = result if isinstance(result, list) else [result]
    assert all(set(r) == {"total_calls", "period", "call_month"} for r in rows)
