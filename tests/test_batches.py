"""Writes that queue together share one transaction (threads.Batches, Dispatcher.run_batch; issue 13):
every answer, the data and the journal are as if each request had had its own transaction."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_iovox.catalog import CATALOG
from mock_iovox.context import Ctx
from mock_iovox.db import effects
from mock_iovox.db.engine import open_databases
from mock_iovox.handlers import HANDLERS
from mock_iovox.server.app import VendorEndpoint, create_app
from mock_iovox.server.threads import Batches, HandlerThreads
from mock_iovox.settings import DEFAULT_FIXTURE, Settings
from tests.helpers import PHP_HEADERS, node_xml, php_query

Request = tuple[str, str, str, dict[str, Any], str | None]  # verb, interface, method, params, body


def link_xml(node_id: str, link_id: str) -> str:
    return (
        f"<request><link><node_id>{node_id}</node_id><link_id>{link_id}</link_id>"
        "<link_name>Flyer</link_name><link_type>Print</link_type></link></request>"
    )


WARM: Request = ("GET", "Nodes", "getNodes", {"limit": 1}, None)
RENAME = "<request><node><node_id>bt-1</node_id><node_name>Renamed</node_name></node></request>"
NAMELESS = "<request><node><node_id>bt-4</node_id></node></request>"
# successes and failures in turn; each failure comes after a success it must not undo
MIXED: list[Request] = [
    ("POST", "Nodes", "createNodes", {}, node_xml("bt-1")),
    ("POST", "Nodes", "createNodes", {}, node_xml("bt-1")),  # exists
    ("DELETE", "Nodes", "deleteNodes", {"node_ids": "bt-nowhere"}, None),  # its DELETE ran, then its error
    ("PUT", "Nodes", "updateNodes", {}, RENAME),
    ("POST", "Nodes", "createNodes", {}, node_xml("bt-2")[:-10] + node_xml("bt-3")[9:]),  # two at once
    ("POST", "Links", "createLinks", {}, link_xml("bt-1", "bt-link")),  # ORM objects
    ("POST", "Links", "createLinks", {}, link_xml("bt-1", "bt-link")),  # exists
    ("POST", "Links", "createLinks", {}, link_xml("bt-missing", "bt-link-2")),  # no such node
    ("DELETE", "Nodes", "deleteNodes", {"node_ids": "bt-3,bt-nowhere"}, None),  # deletes bt-3, then fails
    ("DELETE", "Nodes", "deleteNodes", {"node_ids": "bt-2"}, None),
    ("POST", "Nodes", "createNodes", {}, NAMELESS),
]  # fmt: skip


def data_copy(template_dir: Path, to: Path) -> Settings:
    shutil.copytree(template_dir, to)
    return Settings(data_dir=to, fixture=DEFAULT_FIXTURE, max_body_bytes=64 * 1024)


async def call(app: Any, req: Request) -> tuple[int, bytes]:
    verb, interface, method, params, body = req
    raw = (body or "").encode()
    headers = [(k.lower().encode(), v.encode()) for k, v in PHP_HEADERS.items()]
    headers += [(b"host", b"sandboxapi.iovox.com"), (b"content-length", str(len(raw)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": verb,
        "scheme": "https",
        "path": f"/{interface}",
        "raw_path": f"/{interface}".encode(),
        "root_path": "",
        "query_string": php_query(method, params).encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 444),
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # never: the request has been read
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def endpoint_of(app: Any) -> VendorEndpoint:
    vendor = app.vendor.app  # MockApp -> FaultBarrier -> VendorEndpoint
    assert isinstance(vendor, VendorEndpoint)
    return vendor


async def together(app: Any, requests: list[Request], sizes: list[int]) -> list[tuple[int, bytes]]:
    """The requests sent at once while the handler thread is busy, so they queue into one batch;
    `sizes` gets the size of every batch run."""
    await call(app, WARM)  # the caller is then known: admitted on the loop, not in the (busy) thread
    vendor = endpoint_of(app)
    batches = vendor.batches["sandbox"]
    run_batch = batches._run_batch

    def counted(items: list[Any]) -> list[Any]:
        sizes.append(len(items))
        return run_batch(items)

    batches._run_batch = counted
    gate = threading.Event()
    vendor.threads.post(gate.wait)  # the thread waits here (untimed: holds under faketime too)
    tasks = [asyncio.ensure_future(call(app, r)) for r in requests]
    while len(batches._pending) < len(requests):
        await asyncio.sleep(0.001)
    gate.set()
    return list(await asyncio.gather(*tasks))


async def one_by_one(app: Any, requests: list[Request]) -> list[tuple[int, bytes]]:
    await call(app, WARM)
    return [await call(app, r) for r in requests]


def table(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.data_dir / "sandbox.sqlite3") as conn:
        return conn.execute(sql).fetchall()


NODES_SQL = "SELECT node_id, node_name, node_type FROM nodes ORDER BY node_id"
LINKS_SQL = "SELECT l.link_id, n.node_id FROM links l JOIN nodes n ON n.pk = l.node_pk ORDER BY l.link_id"
JOURNAL_SQL = "SELECT verb, method, query, body, status, errors FROM mock_journal ORDER BY id"


@pytest.fixture
def two(template_dir: Path, tmp_path: Path) -> Iterator[tuple[Settings, Any, Settings, Any]]:
    """Two copies of the default data: one sent requests together, one the same one by one."""
    made = []
    for name in ("batched", "alone"):
        settings = data_copy(template_dir, tmp_path / name)
        dbs = open_databases(settings)
        made.append((settings, create_app(settings, dbs), dbs))
    yield made[0][0], made[0][1], made[1][0], made[1][1]
    for _, _, dbs in made:
        for db in dbs.values():
            db.dispose()


def test_a_batch_answers_and_writes_what_one_transaction_each_would(two: Any) -> None:
    batched_settings, batched, alone_settings, alone = two
    sizes: list[int] = []
    got = asyncio.run(together(batched, MIXED, sizes))
    want = asyncio.run(one_by_one(alone, MIXED))
    assert sizes == [len(MIXED)]  # one transaction for all of them
    assert [s for s, _ in got] == [201, 400, 400, 204, 201, 201, 400, 400, 400, 204, 400]
    assert got[1][1].endswith(b'<errors><error status="400">Node ID 1 of 1 already exists</error></errors>')
    assert got[2][1].endswith(b'<errors><error status="400">Node ID 1 of 1 does not exist</error></errors>')
    assert got == want  # byte for byte
    for sql in (NODES_SQL, LINKS_SQL):
        assert table(batched_settings, sql) == table(alone_settings, sql)
    # a row per request, as alone; the rows of requests that were in flight together are in the
    # order they were written (a failed write's after the batch's COMMIT), never before an answer
    assert sorted(table(batched_settings, JOURNAL_SQL)) == sorted(table(alone_settings, JOURNAL_SQL))
    assert ("bt-1", "Renamed", "T") in table(batched_settings, NODES_SQL)
    assert ("bt-link", "bt-1") in table(batched_settings, LINKS_SQL)
    assert [n for n, _, _ in table(batched_settings, NODES_SQL) if n.startswith("bt-")] == ["bt-1", "bt-3"]


def test_a_write_after_a_rolled_back_one_still_moves_the_generation(two: Any) -> None:
    """The failed delete's DELETE bumped the generation inside its savepoint, and the rollback
    took the bump away: the next write must bump it again, or a kept answer goes stale."""
    _, app, _, _ = two
    get_nodes: Request = ("GET", "Nodes", "getNodes", {"node_id": "bt-late"}, None)

    async def scenario() -> tuple[bytes, list[tuple[int, bytes]], bytes]:
        before = await call(app, get_nodes)  # kept in memory for the current generation
        writes = await together(
            app,
            [
                ("DELETE", "Nodes", "deleteNodes", {"node_ids": "bt-nowhere"}, None),
                ("POST", "Nodes", "createNodes", {}, node_xml("bt-late")),
            ],
            [],
        )
        after = await call(app, get_nodes)
        return before[1], writes, after[1]

    before, writes, after = asyncio.run(scenario())
    assert [s for s, _ in writes] == [400, 201]
    assert b"bt-late" not in before
    assert b"<node_id>bt-late</node_id>" in after


def test_a_batch_whose_transaction_ends_runs_each_request_alone(
    two: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that ends the whole transaction (here: a ROLLBACK behind SQLAlchemy's back) breaks
    the batch; every request then runs again in its own transaction, as if there had been none."""
    batched_settings, batched, alone_settings, alone = two
    real = HANDLERS[("Nodes", "updateNodes")]

    def poisoned(ctx: Ctx) -> Any:
        if ctx.items and ctx.items[0]["node_id"] == "bt-poison":
            ctx.session.connection().connection.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
            raise RuntimeError("the transaction is gone")
        return real(ctx)

    monkeypatch.setitem(HANDLERS, ("Nodes", "updateNodes"), poisoned)
    poison: Request = (
        "PUT", "Nodes", "updateNodes", {}, "<request><node><node_id>bt-poison</node_id></node></request>"
    )  # fmt: skip
    requests = [MIXED[0], MIXED[3], poison, MIXED[4]]
    sizes: list[int] = []
    got = asyncio.run(together(batched, requests, sizes))
    assert sizes == [4]
    assert [s for s, _ in got] == [201, 204, 500, 201]
    # the others as if alone; the poisoned one's journal row is written apart from its (failed) transaction
    want = asyncio.run(one_by_one(alone, [MIXED[0], MIXED[3], MIXED[4]]))
    assert [got[0], got[1], got[3]] == want
    assert table(batched_settings, NODES_SQL) == table(alone_settings, NODES_SQL)
    journal = sorted(row[:2] + row[4:5] for row in table(batched_settings, JOURNAL_SQL))
    assert journal == sorted(
        [
            ("GET", "Nodes.getNodes", 200),
            ("POST", "Nodes.createNodes", 201),
            ("PUT", "Nodes.updateNodes", 204),
            ("PUT", "Nodes.updateNodes", 500),
            ("POST", "Nodes.createNodes", 201),
        ]
    )


