"""The answer and caller caches (mock_iovox/generations.py) are never stale: every write bumps the data
generation in the database, so another worker, another instance on PostgreSQL, and a clock that
moves past a hidden call all see the change at once."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from mock_iovox import auth, clock
from mock_iovox.clock import ClockState
from mock_iovox.db import ApiUser, Call, generations
from mock_iovox.server import answers
from mock_iovox.settings import Settings
from tests.helpers import PHP_HEADERS, PINNED, Api, assert_errors, node_xml, results, totals
from tests.helpers.calls import WIDE
from tests.server import start, stop


def _generation(api: Api) -> str:
    return generations.read_state(api.dbs["sandbox"].engine).generation


def test_every_write_bumps_the_generation_and_nothing_else_does(api: Api) -> None:
    first = _generation(api)
    assert api.get("Nodes", "getNodes").status_code == 200
    assert _generation(api) == first
    assert api.post("Nodes", "createNodes", node_xml("fresh")).status_code == 201
    second = _generation(api)
    assert second != first
    # a refused write writes nothing, the generation included
    assert api.post("Nodes", "createNodes", node_xml("fresh")).status_code == 400
    assert _generation(api) == second
    # a write outside the API (here the clock) bumps it too
    with api.dbs["sandbox"].writing() as s:
        clock.advance(s, 60)
    assert _generation(api) not in (first, second)


def test_target_table_of_a_statement() -> None:
    assert generations._target("INSERT INTO nodes (a) VALUES (?)") == "nodes"
    assert generations._target('INSERT OR REPLACE INTO "ip_ranges"(a) VALUES (1)') == "ip_ranges"
    assert generations._target("UPDATE api_users SET secure_key=?") == "api_users"
    assert generations._target("DELETE FROM links WHERE pk = ?") == "links"


def test_a_write_through_one_worker_is_read_through_another(make_api: object) -> None:
    one, two = make_api(), make_api()  # type: ignore[operator]
    assert results(two.get("Nodes", "getNodes", {"node_id": "shared"})) == []  # kept by two
    assert results(two.get("Nodes", "getNodes", {"node_id": "shared"})) == []  # served from memory
    assert one.post("Nodes", "createNodes", node_xml("shared")).status_code == 201
    assert [r["node_id"] for r in results(two.get("Nodes", "getNodes", {"node_id": "shared"}))] == ["shared"]
    assert one.delete("Nodes", "deleteNodes", {"node_ids": "shared"}).status_code == 204
    assert results(two.get("Nodes", "getNodes", {"node_id": "shared"})) == []


def test_the_same_parameters_in_another_order_share_an_answer(api: Api) -> None:
    a = api.client.get("/Nodes?v=3&method=getNodes&node_id=westbourne&limit=5", headers=PHP_HEADERS)
    b = api.client.get("/Nodes?limit=5&method=getNodes&v=3&node_id=westbourne", headers=PHP_HEADERS)
    assert a.content == b.content and a.status_code == b.status_code == 200
    other = api.client.get("/Nodes?v=3&method=getNodes&node_id=westbourne&limit=1", headers=PHP_HEADERS)
    assert other.content != a.content


def test_a_changed_key_is_refused_at_once(make_api: object) -> None:
    one, two = make_api(), make_api()  # type: ignore[operator]
    assert two.get("Nodes", "getNodes").status_code == 200  # the caller is kept
    with one.dbs["sandbox"].writing() as s:
        s.execute(
            update(ApiUser).where(ApiUser.username == "RestUserName").values(secure_key=auth.hash_key("new"))
        )
    assert_errors(two.get("Nodes", "getNodes"), 401, ["HTTP 401: Unauthorized"])
    resp = two.get("Nodes", "getNodes", headers={"secureKey": "new"})
    assert resp.status_code == 200


def test_a_clock_advance_reveals_new_calls(api: Api) -> None:
    before = totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2]
    assert totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2] == before  # kept
    with api.dbs["sandbox"].writing() as s:
        clock.advance(s, 14 * 3600)
    assert totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2] > before


def test_a_kept_calls_answer_ends_at_the_next_hidden_call(api: Api, settings: Settings) -> None:
    """A running clock moves without any write: the answer is kept only until the next call that
    was hidden starts. Here the clock is moved behind the mock's back (no generation bump)."""
    with api.dbs["sandbox"].reading() as s:
        hidden = s.scalar(
            select(func.min(Call.call_start)).where(Call.account_pk == 1, Call.call_start > PINNED)
        )
    assert hidden is not None and hidden.date() == PINNED.date()
    before = totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2]
    generation = _generation(api)

    def move_clock(to: datetime) -> None:
        with sqlite3.connect(settings.data_dir / "sandbox.sqlite3") as raw:
            raw.execute(
                "UPDATE mock_meta SET value = ? WHERE key = 'clock'", (ClockState(frozen=to).to_json(),)
            )

    move_clock(hidden - timedelta(seconds=1))
    assert totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2] == before
    move_clock(hidden)
    assert _generation(api) == generation  # nothing was bumped
    assert totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2] > before


