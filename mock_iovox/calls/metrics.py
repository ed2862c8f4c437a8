"""getCallMetrics in SQL (SPEC.md §7.2): aggregate expressions, group fields, and row formatting.

Sums and counts come from the database (GROUP BY); only the presentation (HH:MM:SS, the per-day
average) is done on the page of rows returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Select, case, cast, distinct, extract, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from mock_iovox.calls.filters import restricted
from mock_iovox.calls.periods import Period
from mock_iovox.db import Call

if TYPE_CHECKING:
    from mock_iovox.context import SqlExpr

#: weekday names as the API writes days (time frames use MON … SUN, SPEC.md §3.3), Monday = 0
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def hms(seconds: int) -> str:
    """Seconds as HH:MM:SS (hours may exceed 99 for totals)."""
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def metric_columns() -> dict[str, ColumnElement[Any]]:
    """Metric abbreviation -> aggregate. The formatted ones (tct, act, acpd …) select the raw
    number here; `format_row` turns it into the vendor's text."""
    calls = func.count()
    call_time = func.sum(Call.call_time_sec)
    talk_time = func.sum(Call.talk_time_sec)
    return {
        "tc": calls,
        "acpd": func.count(),
        "tct": call_time,
        "tcts": func.sum(Call.call_time_sec),
        "act": func.avg(Call.call_time_sec),
        "acts": func.avg(Call.call_time_sec),
        "ttt": talk_time,
        "ttts": func.sum(Call.talk_time_sec),
        "att": func.avg(Call.talk_time_sec),
        "atts": func.avg(Call.talk_time_sec),
        "tuc": func.count(distinct(Call.call_origin)),
        "tun": func.count(distinct(Call.node_id)),
        "tul": func.count(distinct(Call.link_id)),
    }


#: groups of the portal's analytics only, never vendor group fields (the handler accepts only
#: catalog.calls.GROUP_FIELDS). The hour a call started in, as text "YYYY-MM-DD HH" (its day,
#: weekday and hour are read from it):
SLOT = "cslot"
#: the caller's first three digits (enough to name its country code): a group of the portal's only
ORIGIN_PREFIX = "co3"
#: the CDR's link by primary key, a group of the portal's only (categories are filed by link)
LINK_PK = "lpk"


@dataclass(frozen=True, slots=True)
class Grouping:
    """getCallMetrics' query before paging: the filtered, grouped statement (its columns are the
    groups), the aggregates asked for and the group expressions (also the sort keys)."""

    stmt: Select[Any]
    aggregates: Sequence[ColumnElement[Any]]
    groups: list[SqlExpr]

    def rows(self) -> Select[Any]:
        """Every group's aggregates then its group values, in the groups' order (no paging)."""
        return self.stmt.with_only_columns(*self.aggregates, *self.groups).order_by(*self.groups)


def grouping(
    session: Session,
    account_pk: int,
    now: datetime,
    params: Mapping[str, Any],
    period: Period,
    names: Sequence[str],
    abbrs: Sequence[str],
) -> Grouping:
    """The aggregates `abbrs` (metric abbreviations) of the account's calls in `period` matching the
    filters `params`, grouped by the group fields `names`: getCallMetrics and the portal's analytics
    run this one query, so their figures agree."""
    dialect = session.get_bind().dialect.name
    groups = [group_column(n, dialect) for n in names]
    base = select(*groups) if groups else select(func.count())
    stmt = restricted(session, account_pk, now, params, base, period).group_by(*groups)
    columns = metric_columns()
    # with no metric asked for a hidden count still makes the query aggregate
    aggregates = [columns[a].label(a) for a in abbrs] or [func.count().label("n")]
    return Grouping(stmt, aggregates, groups)


def group_column(abbr: str, dialect: str) -> SqlExpr:
    """The GROUP BY expression of a group field; also its sort key (cweekd sorts Monday first and
    is named in `format_row`)."""
    start = Call.call_start
    if abbr == "cdate":
        return func.date(start) if dialect == "sqlite" else func.to_char(start, "YYYY-MM-DD")
    if abbr == "cmonth":
        return func.strftime("%Y-%m", start) if dialect == "sqlite" else func.to_char(start, "YYYY-MM")
    if abbr == ORIGIN_PREFIX:
        return func.substr(Call.call_origin, 1, 3)
    if abbr == SLOT:
        return func.substr(start, 1, 13) if dialect == "sqlite" else func.to_char(start, "YYYY-MM-DD HH24")
    if abbr == "cweekd":
        # both give 0 = Sunday; shift to 0 = Monday
        sunday0 = (
            cast(func.strftime("%w", start), Integer)
            if dialect == "sqlite"
            else cast(extract("dow", start), Integer)
        )
        return case((sunday0 == 0, 6), else_=sunday0 - 1)
    return {
        "co": Call.call_origin,
        "coe": Call.call_origin_encoded,
        "vn": Call.voxnumber,
        "cd": Call.call_destination,
        "detail": Call.detail,
        "call_res": Call.call_result,
        "nid": Call.node_id,
        "ntype": Call.node_type,
        "lid": Call.link_id,
        "lname": Call.link_name,
        "ltype": Call.link_type,
        LINK_PK: Call.link_pk,
    }[abbr]


def _number(text: str) -> float:
    return float(text) if text else 0.0


def format_row(row: dict[str, Any], days: int) -> None:
    """Raw aggregates (as text) -> the vendor's formats, in place."""
    seconds: dict[str, Callable[[float], str]] = {
        "total_call_time": lambda v: hms(int(v)),
        "total_call_time_sec": lambda v: str(int(v)),
        "ave_call_time": lambda v: hms(int(v + 0.5)),
        "ave_call_time_sec": lambda v: str(int(v + 0.5)),
        "total_talk_time": lambda v: hms(int(v)),
        "total_talk_time_sec": lambda v: str(int(v)),
        "ave_talk_time": lambda v: hms(int(v + 0.5)),
        "ave_talk_time_sec": lambda v: str(int(v + 0.5)),
        "ave_calls_per_day": lambda v: f"{v / days:.2f}",
    }
    for element, fmt in seconds.items():
        if element in row:
            row[element] = fmt(_number(row[element]))


def period_text(start: datetime, end: datetime) -> str:
    """`period` of every row (read by PHP's CallMetricModel; its format is not documented)."""
    return f"{start:%Y-%m-%d %H:%M:%S} - {end:%Y-%m-%d %H:%M:%S}"


def group_value(abbr: str, value: Any) -> str:
    if value is None:
        return ""
    if abbr == "cweekd":
        return WEEKDAYS[int(value)]
    return str(value)
