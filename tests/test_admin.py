"""The /__mock__ control plane in process: every operation, its bad input, the admin key."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from lxml import html
from sqlalchemy import func, select
from starlette.testclient import TestClient

from mock_iovox.admin import snapshots
from mock_iovox.db.engine import open_databases
from mock_iovox.server.app import create_app
from mock_iovox.settings import Settings
from tests.helpers import OTHER, PINNED, Api, assert_errors, node_xml, results
from tests.helpers.admin import admin, ok


def bad(resp: httpx.Response, field: str, status: int = 400) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["field"] == field, body
    return str(body["error"])


def node_ids(api: Api) -> set[str]:
    return {r["node_id"] for r in results(api.get("Nodes", "getNodes"))}


# -- admin key -------------------------------------------------------------------------------------


@pytest.fixture
def keyed(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """A server with an admin key, called from loopback and from a LAN address."""
    keyed_settings = settings.with_overrides(admin_key="s3cret")
    dbs = open_databases(keyed_settings)
    app = create_app(keyed_settings, dbs)
    local = TestClient(app, base_url="https://localhost:444", client=("127.0.0.1", 1))
    lan = TestClient(app, base_url="https://localhost:444", client=("192.168.1.20", 1))
    yield local, lan
    for db in dbs.values():
        db.dispose()


def test_admin_key_required_when_configured(keyed: tuple[TestClient, TestClient]) -> None:
    local, lan = keyed
    missing = local.get("/__mock__/clock")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/json"
    assert "missing" in missing.json()["error"]
    assert "wrong" in lan.get("/__mock__/clock", headers={"X-Mock-Admin-Key": "nope"}).json()["error"]
    assert lan.get("/__mock__/clock", headers={"X-Mock-Admin-Key": "s3cret"}).status_code == 200


def test_without_a_key_only_loopback_callers(make_api: Any) -> None:
    assert admin(make_api(ip="127.0.0.1"), "GET", "/clock").status_code == 200
    refused = admin(make_api(ip="10.1.2.3"), "GET", "/clock")
    assert refused.status_code == 401
    assert "loopback" in refused.json()["error"]


def test_unknown_env_is_400(api: Api) -> None:
    bad(admin(api, "GET", "/clock?env=staging"), "env")


# -- clock -----------------------------------------------------------------------------------------


def test_clock_get_set_advance_per_environment(api: Api) -> None:
    assert ok(admin(api, "GET", "/clock"))["now"] == PINNED.isoformat()
    state = ok(admin(api, "PUT", "/clock", json={"now": "2027-01-04T09:30:00Z", "frozen": True}))
    assert state == {"now": "2027-01-04T09:30:00", "frozen": True, "offset_seconds": 0}
    assert ok(admin(api, "POST", "/clock/advance", json={"seconds": 90}))["now"] == "2027-01-04T09:31:30"
    assert ok(admin(api, "GET", "/clock?env=production"))["now"] == PINNED.isoformat()
    running = ok(admin(api, "PUT", "/clock", json={"frozen": False}))
    assert running["frozen"] is False
    assert ok(admin(api, "PUT", "/clock", json={"real": True}))["offset_seconds"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"now": "tomorrow"}, "now"),
        ({"now": "2027-01-01T00:00:00", "frozen": "yes"}, "frozen"),
        ({}, "now"),
        ({"when": 1}, "when"),
        ([1], "body"),
    ],
)
def test_clock_bad_input(api: Api, body: Any, field: str) -> None:
    bad(admin(api, "PUT", "/clock", json=body), field)


def test_clock_advance_bad_input(api: Api) -> None:
    bad(admin(api, "POST", "/clock/advance", json={"seconds": "ten"}), "seconds")
    bad(admin(api, "POST", "/clock/advance", content=b"{not json"), "body")


# -- reset and snapshots ---------------------------------------------------------------------------


def test_reset_restores_the_fixture_and_keeps_the_clock(api: Api) -> None:
    ok(admin(api, "PUT", "/clock", json={"now": "2027-02-01T08:00:00", "frozen": True}))
    assert api.post("Nodes", "createNodes", node_xml("extra")).status_code == 201
    assert "extra" in node_ids(api)
    ok(admin(api, "POST", "/reset"))
    assert "extra" not in node_ids(api)
    assert ok(admin(api, "GET", "/clock"))["now"] == "2027-02-01T08:00:00"


def test_named_snapshot_restore_is_fast_and_exact(api: Api) -> None:
    ok(admin(api, "POST", "/snapshots", json={"name": "base"}), 201)
    before = node_ids(api)
    assert api.post("Nodes", "createNodes", node_xml("extra")).status_code == 201
    started = time.perf_counter()
    ok(admin(api, "POST", "/snapshots/base/restore"))
    elapsed = time.perf_counter() - started
    assert node_ids(api) == before
    assert elapsed < 1.0  # measured ~40-120 ms for the default fixture; generous for a busy machine
    listed = ok(admin(api, "GET", "/snapshots"))
    assert [s["name"] for s in listed["snapshots"]] == ["base"]
    assert listed["snapshots"][0]["current_schema"] is True
    # a node added after the restore gets a fresh primary key (sequences follow the rows)
    assert api.post("Nodes", "createNodes", node_xml("after")).status_code == 201
    ok(admin(api, "DELETE", "/snapshots/base"))
    bad(admin(api, "POST", "/snapshots/base/restore"), "name", 404)


def state_tables(api: Api, path: str = "/state") -> Any:
    return ok(admin(api, "GET", path))["tables"]


def test_restore_is_exact_after_any_sequence_of_changes(api: Api) -> None:
    """SQLite restores only the tables written since the state last matched the snapshot: check
    the whole state against the snapshot after writes, a reset, another snapshot and seeded calls."""
    ok(admin(api, "POST", "/snapshots", json={"name": "a"}), 201)
    saved = state_tables(api, "/snapshots/a")
    assert saved == state_tables(api)
    steps = [
        lambda: api.post("Nodes", "createNodes", node_xml("one")),
        lambda: admin(api, "POST", "/calls/seed", json={"count": 30, "days": 1}),
        lambda: admin(api, "POST", "/reset"),
        lambda: admin(api, "POST", "/snapshots", json={"name": "b"}),
        lambda: admin(api, "PUT", "/clock", json={"now": "2030-01-01T00:00:00", "frozen": True}),
        lambda: api.delete("Nodes", "deleteNodes", {"node_ids": "westbourne"}),
    ]
    for step in steps:
        assert step().status_code < 300
        ok(admin(api, "POST", "/snapshots/a/restore"))
        assert state_tables(api) == saved
    # and once more after a restore with nothing changed
    ok(admin(api, "POST", "/snapshots/a/restore"))
    assert state_tables(api) == saved


def test_a_restore_never_brings_back_a_kept_answer(api: Api) -> None:
    """The answer caches count writes; a restore moves the count on, never back to the snapshot's
    (else the next write would reach a number whose kept answer shows the abandoned state)."""
    ok(admin(api, "POST", "/snapshots", json={"name": "a"}), 201)
    assert api.post("Nodes", "createNodes", node_xml("gone")).status_code == 201
    assert "gone" in node_ids(api)  # kept in the cache at this generation
    ok(admin(api, "POST", "/snapshots/a/restore"))
    assert "gone" not in node_ids(api)
    assert api.post("Nodes", "createNodes", node_xml("new")).status_code == 201
    ids = node_ids(api)
    assert "new" in ids and "gone" not in ids
    exported = ok(admin(api, "GET", "/state"))["tables"]["mock_meta"]["rows"]
    assert not {r[0] for r in exported} & {"generation", "auth_generation"}  # counters are no state


def test_snapshot_bad_names(api: Api) -> None:
    bad(admin(api, "POST", "/snapshots", json={"name": ""}), "name")
    bad(admin(api, "POST", "/snapshots", json={"name": "a/b"}), "name")
    bad(admin(api, "DELETE", "/snapshots/nothing"), "name", 404)


def test_export_and_import_json_on_both_databases(any_db_api: Api) -> None:
    api = any_db_api
    exported = ok(admin(api, "GET", "/state"))
    assert api.post("Nodes", "createNodes", node_xml("extra")).status_code == 201
    assert ok(admin(api, "PUT", "/state", json=exported))["imported"] > 0
    assert "extra" not in node_ids(api)
    blob = admin(api, "GET", "/state?format=sqlite").content
    headers = {"content-type": "application/vnd.sqlite3"}
    assert ok(admin(api, "PUT", "/state", content=blob, headers=headers))["imported"] > 0
    assert api.post("Nodes", "createNodes", node_xml("after")).status_code == 201


def test_export_and_import_json(api: Api) -> None:
    exported = ok(admin(api, "GET", "/state"))
    assert exported["schema"] == snapshots.schema_version()
    assert api.post("Nodes", "createNodes", node_xml("extra")).status_code == 201
    assert ok(admin(api, "PUT", "/state?save=imported", json=exported))["imported"] > 0
    assert "extra" not in node_ids(api)
    assert ok(admin(api, "GET", "/snapshots/imported"))["tables"]["nodes"] == exported["tables"]["nodes"]


def test_export_and_import_sqlite_file(api: Api) -> None:
    exported = admin(api, "GET", "/state?format=sqlite")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/vnd.sqlite3"
    assert exported.content.startswith(b"SQLite format 3\x00")
    assert api.post("Nodes", "createNodes", node_xml("extra")).status_code == 201
    headers = {"content-type": "application/vnd.sqlite3"}
    assert ok(admin(api, "PUT", "/state", content=exported.content, headers=headers))["imported"] > 0
    assert "extra" not in node_ids(api) and "westbourne" in node_ids(api)
    bad(admin(api, "PUT", "/state", content=b"not sqlite", headers=headers), "body")
    bad(admin(api, "GET", "/state?format=xml"), "format")


def test_import_from_another_schema_is_refused_and_changes_nothing(api: Api) -> None:
    exported = ok(admin(api, "GET", "/state"))
    assert api.post("Nodes", "createNodes", node_xml("extra")).status_code == 201
    message = bad(admin(api, "PUT", "/state", json={**exported, "schema": "0123456789abcdef"}), "schema")
    assert "does not match this server's schema" in message
    assert "extra" in node_ids(api)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d.update(tables=[]), "tables"),
        (lambda d: d["tables"]["nodes"].update(rows=[[1]]), "tables.nodes.rows[0]"),
        (lambda d: d["tables"]["nodes"].update(columns=["nope"]), "tables.nodes.columns"),
    ],
)
def test_malformed_snapshot_is_400_naming_the_field(api: Api, mutate: Any, field: str) -> None:
    exported = ok(admin(api, "GET", "/state"))
    mutate(exported)
    bad(admin(api, "PUT", "/state", json=exported), field)
    assert "westbourne" in node_ids(api)


def _cell(data: dict[str, Any], table: str, column: str, value: Any, row: int = 0) -> None:
    entry = data["tables"][table]
    entry["rows"][row][entry["columns"].index(column)] = value


def _first_fk_column(data: dict[str, Any]) -> None:
    _cell(data, "links", "node_pk", 999_999)


#: issue 25 items 4 and 5: each import that answered 200 (and bricked the environment) or 500
BAD_IMPORTS = [
    (
        lambda d: d["tables"]["mock_meta"]["rows"].append(["clock", "garbage{"]),
        "tables.mock_meta.rows[",
        "clock",
    ),
    (lambda d: _cell(d, "nodes", "pk", "one"), "tables.nodes.rows[0].pk", "must be an integer"),
    (
        lambda d: _cell(d, "nodes", "node_name", ["a", "list"]),
        "tables.nodes.rows[0].node_name",
        "must be text",
    ),
    (lambda d: _cell(d, "nodes", "node_id", None), "tables.nodes.rows[0].node_id", "NOT NULL"),
    (_first_fk_column, "tables.links.rows[0].node_pk", "names no row of nodes"),
    (lambda d: _cell(d, "nodes", "account_pk", 2**70), "tables.nodes.rows[0].account_pk", "from -2147483648"),
    (
        lambda d: d["tables"]["nodes"]["rows"].append(list(d["tables"]["nodes"]["rows"][0])),
        "tables.nodes.rows[",
        "appears twice",
    ),
    (
        lambda d: _cell(d, "links", "click_to_call", "yes"),
        "tables.links.rows[0].click_to_call",
        "true or false",
    ),
    (
        lambda d: _cell(d, "nodes", "created_at", "yesterday"),
        "tables.nodes.rows[0].created_at",
        "must be a time",
    ),
    (
        lambda d: d["tables"]["nodes"].update(
            columns=d["tables"]["nodes"]["columns"][:-1], rows=[r[:-1] for r in d["tables"]["nodes"]["rows"]]
        ),
        "tables.nodes.columns",
        "missing",
    ),
    (lambda d: d["tables"].pop("contacts"), "tables.contacts", "missing"),
    (lambda d: _cell(d, "nodes", "node_name", "x" * 5000), "tables.nodes.rows[0].node_name", "at most"),
]


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_api(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Api]:
    """The in-process server on SQLite files, then on a real PostgreSQL server."""
    chosen = request.getfixturevalue("postgres_settings") if request.param == "postgres" else settings
    client = Api(chosen)
    yield client
    client.close()


@pytest.mark.parametrize(("mutate", "field", "says"), BAD_IMPORTS)
def test_an_import_is_checked_value_by_value_before_anything_changes(
    any_db_api: Api, mutate: Any, field: str, says: str
) -> None:
    api = any_db_api
    exported = ok(admin(api, "GET", "/state"))
    assert api.post("Nodes", "createNodes", node_xml("kept")).status_code == 201
    mutate(exported)
    resp = admin(api, "PUT", "/state", json=exported)
    assert resp.status_code == 400 and resp.headers["content-type"] == "application/json", resp.text
    body = resp.json()
    assert body["field"].startswith(field) and says in body["error"], body
    # nothing changed, and everything still answers
    assert "kept" in node_ids(api)
    assert ok(admin(api, "GET", "/clock"))["now"]
    assert ok(admin(api, "POST", "/reset"))


# -- users -----------------------------------------------------------------------------------------


def test_users_list_create_update_delete(api: Api) -> None:
    users = ok(admin(api, "GET", "/users"))["users"]
    assert {u["username"] for u in users} == {"RestUserName", "OtherPartner"}
    me = next(u for u in users if u["username"] == "RestUserName")
    # keys are stored hashed: a listing never shows one, the answer that sets one echoes it
    assert "secure_key" not in me and "127.0.0.0/8" in me["allowed_ips"]
    made = ok(
        admin(
            api,
            "POST",
            "/users",
            json={
                "account": "Demo Estates",
                "username": "ci",
                "secure_key": "k1",
                "allowed_ips": ["10.9.0.0/16"],
            },
        ),
        201,
    )
    assert made == {
        "username": "ci",
        "account": "Demo Estates",
        "secure_key": "k1",
        "allowed_ips": ["10.9.0.0/16"],
    }
    creds = {"username": "ci", "secureKey": "k1"}
    # the loopback client is outside the new user's range: the vendor's 401
    assert_errors(api.get("Nodes", "getNodes", headers=creds), 401, ["HTTP 401: Unauthorized"])
    ok(admin(api, "PATCH", "/users/ci", json={"allowed_ips": ["127.0.0.1/32"], "secure_key": "k2"}))
    assert api.get("Nodes", "getNodes", headers={**creds, "secureKey": "k2"}).status_code == 200
    ok(admin(api, "DELETE", "/users/ci"))
    assert_errors(
        api.get("Nodes", "getNodes", headers={**creds, "secureKey": "k2"}), 401, ["HTTP 401: Unauthorized"]
    )


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"account": "Nobody", "username": "x", "secure_key": "k"}, "account", 400),
        ({"account": "Demo Estates", "username": "", "secure_key": "k"}, "username", 400),
        ({"account": "Demo Estates", "username": "x", "secure_key": ""}, "secure_key", 400),
        (
            {"account": "Demo Estates", "username": "x", "secure_key": "k", "allowed_ips": ["nope"]},
            "allowed_ips",
            400,
        ),
        ({"account": "Demo Estates", "username": "RestUserName", "secure_key": "k"}, "username", 409),
        ({"account": "Demo Estates", "username": "x", "secure_key": "k", "admin": True}, "admin", 400),
    ],
)
def test_user_bad_input(api: Api, body: dict[str, Any], field: str, status: int) -> None:
    bad(admin(api, "POST", "/users", json=body), field, status)


def test_update_unknown_user_is_404(api: Api) -> None:
    bad(admin(api, "PATCH", "/users/ghost", json={"secure_key": "k"}), "username", 404)


# -- journal ---------------------------------------------------------------------------------------


def test_journal_records_every_vendor_request(api: Api) -> None:
    assert api.get("Nodes", "getNodes", {"node_id": "westbourne"}).status_code == 200
    assert api.get("Nodes", "getNodes", {"node_id": "nowhere"}, headers=OTHER).status_code in (200, 404)
    assert api.post("Nodes", "createNodes", "<not xml").status_code == 400
    entries = ok(admin(api, "GET", "/journal"))["entries"]
    assert [e["method"] for e in entries] == ["Nodes.getNodes", "Nodes.getNodes", "Nodes.createNodes"]
    first, _, last = entries
    assert first["user"] == "RestUserName" and first["peer"] == "127.0.0.1" and first["env"] == "sandbox"
    assert "node_id=westbourne" in first["query"] and first["status"] == 200 and first["errors"] == []
    assert last["verb"] == "POST" and last["body"] == "<not xml" and last["status"] == 400
    assert last["errors"] and all(isinstance(m, str) for m in last["errors"])
    assert first["duration_ms"] > 0
    assert [e["method"] for e in ok(admin(api, "GET", "/journal?method=createNodes"))["entries"]] == [
        "Nodes.createNodes"
    ]
    assert len(ok(admin(api, "GET", "/journal?user=OtherPartner"))["entries"]) == 1
    assert len(ok(admin(api, "GET", "/journal?status=400"))["entries"]) == 1
    assert len(ok(admin(api, "GET", f"/journal?after={first['id']}"))["entries"]) == 2
    assert ok(admin(api, "GET", "/journal?limit=1"))["entries"][0]["id"] == last["id"]
    assert ok(admin(api, "GET", "/journal?since=2999-01-01T00:00:00"))["entries"] == []
    assert ok(admin(api, "GET", "/journal?env=production"))["entries"] == []
    assert ok(admin(api, "DELETE", "/journal"))["deleted"] == 3
    assert ok(admin(api, "GET", "/journal"))["entries"] == []


def test_journal_body_is_bounded(api: Api) -> None:
    api.post("Nodes", "createNodes", "x" * 10_000)
    entry = ok(admin(api, "GET", "/journal"))["entries"][-1]
    assert len(entry["body"]) == 4096 and entry["body_bytes"] == 10_000


@pytest.mark.parametrize(
    ("query", "field"), [("status=abc", "status"), ("since=yesterday", "since"), ("limit=0", "limit")]
)
def test_journal_bad_filters(api: Api, query: str, field: str) -> None:
    bad(admin(api, "GET", f"/journal?{query}"), field)


def test_journal_is_a_ring_and_can_be_off(settings: Settings) -> None:
    small = Api(settings.with_overrides(journal_size=2))
    for node in ("a", "b", "c"):
        small.get("Nodes", "getNodes", {"node_id": node})
    assert [
        dict(parse_qsl(e["query"]))["node_id"] for e in ok(admin(small, "GET", "/journal"))["entries"]
    ] == [
        "b",
        "c",
    ]
    small.close()
    off = Api(settings.with_overrides(journal_size=0))
    ok(admin(off, "DELETE", "/journal"))
    off.get("Nodes", "getNodes")
    assert ok(admin(off, "GET", "/journal"))["entries"] == []
    off.close()


def test_journal_ring_holds_the_newest_rows_across_trims(settings: Settings) -> None:
    """Rows are trimmed every TRIM_EVERY ids, not on every request; readers still see exactly the
    newest `size` (and the table never holds many more)."""
    from mock_iovox.admin.journal import TRIM_EVERY
    from mock_iovox.admin.store import JournalEntry

    small = Api(settings.with_overrides(journal_size=5))
    for n in range(2 * TRIM_EVERY + 7):
        small.get("Nodes", "getNodes", {"node_id": f"n{n}"})
    entries = ok(admin(small, "GET", "/journal"))["entries"]
    assert [dict(parse_qsl(e["query"]))["node_id"] for e in entries] == [
        f"n{n}" for n in range(2 * TRIM_EVERY + 2, 2 * TRIM_EVERY + 7)
    ]
    assert len(ok(admin(small, "GET", "/journal?limit=2"))["entries"]) == 2
    with small.dbs["sandbox"].sessions() as session:
        assert 5 < (session.scalar(select(func.count()).select_from(JournalEntry)) or 0) < 5 + TRIM_EVERY
    assert ok(admin(small, "DELETE", "/journal"))["deleted"] == 5
    small.close()


def test_journal_row_waits_for_a_held_write_lock(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The row is written on the event loop only when the write lock is free; while another
    connection holds it, a thread waits for it, and the row is there once the answer is back.
    (Released by an untimed wait on that thread's start, so it holds under faketime as well.)"""
    from mock_iovox.admin.hooks import VendorHooks

    db_file = api.settings.data_dir / "sandbox.sqlite3"
    holder = sqlite3.connect(db_file, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    waiting = threading.Event()
    real_write = VendorHooks.write

    def write(self: VendorHooks, db: Any, row: Any) -> None:
        waiting.set()  # the loop gave up: the row goes to a thread, which waits for the lock
        real_write(self, db, row)

    monkeypatch.setattr(VendorHooks, "write", write)

    def release() -> None:
        waiting.wait()
        holder.execute("COMMIT")

    releaser = threading.Thread(target=release)
    releaser.start()
    assert api.get("Nodes", "getNodes", {"node_id": "westbourne"}).status_code == 200
    releaser.join()
    holder.close()
    assert waiting.is_set()
    entries = ok(admin(api, "GET", "/journal"))["entries"]
    assert [dict(parse_qsl(e["query"])).get("node_id") for e in entries] == ["westbourne"]


def test_journal_row_waits_on_the_event_loop_for_a_short_write(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one of the process's writers holds the database briefly, the event loop tries the
    journal again (no thread, no SQLite busy wait) and answers once the row is in."""
    from mock_iovox.admin.hooks import VendorHooks

    assert api.get("Nodes", "getNodes").status_code == 200  # the caller and the answer are kept
    monkeypatch.setattr(VendorHooks, "write", lambda *a: pytest.fail("a row went to a thread"))
    db = api.dbs["sandbox"]
    held = threading.Event()

    def writer() -> None:
        with db.writing():
            held.set()
            time.sleep(0.02)

    thread = threading.Thread(target=writer)
    thread.start()
    held.wait()
    assert api.get("Nodes", "getNodes").status_code == 200
    thread.join()
    assert len(ok(admin(api, "GET", "/journal"))["entries"]) == 2


def test_the_wal_is_checkpointed_in_a_thread_once_commits_stop(settings: Settings) -> None:
    """A serving process's connections leave the WAL to a thread (db.engine.Checkpoints): one
    checkpoint every EVERY commits under load, and one as soon as commits stop for a moment."""
    import asyncio

    from mock_iovox.admin.journal import GroupCommit
    from mock_iovox.admin.setup import ensure
    from mock_iovox.db.generations import LoopView

    dbs = open_databases(settings)
    db = dbs["sandbox"]
    ensure(db)
    checkpoints = db.checkpoint_in_background()
    assert checkpoints is not None
    with db.engine.connect() as conn:  # the pool's connections no longer checkpoint in their commits
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    started: list[int] = []
    checkpoints._start = lambda: started.append(checkpoints._commits)  # type: ignore[method-assign]
    view = LoopView.open(db.engine)
    assert view is not None
    group = GroupCommit(view, db.write_lock, 1000, checkpoints)
    row: tuple[Any, ...] = (
        "2026-12-02 10:00:00",
        "sandbox",
        "u",
        "127.0.0.1",
        "GET",
        "/Nodes",
        "Nodes.getNodes",
        "",
    )
    row += ("", 0, 200, "[]", None, 1.0, "", "", 0)  # ... duration_ms, reason, response, response_bytes

    async def main() -> None:
        for _ in range(5):
            assert await group.write(row)
        with db.writing():
            pass  # a writing method's commit counts too
        await asyncio.sleep(GroupCommit.QUIET_AFTER / 2)
        assert started == []  # not yet
        await asyncio.sleep(GroupCommit.QUIET_AFTER * 2)

    asyncio.run(main())
    assert started == [6]
    checkpoints._commits = checkpoints.EVERY - 1
    checkpoints.committed()
    assert started == [6, checkpoints.EVERY]
    view.close()
    for each in dbs.values():
        each.dispose()


def test_journal_rows_of_concurrent_requests_are_committed_together(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests answered in one turn of the event loop share one journal transaction: every row is
    there, in order, none went the thread's way, and fewer commits than rows were made."""
    import asyncio

    from mock_iovox.admin import journal
    from mock_iovox.admin.hooks import VendorHooks
    from tests.helpers import PHP_HEADERS

    dbs = open_databases(settings)
    app = create_app(settings, dbs)
    monkeypatch.setattr(VendorHooks, "write", lambda *a: pytest.fail("a row went to a thread"))
    batches: list[int] = []
    real = journal.try_record

    def counting(conn: Any, size: int, rows: Any) -> bool:
        batches.append(len(rows))
        return real(conn, size, rows)

    monkeypatch.setattr(journal, "try_record", counting)
    headers = [(k.lower().encode(), v.encode()) for k, v in PHP_HEADERS.items()]

    async def one(n: int) -> int:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/Nodes",
            "query_string": f"v=3&method=getNodes&node_id=westbourne&n={n}".encode(),
            "headers": [(b"host", b"sandboxapi.iovox.com"), *headers],
            "client": ("127.0.0.1", 50000),
        }
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)
        return statuses[0]

    async def many() -> list[int]:
        # the caller is known and each answer kept after these: the rest is answered on the loop
        await asyncio.gather(*(one(n) for n in range(20)))
        batches.clear()
        return await asyncio.gather(*(one(n) for n in range(20)))

    assert set(asyncio.run(many())) == {200}
    entries = ok(Api(settings).client.get("/__mock__/journal"))["entries"]
    order = [int(dict(parse_qsl(e["query"]))["n"]) for e in entries]
    assert sorted(order[:20]) == list(range(20)) and order[20:] == list(range(20))
    assert batches == [20]
    for db in dbs.values():
        db.dispose()


