"""The call engine (issue 10, calls/engine.py): every rule type, every magic destination, blocked
callers and time templates against the virtual clock, bounded loops, the outbox, the recording, and
`mock-iovox call`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mock_iovox import clock, outbound
from mock_iovox.calls import engine, httpsend, magic, outbox
from mock_iovox.calls import results as call_results
from mock_iovox.cli import main
from mock_iovox.db import Account, Call
from tests.helpers import PINNED, Api, mp3_info, results
from tests.helpers.flows import ALL_FIELDS, CALLER, FLOW_HEAD, MENU, call_rule, use_flow


def account_pk(session: Any, name: str = "Demo Estates") -> int:
    return int(session.scalar(select(Account.pk).where(Account.name == name)))


def place(
    api: Api,
    link: str = "westbourne-web",
    number: str = CALLER,
    digits: tuple[str, ...] = (),
    seed: int = 7,
    account: str = "Demo Estates",
) -> tuple[dict[str, Any], list[str]]:
    with api.dbs["sandbox"].writing() as s:
        req = engine.CallRequest(link, number, engine.DIRECT, list(digits), seed=seed)
        out = engine.place_call(s, account_pk(s, account), req, clock.now(s))
        cdr = {c.name: getattr(out.call, c.name) for c in Call.__table__.columns}
        return cdr, out.trace


def outbox_of(api: Api, kind: str | None = None) -> list[dict[str, Any]]:
    with api.dbs["sandbox"].reading() as s:
        return outbox.outbox_messages(s, account_pk(s), kind=kind)


# ---------------------------------------------------------------------------------------------
# rule types


def test_play_writes_a_cdr_that_getcalldata_returns_in_full(api: Api) -> None:
    use_flow(api, '<play id="hello" label="Hello"><soundFile soundLabel="Welcome" soundGroup="IVR"/></play>')
    cdr, trace = place(api)
    assert (cdr["call_result"], cdr["rule_result"], cdr["call_time_sec"], cdr["talk_time_sec"]) == (
        "ANSWERED",
        "Message Played",
        engine.PLAY_SECONDS,
        0,
    )
    assert any("hello: play IVR|Welcome" in line for line in trace)
    resp = api.get("Calls", "getCallData", {"id": cdr["call_id"], "req_fields": ALL_FIELDS})
    rows = results(resp)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == cdr["call_id"]
    assert row["call_start"] == PINNED.strftime("%Y-%m-%d %H:%M:%S")
    assert row["call_end"] == (PINNED + timedelta(seconds=4)).strftime("%Y-%m-%d %H:%M:%S")
    assert row["call_origin"] == CALLER and row["call_origin_encoded"].startswith("4477_")
    assert row["call_origin_location"] == "Mobile, United Kingdom"
    assert (row["call_type"], row["direction"], row["link_id"], row["node_id"]) == (
        "DIRECT",
        "IN",
        "westbourne-web",
        cdr["node_id"],
    )
    assert row["voxnumber"] == cdr["voxnumber"] != ""
    assert (row["call_time"], row["talk_time"], row["has_recording"], row["email_sent"]) == (
        "00:00:04",
        "00:00:00",
        "0",
        "0",
    )
    # the call id continues the generated calls' sequence
    with api.dbs["sandbox"].reading() as s:
        assert cdr["pk"] == s.scalar(select(Call.pk).order_by(Call.pk.desc()).limit(1))
    assert int(cdr["call_id"]) == 7_000_000_000 + cdr["pk"]


#: destination -> the CDR's call_result (DECISIONS.md §8: the vendor's words, never the flow's
#: NO_ANSWER / REJECTED / CANCELLED tokens), ring and talk seconds
MAGIC = [
    (magic.MAGIC_ANSWER, "ANSWERED", 3, 60),
    (magic.MAGIC_BUSY, "BUSY", 2, 0),
    (magic.MAGIC_NO_ANSWER, "NO ANSWER", 20, 0),
    (magic.MAGIC_REJECTED, "BUSY", 4, 0),  # refused: the caller hears busy
    (magic.MAGIC_CANCELLED, "HANGUP", 5, 0),  # the caller gave up while it rang
    (magic.MAGIC_VOICEMAIL, "NO ANSWER", 20, 0),
    (magic.MAGIC_MACHINE, "ANSWERED [MACHINE DETECTED]", 3, magic.MAGIC_MACHINE_SECONDS),
    (magic.MAGIC_RING + "07", "ANSWERED", 7, None),
    (magic.MAGIC_RING + "45", "NO ANSWER", 20, 0),
    (magic.MAGIC_KEY + "4", "ANSWERED", 3, 45),
]


@pytest.mark.parametrize(("dest", "result", "ring", "talk"), MAGIC)
def test_magic_destinations(api: Api, dest: str, result: str, ring: int, talk: int | None) -> None:
    use_flow(api, call_rule(dest))
    cdr, trace = place(api)
    assert cdr["call_result"] == result
    assert cdr["rule_result"] == "Call to an Operator"
    assert cdr["call_destination"] == dest
    if talk is None:  # rings, then answers: talk time from the seed
        talk = cdr["talk_time_sec"]
        assert talk > 0
    assert (cdr["talk_time_sec"], cdr["call_time_sec"]) == (talk, ring + talk)
    assert cdr["has_recording"] is result.startswith("ANSWERED")
    if dest.startswith(magic.MAGIC_KEY):
        assert "pressed 4" in trace[-1]


def test_other_destinations_talk_for_a_time_drawn_from_the_seed(api: Api) -> None:
    use_flow(api, call_rule("442079460123"))
    first, _ = place(api, seed=1)
    again, _ = place(api, seed=1)
    other, _ = place(api, seed=2)
    assert first["call_result"] == "ANSWERED" and first["talk_time_sec"] > 0
    assert (first["talk_time_sec"], first["call_time_sec"]) == (
        again["talk_time_sec"],
        again["call_time_sec"],
    )
    assert (first["talk_time_sec"], first["call_time_sec"]) != (
        other["talk_time_sec"],
        other["call_time_sec"],
    )


def test_unanswered_call_goes_on_and_a_call_event_runs_its_rules(api: Api) -> None:
    handler = (
        '<eventHandlers><callEvent result="BUSY" action="onMatchResult">'
        '<sendSMS id="sms" label="SMS" from="Shop" destinationPhoneNumber="447700900999"/>'
        "</callEvent></eventHandlers>"
    )
    use_flow(api, call_rule(magic.MAGIC_BUSY, inner=handler) + call_rule(magic.MAGIC_ANSWER, rule_id="c2"))
    cdr, trace = place(api)
    assert (cdr["call_result"], cdr["call_destination"], cdr["talk_time_sec"]) == (
        "ANSWERED",
        magic.MAGIC_ANSWER,
        60,
    )
    assert cdr["call_time_sec"] == 2 + 3 + 60
    assert [line.split(": ", 1)[0].split()[-1] for line in trace[1:]] == ["c1", "sms", "c2"]
    sms = outbox_of(api, outbox.SMS)
    assert [(m["to"], m["from"], m["call_id"]) for m in sms] == [("447700900999", "Shop", cdr["call_id"])]


def test_voicemail_after_no_answer(api: Api) -> None:
    voicemail = (
        '<voicemail id="vm" label="Voicemail" from="noreply@example.com" subject="New voicemail" '
        'silence="3" maxDuration="120" templateName="t" destinationEmailAddress="desk@example.com" '
        'destinationContactId="?"><voicemailMessage><soundFile soundLabel="Voicemail greeting"/>'
        "</voicemailMessage></voicemail>"
    )
    handler = (
        '<eventHandlers><callEvent result="NO_ANSWER|BUSY" action="onMatchResult">'
        f"{voicemail}</callEvent></eventHandlers>"
    )
    use_flow(api, call_rule(magic.MAGIC_VOICEMAIL, inner=handler))
    cdr, _ = place(api)
    assert (cdr["call_result"], cdr["rule_result"], cdr["has_voicemail"], cdr["voicemail_sec"]) == (
        "NO ANSWER",
        "Voicemail",
        True,
        magic.MAGIC_VOICEMAIL_SECONDS,
    )
    assert cdr["call_time_sec"] == 20 + engine.PLAY_SECONDS + magic.MAGIC_VOICEMAIL_SECONDS
    mails = outbox_of(api, outbox.VOICEMAIL)
    assert [(m["to"], m["subject"]) for m in mails] == [("desk@example.com", "New voicemail")]
    resp = api.get("Calls", "getVoicemailRecording", {"id": cdr["call_id"]})
    assert resp.status_code == 200
    assert abs(mp3_info(resp.content).length - magic.MAGIC_VOICEMAIL_SECONDS) <= 0.2


def test_menu_key_after_a_wrong_one(api: Api) -> None:
    use_flow(api, MENU.format(timeout=10, attempts=3))
    cdr, trace = place(api, digits=("9", "2"))
    assert (cdr["call_result"], cdr["call_destination"]) == ("BUSY", magic.MAGIC_BUSY)
    assert [line for line in trace if "menu:" in line] == [
        "   9s menu: attempt 1: key 9 unmatched",
        "  14s menu: attempt 2: key 2",
    ]


def test_menu_without_keys_runs_the_failure_after_its_attempts(api: Api) -> None:
    use_flow(api, MENU.format(timeout=10, attempts=2))
    cdr, trace = place(api)
    assert (cdr["call_result"], cdr["rule_result"], cdr["call_destination"]) == (
        "ANSWERED",
        "Message Played",
        "",
    )
    # welcome 4 s, then twice (prompt 4 s + 10 s waiting), then bye 4 s
    assert cdr["call_time_sec"] == 4 + 2 * (4 + 10) + 4
    assert "nochoice: menu failed after 2 attempts" in trace[-2]


def test_a_menu_that_keeps_asking_ends_as_a_hang_up(api: Api) -> None:
    use_flow(api, MENU.format(timeout=1, attempts=100000))
    cdr, trace = place(api)
    assert cdr["call_result"] == "HANGUP"
    assert trace[-1].endswith(f"{engine.MAX_STEPS} steps: the caller hangs up")


class _Hook(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Hook.seen.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.seen.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_http_request_reaches_loopback_only(api: Api, hook: str) -> None:
    rules = (
        f'<httpRequest id="local" label="Local" url="{hook}" method="GET"/>'
        '<httpRequest id="remote" label="Remote" url="http://example.com/hook" method="GET"/>'
    )
    use_flow(api, rules)
    cdr, trace = place(api)
    # the requests go out after the call's commit, from a thread: until then they are queued
    assert [line.endswith(f"hook: {httpsend.PENDING}") for line in trace if "hook" in line] == [True] * 2
    sent = settled_outbox(api)
    assert len(_Hook.seen) == 1
    assert f"call_id={cdr['call_id']}" in _Hook.seen[0] and "link_id=westbourne-web" in _Hook.seen[0]
    assert [(m["to"], m["status"]) for m in reversed(sent)] == [
        (hook, "HTTP 204"),
        ("http://example.com/hook", outbound.REFUSED),
    ]


def settled_outbox(api: Api, seconds: float = 10) -> list[dict[str, Any]]:
    """The httpRequest messages once none is queued or being sent any more."""
    deadline = time.monotonic() + seconds
    while True:
        sent = outbox_of(api, outbox.HTTP)
        if all(m["status"] not in (httpsend.QUEUED, httpsend.SENDING) for m in sent):
            return sent
        assert time.monotonic() < deadline, sent
        time.sleep(0.02)


def test_call_alert_on_a_missed_call(api: Api) -> None:
    use_flow(
        api, call_rule(magic.MAGIC_REJECTED).replace('sendCallAlert="NONE"', 'sendCallAlert="MISSED_CALLS"')
    )
    cdr, _ = place(api)
    assert cdr["email_sent"] is True
    alerts = outbox_of(api, outbox.CALL_ALERT)
    assert [(a["call_id"], a["subject"]) for a in alerts] == [(cdr["call_id"], f"Busy call from {CALLER}")]


# ---------------------------------------------------------------------------------------------
# before any rule


NUISANCE = "441632960999"  # the fixture's blocked caller: allowed on westbourne-web in office hours


def test_blocked_caller(api: Api) -> None:
    use_flow(api, call_rule(magic.MAGIC_ANSWER), link="leeds-deli-web")
    cdr, trace = place(api, link="leeds-deli-web", number=NUISANCE)
    assert (cdr["call_result"], cdr["rule_result"], cdr["call_destination"]) == (call_results.BLOCKED, "", "")
    assert "blocked" in trace[0]


def test_time_template_outside_hours_blocks(api: Api) -> None:
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    inside, _ = place(api, number=NUISANCE)  # Wednesday 10:00: office hours
    assert inside["call_result"] == "ANSWERED"
    with api.dbs["sandbox"].writing() as s:
        clock.freeze(s, PINNED.replace(hour=20))
    outside, _ = place(api, number=NUISANCE)
    assert outside["call_result"] == call_results.BLOCKED
    assert outside["call_start"] == PINNED.replace(hour=20)


def test_no_rules_and_number_on_hold(api: Api) -> None:
    cdr, _ = place(api)
    assert (cdr["call_result"], cdr["rule_result"]) == ("NO RULES SET", "")
    held, _ = place(api, link="other-link", account="Other Partner")
    assert held["call_result"] == "NUMBER ON HOLD"


# ---------------------------------------------------------------------------------------------
# the recording and the CLI


def test_recording_of_an_engine_call_has_its_talk_time(api: Api) -> None:
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    cdr, _ = place(api)
    resp = api.get("Calls", "getCallRecording", {"id": cdr["call_id"]})
    assert resp.status_code == 200
    assert abs(mp3_info(resp.content).length - cdr["talk_time_sec"]) <= 0.2


def test_cli_call(api: Api) -> None:
    use_flow(api, MENU.format(timeout=10, attempts=3))
    args = ["call", "--data-dir", str(api.settings.data_dir), "--link", "westbourne-web"]
    out = CliRunner().invoke(main, [*args, "--from", CALLER, "--digits", "1", "--seed", "3", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["cdr"]["call_result"] == "ANSWERED" and data["cdr"]["call_destination"] == magic.MAGIC_ANSWER
    assert any("menu: attempt 1: key 1" in line for line in data["trace"])
    rows = results(api.get("Calls", "getCallData", {"id": data["call_id"], "req_fields": "id,tts"}))
    assert rows == [{"id": data["call_id"], "talk_time_sec": "60"}]
    plain = CliRunner().invoke(main, [*args, "--from", CALLER])
    assert plain.exit_code == 0 and plain.output.startswith("call_id 7")
    unknown = CliRunner().invoke(main, ["call", "--data-dir", str(api.settings.data_dir), "--link", "nope"])
    assert unknown.exit_code == 1 and "no link 'nope'" in unknown.output


def test_destination_from_the_links_values(api: Api) -> None:
    """The fixture's "Call the agent" leaves its destination `?`; attached with a contact, the call
    rings the contact's number and the CDR names the contact."""
    rules = (
        "<rule><rule_id>call_1</rule_id><rule_type>call</rule_type><rule_label>Call</rule_label>"
        f"<contact><contact_id>agent-7</contact_id><phone_number>{magic.MAGIC_BUSY}</phone_number>"
        "</contact></rule>"
    )
    attach = (
        "<request><template_name>Call the agent</template_name><link_ids><link_id>westbourne-web</link_id>"
        f"</link_ids><rules_variable>{rules}</rules_variable></request>"
    )
    assert api.put("Links", "attachRuleTemplateToLinks", attach).status_code == 204
    cdr, _ = place(api)
    assert (cdr["call_destination"], cdr["call_result"]) == (magic.MAGIC_BUSY, "BUSY")
    assert cdr["contact_pk"] is not None
    # sendCallAlert="MISSED_CALLS" in that flow: the alert goes to the outbox
    assert cdr["email_sent"] is True


