"""A user's tests against mock-iovox through its pytest plugin: every public fixture
(iovox_server, iovox, iovox_app, iovox_inprocess) and what each offers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mock_iovox.pytest_plugin import Iovox, IovoxServer

NODES = "/Nodes?v=3&method=getNodes"


def test_a_real_request_over_tls(iovox_server: IovoxServer) -> None:
    assert iovox_server.base_url.startswith("https://") and iovox_server.ca_file is not None
    assert iovox_server.credentials("sandbox") == ("RestUserName", "eb94fd75a6a8c04306dd341953e7e922")
    with iovox_server.client() as client:
        answer = client.get(NODES)
    assert answer.status_code == 200 and "<node_id>westbourne</node_id>" in answer.text


def test_the_journal(iovox: Iovox) -> None:
    iovox.client().get(NODES)
    (entry,) = iovox.calls_made(method="getNodes")
    assert (entry["method"], entry["status"], entry["user"]) == ("Nodes.getNodes", 200, "RestUserName")
    assert iovox.journal(method="getLinks") == []


def test_a_fault(iovox: Iovox) -> None:
    iovox.fault("error", method="getNodes", status=503, message="Service Unavailable", times=1)
    client = iovox.client()
    assert client.get(NODES).status_code == 503
    assert client.get(NODES).status_code == 200
    assert [e["status"] for e in iovox.calls_made(method="getNodes")] == [503, 200]


def test_the_fault_is_gone_in_the_next_test(iovox: Iovox) -> None:
    assert iovox.control.faults() == [] and iovox.client().get(NODES).status_code == 200


def test_the_clock(iovox: Iovox) -> None:
    iovox.clock.freeze("2027-03-01T12:00:00")
    iovox.clock.advance(90)
    assert iovox.clock.now() == "2027-03-01T12:01:30"


def test_a_simulated_call_and_its_cdr(iovox: Iovox) -> None:
    iovox.clock.freeze("2027-03-01T12:00:00")
    placed: dict[str, Any] = iovox.control.place_call("westbourne-web", **{"from": "447700900123"})
    assert placed["cdr"]["call_origin"] == "447700900123"
    answer = iovox.client().get(
        "/Calls", params={"v": "3", "method": "getCallData", "id": placed["call_id"], "sdt": "2027-03-01"}
    )
    assert answer.status_code == 200 and f"<id>{placed['call_id']}</id>" in answer.text


def test_in_process(iovox_inprocess: Iovox) -> None:
    assert iovox_inprocess.server.proc is None
    answer = iovox_inprocess.client().get(NODES)
    assert answer.status_code == 200 and "<node_id>westbourne</node_id>" in answer.text
    assert [e["method"] for e in iovox_inprocess.calls_made()] == ["Nodes.getNodes"]


def test_in_process_from_an_async_client(iovox_app: IovoxServer) -> None:
    async def go() -> int:
        async with httpx.AsyncClient(
            transport=iovox_app.asgi_transport(), base_url=iovox_app.base_url, headers=iovox_app.headers()
        ) as client:
            return (await client.get(NODES)).status_code

    assert asyncio.run(go()) == 200


@pytest.mark.parametrize("env", ["sandbox", "production"])
def test_both_environments(iovox_server: IovoxServer, env: str) -> None:
    with iovox_server.client(env) as client:
        assert client.get(NODES).status_code == 200
