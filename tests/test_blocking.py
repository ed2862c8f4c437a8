"""The pure time-template and blocked-number rules (mock_iovox/domain/blocking.py) the call engine asks."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from mock_iovox.domain.blocking import (
    ALLOW,
    ANY_NUMBER,
    BLOCK,
    WITHHELD,
    BlockEntry,
    BlockRule,
    TimeFrame,
    caller_digits,
    decide,
    frames_from_json,
    frames_to_json,
    in_template,
    normalise_number,
)

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")
OFFICE = TimeFrame(time_from=time(9, 0), time_to=time(17, 30), days=WEEKDAYS)
NIGHT = TimeFrame(time_from=time(22, 0), time_to=time(6, 0))
JANUARY = TimeFrame(date(2026, 1, 1), date(2026, 1, 31))
CHRISTMAS = TimeFrame(date(2000, 12, 20), date(2001, 1, 5), "YEARLY")
JULY = TimeFrame(date(2000, 7, 1), date(2000, 7, 31), "YEARLY")
FIRST_WEEK = TimeFrame(date(2000, 1, 1), date(2000, 1, 7), "MONTHLY")
MONTH_TURN = TimeFrame(date(2000, 1, 28), date(2000, 1, 3), "MONTHLY")
FROM_MARCH = TimeFrame(date_from=date(2026, 3, 1))

# 2026-01-05 is a Monday
MON = datetime(2026, 1, 5)


@pytest.mark.parametrize(
    ("frame", "at", "inside"),
    [
        (OFFICE, MON.replace(hour=9), True),
        (OFFICE, MON.replace(hour=8, minute=59, second=59), False),
        (OFFICE, MON.replace(hour=17, minute=30, second=59), True),  # both ends included, to the minute
        (OFFICE, MON.replace(hour=17, minute=31), False),
        (OFFICE, datetime(2026, 1, 10, 12, 0), False),  # Saturday
        (NIGHT, MON.replace(hour=23, minute=30), True),
        (NIGHT, MON.replace(hour=5, minute=59), True),
        (NIGHT, MON.replace(hour=6, minute=1), False),
        (NIGHT, MON.replace(hour=12), False),
        (JANUARY, datetime(2026, 1, 31, 23, 59), True),
        (JANUARY, datetime(2026, 2, 1, 0, 0), False),
        (JANUARY, datetime(2025, 12, 31, 12, 0), False),
        (JANUARY, datetime(2027, 1, 15, 12, 0), False),  # NONE does not repeat
        (CHRISTMAS, datetime(2026, 12, 24, 12, 0), True),
        (CHRISTMAS, datetime(2027, 1, 3, 12, 0), True),
        (CHRISTMAS, datetime(2026, 6, 1, 12, 0), False),
        (JULY, datetime(2031, 7, 15, 8, 0), True),
        (JULY, datetime(2031, 8, 1, 8, 0), False),
        (FIRST_WEEK, datetime(2026, 3, 5, 8, 0), True),
        (FIRST_WEEK, datetime(2026, 3, 8, 8, 0), False),
        (MONTH_TURN, datetime(2026, 2, 1, 8, 0), True),
        (MONTH_TURN, datetime(2026, 2, 15, 8, 0), False),
        (FROM_MARCH, datetime(2026, 2, 28, 23, 59), False),
        (FROM_MARCH, datetime(2030, 1, 1, 0, 0), True),
        (TimeFrame(), MON, True),
        (TimeFrame(days=("SUN",)), MON, False),
    ],
)
def test_time_frame_contains(frame: TimeFrame, at: datetime, inside: bool) -> None:
    assert frame.contains(at) is inside


def test_template_is_any_of_its_frames() -> None:
    saturday_noon = datetime(2026, 1, 10, 12, 0)
    assert not in_template([], MON)
    assert not in_template([OFFICE], saturday_noon)
    assert in_template([OFFICE, TimeFrame(days=("SAT",))], saturday_noon)


@pytest.mark.parametrize(
    ("frame", "valid"),
    [
        (JANUARY, True),
        (TimeFrame(date(2026, 2, 1), date(2026, 1, 1)), False),
        (CHRISTMAS, True),
        (TimeFrame(), True),
    ],
)
def test_time_frame_valid(frame: TimeFrame, valid: bool) -> None:
    assert frame.valid() is valid


def test_frames_round_trip_json() -> None:
    frames = (OFFICE, CHRISTMAS, FROM_MARCH, TimeFrame())
    text = frames_to_json(frames)
    assert frames_from_json(text) == frames
    assert '"time_from":"09:00"' in text and '"date_to":""' in text


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("442079460123", "442079460123"),
        ("+4420", "4420"),
        ("withheld", WITHHELD),
        ("*", ANY_NUMBER),
        ("12a", None),
        ("", None),
        ("1" * 21, None),
        ("44 20", None),
    ],
)
def test_normalise_number(raw: str, stored: str | None) -> None:
    assert normalise_number(raw) == stored


@pytest.mark.parametrize(
    ("caller", "digits"),
    [("+44 20 7946 0123", "442079460123"), ("anonymous", None), ("", None), (None, None)],
)
def test_caller_digits(caller: str | None, digits: str | None) -> None:
    assert caller_digits(caller) == digits


ENTRIES = (
    BlockEntry("4420794601", "IN", "STARTSWITH", BLOCK, (BlockRule("shop", None, ALLOW),)),
    BlockEntry("442079460123", "IN", "EQUALS", ALLOW),
    BlockEntry(WITHHELD, "IN", "EQUALS", BLOCK),
    BlockEntry("44", "IN", "STARTSWITH", ALLOW),
    BlockEntry(
        "447700900",
        "IN",
        "STARTSWITH",
        ALLOW,
        (BlockRule(None, (NIGHT,), BLOCK), BlockRule("web", (OFFICE,), BLOCK), BlockRule("web", None, ALLOW)),
    ),
    BlockEntry("33", "OUT", "STARTSWITH", BLOCK),
)
NOON = MON.replace(hour=12)


@pytest.mark.parametrize(
    ("number", "link", "direction", "at", "action", "decided_by"),
    [
        ("+44 20 7946 0199", "web", "IN", NOON, BLOCK, "4420794601"),  # prefix, no rule for the link
        ("442079460199", "shop", "IN", NOON, ALLOW, "4420794601"),  # the link's own rule
        ("442079460123", "web", "IN", NOON, ALLOW, "442079460123"),  # EQUALS beats the prefix
        ("441134960000", "web", "IN", NOON, ALLOW, "44"),  # the shorter prefix still matches
        (None, "web", "IN", NOON, BLOCK, WITHHELD),
        ("anonymous", "web", "IN", NOON, BLOCK, WITHHELD),
        ("447700900123", "web", "IN", NOON, BLOCK, "447700900"),  # the link's rule in office hours
        ("447700900123", "web", "IN", datetime(2026, 1, 10, 12), ALLOW, "447700900"),  # its any-time rule
        ("447700900123", "shop", "IN", MON.replace(hour=23), BLOCK, "447700900"),  # every link, at night
        ("447700900123", "shop", "IN", NOON, ALLOW, "447700900"),  # no rule holds: the default
        ("33123456789", "web", "OUT", NOON, BLOCK, "33"),
        ("33123456789", "web", "IN", NOON, ALLOW, None),  # no IN entry for it
        ("15550100", "web", "OUT", NOON, ALLOW, None),
    ],
)
def test_decide(
    number: str | None, link: str, direction: str, at: datetime, action: str, decided_by: str | None
) -> None:
    decision = decide(ENTRIES, number, link, direction, at)
    assert decision.action == action
    assert decision.blocked is (action == BLOCK)
    assert (decision.entry.number if decision.entry else None) == decided_by


def test_any_number_entry_comes_last() -> None:
    entries = (BlockEntry(ANY_NUMBER, "IN", "EQUALS", BLOCK), BlockEntry("4420", "IN", "STARTSWITH", ALLOW))
    assert decide(entries, "442079460000", "web", "IN", NOON).action == ALLOW
    assert decide(entries, "15550100", "web", "IN", NOON).action == BLOCK
    assert decide(entries, None, "web", "IN", NOON).action == BLOCK
