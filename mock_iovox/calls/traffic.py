"""What generated traffic looks like: when calls arrive, and how each link behaves.

Pure functions of a seeded `random.Random`, so the same seed always gives the same traffic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from mock_iovox.calls import results

#: relative call volume per hour of the day (business hours peak, a lunch dip, quiet nights)
HOUR_PROFILE = (
    0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.20,
    0.55, 0.95, 1.15, 1.10, 0.85, 0.80, 1.00, 1.05,
    0.95, 0.75, 0.45, 0.30, 0.22, 0.15, 0.08, 0.04,
)  # fmt: skip
#: relative volume per weekday, Monday first
DAY_PROFILE = (1.0, 1.05, 1.0, 0.95, 0.9, 0.4, 0.22)

#: call_result vocabulary: the vendor's CDR values (DECISIONS.md §8, calls/results.py)
ANSWERED = results.ANSWERED
CALL_RESULTS = results.CALL_RESULTS
#: rule_result vocabulary (SPEC.md §7.1: "Call to an Operator" documented; the others invented)
TO_OPERATOR = "Call to an Operator"
VOICEMAIL = "Voicemail"
MESSAGE = "Message Played"
RULE_RESULTS = (TO_OPERATOR, VOICEMAIL, MESSAGE)


@dataclass(frozen=True, slots=True)
class Window:
    """The period calls are spread over: `days` whole days up to `end`."""

    start: datetime
    end: datetime

    @classmethod
    def days_until(cls, end: datetime, days: int) -> Window:
        first = end.date() - timedelta(days=max(days, 1) - 1)
        return cls(datetime.combine(first, time()), end)

    @classmethod
    def whole_days(cls, last_day: date, days: int) -> Window:
        """`days` days ending with `last_day` 23:59:59 (the fixture's `anchor`)."""
        return cls.days_until(datetime.combine(last_day, time(23, 59, 59)), days)


def hourly_counts(window: Window, count: int, rng: random.Random) -> Iterator[tuple[datetime, int, int]]:
    """(slot start, slot length in seconds, calls in the slot) for each hour of the window, in order.

    Every hour gets its share of `count` by weight (with some day-to-day noise); cumulative rounding
    makes the shares add up to exactly `count`."""
    slots: list[tuple[datetime, int, float]] = []
    t = window.start
    day_noise = 1.0
    while t < window.end:
        if t.hour == 0 or not slots:
            day_noise = rng.uniform(0.8, 1.2)
        length = int(min(3600, (window.end - t).total_seconds() + 1))
        weight = HOUR_PROFILE[t.hour] * DAY_PROFILE[t.weekday()] * day_noise * rng.uniform(0.8, 1.2)
        slots.append((t, length, weight * length / 3600))
        t += timedelta(hours=1)
    total = sum(w for _, _, w in slots) or 1.0
    cumulative = 0.0
    given = 0
    for start, length, weight in slots:
        cumulative += weight
        upto = round(count * cumulative / total)
        yield start, length, upto - given
        given = upto
