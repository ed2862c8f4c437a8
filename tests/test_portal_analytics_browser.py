"""The analytics page in a real headless Chromium (Debian's, driven by Playwright; nothing downloads
a browser) against the real server over TLS: pick a period, press Show, see the charts and tables
of that period. The screenshot is saved for the close note (tests/artifacts/portal-analytics.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_iovox.settings import Settings
from tests.browser import chromium
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    srv = start(tmp_path / "server", data_dir=settings.data_dir)
    yield srv
    stop(srv)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
            yield context.new_page()
        finally:
            browser.close()


def test_pick_a_period_and_see_its_analytics(server: Server, browser_page: Any) -> None:
    page = browser_page
    page.goto(f"{server.url}/__mock__/ui?env=sandbox")
    page.get_by_role("link", name="Analytics").click()
    page.wait_for_url("**/__mock__/ui/analytics?env=sandbox")
    assert page.locator("#period").input_value() == "30"

    page.get_by_label("Period").select_option("7")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=7**")
    assert "Analytics" in page.locator("main h1").inner_text()
    assert page.locator("#period").input_value() == "7"
    assert page.locator("#an-days-table tbody tr").count() == 7
    total = int(page.locator("#an-total").inner_text())
    links = page.locator("#an-links-table tbody tr[data-key] td:nth-child(2)").all_inner_texts()
    assert total > 0 and sum(int(n) for n in links) == total
    charts = page.get_by_role("img")
    assert charts.count() >= 4
    assert charts.first.get_attribute("aria-label")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-analytics.png"), full_page=True)
    assert (ARTIFACTS / "portal-analytics.png").stat().st_size > 10_000