# -- faults ----------------------------------------------------------------------------------------


def test_error_fault_answers_the_vendor_shape_a_counted_number_of_times(api: Api) -> None:
    rule = ok(
        admin(
            api,
            "POST",
            "/faults",
            json={
                "method": "getNodes",
                "action": "error",
                "status": 503,
                "message": "Service Unavailable",
                "times": 2,
            },
        ),
        201,
    )
    for _ in range(2):
        assert_errors(api.get("Nodes", "getNodes"), 503, ["Service Unavailable"])
    assert api.get("Nodes", "getNodes").status_code == 200
    assert api.get("Links", "getLinks").status_code == 200
    listed = ok(admin(api, "GET", "/faults"))["faults"]
    assert [(f["id"], f["hits"], f["seen"]) for f in listed] == [(rule["id"], 2, 2)]
    assert [e["fault_id"] for e in ok(admin(api, "GET", "/journal?method=getNodes"))["entries"]] == [
        rule["id"],
        rule["id"],
        None,
    ]
    ok(admin(api, "DELETE", f"/faults/{rule['id']}"))
    assert ok(admin(api, "GET", "/faults"))["faults"] == []


def test_a_fault_rule_reaches_every_worker_and_survives_restore_and_reset(settings: Settings) -> None:
    """Without rules the check is skipped (their number is read with the clock): a rule added through
    one worker must fire on the next request through another, also after a snapshot restore and a
    reset (which remake mock_meta), and stop once deleted."""
    one, two = Api(settings), Api(settings)  # two apps on one database, as two workers
    try:
        error = {"method": "getNodes", "action": "error", "status": 503, "message": "Down"}
        assert two.get("Nodes", "getNodes").status_code == 200
        ok(admin(one, "POST", "/snapshots", json={"name": "before"}), 201)
        rule = ok(admin(one, "POST", "/faults", json=error), 201)
        assert_errors(two.get("Nodes", "getNodes"), 503, ["Down"])
        ok(admin(one, "POST", "/snapshots/before/restore"))
        assert_errors(two.get("Nodes", "getNodes"), 503, ["Down"])
        ok(admin(one, "POST", "/reset"))
        assert_errors(two.get("Nodes", "getNodes"), 503, ["Down"])
        ok(admin(one, "DELETE", f"/faults/{rule['id']}"))
        assert two.get("Nodes", "getNodes").status_code == 200
    finally:
        one.close()
        two.close()


