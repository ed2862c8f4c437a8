"""Reproducible installs: every dependency pinned in constraints.txt, the pins installed, and the
Dockerfile's shape (dependencies before code, non-root, health check, build CA kept out)."""

from __future__ import annotations

import functools
import http.server
import os
import re
import ssl
import subprocess
import sys
import threading
import tomllib
from dataclasses import fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import certifi
import yaml

from mock_iovox.server import certs
from mock_iovox.settings import PROJECT_ROOT, Settings


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            assert pinned, line
            pins[canonical(name)] = pinned.strip()
    return pins


def declared() -> list[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs.extend(extra)
    return [canonical(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in specs]


def test_every_declared_dependency_is_pinned() -> None:
    pins = lock()
    names = declared()
    assert "cryptography" in names  # imported directly by mock_iovox.server.certs
    assert [n for n in names if n not in pins] == []


def test_the_pinned_versions_are_installed() -> None:
    wrong = {}
    for name, pinned in lock().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # e.g. a platform-specific pin
        if name not in ("pip", "setuptools") and installed != pinned:
            wrong[name] = (installed, pinned)
    assert wrong == {}, "run scripts/test (it reinstalls from constraints.txt)"


def test_dockerfile_installs_dependencies_before_code_and_runs_unprivileged() -> None:
    lines = [ln.strip() for ln in (PROJECT_ROOT / "Dockerfile").read_text().splitlines()]
    stages = [i for i, ln in enumerate(lines) if ln.startswith("FROM ")]
    final = lines[stages[-1] :]
    deps = lines[stages[-2] : stages[-1]]
    assert any("constraints.txt" in ln for ln in deps) and not any("mock_iovox" in ln for ln in deps)
    assert any(ln.startswith("COPY docker/build-ca/") for ln in deps)
    assert not any("build-ca" in ln or "PIP_CERT" in ln for ln in final)
    copy_venv = next(i for i, ln in enumerate(final) if ln.startswith("COPY --from=deps"))
    copy_code = next(i for i, ln in enumerate(final) if ln.startswith("COPY mock_iovox"))
    assert copy_venv < copy_code
    assert "USER mockiovox" in final
    assert any(ln.startswith("HEALTHCHECK") and '"mock-iovox", "health"' in ln for ln in final)


def test_compose_example_uses_the_image_volumes_and_real_settings() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker" / "compose.yaml").read_text())
    server = compose["services"]["mock-iovox"]
    assert server["build"]["context"] == ".."
    assert {v.split(":")[1] for v in server["volumes"]} == {"/app/data", "/app/certs"}
    known = {f"MOCK_IOVOX_{f.name.upper()}" for f in fields(Settings)}
    assert set(server["environment"]) <= known
    assert compose["services"]["client"]["depends_on"]["mock-iovox"]["condition"] == "service_healthy"


def test_image_build_behind_tls_inspection_fails_naming_the_fix(tmp_path: Path) -> None:
    """docker/pip-install, as the Dockerfile runs it, against an index whose certificate no system CA
    signed (what a TLS-inspecting proxy looks like to pip): the last line names docker/build-ca/."""
    paths, _ = certs.ensure(tmp_path / "certs")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(paths.server_cert), str(paths.server_key))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PIP_")},
            "PIP": str(Path(sys.executable).parent / "pip"),
            "PIP_RETRIES": "0",
            "PIP_CERT": certifi.where(),  # the public CAs only, as in the image's base
        }
        index = f"https://localhost:{server.server_address[1]}/simple/"
        done = subprocess.run(
            ["sh", str(PROJECT_ROOT / "docker" / "pip-install"), "--index-url", index, "no-such-package"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("mock-iovox build: pip could not verify the package index's TLS certificate")
    assert "docker/build-ca/" in last and "scripts/docker-test" in last
