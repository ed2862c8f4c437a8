"""How many CDRs a getCallData query matches, from `call_days` instead of a COUNT (issue 13).

A query filtered at most by link_id and node_id matches, over its period cut at the clock (calls
after `now` have not happened yet), every call of the whole days in between (summed from
`call_days`) and part of the first and last days. A partial day is counted exactly in `calls`
(through the composite indexes), whichever side of it is smaller: the calls from the day's start
(or up to its end) are either added on their own or subtracted from the day's bucket. All of it is
one statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from mock_iovox.calls.periods import Period
from mock_iovox.db import Call
from mock_iovox.db.calls import CallDay

#: the filters `call_days` can answer (any other one, or cat_ids, needs the real COUNT)
BUCKET_FILTERS = ("link_id", "node_id")
_DAY = timedelta(days=1)
_HALF_DAY = timedelta(hours=12)


def applies(params: Mapping[str, Any], filters: Mapping[str, Any], period: Period | None) -> bool:
    """True when the query's count can come from `call_days`: a period, and no filter but these."""
    if period is None or params.get("cat_ids"):
        return False
    return not any(params.get(name) for name in filters if name not in BUCKET_FILTERS)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def total(session: Session, account_pk: int, params: Mapping[str, Any], period: Period, now: datetime) -> int:
    """The number of CDRs of the account in `period` (up to `now`) matching link_id/node_id."""
    start, end = period.start, min(period.end, now)
    if start > end:
        return 0
    link_id, node_id = params.get("link_id"), params.get("node_id")

    def exact(*where: ColumnElement[bool]) -> Any:
        q = select(func.count()).where(Call.account_pk == account_pk, *where)
        if link_id:
            q = q.where(Call.link_id == link_id)
        if node_id:
            q = q.where(Call.node_id == node_id)
        return q.scalar_subquery()

    first, last = start.date(), end.date()
    parts: list[Any] = []  # scalar subqueries, summed
    if first == last:
        # one day: the calls in [start, end], or the day's bucket less those outside
        if end - start < _HALF_DAY:
            return session.scalar(select(exact(Call.call_start >= start, Call.call_start <= end))) or 0
        parts += [-exact(Call.call_start >= _midnight(first), Call.call_start < start)]
        parts += [-exact(Call.call_start > end, Call.call_start < _midnight(first + _DAY))]
    else:
        if start - _midnight(first) >= _HALF_DAY:
            parts.append(exact(Call.call_start >= start, Call.call_start < _midnight(first + _DAY)))
            first += _DAY
        elif start > _midnight(first):
            parts.append(-exact(Call.call_start >= _midnight(first), Call.call_start < start))
        if end - _midnight(last) < _HALF_DAY:
            parts.append(exact(Call.call_start >= _midnight(last), Call.call_start <= end))
            last -= _DAY
        else:
            parts.append(-exact(Call.call_start > end, Call.call_start < _midnight(last + _DAY)))
    if first <= last:
        buckets = select(func.coalesce(func.sum(CallDay.calls), 0)).where(
            CallDay.account_pk == account_pk, CallDay.day >= first, CallDay.day <= last
        )
        if link_id:
            buckets = buckets.where(CallDay.link_id == link_id)
        if node_id:
            buckets = buckets.where(CallDay.node_id == node_id)
        parts.append(buckets.scalar_subquery())
    if not parts:
        return 0
    expr = parts[0]
    for part in parts[1:]:
        expr = expr + part
    return int(session.scalar(select(expr)) or 0)