def test_internal_malformed_and_user_match(api: Api) -> None:
    ok(
        admin(
            api, "POST", "/faults", json={"interface": "Nodes", "user": "OtherPartner", "action": "internal"}
        ),
        201,
    )
    ok(admin(api, "POST", "/faults", json={"interface": "Links", "action": "malformed"}), 201)
    assert api.get("Nodes", "getNodes").status_code == 200
    assert_errors(api.get("Nodes", "getNodes", headers=OTHER), 500, ["Internal Server Error"])
    broken = api.get("Links", "getLinks")
    assert broken.status_code == 200 and not broken.text.rstrip().endswith("</response>")
    assert ok(admin(api, "DELETE", "/faults"))["deleted"] == 2


def test_latency_fault_delays_the_answer(api: Api) -> None:
    ok(admin(api, "POST", "/faults", json={"action": "latency", "latency_ms": 300, "times": 1}), 201)
    started = time.perf_counter()
    assert api.get("Nodes", "getNodes").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_seeded_probability_is_repeatable(api: Api) -> None:
    def pattern() -> list[int]:
        ok(admin(api, "DELETE", "/faults"))
        ok(admin(api, "POST", "/faults", json={"action": "internal", "probability": 0.5, "seed": 7}), 201)
        return [api.get("Nodes", "getNodes").status_code for _ in range(12)]

    first = pattern()
    assert first == pattern()
    assert {200, 500} == set(first)


