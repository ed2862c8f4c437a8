"""The portal as a sales engineer uses it, in a real Chromium (tests/browser.py): pick a period
on the analytics, open a link and see its flow, place a call pressing a key, land on the call's
page, play its recording, advance the clock, save and restore a snapshot, find the call's request
in the journal. A screenshot of each page is saved under tests/artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mock_iovox.calls import magic
from tests.browser import ADMIN_KEY, Portal, portal  # noqa: F401  (the fixture)
from tests.helpers import PHP_HEADERS, php_query

pytestmark = pytest.mark.e2e

#: a menu whose key 1 rings a recorded line (the fixture's own menu records nothing)
DEMO_FLOW = (
    '<request><callFlow name="Demo menu" notes="1 for sales (recorded)">'
    '<play id="welcome" label="Welcome"><soundFile soundLabel="Welcome" soundGroup="IVR"/></play>'
    '<messageKeypress id="menu" label="Menu" captureKeypress="false" timeout="10">'
    '<play id="prompt" label="Options"><soundFile soundLabel="Welcome" soundGroup="IVR"/></play>'
    "<eventHandlers>"
    '<keyEvent action="onMatchKeypressSequence" keypressSequence="1">'
    f'<call id="sales" label="Sales" destinationPhoneNumber="{magic.MAGIC_ANSWER}" destinationContactId="?" '
    'record="true" sendCallAlert="NONE" timeout="20"/></keyEvent>'
    '<keyEvent action="onMatchKeypressSequence" keypressSequence="2">'
    f'<call id="support" label="Support" destinationPhoneNumber="{magic.MAGIC_BUSY}" '
    'destinationContactId="?" '
    'record="true" sendCallAlert="NONE" timeout="20"/></keyEvent>'
    '<failure id="nochoice" label="No choice" attempts="2">'
    '<play id="bye" label="Bye"><soundFile soundLabel="Welcome" soundGroup="IVR"/></play></failure>'
    "</eventHandlers></messageKeypress></callFlow></request>"
)
ATTACH = (
    "<request><template_name>Demo menu</template_name><overwrite_existing>TRUE</overwrite_existing>"
    "<link_ids><link_id>westbourne-web</link_id></link_ids></request>"
)


def vendor(p: Portal, verb: str, interface: str, method: str, body: str = "", **params: Any) -> Any:
    """A request shaped as the PHP client sends it."""
    with p.server.client() as c:
        return c.request(
            verb, f"/{interface}?{php_query(method, params)}", content=body.encode(), headers=PHP_HEADERS
        )


def test_a_demo_journey(portal: Portal) -> None:  # noqa: F811
    page, shots = portal.page, []
    assert vendor(portal, "POST", "CallFlow", "createCallFlow", DEMO_FLOW).status_code == 201
    assert vendor(portal, "PUT", "Links", "attachRuleTemplateToLinks", ATTACH).status_code == 204
    page.reload()
    shots.append(portal.shot("dashboard"))

    # the analytics, reached from the nav: pick a period
    page.get_by_role("link", name="Analytics").first.click()
    page.wait_for_url(re.compile(r"/ui/analytics"))
    page.get_by_label("Period").select_option("7")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"period=7"))
    assert "Analytics" in page.locator("h1").inner_text()
    shots.append(portal.shot("analytics"))

    # the flows, then a link and its flow's diagram
    page.goto(portal.url("/ui?env=sandbox"))
    page.get_by_role("link", name="Flows", exact=True).click()
    page.get_by_role("link", name="Demo menu").click()
    assert page.locator("figure.diagram li[data-rule-id='sales']").is_visible()
    shots.append(portal.shot("flow"))
    page.get_by_role("link", name="westbourne-web").click()
    page.wait_for_url("**/ui/links/westbourne-web?env=sandbox")
    diagram = page.locator("#link-flow figure.diagram")
    assert diagram.locator(".elabel", has_text="key 1").first.is_visible()
    assert diagram.locator("li[data-rule-id='menu'] > .box .kind").inner_text() == "messageKeypress"
    shots.append(portal.shot("link"))

    # place a call pressing 1: redirected to the new call's page, its path drawn
    page.get_by_role("link", name="Controls").click()
    page.get_by_label("link (its VoxNumber is dialled)").select_option("westbourne-web")
    page.get_by_label("keys pressed").fill("1")
    with page.expect_response(re.compile(r"/ui/controls/call")) as posted:
        page.get_by_role("button", name="Call").click()
    assert posted.value.status == 303
    page.wait_for_url(re.compile(r"/__mock__/ui/calls/\d+\?env=sandbox$"))
    call_id = page.locator("#call").get_attribute("data-call-id")
    assert page.locator("#call-result").inner_text() == "ANSWERED"
    taken = page.locator("li.rule.taken").evaluate_all("els => els.map(e => e.dataset.ruleId)")
    assert taken == ["welcome", "menu", "prompt", "sales"]
    assert page.locator("dd[data-field='co']").inner_text() == "+44 7700 900123"

    # its recording plays: the audio element loads it, a 200 audio/mpeg
    audio = page.locator("audio#recording")
    with page.expect_response(re.compile(r"/ui/recordings/\d+\.mp3")) as loaded:
        audio.evaluate("a => { a.load(); return a.play().catch(() => null); }")
    assert loaded.value.status in (200, 206)
    assert loaded.value.headers["content-type"] == "audio/mpeg"
    page.wait_for_function("() => document.querySelector('audio#recording').readyState >= 1")
    assert audio.evaluate("a => a.duration") > 1
    shots.append(portal.shot("call"))

    # the clock: advance it by two hours
    page.get_by_role("link", name="Controls").click()
    before = page.locator("#clock strong").inner_text()
    page.get_by_label("advance by").fill("2")
    page.get_by_label("unit").select_option("hours")
    page.get_by_role("button", name="Advance").click()
    assert page.locator("#done").inner_text().startswith("clock advanced 2 hours")
    assert page.locator("#clock strong").inner_text() != before

    # save a snapshot, place another call, restore: the later call is gone
    page.get_by_label("name", exact=True).fill("demo")
    page.get_by_role("button", name="Save snapshot").click()
    assert page.locator("#done").inner_text() == "snapshot 'demo' saved"
    page.get_by_label("link (its VoxNumber is dialled)").select_option("westbourne-web")
    page.get_by_label("keys pressed").fill("2")
    page.get_by_role("button", name="Call").click()
    page.wait_for_url(re.compile(r"/ui/calls/"))
    later = page.url
    assert page.locator("#call-result").inner_text() == "BUSY"
    page.get_by_role("link", name="Controls").click()
    page.locator("#sn-restore").select_option("demo")
    page.get_by_role("button", name="Restore").click()
    assert page.locator("#done").inner_text() == "snapshot 'demo' restored"
    shots.append(portal.shot("controls"))
    assert page.goto(later).status == 404

    # the journal: the client's getCallData for the call, its body and status
    assert vendor(portal, "GET", "Calls", "getCallData", call_id=call_id).status_code == 200
    page.goto(portal.url("/ui/journal?env=sandbox"))
    page.get_by_label("method").fill("getCallData")
    page.get_by_role("button", name="Filter").click()
    entry = page.locator("tr.entry").first
    assert entry.locator("td.status").inner_text() == "200"
    shots.append(portal.shot("journal"))
    entry.locator("a").click()
    assert page.locator("#status").inner_text() == "200"
    assert f"call_id={call_id}" in page.locator("dd code").inner_text()
    shots.append(portal.shot("journal-entry"))

    # a phone's width: still one column, nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(portal.url(f"/ui/calls/{call_id}?env=sandbox"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1
    shots.append(portal.shot("call-phone"))
    assert all(s.stat().st_size > 10_000 for s in shots)
    assert ADMIN_KEY not in page.content()
