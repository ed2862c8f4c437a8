"""Test fixtures: a fresh SQLite database per test (copied from a template loaded once), an
in-process client whose source IP can be chosen, and a real server over TLS for end-to-end tests."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_iovox.settings import DEFAULT_FIXTURE, Settings
from tests.helpers import Api, prepare_pinned
from tests.server import start, stop


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Databases with the default fixture loaded, made once per test session, with the mock's clock
    frozen at PINNED before the load (so the fixture's `anchor: today` is PINNED's day): the suite
    sees the same calls and the same "now" at any hour of any day."""
    path = tmp_path_factory.mktemp("template")
    prepare_pinned(Settings(data_dir=path, fixture=DEFAULT_FIXTURE))
    return path


@pytest.fixture
def settings(tmp_path: Path, template_dir: Path) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(template_dir, data)
    return Settings(
        data_dir=data, fixture=DEFAULT_FIXTURE, certs_dir=tmp_path / "certs", max_body_bytes=64 * 1024
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    client = Api(settings)
    yield client
    client.close()


POSTGRES_ENV = "MOCK_IOVOX_TEST_POSTGRES"
_pg_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """Base URL of a real PostgreSQL server (.ci/run starts one); skipped locally without one."""
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: .ci/run must start PostgreSQL")
        pytest.skip(f"no PostgreSQL server ({POSTGRES_ENV} unset)")
    return url.rstrip("/")


@pytest.fixture
def postgres_settings(postgres_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings on two fresh PostgreSQL databases (one per environment), fixture loaded with the
    clock frozen at PINNED."""
    import psycopg

    base = f"mock_iovox_t{os.getpid()}_{next(_pg_databases)}_"
    names = [base + env for env in ("sandbox", "production")]
    admin_url = postgres_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f"CREATE DATABASE {name}")
    settings = Settings(
        database_url=f"{postgres_url}/{base}{{env}}",
        fixture=DEFAULT_FIXTURE,
        certs_dir=tmp_path / "certs",
        max_body_bytes=64 * 1024,
    )
    prepare_pinned(settings)  # the same calls and "now" at any hour, as the SQLite databases
    try:
        yield settings
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["asgi", "https", "postgres"])
def scenario_api(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Iterator[Api]:
    """For scenario tests: in process, against `mock-iovox serve` over real TLS, and in process on a
    real PostgreSQL server."""
    if request.param in ("asgi", "postgres"):
        chosen = request.getfixturevalue("postgres_settings") if request.param == "postgres" else settings
        client = Api(chosen)
        yield client
        client.close()
        return
    server = start(tmp_path / "server", data_dir=settings.data_dir)
    client = Api(settings, remote=server)
    try:
        yield client
    finally:
        client.close()
        stop(server)


@pytest.fixture
def make_api(settings: Settings) -> Iterator[Any]:
    made: list[Api] = []

    def make(**kwargs: Any) -> Api:
        made.append(Api(settings, **kwargs))
        return made[-1]

    yield make
    for a in made:
        a.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`-m "not e2e"` is a real fast lane: a test is marked e2e when it may start a real server,
    that is when its module uses tests/server.py's launcher or it runs scenario_api over https
    (a marker set by hand would be forgotten)."""
    import tests.server

    for item in items:
        module = getattr(item, "module", None)
        launches = module is not None and any(
            getattr(module, name, None) is getattr(tests.server, name) for name in ("start", "Server")
        )
        callspec = getattr(item, "callspec", None)
        over_tls = callspec is not None and callspec.params.get("scenario_api") == "https"
        if launches or over_tls:
            item.add_marker(pytest.mark.e2e)
