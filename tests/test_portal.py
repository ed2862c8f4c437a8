"""The demo portal's pages and controls without a browser (lxml over the app's answers): flows
drawn as trees, a link's own values, a call's CDR and path, every control a CSRF-checked POST
answered by a 303, refused input shown as a message, the journal's filters and dropped entries."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html

from mock_iovox.admin.look import phone
from mock_iovox.admin.store import FaultRule, JournalEntry
from tests.helpers import PINNED

FORM = {"content-type": "application/x-www-form-urlencoded"}


def page(api: Any, url: str, status: int = 200) -> Any:
    resp = api.client.get(url)
    assert resp.status_code == status, resp.text[:500]
    return html.fromstring(resp.text)


def token(api: Any) -> str:
    doc = page(api, "/__mock__/ui/controls?env=sandbox")
    value: str = doc.xpath("//input[@name='csrf']/@value")[0]
    return value


def post(api: Any, action: str, fields: dict[str, str], csrf: str | None = None) -> Any:
    body = {"csrf": csrf if csrf is not None else token(api), **fields}
    return api.client.post(
        f"/__mock__/ui/controls/{action}?env=sandbox", data=body, headers=FORM, follow_redirects=False
    )


def note(api: Any, resp: Any) -> tuple[str, str]:
    """Follow a control's redirect to the controls page: ("done"|"error", its message)."""
    assert resp.status_code == 303, resp.text[:500]
    target = resp.headers["location"]
    query = parse_qs(urlsplit(target).query)
    kind = "error" if "error" in query else "done"
    doc = page(api, target)
    return kind, doc.get_element_by_id(kind).text_content()


def test_one_number_format() -> None:
    assert phone("447700900123") == "+44 7700 900123"
    assert phone("+447700900123") == "+44 7700 900123"
    assert phone("") == "withheld"
    assert phone("anonymous") == "anonymous"


def test_nav_skip_link_and_labels_on_every_page(api: Any) -> None:
    for url in (
        "/__mock__/ui",
        "/__mock__/ui/flows",
        "/__mock__/ui/calls",
        "/__mock__/ui/journal",
        "/__mock__/ui/controls",
        "/__mock__/ui/links/westbourne-paper",
    ):
        doc = page(api, url + "?env=sandbox")
        assert doc.xpath("//nav//a/text()") == [
            "Dashboard",
            "Analytics",
            "Flows",
            "Calls",
            "Journal",
            "Controls",
        ]
        assert doc.xpath("//a[@class='skip']/@href") == ["#main"]
        for field in doc.xpath("//input[not(@type='hidden')] | //select"):
            labelled = field.getparent().tag == "label" or doc.xpath(f"//label[@for='{field.get('id')}']")
            assert labelled, f"{url}: {html.tostring(field)!r} has no label"


def test_flow_list_and_flow_page_draw_the_tree(api: Any) -> None:
    doc = page(api, "/__mock__/ui/flows?env=sandbox")
    link = doc.xpath("//a[text()='Shop menu']/@href")[0]
    flow = page(api, link)
    kinds = flow.xpath("//figure[@class='diagram']//li[contains(@class,'rule')]/@data-kind")
    assert kinds[:3] == ["play", "messageKeypress", "play"]
    assert "call" in kinds and "voicemail" in kinds
    edges = [e.strip() for e in flow.xpath("//li[contains(@class,'edge')]/span[@class='elabel']/text()")]
    assert "key 1" in edges and "key 2" in edges and "BUSY / NO_ANSWER / REJECTED" in edges
    assert "failure (attempts 3)" in edges
    # on the flow's own page the `?` values are open
    sales = flow.xpath("//li[@data-rule-id='sales']/div[@class='box']//dd[@class='v-open']/text()")
    assert "?" in sales


def test_link_page_fills_in_the_links_own_values(api: Any) -> None:
    doc = page(api, "/__mock__/ui/links/westbourne-paper?env=sandbox")
    assert doc.xpath("//section[@id='link-flow']//h2/a/text()") == ["Shop menu"]
    sales = doc.xpath("//li[@data-rule-id='sales']/div[@class='box']//dd[@class='v-link']")
    assert [d.text_content().replace("link value: ", "") for d in sales] == ["442079460123"]
    welcome = doc.xpath("//li[@data-rule-id='welcome']/div[@class='box']//dd[@class='v-link']")
    assert welcome[0].text_content().endswith("IVR|Welcome")
    assert page(api, "/__mock__/ui/links/nowhere?env=sandbox", 404).get_element_by_id("missing").text == (
        "no link 'nowhere'"
    )