def test_entry_freshness() -> None:
    state = generations.State("7", "1", ClockState(frozen=PINNED))
    day, until = PINNED.date(), PINNED + timedelta(minutes=5)
    entry = answers.Entry("7", b"x", day, until)
    assert entry.fresh(state, lambda: PINNED + timedelta(minutes=4, seconds=59))
    assert not entry.fresh(state, lambda: until)
    assert not entry.fresh(generations.State("8", "1", state.clock), lambda: PINNED)
    assert not answers.Entry("7", b"x", day, None).fresh(state, lambda: PINNED + timedelta(days=1))
    assert answers.Entry("7", b"x").fresh(state, lambda: PINNED + timedelta(days=400))


def test_the_cache_drops_the_least_recently_used() -> None:
    kept = answers.Cache(max_entries=2, max_body=10)
    state = generations.State("1", "1", ClockState(frozen=PINNED))
    for key in "abc":
        kept.keep_answer(key, answers.Entry("1", key), 1)
    assert [kept.answer(k, state) for k in "abc"] == [None, "b", "c"]
    kept.keep_answer("big", answers.Entry("1", "big"), 11)
    assert kept.answer("big", state) is None
    # a budget of bytes in all, too
    budget = answers.Cache(max_entries=10, max_body=10, max_bytes=20)
    for key in "abc":
        budget.keep_answer(key, answers.Entry("1", key), 8)
    assert [budget.answer(k, state) for k in "abc"] == [None, "b", "c"]
    budget.keep_answer("b", answers.Entry("1", "b2"), 8)  # replaced, not counted twice
    budget.keep_answer("d", answers.Entry("1", "d"), 4)
    assert [budget.answer(k, state) for k in "bcd"] == ["b2", "c", "d"]


def test_two_workers_never_answer_stale(tmp_path: Path) -> None:
    srv = start(tmp_path, extra=("--workers", "2"), plain_http=False)  # forked workers
    url = "/Nodes?v=3&method=getNodes&node_id=shared"
    try:
        # fresh connections land on either worker: both keep the empty answer
        for _ in range(8):
            with srv.client() as c:
                assert results(c.get(url, headers=PHP_HEADERS)) == []
        with srv.client() as c:
            resp = c.post(
                "/Nodes?v=3&method=createNodes", content=node_xml("shared").encode(), headers=PHP_HEADERS
            )
            assert resp.status_code == 201
        for _ in range(8):
            with srv.client() as c:
                assert [r["node_id"] for r in results(c.get(url, headers=PHP_HEADERS))] == ["shared"]
    finally:
        stop(srv)


def test_another_instance_on_postgres_never_answers_stale(postgres_settings: Settings) -> None:
    one, two = Api(postgres_settings), Api(postgres_settings)
    try:
        assert results(two.get("Nodes", "getNodes", {"node_id": "shared"})) == []
        assert one.post("Nodes", "createNodes", node_xml("shared")).status_code == 201
        rows = results(two.get("Nodes", "getNodes", {"node_id": "shared"}))
        assert [r["node_id"] for r in rows] == ["shared"]
        before = totals(two.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2]
        with one.dbs["sandbox"].writing() as s:
            clock.advance(s, 14 * 3600)
        assert totals(two.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2] > before
    finally:
        one.close()
        two.close()


@pytest.mark.parametrize("verb", ["GET", "HEAD"])
def test_errors_are_never_kept(api: Api, verb: str) -> None:
    for _ in range(2):
        resp = api.client.request(verb, "/Nodes?v=3&method=getNodes&limit=0", headers=PHP_HEADERS)
        assert resp.status_code == 400
