"""The README's "Use it from…" recipes tell the truth about the image: the CI service snippets parse,
name real settings, the image's port, CA path and health check; the GitLab steps (health, the CA
fetched from /__mock__/ca.crt, getNodes verified against it) work on the real server; the
Testcontainers snippets for Java, Node and Go use the image's own health check command."""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from mock_iovox.db.engine import open_databases
from mock_iovox.server.app import create_app
from mock_iovox.settings import PROJECT_ROOT, Settings
from mock_iovox.testcontainers import fixture_credentials
from tests.helpers import php_query
from tests.server import start, stop

README = (PROJECT_ROOT / "README.md").read_text()
SECTION = README.split("## Use it from…", 1)[1].split("\n## ", 1)[0]
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
SETTINGS = {f"MOCK_IOVOX_{f.name.upper()}" for f in fields(Settings)}


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", SECTION, re.S | re.M)


def image_port() -> str:
    found = re.search(r"^EXPOSE (\d+)$", DOCKERFILE, re.M)
    assert found is not None
    return found[1]


def image_ca() -> str:
    found = re.search(r"MOCK_IOVOX_CERTS_DIR=(\S+)", DOCKERFILE)
    assert found is not None
    return f"{found[1]}/ca.crt"


def image_health() -> list[str]:
    found = re.search(r"^HEALTHCHECK .* CMD (\[.*\])$", DOCKERFILE, re.M)
    assert found is not None
    return list(json.loads(found[1]))


def sandbox_curl(text: str) -> tuple[str, str]:
    found = re.search(r"-H 'username: (\w+)'\s+\\?\s*-H 'secureKey: (\w+)'", text)
    assert found is not None, text
    return found[1], found[2]


def test_github_actions_service_container() -> None:
    github = yaml.safe_load(blocks("yaml")[0])
    (job,) = github["jobs"].values()
    service = job["services"]["iovox"]
    ((published, container),) = [p.split(":") for p in service["ports"]]
    assert container == image_port()
    assert set(service["env"]) <= SETTINGS
    assert re.findall(r"--health-(\w+(?:-\w+)?)", service["options"]) == [
        "interval",
        "timeout",
        "retries",
        "start-period",
    ]
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert f'"${{{{ job.services.iovox.id }}}}:{image_ca()}"' in runs
    assert f"https://localhost:{published}/Nodes?v=3&method=getNodes" in runs
    assert sandbox_curl(runs) == fixture_credentials("sandbox")


def test_gitlab_ci_service_declares_real_settings() -> None:
    gitlab = yaml.safe_load(blocks("yaml")[1])
    (job,) = gitlab.values()
    (service,) = job["services"]
    assert set(service["variables"]) <= SETTINGS
    assert service["variables"]["MOCK_IOVOX_CERT_NAMES"] == service["alias"]  # https://iovox works
    script = "\n".join(job["script"])
    assert f"https://{service['alias']}:{image_port()}/__mock__/health" in script
    assert f"https://{service['alias']}:{image_port()}/__mock__/ca.crt -o iovox-ca.crt" in script
    assert sandbox_curl(script) == fixture_credentials("sandbox")


def test_gitlab_steps_on_the_real_server(tmp_path: Path) -> None:
    """What the GitLab job does: wait for health, fetch the CA without verification, then verify."""
    server = start(tmp_path, extra=("--admin-key", "ci-admin-key"))
    try:
        with httpx.Client(base_url=server.url, verify=False) as unverified:  # curl -k
            assert unverified.get("/__mock__/health").status_code == 200
            fetched = unverified.get("/__mock__/ca.crt")
        assert fetched.headers["content-type"] == "application/x-pem-file"
        assert fetched.content == (server.certs / "ca.crt").read_bytes()
        (tmp_path / "iovox-ca.crt").write_bytes(fetched.content)
        verified = ssl.create_default_context(cafile=str(tmp_path / "iovox-ca.crt"))
        username, key = fixture_credentials("sandbox")
        with httpx.Client(base_url=server.url, verify=verified) as client:
            nodes = client.get(
                f"/Nodes?{php_query('getNodes')}", headers={"username": username, "secureKey": key}
            )
        assert nodes.status_code == 200 and "<node_id>westbourne</node_id>" in nodes.text
    finally:
        stop(server)


@pytest.fixture
def from_the_bridge(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """A keyed server as a CI service sees it (a non-loopback caller), and an --insecure one."""
    made: list[tuple[TestClient, Any]] = []
    for overrides in ({"admin_key": "ci-admin-key"}, {"insecure": True}):
        these = settings.with_overrides(**overrides)
        dbs = open_databases(these)
        made.append((TestClient(create_app(these, dbs), client=("172.17.0.5", 1)), dbs))
    from mock_iovox.server import certs

    certs.ensure(settings.certs_dir)
    yield made[0][0], made[1][0]
    for _, dbs in made:
        for db in dbs.values():
            db.dispose()


def test_health_and_ca_are_open_the_rest_needs_the_key(
    from_the_bridge: tuple[TestClient, TestClient],
) -> None:
    keyed, insecure = from_the_bridge
    assert keyed.get("/__mock__/health").status_code == 200
    ca = keyed.get("/__mock__/ca.crt")
    assert ca.status_code == 200 and ca.text.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" not in ca.text
    assert keyed.get("/__mock__/clock").status_code == 401
    assert keyed.get("/__mock__/clock", headers={"X-Mock-Admin-Key": "ci-admin-key"}).status_code == 200
    refused = insecure.get("/__mock__/ca.crt")
    assert refused.status_code == 404 and "--insecure" in refused.json()["error"]


@pytest.mark.parametrize("language", ["java", "js", "go"])
def test_testcontainers_snippets_use_the_image_health_check(language: str) -> None:
    (snippet,) = blocks(language)
    assert f'"{image_ca()}"' in snippet
    assert re.search(rf"\b{image_port()}\b", snippet)
    assert "MOCK_IOVOX_ADMIN_KEY" in snippet
    assert re.search(r"Wait\.forHealthcheck\(\)|Wait\.forHealthCheck\(\)|wait\.ForHealthCheck\(\)", snippet)
    if language == "js":  # Node's health config needs the test: it must be the image's own
        found = re.search(r"test: (\[.*?\])", snippet)
        assert found is not None and json.loads(found[1]) == ["CMD", *image_health()]
    else:  # no test given: Docker keeps the image's (as IovoxContainer does, tests/test_testcontainers.py)
        assert "withTest" not in snippet and "Test:" not in snippet


def test_each_recipe_names_the_command_that_checks_it() -> None:
    for command in (
        "scripts/install-test",
        "MOCK_IOVOX_TEST_IMAGE=mock-iovox:test pytest tests/test_testcontainers.py",
        "pytest tests/test_packaging.py -k compose",
        "pytest tests/test_recipes.py",
        "scripts/node-recipe-test",
    ):
        assert command in SECTION
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    (commands,) = re.findall(r"^```sh\n(.*?)^```", quick, re.S | re.M)[:1]
    assert [line.split()[0] for line in commands.strip().splitlines()] == ["scripts/serve", "scripts/test"]
