"""Fixture section of an account: `sub_accounts`, the sub accounts beneath it.

sub_accounts:
  - name: Leeds Branch          # unique beneath the account
    subscription: true          # has an active subscription (default true)
    check_credit: false         # default false
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_iovox.db import Account
from mock_iovox.db.subaccounts import SubAccount
from mock_iovox.fakes.fixtures import FixtureError, Loader, account_section


def _flag(loader: Loader, item: Mapping[str, Any], key: str, default: bool, place: str) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise FixtureError(f"{loader.where}: {place}: '{key}' must be true or false")
    return value


@account_section("sub_accounts")
def load_sub_accounts(loader: Loader, account: Account, data: Any, place: str) -> None:
    if not isinstance(data, list):
        raise FixtureError(f"{loader.where}: {place}: expected a list")
    names: set[str] = set()
    for i, item in enumerate(data, 1):
        where = f"{place}[{i}]"
        if not isinstance(item, Mapping) or not str(item.get("name") or "").strip():
            raise FixtureError(f"{loader.where}: {where}: a sub account is a mapping with a 'name'")
        name = str(item["name"]).strip()
        if name in names:
            raise FixtureError(f"{loader.where}: {where}: sub account {name!r} is listed twice")
        names.add(name)
        loader.session.add(
            SubAccount(
                account_pk=account.pk,
                name=name,
                subscribed=_flag(loader, item, "subscription", True, where),
                check_credit=_flag(loader, item, "check_credit", False, where),
                created_at=loader.epoch,
            )
        )
