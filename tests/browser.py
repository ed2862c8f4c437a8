"""Playwright for Python driving Debian's Chromium (`executable_path`: nothing downloads a
browser) against a real TLS server from tests/server.py, signed in through the login form as a
person would. Screenshots go to tests/artifacts/ (gitignored).

Under CI (`CI` set) a missing Chromium or Playwright fails the test; elsewhere it skips."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mock_iovox.settings import Settings
from tests.server import Server, start, stop

ARTIFACTS = Path(__file__).parent / "artifacts"
ADMIN_KEY = "portal-demo-key-0123456789"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what}: .ci/run must install it")
    pytest.skip(what)


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    _missing("no Chromium installed (Debian: apt-get install chromium)")
    raise AssertionError  # unreachable: fail and skip raise


@dataclass
class Portal:
    server: Server
    page: Any

    def url(self, path: str) -> str:
        return f"{self.server.url}/__mock__{path}"

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"portal-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def portal(settings: Settings, tmp_path: Path) -> Iterator[Portal]:
    """A signed-in browser page on a real server (the pinned fixture's data, an admin key)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("no playwright (pip install -e '.[dev]')")
    executable = chromium()
    server = start(tmp_path / "server", data_dir=settings.data_dir, extra=("--admin-key", ADMIN_KEY))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
            )
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{server.url}/__mock__/ui?env=sandbox")
            assert "/__mock__/ui/login" in page.url  # a key is configured: the login form first
            page.get_by_label("admin key").fill(ADMIN_KEY)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/__mock__/ui")
            yield Portal(server, page)
            context.close()
            browser.close()
    finally:
        stop(server)
