"""Fixture sections of an account for call rules: `time_templates`, `blocked_numbers`, `clis`.

    time_templates:
      - label: Office hours
        notes: Weekdays
        time_frames:
          - {time_from: "09:00", time_to: "17:30", days: [MON, TUE, WED, THU, FRI]}
          # also date_from / date_to (YYYY-MM-DD) and recurrence NONE | MONTHLY | YEARLY
    blocked_numbers:                      # after time_templates, links and nodes
      - number: "447700900999"            # digits, WITHHELD or *
        in_or_out: IN                     # IN | OUT
        operator: EQUALS                  # EQUALS | STARTSWITH
        default: BLOCK                    # BLOCK | ALLOW
        rules:
          - {link_ids: [westbourne-web], time_template: Office hours, blocking_type: ALLOW}
    clis: ["442079460555"]

Rows are stamped with the fixture's epoch without advancing the loader's clock, so that the
sections loaded after these (numbering's purchase dates …) keep their times.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from sqlalchemy import select

from mock_iovox.db import Account, BlockedNumber, Link, TimeTemplate
from mock_iovox.db.flows import BlockedNumberRule, Cli
from mock_iovox.domain.blocking import DAYS, TimeFrame, frames_to_json, normalise_number
from mock_iovox.fakes.fixtures import FixtureError, Loader, account_section


def _list(loader: Loader, data: Any, place: str) -> list[Any]:
    if not isinstance(data, list):
        raise FixtureError(f"{loader.where}: {place}: expected a list")
    return data


def _mapping(loader: Loader, item: Any, place: str) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise FixtureError(f"{loader.where}: {place}: expected a mapping")
    return item


def _choice(loader: Loader, item: Mapping[str, Any], key: str, choices: tuple[str, ...], place: str) -> str:
    value = str(item.get(key) or choices[0]).upper()
    if value not in choices:
        raise FixtureError(f"{loader.where}: {place}: '{key}' must be one of {', '.join(choices)}")
    return value


def _frame(loader: Loader, item: Mapping[str, Any], place: str) -> TimeFrame:
    try:
        days = tuple(str(d).upper() for d in item.get("days") or ())
        if any(d not in DAYS for d in days):
            raise ValueError("days")
        frame = TimeFrame(
            date.fromisoformat(str(item["date_from"])) if item.get("date_from") else None,
            date.fromisoformat(str(item["date_to"])) if item.get("date_to") else None,
            _choice(loader, item, "recurrence", ("NONE", "MONTHLY", "YEARLY"), place),
            time.fromisoformat(str(item["time_from"])) if item.get("time_from") else None,
            time.fromisoformat(str(item["time_to"])) if item.get("time_to") else None,
            days,
        )
    except ValueError as exc:
        raise FixtureError(f"{loader.where}: {place}: bad time frame ({exc})") from exc
    if not frame.valid():
        raise FixtureError(f"{loader.where}: {place}: date_from is after date_to")
    return frame


@account_section("time_templates")
def load_time_templates(loader: Loader, account: Account, data: Any, place: str) -> None:
    for i, raw in enumerate(_list(loader, data, place), 1):
        where = f"{place}[{i}]"
        item = _mapping(loader, raw, where)
        frames = [
            _frame(loader, _mapping(loader, f, f"{where}.time_frames[{j}]"), f"{where}.time_frames[{j}]")
            for j, f in enumerate(item.get("time_frames") or [], 1)
        ]
        loader.session.add(
            TimeTemplate(
                account_pk=account.pk,
                label=loader.need(item, "label", where),
                notes=str(item.get("notes") or ""),
                frames_json=frames_to_json(frames),
                created_at=loader.epoch,
            )
        )
    loader.session.flush()


@account_section("blocked_numbers")
def load_blocked_numbers(loader: Loader, account: Account, data: Any, place: str) -> None:
    session = loader.session
    session.flush()
    links = {k.link_id: k.pk for k in session.scalars(select(Link).where(Link.account_pk == account.pk))}
    templates = {
        t.label: t.pk
        for t in session.scalars(select(TimeTemplate).where(TimeTemplate.account_pk == account.pk))
    }
    for i, raw in enumerate(_list(loader, data, place), 1):
        where = f"{place}[{i}]"
        item = _mapping(loader, raw, where)
        number = normalise_number(loader.need(item, "number", where))
        if number is None:
            raise FixtureError(f"{loader.where}: {where}: 'number' must be digits, WITHHELD or *")
        entry = BlockedNumber(
            account_pk=account.pk,
            number=number,
            in_or_out=_choice(loader, item, "in_or_out", ("IN", "OUT"), where),
            operator=_choice(loader, item, "operator", ("EQUALS", "STARTSWITH"), where),
            default=_choice(loader, item, "default", ("BLOCK", "ALLOW"), where),
            notes=str(item.get("notes") or ""),
            created_at=loader.epoch,
        )
        session.add(entry)
        session.flush()
        for j, rule_raw in enumerate(item.get("rules") or [], 1):
            rule_where = f"{where}.rules[{j}]"
            rule = _mapping(loader, rule_raw, rule_where)
            label = rule.get("time_template")
            if label and label not in templates:
                raise FixtureError(f"{loader.where}: {rule_where}: time template {label!r} is not defined")
            blocking_type = _choice(loader, rule, "blocking_type", ("BLOCK", "ALLOW"), rule_where)
            for link_id in rule.get("link_ids") or [None]:
                if link_id is not None and link_id not in links:
                    raise FixtureError(f"{loader.where}: {rule_where}: link {link_id!r} is not defined")
                session.add(
                    BlockedNumberRule(
                        blocked_number_pk=entry.pk,
                        link_pk=links[link_id] if link_id is not None else None,
                        time_template_pk=templates[label] if label else None,
                        blocking_type=blocking_type,
                    )
                )


@account_section("clis")
def load_clis(loader: Loader, account: Account, data: Any, place: str) -> None:
    for i, raw in enumerate(_list(loader, data, place), 1):
        number = normalise_number(str(raw))
        if number is None or not number.isdigit():
            raise FixtureError(f"{loader.where}: {place}[{i}]: a CLI is a phone number in digits")
        loader.session.add(Cli(account_pk=account.pk, cli=number, created_at=loader.epoch))
