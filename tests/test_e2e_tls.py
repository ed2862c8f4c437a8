"""End to end: the real `mock-iovox serve` process, real uvicorn, real TLS, real SQLite files."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from tests.helpers import (
    PHP_HEADERS,
    SANDBOX_KEY,
    SANDBOX_USER,
    assert_errors,
    php_query,
    results,
    ruby_query,
)
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("e2e"))
    yield srv
    stop(srv)


def test_startup_prints_url_ca_and_credentials(server: Server) -> None:
    out = server.log.read_text()
    assert f"https://127.0.0.1:{server.port}/" in out
    assert str(server.certs / "ca.crt") in out
    assert "RestUserName" in out and SANDBOX_KEY in out


def test_php_request_over_tls(server: Server) -> None:
    with server.client() as c:
        resp = c.get(f"/Nodes?{php_query('getNodes', {'node_id': 'westbourne'})}", headers=PHP_HEADERS)
    assert resp.status_code == 200
    assert {r["link_id"] for r in results(resp)} == {"westbourne-web", "westbourne-paper"}


def test_ruby_request_pinned_to_tls12_with_capitalised_headers(server: Server) -> None:
    ctx = server.context(minimum_version=ssl.TLSVersion.TLSv1_2, maximum_version=ssl.TLSVersion.TLSv1_2)
    conn = http.client.HTTPSConnection("localhost", server.port, context=ctx, timeout=10)
    conn.putrequest(
        "GET", "/Nodes?" + ruby_query("getNodes", {"node_id": "leeds-deli"}), skip_accept_encoding=True
    )
    conn.putheader("Username", SANDBOX_USER)
    conn.putheader("Securekey", SANDBOX_KEY)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    assert conn.sock is not None
    assert resp.status == 200, body
    assert resp.getheader("content-type") == "application/xml; charset=utf-8"
    assert b"<node_id>leeds-deli</node_id>" in body
    conn.close()


def test_tls13_works(server: Server) -> None:
    ctx = server.context(minimum_version=ssl.TLSVersion.TLSv1_3)
    with (
        socket.create_connection(("127.0.0.1", server.port)) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.version() == "TLSv1.3"


def test_certificate_names(server: Server) -> None:
    cert = x509.load_pem_x509_certificate((server.certs / "server.crt").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = set(san.get_values_for_type(x509.DNSName)) | {
        str(i) for i in san.get_values_for_type(x509.IPAddress)
    }
    assert {"localhost", "127.0.0.1", "::1", "api.iovox.com", "sandboxapi.iovox.com"} <= names
    assert not (server.certs / "server.key").stat().st_mode & 0o077


def test_sandbox_hostname_verifies(server: Server) -> None:
    # a client that maps sandboxapi.iovox.com to the mock (hosts file) verifies the certificate
    ctx = server.context()
    with (
        socket.create_connection(("127.0.0.1", server.port)) as raw,
        ctx.wrap_socket(raw, server_hostname="sandboxapi.iovox.com") as tls,
    ):
        assert tls.getpeercert() is not None


def test_errors_over_the_wire(server: Server) -> None:
    with server.client() as c:
        assert_errors(c.get("/Nodes?v=3&method=getNodes"), 400, ["Username Empty", "Secure Key Empty"])
        resp = c.get("/Nodes?v=3&method=getNodes", headers={"username": SANDBOX_USER, "secureKey": "nope"})
        assert_errors(resp, 401, ["HTTP 401: Unauthorized"])
        resp = c.post(
            "/Nodes?v=3&method=createNodes", content=b"<request><node></request>", headers=PHP_HEADERS
        )
        assert resp.status_code == 400 and resp.text.count("XML parse error.") == 1
        # the server keeps serving
        assert c.get("/Nodes?v=3&method=getNodes", headers=PHP_HEADERS).status_code == 200


def test_plain_http_port_says_https_required(server: Server) -> None:
    for verb in ("GET", "POST", "DELETE"):
        resp = httpx.request(
            verb, f"http://127.0.0.1:{server.http_port}/Nodes?v=3&method=getNodes", headers=PHP_HEADERS
        )
        assert_errors(resp, 400, ["HTTPS Required"])


def test_restart_keeps_data(tmp_path: Path) -> None:
    srv = start(tmp_path)
    body = "<request><node><node_id>kept</node_id><node_name>K</node_name><node_type>T</node_type></node>"
    body += "</request>"
    try:
        with srv.client() as c:
            assert (
                c.post(
                    "/Nodes?v=3&method=createNodes", content=body.encode(), headers=PHP_HEADERS
                ).status_code
                == 201
            )
    finally:
        stop(srv)
    ca_before = (tmp_path / "certs" / "ca.crt").read_bytes()
    srv = start(tmp_path)
    try:
        with srv.client() as c:
            resp = c.get("/Nodes?v=3&method=getNodes&node_id=kept", headers=PHP_HEADERS)
        assert [r["node_id"] for r in results(resp)] == ["kept"]
        assert (tmp_path / "certs" / "ca.crt").read_bytes() == ca_before
    finally:
        stop(srv)


def test_workers_share_state(tmp_path: Path) -> None:
    srv = start(tmp_path, extra=("--workers", "2"))
    try:
        body = (
            "<request><node><node_id>shared</node_id><node_name>S</node_name><node_type>T</node_type></node>"
        )
        body += "</request>"
        with srv.client() as c:
            assert (
                c.post(
                    "/Nodes?v=3&method=createNodes", content=body.encode(), headers=PHP_HEADERS
                ).status_code
                == 201
            )
        # fresh connections land on either worker; every one sees the node
        for _ in range(6):
            with srv.client() as c:
                resp = c.get("/Nodes?v=3&method=getNodes&node_id=shared", headers=PHP_HEADERS)
                assert [r["node_id"] for r in results(resp)] == ["shared"]
    finally:
        stop(srv)
