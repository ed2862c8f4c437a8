"""pytest plugin (entry point `pytest11`): a real mock-iovox for your tests.

Fixtures:

- `iovox_server` (session): `mock-iovox serve` over TLS on a free port with its own data folder and
  admin key; `base_url`, `ca_file`, `credentials(env)`, `client(env)` and `control` (the /__mock__
  client). A baseline snapshot of both environments is taken once it is up.
- `iovox` (function): restores the baseline and empties journal and faults before each test; offers
  `journal(...)`, `calls_made(method=...)`, `fault(...)`, `clock`, `client(env)`.
- `iovox_app` / `iovox_inprocess`: the same without sockets (the ASGI app in this process, through
  Starlette's TestClient, or `asgi_transport()` for an httpx.AsyncClient).

Options: `--iovox-fixture PATH` (a YAML fixture instead of the default one).
"""

from __future__ import annotations

import secrets
import shutil
import ssl
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_iovox.admin.client import Control
from mock_iovox.launcher import launch, stop_process

ENVIRONMENTS = ("sandbox", "production")
#: Host headers that choose each environment (the server picks it per request by Host)
HOSTS = {"sandbox": "sandboxapi.iovox.com", "production": "api.iovox.com"}
BASELINE = "pytest-baseline"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock-iovox")
    group.addoption("--iovox-fixture", default=None, help="YAML fixture for the mock-iovox fixtures.")


@dataclass
class IovoxServer:
    """A running mock-iovox (over TLS, or in process)."""

    base_url: str
    ca_file: Path | None
    data_dir: Path
    admin_key: str
    http: httpx.Client
    control: Control
    users: dict[str, tuple[str, str]] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    #: the ASGI app, in process only
    app: Any = None

    def credentials(self, env: str = "sandbox") -> tuple[str, str]:
        """(username, secureKey) of the fixture's first API user in `env`."""
        return self.users[env]

    def headers(self, env: str = "sandbox") -> dict[str, str]:
        username, key = self.credentials(env)
        return {"username": username, "secureKey": key, "Host": HOSTS[env]}

    def client(self, env: str = "sandbox") -> httpx.Client:
        """A client for the vendor API of `env`, credentials set (close it, or use it in `with`)."""
        if self.proc is None:  # in process: share the TestClient's transport
            return httpx.Client(
                base_url=self.base_url, transport=self.http._transport, headers=self.headers(env)
            )
        return httpx.Client(
            base_url=self.base_url, verify=self.ssl_context(), headers=self.headers(env), timeout=30
        )

    def asgi_transport(self) -> httpx.ASGITransport:
        """For an httpx.AsyncClient under test (in-process mode only)."""
        if self.app is None:
            raise RuntimeError("asgi_transport() needs the in-process server (iovox_app)")
        return httpx.ASGITransport(app=self.app, client=("127.0.0.1", 50000))

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts the server's own CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def env(self, name: str) -> Control:
        return self.control.for_env(name)

    def _learn_users(self, fixture: str | None) -> None:
        """The first user of each environment, key from the fixture (the server keeps only hashes)."""
        from mock_iovox.fakes.fixtures import declared_users
        from mock_iovox.settings import DEFAULT_FIXTURE

        for env in ENVIRONMENTS:
            users = declared_users(Path(fixture) if fixture else DEFAULT_FIXTURE, env)
            if users:
                self.users[env] = users[0]

    def baseline(self) -> None:
        for env in ENVIRONMENTS:
            self.env(env).save(BASELINE)

    def close(self) -> None:
        self.http.close()
        if self.proc is not None:
            stop_process(self.proc)


def start_server(folder: Path, fixture: str | None = None, extra: tuple[str, ...] = ()) -> IovoxServer:
    """`mock-iovox serve` in a subprocess (mock_iovox/launcher.py), waited for until it answers."""
    key = secrets.token_hex(16)
    args = (
        "--admin-key",
        key,
        # Host starting "sandbox" -> sandbox, any other -> production (client(env) sets Host)
        "--default-env",
        "production",
        *(("--fixture", fixture) if fixture else ()),
        *extra,
    )
    up = launch(folder, args, log=folder / "server.log")
    try:
        http = up.client()
        server = IovoxServer(
            up.url, up.ca_file, up.data, key, http, Control(client=http, admin_key=key), proc=up.proc
        )
        server._learn_users(fixture)
    except BaseException:
        stop_process(up.proc)
        raise
    return server


