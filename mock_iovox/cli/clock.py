"""`mock-iovox clock`: read and move the mock's clock of each environment (mock_iovox/clock.py).

It writes the databases directly, so a running server (every worker) sees the change on its next
request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from sqlalchemy.orm import Session

from mock_iovox.cli.options import ENVS, data_options, settings_from

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(value: str) -> datetime:
    """ISO-8601 (`2026-12-02 10:00:00`, `2026-12-02T10:00:00Z`, `2026-12-02`); UTC unless it says
    otherwise."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 time such as 2026-12-02T10:00:00") from None


def parse_duration(value: str) -> int:
    """Whole seconds from `90`, `90s`, `15m`, `2h` or `1d`."""
    match = _DURATION.match(value)
    if not match:
        raise click.BadParameter(f"{value!r} is not a duration such as 90, 15m, 2h or 1d")
    return int(match.group(1)) * _UNIT[match.group(2)]


@click.group("clock")
def clock_command() -> None:
    """Show or move the mock's clock (one per environment, shared by every worker).

    The clock decides which generated calls are visible, the "now" of new records, and (with the
    call engine) when delayed calls happen. It runs on real time until frozen, set or advanced.
    """


def _each(flags: dict[str, Any], change: Callable[[Session], object]) -> None:
    from mock_iovox import clock
    from mock_iovox.db.engine import open_databases
    from mock_iovox.fakes.fixtures import prepare

    settings = settings_from(**flags)
    databases = open_databases(settings)
    prepare(settings, databases)
    for env, db in databases.items():
        with db.writing() as session:
            change(session)
            state = clock.read(session)
        db.dispose()
        click.echo(f"{env}: {json.dumps(state.describe())}")


def _common(fn: Any) -> Any:
    fn = click.option("--env", type=ENVS, help="Environment(s).  [default: both]")(fn)
    return data_options(fn)


@clock_command.command("show")
@_common
def show(**flags: Any) -> None:
    """Print each environment's clock as JSON: now, frozen, offset_seconds."""
    _each(flags, lambda session: None)


@clock_command.command("freeze")
@click.option("--at", "at", help="Freeze at this time instead of where the clock stands.")
@_common
def freeze(at: str | None, **flags: Any) -> None:
    """Hold the clock still."""
    from mock_iovox import clock

    when = parse_time(at) if at else None
    _each(flags, lambda session: clock.freeze(session, when))


@clock_command.command("set")
@click.argument("time")
@click.option("--frozen", is_flag=True, help="Hold it still there (default: run on from there).")
@_common
def set_(time: str, frozen: bool, **flags: Any) -> None:
    """Move the clock to TIME (ISO-8601, UTC unless an offset is given)."""
    from mock_iovox import clock

    when = parse_time(time)
    _each(flags, lambda session: clock.set_time(session, when, frozen))


@clock_command.command("advance")
@click.argument("duration")
@_common
def advance(duration: str, **flags: Any) -> None:
    """Move the clock forward by DURATION (90, 90s, 15m, 2h, 1d)."""
    from mock_iovox import clock

    seconds = parse_duration(duration)
    _each(flags, lambda session: clock.advance(session, seconds))


@clock_command.command("resume")
@_common
def resume(**flags: Any) -> None:
    """Let a frozen clock run on from where it stands."""
    from mock_iovox import clock

    _each(flags, clock.resume)


@clock_command.command("real")
@_common
def real(**flags: Any) -> None:
    """Put the clock back on real time."""
    from mock_iovox import clock

    _each(flags, clock.real)
