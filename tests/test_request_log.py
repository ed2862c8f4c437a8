"""Request logs: one line per vendor request, with the 401's reason that the wire never reveals,
captured in process and from the real server (text and JSON)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_iovox import errors
from mock_iovox.handlers import HANDLERS
from mock_iovox.server.reqlog import JsonFormatter, TextFormatter
from mock_iovox.settings import Settings
from tests.helpers import PRODUCTION_KEY, SANDBOX_KEY, SANDBOX_USER, Api, assert_errors, php_query
from tests.server import start, stop

UNAUTHORIZED = "HTTP 401: Unauthorized"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def lines() -> Iterator[list[logging.LogRecord]]:
    logger = logging.getLogger("mock_iovox.requests")
    capture, level = Capture(), logger.level
    logger.addHandler(capture)
    logger.setLevel(logging.DEBUG)
    yield capture.records
    logger.removeHandler(capture)
    logger.setLevel(level)


def requests_of(records: list[logging.LogRecord]) -> list[dict[str, Any]]:
    return [vars(r)["request"] for r in records if r.name == "mock_iovox.requests"]


def only(records: list[logging.LogRecord]) -> logging.LogRecord:
    found = [r for r in records if r.name == "mock_iovox.requests"]
    assert len(found) == 1, found
    return found[0]


def test_success_is_one_info_line_with_every_field(api: Api, lines: list[logging.LogRecord]) -> None:
    resp = api.get("Nodes", "getNodes")
    assert resp.status_code == 200
    record = only(lines)
    assert record.levelno == logging.INFO
    note = record.request  # type: ignore[attr-defined]
    assert {k: note[k] for k in ("env", "user", "ip", "method", "status")} == {
        "env": "sandbox",
        "user": SANDBOX_USER,
        "ip": "127.0.0.1",
        "method": "Nodes.getNodes",
        "status": 200,
    }
    assert isinstance(note["ms"], float) and note["ms"] >= 0
    assert "errors" not in note and "reason" not in note
    # at debug level (set by the `lines` fixture): the query and the answer's size
    assert (note["query"], note["bytes"]) == ("v=3&method=getNodes", len(resp.content))
    assert TextFormatter().format(record).endswith(f'query="v=3&method=getNodes" bytes="{len(resp.content)}"')


def test_info_level_lines_carry_no_debug_fields(api: Api, lines: list[logging.LogRecord]) -> None:
    logging.getLogger("mock_iovox.requests").setLevel(logging.INFO)
    api.get("Nodes", "getNodes")
    assert "query" not in only(lines).request  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "ip", "reason"),
    [
        ({"secureKey": "0" * 32}, "127.0.0.1", "wrong secureKey for 'RestUserName'"),
        ({"username": "Nobody"}, "127.0.0.1", "no user 'Nobody'"),
        (
            {},
            "203.0.113.9",
            "IP 203.0.113.9 is not in the allowed ranges of 'RestUserName' (10.0.0.0/8, 127.0.0.0/8, "
            "172.16.0.0/12, 192.168.0.0/16, ::1/128, fc00::/7)",
        ),
        (
            {"secureKey": PRODUCTION_KEY},
            "127.0.0.1",
            "wrong secureKey for 'RestUserName'; these are production credentials, "
            "but Host 'sandboxapi.iovox.com:444' selects sandbox",
        ),
    ],
    ids=["key", "user", "ip", "environment"],
)
def test_401_reason_is_logged_never_sent(
    settings: Settings, lines: list[logging.LogRecord], headers: dict[str, str], ip: str, reason: str
) -> None:
    client = Api(settings, ip=ip)
    try:
        resp = client.get("Nodes", "getNodes", headers=headers)
    finally:
        client.close()
    assert_errors(resp, 401, [UNAUTHORIZED])
    assert b"secureKey" not in resp.content and ip.encode() not in resp.content
    record = only(lines)
    assert record.levelno == logging.WARNING
    note = record.request  # type: ignore[attr-defined]
    assert (note["status"], note["errors"], note["reason"], note["ip"]) == (401, [UNAUTHORIZED], reason, ip)


def test_vendor_errors_are_logged_in_order(api: Api, lines: list[logging.LogRecord]) -> None:
    resp = api.request("GET", "/Nodes?method=getNodez&v=2")
    assert_errors(resp, 400, ["Method Invalid: getNodez in interface Nodes", "Invalid API Version"])
    note = only(lines).request  # type: ignore[attr-defined]
    assert (note["method"], note["errors"]) == (
        "Nodes.getNodez",
        ["Method Invalid: getNodez in interface Nodes", "Invalid API Version"],
    )


def test_fault_logs_the_same_fields_and_the_traceback(
    api: Api, lines: list[logging.LogRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_ctx: Any) -> None:
        raise ZeroDivisionError("deliberate")

    key = next(k for k in HANDLERS if k[1] == "getNodes")
    monkeypatch.setitem(HANDLERS, key, broken)
    resp = api.get("Nodes", "getNodes")
    assert_errors(resp, 500, [errors.INTERNAL])
    record = only(lines)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and isinstance(record.exc_info[1], ZeroDivisionError)
    note = record.request  # type: ignore[attr-defined]
    assert (note["env"], note["user"], note["method"], note["status"]) == (
        "sandbox",
        SANDBOX_USER,
        "Nodes.getNodes",
        500,
    )
    text = TextFormatter().format(record)
    assert " ERROR sandbox RestUserName 127.0.0.1 Nodes.getNodes 500 " in text.splitlines()[0]
    assert "ZeroDivisionError: deliberate" in text
    as_json = json.loads(JsonFormatter().format(record))
    assert as_json["status"] == 500 and "ZeroDivisionError: deliberate" in as_json["traceback"]


def test_text_line_format() -> None:
    record = logging.LogRecord("mock_iovox.requests", logging.WARNING, __file__, 1, "request", (), None)
    record.created = 1_800_000_000.25
    record.request = {
        "env": "production",
        "user": "Ann",
        "ip": "10.0.0.7",
        "method": "Links.getLinks",
        "status": 401,
        "ms": 2.345,
        "errors": [UNAUTHORIZED],
        "reason": "no user 'Ann'",
    }
    assert TextFormatter().format(record) == (
        "2027-01-15T08:00:00.250Z WARNING production Ann 10.0.0.7 Links.getLinks 401 2.3ms "
        'errors="HTTP 401: Unauthorized" reason="no user \'Ann\'"'
    )


LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<level>[A-Z]+) (?P<env>\S+) (?P<user>\S+) (?P<ip>\S+) "
    r"(?P<method>\S+) (?P<status>\d{3}) (?P<ms>[\d.]+)ms(?P<rest>.*)$"
)


def test_real_server_text_lines(tmp_path: Path) -> None:
    server = start(tmp_path, extra=("--log-level", "info", "--env", "sandbox"))
    try:
        with server.client() as c:
            ok = c.get(
                f"/Nodes?{php_query('getNodes')}",
                headers={"username": SANDBOX_USER, "secureKey": SANDBOX_KEY},
            )
            bad = c.get(
                f"/Nodes?{php_query('getNodes')}", headers={"username": SANDBOX_USER, "secureKey": "x"}
            )
        plain = httpx.get(f"http://127.0.0.1:{server.http_port}/Links?{php_query('getLinks')}")
    finally:
        stop(server)
    assert (ok.status_code, bad.status_code, plain.status_code) == (200, 401, 400)
    found = [m for m in map(LINE.match, server.log.read_text().splitlines()) if m]
    assert [(m["level"], m["env"], m["user"], m["ip"], m["method"], m["status"]) for m in found] == [
        ("INFO", "sandbox", SANDBOX_USER, "127.0.0.1", "Nodes.getNodes", "200"),
        ("WARNING", "sandbox", SANDBOX_USER, "127.0.0.1", "Nodes.getNodes", "401"),
        ("WARNING", "-", "-", "127.0.0.1", "Links.getLinks", "400"),  # the plain-HTTP listener
    ]
    assert found[2]["rest"] == ' errors="HTTPS Required"'
    assert found[1]["rest"].endswith(
        'errors="HTTP 401: Unauthorized" reason="wrong secureKey for \'RestUserName\'"'
    )
    assert "reason" not in bad.text


def test_real_server_json_lines(tmp_path: Path) -> None:
    server = start(tmp_path, extra=("--log-level", "info", "--log-format", "json"))
    try:
        with server.client() as c:
            c.get(
                f"/Nodes?{php_query('getNodes')}",
                headers={"username": SANDBOX_USER, "secureKey": PRODUCTION_KEY},
            )
    finally:
        stop(server)
    objects = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    assert objects, server.log.read_text()
    requests = [o for o in objects if "method" in o]
    assert len(requests) == 1
    line = requests[0]
    assert {k: line[k] for k in ("level", "env", "user", "ip", "method", "status", "errors")} == {
        "level": "warning",
        "env": "sandbox",
        "user": SANDBOX_USER,
        "ip": "127.0.0.1",
        "method": "Nodes.getNodes",
        "status": 401,
        "errors": [UNAUTHORIZED],
    }
    assert line["reason"] == (
        f"wrong secureKey for 'RestUserName'; these are production credentials, "
        f"but Host 'localhost:{server.port}' selects sandbox"
    )
    assert isinstance(line["ms"], float)
    # uvicorn's own lines use the same format
    assert any(o.get("logger", "").startswith("uvicorn") for o in objects)


def test_client_gone_before_its_body_is_one_line_and_no_answer(
    api: Api, lines: list[logging.LogRecord]
) -> None:
    """A client that hangs up before sending the body it announced: nothing is written or
    answered, and the log says so in one line (no traceback)."""
    import anyio

    from mock_iovox.server.app import create_app
    from tests.helpers import PHP_HEADERS

    app = create_app(api.settings, api.dbs)
    headers = [(k.lower().encode(), v.encode()) for k, v in PHP_HEADERS.items()]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/Nodes",
        "root_path": "",
        "query_string": b"v=3&method=createNodes",
        "headers": [(b"host", b"sandboxapi.iovox.com"), (b"content-length", b"100"), *headers],
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)  # type: ignore[arg-type]  # a plain dict scope
    assert sent == []
    record = only(lines)
    assert record.levelno == logging.WARNING and not record.exc_info
    note = record.request  # type: ignore[attr-defined]
    assert note["status"] == 499 and note["method"] == "Nodes.createNodes"
    assert "closed the connection" in note["reason"]
