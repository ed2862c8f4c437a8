"""Logs and answers that behave behind Docker (issue 21): the banner in JSON mode, a faulted request's
whole line (who, from where, the fault's id and message), a drop fault in one line without a
traceback, browser noise answered 204 and never journaled, control-plane requests logged, and a
dashboard 401 that says how to give the admin key. Real server over TLS, and the app in process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mock_iovox.db.engine import open_databases
from mock_iovox.server.app import create_app
from mock_iovox.settings import Settings
from tests.helpers import SANDBOX_KEY, SANDBOX_USER, php_query
from tests.server import Server, start, stop

USER = {"username": SANDBOX_USER, "secureKey": SANDBOX_KEY}
NODES = f"/Nodes?{php_query('getNodes')}"
LINKS = f"/Links?{php_query('getLinks')}"


def add_fault(client: httpx.Client, **rule: Any) -> int:
    answer = client.post("/__mock__/faults", params={"env": "sandbox"}, json=rule)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def faulted_run(tmp: Path, log_format: str) -> tuple[Server, dict[str, int], list[str]]:
    """A server (debug level) that answers a fault, drops a connection, and gets browser noise."""
    server = start(tmp, extra=("--log-level", "debug", "--log-format", log_format, "--env", "sandbox"))
    ids: dict[str, int] = {}
    try:
        with server.client() as c:
            ids["error"] = add_fault(
                c, action="error", method="getNodes", status=503, message="Service Unavailable", times=1
            )
            ids["drop"] = add_fault(c, action="drop", method="getLinks", times=1)
            assert c.get(NODES, headers=USER).status_code == 503
            with pytest.raises(httpx.TransportError):
                c.get(LINKS, headers=USER)
            noise = [c.get(path) for path in ("/favicon.ico", "/robots.txt", "/apple-touch-icon.png")]
            assert [(r.status_code, r.content) for r in noise] == [(204, b"")] * 3
            journal = c.get("/__mock__/journal", params={"env": "sandbox"}).json()["entries"]
            assert [e["path"] for e in journal] == ["/Nodes", "/Links"]  # no noise journaled
    finally:
        stop(server)
    return server, ids, server.log.read_text().splitlines()


def test_json_mode_is_json_throughout(tmp_path: Path) -> None:
    server, ids, lines = faulted_run(tmp_path, "json")
    objects = [json.loads(line) for line in lines if line.strip()]  # every line, the banner too
    banner = objects[0]
    assert banner["message"] == f"mock-iovox 0.1.0: https://127.0.0.1:{server.port}/"
    assert f"trust this CA in clients: {tmp_path / 'certs' / 'ca.crt'}" in banner["banner"]
    requests = {o["method"]: o for o in objects if "method" in o}
    fault = requests["Nodes.getNodes"]
    assert {k: fault[k] for k in ("level", "env", "user", "ip", "status", "errors", "fault_id")} == {
        "level": "error",
        "env": "sandbox",
        "user": SANDBOX_USER,
        "ip": "127.0.0.1",
        "status": 503,
        "errors": ["Service Unavailable"],
        "fault_id": ids["error"],
    }
    assert fault["fault_action"] == "error"
    drop = requests["Links.getLinks"]
    assert (drop["level"], drop["status"], drop["fault_id"], drop["fault_action"]) == (
        "warning",
        0,
        ids["drop"],
        "drop",
    )
    assert not [o for o in objects if "traceback" in o or "Exception" in str(o.get("message"))]
    assert not [o for o in objects if "favicon" in json.dumps(o)]
    control = [(o["verb"], o["path"], o["status"], o["level"]) for o in objects if "verb" in o]
    assert ("POST", "/__mock__/faults", 201, "info") in control
    assert ("GET", "/__mock__/journal", 200, "debug") in control
    assert all(isinstance(o["ms"], float) for o in objects if "verb" in o)


def test_text_mode_a_drop_is_one_line(tmp_path: Path) -> None:
    _, ids, lines = faulted_run(tmp_path, "text")
    assert not [line for line in lines if "Traceback" in line or "Exception in ASGI" in line]
    (drop,) = [line for line in lines if "Links.getLinks" in line]
    assert re.search(rf" WARNING sandbox {SANDBOX_USER} 127\.0\.0\.1 Links\.getLinks - [\d.]+ms ", drop)
    assert f"fault={ids['drop']}:drop" in drop and "reason=" in drop
    (fault,) = [line for line in lines if "Nodes.getNodes" in line]
    assert re.search(rf" ERROR sandbox {SANDBOX_USER} 127\.0\.0\.1 Nodes\.getNodes 503 [\d.]+ms ", fault)
    assert f"fault={ids['error']}:error" in fault and 'errors="Service Unavailable"' in fault
    assert [line for line in lines if " POST /__mock__/faults 201 " in line]


@pytest.fixture
def dashboards(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """From a LAN address (as Docker's port mapping makes every caller): with and without a key."""
    made = []
    for key in ("s3cret", ""):
        keyed = settings.with_overrides(admin_key=key)
        dbs = open_databases(keyed)
        made.append((TestClient(create_app(keyed, dbs), client=("172.17.0.1", 1)), dbs))
    yield made[0][0], made[1][0]
    for _, dbs in made:
        for db in dbs.values():
            db.dispose()


def test_dashboard_401_says_how_to_give_the_key(dashboards: tuple[TestClient, TestClient]) -> None:
    keyed, keyless = dashboards
    # with a key configured, a browser is sent to the sign-in form (the key never goes in a URL)
    page = keyed.get("/__mock__/ui", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/__mock__/ui/login")
    assert keyed.get("/__mock__/ui?key=s3cret", follow_redirects=False).status_code == 303
    login = keyed.get("/__mock__/ui/login")
    assert login.status_code == 200 and login.headers["content-type"].startswith("text/html")
    # without one, from Docker's bridge: a page saying how to set one and sign in
    refused = keyless.get("/__mock__/ui/journal")
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("text/html")
    assert "came from 172.17.0.1" in refused.text and "MOCK_IOVOX_ADMIN_KEY" in refused.text
    assert "/__mock__/ui/login" in refused.text
    # the JSON API keeps its JSON refusal
    assert keyed.get("/__mock__/clock").json()["error"].startswith("admin key missing")
