"""Both public clients through the call-flow half of their scenario, with the bodies they send
(CLIENT-WIRE.md §1.6, §2.6; DECISIONS.md §7), in process, over TLS and on PostgreSQL: a call rule that
dials a fixed number and names no contact, an attach with no variable values (PHP's
`<rules_variable><rule/></rules_variable>`), then initiateCall, getCallData and getCallRecording on
the call it placed, and (PHP) getCallFlow, updateCallFlow and deleteCallFlows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    RUBY_HEADERS,
    RUBY_PROLOG,
    Api,
    assert_errors,
    mp3_info,
    php_body,
    ruby_body,
    ruby_query,
    xml_of,
)

#: what the issue's users sent: a fixed number, no destinationContactId
FIXED = (
    '<call id="call_1" label="Call" destinationPhoneNumber="33612345678" record="true" sendCallAlert="NONE"/>'
)
#: the PHP serializer's raw array (`@` keys as attributes, `eventHandlers => []` as an empty element),
#: one element per line with a two-space indent
PHP_FLOW = """<?xml version="1.0" encoding="utf-8"?>
<request>
  <callFlow name="{name}" notes="Calls the shop">
    <call id="call_1" label="Call" timeout="10" record="true" sendCallAlert="NONE" \
destinationPhoneNumber="33612345678">
      <eventHandlers/>
    </call>
  </callFlow>
</request>
"""
#: AttachRuleTemplateToLinksPayload with no rules: `['rule' => []]` is written as an empty <rule/>
PHP_ATTACH = """<?xml version="1.0" encoding="utf-8"?>
<request>
  <template_name>{name}</template_name>
  <overwrite_existing>TRUE</overwrite_existing>
  <link_ids>
    <link_id>{link}</link_id>
  </link_ids>
  <rules_variable>
    <rule/>
  </rules_variable>
