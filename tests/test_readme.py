"""The README tells the truth: its credentials are the fixture's, it documents every option, the
health endpoint and the variables, points to pages a user's clone has, and its host names work."""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterator

import click
import pytest
import yaml

from mock_iovox.cli import main
from mock_iovox.settings import DEFAULT_FIXTURE, PROJECT_ROOT
from tests.helpers import PRODUCTION_KEY, SANDBOX_KEY, SANDBOX_USER, php_query
from tests.server import Server, start, stop

README = (PROJECT_ROOT / "README.md").read_text()


def test_credentials_table_is_the_fixture() -> None:
    rows = re.findall(r"^\| (sandbox|production) \| `(\w+)` \| `(\w+)` \| ([^|]+) \|$", README, re.M)
    fixture = yaml.safe_load(DEFAULT_FIXTURE.read_text())["environments"]
    expected = [
        (env, user["username"], user["secure_key"], account["name"])
        for env in ("sandbox", "production")
        for account in fixture[env]["accounts"]
        for user in account["users"]
    ]
    assert [(e, u, k, a.strip()) for e, u, k, a in rows] == expected


def test_every_serve_option_and_setting_is_documented() -> None:
    serve = main.commands["serve"]
    flags = [p.opts[0] for p in serve.params if isinstance(p, click.Option) and p.opts[0] != "--help"]
    assert [f for f in flags if f"`{f}`" not in README] == []
    for word in ("/__mock__/health", "MOCK_IOVOX_RECORDING_CAP_SECONDS", "mock-iovox health", "scripts/lock"):
        assert word in README


def test_links_point_inside_the_repository() -> None:
    for page in (README, (PROJECT_ROOT / "docs" / "protocol.md").read_text()):
        assert "../shared" not in page
        for target in re.findall(r"\]\(([^)#]+)\)", page):
            if not target.startswith("http"):
                base = PROJECT_ROOT if page is README else PROJECT_ROOT / "docs"
                assert (base / target).exists(), target


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("readme"), extra=("--default-env", "production"))
    yield srv
    stop(srv)


def get_nodes_as(server: Server, host: str, key: str) -> int:
    """getNodes over TLS to 127.0.0.1, with `host` as the TLS name and the Host header."""
    ctx = ssl.create_default_context(cafile=str(server.certs / "ca.crt"))
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname=host) as tls,
    ):
        request = (
            f"GET /Nodes?{php_query('getNodes')} HTTP/1.1\r\nHost: {host}\r\nusername: {SANDBOX_USER}\r\n"
            f"secureKey: {key}\r\nConnection: close\r\n\r\n"
        )
        tls.sendall(request.encode())
        head = tls.recv(64).decode()
    return int(head.split()[1])


def test_sandbox_localhost_and_localhost_reach_each_environment(server: Server) -> None:
    assert get_nodes_as(server, "sandbox.localhost", SANDBOX_KEY) == 200
    assert get_nodes_as(server, "sandbox.localhost", PRODUCTION_KEY) == 401
    assert get_nodes_as(server, "localhost", PRODUCTION_KEY) == 200
    assert get_nodes_as(server, "localhost", SANDBOX_KEY) == 401


def test_docs_page_exists_for_users() -> None:
    page = (PROJECT_ROOT / "docs" / "protocol.md").read_text()
    for fact in ("HTTP 401: Unauthorized", "sandbox.localhost", "TLS 1.2", "<errors><error status="):
        assert fact in page