# ---------------------------------------------------------------------------------------------
# issue 19: the menu's messages from the link's values, sendSms, the CDR words of §8

PROMPTED_MENU = (
    '<messageKeypress id="menu" label="Menu" captureKeypress="false" timeout="5">'
    '<play id="prompt" label="Options"><soundFile soundLabel="?"/></play>'
    "<eventHandlers>"
    '<keyEvent action="onMatchKeypressSequence" keypressSequence="1">'
    + call_rule(magic.MAGIC_ANSWER, rule_id="sales")
    + "</keyEvent>"
    '<failure id="nochoice" label="No choice" attempts="2"><keypressFailureMessages>'
    '<keypressFailureMessage behaviour="onNoKeypress"><soundFile soundLabel="?"/></keypressFailureMessage>'
    '<keypressFailureMessage behaviour="onUnmatchedKeypress"><soundFile soundLabel="?"/>'
    "</keypressFailureMessage></keypressFailureMessages></failure>"
    "</eventHandlers></messageKeypress>"
)
#: the vendor's attach example: the prompt's <play><sound_files> under the messageKeypress rule's id
PROMPT_VALUES = (
    "<rule><rule_id>menu</rule_id><rule_type>messageKeypress</rule_type><rule_label>Menu</rule_label>"
    "<play><sound_files><sound_file>IVR|Menu options</sound_file><sound_file>IVR|Welcome</sound_file>"
    "</sound_files></play>"
    "<no_key_message><sound_files><sound_file>IVR|No choice</sound_file></sound_files></no_key_message>"
    "<unmatched_message><sound_files><sound_file>Voicemail greeting</sound_file></sound_files>"
    "</unmatched_message></rule>"
)


