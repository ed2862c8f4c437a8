"""Time templates and blocked numbers as domain (SPEC.md §5.5): is an instant inside a template,
and does a blocked-number entry stop a call from (IN) or to (OUT) a number on a link at that time.

The first half is pure (plain frozen data in, answers out) so that the call engine and the tests
use it without a database; `blocking_decision` at the end loads an account's entries and asks it.

Where the vendor is silent the reading is (recorded in the catalogue's guesses):
* a time frame holds an instant when its date part, its day and its time of day all hold; the time
  window repeats on every day of the date range; an empty bound is open (from now / forever);
* `recurrence` NONE compares whole dates, YEARLY ignores the year, MONTHLY the year and the month;
  a range whose start is after its end wraps (Dec 20 - Jan 5, 22:00 - 06:00);
* times are HH:MM with both ends included; no days means every day;
* an entry's number is digits (EQUALS or STARTSWITH a prefix), `WITHHELD` (a caller without a
  number) or `*` (any caller); when several entries match, the most specific decides (EQUALS before
  STARTSWITH, longer prefixes before shorter, `*` last), then its first rule for the link (rules
  naming the link before rules for every link) whose time template holds the instant, else its
  `default`. No matching entry: the call is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox.db import BlockedNumber, Link, TimeTemplate
from mock_iovox.db.flows import BlockedNumberRule

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
WITHHELD = "WITHHELD"
ANY_NUMBER = "*"
BLOCK, ALLOW = "BLOCK", "ALLOW"
_NUMBER = re.compile(r"\+?(\d{1,20})")
_DAY_START, _DAY_END = time(0, 0), time(23, 59)


# --------------------------------------------------------------------------------------------------
# time templates


@dataclass(frozen=True, slots=True)
class TimeFrame:
    date_from: date | None = None
    date_to: date | None = None
    recurrence: str = "NONE"
    time_from: time | None = None
    time_to: time | None = None
    #: MON … SUN; empty means every day
    days: tuple[str, ...] = ()

    def contains(self, at: datetime) -> bool:
        return self._on_date(at.date()) and self._on_day(at) and self._at_time(at.time())

    def _on_date(self, day: date) -> bool:
        if self.recurrence == "YEARLY":
            start = (self.date_from.month, self.date_from.day) if self.date_from else (1, 1)
            end = (self.date_to.month, self.date_to.day) if self.date_to else (12, 31)
            return _within((day.month, day.day), start, end)
        if self.recurrence == "MONTHLY":
            start_day = self.date_from.day if self.date_from else 1
            end_day = self.date_to.day if self.date_to else 31
            return _within(day.day, start_day, end_day)
        return (self.date_from is None or day >= self.date_from) and (
            self.date_to is None or day <= self.date_to
        )

    def _on_day(self, at: datetime) -> bool:
        return not self.days or DAYS[at.weekday()] in self.days

    def _at_time(self, moment: time) -> bool:
        if self.time_from is None and self.time_to is None:
            return True
        minute = moment.replace(second=0, microsecond=0)
        return _within(minute, self.time_from or _DAY_START, self.time_to or _DAY_END)

    def valid(self) -> bool:
        """A NONE frame must not end before it starts (the recurring ones wrap instead)."""
        if self.recurrence == "NONE" and self.date_from and self.date_to:
            return self.date_from <= self.date_to
        return True

    # stored as JSON text (TimeTemplate.frames_json) in the vendor's own spellings
    def to_data(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "recurrence": self.recurrence,
            "time_from": self.time_from.strftime("%H:%M") if self.time_from else "",
            "time_to": self.time_to.strftime("%H:%M") if self.time_to else "",
            "days": list(self.days),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TimeFrame:
        def day(value: str) -> date | None:
            return date.fromisoformat(value) if value else None

        def clock(value: str) -> time | None:
            return time.fromisoformat(value) if value else None

        return cls(
            day(data.get("date_from", "")),
            day(data.get("date_to", "")),
            data.get("recurrence") or "NONE",
            clock(data.get("time_from", "")),
            clock(data.get("time_to", "")),
            tuple(data.get("days") or ()),
        )


def _within(value: Any, start: Any, end: Any) -> bool:
    """start <= value <= end, wrapping round when start is after end."""
    if start <= end:
        return bool(start <= value <= end)
    return bool(value >= start or value <= end)


def in_template(frames: Iterable[TimeFrame], at: datetime) -> bool:
    """Whether `at` falls in any frame of a template (a template without frames holds nothing)."""
    return any(frame.contains(at) for frame in frames)


def frames_to_json(frames: Iterable[TimeFrame]) -> str:
    return json.dumps([f.to_data() for f in frames], separators=(",", ":"))


def frames_from_json(text: str) -> tuple[TimeFrame, ...]:
    return tuple(TimeFrame.from_data(item) for item in json.loads(text or "[]"))


# --------------------------------------------------------------------------------------------------
# blocked numbers


def normalise_number(value: str) -> str | None:
    """An entry's number as stored: digits without `+`, `WITHHELD` or `*`; None when invalid."""
    value = value.strip()
    if value.upper() == WITHHELD:
        return WITHHELD
    if value == ANY_NUMBER:
        return ANY_NUMBER
    m = _NUMBER.fullmatch(value)
    return m.group(1) if m else None