def test_drop_fault_closes_the_connection(api: Api) -> None:
    from mock_iovox.admin.hooks import ConnectionDropped

    ok(admin(api, "POST", "/faults", json={"action": "drop", "times": 1}), 201)
    with pytest.raises(ConnectionDropped):
        api.get("Nodes", "getNodes")
    assert api.get("Nodes", "getNodes").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "explode"}, "action"),
        ({"action": "error", "message": "x"}, "status"),
        ({"action": "error", "status": 503}, "message"),
        ({"action": "error", "status": 200, "message": "x"}, "status"),
        ({"action": "internal", "probability": 0}, "probability"),
        ({"action": "internal", "times": 0}, "times"),
        ({"action": "latency"}, "latency_ms"),
        ({"action": "internal", "method": ""}, "method"),
        ({"action": "internal", "colour": "red"}, "colour"),
        ("internal", "body"),
    ],
)
def test_fault_bad_input(api: Api, body: Any, field: str) -> None:
    bad(admin(api, "POST", "/faults", json=body), field)


def test_delete_unknown_fault(api: Api) -> None:
    bad(admin(api, "DELETE", "/faults/999"), "id", 404)
    bad(admin(api, "DELETE", "/faults/abc"), "id")


# -- outbox ----------------------------------------------------------------------------------------


