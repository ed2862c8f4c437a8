"""Fixture section `generate_calls`: generated CDRs for an account's links (DECISIONS.md §5).

```yaml
generate_calls: {count: 3000, days: 90}              # anchor: today (the default)
generate_calls: {count: 500, days: 30, anchor: 2026-01-05, seed: 7}
generate_calls: {count: 3000, days: 90, traffic: {westbourne-web: 0.2}}   # that link gets 1/5 of its share
```

Each call is placed through its link's flow by the call engine's own walk (calls/generate.py), so a
link's calls show what its flow and per-link values can do, nothing else.

`anchor` is the last day of the period: `today` (the UTC date the fixture is loaded, so the default
fixture always has calls in getCallData's default window, the current month) or a fixed date (the
fixture's `epoch` date with `anchor: epoch`). The period is `days` whole days ending with that day,
so with `anchor: today` some calls of the load day lie later than the load time: the API shows
them only once the mock's clock has passed them (mock_iovox/calls/filters.py). Rows are
identical for the same fixture, seed and anchor date: with `anchor: today`, for the same load date.
"""

from __future__ import annotations

import contextlib
import importlib
import zlib
from datetime import date, datetime
from typing import Any

from mock_iovox import clock
from mock_iovox.calls.seed import seed_calls
from mock_iovox.calls.traffic import Window
from mock_iovox.db import Account
from mock_iovox.fakes.fixtures import FixtureError, Loader, account_section

# Sections run in registration order and calls copy the link's VoxNumber into the CDR, so the
# numbering section (which attaches numbers to links) must register first.
with contextlib.suppress(ModuleNotFoundError):
    importlib.import_module("mock_iovox.fakes.numbering")
# the same for call flows: a link's calls follow its flow (calls/outcomes.py)
with contextlib.suppress(ModuleNotFoundError):
    importlib.import_module("mock_iovox.fakes.flows")


def _anchor(loader: Loader, value: Any, place: str) -> date:
    if value is None or value == "today":
        return clock.now(loader.session).date()
    if value == "epoch":
        return loader.epoch.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise FixtureError(f"{loader.where}: {place}: anchor must be today, epoch or a date") from exc


def _int(loader: Loader, data: dict[str, Any], key: str, default: int, place: str) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FixtureError(f"{loader.where}: {place}: '{key}' must be a whole number >= 0")
    return value


def _weights(loader: Loader, data: dict[str, Any], place: str) -> dict[str, float]:
    value = data.get("traffic") or {}
    ok = isinstance(value, dict) and all(
        isinstance(w, int | float) and not isinstance(w, bool) and w >= 0 for w in value.values()
    )
    if not ok:
        raise FixtureError(f"{loader.where}: {place}: 'traffic' must map link ids to weights >= 0")
    return {str(k): float(w) for k, w in value.items()}


@account_section("generate_calls")
def generate_calls(loader: Loader, account: Account, data: Any, place: str) -> None:
    if not isinstance(data, dict):
        raise FixtureError(f"{loader.where}: {place}: expected a mapping such as {{count: 3000, days: 90}}")
    count = _int(loader, data, "count", 0, place)
    days = _int(loader, data, "days", 90, place) or 1
    # default seed: from the fixture, environment and account (not from the shared Faker stream, so
    # the other sections' data does not depend on this one)
    seed = _int(loader, data, "seed", zlib.crc32(f"{loader.where}:{account.name}".encode()), place)
    loader.session.flush()
    window = Window.whole_days(_anchor(loader, data.get("anchor"), place), days)
    seed_calls(loader.session, account.pk, count, window, seed, traffic_weights=_weights(loader, data, place))
