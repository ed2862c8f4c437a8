"""The parsed flow model the call engine walks (mock_iovox/flows): rules by id, branches, slots."""

from __future__ import annotations

import pytest

from mock_iovox import xmlio
from mock_iovox.flows.model import SoundRef
from mock_iovox.flows.parse import FlowError, read_flow
from mock_iovox.flows.values import effective_attrs, effective_sounds, render_rule

IVR = (
    '<callFlow name="IVR" notes="menu">'
    '<play id="hello" label="Hello"><soundFile soundLabel="welcome" soundGroup="Shop"/></play>'
    '<messageKeypress id="menu" label="Menu" timeout="5">'
    '<play id="menu_prompt" label="Prompt"><soundFile soundLabel="?"/></play>'
    "<eventHandlers>"
    '<keyEvent action="onMatchKeypressSequence" keypressSequence="1">'
    '<call id="sales" label="Sales" destinationPhoneNumber="?" destinationContactId="?">'
    '<eventHandlers><callEvent result="BUSY|NO_ANSWER" action="onMatchResult">'
    '<voicemail id="vm" label="Voicemail" from="a@example.com" subject="s" silence="2" maxDuration="60" '
    'templateName="t" destinationEmailAddress="?" destinationContactId="?">'
    '<voicemailMessage><soundFile soundLabel="?"/></voicemailMessage></voicemail>'
    "</callEvent></eventHandlers></call></keyEvent>"
    '<failure id="menu_failure" label="Failure" attempts="3"><keypressFailureMessages>'
    '<keypressFailureMessage behaviour="onNoKeypress"><soundFile soundLabel="?"/></keypressFailureMessage>'
    "</keypressFailureMessages>"
    '<play id="bye" label="Bye"><soundFile soundLabel="bye" soundGroup="Shop"/></play></failure>'
    "</eventHandlers></messageKeypress></callFlow>"
)


def test_walkable_model() -> None:
    flow = read_flow(xmlio.parse(IVR.encode()))
    assert [r.id for r in flow.rules] == ["hello", "menu"]
    assert [r.id for r in flow.walk()] == ["hello", "menu", "menu_prompt", "sales", "vm", "bye"]
    menu = flow.by_id["menu"]
    assert [(b.kind, b.matches) for b in menu.branches] == [("keyEvent", ("1",)), ("failure", ())]
    assert menu.branches[1].attempts == 3
    assert [r.id for r in menu.branches[1].rules] == ["bye"]
    sales = flow.by_id["sales"]
    assert sales.branches[0].matches == ("BUSY", "NO_ANSWER")
    assert [r.id for r in sales.branches[0].rules] == ["vm"]
    assert flow.advanced
    assert flow.sound_refs == [SoundRef("Shop", "welcome"), SoundRef("Shop", "bye")]
    # the menu's prompt is a slot of the menu; the nested play is not listed on its own
    assert [r.id for r in flow.variable_rules] == ["menu", "sales", "vm"]
    assert menu.slots == ["play", "no_key_message"]
    assert render_rule(menu, {"play": ["Shop|menu"]}) == {
        "rule_id": "menu",
        "rule_type": "messageKeypress",
        "rule_label": "Menu",
        "play": {"sound_files": [{"sound_file": "Shop|menu"}]},
        "no_key_message": {"sound_files": [{"sound_file": "?|?"}]},
    }
    assert render_rule(flow.by_id["vm"])["contact"] == {"contact_id": "?", "email": "?"}


def test_stored_form_round_trips() -> None:
    flow = read_flow(xmlio.parse(IVR.encode()))
    again = read_flow(xmlio.parse(xmlio.write_node(flow.source).encode()))
    assert [r.id for r in again.walk()] == [r.id for r in flow.walk()]
    assert xmlio.write_node(again.source) == xmlio.write_node(flow.source)


@pytest.mark.parametrize(
    ("ref", "group", "label"), [("g|l", "g", "l"), ("l", "", "l"), ("a b|c|d", "a b", "c|d")]
)
def test_sound_refs(ref: str, group: str, label: str) -> None:
    assert SoundRef.parse(ref) == SoundRef(group, label)


def test_rename_is_applied_to_the_stored_document() -> None:
    flow = read_flow(xmlio.parse(IVR.replace('name="IVR"', 'name="IVR" newName="Menu"').encode()))
    assert (flow.name, flow.new_name, flow.source.attrib["name"]) == ("IVR", "Menu", "Menu")
    assert "newName" not in flow.source.attrib


def test_problems_are_collected_once() -> None:
    with pytest.raises(FlowError) as err:
        read_flow(xmlio.parse(b'<callFlow name="x"><play/><play/></callFlow>'))
    assert [p.key for p in err.value.problems] == ["rule_id_empty", "rule_label_empty", "message_empty"]


def test_a_rule_as_it_runs_on_a_link() -> None:
    flow = read_flow(xmlio.parse(IVR.encode()))
    sales = flow.by_id["sales"]
    values = {"contact/phone_number": "447700900123", "contact/contact_id": "agent"}
    attrs = effective_attrs(sales, values)
    assert (attrs["destinationPhoneNumber"], attrs["destinationContactId"]) == ("447700900123", "agent")
    assert effective_attrs(sales)["destinationPhoneNumber"] == ""
    menu = flow.by_id["menu"]
    assert menu.play is not None
    prompt = menu.play.messages[0]
    assert effective_sounds(prompt, {"play": ["Shop|menu"]}) == ["Shop|menu"]
    hello = flow.by_id["hello"].messages[0]
    assert effective_sounds(hello, {"sound_files": ["ignored"]}) == ["Shop|welcome"]


def test_stored_form_escapes_what_it_must() -> None:
    body = (
        '<callFlow name="A &amp; B" notes="say &quot;hi&quot; &lt;now&gt;">'
        '<play id="p" label="1 &lt; 2"><soundFile soundLabel="x&amp;y" soundGroup="g"/></play></callFlow>'
    )
    flow = read_flow(xmlio.parse(body.encode()))
    assert flow.notes == 'say "hi" <now>'
    stored = xmlio.write_node(flow.source)
    assert stored == body
    again = read_flow(xmlio.parse(stored.encode()))
    assert (again.name, again.notes, again.by_id["p"].label) == ("A & B", 'say "hi" <now>', "1 < 2")
    assert again.sound_refs == [SoundRef("g", "x&y")]


def test_each_open_sound_file_shows_as_group_and_label_unset() -> None:
    """The vendor's example: a prompt with two variable sound files lists `?|?` twice."""
    body = (
        '<callFlow name="x"><messageKeypress id="2" label="Options"><play id="p" label="P">'
        '<soundFile soundLabel="?"/><soundFile soundLabel="?"/></play></messageKeypress></callFlow>'
    )
    rule = read_flow(xmlio.parse(body.encode())).by_id["2"]
    assert render_rule(rule)["play"] == {"sound_files": [{"sound_file": "?|?"}, {"sound_file": "?|?"}]}
    assert xmlio.render_xml("rule", {"play": render_rule(rule)["play"]}).endswith(
        b"<rule><play><sound_files><sound_file>?|?</sound_file></sound_files>"
        b"<sound_files><sound_file>?|?</sound_file></sound_files></play></rule>"
    )