def test_place_a_call_redirects_to_its_page_with_the_path_drawn(api: Any) -> None:
    resp = post(api, "call", {"link_id": "westbourne-paper", "from": "+44 7700 900123", "digits": "1"})
    assert resp.status_code == 303
    target = resp.headers["location"]
    assert target.startswith("/__mock__/ui/calls/") and target.endswith("?env=sandbox")
    doc = page(api, target)
    cdr = {dd.get("data-field"): dd.text_content().strip() for dd in doc.xpath("//dl[@class='cdr']/dd")}
    assert cdr["co"] == "+44 7700 900123"
    assert cdr["lid"] == "westbourne-paper"
    assert cdr["cs"] == PINNED.isoformat(" ")
    assert set(cdr) >= {"id", "cs", "ce", "vn", "cd", "ct", "tt", "call_res", "rule_res", "has_rec", "nid"}
    taken = doc.xpath("//li[contains(@class,'rule') and contains(@class,'taken')]/@data-rule-id")
    assert taken[:3] == ["welcome", "menu", "menu_prompt"] and "sales" in taken
    assert "voicemail" not in taken  # key 2's branch was not taken
    edges = doc.xpath("//li[contains(@class,'edge') and contains(@class,'taken')]/span/text()")
    assert "key 1" in edges and "key 2" not in edges
    assert doc.xpath("//ol[@id='trace']/li")
    audio = doc.xpath("//audio[@id='recording']/@src")
    if cdr["has_rec"] == "True":
        assert api.client.get(audio[0]).headers["content-type"] == "audio/mpeg"
    # the vendor's answer for that call is unchanged by the kept trace (no new field)
    assert "trace" not in api.client.get(target).headers.get("content-type", "")


def test_the_dashboard_form_also_redirects(api: Any) -> None:
    doc = page(api, "/__mock__/ui?env=sandbox")
    form = doc.get_element_by_id("place-call").find(".//form")
    assert form.get("action") == "/__mock__/ui/call?env=sandbox"
    csrf = form.find(".//input[@name='csrf']").get("value")
    resp = api.client.post(
        form.get("action"),
        data={"csrf": csrf, "link_id": "westbourne-web", "from": "447700900123"},
        headers=FORM,
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"].startswith("/__mock__/ui/calls/")


def test_a_bad_control_input_is_a_message_not_a_500(api: Any) -> None:
    assert note(api, post(api, "call", {"link_id": "nowhere", "from": "447700900123"})) == (
        "error",
        "no link 'nowhere'",
    )
    assert note(api, post(api, "advance", {"amount": "soon", "unit": "minutes"})) == (
        "error",
        "amount must be a whole number from 1 to 100000",
    )
    assert note(api, post(api, "advance", {"amount": "2", "unit": "weeks"})) == (
        "error",
        "unit must be one of minutes, hours, days",
    )
    assert note(api, post(api, "restore", {"name": "never-saved"})) == (
        "error",
        "no snapshot named 'never-saved'",
    )
    assert note(api, post(api, "fault", {"action": "error", "status": "500"})) == (
        "error",
        "an error fault needs status and message (the vendor's exact string)",
    )
    assert note(api, post(api, "launch", {})) == ("error", "no control 'launch'")


def test_a_control_without_its_csrf_token_is_refused(api: Any) -> None:
    resp = post(api, "reset", {}, csrf="forged")
    assert resp.status_code == 403, resp.text
    assert "csrf" in resp.json()["error"].lower()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"amount": "90", "unit": "minutes"}, "11:30:00"),
        ({"amount": "2", "unit": "days"}, "2026-12-04T10:00:00"),
    ],
)
def test_advance_the_clock(api: Any, fields: dict[str, str], expected: str) -> None:
    kind, text = note(api, post(api, "advance", fields))
    assert kind == "done" and expected in text
    assert expected in page(api, "/__mock__/ui?env=sandbox").get_element_by_id("clock").text_content()


