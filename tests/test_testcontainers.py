"""mock_iovox.testcontainers against the real image (the one scripts/docker-test builds, named by
MOCK_IOVOX_TEST_IMAGE; .ci/run sets it after docker-test passed, and then these tests must run).
Skipped, saying why, only where no Docker daemon answers (or the image was never built here)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest

from mock_iovox.admin.client import Control, ControlError
from tests.helpers import node_xml, php_query

docker = pytest.importorskip("docker", reason="the [testcontainers] extra is not installed")
pytest.importorskip("testcontainers", reason="the [testcontainers] extra is not installed")

from mock_iovox.testcontainers import IovoxContainer, fixture_credentials  # noqa: E402

pytestmark = pytest.mark.e2e
IMAGE = os.environ.get("MOCK_IOVOX_TEST_IMAGE", "")
NODES = "/Nodes?v=3&method=getNodes"


def _why_not() -> str | None:
    """Why these tests cannot run here, or None."""
    if os.environ.get("MOCK_IOVOX_TEST_DOCKER_SKIP"):
        return f"no Docker here: {os.environ['MOCK_IOVOX_TEST_DOCKER_SKIP']}"
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        if IMAGE:  # .ci/run built the image with this daemon: it must answer
            raise
        return f"no Docker daemon answers ({type(exc).__name__}); .ci/run starts one"
    try:
        client.images.get(IMAGE or "mock-iovox:test")
    except docker.errors.ImageNotFound:
        if IMAGE:
            raise
        return "the image mock-iovox:test is not built here: scripts/docker-test builds it"
    finally:
        client.close()
    return None


@pytest.fixture(scope="module")
def iovox(request: pytest.FixtureRequest) -> Iterator[IovoxContainer]:
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    from testcontainers.core.config import testcontainers_config

    testcontainers_config.ryuk_disabled = True  # its image cannot be pulled without a registry
    container = IovoxContainer(IMAGE or "mock-iovox:test")
    began = time.monotonic()
    container.start()
    took = time.monotonic() - began
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"IovoxContainer: container start to healthy in {took:.1f}s")
    try:
        yield container
    finally:
        container.stop()


@pytest.fixture
def fresh(iovox: IovoxContainer) -> IovoxContainer:
    """The container back at the fixture, with no faults and an empty journal."""
    iovox.reset()
    iovox.clear_faults()
    iovox.control().clear_journal()
    return iovox


def test_it_waits_for_the_health_check_and_serves_over_tls(iovox: IovoxContainer) -> None:
    wrapped = iovox.get_wrapped_container()
    wrapped.reload()
    assert wrapped.attrs["State"]["Health"]["Status"] == "healthy"
    assert iovox.base_url.startswith("https://")
    assert iovox.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert iovox.credentials() == ("RestUserName", "eb94fd75a6a8c04306dd341953e7e922")
    with iovox.client() as api:
        answer = api.get(NODES)
    assert answer.status_code == 200 and "<node_id>westbourne</node_id>" in answer.text
    # the CA copied out is what makes TLS work: without it the certificate is refused
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=iovox.base_url) as untrusting:
        untrusting.get(NODES, headers=iovox.headers())


def test_production_needs_default_env_production(iovox: IovoxContainer) -> None:
    """Made with the default default_env (sandbox), every Host reaches the sandbox: production's
    key is refused there, as README's Quick start says of a plain `mock-iovox serve`."""
    assert iovox.credentials("production") == fixture_credentials("production")
    with iovox.client("production") as api:
        assert api.get(NODES).status_code == 401


def test_the_control_plane_needs_the_key_behind_port_mapping(iovox: IovoxContainer) -> None:
    keyless = Control(iovox.base_url, ca_file=iovox.ca_file)
    try:
        with pytest.raises(ControlError) as refused:
            keyless.journal()
    finally:
        keyless.close()
    assert refused.value.status == 401


def test_faults_and_the_journal(fresh: IovoxContainer) -> None:
    rule = fresh.add_fault(
        action="error", method="getNodes", status=503, message="Service Unavailable", times=1
    )
    assert [f["id"] for f in fresh.faults()] == [rule["id"]]
    with fresh.client() as api:
        assert api.get(NODES).status_code == 503
        assert api.get(NODES).status_code == 200
    assert [e["status"] for e in fresh.journal(method="getNodes")] == [503, 200]  # oldest first
    assert fresh.clear_faults() == 1 and fresh.faults() == []


def test_snapshots(fresh: IovoxContainer) -> None:
    fresh.save_snapshot("before")
    with fresh.client() as api:
        assert api.post(f"/Nodes?{php_query('createNodes')}", content=node_xml("scratch")).status_code == 201
        assert "<node_id>scratch</node_id>" in api.get(NODES).text
        fresh.restore_snapshot("before")
        assert "<node_id>scratch</node_id>" not in api.get(NODES).text


def test_the_clock(fresh: IovoxContainer) -> None:
    fresh.freeze_clock("2027-03-01T12:00:00")
    fresh.advance_clock(90)
    assert fresh.now() == "2027-03-01T12:01:30"
    fresh.set_clock("2027-04-01T08:00:00")
    assert fresh.now() == "2027-04-01T08:00:00"


def test_a_simulated_call_its_cdr_and_the_outbox(fresh: IovoxContainer) -> None:
    fresh.freeze_clock("2027-03-01T12:00:00")
    placed = fresh.place_call("westbourne-web", **{"from": "447700900123"})
    assert placed["cdr"]["call_origin"] == "447700900123"
    with fresh.client() as api:
        answer = api.get(
            "/Calls", params={"v": "3", "method": "getCallData", "id": placed["call_id"], "sdt": "2027-03-01"}
        )
    assert answer.status_code == 200 and f"<id>{placed['call_id']}</id>" in answer.text
    assert fresh.outbox() == []  # a flow without alerts sends nothing


def test_reset_goes_back_to_the_fixture(fresh: IovoxContainer) -> None:
    with fresh.client() as api:
        assert api.post(f"/Nodes?{php_query('createNodes')}", content=node_xml("gone")).status_code == 201
        fresh.reset()
        assert "<node_id>gone</node_id>" not in api.get(NODES).text
