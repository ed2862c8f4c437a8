"""Reproducible installs: every dependency pinned in constraints.txt, the pins installed, and the
Dockerfile's shape (dependencies before code, non-root, health check, build CA kept out)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from importlib.metadata import PackageNotFoundError, version

import yaml

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
