"""Call flows as an integration walks them (issue 9), in process, over TLS and on PostgreSQL:
create a flow with variables (PHP raw-array body) → attach it to links with values (Ruby body) → read
back through getNodeDetails (XML and JSON), getVariableRulesOfTemplate and getVoxnumbers → update the
flow (values follow the rule ids) → refused delete while attached → detach and delete; and a
createNodeFull whose number assignment fails leaves nothing behind."""

from __future__ import annotations

from typing import Any

from tests.fixture_state import leave_without_rules
from tests.helpers import RUBY_HEADERS, RUBY_PROLOG, Api, assert_errors, results, ruby_query, xml_of
from tests.helpers.flows import add_sound_files

# PHP's serializer: declaration, one element per line, two-space indent (CLIENT-WIRE.md §1.6)
FLOW = """<?xml version="1.0" encoding="utf-8"?>
<request>
  <callFlow name="Sales IVR" notes="Greets, then calls the agent">
    <play id="welcome" label="Welcome">
      <soundFile soundLabel="?"/>
    </play>
    <call id="call_1" label="Call" timeout="10" record="false" sendCallAlert="?" \
destinationPhoneNumber="?" destinationContactId="?">
      <callerMessage>
        <soundFile soundLabel="hold" soundGroup="Greetings"/>
      </callerMessage>
      <eventHandlers/>
    </call>
  </callFlow>
</request>
"""
ATTACH = (
    RUBY_PROLOG + "<request><link_ids><link_id>westbourne-web</link_id><link_id>leeds-deli-web</link_id>"
    "</link_ids><overwrite_existing>FALSE</overwrite_existing><template_name>Sales IVR</template_name>"
    "<rules_variable><rule><rule_id>welcome</rule_id><rule_type>play</rule_type>"
    "<rule_label>Welcome</rule_label><sound_files><sound_file>Greetings|hello</sound_file></sound_files>"
    "</rule><rule><rule_id>call_1</rule_id><rule_type>call</rule_type><rule_label>Call</rule_label>"
    "<record_call>TRUE</record_call><send_call_alert>ALL_CALLS</send_call_alert>"
    "<contact><contact_id>agent-7</contact_id><phone_number>447700900123</phone_number></contact>"
    "</rule></rules_variable></request>"
)
CALL_RULE_FIXED = {
    "rule_id": "call_1",
    "rule_type": "call",
    "rule_label": "Call",
    "contact": {"contact_id": "agent-7", "phone_number": "447700900123"},
}


def ruby(api: Api, verb: str, interface: str, method: str, body: str = "", **params: Any) -> Any:
    headers = {**RUBY_HEADERS, "Content-Type": "application/xml"}
    url = f"/{interface}?" + ruby_query(method, params)
    return api.client.request(verb, url, headers=headers, content=body.encode() if body else None)


def call_status(api: Api, link_id: str) -> str:
    rows = results(api.get("Voxnumbers", "getVoxnumbers", {"link_id": link_id, "req_fields": "cs"}))
    return rows[0]["call_status"]


