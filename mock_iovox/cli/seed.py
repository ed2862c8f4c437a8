"""`mock-iovox seed`: add generated calls to an account (DECISIONS.md §5)."""

from __future__ import annotations

import sys
import time
from datetime import date
from typing import Any

import click
from sqlalchemy import select

from mock_iovox.cli.options import data_options, settings_from


@click.command()
@click.option("--calls", "count", type=click.IntRange(min=0), required=True, help="How many calls to add.")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Spread over D whole days ending with the anchor day.",
)
@click.option(
    "--anchor",
    default="today",
    show_default=True,
    metavar="DATE|today",
    help="Last day of the period (YYYY-MM-DD), or today: the current UTC day of the mock's clock.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed and data, same calls.")
@click.option(
    "--env",
    type=click.Choice(["sandbox", "production", "both"]),
    default="sandbox",
    show_default=True,
    help="Environment(s) to seed.",
)
@click.option("--account", "account_name", help="Account name.  [default: the first account]")
@data_options
def seed(count: int, days: int, anchor: str, seed: int, account_name: str | None, **flags: Any) -> None:
    """Generate calls for an account's links: weekday business hours busiest, per-link answer
    rates, talk times, callers from fictional number ranges, recordings and voicemails.

    The period is D whole days (00:00:00 to 23:59:59 UTC) ending with the anchor day, so the same
    seed, anchor and data give the same calls at any hour; calls later than the mock's clock stay
    hidden until the clock passes them. The fixture is loaded first if the database is empty.
    """
    from tqdm import tqdm

    from mock_iovox import clock
    from mock_iovox.calls.seed import seed_calls
    from mock_iovox.calls.traffic import Window
    from mock_iovox.db import Account
    from mock_iovox.db.engine import open_databases
    from mock_iovox.fakes.fixtures import prepare

    fixed = _anchor_date(anchor)
    settings = settings_from(**flags)
    databases = open_databases(settings)
    prepare(settings, databases)
    for env, db in databases.items():
        with db.writing() as session:
            window = Window.whole_days(fixed or clock.now(session).date(), days)
            query = select(Account).order_by(Account.pk)
            if account_name:
                query = query.where(Account.name == account_name)
            account = session.scalars(query.limit(1)).first()
            if account is None:
                raise click.ClickException(f"{env}: no account {account_name or ''}".rstrip())
            started = time.perf_counter()
            with tqdm(
                total=count, unit="call", unit_scale=True, disable=not sys.stderr.isatty(), desc=env
            ) as bar:
                written = seed_calls(session, account.pk, count, window, seed, bar.update)
        elapsed = time.perf_counter() - started
        db.dispose()
        if written == 0 and count:
            raise click.ClickException(f"{env}: account {account.name!r} has no link to receive calls")
        click.echo(
            f"{env}: {written} calls for {account.name!r} from {window.start.date()} to "
            f"{window.end.date()} in {elapsed:.1f} s"
        )


def _anchor_date(value: str) -> date | None:
    """None for today (read from each environment's clock), else the date given."""
    if value.strip().lower() == "today":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD) or today", param_hint="--anchor"
        ) from None
