"""A Testcontainers module (testcontainers-python; `pip install mock-iovox[testcontainers]`):
`IovoxContainer` runs the project's Docker image for a test session, as LocalStack's and Moto's
modules do for theirs.

    with IovoxContainer("mock-iovox:latest") as iovox:
        with iovox.client() as api:                       # httpx, TLS trusted, credentials set
            assert api.get("/Nodes?v=3&method=getNodes").status_code == 200
        iovox.add_fault(action="error", method="getNodes", status=503, message="Service Unavailable")
        iovox.place_call("westbourne-web")

It waits on the image's own HEALTHCHECK (`mock-iovox health`, checked every second here), copies the
CA the server made out of the container (`ca_file`), gives the demo fixture's credentials and the
control plane (/__mock__) as methods through mock_iovox.admin.client. The admin key is made up per
container: behind Docker's port mapping a request comes from the bridge, never from loopback, so
the control plane needs it. Without access to an image registry, Testcontainers' reaper image
cannot be pulled: set TESTCONTAINERS_RYUK_DISABLED=true (the container is still removed on exit).
"""

from __future__ import annotations

import ipaddress
import secrets
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import Any, Self

import httpx
import yaml
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import HealthcheckWaitStrategy

from mock_iovox.admin.client import Control
from mock_iovox.settings import DEFAULT_FIXTURE

PORT = 444
CA_IN_CONTAINER = "/app/certs/ca.crt"
#: Host headers that choose each environment (the server picks it per request by Host)
HOSTS = {"sandbox": "sandboxapi.iovox.com", "production": "api.iovox.com"}
_SECOND_NS = 1_000_000_000


def fixture_credentials(env: str, fixture: Path = DEFAULT_FIXTURE) -> tuple[str, str]:
    """(username, secureKey) of the first API user the fixture declares in `env`."""
    accounts = yaml.safe_load(fixture.read_text())["environments"][env]["accounts"]
    user = next(u for account in accounts for u in account.get("users") or [])
    return str(user["username"]), str(user["secure_key"])


def _gateway(ipam: dict[str, str]) -> str:
    """A Docker network's gateway: as configured, or (older daemons leave it out) the subnet's first
    address, which Docker gives its bridge."""
    return ipam.get("Gateway") or str(next(ipaddress.ip_network(ipam["Subnet"], strict=False).hosts()))


