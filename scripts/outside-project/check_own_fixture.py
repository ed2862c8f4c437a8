"""Run on its own, with `--iovox-fixture own.yaml` (scripts/install-test writes it: the demo fixture
with another sandbox key): the server fixture loads the user's fixture, not the packaged one
(in process it is read the same way, by the same Settings field)."""

from __future__ import annotations

from mock_iovox.pytest_plugin import IovoxServer

OWN_KEY = "0123456789abcdef0123456789abcdef"
NODES = "/Nodes?v=3&method=getNodes"


def test_the_server_loads_my_fixture(iovox_server: IovoxServer) -> None:
    assert iovox_server.credentials("sandbox") == ("RestUserName", OWN_KEY)
    with iovox_server.client() as client:
        assert client.get(NODES).status_code == 200
