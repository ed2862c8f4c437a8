"""Shared helpers of the Calls tests (no tests here): the fixture's calls are generated over the
90 days up to the load date, so expectations are computed from the test database itself."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import text

from mock_iovox import clock
from tests.helpers import PINNED, Api, results, totals

#: a period wide enough to hold every generated call
WIDE = {"sdt": "2000-01-01", "edt": "2099-12-31"}


def today() -> date:
    return PINNED.date()


@pytest.fixture
def frozen_clock(api: Api) -> datetime:
    """The mock's clock held still for one test, so that what the test computes from the database
    and what the API answers see the same "now". Every test database starts frozen at PINNED; this
    says so and checks it."""
    with api.dbs["sandbox"].reading() as session:
        assert clock.now(session) == PINNED
    return PINNED


def sql(api: Api, query: str, **params: Any) -> list[Any]:
    with api.dbs["sandbox"].engine.connect() as conn:
        return list(conn.execute(text(query), params))


def scalar(api: Api, query: str, **params: Any) -> Any:
    return sql(api, query, **params)[0][0]


def visible_sql(api: Api, query: str, **params: Any) -> list[Any]:
    """`sql` over the calls the API can show: those not later than the mock's clock (the fixture
    generates whole days, so part of today lies ahead)."""
    with api.dbs["sandbox"].engine.connect() as conn:
        conn.execute(text("DROP VIEW IF EXISTS temp.visible_calls"))
        now = PINNED.strftime("%Y-%m-%d %H:%M:%S")
        conn.execute(
            text(f"CREATE TEMP VIEW visible_calls AS SELECT * FROM calls WHERE call_start <= '{now}'")
        )
        return list(conn.execute(text(re.sub(r"\bFROM calls\b", "FROM visible_calls", query)), params))


def visible_scalar(api: Api, query: str, **params: Any) -> Any:
    return visible_sql(api, query, **params)[0][0]


def call_data(api: Api, params: dict[str, Any]) -> tuple[list[dict[str, str]], int]:
    resp = api.get("Calls", "getCallData", {"limit": 20000, **params})
    assert resp.status_code == 200, resp.text
    return results(resp), totals(resp)[2]


def metrics(api: Api, params: dict[str, Any]) -> list[dict[str, str]]:
    """getCallMetrics rows without their `period` (checked once for all of them, then dropped)."""
    resp = api.get("Calls", "getCallMetrics", params)
    assert resp.status_code == 200, resp.text
    rows = results(resp)
    assert len({r.pop("period") for r in rows}) <= 1
    return rows


def nested(resp: httpx.Response, outer: str, inner: str) -> list[list[dict[str, str]]]:
    """Per result row, the members of one nested group (e.g. categories/category)."""
    root = etree.fromstring(resp.content)
    out = []
    for row in root.findall("results/result"):
        group = row.find(outer)
        members = [] if group is None else group.findall(inner)
        out.append([{c.tag: c.text or "" for c in m} for m in members])
    return out


# the sandbox "Demo Estates" account is pk 1 in the default fixture
DEMO = 1