class IovoxContainer(DockerContainer):
    """mock-iovox in a container: HTTPS on 444 mapped to a free host port."""

    def __init__(
        self,
        image: str = "mock-iovox:latest",
        *,
        admin_key: str | None = None,
        default_env: str = "sandbox",
        cert_names: tuple[str, ...] = (),
        health_interval: float = 1.0,
        startup_timeout: float = 90,
        **kwargs: Any,
    ) -> None:
        super().__init__(image, **kwargs)
        self.admin_key = admin_key or secrets.token_hex(16)
        self.with_exposed_ports(PORT)
        self.with_env("MOCK_IOVOX_ADMIN_KEY", self.admin_key)
        self.with_env("MOCK_IOVOX_DEFAULT_ENV", default_env)
        self._cert_names = cert_names
        # the image's own test (no "test" key: Docker keeps it), checked more often than its 10 s
        self.with_kwargs(
            healthcheck={
                "interval": int(health_interval * _SECOND_NS),
                "timeout": 5 * _SECOND_NS,
                "start_period": int(startup_timeout * _SECOND_NS),
                "retries": 3,
            }
        )
        self.waiting_for(HealthcheckWaitStrategy().with_startup_timeout(int(startup_timeout)))
        self._folder = Path(tempfile.mkdtemp(prefix="mock-iovox-tc-"))
        self._control: Control | None = None

    def _configure(self) -> None:
        """The names clients reach it by go into its certificate, made at its first start: the
        Docker host's name, and the gateway of Docker's bridge, which is the way in when the tests
        themselves run in a container (Testcontainers' gateway mode)."""
        names = {*self._cert_names, self.get_docker_client().host()}
        try:
            bridge = self.get_docker_client().client.networks.get("bridge")
            names.update(_gateway(c) for c in bridge.attrs["IPAM"]["Config"] or [] if c.get("Subnet"))
        except Exception:  # no default bridge (another network driver): the host's name only
            pass
        self.with_env("MOCK_IOVOX_CERT_NAMES", ",".join(sorted(names)))

    def start(self) -> Self:
        super().start()
        self.copy_from_container(CA_IN_CONTAINER, self.ca_file)
        return self

    def stop(self, force: bool = True, delete_volume: bool = True) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        super().stop(force=force, delete_volume=delete_volume)
        shutil.rmtree(self._folder, ignore_errors=True)

    # -- where it is ---------------------------------------------------------------------------------
    @property
    def ca_file(self) -> Path:
        """The server's CA, copied out of the container at start: trust it in clients."""
        return self._folder / "ca.crt"

    @property
    def base_url(self) -> str:
        host = self.get_container_host_ip()
        return f"https://{host}:{self.get_exposed_port(PORT)}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def credentials(self, env: str = "sandbox") -> tuple[str, str]:
        """(username, secureKey) of the demo fixture's first API user in `env`."""
        return fixture_credentials(env)

    def headers(self, env: str = "sandbox") -> dict[str, str]:
        username, key = self.credentials(env)
        return {"username": username, "secureKey": key, "Host": HOSTS[env]}

    def client(self, env: str = "sandbox") -> httpx.Client:
        """An httpx client for the vendor API of `env` (close it, or use it in `with`). Its Host
        header names the environment, which picks it only on a container made with
        default_env="production" (the server's rule: a Host starting "sandbox" is the sandbox, any
        other the default environment)."""
        return httpx.Client(
            base_url=self.base_url, verify=self.ssl_context(), headers=self.headers(env), timeout=30
        )

    # -- the control plane ---------------------------------------------------------------------------
    def control(self, env: str = "sandbox") -> Control:
        """The /__mock__ client for `env` (mock_iovox.admin.client.Control), admin key set."""
        if self._control is None:
            self._control = Control(self.base_url, ca_file=self.ca_file, admin_key=self.admin_key)
        return self._control.for_env(env)

    def reset(self, env: str = "sandbox") -> dict[str, Any]:
        """Back to the fixture (every table emptied and loaded again)."""
        return self.control(env).reset()

    def save_snapshot(self, name: str, env: str = "sandbox") -> dict[str, Any]:
        return self.control(env).save(name)

    def restore_snapshot(self, name: str, env: str = "sandbox") -> dict[str, Any]:
        return self.control(env).restore(name)

    def set_clock(self, at: str, frozen: bool = True, env: str = "sandbox") -> dict[str, Any]:
        return self.control(env).set_clock(now=at, frozen=frozen)

    def freeze_clock(self, at: str | None = None, env: str = "sandbox") -> dict[str, Any]:
        return self.control(env).set_clock(now=at, frozen=True)

    def advance_clock(self, seconds: float, env: str = "sandbox") -> dict[str, Any]:
        return self.control(env).advance(seconds)

    def now(self, env: str = "sandbox") -> str:
        return str(self.control(env).clock()["now"])

    def place_call(self, link_id: str, env: str = "sandbox", **options: Any) -> dict[str, Any]:
        """A simulated call through the link's flow (`from`, `digits`, `api`, `variables`, `seed`);
        its CDR is in getCallData at once."""
        return self.control(env).place_call(link_id, **options)

    def journal(self, env: str = "sandbox", **filters: Any) -> list[dict[str, Any]]:
        """The vendor requests the server received, newest first (filters: method, user, status…)."""
        return self.control(env).journal(**filters)

    def add_fault(self, env: str = "sandbox", **rule: Any) -> dict[str, Any]:
        """A fault rule (action latency/error/internal/malformed/drop; see docs/control-plane.md)."""
        return self.control(env).add_fault(**rule)

    def faults(self, env: str = "sandbox") -> list[dict[str, Any]]:
        return self.control(env).faults()

    def clear_faults(self, env: str = "sandbox") -> int:
        return self.control(env).delete_fault()

    def outbox(self, env: str = "sandbox") -> list[dict[str, Any]]:
        """Messages the call flows sent (SMS, e-mail alerts, HTTP requests)."""
        return self.control(env).outbox()


__all__ = ["IovoxContainer", "fixture_credentials"]