def test_menu_prompt_and_failure_messages_come_from_the_links_values(api: Api) -> None:
    body = FLOW_HEAD.format(name="Prompted") + PROMPTED_MENU + "</callFlow></request>"
    assert api.post("CallFlow", "createCallFlow", body).status_code == 201
    attach = (
        "<request><template_name>Prompted</template_name><link_ids><link_id>westbourne-web</link_id>"
        f"</link_ids><rules_variable>{PROMPT_VALUES}</rules_variable></request>"
    )
    resp = api.put("Links", "attachRuleTemplateToLinks", attach)
    assert resp.status_code == 204, resp.text
    # a wrong key, then none: the unmatched message, then the no-key message, then the failure
    cdr, trace = place(api, digits=("7", ""))
    assert [line.split(": ", 1)[1] for line in trace if "prompt:" in line or "nochoice:" in line] == [
        "play IVR|Menu options, IVR|Welcome",
        "unmatched_message: play Voicemail greeting",
        "play IVR|Menu options, IVR|Welcome",
        "no_key_message: play IVR|No choice",
        "menu failed after 2 attempts",
    ]
    # two prompts of two files, one key, the unmatched message, the wait, the no-key message
    assert (
        cdr["call_time_sec"]
        == 2 * 2 * engine.PLAY_SECONDS + 1 + engine.PLAY_SECONDS + 5 + engine.PLAY_SECONDS
    )
    assert (cdr["call_result"], cdr["rule_result"]) == ("ANSWERED", "Message Played")
    answered, trace = place(api, digits=("1",))
    assert answered["call_destination"] == magic.MAGIC_ANSWER
    assert "prompt: play IVR|Menu options, IVR|Welcome" in trace[1]