def test_freeze_save_restore_reset_and_faults(api: Any) -> None:
    assert note(api, post(api, "freeze", {"frozen": "1"}))[1].startswith("clock frozen at")
    assert (
        "(frozen)" in page(api, "/__mock__/ui/controls?env=sandbox").get_element_by_id("clock").text_content()
    )
    assert note(api, post(api, "freeze", {"frozen": "0"}))[1].startswith("clock running at")
    assert note(api, post(api, "save", {"name": "before"})) == ("done", "snapshot 'before' saved")
    placed = post(api, "call", {"link_id": "westbourne-web", "from": "447700900123"}).headers["location"]
    page(api, placed)
    assert note(api, post(api, "restore", {"name": "before"})) == ("done", "snapshot 'before' restored")
    page(api, placed, 404)  # the call placed after the snapshot is gone
    kind, text = note(api, post(api, "fault", {"action": "drop", "method": "getCallData", "times": "1"}))
    assert kind == "done" and text.endswith("added (drop)")
    assert len(page(api, "/__mock__/ui/controls?env=sandbox").xpath("//tr[@class='fault']")) == 1
    assert note(api, post(api, "clear-faults", {})) == ("done", "1 fault rule(s) cleared")
    assert note(api, post(api, "reset", {})) == ("done", "state reset to the fixture")
    with api.dbs["sandbox"].reading() as session:
        assert session.query(FaultRule).count() == 0


def test_journal_filters_detail_and_dropped(api: Any) -> None:
    from tests.helpers import node_xml, php_query

    api.client.get("/" + php_query("getCallData"), headers={"username": "nobody", "secureKey": "x"})
    resp = api.post("Nodes", "createNodes", node_xml("long", "x" * 5000))
    assert resp.status_code < 500, resp.text
    with api.dbs["sandbox"].writing() as session:  # a connection a drop fault closed
        session.add(
            JournalEntry(
                at=PINNED,
                env="sandbox",
                username="dropper",
                verb="GET",
                method="Calls.getCallData",
                status=0,
                duration_ms=1.0,
            )
        )
    doc = page(api, "/__mock__/ui/journal?env=sandbox")
    statuses = doc.xpath("//tr[@class='entry']/td[contains(@class,'status')]/text()")
    assert statuses[0] == "dropped" and "0" not in statuses
    only = page(api, "/__mock__/ui/journal?env=sandbox&status=401")
    assert {t for t in only.xpath("//tr[@class='entry']/td[contains(@class,'status')]/text()")} == {"401"}
    users = page(api, "/__mock__/ui/journal?env=sandbox&user=dropper").xpath("//tr[@class='entry']")
    assert len(users) == 1
    by_method = page(api, "/__mock__/ui/journal?env=sandbox&method=createNodes").xpath("//tr[@class='entry']")
    assert len(by_method) == 1
    entry = page(api, by_method[0].xpath(".//a/@href")[0])
    assert entry.get_element_by_id("truncated").text == "truncated"
    assert entry.get_element_by_id("body").text.startswith(
        "<request><node><node_id>long</node_id><node_name>xxx"
    )
    refused = only.xpath("//tr[@class='entry']//a/@href")[0]
    wire = api.client.get("/" + php_query("getCallData"), headers={"username": "nobody", "secureKey": "x"})
    shown = page(api, refused)
    reason = shown.get_element_by_id("reason").text.strip()
    assert reason and reason not in wire.text  # kept by the mock, never on the wire
    assert shown.get_element_by_id("response").text == wire.text  # the answer's body as sent
    dropped = page(api, "/__mock__/ui/journal?env=sandbox&user=dropper").xpath(
        "//tr[@class='entry']//a/@href"
    )
    assert page(api, dropped[0]).get_element_by_id("status").text == "dropped"
    bad = page(api, "/__mock__/ui/journal?env=sandbox&status=many")
    assert bad.get_element_by_id("filter-error").text == "status must be an integer"


def test_call_page_of_a_generated_call_says_no_trace(api: Any) -> None:
    doc = page(api, "/__mock__/ui/calls?env=sandbox")
    first = doc.xpath("//tr[@class='call']//a/@href")[0]
    call = page(api, first)
    assert call.get_element_by_id("no-trace") is not None
    assert (
        page(api, "/__mock__/ui/calls/999999999?env=sandbox", 404)
        .get_element_by_id("missing")
        .text.startswith("no call '999999999'")
    )


def test_an_older_journal_gains_the_reason_and_response_columns(settings: Any) -> None:
    from sqlalchemy import inspect

    from mock_iovox.admin import setup
    from mock_iovox.db.engine import open_databases

    db = open_databases(settings)["sandbox"]
    try:
        setup.ensure(db)
        with db.setup() as session:
            for name in ("reason", "response", "response_bytes"):
                session.connection().exec_driver_sql(f"ALTER TABLE mock_journal DROP COLUMN {name}")
        setup._ENSURED.discard(db)
        setup.ensure(db)
        with db.reading() as session:
            names = {c["name"] for c in inspect(session.connection()).get_columns("mock_journal")}
        assert {"reason", "response", "response_bytes"} <= names
    finally:
        db.dispose()
