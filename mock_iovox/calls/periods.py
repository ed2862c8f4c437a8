"""The period of a CDR query: `sdt`/`edt` with their defaults, or a `dconst` shortcut (SPEC.md §7.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        """Calendar days touched by the period (at least 1): the divisor of ave_calls_per_day."""
        return max(1, (self.end.date() - self.start.date()).days + 1)


def _days(first: date, last: date) -> Period:
    return Period(datetime.combine(first, time()), datetime.combine(last, END_OF_DAY))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def from_constant(name: str, now: datetime) -> Period:
    """TODAY, YESTERDAY, THIS_WEEK / LAST_WEEK (Monday to Sunday), THIS_MONTH / LAST_MONTH."""
    today = now.date()
    if name == "TODAY":
        return _days(today, today)
    if name == "YESTERDAY":
        day = today - timedelta(days=1)
        return _days(day, day)
    monday = today - timedelta(days=today.weekday())
    if name == "THIS_WEEK":
        return _days(monday, monday + timedelta(days=6))
    if name == "LAST_WEEK":
        return _days(monday - timedelta(days=7), monday - timedelta(days=1))
    if name == "THIS_MONTH":
        return _days(_month_start(today), _month_end(today))
    if name == "LAST_MONTH":
        last = _month_start(today) - timedelta(days=1)
        return _days(_month_start(last), last)
    raise ValueError(f"unknown date constant {name!r}")


def resolve(sdt: datetime | None, edt: datetime | None, dconst: str | None, now: datetime) -> Period:
    """dconst wins over sdt/edt; sdt defaults to the 1st of the current month 00:00:00, edt to today
    23:59:59 (a bare-date edt already means 23:59:59, see params.py)."""
    if dconst:
        return from_constant(dconst, now)
    start = sdt if sdt is not None else datetime.combine(_month_start(now.date()), time())
    end = edt if edt is not None else datetime.combine(now.date(), END_OF_DAY)
    return Period(start, end)