def caller_digits(number: str | None) -> str | None:
    """A caller's number as digits; None when withheld (no number, `anonymous`, `withheld` …)."""
    digits = re.sub(r"\D", "", number or "")
    return digits or None


@dataclass(frozen=True, slots=True)
class BlockRule:
    #: the link's client id; None: every link
    link_id: str | None
    #: the time template's frames; None: at any time
    frames: tuple[TimeFrame, ...] | None
    blocking_type: str


@dataclass(frozen=True, slots=True)
class BlockEntry:
    number: str
    in_or_out: str
    operator: str
    default: str
    rules: tuple[BlockRule, ...] = ()

    def matches(self, caller: str | None) -> bool:
        if self.number == ANY_NUMBER:
            return True
        if self.number == WITHHELD:
            return caller is None
        if caller is None:
            return False
        if self.operator == "STARTSWITH":
            return caller.startswith(self.number)
        return caller == self.number

    def specificity(self) -> tuple[int, int]:
        if self.number == ANY_NUMBER:
            return (0, 0)
        return (2 if self.operator == "EQUALS" or self.number == WITHHELD else 1, len(self.number))


@dataclass(frozen=True, slots=True)
class Decision:
    action: str
    #: the entry that decided; None when no entry matched
    entry: BlockEntry | None = None
    rule: BlockRule | None = None

    @property
    def blocked(self) -> bool:
        return self.action == BLOCK


def decide(
    entries: Sequence[BlockEntry], number: str | None, link_id: str, direction: str, at: datetime
) -> Decision:
    """What the account's entries say about a call from (IN) or to (OUT) `number` on `link_id` at `at`."""
    digits = caller_digits(number)
    candidates = [e for e in entries if e.in_or_out == direction and e.matches(digits)]
    if not candidates:
        return Decision(ALLOW)
    entry = max(candidates, key=BlockEntry.specificity)  # the first of equals wins
    ordered = [r for r in entry.rules if r.link_id is not None] + [
        r for r in entry.rules if r.link_id is None
    ]
    for rule in ordered:
        if rule.link_id not in (None, link_id):
            continue
        if rule.frames is not None and not in_template(rule.frames, at):
            continue
        return Decision(rule.blocking_type, entry, rule)
    return Decision(entry.default, entry)


def load_entries(session: Session, account_pk: int, direction: str | None = None) -> list[BlockEntry]:
    """The account's blocked-number entries (optionally one direction), in creation order."""
    stmt = select(BlockedNumber).where(BlockedNumber.account_pk == account_pk)
    if direction is not None:
        stmt = stmt.where(BlockedNumber.in_or_out == direction)
    numbers = list(session.scalars(stmt.order_by(BlockedNumber.pk)))
    if not numbers:
        return []
    rules: dict[int, list[BlockRule]] = {n.pk: [] for n in numbers}
    rows = session.execute(
        select(
            BlockedNumberRule.blocked_number_pk,
            Link.link_id,
            TimeTemplate.frames_json,
            BlockedNumberRule.time_template_pk,
            BlockedNumberRule.blocking_type,
        )
        .outerjoin(Link, Link.pk == BlockedNumberRule.link_pk)
        .outerjoin(TimeTemplate, TimeTemplate.pk == BlockedNumberRule.time_template_pk)
        .where(BlockedNumberRule.blocked_number_pk.in_(list(rules)))
        .order_by(BlockedNumberRule.pk)
    )
    for owner, link_id, frames_json, template_pk, blocking_type in rows:
        frames = frames_from_json(frames_json) if template_pk is not None else None
        rules[owner].append(BlockRule(link_id, frames, blocking_type))
    return [BlockEntry(n.number, n.in_or_out, n.operator, n.default, tuple(rules[n.pk])) for n in numbers]


def blocking_decision(
    session: Session, account_pk: int, number: str | None, link_id: str, direction: str, at: datetime
) -> Decision:
    """`decide` over the account's stored entries: what the call engine asks before a call runs."""
    return decide(load_entries(session, account_pk, direction), number, link_id, direction, at)
