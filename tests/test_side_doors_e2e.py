"""Issue 25 over the real server (uvicorn, TLS, two workers): the doors beside the vendor API.

Each test replays an attack of the audit and asserts what it gets now: purchase callbacks and
httpRequest rules under the outbound policy (never the mock's own listeners, never while the
database is held, one deadline), cross-site requests to the control plane, imports that would brick
an environment, unbounded bodies, SQLite uploads that run queries, and unbounded flows and sounds.
The listeners the mock sends to are the test's own (tests/outbound_listeners.py).
"""

from __future__ import annotations

import base64
import itertools
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from mock_iovox.admin.client import Control
from mock_iovox.calls import httpsend
from mock_iovox.outbound import REFUSED
from mock_iovox.settings import DEFAULT_FIXTURE, Settings
from tests.helpers import OTHER, PHP_HEADERS, Api, assert_errors, node_xml, php_query, results
from tests.helpers.flows import CALLER, use_flow
from tests.helpers.numbering import php, purchase_item
from tests.outbound_listeners import dripping, listening, redirecting, silent
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e
JSON = {"content-type": "application/json"}
EVIL = {"origin": "https://evil.example"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
CALL_FORM = "link_id=westbourne-web&from=447700900123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("side-doors"), extra=("--workers", "2"))
    yield srv
    stop(srv)


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    client = Api(
        Settings(data_dir=server.data, fixture=DEFAULT_FIXTURE, certs_dir=server.certs), remote=server
    )
    yield client
    client.close()


@pytest.fixture(scope="module")
def control(server: Server) -> Iterator[Control]:
    client = Control(server.url, ca_file=server.certs / "ca.crt")
    yield client
    client.close()


def has_node(api: Api, node_id: str) -> bool:
    resp = api.get("Nodes", "getNodes", {"node_id": node_id})
    assert resp.status_code == 200, resp.text
    return [r["node_id"] for r in results(resp)] == [node_id]


def timed(fn: Any, *args: Any, **kw: Any) -> tuple[Any, float]:
    started = time.monotonic()
    out = fn(*args, **kw)
    return out, time.monotonic() - started


# --- item 1: a purchase callback_url pointing at the mock itself ---------------------------------


def _deliveries(control: Control, url: str, seconds: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for order in control.outbox():
            if order["url"] == url and order["deliveries"]:
                return list(order["deliveries"])
        time.sleep(0.1)
    raise AssertionError(f"no delivery to {url}")


def test_item1_a_purchase_callback_cannot_reach_the_control_plane(
    server: Server, api: Api, control: Control
) -> None:
    assert api.post("Nodes", "createNodes", node_xml("kept-by-restuser")).status_code == 201
    own = [
        f"https://localhost:{server.port}/__mock__/reset",
        f"http://127.0.0.1:{server.port}/__mock__/reset",
        f"https://sandbox.localhost:{server.port}/__mock__/reset",
        f"http://[::1]:{server.http_port}/__mock__/reset",
    ]
    with listening(redirecting(own[0])) as hop:
        for url in [*own, hop.url()]:
            resp, took = timed(
                php, api, "POST", "Purchase", "purchaseVoxNumbers",
                {"callback_url": url, "items": {"item": [purchase_item()]}}, headers=OTHER,
            )  # fmt: skip
            assert resp.status_code == 201, resp.text
            assert took < 2
        for url in own:
            first = _deliveries(control, url)[0]
            assert (first["attempt"], first["status_code"], first["error"]) == (1, None, REFUSED)
        hopped = _deliveries(control, hop.url())[0]
        assert (hopped["status_code"], hopped["error"]) == (302, "HTTP 302 (redirect not followed)")
        assert hop.connections >= 1
    time.sleep(1)  # a retry of a refused callback would come after 1 s: there is none
    for url in own:
        assert len(_deliveries(control, url)) == 1
    assert has_node(api, "kept-by-restuser")  # nothing was reset


# --- item 2: cross-site requests --------------------------------------------------------------


def test_item2_a_web_page_cannot_drive_the_control_plane(server: Server, control: Control) -> None:
    user = {
        "account": "Demo Estates",
        "username": "Intruder",
        "secure_key": "k",
        "allowed_ips": ["0.0.0.0/0"],
    }
    clock = control.clock()
    with server.client() as c:
        attacks = [
            ("/users", json.dumps(user), {**EVIL, "content-type": "text/plain"}),
            ("/users", json.dumps(user), {"content-type": "text/plain"}),  # no Origin: still simple
            ("/users", json.dumps(user), {**EVIL, **JSON}),  # preflighted, and foreign anyway
            ("/clock/advance", '{"seconds": 86400}', {**EVIL, "content-type": "text/plain"}),
            ("/reset", "", {"sec-fetch-site": "cross-site"}),
            ("/reset", "", {"origin": "null", "x-requested-with": "x"}),
            ("/ui/call", CALL_FORM, {**EVIL, **FORM}),
            ("/ui/call", CALL_FORM, FORM),  # no CSRF token
        ]  # fmt: skip
        for path, body, headers in attacks:
            resp, took = timed(c.post, f"/__mock__{path}", content=body, headers=headers)
            assert resp.status_code == 403, (path, headers, resp.text)
            assert resp.headers["content-type"] == "application/json" and took < 2
        # the same origin's own page and the client still work
        page = c.get("/__mock__/ui")
        field = html.fromstring(page.text).find(".//input[@name='csrf']")
        assert field is not None
        token = field.get("value")
        form = f"csrf={token}&link_id=westbourne-web&from=447700900123"
        origin = {"origin": server.url, "content-type": "application/x-www-form-urlencoded"}
        placed = c.post("/__mock__/ui/call", content=form, headers=origin)  # redirected to the call's page
        assert placed.status_code == 303 and placed.headers["location"].startswith("/__mock__/ui/calls/")
    assert "Intruder" not in {u["username"] for u in control.users()}
    assert abs(control.clock()["offset_seconds"] - clock["offset_seconds"]) < 3600
    made = control.create_user(**{**user, "username": "ByTheClient", "allowed_ips": ["127.0.0.1/32"]})
    assert made["username"] == "ByTheClient"
    control.delete_user("ByTheClient")


# --- item 3: httpRequest rules ----------------------------------------------------------------


_WRITES = itertools.count()


class Writer(threading.Thread):
    """Another account's createNodes, again and again while a call runs: how long each took."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server, self.stop = server, threading.Event()
        self.times: list[float] = []

    def run(self) -> None:
        with self.server.client() as c:
            while not self.stop.is_set():
                body = node_xml(f"writer-{next(_WRITES)}")
                url = f"/Nodes?{php_query('createNodes')}"
                resp, took = timed(c.post, url, content=body.encode(), headers={**PHP_HEADERS, **OTHER})
                assert resp.status_code == 201, resp.text
                self.times.append(took)


def _call_while_writing(server: Server, control: Control) -> tuple[dict[str, Any], float, list[float]]:
    writer = Writer(server)
    writer.start()
    time.sleep(0.3)
    try:
        placed, took = timed(control.place_call, "westbourne-web", **{"from": CALLER, "seed": 1})
    finally:
        writer.stop.set()
        writer.join(10)
    return placed, took, writer.times


def _outcomes(trace: list[str], url: str) -> list[str]:
    return [line.split(f"{url}: ", 1)[1] for line in trace if f"{url}: " in line]


def test_item3_a_dripping_listener_holds_neither_the_call_nor_the_database(
    server: Server, api: Api, control: Control
) -> None:
    with listening(dripping) as drip:
        use_flow(api, f'<httpRequest id="slow" label="Slow" url="{drip.url()}" method="GET"/>', name="Drip")
        placed, took, writes = _call_while_writing(server, control)
    assert _outcomes(placed["trace"], drip.url()) == [
        f"error: no answer within {httpsend.REQUEST_SECONDS:.1f} s"
    ]
    assert 1.5 < took < 4.5  # the request's whole deadline, not 1,000 bytes at 0.5 s each
    assert len(writes) >= 3 and max(writes) < 1.5, writes  # the write lock was free meanwhile


def test_item3_silent_listeners_cost_one_call_deadline(server: Server, api: Api, control: Control) -> None:
    with listening(silent) as dead:
        rules = "".join(
            f'<httpRequest id="h{i}" label="H" url="{dead.url()}" method="GET"/>' for i in range(64)
        )
        use_flow(api, rules, name="Silent64")
        placed, took, writes = _call_while_writing(server, control)
    outcomes = _outcomes(placed["trace"], dead.url())
    assert len(outcomes) == 64
    assert outcomes[:2] == [f"error: no answer within {httpsend.REQUEST_SECONDS:.1f} s"] * 2
    assert outcomes.count(httpsend.SPENT) >= 60
    assert took < httpsend.CALL_SECONDS + 2.5  # was 128 s, holding the write lock throughout
    assert max(writes) < 1.5, writes


def test_item3_a_flow_cannot_reach_the_mock_or_tell_its_ports(
    server: Server, api: Api, control: Control
) -> None:
    assert api.post("Nodes", "createNodes", node_xml("kept-by-flow")).status_code == 201
    targets = [
        f"https://localhost:{server.port}/__mock__/reset",
        f"http://127.0.0.1:{server.port}/__mock__/reset",
        f"http://[::1]:{server.http_port}/__mock__/reset",
        f"http://anything.localhost:{server.port}/__mock__/reset",
    ]
    with listening(redirecting(targets[0])) as hop:
        rules = "".join(
            f'<httpRequest id="r{i}" label="R" url="{url}" method="POST"/>'
            for i, url in enumerate([*targets, hop.url()])
        )
        use_flow(api, rules, name="Inward")
        placed = control.place_call("westbourne-web", **{"from": CALLER})
    for url in targets:
        assert _outcomes(placed["trace"], url) == [REFUSED]
    assert _outcomes(placed["trace"], hop.url()) == ["HTTP 302 (redirect not followed)"]
    assert has_node(api, "kept-by-flow")


def test_item3_a_vendor_initiate_call_answers_before_its_requests_go_out(api: Api, control: Control) -> None:
    with listening(silent) as dead:
        use_flow(api, f'<httpRequest id="late" label="Late" url="{dead.url()}" method="GET"/>', name="Late")
        body = "<request><link_id>westbourne-web</link_id><call_variables><call_destination>447700900123</call_destination></call_variables></request>"  # noqa: E501
        resp, took = timed(api.post, "Calling", "initiateCall", body)
        assert resp.status_code == 201, resp.text
        assert took < 1.5
        time.sleep(httpsend.REQUEST_SECONDS + 1)
    with api.dbs["sandbox"].reading() as s:
        from mock_iovox.calls import outbox

        sent = [m for m in outbox.outbox_messages(s, kind=outbox.HTTP) if m["to"] == dead.url()]
    assert [m["status"] for m in sent] == [f"error: no answer within {httpsend.REQUEST_SECONDS:.1f} s"]


# --- items 4 to 7: imports -----------------------------------------------------------------------


def test_item4_an_import_with_a_broken_clock_is_refused_and_nothing_breaks(
    api: Api, control: Control
) -> None:
    exported = control.export()
    exported["tables"]["mock_meta"]["rows"].append(["clock", "garbage{"])
    resp = api.client.put("/__mock__/state?env=sandbox", json=exported)
    assert resp.status_code == 400 and resp.headers["content-type"] == "application/json"
    assert resp.json()["field"].startswith("tables.mock_meta.rows[")
    assert api.get("Nodes", "getNodes").status_code == 200
    assert control.clock()["now"]


def test_item5_wrong_types_are_400_json_naming_the_field(api: Api, control: Control) -> None:
    exported = control.export()
    nodes = exported["tables"]["nodes"]
    nodes["rows"][0][nodes["columns"].index("node_name")] = ["a", "list"]
    resp = api.client.put("/__mock__/state?env=sandbox", json=exported)
    assert (resp.status_code, resp.headers["content-type"]) == (400, "application/json")
    assert resp.json()["field"] == "tables.nodes.rows[0].node_name"


def test_item6_a_huge_body_is_refused_before_it_is_read(server: Server) -> None:
    import http.client

    conn = http.client.HTTPSConnection("localhost", server.port, context=server.context(), timeout=10)
    try:
        started = time.monotonic()
        conn.putrequest("PUT", "/__mock__/state?env=sandbox")
        conn.putheader("content-type", "application/json")
        conn.putheader("content-length", str(400 * 1024 * 1024))
        conn.endheaders()
        conn.send(b"{" * 65536)
        resp = conn.getresponse()
        body = json.loads(resp.read())
        assert resp.status == 413 and body["field"] == "body"
        assert time.monotonic() - started < 3
    finally:
        conn.close()
    # streamed without a length: cut at --max-body-bytes (20 MiB) while it arrives
    chunk = b"x" * (1024 * 1024)
    with server.client() as c:
        resp, took = timed(c.post, "/__mock__/users", content=iter([chunk] * 40), headers={**JSON})
    assert resp.status_code == 413 and took < 20


def _sqlite_upload(control: Control, tmp: Path, mutate: str) -> Path:
    path = tmp / "upload.sqlite3"
    path.write_bytes(control.export_sqlite())
    with sqlite3.connect(path) as db:
        db.executescript(mutate)
    return path


@pytest.mark.parametrize(
    ("mutate", "says"),
    [
        (
            "DROP TABLE nodes; CREATE VIEW nodes AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
            "SELECT i + 1 FROM n WHERE i < 30000000) SELECT i AS pk FROM n;",
            "has a view ('nodes')",
        ),
        ("CREATE TRIGGER t AFTER INSERT ON nodes BEGIN DELETE FROM nodes; END;", "has a trigger ('t')"),
        ("UPDATE nodes SET created_at = X'00ff' WHERE pk = (SELECT min(pk) FROM nodes);", "must be a time"),
    ],
)
def test_item7_a_sqlite_upload_runs_no_query_of_its_own(
    api: Api, control: Control, tmp_path: Path, mutate: str, says: str
) -> None:
    path = _sqlite_upload(control, tmp_path, mutate)
    resp, took = timed(
        api.client.put, "/__mock__/state?env=sandbox", content=path.read_bytes(),
        headers={"content-type": "application/vnd.sqlite3"},
    )  # fmt: skip
    assert resp.status_code == 400 and says in resp.json()["error"], resp.text
    assert took < 3  # the view's 30 million steps cost 11.5 s of CPU
    assert api.get("Nodes", "getNodes").status_code == 200


# --- item 9: --trusted-proxy without --admin-key ----------------------------------------------


def test_item9_trusted_proxy_without_an_admin_key_does_not_start(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mock_iovox", "serve", "--port", "1", "--trusted-proxy", "::1/128",
         "--data-dir", str(tmp_path / "d"), "--certs-dir", str(tmp_path / "c")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert "--trusted-proxy needs --admin-key" in run.stderr
    assert not (tmp_path / "d").exists()  # refused before anything was made


# --- item 10: bounds on flows and sound files ---------------------------------------------------


def test_item10_a_flow_of_ten_thousand_rules_is_refused(api: Api) -> None:
    call = '<call id="c{i}" label="Call" destinationPhoneNumber="?" destinationContactId="?" record="true" sendCallAlert="NONE"/>'  # noqa: E501
    body = '<request><callFlow name="Huge" notes="n">' + "".join(call.format(i=i) for i in range(10_000))
    body += "</callFlow></request>"
    resp, took = timed(api.post, "CallFlow", "createCallFlow", body)
    assert took < 10
    assert_errors(resp, 400, ["Too Many Rules: a CallFlow may have at most 250 rules"])
    big = (
        '<request><callFlow name="Big" notes="n"><httpRequest id="h" label="H" method="GET" url="http://127.0.0.1/'
        + "a" * 300_000
        + '"/></callFlow></request>'
    )
    assert_errors(
        api.post("CallFlow", "createCallFlow", big), 400, ["CallFlow too large: at most 262144 bytes"]
    )


def test_item10_a_wav_declaring_4_gb_is_refused(api: Api) -> None:
    from tests.helpers.soundfiles import WAV, php_item, php_request

    liar = WAV[:40] + (4 * 1024**3 - 1).to_bytes(4, "little") + WAV[44:]
    crowd = WAV[:22] + (65535).to_bytes(2, "little") + WAV[24:]
    body = php_request(
        php_item("Liar", base64.b64encode(liar).decode()), php_item("Crowd", base64.b64encode(crowd).decode())
    )
    resp = api.post("SoundFiles", "createSoundFiles", body)
    assert_errors(
        resp,
        400,
        ["Sound File 1 of 2 is not an MP3 or WAV file", "Sound File 2 of 2 is not an MP3 or WAV file"],
    )
