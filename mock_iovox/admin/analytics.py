"""The portal's analytics (issue 23 item 1): an account's calls over a period of the mock's clock,
as figures for admin/templates/analytics.html and the charts of admin/svg.py.

Every figure comes from getCallMetrics' own query (`calls.metrics.grouping`: the same filters, the
same clock cut, the same aggregates), so the page and the API agree (tests/test_portal_analytics.py
compares them). Each table is one grouped query by its dimension and `call_res` (calls and total talk
time per group and result); the answered / voicemail / missed split and the averages are sums of those
rows, so one query per table serves every column.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mock_iovox import clock
from mock_iovox.admin import svg
from mock_iovox.calls import metrics, periods
from mock_iovox.calls.results import ANSWERED, ANSWERED_MACHINE
from mock_iovox.db import Account, Call, Category, Link, Node, link_categories
from mock_iovox.db.engine import Database
from mock_iovox.db.generations import read_state_in

#: the periods a user picks: query value -> label (today, or the last N days ending today)
PERIODS: Mapping[str, str] = {"today": "Today", "7": "7 days", "30": "30 days", "90": "90 days"}
DEFAULT_PERIOD = "30"
#: how many callers the top sources table lists
TOP_SOURCES = 10


#: what the page settled itself (the vendor's portal analytics are not documented), for
#: docs/guesses.md (rendered by mock_iovox/coverage.py)
GUESSES = (
    "The portal's analytics split calls by their CDR call_result: `ANSWERED` is answered, "
    "`ANSWERED [MACHINE DETECTED]` (a voicemail or an answering machine) is voicemail, every other "
    "result (busy, no answer, hang-up, no rules, blocked ...) is missed. The answer rate is answered "
    "calls over all calls; the average talk time is getCallMetrics' ave_talk_time (over every call "
    "of the group, missed ones included, rounded to the second).",
    "A period of the analytics is today, or the last 7, 30 or 90 calendar days ending today, on the "
    "mock's clock (getCallMetrics' sdt = the first day 00:00:00, edt = today 23:59:59; calls later "
    "than the clock are not shown, as in the API).",
    "A category's row counts the calls of the links filed under it or under any of its "
    "sub-categories (getCallMetrics' cat_ids filter); a call is in every category of its link, so "
    "the category rows do not add up to the total. A caller's country is its calling code's main "
    "country (+1 is US).",
)


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


@lru_cache(maxsize=1024)
def _region_of_code(code: int) -> str:
    region = phonenumbers.region_code_for_country_code(code)
    return region if region and region != phonenumbers.UNKNOWN_REGION else ""


def region_of(number: str) -> str:
    """The country (ISO 3166 alpha-2) of a caller's calling code, from the number or its first three
    digits (country codes are prefix-free, so 1-3 digits name one; a shared code gives its main
    country, e.g. US for +1), or "unknown" (a withheld caller). The page groups callers by those
    three digits in SQL: a 90-day period has thousands of callers."""
    digits = number.lstrip("+")
    if digits.isdigit():
        for width in (1, 2, 3):
            region = _region_of_code(int(digits[:width])) if len(digits) >= width else ""
            if region:
                return region
    return "unknown"


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


#: the one fine grouping every table but the callers' is summed from: the hour, the result, the link
#: (by pk, for its categories, and by id), the node and the number
FINE = (metrics.SLOT, "call_res", metrics.LINK_PK, "lid", "nid", "vn")


class Sums:
    """Tallies keyed by a group value, summed from grouped rows."""

    def __init__(self, labels: Mapping[str, str] | None = None) -> None:
        self.labels = labels or {}
        self.found: dict[str, Tally] = {}

    def add(self, key: Any, result: str, calls: int, talk: int) -> None:
        text = "" if key is None else str(key)
        row = self.found.get(text)
        if row is None:
            row = self.found[text] = Tally(text, self.labels.get(text, text))
        row.add(result, calls, talk)

    def sorted(self) -> list[Tally]:
        """In the API's order (by the group value)."""
        return [self.found[k] for k in sorted(self.found)]


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
    pk = chosen["pk"]
    end = min(period.end, now)
    query = Query(session, pk, now, period)
    out = Figures(env, accounts, chosen, choice, period.start, end, Tally("all", "All calls"))
    links = Sums(_names(session, select(Link.link_id, Link.link_name).where(Link.account_pk == pk)))
    nodes = Sums(_names(session, select(Node.node_id, Node.node_name).where(Node.account_pk == pk)))
    numbers, by_link_pk = Sums(), Sums()
    days: dict[str, int] = {}
    out.week = [[0] * 24 for _ in metrics.WEEKDAYS]
    for n, talk_sum, slot, result, link_pk, lid, nid, vn in query.rows(FINE, ["tc", "ttts"]):
        calls, talk, result = int(n), int(talk_sum or 0), result or ""
        out.total.add(result, calls, talk)
        links.add(lid, result, calls, talk)
        nodes.add(nid, result, calls, talk)
        numbers.add(vn, result, calls, talk)
        if link_pk is not None:
            by_link_pk.add(link_pk, result, calls, talk)
        day = slot[:10]
        days[day] = days.get(day, 0) + calls
        out.week[date.fromisoformat(day).weekday()][int(slot[11:13])] += calls
    out.days = _days(days, period.start.date(), end.date())
    out.links, out.nodes = links.sorted(), nodes.sorted()
    out.numbers = [_relabel(t, display_number(t.key)) for t in numbers.sorted()]
    out.categories = _categories(session, pk, by_link_pk.found)
    out.sources = _sources(session, pk, now, period, query)
    countries = Sums()
    for n, talk_sum, prefix, result in query.rows([metrics.ORIGIN_PREFIX, "call_res"], ["tc", "ttts"]):
        countries.add(region_of(prefix or ""), result or "", int(n), int(talk_sum or 0))
    out.countries = sorted(countries.found.values(), key=lambda t: (-t.calls, t.key))
    return out