def test_call_flow_lifecycle(scenario_api: Api) -> None:
    api = scenario_api
    # the Ruby gem attaches with overwrite_existing FALSE: its second link must be free of rules
    leave_without_rules(api, "leeds-deli-web")
    add_sound_files(api, "hold", "hello")

    # 1. create the flow: 201 echoing its name; read it back as XML with a <response> root
    resp = api.post("CallFlow", "createCallFlow", FLOW)
    assert resp.status_code == 201
    assert xml_of(resp).find("callFlow").get("name") == "Sales IVR"
    doc = xml_of(api.get("CallFlow", "getCallFlow", {"call_flow": "Sales IVR"}))
    assert doc.tag == "response"
    flow = doc.find("callFlow")
    assert (flow.get("name"), flow.get("notes")) == ("Sales IVR", "Greets, then calls the agent")
    assert [(r.tag, r.get("id")) for r in flow] == [("play", "welcome"), ("call", "call_1")]
    assert flow.find("call/callerMessage/soundFile").get("soundLabel") == "hold"

    # 2. it is a CUSTOM rule template beside the DEFAULT ones (PHP reads JSON)
    query = {"template_type": "CUSTOM", "template_name": "Sales IVR"}
    templates = api.get("Rules", "getRuleTemplates", query, output_json=True).json()
    row = templates["response"]["results"]["result"]
    assert row == {
        "template_name": "Sales IVR",
        "template_notes": "Greets, then calls the agent",
        "template_type": "CUSTOM",
        "created": row["created"],
        "advanced": "NO",
    }
    defaults = results(
        api.get("Rules", "getRuleTemplates", {"template_type": "DEFAULT", "req_fields": "tna"})
    )
    assert {"template_name": "Call"} in defaults

    # 3. the fixture's number on the link: ON (No Rules) until a template is attached
    assert call_status(api, "westbourne-web") == "ON (No Rules)"
    active_before = results(
        api.get("Voxnumbers", "getVoxnumbers", {"call_status": "ACTIVE", "req_fields": "lid"})
    )
    assert {"link_id": "westbourne-web"} not in active_before

    # 4. attach with values (Ruby body); the contact is created on the fly and is ASSIGNED
    assert ruby(api, "PUT", "Links", "attachRuleTemplateToLinks", ATTACH).status_code == 204
    assert call_status(api, "westbourne-web") == "ON (Active)"
    active = results(api.get("Voxnumbers", "getVoxnumbers", {"call_status": "ACTIVE", "req_fields": "lid"}))
    # both links the template went on carry a number (the fixture's), so both are now active
    assert {r["link_id"] for r in active} == {r["link_id"] for r in active_before} | {
        "westbourne-web",
        "leeds-deli-web",
    }
    contact = results(api.get("Contacts", "getContacts", {"contact_id": "agent-7"}))[0]
    assert contact == {
        "contact_id": "agent-7",
        "display_name": "agent-7",
        "company": "",
        "email": "",
        "business_phone": "447700900123",
        "assigned_status": "ASSIGNED",
    }
    named = results(api.get("Nodes", "getNodes", {"rule_name": "Sales IVR", "req_fields": "lid,rtn"}))
    assert sorted(r["link_id"] for r in named) == ["leeds-deli-web", "westbourne-web"]
    assert {r["rule_template_name"] for r in named} == {"Sales IVR"}
    links = results(api.get("Links", "getLinks", {"link_id": "westbourne-web", "req_fields": "lid,rn"}))
    assert links == [{"link_id": "westbourne-web", "rule_name": "Sales IVR"}]

    # 5. getNodeDetails: XML (Ruby) and JSON (PHP) carry the link's rules
    resp = ruby(api, "GET", "Nodes", "getNodeDetails", node_id="westbourne", link_id="westbourne-web")
    link = xml_of(resp).find("results/result/links/link")
    assert link.findtext("rule_template_name") == "Sales IVR"
    rules = link.findall("rules/rule")
    assert [r.findtext("rule_id") for r in rules] == ["welcome", "call_1"]
    assert rules[0].findtext("sound_files/sound_file") == "Greetings|hello"
    assert rules[1].findtext("contact/phone_number") == "447700900123"
    details = api.get(
        "Nodes", "getNodeDetails", {"node_id": "westbourne", "link_id": "westbourne-web"}, output_json=True
    ).json()
    json_link = details["response"]["results"]["result"]["links"]["link"]
    assert json_link["rules"]["rule"] == [
        {
            "rule_id": "welcome",
            "rule_type": "play",
            "rule_label": "Welcome",
            "sound_files": {"sound_file": "Greetings|hello"},
        },
        {**CALL_RULE_FIXED, "send_call_alert": "ALL_CALLS"},  # record_call: fixed by the flow
    ]

    # 6. getVariableRulesOfTemplate: `?` for the template alone, the values for a link (Ruby: link only)
    bare = api.get(
        "Rules", "getVariableRulesOfTemplate", {"template_name": "Sales IVR"}, output_json=True
    ).json()
    assert bare["response"]["rules"]["rule"][1] == {
        "rule_id": "call_1",
        "rule_type": "call",
        "rule_label": "Call",
        "contact": {"contact_id": "?", "phone_number": "?"},
        "send_call_alert": "?",
    }
    assert "current_page" not in bare["response"]
    by_link = xml_of(ruby(api, "GET", "Rules", "getVariableRulesOfTemplate", link_id="leeds-deli-web"))
    assert by_link.findtext("rules/rule[2]/contact/contact_id") == "agent-7"

    # 7. update: the play rule goes, call_1 stays (values kept by rule id), a new rule starts at `?`
    update = (
        '<request><callFlow name="Sales IVR" newName="Sales Line" notes="v2">'
        '<call id="call_1" label="Call" record="false" sendCallAlert="?" destinationPhoneNumber="?" '
        'destinationContactId="?"/>'
        '<voicemail id="vm" label="Voicemail" from="noreply@example.com" subject="Missed" silence="2" '
        'maxDuration="120" templateName="emailtemplate02" destinationEmailAddress="?" '
        'destinationContactId="?"><voicemailMessage><soundFile soundLabel="hello" soundGroup="Greetings"/>'
        "</voicemailMessage></voicemail></callFlow></request>"
    )
    assert api.put("CallFlow", "updateCallFlow", update).status_code == 204
    after = xml_of(ruby(api, "GET", "Rules", "getVariableRulesOfTemplate", link_id="westbourne-web"))
    assert [r.findtext("rule_id") for r in after.findall("rules/rule")] == ["call_1", "vm"]
    assert after.findtext("rules/rule[1]/contact/phone_number") == "447700900123"
    assert after.findtext("rules/rule[1]/send_call_alert") == "ALL_CALLS"
    assert after.findtext("rules/rule[1]/record_call") is None  # fixed by the new version
    assert after.findtext("rules/rule[2]/contact/email") == "?"
    assert_errors(
        api.get("CallFlow", "getCallFlow", {"call_flow": "Sales IVR"}), 400, ["Call Flow Doesn't exist"]
    )

    # 8. attached: refused; detached with detach_from_links=TRUE, everything goes back
    params = {"call_flows": "Sales Line|Nope"}
    assert_errors(
        api.delete("CallFlow", "deleteCallFlows", params),
        400,
        ["Call Flow 1 of 2 is attached to a Link", "Call Flow 2 of 2 does not exist"],
    )
    gone = {"call_flows": "Sales Line", "detach_from_links": "TRUE"}
    assert api.delete("CallFlow", "deleteCallFlows", gone).status_code == 204
    assert call_status(api, "westbourne-web") == "ON (No Rules)"
    links = results(api.get("Links", "getLinks", {"link_id": "westbourne-web", "req_fields": "lid,rn"}))
    assert links == [{"link_id": "westbourne-web", "rule_name": ""}]
    contacts = results(api.get("Contacts", "getContacts", {"contact_id": "agent-7", "req_fields": "cid,as"}))
    assert contacts == [{"contact_id": "agent-7", "assigned_status": "UNASSIGNED"}]


