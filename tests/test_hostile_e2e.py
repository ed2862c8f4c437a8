"""Issue 14 over the real server (uvicorn, TLS): hostile input that only the HTTP layer sees."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import assert_errors, php_query
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e

#: two users of one account: one allowed only from 10/8, one only from loopback
FIXTURE = """
environments:
  sandbox:
    accounts:
      - name: Allowlist
        users:
          - {username: LanOnly, secure_key: aaaa1111aaaa1111aaaa1111aaaa1111, allowed_ips: ["10.0.0.0/8"]}
          - {username: LocalOnly, secure_key: bbbb2222bbbb2222bbbb2222bbbb2222, allowed_ips: ["127.0.0.1/32"]}
"""
LAN = {"username": "LanOnly", "secureKey": "aaaa1111aaaa1111aaaa1111aaaa1111"}
LOCAL = {"username": "LocalOnly", "secureKey": "bbbb2222bbbb2222bbbb2222bbbb2222"}
GET_NODES = "/Nodes?" + php_query("getNodes")


def _start(tmp: Path, *extra: str) -> Server:
    fixture = tmp / "allowlist.yaml"
    fixture.write_text(FIXTURE)
    return start(tmp, extra=("--env", "sandbox", "--fixture", str(fixture), *extra))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # two workers: the multi-process path of serve.run gets the same settings
    srv = _start(tmp_path_factory.mktemp("allow-plain"), "--workers", "2")
    yield srv
    stop(srv)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = _start(tmp_path_factory.mktemp("allow-proxy"), "--trusted-proxy", "127.0.0.1/32")
    yield srv
    stop(srv)


def test_forwarded_for_cannot_open_the_allowlist_without_a_trusted_proxy(plain: Server) -> None:
    with plain.client() as c:
        resp = c.get(GET_NODES, headers={**LAN, "X-Forwarded-For": "10.1.2.3"})
        assert_errors(resp, 401, ["HTTP 401: Unauthorized"])
        resp = c.get(GET_NODES, headers={**LAN, "Forwarded": "for=10.1.2.3", "X-Real-IP": "10.1.2.3"})
        assert_errors(resp, 401, ["HTTP 401: Unauthorized"])


def test_forwarded_for_cannot_lock_out_an_allowed_local_caller(plain: Server) -> None:
    with plain.client() as c:
        assert c.get(GET_NODES, headers={**LOCAL, "X-Forwarded-For": "8.8.8.8"}).status_code == 200


def test_trusted_proxy_forwarded_for_is_believed_both_ways(proxied: Server) -> None:
    with proxied.client() as c:
        assert c.get(GET_NODES, headers={**LAN, "X-Forwarded-For": "10.1.2.3"}).status_code == 200
        resp = c.get(GET_NODES, headers={**LOCAL, "X-Forwarded-For": "8.8.8.8"})
        assert_errors(resp, 401, ["HTTP 401: Unauthorized"])
        # without the header the peer (loopback) counts
        assert c.get(GET_NODES, headers=LOCAL).status_code == 200


def _raw(server: Server, verb: str, target: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """One request whose headers are sent and whose body (if announced) is not."""
    conn = http.client.HTTPSConnection("localhost", server.port, context=server.context(), timeout=10)
    try:
        conn.putrequest(verb, target, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.getheader("content-type") or "", resp.read()
    finally:
        conn.close()


def test_unauthenticated_body_is_answered_before_it_is_sent(plain: Server) -> None:
    # 19 MB announced, nothing sent: the 401 comes from the headers alone (issue 14 item 6)
    started = time.monotonic()
    status, ctype, body = _raw(
        plain,
        "POST",
        "/Nodes?" + php_query("createNodes"),
        {**LAN, "secureKey": "wrong", "Content-Length": str(19 * 1024 * 1024)},
    )
    assert time.monotonic() - started < 5
    assert (status, ctype.split(";")[0]) == (401, "application/xml")
    assert b"HTTP 401: Unauthorized" in body


@pytest.mark.parametrize("verb", ["TRACE", "PROPFIND", "CONNECT"])
def test_unusual_verbs_over_tls_get_the_vendor_shape(plain: Server, verb: str) -> None:
    status, ctype, body = _raw(plain, verb, GET_NODES, LOCAL)
    assert (status, ctype.split(";")[0]) == (400, "application/xml"), body
    assert f"Request Method must be GET. {verb} attempted".encode() in body
