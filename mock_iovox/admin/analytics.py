"""The portal's analytics (issue 23 item 1): an account's calls over a period of the mock's clock,
as figures for admin/templates/analytics.html and the charts of admin/svg.py.

Every figure comes from getCallMetrics' own query (`calls.metrics.grouping`: the same filters, the
same clock cut, the same aggregates), so the page and the API agree (tests/test_portal_analytics.py
compares them). Each table is one grouped query by its dimension and `call_res` (calls and total talk
time per group and result); the answered / voicemail / missed split and the averages are sums of those
rows, so one query per table serves every column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox import clock
from mock_iovox.admin import svg
from mock_iovox.calls import metrics, periods
from mock_iovox.calls.results import ANSWERED, ANSWERED_MACHINE
from mock_iovox.db import Account, Category, Link, Node, link_categories
from mock_iovox.db.engine import Database

#: the periods a user picks: query value -> label (today, or the last N days ending today)
PERIODS: Mapping[str, str] = {"today": "Today", "7": "7 days", "30": "30 days", "90": "90 days"}
DEFAULT_PERIOD = "30"
#: how many callers the top sources table lists
TOP_SOURCES = 10


class AnalyticsError(ValueError):
    """A query parameter the page cannot show (answered as a 400 page)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def period_of(choice: str, now: datetime) -> periods.Period:
    """Today, or the last N calendar days ending today, on the mock's clock (the clock cuts the end:
    calls later than now are not visible, as in the API)."""
    if choice not in PERIODS:
        raise AnalyticsError("period", f"period must be one of {', '.join(PERIODS)}")
    days = 1 if choice == "today" else int(choice)
    first = now.date() - timedelta(days=days - 1)
    return periods.Period(datetime.combine(first, time()), datetime.combine(now.date(), periods.END_OF_DAY))


def display_number(number: str) -> str:
    """A CDR number (digits, with or without `+`) as E.164 with `+`, grouped for reading; anything
    that is not a phone number (a withheld caller, a SIP name) is shown as stored."""
    digits = number.lstrip("+")
    if not digits.isdigit():
        return number
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def region_of(number: str) -> str:
    """The country (ISO 3166 alpha-2) a caller's number belongs to, or "unknown"."""
    digits = number.lstrip("+")
    if not digits.isdigit():
        return "unknown"
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse("+" + digits))
    except phonenumbers.NumberParseException:
        return "unknown"
    return region if region and region != "ZZ" else "unknown"


@dataclass(slots=True)
class Tally:
    """One table row: calls by outcome and their talk time."""

    key: str
    label: str
    calls: int = 0
    answered: int = 0
    voicemail: int = 0
    talk_seconds: int = 0

    def add(self, result: str, calls: int, talk: int) -> None:
        self.calls += calls
        self.talk_seconds += talk
        if result == ANSWERED:
            self.answered += calls
        elif result == ANSWERED_MACHINE:
            self.voicemail += calls

    @property
    def missed(self) -> int:
        return self.calls - self.answered - self.voicemail

    @property
    def answer_rate(self) -> str:
        return f"{100 * self.answered / self.calls:.1f}%" if self.calls else "–"

    @property
    def average_talk(self) -> str:
        """As getCallMetrics' ave_talk_time: the mean over every call, rounded to the second."""
        return metrics.hms(int(self.talk_seconds / self.calls + 0.5)) if self.calls else "–"


@dataclass(slots=True)
class Figures:
    env: str
    accounts: list[dict[str, Any]]
    account: dict[str, Any]
    period: str
    start: datetime
    end: datetime
    total: Tally
    days: list[tuple[str, int]] = field(default_factory=list)
    #: calls[weekday][hour], Monday first
    week: list[list[int]] = field(default_factory=list)
    links: list[Tally] = field(default_factory=list)
    nodes: list[Tally] = field(default_factory=list)
    categories: list[Tally] = field(default_factory=list)
    numbers: list[Tally] = field(default_factory=list)
    sources: list[Tally] = field(default_factory=list)
    countries: list[Tally] = field(default_factory=list)


