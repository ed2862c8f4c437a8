"""The control plane over real TLS with two workers sharing the databases, and its CLI twin
(`mock-iovox admin …`) against that server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mock_iovox.cli import main
from tests.helpers import PHP_HEADERS, assert_errors, node_xml, php_query
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e
KEY = "e2e-admin-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("admin-e2e"), extra=("--workers", "2", "--admin-key", KEY))
    yield srv
    stop(srv)


def control(server: Server, verb: str, path: str, **kw: Any) -> httpx.Response:
    # a new connection per call, so that both workers answer
    with server.client() as c:
        return c.request(verb, f"/__mock__{path}", headers={"X-Mock-Admin-Key": KEY}, **kw)


def vendor(server: Server, method: str, **kw: Any) -> httpx.Response:
    with server.client() as c:
        return c.get(f"/Nodes?{php_query(method)}", headers={**PHP_HEADERS, **kw.pop("headers", {})}, **kw)


def cli(server: Server, *args: str) -> Any:
    common = ["admin", "--url", server.url, "--ca-file", str(server.certs / "ca.crt"), "--admin-key", KEY]
    result = CliRunner().invoke(main, [*common, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_wrong_key_is_401_json(server: Server) -> None:
    with server.client() as c:
        resp = c.get("/__mock__/clock", headers={"X-Mock-Admin-Key": "nope"})
    assert resp.status_code == 401 and resp.headers["content-type"] == "application/json"


def test_clock_is_shared_by_both_workers(server: Server) -> None:
    assert (
        control(server, "PUT", "/clock", json={"now": "2027-05-05T05:05:05", "frozen": True}).status_code
        == 200
    )
    assert {control(server, "GET", "/clock").json()["now"] for _ in range(8)} == {"2027-05-05T05:05:05"}


def test_counted_fault_fires_exactly_n_times_across_workers(server: Server) -> None:
    control(server, "DELETE", "/journal")
    rule = control(
        server, "POST", "/faults", json={"action": "internal", "method": "getNodes", "times": 3}
    ).json()
    statuses = [vendor(server, "getNodes").status_code for _ in range(10)]
    assert sorted(statuses) == [200] * 7 + [500] * 3
    assert statuses[:3] == [500] * 3
    journal = control(server, "GET", "/journal?method=getNodes").json()["entries"]
    assert [e["status"] for e in journal] == statuses
    assert {e["fault_id"] for e in journal[:3]} == {rule["id"]}
    control(server, "DELETE", "/faults")


def test_snapshot_restore_seen_by_every_worker(server: Server) -> None:
    assert control(server, "POST", "/snapshots", json={"name": "e2e"}).status_code == 201
    with server.client() as c:
        made = c.post(
            f"/Nodes?{php_query('createNodes')}", content=node_xml("e2e-node").encode(), headers=PHP_HEADERS
        )
    assert made.status_code == 201
    assert control(server, "POST", "/snapshots/e2e/restore").status_code == 200
    for _ in range(6):
        body = vendor(server, "getNodes").text
        assert "westbourne" in body and "e2e-node" not in body


def test_user_created_by_the_control_plane_authenticates_everywhere(server: Server) -> None:
    made = control(
        server,
        "POST",
        "/users",
        json={"account": "Demo Estates", "username": "e2e-user", "secure_key": "e2e-key"},
    )
    assert made.status_code == 201, made.text
    creds = {"username": "e2e-user", "secureKey": "e2e-key"}
    assert {vendor(server, "getNodes", headers=creds).status_code for _ in range(6)} == {200}
    control(server, "PATCH", "/users/e2e-user", json={"allowed_ips": ["192.0.2.0/24"]})
    assert_errors(vendor(server, "getNodes", headers=creds), 401, ["HTTP 401: Unauthorized"])


def test_drop_fault_closes_the_tls_connection(server: Server) -> None:
    control(server, "POST", "/faults", json={"action": "drop", "times": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        vendor(server, "getNodes")
    assert vendor(server, "getNodes").status_code == 200
    control(server, "DELETE", "/faults")


# -- the CLI twin ----------------------------------------------------------------------------------


def test_cli_clock(server: Server) -> None:
    assert cli(server, "clock", "set", "2027-06-01T10:00:00", "--frozen")["now"] == "2027-06-01T10:00:00"
    assert cli(server, "clock", "advance", "2h")["now"] == "2027-06-01T12:00:00"
    assert cli(server, "clock", "show")["frozen"] is True
    assert cli(server, "clock", "resume")["frozen"] is False
    assert cli(server, "clock", "freeze")["frozen"] is True
    assert cli(server, "clock", "real")["offset_seconds"] == 0


def test_cli_state(server: Server, tmp_path: Any) -> None:
    assert cli(server, "snapshot", "save", "cli")["name"] == "cli"
    assert "cli" in {s["name"] for s in cli(server, "snapshot", "list")}
    out = tmp_path / "state.json"
    cli(server, "snapshot", "export", "cli", "-o", str(out))
    assert cli(server, "snapshot", "import", str(out), "--save", "cli-copy")["imported"] > 0
    assert cli(server, "snapshot", "restore", "cli-copy")["restored"] == "cli-copy"
    db_file = tmp_path / "state.sqlite3"
    cli(server, "snapshot", "export", "--sqlite", "-o", str(db_file))
    assert cli(server, "snapshot", "import", str(db_file))["imported"] > 0
    assert cli(server, "snapshot", "delete", "cli-copy")["deleted"] == "cli-copy"
    assert cli(server, "reset")["env"] == "sandbox"


def test_cli_users_journal_faults_outbox(server: Server) -> None:
    made = cli(
        server,
        "users",
        "add",
        "cli-user",
        "--account",
        "Demo Estates",
        "--secure-key",
        "k",
        "--allow",
        "10.0.0.0/8",
    )
    assert made["allowed_ips"] == ["10.0.0.0/8"]
    assert cli(server, "users", "update", "cli-user", "--secure-key", "k2")["secure_key"] == "k2"
    assert "cli-user" in {u["username"] for u in cli(server, "users", "list")}
    assert cli(server, "users", "delete", "cli-user") == {"deleted": "cli-user"}
    rule = cli(
        server, "faults", "add", "error", "--method", "getLinks", "--status", "503", "--message", "Down"
    )
    assert [f["id"] for f in cli(server, "faults", "list")] == [rule["id"]]
    assert cli(server, "faults", "delete", str(rule["id"])) == {"deleted": 1}
    assert cli(server, "faults", "clear") == {"deleted": 0}
    cli(server, "journal", "--clear")
    vendor(server, "getNodes")
    assert [e["method"] for e in cli(server, "journal", "--method", "getNodes")] == ["Nodes.getNodes"]
    assert cli(server, "outbox") == []
    assert cli(server, "seed", "--calls", "5", "--days", "1", "--anchor", "2026-01-05")["written"] == 5
    placed = cli(server, "call", "--link", "westbourne-web", "--from", "447700900123")  # no rules
    assert placed["cdr"]["call_result"] == "NO RULES SET" and placed["call_id"] == placed["cdr"]["call_id"]


def test_cli_reports_refusals_in_one_line(server: Server) -> None:
    common = ["admin", "--url", server.url, "--ca-file", str(server.certs / "ca.crt"), "--admin-key", "wrong"]
    result = CliRunner().invoke(main, [*common, "clock", "show"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: 401: admin key wrong")
