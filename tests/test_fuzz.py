"""A bounded property-based fuzz over the catalogue (issue 14): never a 5xx, always the vendor shape,
bounded time per request, no write from a request that got an error, the app still healthy.

FUZZ_EXAMPLES=5000 runs longer; bench/fuzz_long.py runs the same strategies over TLS.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_iovox.settings import DEFAULT_FIXTURE, Settings
from tests.fuzz import FuzzRequest, describe, hostile_bodies, requests, shape_problem
from tests.helpers import PHP_HEADERS, Api

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
#: generous for 2 shared cores; a quadratic path takes seconds to minutes
SLOWEST = 3.0
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


class Observed:
    def __init__(self, api: Api, path: Path) -> None:
        self.api = api
        self.watch = sqlite3.connect(path)

    def version(self) -> int:
        return int(self.watch.execute("PRAGMA data_version").fetchone()[0])

    def send(self, req: FuzzRequest) -> None:
        before = self.version()
        started = time.perf_counter()
        resp = self.api.client.request(req.verb, req.url, content=req.body, headers=req.headers)
        took = time.perf_counter() - started
        problem = shape_problem(
            req.verb, resp.status_code, resp.headers.get("content-type", ""), resp.content
        )
        assert problem is None, (problem, describe(req), resp.content[:500])
        assert took < SLOWEST, (took, describe(req))
        if resp.status_code >= 400:
            assert self.version() == before, ("an error answer wrote", describe(req))


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory, template_dir: Path) -> Iterator[Observed]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(template_dir, data)
    # no journal: its row per request is a write of the control plane, not of the vendor API
    api = Api(Settings(data_dir=data, fixture=DEFAULT_FIXTURE, max_body_bytes=1024 * 1024, journal_size=0))
    obs = Observed(api, data / "sandbox.sqlite3")
    yield obs
    assert api.client.get("/__mock__/health").status_code == 200
    assert api.get("Nodes", "getNodes").status_code == 200
    obs.watch.close()
    api.close()


@FUZZ
@given(req=requests(PHP_HEADERS))
def test_fuzz_catalogue(observed: Observed, req: FuzzRequest) -> None:
    observed.send(req)


@settings(FUZZ, max_examples=max(EXAMPLES // 5, 30))
@given(body=hostile_bodies, path=st.sampled_from(["createNodes", "createLinks", "updateContacts"]))
def test_fuzz_hostile_bodies(observed: Observed, body: bytes, path: str) -> None:
    interface = {"createNodes": "Nodes", "createLinks": "Links", "updateContacts": "Contacts"}[path]
    verb = "PUT" if path.startswith("update") else "POST"
    observed.send(FuzzRequest(verb, f"/{interface}", f"v=3&method={path}", body, dict(PHP_HEADERS)))


@pytest.fixture
def pg_api(postgres_settings: Settings) -> Iterator[Api]:
    client = Api(postgres_settings.with_overrides(max_body_bytes=1024 * 1024))
    yield client
    client.close()


def test_fuzz_catalogue_on_postgres(pg_api: Api) -> None:
    """PostgreSQL types its comparisons strictly: the same strategies, no 5xx, the vendor shape."""

    @settings(FUZZ, max_examples=max(EXAMPLES // 2, 50))
    @given(req=requests(PHP_HEADERS))
    def run(req: FuzzRequest) -> None:
        resp = pg_api.client.request(req.verb, req.url, content=req.body, headers=req.headers)
        problem = shape_problem(
            req.verb, resp.status_code, resp.headers.get("content-type", ""), resp.content
        )
        assert problem is None, (problem, describe(req), resp.content[:500])

    run()