def _sources(session: Session, pk: int, now: datetime, period: periods.Period, query: Query) -> list[Tally]:
    """The busiest callers: the same grouping by caller ordered by calls (so the thousands of
    callers of a long period stay in the database), then each one's result split through
    getCallMetrics' `call_origin` filter."""
    grouped = metrics.grouping(session, pk, now, {}, period, ["co"], ["tc"])
    calls = grouped.aggregates[0]
    top = grouped.stmt.with_only_columns(calls, *grouped.groups).order_by(calls.desc(), *grouped.groups)
    out = []
    for _n, origin in session.execute(top.limit(TOP_SOURCES)):
        row = Tally(origin or "", display_number(origin or ""))
        for n, talk_sum, result in session.execute(
            metrics.grouping(
                session, pk, now, {"call_origin": origin}, period, ["call_res"], ["tc", "ttts"]
            ).rows()
        ):
            row.add(result or "", int(n), int(talk_sum or 0))
        out.append(row)
    return out


def _relabel(tally: Tally, label: str) -> Tally:
    tally.label = label
    return tally


def _names(session: Session, stmt: Any) -> dict[str, str]:
    return {key: name for key, name in session.execute(stmt)}


def _days(counts: Mapping[str, int], first: date, last: date) -> list[tuple[str, int]]:
    """Calls per calendar day of the period, days without calls included (as 0)."""
    out = []
    day = first
    while day <= last:
        out.append((day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=1)
    return out


def _categories(session: Session, account_pk: int, by_link: Mapping[str, Tally]) -> list[Tally]:
    """Per category, its sub-tree included: the calls of the links filed under it (what
    getCallMetrics' `cat_ids` filter selects), summed from the rows grouped by link."""
    cats = session.execute(
        select(Category.pk, Category.parent_pk, Category.category_id, Category.label, Category.value)
        .where(Category.account_pk == account_pk)
        .order_by(Category.pk)
    ).all()
    if not cats:
        return []
    filed: dict[int, set[str]] = {}  # category pk -> links (pk as text) filed directly under it
    for link_pk, category_pk in session.execute(
        select(link_categories.c.link_pk, link_categories.c.category_pk).where(
            link_categories.c.link_pk.in_(sorted(int(k) for k in by_link))
        )
    ):
        filed.setdefault(category_pk, set()).add(str(link_pk))
    children: dict[int, list[int]] = {}
    for pk, parent, *_ in cats:
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    out = []
    for pk, _parent, category_id, label, value in cats:
        links = set().union(*(filed.get(c, set()) for c in _subtree(pk, children)))
        row = Tally(category_id, f"{label}: {value}" if value else label)
        for link in links:
            found = by_link[link]
            row.calls += found.calls
            row.answered += found.answered
            row.voicemail += found.voicemail
            row.talk_seconds += found.talk_seconds
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


class Kept:
    """The last pages' figures and charts, kept while they are current: for the same database, data
    generation (any write bumps it, db/generations.py), account, period, first day and last visible
    call (the clock reveals generated calls as it passes them; one index seek finds the last).
    A 90-day page at 100k calls costs two scans of the period's CDRs; seen again, nothing."""

    SIZE = 16

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[tuple[Any, ...], tuple[Figures, dict[str, str]]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[Figures, dict[str, str]] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: tuple[Figures, dict[str, str]]) -> None:
        with self._lock:
            self._pages[key] = value
            while len(self._pages) > self.SIZE:
                self._pages.popitem(last=False)


KEPT = Kept()


def _key(session: Session, db: Database, now: datetime, account: str | None, choice: str) -> tuple[Any, ...]:
    accounts = accounts_of(session)
    pk = str(accounts[0]["pk"]) if account is None and accounts else (account or "")
    last = None
    if pk.isdigit():  # an account that is not a number is refused by `figures`
        last = session.scalar(
            select(func.max(Call.call_start)).where(Call.account_pk == int(pk), Call.call_start <= now)
        )
    period = period_of(choice, now)
    return (id(db), read_state_in(session).generation, pk, choice, period.start, last)


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
            key = _key(session, db, now, account, choice)
            kept = KEPT.get(key)
            if kept is None:
                found = figures(session, db.env, now, account, choice)
                kept = (found, charts(found))
                KEPT.put(key, kept)
        except AnalyticsError as exc:
            return {**context, "figures": None, "error": str(exc), "error_field": exc.field}
    return {**context, "figures": kept[0], "error": None, "charts": kept[1]}


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