def test_a_request_run_again_after_a_broken_batch_has_the_row_of_its_last_try(
    two: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its row written in the broken batch went with it: when its run alone answers otherwise (here a
    create that succeeded in the batch fails alone), the row of that answer is written."""
    settings, app, _, _ = two
    real_create = HANDLERS[("Nodes", "createNodes")]
    tries: list[str] = []

    def flaky(ctx: Ctx) -> Any:
        tries.append(ctx.items[0]["node_id"])
        if len(tries) > 1:  # alone, after the batch broke
            ctx.add("node_id_exists", x=1, y=1)
            ctx.check()
        return real_create(ctx)

    def poisoned(ctx: Ctx) -> Any:
        ctx.session.connection().connection.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
        raise RuntimeError("the transaction is gone")

    monkeypatch.setitem(HANDLERS, ("Nodes", "createNodes"), flaky)
    monkeypatch.setitem(HANDLERS, ("Nodes", "updateNodes"), poisoned)
    got = asyncio.run(
        together(app, [("POST", "Nodes", "createNodes", {}, node_xml("bt-flaky")), MIXED[3]], [])
    )
    assert [s for s, _ in got] == [400, 500] and tries == ["bt-flaky", "bt-flaky"]
    journal = [row[:2] + row[4:5] for row in table(settings, JOURNAL_SQL)]
    assert sorted(journal) == [
        ("GET", "Nodes.getNodes", 200),
        ("POST", "Nodes.createNodes", 400),
        ("PUT", "Nodes.updateNodes", 500),
    ]


def test_a_method_with_effects_outside_the_database_never_shares_a_transaction() -> None:
    alone = {m.key for i in CATALOG for m in i.methods if m.alone}
    assert alone == {("Calling", "initiateCall"), ("Purchase", "purchaseVoxNumbers")}


def test_an_effect_outside_the_database_inside_a_batch_fails_loudly(
    two: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batched method that asks for an effect after the commit (it forgot `alone`) answers 500 and
    the effect never runs; the other requests of the batch are untouched."""
    _, app, _, _ = two
    real = HANDLERS[("Nodes", "updateNodes")]
    ran: list[str] = []

    def effectful(ctx: Ctx) -> Any:
        effects.after_commit(ctx.session, "a webhook", lambda: ran.append("sent"))
        return real(ctx)

    monkeypatch.setitem(HANDLERS, ("Nodes", "updateNodes"), effectful)
    sizes: list[int] = []
    got = asyncio.run(together(app, [MIXED[0], MIXED[3], MIXED[4]], sizes))
    assert sizes == [3]
    assert [s for s, _ in got] == [201, 500, 201]
    assert got[1][1].endswith(b'<errors><error status="500">Internal Server Error</error></errors>')
    assert ran == []
    # alone (a batch of one), the same effect is allowed and runs once the request has committed
    assert asyncio.run(call(app, MIXED[3]))[0] == 204
    assert ran == ["sent"]


def test_a_lone_request_is_a_batch_of_one(two: Any) -> None:
    _, app, _, _ = two
    sizes: list[int] = []
    batches = endpoint_of(app).batches["sandbox"]
    run_batch = batches._run_batch

    def counted(items: Any) -> Any:
        sizes.append(len(items))
        return run_batch(items)

    batches._run_batch = counted
    assert asyncio.run(call(app, MIXED[0]))[0] == 201
    assert sizes == [1]


# --- threads.Batches ------------------------------------------------------------------------------


def test_batches_queue_what_arrives_while_one_runs_and_keep_the_order() -> None:
    threads = HandlerThreads(1)
    seen: list[list[int]] = []

    def run(items: list[int]) -> list[int]:
        seen.append(items)
        return [i * 10 for i in items]

    batches: Batches[int, int] = Batches(threads, run, limit=3)

    async def main() -> list[int]:
        gate = threading.Event()
        threads.post(gate.wait)
        tasks = [asyncio.ensure_future(batches.run(n)) for n in range(7)]
        while len(batches._pending) < 7:
            await asyncio.sleep(0.001)
        gate.set()
        return list(await asyncio.gather(*tasks))

    assert asyncio.run(main()) == [0, 10, 20, 30, 40, 50, 60]
    assert seen == [[0, 1, 2], [3, 4, 5], [6]]  # at most `limit` a batch, in arrival order
    threads.close()


def test_a_next_batch_waits_behind_work_posted_meanwhile() -> None:
    threads = HandlerThreads(1)
    order: list[str] = []

    def run_batch(items: list[str]) -> list[str]:
        order.append("+".join(items))
        return items

    batches: Batches[str, str] = Batches(threads, run_batch, limit=1)

    async def main() -> None:
        gate = threading.Event()
        threads.post(gate.wait)
        writes = [asyncio.ensure_future(batches.run(w)) for w in ("w1", "w2")]
        while len(batches._pending) < 2:
            await asyncio.sleep(0.001)
        threads.post(order.append, "read")  # queued now, behind the first batch's job
        gate.set()
        await asyncio.gather(*writes)

    asyncio.run(main())
    assert order == ["w1", "read", "w2"]  # w2's batch was posted after the read had queued
    threads.close()


def test_a_failed_batch_fails_every_request_in_it_and_the_next_one_runs() -> None:
    threads = HandlerThreads(1)
    calls: list[list[int]] = []

    def run_batch(items: list[int]) -> list[int]:
        calls.append(items)
        if 0 in items:
            raise ValueError("boom")
        return items

    batches: Batches[int, int] = Batches(threads, run_batch)

    async def main() -> tuple[list[Any], int]:
        gate = threading.Event()
        threads.post(gate.wait)
        tasks = [asyncio.ensure_future(batches.run(n)) for n in (0, 1)]
        while len(batches._pending) < 2:
            await asyncio.sleep(0.001)
        gate.set()
        failed = await asyncio.gather(*tasks, return_exceptions=True)
        return failed, await batches.run(5)

    failed, later = asyncio.run(main())
    assert [type(f) for f in failed] == [ValueError, ValueError]
    assert later == 5 and calls == [[0, 1], [5]]
    threads.close()


def test_a_batch_on_postgres_answers_what_one_transaction_each_would(
    postgres_settings: Settings, two: Any
) -> None:
    from sqlalchemy import text

    _, _, _, alone = two
    dbs = open_databases(postgres_settings)
    try:
        sizes: list[int] = []
        got = asyncio.run(together(create_app(postgres_settings, dbs), MIXED, sizes))
        assert sizes == [len(MIXED)]
        assert got == asyncio.run(one_by_one(alone, MIXED))
        with dbs["sandbox"].engine.connect() as conn:
            nodes = conn.execute(
                text("SELECT node_id FROM nodes WHERE node_id LIKE 'bt-%' ORDER BY 1")
            ).scalars()
            assert list(nodes) == ["bt-1", "bt-3"]
            journal = conn.execute(text("SELECT count(*) FROM mock_journal")).scalar()
            assert journal == len(MIXED) + 1  # and the warm-up GET
    finally:
        for db in dbs.values():
            db.dispose()


@pytest.mark.e2e
def test_writes_at_once_over_tls_answer_as_alone(settings: Settings, tmp_path: Path) -> None:
    """Sixteen clients over the real server at once, each creating its own node and the same
    shared one: every answer is right, every write that succeeded is there, one journal row each."""
    from tests.helpers.concurrency import together
    from tests.server import start, stop

    server = start(tmp_path / "server", data_dir=settings.data_dir, plain_http=False)
    clients = [server.client() for _ in range(16)]
    try:
        url = "/Nodes?" + php_query("createNodes")

        def create(client: httpx.Client, node: str) -> Callable[[], httpx.Response]:
            return lambda: client.post(url, content=node_xml(node).encode(), headers=PHP_HEADERS)

        calls = [create(c, node) for n, c in enumerate(clients) for node in (f"e2e-{n}", "e2e-shared")]
        answers = together(calls)
        own, shared = answers[0::2], answers[1::2]
        assert [a.status_code for a in own] == [201] * 16
        assert sorted(a.status_code for a in shared) == [201] + [400] * 15
        assert {a.text.split("?>", 1)[-1] for a in shared if a.status_code == 400} == {
            '\n<errors><error status="400">Node ID 1 of 1 already exists</error></errors>'
        }
    finally:
        for c in clients:
            c.close()
        stop(server)
    nodes = [n for n, _, _ in table(settings, NODES_SQL) if n.startswith("e2e-")]
    assert sorted(nodes) == sorted([f"e2e-{n}" for n in range(16)] + ["e2e-shared"])
    journal = table(settings, "SELECT status, count(*) FROM mock_journal GROUP BY status ORDER BY status")
    assert journal == [(201, 17), (400, 15)]