NODE_FULL = (
    RUBY_PROLOG + "<request><node><node_id>test/foo</node_id><node_name>Foo</node_name>"
    "<node_type>Shop</node_type><links><link><link_id>test/foo</link_id><link_name>Web</link_name>"
    "<link_type>Web</link_type><rule_template_name>Call</rule_template_name><rules_variable><rule>"
    "<rule_id>call_1</rule_id><rule_type>call</rule_type><rule_label>Call</rule_label><contact>"
    "<contact_id>foo-agent</contact_id><phone_number>{phone}</phone_number></contact></rule>"
    "</rules_variable><assign_voxnumber>{assign}</assign_voxnumber></link></links></node></request>"
)


def test_create_node_full_is_atomic(scenario_api: Api) -> None:
    api = scenario_api
    bad = NODE_FULL.format(
        phone="",
        assign="<method>BY POSTCODE</method><voxnumber_country>FRANCE</voxnumber_country>"
        "<postcode>666</postcode>",
    )
    assert_errors(
        ruby(api, "POST", "Nodes", "createNodeFull", bad),
        400,
        ["There is no VoxNumber available in your account for the Postcode 666 or the fallback area"],
    )
    assert results(api.get("Links", "getLinks", {"link_id": "test/foo"})) == []
    assert results(api.get("Nodes", "getNodes", {"node_id": "test/foo"})) == []
    assert results(api.get("Contacts", "getContacts", {"contact_id": "foo-agent"})) == []

    good = NODE_FULL.format(
        phone="", assign="<method>BY AREA</method><voxnumber_idd>44</voxnumber_idd><area_code>113</area_code>"
    )
    resp = ruby(api, "POST", "Nodes", "createNodeFull", good)
    assert resp.status_code == 201
    assert resp.content.endswith(
        b"<response><node_id>test/foo</node_id><links><link><link_id>test/foo</link_id></link></links>"
        b"</response>"
    )
    # an empty phone_number: the contact exists, UNASSIGNED, and the rule stays variable
    contact = results(
        api.get("Contacts", "getContacts", {"contact_id": "foo-agent", "req_fields": "cid,dn,as"})
    )
    assert contact == [
        {"contact_id": "foo-agent", "display_name": "foo-agent", "assigned_status": "UNASSIGNED"}
    ]
    rules = xml_of(ruby(api, "GET", "Rules", "getVariableRulesOfTemplate", link_id="test/foo"))
    assert rules.findtext("rules/rule/contact/contact_id") == "?"
    assert call_status(api, "test/foo") == "ON (Active)"
