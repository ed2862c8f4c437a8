"""`mock-iovox seed`: add generated calls to an account (DECISIONS.md §5)."""

from __future__ import annotations

import sys
import time
from typing import Any

import click
from sqlalchemy import select

from mock_iovox.cli import _data_options, _settings


@click.command()
@click.option("--calls", "count", type=click.IntRange(min=0), required=True, help="How many calls to add.")
@click.option(
    "--days", type=click.IntRange(min=1), default=90, show_default=True, help="Spread over the last D days."
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
@_data_options
def seed(count: int, days: int, seed: int, account_name: str | None, **flags: Any) -> None:
    """Generate calls for an account's links: weekday business hours busiest, per-link answer
    rates, talk times, callers from fictional number ranges, recordings and voicemails.

    The period is the D days up to the mock's current time. The fixture is loaded first if the
    database is empty.
    """
    from tqdm import tqdm

    from mock_iovox.app import open_databases
    from mock_iovox.calls.seed import seed_calls
    from mock_iovox.calls.traffic import Window
    from mock_iovox.db import Account
    from mock_iovox.dispatch import utcnow
    from mock_iovox.fakes.fixtures import prepare

    settings = _settings(**flags)
    databases = open_databases(settings)
    prepare(settings, databases)
    window = Window.days_until(utcnow(), days)
    for env, db in databases.items():
        with db.transaction() as session:
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
        click.echo(f"{env}: {written} calls for {account.name!r} in {elapsed:.1f} s")