</request>
"""
#: the vendor's documented initiateCall body: the link and whom to call first
INITIATE = (
    "<request><link_id>{link}</link_id><call_variables><call_destination>33601020304</call_destination>"
)
INITIATE += "</call_variables></request>"
CDR_FIELDS = "id,lid,ctype,cd,call_res,has_rec,tts"


def php(api: Api, verb: str, interface: str, method: str, body: str = "", **kw: Any) -> Any:
    headers = php_body("")["headers"]
    content = body.encode() if body else None
    return api.call(verb, interface, method, kw or None, content=content, headers=headers)


def ruby(api: Api, verb: str, interface: str, method: str, body: str = "", **params: Any) -> Any:
    headers = {**RUBY_HEADERS, **ruby_body("")["headers"]}
    url = f"/{interface}?" + ruby_query(method, params)
    return api.client.request(
        verb, url, headers=headers, content=(RUBY_PROLOG + body).encode() if body else None
    )


def placed_call(api: Api, resp: Any, link: str) -> dict[str, str]:
    """The CDR of the call initiateCall answered with, read as PHP reads lists (JSON)."""
    assert resp.status_code == 201, resp.text
    call_id = xml_of(resp).findtext("call_id")
    rows = api.get("Calls", "getCallData", {"id": call_id, "req_fields": CDR_FIELDS}, output_json=True)
    assert rows.status_code == 200, rows.text
    row = rows.json()["response"]["results"]["result"]
    assert (row["id"], row["link_id"], row["call_type"]) == (call_id, link, "API")
    return dict(row)


def assert_dialled_the_flow(api: Api, row: dict[str, str]) -> None:
    """The flow's own number was dialled (a contact-less rule is a complete destination), answered
    and recorded (record="true"), and getCallRecording gives the MP3."""
    assert (row["call_destination"], row["call_result"], row["has_recording"]) == (
        "33612345678",
        "ANSWERED",
        "1",
    )
    assert int(row["talk_time_sec"]) > 0
    resp = api.get("Calls", "getCallRecording", {"id": row["id"]})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "audio/mpeg"
    assert mp3_info(resp.content).length > 0


def test_ruby_client_call_flow_scenario(scenario_api: Api) -> None:
    api = scenario_api
    flow = f'<request><callFlow name="Call Agent" notes="Calls the shop">{FIXED}</callFlow></request>'
    assert ruby(api, "POST", "CallFlow", "createCallFlow", flow).status_code == 201
    attach = (
        "<request><link_ids><link_id>westbourne-web</link_id></link_ids>"
        "<overwrite_existing>TRUE</overwrite_existing><template_name>Call Agent</template_name></request>"
    )
    assert ruby(api, "PUT", "Links", "attachRuleTemplateToLinks", attach).status_code == 204
    resp = ruby(api, "POST", "Calling", "initiateCall", INITIATE.format(link="westbourne-web"))
    assert_dialled_the_flow(api, placed_call(api, resp, "westbourne-web"))


def test_php_client_call_flow_scenario(scenario_api: Api) -> None:
    api = scenario_api
    assert (
        php(api, "POST", "CallFlow", "createCallFlow", PHP_FLOW.format(name="Shop Line")).status_code == 201
    )
    attach = PHP_ATTACH.format(name="Shop Line", link="leeds-deli-web")
    assert php(api, "PUT", "Links", "attachRuleTemplateToLinks", attach).status_code == 204
    resp = php(api, "POST", "Calling", "initiateCall", INITIATE.format(link="leeds-deli-web"))
    assert_dialled_the_flow(api, placed_call(api, resp, "leeds-deli-web"))

    # getCallFlow (always XML for PHP), updateCallFlow, deleteCallFlows
    doc = xml_of(php(api, "GET", "CallFlow", "getCallFlow", call_flow="Shop Line"))
    call = doc.find("callFlow/call")
    assert (call.get("destinationPhoneNumber"), call.get("destinationContactId")) == ("33612345678", None)
    update = PHP_FLOW.format(name="Shop Line").replace('notes="Calls the shop"', 'newName="Shop" notes="v2"')
    assert php(api, "PUT", "CallFlow", "updateCallFlow", update).status_code == 204
    assert (
        xml_of(php(api, "GET", "CallFlow", "getCallFlow", call_flow="Shop")).find("callFlow").get("notes")
        == "v2"
    )
    gone = php(api, "DELETE", "CallFlow", "deleteCallFlows", call_flows="Shop", detach_from_links="TRUE")
    assert gone.status_code == 204, gone.text
    assert_errors(
        php(api, "GET", "CallFlow", "getCallFlow", call_flow="Shop"), 400, ["Call Flow Doesn't exist"]
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('<call id="c" label="C" record="true"/>', "destinationPhoneNumber Empty"),
        ('<call id="c" label="C" destinationPhoneNumber=""/>', "destinationPhoneNumber Empty"),
        (
            '<call id="c" label="C" destinationPhoneNumber="33612345678" destinationContactId=""/>',
            "destinationContactId Empty",
        ),
    ],
)
def test_a_call_rule_without_a_destination_is_refused(api: Api, rule: str, message: str) -> None:
    body = f'<request><callFlow name="N" notes="n">{rule}</callFlow></request>'
    assert_errors(api.post("CallFlow", "createCallFlow", body), 400, [message])


VOICEMAIL = (
    '<voicemail id="v" label="V" from="noreply@example.com" subject="Missed" silence="2" maxDuration="120" '
    'templateName="emailtemplate02" {dest}><voicemailMessage><soundFile soundLabel="?"/></voicemailMessage>'
    "</voicemail>"
)


@pytest.mark.parametrize(
    ("dest", "messages"),
    [
        ('destinationEmailAddress="shop@example.com"', []),
        ('destinationContactId="?"', []),
        ('destinationEmailAddress="?" destinationContactId="?"', []),
        ("", ["destinationEmailAddress Empty"]),
    ],
)
def test_a_voicemail_needs_an_address_or_a_contact(api: Api, dest: str, messages: list[str]) -> None:
    body = f'<request><callFlow name="VM" notes="n">{VOICEMAIL.format(dest=dest)}</callFlow></request>'
    resp = api.post("CallFlow", "createCallFlow", body)
    if messages:
        assert_errors(resp, 400, messages)
    else:
        assert resp.status_code == 201, resp.text


def test_a_contact_only_call_rule_is_valid(api: Api) -> None:
    body = '<request><callFlow name="Agent" notes="n"><call id="c" label="C" destinationContactId="?"/>'
    assert api.post("CallFlow", "createCallFlow", body + "</callFlow></request>").status_code == 201


def test_an_empty_rules_variable_gives_no_values(api: Api) -> None:
    """`<rules_variable/>` and `<rules_variable><rule/></rules_variable>` are no values (DECISIONS.md
    §7); a <rule> with children but no rule_id is still refused."""
    assert php(api, "POST", "CallFlow", "createCallFlow", PHP_FLOW.format(name="Fixed")).status_code == 201
    for empty in ("<rules_variable/>", "<rules_variable><rule/></rules_variable>"):
        body = PHP_ATTACH.format(name="Fixed", link="westbourne-web")
        body = body.replace("<rules_variable>\n    <rule/>\n  </rules_variable>", empty)
        assert php(api, "PUT", "Links", "attachRuleTemplateToLinks", body).status_code == 204
    half = PHP_ATTACH.format(name="Fixed", link="westbourne-web").replace(
        "<rule/>", "<rule><rule_type>call</rule_type></rule>"
    )
    assert_errors(php(api, "PUT", "Links", "attachRuleTemplateToLinks", half), 400, ["Rule ID 1 of 1 Empty"])