def test_outbox_lists_purchase_callbacks(api: Api) -> None:
    assert ok(admin(api, "GET", "/outbox")) == {"messages": []}


# -- calls ---------------------------------------------------------------------------------------


def test_seed_calls(api: Api) -> None:
    made = ok(
        admin(
            api, "POST", "/calls/seed", json={"count": 40, "days": 2, "seed": 3, "account": "Demo Estates"}
        ),
        201,
    )
    assert made == {
        "account": "Demo Estates",
        "written": 40,
        "from": "2026-12-01T00:00:00",
        "to": "2026-12-02T23:59:59",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "count"),
        ({"count": 1, "days": 0}, "days"),
        ({"count": 1, "anchor": "soon"}, "anchor"),
        ({"count": 1, "account": "Nobody"}, "account"),
    ],
)
def test_seed_calls_bad_input(api: Api, body: dict[str, Any], field: str) -> None:
    bad(admin(api, "POST", "/calls/seed", json=body), field)


# -- dashboard (in process; tests/test_dashboard.py drives it in Chromium) ------------------------


def test_dashboard_lists_accounts_nodes_calls_and_the_journal(api: Api) -> None:
    api.get("Nodes", "getNodes")
    page = admin(api, "GET", "/ui")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'data-node-id="westbourne"' in page.text and "Demo Estates" in page.text
    assert page.text.count('class="call"') == 20
    assert "Nodes.getNodes" in page.text
    assert PINNED.isoformat() in page.text
    assert "<script" not in page.text and "http://" not in page.text
    journal_page = admin(api, "GET", "/ui/journal")
    assert 'http-equiv="refresh"' in journal_page.text and "Nodes.getNodes" in journal_page.text


