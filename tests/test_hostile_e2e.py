"""Issue 14 over the real server (uvicorn, TLS): hostile input that only the HTTP layer sees."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import assert_errors, php_query, process_alive
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
    # behind a proxy the control plane needs a key (issue 25 item 9: the server refuses to start without)
    srv = _start(
        tmp_path_factory.mktemp("allow-proxy"), "--trusted-proxy", "127.0.0.1/32", "--admin-key", "proxy-key"
    )
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


# --- item 9: bounds on the request line, the headers and the time to send them ------------------


def _raw_bytes(server: Server, data: bytes, wait: float = 15) -> tuple[bytes, float]:
    """Send raw bytes over TLS; everything the server answers before it closes, and how long."""
    ctx = server.context()
    started = time.monotonic()
    chunks = []
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=wait) as sock,
        ctx.wrap_socket(sock, server_hostname="localhost") as tls,
    ):
        if data:
            tls.sendall(data)
        while True:
            try:
                chunk = tls.recv(65536)
            except (TimeoutError, ssl.SSLError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks), time.monotonic() - started


def _status_and_body(answer: bytes) -> tuple[int, bytes, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.lower(), body


def test_too_many_headers_is_a_vendor_431(plain: Server) -> None:
    lines = "".join(f"X-H{i}: v\r\n" for i in range(101))
    request = f"GET {GET_NODES} HTTP/1.1\r\nHost: localhost\r\n{lines}\r\n".encode()
    status, head, body = _status_and_body(_raw_bytes(plain, request)[0])
    assert status == 431 and b"content-type: application/xml" in head
    assert b"Request Header Fields Too Large: at most 100 headers, 65536 bytes in all" in body


def test_huge_header_value_is_a_vendor_431(plain: Server) -> None:
    request = f"GET {GET_NODES} HTTP/1.1\r\nHost: localhost\r\nX-Big: {'a' * 70_000}\r\n\r\n".encode()
    status, _, body = _status_and_body(_raw_bytes(plain, request)[0])
    assert status == 431 and b"<errors>" in body


def test_huge_request_target_is_a_vendor_414(plain: Server) -> None:
    request = f"GET {GET_NODES}&pad={'a' * 70_000} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    status, _, body = _status_and_body(_raw_bytes(plain, request)[0])
    assert status == 414 and b"Request URI Too Long: at most 65536 bytes" in body


def test_malformed_request_is_a_vendor_400(plain: Server) -> None:
    status, head, body = _status_and_body(_raw_bytes(plain, b"GET / HTTP/9\x00\r\n\r\n")[0])
    assert status == 400 and b"content-type: application/xml" in head
    assert b"Bad Request: the HTTP request could not be parsed" in body


def test_idle_and_slow_header_connections_are_closed(plain: Server) -> None:
    from mock_iovox.server.http_guard import HEADER_TIMEOUT

    # both at once: an idle connection and one whose headers never end
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda data: _raw_bytes(plain, data, wait=HEADER_TIMEOUT + 10),
                [b"", b"GET / HTTP/1.1\r\nHost: x\r\n"],
            )
        )
    for answer, took in answers:
        assert answer == b"" and took < HEADER_TIMEOUT + 5


# --- item 10: workers end with their master -----------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_workers_exit_when_the_master_is_killed(tmp_path: Path) -> None:
    srv = _start(tmp_path, "--workers", "2")
    workers = _children(srv.proc.pid)
    assert len(workers) >= 2
    srv.proc.kill()  # kill -9: no chance to stop its workers
    srv.proc.wait()
    deadline = time.monotonic() + 15
    while any(process_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(process_alive(p) for p in workers)
    again = start(tmp_path / "again", port=srv.port, extra=("--env", "sandbox"))  # the port is free
    stop(again)


def test_banner_credentials_come_from_the_fixture(plain: Server) -> None:
    out = plain.log.read_text()
    assert f"username LanOnly  secureKey {LAN['secureKey']}  (account " in out
    assert "RestUserName" not in out  # no hard-coded key