def test_the_fixtures_menu_plays_its_prompt_and_no_key_message(api: Api) -> None:
    _, trace = place(api, link="westbourne-paper")
    assert any(line.endswith("welcome: play IVR|Welcome") for line in trace)
    assert sum(line.endswith("menu_prompt: play IVR|Menu options") for line in trace) == 3
    assert sum(line.endswith("menu_failure: no_key_message: play IVR|No choice") for line in trace) == 3
    # key 1: the Sales Desk's line, not recorded (record="false")
    cdr, _ = place(api, link="westbourne-paper", digits=("1",))
    assert (cdr["call_destination"], cdr["has_recording"]) == ("442079460123", False)


def test_send_sms_in_either_spelling(api: Api) -> None:
    rules = (
        '<sendSms id="lower" label="SMS" from="Shop" destinationPhoneNumber="447700900998"/>'
        '<sendSMS id="upper" label="SMS" from="Shop" destinationPhoneNumber="447700900999"/>'
    )
    use_flow(api, rules)
    cdr, trace = place(api)
    sms = outbox_of(api, outbox.SMS)
    assert sorted(m["to"] for m in sms if m["call_id"] == cdr["call_id"]) == ["447700900998", "447700900999"]
    assert any("lower: SMS to 447700900998" in line for line in trace)


def test_a_rule_left_unset_is_rules_broken(api: Api) -> None:
    use_flow(api, call_rule("?"))
    cdr, trace = place(api)
    assert (cdr["call_result"], cdr["call_destination"], cdr["talk_time_sec"]) == ("RULES BROKEN", "", 0)
    assert "c1: no destination" in trace[-1]


def test_a_voxnumber_is_not_dialled(api: Api) -> None:
    use_flow(api, call_rule("442079460153"))  # the fixture's number on westbourne-paper
    cdr, _ = place(api)
    assert (cdr["call_result"], cdr["talk_time_sec"], cdr["has_recording"]) == (
        "DESTINATION IS VOXNUMBER",
        0,
        False,
    )


def test_a_caller_who_hangs_up_ends_the_flow(api: Api) -> None:
    use_flow(api, call_rule(magic.MAGIC_CANCELLED) + call_rule(magic.MAGIC_ANSWER, rule_id="c2"))
    cdr, trace = place(api)
    assert (cdr["call_result"], cdr["call_destination"]) == ("HANGUP", magic.MAGIC_CANCELLED)
    assert not any(" c2:" in line for line in trace)
