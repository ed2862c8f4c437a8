"""The dashboard in a real headless Chromium (Debian's package; nothing downloads a browser): it shows
the fixture's nodes and calls, and the audio element of a call loads its recording with a 200
audio/mpeg. A screenshot is saved for review (tests/artifacts/dashboard.png)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from mock_iovox.settings import Settings
from tests.browser import chromium
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).parent / "artifacts"


def _page(text: str) -> Any:
    """The dashboard as lxml.html reads it (lxml-stubs type xpath() and the html helpers loosely)."""
    return html.fromstring(text)


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    srv = start(tmp_path / "server", data_dir=settings.data_dir)
    yield srv
    stop(srv)


def browse(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--ignore-certificate-errors",  # the test's own CA is not in Chromium's store
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1800",
        "--virtual-time-budget=10000",
        *extra,
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def responses(netlog: Path) -> dict[str, list[str]]:
    """Request line -> response header lines, from Chromium's network log."""
    text = netlog.read_text()
    try:
        events: list[Any] = json.loads(text)["events"]
    except ValueError:  # a log cut short: close it
        events = json.loads(text.rstrip().rstrip(",") + "]}")["events"]
    lines: dict[int, str] = {}
    heads: dict[int, list[str]] = {}
    for event in events:
        params = event.get("params") or {}
        source = event.get("source", {}).get("id")
        if isinstance(params.get("line"), str):
            lines[source] = params["line"]
        if isinstance(params.get("headers"), list) and str(params["headers"][:1]).find("HTTP/") >= 0:
            heads[source] = params["headers"]
    return {lines[s]: heads[s] for s in lines if s in heads}


def test_dashboard_shows_nodes_calls_and_plays_a_recording(server: Server, tmp_path: Path) -> None:
    url = f"https://localhost:{server.port}/__mock__/ui?env=sandbox"
    netlog = tmp_path / "netlog.json"
    dumped = browse(tmp_path, url, "--dump-dom", f"--log-net-log={netlog}")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    page = _page(dumped.stdout)  # lxml-stubs type xpath() as any of its results
    nodes = {tr.get("data-node-id") for tr in page.xpath("//section[@id='accounts']//tr[@class='node']")}
    assert {"westbourne", "leeds-deli"} <= nodes
    calls = page.xpath("//section[@id='calls']//tr[@class='call']")
    assert len(calls) == 20
    audio = page.xpath("//section[@id='calls']//audio")
    assert audio, "no call with a recording among the recent ones"
    src = audio[0].get("src")
    assert audio[0].get("preload") == "metadata"
    loaded = [heads for line, heads in responses(netlog).items() if src in line]
    assert loaded, f"the browser never requested {src}"
    status, *headers = loaded[0]
    assert status.startswith("HTTP/1.1 200")
    assert "content-type: audio/mpeg" in [h.lower() for h in headers]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    taken = browse(tmp_path, url, f"--screenshot={shot}")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.stat().st_size > 10_000


def test_place_a_call_form(api: Any) -> None:
    """The dashboard's form runs the call engine, then redirects (303: a refresh places no second
    call) to the new call's page; a refused call comes back as a message on the controls page."""
    from tests.helpers.flows import call_rule, use_flow

    use_flow(api, call_rule("441632960901"))  # the magic number that is busy
    page = api.client.get("/__mock__/ui")
    form = _page(page.text).get_element_by_id("place-call").find(".//form")
    assert form is not None and form.get("action") == "/__mock__/ui/call?env=sandbox"
    options = [o.get("value") for o in form.iter("option")]
    assert "westbourne-web" in options and "other-link" in options
    token = form.find(".//input[@name='csrf']").get("value")
    body = f"csrf={token}&link_id=westbourne-web&from=447700900123&digits="
    headers = {"content-type": "application/x-www-form-urlencoded"}
    resp = api.client.post(form.get("action"), content=body, headers=headers, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    call = _page(api.client.get(resp.headers["location"]).text)
    assert call.get_element_by_id("call-result").text == "BUSY"
    call_id = call.get_element_by_id("call").get("data-call-id")
    assert call_id and call_id in api.client.get("/__mock__/ui").text  # also in the recent calls
    refused = api.client.post(
        "/__mock__/ui/call", content=f"csrf={token}&link_id=nowhere", headers=headers, follow_redirects=False
    )
    assert refused.status_code == 303
    shown = _page(api.client.get(refused.headers["location"]).text)
    assert shown.get_element_by_id("error").text_content() == "no link 'nowhere'"
