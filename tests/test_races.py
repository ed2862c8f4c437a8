"""Issue 14 items 5 and 12: races between workers and between instances, over the real server.

Writers take the database's write lock before their checks (BEGIN IMMEDIATE on SQLite, an advisory
lock on PostgreSQL), so a race is answered with the error the check gives — never a 500 from a
UNIQUE or FOREIGN KEY constraint. Instances starting together load the fixture once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, func, select

from mock_iovox.db import Account, Node
from mock_iovox.db.engine import Database
from tests.helpers import PHP_HEADERS, errors_of, php_query
from tests.helpers.concurrency import together
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e

CREATE_NODES = "/Nodes?" + php_query("createNodes")
CREATE_LINKS = "/Links?" + php_query("createLinks")


def _node(node_id: str) -> bytes:
    return (
        f"<request><node><node_id>{node_id}</node_id><node_name>R</node_name>"
        "<node_type>T</node_type></node></request>"
    ).encode()


def _link(node_id: str, link_id: str) -> bytes:
    return (
        f"<request><link><node_id>{node_id}</node_id><link_id>{link_id}</link_id>"
        "<link_name>" + link_id + "</link_name><link_type>Web</link_type></link></request>"
    ).encode()


def _same_id_creates(server: Server, rounds: int = 6, writers: int = 16) -> None:
    clients = [server.client() for _ in range(writers)]
    try:
        for r in range(rounds):
            body = _node(f"race-{r}")

            def create(c: httpx.Client = clients[0], body: bytes = body) -> httpx.Response:
                return c.post(CREATE_NODES, content=body, headers=PHP_HEADERS)

            answers = together([partial(create, c) for c in clients])
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [201] + [400] * (writers - 1), [
                a.text for a in answers if a.status_code >= 500
            ]
            for a in answers:
                if a.status_code == 400:
                    assert errors_of(a) == [(400, "Node ID 1 of 1 already exists")]
    finally:
        for c in clients:
            c.close()


def _create_links_against_delete(server: Server, rounds: int = 6, writers: int = 8) -> None:
    clients = [server.client() for _ in range(writers + 1)]
    try:
        for r in range(rounds):
            node = f"doomed-{r}"
            assert clients[0].post(CREATE_NODES, content=_node(node), headers=PHP_HEADERS).status_code == 201
            bodies = [_link(node, f"{node}-l{i}") for i in range(writers)]
            calls: list[Callable[[], httpx.Response]] = [
                partial(c.post, CREATE_LINKS, content=b, headers=PHP_HEADERS)
                for c, b in zip(clients[1:], bodies, strict=True)
            ]
            delete_url = "/Nodes?" + php_query("deleteNodes", {"node_ids": node})
            calls.append(partial(clients[0].delete, delete_url, headers=PHP_HEADERS))
            answers = together(calls)
            *links, deleted = answers
            assert deleted.status_code == 204, deleted.text
            for a in links:
                assert a.status_code in (201, 400), a.text
                if a.status_code == 400:
                    assert errors_of(a) == [(400, "Node ID 1 of 1 does not exist")]
    finally:
        for c in clients:
            c.close()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("races"), extra=("--workers", "2"), plain_http=False)
    yield srv
    stop(srv)


def test_same_id_creates_with_two_workers(two_workers: Server) -> None:
    _same_id_creates(two_workers)


def test_create_links_against_delete_with_two_workers(two_workers: Server) -> None:
    _create_links_against_delete(two_workers)


def test_writers_begin_immediate_on_sqlite(tmp_path: Path) -> None:
    db = Database("sandbox", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    db.create_schema()
    db.engine.dispose()
    seen: list[str] = []
    # what SQLite itself runs (the mock sends BEGIN straight to the driver)
    event.listen(db.engine, "connect", lambda raw, _record: raw.set_trace_callback(seen.append))
    with db.writing() as s:
        s.scalar(select(func.count()).select_from(Node))
    with db.reading() as s:
        s.scalar(select(func.count()).select_from(Node))
    assert [q for q in seen if q.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN"]
    db.dispose()


def _wait_all(starters: list[Callable[[], Server]]) -> list[Server]:
    """Start all at once; if one fails, stop the others before failing."""
    with ThreadPoolExecutor(len(starters)) as pool:
        futures = [pool.submit(f) for f in starters]
    started = [f.result() for f in futures if f.exception() is None]
    failed = [f.exception() for f in futures if f.exception() is not None]
    if failed:
        for srv in started:
            stop(srv)
        raise failed[0]  # type: ignore[misc]
    return started


def test_three_instances_start_together_on_one_empty_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "shared"
    servers = _wait_all([partial(start, tmp_path / f"i{i}", data_dir=data) for i in range(3)])
    try:
        for srv in servers:
            assert "Traceback" not in srv.log.read_text()
        db = Database("sandbox", f"sqlite:///{data / 'sandbox.sqlite3'}")
        with db.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Account)) == 2  # loaded once
        db.dispose()
    finally:
        for srv in servers:
            stop(srv)


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def empty_postgres(postgres_url: str) -> Iterator[str]:
    """A --database-url over two new, empty PostgreSQL databases."""
    import psycopg

    base = f"mock_iovox_race{os.getpid()}_"
    admin_url = postgres_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    names = [base + env for env in ("sandbox", "production")]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_url}/{base}{{env}}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_postgres_three_instances_then_races(empty_postgres: str, tmp_path: Path) -> None:
    extra = ("--database-url", empty_postgres)
    servers = _wait_all(
        [partial(start, tmp_path / f"pg{i}", extra=(*extra, "--workers", "2")) for i in range(3)]
    )
    try:
        for srv in servers:
            assert "Traceback" not in srv.log.read_text()
        db = Database("sandbox", empty_postgres.replace("{env}", "sandbox"))
        with db.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Account)) == 2  # loaded once
        db.dispose()
        _same_id_creates(servers[0])
        _create_links_against_delete(servers[1])
    finally:
        for srv in servers:
            stop(srv)