def accounts_of(session: Session) -> list[dict[str, Any]]:
    return [
        {"pk": pk, "name": name}
        for pk, name in session.execute(select(Account.pk, Account.name).order_by(Account.pk))
    ]


class Query:
    """getCallMetrics' grouped query over one account and period, without request filters."""

    def __init__(self, session: Session, account_pk: int, now: datetime, period: periods.Period) -> None:
        self.session, self.account_pk, self.now, self.period = session, account_pk, now, period

    def rows(self, names: Sequence[str], abbrs: Sequence[str]) -> list[Any]:
        grouping = metrics.grouping(self.session, self.account_pk, self.now, {}, self.period, names, abbrs)
        return list(self.session.execute(grouping.rows()))

    def tallies(self, name: str, labels: Mapping[str, str] | None = None) -> list[Tally]:
        """One row per value of the group field `name` (with its result split), in the API's order."""
        found: dict[str, Tally] = {}
        for calls, talk, key, result in self.rows([name, "call_res"], ["tc", "ttts"]):
            text = metrics.group_value(name, key)
            row = found.get(text)
            if row is None:
                row = found[text] = Tally(text, (labels or {}).get(text, text))
            row.add(result or "", int(calls), int(talk or 0))
        return list(found.values())


def figures(session: Session, env: str, now: datetime, account: str | None, choice: str) -> Figures:
    """Everything the analytics page shows, for `account` (its pk as text; None: the first)."""
    period = period_of(choice, now)
    accounts = accounts_of(session)
    chosen = (
        accounts[0]
        if account is None and accounts
        else next((a for a in accounts if str(a["pk"]) == account), None)
    )
    if chosen is None:
        raise AnalyticsError("account", f"account must be one of {', '.join(str(a['pk']) for a in accounts)}")
    query = Query(session, chosen["pk"], now, period)
    out = Figures(
        env, accounts, chosen, choice, period.start, min(period.end, now), Tally("all", "All calls")
    )
    for result in query.tallies("call_res"):
        out.total.add(result.key, result.calls, result.talk_seconds)
    out.days = _days(query, period.start.date(), min(period.end, now).date())
    out.week = _week(query)
    pk = chosen["pk"]
    out.links = query.tallies(
        "lid", _names(session, select(Link.link_id, Link.link_name).where(Link.account_pk == pk))
    )
    out.nodes = query.tallies(
        "nid", _names(session, select(Node.node_id, Node.node_name).where(Node.account_pk == pk))
    )
    out.numbers = [_relabel(t, display_number(t.key)) for t in query.tallies("vn")]
    out.categories = _categories(session, query)
    callers = query.tallies("co")
    out.sources = [
        _relabel(t, display_number(t.key)) for t in sorted(callers, key=lambda t: -t.calls)[:TOP_SOURCES]
    ]
    out.countries = _countries(callers)
    return out


def _relabel(tally: Tally, label: str) -> Tally:
    tally.label = label
    return tally


def _names(session: Session, stmt: Any) -> dict[str, str]:
    return {key: name for key, name in session.execute(stmt)}