def test_dashboard_recording_is_the_vendor_recording(api: Api) -> None:
    import re

    page = admin(api, "GET", "/ui").text
    src = re.search(r'<audio[^>]* src="/__mock__(/ui/recordings/(\d+)\.mp3\?env=sandbox)"', page)
    assert src is not None
    mp3 = admin(api, "GET", src.group(1))
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    call_id = re.search(
        rf'data-call-id="([^"]+)"(?:(?!data-call-id).)*recordings/{src.group(2)}\.mp3', page, re.S
    )
    assert call_id is not None
    vendor = api.get("Calls", "getCallRecording", {"id": call_id.group(1)})
    assert vendor.status_code == 200 and vendor.content == mp3.content
    bad(admin(api, "GET", "/ui/recordings/999999.mp3"), "pk", 404)


def test_dashboard_login_exchanges_the_key_for_a_session_cookie(keyed: tuple[TestClient, TestClient]) -> None:
    _, lan = keyed
    first = lan.get("/__mock__/ui", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/__mock__/ui/login")
    login = lan.get("/__mock__/ui/login")
    field = html.fromstring(login.text).find(".//input[@name='csrf']")
    assert field is not None
    token = field.get("value")
    # the key in a URL is not accepted any more (it would land in logs and history)
    assert lan.get("/__mock__/ui?key=s3cret", follow_redirects=False).status_code == 303
    wrong = lan.post("/__mock__/session", data={"key": "nope", "csrf": token})
    assert wrong.status_code == 401 and "not the server's admin key" in wrong.text
    assert lan.post("/__mock__/session", data={"key": "s3cret"}).status_code == 403  # no CSRF token
    done = lan.post("/__mock__/session", data={"key": "s3cret", "csrf": token}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/__mock__/ui")
    cookie = done.headers["set-cookie"]
    assert "s3cret" not in cookie
    assert "Path=/__mock__" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" in cookie
    assert lan.get("/__mock__/ui/journal").status_code == 200  # the session cookie opens the dashboard
    assert lan.get("/__mock__/clock").status_code == 200  # and the JSON API
    assert lan.delete("/__mock__/session").status_code == 200
    lan.cookies.delete("mock_iovox_session", path="/__mock__")
    assert lan.get("/__mock__/clock").status_code == 401


def test_a_forged_or_expired_session_opens_nothing(keyed: tuple[TestClient, TestClient]) -> None:
    from mock_iovox.admin import guard

    _, lan = keyed
    made = lan.post("/__mock__/session", json={"key": "s3cret"})
    assert made.status_code == 200 and made.json() == {"session": "open", "expires_in": guard.SESSION_SECONDS}
    token = lan.cookies.get("mock_iovox_session")
    assert token and guard.valid_session("s3cret", token)
    expiry, nonce, mac = token.split(".")
    assert not guard.valid_session("other-key", token)
    assert not guard.valid_session("s3cret", f"{int(expiry) + 1}.{nonce}.{mac}")
    assert not guard.valid_session("s3cret", token, now=int(expiry) + 1)
    lan.cookies.clear()
    lan.cookies.set("mock_iovox_session", f"{int(expiry) + 9}.{nonce}.{mac}", path="/__mock__")
    assert lan.get("/__mock__/clock").status_code == 401


# -- PostgreSQL ------------------------------------------------------------------------------------


def test_control_plane_on_postgres(postgres_settings: Settings) -> None:
    pg = Api(postgres_settings)
    try:
        ok(admin(pg, "POST", "/snapshots", json={"name": "base"}), 201)
        assert pg.post("Nodes", "createNodes", node_xml("pg-extra")).status_code == 201
        ok(admin(pg, "POST", "/snapshots/base/restore"))
        assert "pg-extra" not in node_ids(pg)
        # sequences follow the restored rows: new rows get fresh keys
        assert pg.post("Nodes", "createNodes", node_xml("pg-after")).status_code == 201
        exported = ok(admin(pg, "GET", "/state"))
        ok(admin(pg, "PUT", "/state", json=exported))
        assert pg.post("Nodes", "createNodes", node_xml("pg-third")).status_code == 201
        ok(admin(pg, "POST", "/faults", json={"action": "internal", "method": "getLinks", "times": 1}), 201)
        assert pg.get("Links", "getLinks").status_code == 500
        assert pg.get("Links", "getLinks").status_code == 200
        entries = ok(admin(pg, "GET", "/journal?method=getLinks"))["entries"]
        assert [e["status"] for e in entries] == [500, 200]
        ok(admin(pg, "POST", "/reset"))
        assert "pg-after" not in node_ids(pg)
        ok(admin(pg, "DELETE", "/snapshots/base"))
    finally:
        pg.close()


# -- calls ----------------------------------------------------------------------------------------


def test_place_a_call(api: Api) -> None:
    """POST /calls runs the engine through the link's flow; the CDR is in getCallData at once."""
    from tests.helpers.flows import call_rule, use_flow

    use_flow(api, call_rule("441632960900"), link="leeds-deli-web")  # the magic number that answers
    placed = ok(admin(api, "POST", "/calls", json={"link_id": "leeds-deli-web", "from": "447700900123"}), 201)
    assert placed["cdr"]["call_result"] == "ANSWERED" and placed["cdr"]["call_type"] == "DIRECT"
    assert placed["trace"] and placed["cdr"]["call_origin"] == "447700900123"
    rows = results(api.get("Calls", "getCallData", {"id": placed["call_id"], "sdt": "2026-12-01"}))
    assert [r["id"] for r in rows] == [placed["call_id"]] and rows[0]["call_result"] == "ANSWERED"
    # the fixture's link without rules: the vendor's outcome, no rule run
    bare = ok(admin(api, "POST", "/calls", json={"link_id": "westbourne-web", "digits": "1,2"}), 201)
    assert (bare["cdr"]["call_result"], bare["cdr"]["rule_result"]) == ("NO RULES SET", "")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"link_id": "nowhere"}, "link_id"),
        ({}, "link_id"),
        ({"link_id": "westbourne-web", "digits": [1]}, "digits"),
        ({"link_id": "westbourne-web", "api": "yes"}, "api"),
        ({"link_id": "westbourne-web", "dial": "1"}, "dial"),
    ],
)
def test_place_a_call_bad_input(api: Api, body: dict[str, Any], field: str) -> None:
    before = len(results(api.get("Calls", "getCallData", {"sdt": "2000-01-01", "limit": 20000})))
    bad(admin(api, "POST", "/calls", json=body), field)
    assert len(results(api.get("Calls", "getCallData", {"sdt": "2000-01-01", "limit": 20000}))) == before
