"""getCallData's total from `call_days` (issue 13): it equals a COUNT of the matching CDRs for every
period shape (edges inside a day, either side of noon, one day, cut by the clock), and the table stays
exact whatever writes CDRs: initiateCall, a delayed call run by a clock advance, `mock-iovox call`, a
seed, a snapshot restore, a reset, a database made before the table existed; on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from mock_iovox import clock
from mock_iovox.calls import magic
from mock_iovox.calls.seed import seed_calls
from mock_iovox.calls.traffic import Window
from mock_iovox.cli import main
from mock_iovox.db import Call, CallDay
from mock_iovox.db.engine import Database, open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.settings import Settings
from tests.helpers import CLIENT, PINNED, Api, totals
from tests.helpers.flows import call_id_of, call_rule, php_call, use_flow

DEMO = 1
T = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(params=["sqlite", "postgres"])
def any_api(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Api]:
    chosen = request.getfixturevalue("postgres_settings") if request.param == "postgres" else settings
    client = Api(chosen)
    yield client
    client.close()


def buckets(db: Database) -> dict[tuple[Any, ...], int]:
    """`call_days` as it is (empty buckets left out)."""
    with db.reading() as s:
        rows = s.execute(
            select(CallDay.account_pk, CallDay.link_id, CallDay.node_id, CallDay.day, CallDay.calls)
        )
        return {(a, lk, n, str(d)): c for a, lk, n, d, c in rows if c}


def counted(db: Database) -> dict[tuple[Any, ...], int]:
    """What `call_days` must hold: the CDRs grouped by account, link_id, node_id and day."""
    day = func.date(Call.call_start)
    with db.reading() as s:
        rows = s.execute(
            select(Call.account_pk, Call.link_id, Call.node_id, day, func.count()).group_by(
                Call.account_pk, Call.link_id, Call.node_id, day
            )
        )
        return {(a, lk, n, str(d)): c for a, lk, n, d, c in rows}


def assert_exact(db: Database) -> None:
    expected = counted(db)
    assert expected, "no CDR at all: the check would prove nothing"
    assert buckets(db) == expected


def api_total(api: Api, params: dict[str, Any]) -> int:
    resp = api.get("Calls", "getCallData", {"limit": 1, "req_fields": "id", **params})
    assert resp.status_code == 200, resp.text
    return totals(resp)[2]


def sql_total(db: Database, start: datetime, end: datetime, now: datetime, **filters: str) -> int:
    query = select(func.count()).where(
        Call.account_pk == DEMO, Call.call_start >= start, Call.call_start <= min(end, now)
    )
    for name, value in filters.items():
        query = query.where(getattr(Call, name) == value)
    with db.reading() as s:
        return int(s.scalar(query) or 0)


def now_of(db: Database) -> datetime:
    with db.reading() as s:
        return clock.read(s).now()


def busiest_day(db: Database) -> datetime:
    with db.reading() as s:
        day = s.scalar(
            select(func.date(Call.call_start))
            .where(Call.account_pk == DEMO, Call.call_start < PINNED - timedelta(days=1))
            .group_by(func.date(Call.call_start))
            .order_by(func.count().desc(), func.date(Call.call_start))
            .limit(1)
        )
    return datetime.fromisoformat(str(day))


def periods(day: datetime) -> list[tuple[datetime, datetime]]:
    """Period shapes: whole days, edges before and after noon, one day (short and long), a period
    cut by the clock (PINNED is 10:00) and one wholly after it."""
    h = timedelta(hours=1)
    return [
        (day - timedelta(days=5), day + timedelta(hours=23, minutes=59, seconds=59)),
        (day - timedelta(days=5) + 3 * h, day + 5 * h),  # both edges before noon
        (day - timedelta(days=5) + 15 * h, day + 20 * h + timedelta(seconds=1)),  # both after noon
        (day + 9 * h, day + 10 * h),  # one day, short
        (day + 2 * h, day + 22 * h),  # one day, long
        (day + 13 * h, day + timedelta(days=1, hours=1)),  # two days, no whole day between
        (day, PINNED + timedelta(days=3)),  # cut by the clock
        (PINNED.replace(hour=0), PINNED.replace(hour=23, minute=59, second=59)),  # today
        (PINNED + h, PINNED + 5 * h),  # wholly after the clock
    ]


def test_total_equals_a_count_for_every_period_shape(any_api: Api) -> None:
    db = any_api.dbs["sandbox"]
    now = now_of(db)
    day = busiest_day(db)
    shapes = [{}, {"link_id": "westbourne-web"}, {"node_id": "westbourne"}]
    shapes += [
        {"link_id": "westbourne-web", "node_id": "westbourne"},
        {"link_id": "westbourne-web", "node_id": "x"},
    ]
    seen = set()
    for start, end in periods(day):
        for filters in shapes:
            expected = sql_total(db, start, end, now, **filters)
            got = api_total(any_api, {"sdt": start.strftime(T), "edt": end.strftime(T), **filters})
            assert got == expected, (start, end, filters)
            seen.add(expected > 0)
    assert seen == {True, False}
    # the default period, and dconst
    first = now.replace(day=1, hour=0, minute=0, second=0)
    assert api_total(any_api, {}) == sql_total(db, first, now, now)
    assert api_total(any_api, {"dconst": "TODAY", "link_id": "westbourne-web"}) == sql_total(
        db, now.replace(hour=0, minute=0, second=0), now, now, link_id="westbourne-web"
    )


def test_other_filters_still_count_the_rows(api: Api) -> None:
    db = api.dbs["sandbox"]
    day = busiest_day(db)
    start, end = day - timedelta(days=3), day + timedelta(hours=12)
    period = {"sdt": start.strftime(T), "edt": end.strftime(T)}
    answered = api_total(api, {**period, "link_id": "westbourne-web", "call_res": "ANSWERED"})
    expected = sql_total(db, start, end, PINNED, link_id="westbourne-web", call_result="ANSWERED")
    assert answered == expected < api_total(api, {**period, "link_id": "westbourne-web"})


def test_writes_keep_the_counts_exact(any_api: Api) -> None:
    db = any_api.dbs["sandbox"]
    assert_exact(db)
    today = {"dconst": "TODAY", "link_id": "westbourne-web"}
    before = api_total(any_api, today)
    use_flow(any_api, call_rule(magic.MAGIC_ANSWER))
    call_id_of(
        php_call(any_api, "westbourne-web", f"<call_destination>{magic.MAGIC_ANSWER}</call_destination>")
    )
    assert api_total(any_api, today) == before + 1
    assert_exact(db)
    # a delayed call: reserved at its due time (counted on that day, hidden), run by a clock advance
    delayed = f"<call_destination>{magic.MAGIC_ANSWER}</call_destination><delay>5</delay>"
    call_id_of(php_call(any_api, "westbourne-web", delayed))
    assert_exact(db)
    assert api_total(any_api, today) == before + 1
    with db.writing() as s:
        clock.advance(s, 5 * 60)
    assert api_total(any_api, today) == before + 2  # the read that runs it sees it
    assert_exact(db)
    # a simulated call from the control plane
    placed = any_api.client.post(
        "/__mock__/calls", json={"link_id": "westbourne-web", "from": "441134960000"}
    )
    assert placed.status_code == 201, placed.text
    assert api_total(any_api, today) == before + 3
    assert_exact(db)
    # a seed over days that already have calls
    with db.writing() as s:
        assert seed_calls(s, DEMO, 3000, Window.days_until(PINNED, 10), 7) == 3000
    assert_exact(db)
    now = now_of(db)
    day = now.replace(hour=0, minute=0, second=0) - timedelta(days=4)
    start, end = day + timedelta(hours=7), now
    period = {"sdt": start.strftime(T), "edt": end.strftime(T), "link_id": "westbourne-web"}
    assert api_total(any_api, period) == sql_total(db, start, end, now, link_id="westbourne-web")
    # a snapshot restore takes the counts back with the CDRs
    assert any_api.client.post("/__mock__/snapshots", json={"name": "a"}).status_code == 201
    saved = buckets(db)
    with db.writing() as s:
        seed_calls(s, DEMO, 500, Window.days_until(PINNED, 3), 8)
        s.execute(text("DELETE FROM calls WHERE call_id IN (SELECT call_id FROM calls ORDER BY pk LIMIT 50)"))
        s.execute(
            text(
                "UPDATE calls SET link_id = 'moved' "
                "WHERE pk IN (SELECT pk FROM calls ORDER BY pk DESC LIMIT 20)"
            )
        )
    assert_exact(db)
    assert buckets(db) != saved
    assert any_api.client.post("/__mock__/snapshots/a/restore", headers=CLIENT).status_code == 200
    assert buckets(db) == saved
    assert_exact(db)
    # a reset reloads the fixture, counts included
    assert any_api.client.post("/__mock__/reset", headers=CLIENT).status_code == 200
    assert_exact(db)


def test_a_clock_advance_reveals_calls_in_the_total(api: Api) -> None:
    db = api.dbs["sandbox"]
    today = {"dconst": "TODAY"}
    before = api_total(api, today)
    midnight = PINNED.replace(hour=0)
    later = PINNED + timedelta(hours=6)
    assert sql_total(db, midnight, later, later) > before  # the fixture's day goes on after the clock
    with db.writing() as s:
        clock.advance(s, 6 * 3600)
    assert api_total(api, today) == sql_total(db, midnight, later, later)


def test_cli_call_and_snapshot_import_keep_the_counts_exact(api: Api, settings: Settings) -> None:
    db = api.dbs["sandbox"]
    exported = api.client.get("/__mock__/state")
    assert exported.status_code == 200, exported.text
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    out = CliRunner().invoke(
        main,
        ["call", "--data-dir", str(settings.data_dir), "--link", "westbourne-web", "--from", "441134960000"],
    )
    assert out.exit_code == 0, out.output
    assert_exact(db)
    assert api.client.put("/__mock__/state", json=exported.json()).status_code == 200
    assert_exact(db)


def test_a_database_made_before_call_days_gets_its_counts(api: Api, settings: Settings) -> None:
    db = api.dbs["sandbox"]
    with db.writing() as s:
        for name in ("call_days_insert", "call_days_delete", "call_days_update"):
            s.execute(text(f"DROP TRIGGER {name}"))
        s.execute(text("DROP TABLE call_days"))
        s.execute(text("UPDATE calls SET link_id = 'renamed' WHERE pk % 7 = 0"))  # written without them
    expected = counted(db)
    api.close()
    dbs = open_databases(settings)
    prepare(settings, dbs)  # what `serve` does first: the schema set up again
    for one in dbs.values():
        one.dispose()
    fresh = Api(settings)
    try:
        db = fresh.dbs["sandbox"]
        assert buckets(db) == expected
        use_flow(fresh, call_rule(magic.MAGIC_ANSWER))
        call_id_of(
            php_call(fresh, "westbourne-web", f"<call_destination>{magic.MAGIC_ANSWER}</call_destination>")
        )
        assert_exact(db)
        assert buckets(db) != expected
    finally:
        fresh.close()


def test_a_bulk_seed_counts_once_at_the_end(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_iovox.calls import seed

    monkeypatch.setattr(seed, "REINDEX_FROM", 1000)  # the path of a huge load: triggers off, one count
    db = api.dbs["sandbox"]
    with db.writing() as s:
        assert seed_calls(s, DEMO, 3000, Window.days_until(PINNED, 10), 9) == 3000
    assert_exact(db)
    with db.reading() as s:
        names = s.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'call_days_%'")
        )
        assert sorted(names) == ["call_days_delete", "call_days_insert", "call_days_update"]
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    call_id_of(php_call(api, "westbourne-web", f"<call_destination>{magic.MAGIC_ANSWER}</call_destination>"))
    assert_exact(db)