def _days(query: Query, first: date, last: date) -> list[tuple[str, int]]:
    """Calls per calendar day of the period, days without calls included (as 0)."""
    counts = {metrics.group_value("cdate", day): int(n) for n, day in query.rows(["cdate"], ["tc"])}
    out = []
    day = first
    while day <= last:
        out.append((day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=1)
    return out


def _week(query: Query) -> list[list[int]]:
    week = [[0] * 24 for _ in metrics.WEEKDAYS]
    for n, weekday, hour in query.rows(["cweekd", metrics.HOUR], ["tc"]):
        week[int(weekday)][int(hour)] = int(n)
    return week


def _categories(session: Session, query: Query) -> list[Tally]:
    """Per category, its sub-tree included: the calls of the links filed under it (getCallMetrics'
    `cat_ids` filter), summed from one query grouped by link."""
    cats = session.execute(
        select(Category.pk, Category.parent_pk, Category.category_id, Category.label, Category.value)
        .where(Category.account_pk == query.account_pk)
        .order_by(Category.pk)
    ).all()
    if not cats:
        return []
    by_link: dict[int, list[tuple[str, int, int]]] = {}
    for calls, talk, link_pk, result in query.rows([metrics.LINK_PK, "call_res"], ["tc", "ttts"]):
        if link_pk is not None:
            by_link.setdefault(int(link_pk), []).append((result or "", int(calls), int(talk or 0)))
    filed: dict[int, set[int]] = {}  # category pk -> links filed directly under it
    for link_pk, category_pk in session.execute(
        select(link_categories.c.link_pk, link_categories.c.category_pk).where(
            link_categories.c.link_pk.in_(sorted(by_link))
        )
    ):
        filed.setdefault(category_pk, set()).add(link_pk)
    children: dict[int, list[int]] = {}
    for pk, parent, *_ in cats:
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    out = []
    for pk, _parent, category_id, label, value in cats:
        links = set().union(*(filed.get(c, set()) for c in _subtree(pk, children)))
        row = Tally(category_id, f"{label}: {value}" if value else label)
        for link_pk in links:
            for result, calls, talk in by_link[link_pk]:
                row.add(result, calls, talk)
        out.append(row)
    return out


def _subtree(pk: int, children: Mapping[int, Iterable[int]]) -> set[int]:
    found: set[int] = set()
    stack = [pk]
    while stack:
        at = stack.pop()
        if at not in found:
            found.add(at)
            stack.extend(children.get(at, ()))
    return found


def _countries(callers: Iterable[Tally]) -> list[Tally]:
    """The callers' countries (from their numbers), busiest first."""
    found: dict[str, Tally] = {}
    for caller in callers:
        region = region_of(caller.key)
        row = found.setdefault(region, Tally(region, region))
        row.calls += caller.calls
        row.answered += caller.answered
        row.voicemail += caller.voicemail
        row.talk_seconds += caller.talk_seconds
    return sorted(found.values(), key=lambda t: (-t.calls, t.key))


def page(db: Database, account: str | None, choice: str) -> dict[str, Any]:
    """The analytics page's context: the figures and their charts, or the error to show (a 400)."""
    with db.reading() as session:
        now = clock.now(session)
        context: dict[str, Any] = {
            "env": db.env,
            "clock": clock.read(session).describe(),
            "periods": PERIODS,
            "period": choice,
            "weekdays": metrics.WEEKDAYS,
            "accounts": accounts_of(session),
        }
        try:
            found = figures(session, db.env, now, account, choice)
        except AnalyticsError as exc:
            return {**context, "figures": None, "error": str(exc), "error_field": exc.field}
    return {**context, "figures": found, "error": None, "charts": charts(found)}


def charts(found: Figures) -> dict[str, str]:
    total = found.total
    return {
        "share": svg.share(
            [("Answered", total.answered), ("Voicemail", total.voicemail), ("Missed", total.missed)],
            "Answered, voicemail and missed calls",
            f"{total.calls} calls: {total.answered} answered, {total.voicemail} to voicemail, "
            f"{total.missed} missed",
        ),
        "days": svg.columns(
            found.days,
            "Calls per day",
            f"{len(found.days)} days from {found.days[0][0]} to {found.days[-1][0]}",
        ),
        "week": svg.heatmap(
            found.week,
            metrics.WEEKDAYS,
            "Calls per hour of the week",
            "Rows Monday to Sunday, columns the hours 00 to 23; darker cells had more calls",
        ),
        "links": svg.bars(
            [(f"{t.label} ({t.key})", t.calls) for t in found.links], "Calls per link", "One bar per link"
        ),
        "sources": svg.bars(
            [(t.label, t.calls) for t in found.sources],
            "Busiest callers",
            f"The {TOP_SOURCES} busiest callers",
        ),
    }
