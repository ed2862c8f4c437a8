"""How many CDRs a getCallData query matches, from `call_days` instead of a COUNT (issue 13).

A query filtered at most by link_id and node_id matches, over its period cut at the clock (calls
after `now` have not happened yet), every call of the whole days in between (summed from
`call_days`) and part of the first and last days. A partial day is counted exactly in `calls`
(through the composite indexes), whichever side of it is smaller: the calls from the day's start
(or up to its end) are either added on their own or subtracted from the day's bucket. All of it is
one statement, built once per shape (which filters, which edges) with bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Select, bindparam, func, select
from sqlalchemy.orm import Session

from mock_iovox.calls.periods import Period
from mock_iovox.db import Call
from mock_iovox.db.calls import CallDay

#: the filters `call_days` can answer (any other one, or cat_ids, needs the real COUNT)
BUCKET_FILTERS = ("link_id", "node_id")
_DAY = timedelta(days=1)
_HALF_DAY = timedelta(hours=12)

#: the exact counts a total may add (+) or subtract (-): [lower, upper] bounds on call_start as
#: (bound parameter, operator), by edge
_EXACT = {
    "whole": ("+", ("start", ">="), ("end", "<=")),  # one short day: [start, end]
    "before_start": ("-", ("first_midnight", ">="), ("start", "<")),
    "from_start": ("+", ("start", ">="), ("after_first", "<")),
    "after_end": ("-", ("end", ">"), ("after_last", "<")),
    "to_end": ("+", ("last_midnight", ">="), ("end", "<=")),
}


def applies(params: Mapping[str, Any], filters: Mapping[str, Any], period: Period | None) -> bool:
    """True when the query's count can come from `call_days`: a period, and no filter but these."""
    if period is None or params.get("cat_ids"):
        return False
    return not any(params.get(name) for name in filters if name not in BUCKET_FILTERS)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _compare(column: Any, op: str, name: str) -> ColumnElement[bool]:
    value = bindparam(name, type_=DateTime())
    comparisons: dict[str, ColumnElement[bool]] = {
        ">=": column >= value,
        ">": column > value,
        "<": column < value,
        "<=": column <= value,
    }
    return comparisons[op]


def where_link_node(q: Select[Any], table: Any, link: bool, node: bool) -> Select[Any]:
    """`q` filtered by the bound `link_id` and `node_id` of `table` (Call or CallDay), as asked."""
    if link:
        q = q.where(table.link_id == bindparam("link_id"))
    if node:
        q = q.where(table.node_id == bindparam("node_id"))
    return q


@lru_cache(maxsize=64)
def _statement(link: bool, node: bool, edges: tuple[str, ...], days: bool) -> Select[Any]:
    """The total's statement for one shape: the signed exact counts of `edges`, plus the buckets
    of the whole days when `days`."""
    parts: list[Any] = []
    for edge in edges:
        sign, (low, low_op), (high, high_op) = _EXACT[edge]
        q = select(func.count()).where(
            Call.account_pk == bindparam("account"),
            _compare(Call.call_start, low_op, low),
            _compare(Call.call_start, high_op, high),
        )
        part = where_link_node(q, Call, link, node).scalar_subquery()
        parts.append(-part if sign == "-" else part)
    if days:
        q = select(func.coalesce(func.sum(CallDay.calls), 0)).where(
            CallDay.account_pk == bindparam("account"),
            CallDay.day >= bindparam("first_day"),
            CallDay.day <= bindparam("last_day"),
        )
        parts.append(where_link_node(q, CallDay, link, node).scalar_subquery())
    expr = parts[0]
    for part in parts[1:]:
        expr = expr + part
    return select(expr)


def total(session: Session, account_pk: int, params: Mapping[str, Any], period: Period, now: datetime) -> int:
    """The number of CDRs of the account in `period` (up to `now`) matching link_id/node_id."""
    start, end = period.start, min(period.end, now)
    if start > end:
        return 0
    link_id, node_id = params.get("link_id"), params.get("node_id")
    first, last = start.date(), end.date()
    edges: list[str] = []
    if first == last:
        # one day: the calls in [start, end], or the day's bucket less those outside
        if end - start < _HALF_DAY:
            edges.append("whole")
            first, last = last + _DAY, last
        else:
            edges += ["before_start", "after_end"]
    else:
        if start - _midnight(first) >= _HALF_DAY:
            edges.append("from_start")
            first += _DAY
        elif start > _midnight(first):
            edges.append("before_start")
        if end - _midnight(last) < _HALF_DAY:
            edges.append("to_end")
            last -= _DAY
        else:
            edges.append("after_end")
    values: dict[str, Any] = {
        "account": account_pk,
        "start": start,
        "end": end,
        "first_midnight": _midnight(start.date()),
        "after_first": _midnight(start.date() + _DAY),
        "last_midnight": _midnight(end.date()),
        "after_last": _midnight(end.date() + _DAY),
        "first_day": first,
        "last_day": last,
    }
    if link_id:
        values["link_id"] = link_id
    if node_id:
        values["node_id"] = node_id
    stmt = _statement(bool(link_id), bool(node_id), tuple(edges), first <= last)
    return int(session.connection().execute(stmt, values).scalar() or 0)
