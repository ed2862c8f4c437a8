"""Fixture sections for numbering (DECISIONS.md §5).

Environment-wide `number_stock` - the regions on sale and the numbers IOVOX holds in stock:

    number_stock:
      per_region: 25                  # numbers generated per region (bounded by the range size)
      countries: [GB, FR, US, CA, AU] # optional: ISO alpha-2 codes of the plan to sell (default all)
      regions:                        # optional: per-region stock sizes
        - {country_code: 44, area_code: "20", number_type: GEOGRAPHIC, count: 60}

Per account `voxnumbers` - numbers the account already owns, taken from that stock (so the stock
section must be present), optionally on a link and switched off:

    voxnumbers:
      - {country_code: 44, area_code: "20", link_id: westbourne-web}
      - {country_code: 44, area_code: "113", link_id: leeds-deli-web, call_on: false}
      - {country_code: 44, area_code: "808", number_type: TOLLFREE, count: 2}
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from mock_iovox.db import Account, Link, VoxNumber
from mock_iovox.db.numbering import NumberRegion
from mock_iovox.fakes.fixtures import FixtureError, Loader, account_section, env_section
from mock_iovox.numbering.plans import GEOGRAPHIC, PLAN, Region, normalise_area_code

#: the largest stock one region may be given (keeps fixtures small whatever the range size)
MAX_PER_REGION = 1000


def _key(country_code: Any, number_type: Any, area_code: Any) -> tuple[str, str, str]:
    return (str(country_code), str(number_type or GEOGRAPHIC).upper(), normalise_area_code(str(area_code)))


def _plan_index() -> dict[tuple[str, str, str], Region]:
    return {_key(r.country_code, r.number_type, r.area_code): r for r in PLAN}


def _count(loader: Loader, value: Any, place: str) -> int:
    if not isinstance(value, int) or not 0 <= value <= MAX_PER_REGION:
        raise FixtureError(f"{loader.where}: {place}: a count must be an integer 0..{MAX_PER_REGION}")
    return value


@env_section("number_stock")
def load_stock(loader: Loader, data: Any, place: str) -> None:
    if not isinstance(data, Mapping):
        raise FixtureError(f"{loader.where}: {place}: expected a mapping")
    per_region = _count(loader, data.get("per_region", 25), f"{place}.per_region")
    countries = data.get("countries")
    wanted = {str(c).upper() for c in countries} if countries else None
    plan = _plan_index()
    counts: dict[tuple[str, str, str], int] = {
        k: per_region for k, r in plan.items() if wanted is None or r.alpha2 in wanted
    }
    for i, override in enumerate(data.get("regions") or [], 1):
        where = f"{place}.regions[{i}]"
        key = _key(
            loader.need(override, "country_code", where),
            override.get("number_type"),
            loader.need(override, "area_code", where),
        )
        if key not in plan:
            raise FixtureError(f"{loader.where}: {where}: no such region in the number plan: {key}")
        counts[key] = _count(loader, override.get("count", per_region), f"{where}.count")
    # a copy of the loader's seeded generator: deterministic per fixture seed and environment,
    # without consuming values the other sections' Faker data depends on
    rng = random.Random()
    rng.setstate(loader.faker.random.getstate())
    seed = str(rng.getrandbits(64))
    # bulk INSERTs (issue 13: ORM objects cost ~25 ms of each first load); rows in the same order,
    # so the same primary keys, as when each was added
    regions: list[dict[str, Any]] = []
    numbers: list[dict[str, Any]] = []
    for key, region in plan.items():
        if key not in counts:
            continue
        regions.append(
            {
                "alpha2": region.alpha2,
                "country_code": region.country_code,
                "country_name": region.country_name,
                "number_type": region.number_type,
                "area_code": region.area_code,
                "city": region.city,
                "state": region.state,
                "cost": region.cost,
                "require_purchase_info": region.purchase_info,
                "lat": region.lat,
                "lon": region.lon,
            }
        )
        numbers.extend(
            {
                "number": number,
                "country_code": region.country_code,
                "country_name": region.country_name,
                "area_code": region.area_code,
                "city": region.city,
                "state": region.state,
                "number_type": region.number_type,
            }
            for number in region.sample(counts[key], seed)
        )
    if regions:
        loader.session.execute(insert(NumberRegion), regions)
    if numbers:
        loader.session.execute(insert(VoxNumber), numbers)
    loader.session.flush()


@account_section("voxnumbers")
def load_owned(loader: Loader, account: Account, data: Any, place: str) -> None:
    for i, entry in enumerate(data or [], 1):
        where = f"{place}[{i}]"
        key = _key(
            loader.need(entry, "country_code", where),
            entry.get("number_type"),
            loader.need(entry, "area_code", where),
        )
        count = _count(loader, entry.get("count", 1), f"{where}.count")
        link = None
        if entry.get("link_id") is not None:
            if count != 1:
                raise FixtureError(f"{loader.where}: {where}: a link takes exactly one number")
            link = loader.session.scalars(
                select(Link).where(Link.account_pk == account.pk, Link.link_id == str(entry["link_id"]))
            ).first()
            if link is None:
                raise FixtureError(f"{loader.where}: {where}: unknown link_id {entry['link_id']!r}")
        numbers = loader.session.scalars(
            select(VoxNumber)
            .where(
                VoxNumber.account_pk.is_(None),
                VoxNumber.country_code == key[0],
                VoxNumber.number_type == key[1],
                VoxNumber.area_code == key[2],
            )
            .order_by(VoxNumber.number)
            .limit(count)
        ).all()
        if len(numbers) < count:
            raise FixtureError(f"{loader.where}: {where}: not enough numbers in stock for {key}")
        for number in numbers:
            number.account_pk = account.pk
            number.purchased_at = loader.stamp()
            number.link_pk = link.pk if link is not None else None
            number.call_on = bool(entry.get("call_on", True))
        loader.session.flush()