def start_in_process(folder: Path, fixture: str | None = None) -> IovoxServer:
    """The ASGI app in this process, reached through Starlette's TestClient (no sockets)."""
    with warnings.catch_warnings():  # Starlette would rather have httpx2; httpx is fine here
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from mock_iovox.db.engine import open_databases
    from mock_iovox.fakes.fixtures import prepare
    from mock_iovox.server.app import create_app
    from mock_iovox.settings import DEFAULT_FIXTURE, Settings

    settings = Settings(
        data_dir=folder / "data",
        fixture=Path(fixture) if fixture else DEFAULT_FIXTURE,
        default_env="production",
    )
    dbs = open_databases(settings)
    prepare(settings, dbs)
    app = create_app(settings, dbs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        http = TestClient(app, base_url="https://localhost:444", client=("127.0.0.1", 50000))
    server = IovoxServer(
        "https://localhost:444", None, folder / "data", "", http, Control(client=http), app=app
    )
    server._learn_users(fixture)
    return server


class Clock:
    def __init__(self, control: Control) -> None:
        self._control = control

    def now(self) -> str:
        return str(self._control.clock()["now"])

    def freeze(self, at: str | None = None) -> dict[str, Any]:
        return self._control.set_clock(now=at, frozen=True)

    def set(self, at: str, frozen: bool = True) -> dict[str, Any]:
        return self._control.set_clock(now=at, frozen=frozen)

    def advance(self, seconds: float) -> dict[str, Any]:
        return self._control.advance(seconds)


class Iovox:
    """Per-test helpers over a fresh (baseline) server state. `env` picks the environment the
    helpers act on (sandbox by default)."""

    def __init__(self, server: IovoxServer, env: str = "sandbox") -> None:
        self.server = server
        self.env = env
        self.control = server.env(env)
        self.clock = Clock(self.control)
        self._clients: list[httpx.Client] = []

    def reset(self) -> None:
        for env in ENVIRONMENTS:
            control = self.server.env(env)
            control.restore(BASELINE)
            control.clear_journal()
            control.delete_fault()

    def client(self, env: str | None = None) -> httpx.Client:
        made = self.server.client(env or self.env)
        self._clients.append(made)
        return made

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        return self.control.journal(**filters)

    def calls_made(self, method: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries of `method` (`getNodes` or `Nodes.getNodes`), oldest first."""
        return self.control.journal(method=method, limit=filters.pop("limit", 1000), **filters)

    def fault(self, action: str = "error", **rule: Any) -> dict[str, Any]:
        """Add a fault rule (see /__mock__/faults); cleared before the next test."""
        return self.control.add_fault(action=action, **rule)

    def close(self) -> None:
        for c in self._clients:
            c.close()


@pytest.fixture(scope="session")
def iovox_server(request: pytest.FixtureRequest) -> Iterator[IovoxServer]:
    folder = Path(tempfile.mkdtemp(prefix="mock-iovox-"))
    server = start_server(folder, request.config.getoption("--iovox-fixture"))
    try:
        server.baseline()
        yield server
    finally:
        server.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def iovox(iovox_server: IovoxServer) -> Iterator[Iovox]:
    helper = Iovox(iovox_server)
    helper.reset()
    yield helper
    helper.close()


@pytest.fixture(scope="session")
def iovox_app(request: pytest.FixtureRequest) -> Iterator[IovoxServer]:
    folder = Path(tempfile.mkdtemp(prefix="mock-iovox-asgi-"))
    server = start_in_process(folder, request.config.getoption("--iovox-fixture"))
    try:
        server.baseline()
        yield server
    finally:
        server.close()
        for db_file in folder.glob("data/*"):
            db_file.unlink(missing_ok=True)


@pytest.fixture
def iovox_inprocess(iovox_app: IovoxServer) -> Iterator[Iovox]:
    helper = Iovox(iovox_app)
    helper.reset()
    yield helper
    helper.close()
