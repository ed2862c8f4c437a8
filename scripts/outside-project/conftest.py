"""How long the plugin's server fixtures took to start, printed at the end of the run."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import pytest

STARTED: dict[str, float] = {}


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Generator[None, Any, Any]:
    began = time.perf_counter()
    try:
        return (yield)
    finally:
        if fixturedef.argname in ("iovox_server", "iovox_app"):
            STARTED[fixturedef.argname] = time.perf_counter() - began


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for name, seconds in STARTED.items():
        terminalreporter.write_line(f"fixture {name} started in {seconds:.2f}s")
