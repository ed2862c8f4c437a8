"""The pytest plugin (mock_iovox/pytest_plugin.py), used as a project would use it: reset
isolation, journal assertions, a fault, the clock, over real TLS and in process."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mock_iovox.admin.client import ControlError
from mock_iovox.pytest_plugin import Iovox, IovoxServer
from tests.helpers import SANDBOX_KEY, SANDBOX_USER, assert_errors, node_xml, php_query, results

pytestmark = pytest.mark.e2e


def node_ids(client: httpx.Client) -> set[str]:
    return {r["node_id"] for r in results(client.get(f"/Nodes?{php_query('getNodes')}"))}


def test_server_gives_url_ca_and_credentials(iovox_server: IovoxServer) -> None:
    assert iovox_server.base_url.startswith("https://localhost:")
    assert iovox_server.ca_file is not None and iovox_server.ca_file.exists()
    assert iovox_server.credentials("sandbox") == (SANDBOX_USER, SANDBOX_KEY)
    assert iovox_server.credentials("production")[1] != SANDBOX_KEY
    with iovox_server.client("production") as prod:
        assert node_ids(prod) == {"hq"}


def test_control_plane_needs_the_admin_key(iovox_server: IovoxServer) -> None:
    resp = httpx.get(f"{iovox_server.base_url}/__mock__/clock", verify=iovox_server.ssl_context())
    assert resp.status_code == 401 and resp.json()["error"].startswith("admin key missing")


def test_a_test_changes_state(iovox: Iovox) -> None:
    client = iovox.client()
    assert (
        client.post(f"/Nodes?{php_query('createNodes')}", content=node_xml("scratch").encode()).status_code
        == 201
    )
    assert "scratch" in node_ids(client)


def test_the_next_test_starts_from_the_baseline(iovox: Iovox) -> None:
    assert "scratch" not in node_ids(iovox.client())


def test_journal_one_liner(iovox: Iovox) -> None:
    client = iovox.client()
    client.get(f"/Nodes?{php_query('getNodes', {'node_id': 'westbourne'})}")
    (call,) = iovox.calls_made(method="getNodes")
    assert "node_id=westbourne" in call["query"] and call["status"] == 200
    assert iovox.calls_made(method="getLinks") == []


def test_fault(iovox: Iovox) -> None:
    iovox.fault("error", method="getNodes", status=503, message="Service Unavailable", times=1)
    client = iovox.client()
    assert_errors(client.get(f"/Nodes?{php_query('getNodes')}"), 503, ["Service Unavailable"])
    assert client.get(f"/Nodes?{php_query('getNodes')}").status_code == 200
    assert [c["status"] for c in iovox.calls_made(method="Nodes.getNodes")] == [503, 200]


def test_drop_fault_over_tls(iovox: Iovox) -> None:
    iovox.fault("drop", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        iovox.client().get(f"/Nodes?{php_query('getNodes')}")


def test_faults_do_not_leak_between_tests(iovox: Iovox) -> None:
    assert iovox.control.faults() == []


def test_clock(iovox: Iovox) -> None:
    iovox.clock.set("2027-03-01T12:00:00")
    iovox.clock.advance(3600)
    assert iovox.clock.now() == "2027-03-01T13:00:00"


def test_clock_is_back_to_the_baseline(iovox: Iovox, iovox_server: IovoxServer) -> None:
    assert iovox.clock.now() != "2027-03-01T13:00:00"


def test_bad_fault_raises_naming_the_field(iovox: Iovox) -> None:
    with pytest.raises(ControlError) as info:
        iovox.fault("error", status=503)
    assert info.value.status == 400 and info.value.field == "message"


def test_in_process_mode(iovox_inprocess: Iovox) -> None:
    client = iovox_inprocess.client()
    assert (
        client.post(f"/Nodes?{php_query('createNodes')}", content=node_xml("inproc").encode()).status_code
        == 201
    )
    assert [c["method"] for c in iovox_inprocess.calls_made(method="createNodes")] == ["Nodes.createNodes"]


def test_in_process_mode_is_isolated_too(iovox_inprocess: Iovox) -> None:
    assert "inproc" not in node_ids(iovox_inprocess.client())


def test_in_process_async_transport(iovox_inprocess: Iovox) -> None:
    server = iovox_inprocess.server

    async def go() -> int:
        async with httpx.AsyncClient(
            transport=server.asgi_transport(), base_url=server.base_url, headers=server.headers()
        ) as client:
            return (await client.get(f"/Nodes?{php_query('getNodes')}")).status_code

    assert asyncio.run(go()) == 200
