"""Calling.initiateCall (SPEC.md §9, issue 10): the PHP and Ruby request shapes, DTMF in the
destination, call variables filling `?`, `delay` on the virtual clock, every refusal, and the same CDR
as `mock-iovox call --api`."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mock_iovox import clock
from mock_iovox.calls import magic
from mock_iovox.cli import main
from mock_iovox.db import Call
from mock_iovox.db.calls import PendingCall
from mock_iovox.settings import Settings
from tests.helpers import (
    PINNED,
    RUBY_HEADERS,
    RUBY_PROLOG,
    Api,
    assert_errors,
    mp3_info,
    results,
    ruby_body,
    ruby_query,
)
from tests.helpers.flows import ALL_FIELDS, MENU, body, call_id_of, call_rule, php_call, use_flow


def ruby_call(api: Api, link: str, variables: str) -> Any:
    url = "/Calling?" + ruby_query("initiateCall")
    headers = {**RUBY_HEADERS, **ruby_body("")["headers"]}
    return api.client.post(url, headers=headers, content=(RUBY_PROLOG + body(link, variables)).encode())


def cdr(api: Api, call_id: str) -> dict[str, str]:
    rows = results(api.get("Calls", "getCallData", {"id": call_id, "req_fields": ALL_FIELDS}))
    assert len(rows) <= 1
    return rows[0] if rows else {}


def calls_count(api: Api) -> int:
    with api.dbs["sandbox"].reading() as s:
        return int(s.scalar(select(func.count()).select_from(Call)) or 0)


@pytest.mark.parametrize("client", ["php", "ruby"])
def test_click_to_call_in_both_client_shapes(api: Api, client: str) -> None:
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    send = php_call if client == "php" else ruby_call
    call_id = call_id_of(
        send(api, "westbourne-web", f"<call_destination>{magic.MAGIC_KEY}1</call_destination>")
    )
    row = cdr(api, call_id)
    assert (row["call_type"], row["call_origin"], row["call_destination"], row["call_result"]) == (
        "API",
        magic.MAGIC_KEY + "1",
        magic.MAGIC_ANSWER,
        "ANSWERED",
    )
    # the destination answers after 3 s, then the agent after 3 s and talks 60 s
    assert (row["talk_time_sec"], row["call_time_sec"], row["has_recording"]) == ("60", "66", "1")
    assert results(api.get("Calls", "getCallData", {"ctype": "API", "id": call_id, "req_fields": "id"}))


def test_dtmf_in_the_destination_drives_the_menu(api: Api) -> None:
    use_flow(api, MENU.format(timeout=10, attempts=3))
    call_id = call_id_of(
        php_call(api, "westbourne-web", "<call_destination>+442079460123,,9,,2</call_destination>")
    )
    row = cdr(api, call_id)
    assert (row["call_origin"], row["call_destination"], row["call_result"]) == (
        "442079460123",
        magic.MAGIC_BUSY,
        "BUSY",
    )


def test_a_magic_key_answers_the_menu(api: Api) -> None:
    use_flow(api, MENU.format(timeout=10, attempts=3))
    call_id = call_id_of(
        php_call(api, "westbourne-web", f"<call_destination>{magic.MAGIC_KEY}1</call_destination>")
    )
    assert cdr(api, call_id)["call_destination"] == magic.MAGIC_ANSWER


def test_unanswered_destination_runs_no_rule(api: Api) -> None:
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    call_id = call_id_of(
        php_call(api, "westbourne-web", f"<call_destination>{magic.MAGIC_BUSY}</call_destination>")
    )
    row = cdr(api, call_id)
    assert (row["call_result"], row["rule_result"], row["call_destination"]) == ("BUSY", "", "")


def test_call_variables_fill_the_flow(api: Api) -> None:
    # the fixture's "Call the agent" on paris-bistro-guide: its `?` destination is the Sales Desk on
    # that link, and a call variable of the same name (or slot) goes first
    variables = (
        f"<call_destination>{magic.MAGIC_ANSWER}</call_destination><customer_ref>Bob</customer_ref>"
        f"<destinationPhoneNumber>{magic.MAGIC_REJECTED}</destinationPhoneNumber>"
    )
    call_id = call_id_of(php_call(api, "paris-bistro-guide", variables))
    row = cdr(api, call_id)
    assert (row["call_destination"], row["call_result"]) == (magic.MAGIC_REJECTED, "BUSY")
    # the flow alerts on missed calls
    assert row["email_sent"] == "1"
    by_slot = (
        f"<call_destination>{magic.MAGIC_ANSWER}</call_destination>"
        f"<phone_number>{magic.MAGIC_BUSY}</phone_number>"
    )
    assert cdr(api, call_id_of(php_call(api, "paris-bistro-guide", by_slot)))["call_result"] == "BUSY"


def test_delay_waits_for_the_clock(api: Api) -> None:
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    variables = f"<call_destination>{magic.MAGIC_ANSWER}</call_destination><delay>5</delay>"
    call_id = call_id_of(php_call(api, "westbourne-web", variables))
    assert cdr(api, call_id) == {}
    assert api.get("Calls", "getCallRecording", {"id": call_id}).status_code == 400
    with api.dbs["sandbox"].writing() as s:
        clock.advance(s, 4 * 60 + 59)
    assert cdr(api, call_id) == {}
    with api.dbs["sandbox"].writing() as s:
        clock.advance(s, 1)
    row = cdr(api, call_id)
    assert row["call_start"] == "2026-12-02 10:05:00"
    assert (row["call_type"], row["call_result"], row["talk_time_sec"]) == ("API", "ANSWERED", "60")
    with api.dbs["sandbox"].reading() as s:
        assert s.scalar(select(func.count()).select_from(PendingCall)) == 0


def test_refusals(api: Api) -> None:
    before = calls_count(api)
    dest = "<call_destination>442079460123</call_destination>"
    assert_errors(php_call(api, "nope", dest), 400, ["Link ID does not exist"])
    assert_errors(
        php_call(api, "westbourne-web", dest), 400, ["Link ID has no Calling Rule Template attached"]
    )
    # the fixture's westbourne-paper has a menu flow (its values filled) but click_to_call=0
    assert_errors(php_call(api, "westbourne-paper", dest), 400, ["Click To Call is not enabled on this Link"])
    assert_errors(
        php_call(api, "paris-bistro-guide", "<call_destination>call me</call_destination>"),
        400,
        ["Call Destination Invalid"],
    )
    assert_errors(
        php_call(api, "paris-bistro-guide", "<customer_ref>x</customer_ref>"),
        400,
        ["Call Variable call_destination Empty"],
    )
    # a flow whose destinations neither the link nor the call variables fill
    voicemail = (
        '<voicemail id="vm" label="Voicemail" from="a@example.com" subject="s" silence="3" maxDuration="60" '
        'templateName="t" destinationEmailAddress="?" destinationContactId="?"><voicemailMessage>'
        '<soundFile soundLabel="Voicemail greeting"/></voicemailMessage></voicemail>'
    )
    use_flow(api, call_rule("?") + voicemail, name="Unfilled")
    assert_errors(
        php_call(api, "westbourne-web", "<call_destination>call me</call_destination>"),
        400,
        [
            "Call Destination Invalid",
            "Call Variable destinationPhoneNumber Empty",
            "Call Variable destinationEmailAddress Empty",
        ],
    )
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    assert_errors(
        php_call(api, "westbourne-web", dest + "<delay>1.5</delay>"), 400, ["Delay 1 of 1 not an integer"]
    )
    assert_errors(php_call(api, "westbourne-web", dest + "<delay>525601</delay>"), 400, ["Delay Invalid"])
    assert_errors(
        php_call(api, "westbourne-web", "1,2,x".join(["<call_destination>", "</call_destination>"])),
        400,
        ["Call Destination Invalid"],
    )
    assert calls_count(api) == before


def test_cli_and_initiate_call_write_the_same_cdr(api: Api, settings: Settings, tmp_path: Path) -> None:
    use_flow(api, MENU.format(timeout=10, attempts=3))
    twin = tmp_path / "twin"
    shutil.copytree(settings.data_dir, twin)
    destination = "442079460123,1"
    call_id = call_id_of(
        php_call(api, "westbourne-web", f"<call_destination>{destination}</call_destination>")
    )
    out = CliRunner().invoke(
        main, ["call", "--data-dir", str(twin), "--link", "westbourne-web", "--api", "--from", destination]
    )
    assert out.exit_code == 0, out.output
    assert out.output.startswith(f"call_id {call_id}\n")
    twin_api = Api(Settings(data_dir=twin, fixture=settings.fixture, certs_dir=settings.certs_dir))
    try:
        assert cdr(twin_api, call_id) == cdr(api, call_id) != {}
    finally:
        twin_api.close()
    assert cdr(api, call_id)["call_start"] == PINNED.strftime("%Y-%m-%d %H:%M:%S")


def test_a_blocked_destination_is_not_called(api: Api) -> None:
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    block = (
        "<request><blocked_number><number>442079460</number><in_or_out>OUT</in_or_out>"
        "<operator>STARTSWITH</operator><default>BLOCK</default><rules/></blocked_number></request>"
    )
    assert api.post("Rules", "createBlockedNumbers", block).status_code == 201
    call_id = call_id_of(php_call(api, "westbourne-web", "<call_destination>442079460123</call_destination>"))
    row = cdr(api, call_id)
    assert (row["call_result"], row["rule_result"], row["call_destination"]) == ("BLOCKED", "", "")
    # the flow's own destination is checked too
    use_flow(api, call_rule("442079460555"), name="Blocked agent")
    call_id = call_id_of(
        php_call(api, "westbourne-web", f"<call_destination>{magic.MAGIC_ANSWER}</call_destination>")
    )
    row = cdr(api, call_id)
    assert (row["call_result"], row["call_destination"], row["talk_time_sec"]) == (
        "BLOCKED",
        "442079460555",
        "0",
    )


def test_click_to_call_scenario(scenario_api: Api) -> None:
    """In process, over real TLS against `mock-iovox serve`, and on PostgreSQL: attach a flow, place a
    delayed click-to-call, see it appear once the clock passes it, download its recording."""
    api = scenario_api
    use_flow(api, call_rule(magic.MAGIC_ANSWER))
    variables = f"<call_destination>{magic.MAGIC_KEY}2</call_destination><delay>1</delay>"
    call_id = call_id_of(ruby_call(api, "westbourne-web", variables))
    assert cdr(api, call_id) == {}
    with api.dbs["sandbox"].writing() as s:
        clock.advance(s, 60)
    row = cdr(api, call_id)
    assert (row["call_type"], row["call_result"], row["talk_time_sec"], row["has_recording"]) == (
        "API",
        "ANSWERED",
        "60",
        "1",
    )
    resp = api.get("Calls", "getCallRecording", {"id": call_id})
    assert resp.status_code == 200 and resp.headers["content-type"] == "audio/mpeg"
    assert abs(mp3_info(resp.content).length - 60) <= 0.2
