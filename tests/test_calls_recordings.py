"""Calls.getCallRecording / getVoicemailRecording (SPEC.md §7.3): real MP3, deterministic, cached."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mock_iovox.calls.audio import SAMPLE_RATE, render_mp3
from mock_iovox.settings import Settings
from tests.helpers import OTHER, RUBY_HEADERS, Api, assert_errors, mp3_info, ruby_query
from tests.helpers.calls import DEMO, scalar, sql

FRAME = 576 / SAMPLE_RATE  # seconds per MPEG-2 layer III frame


def a_call(api: Api, where: str) -> tuple[str, int, int]:
    row = sql(
        api,
        f"SELECT call_id, talk_time_sec, voicemail_sec FROM calls WHERE account_pk = :a AND {where} "
        "ORDER BY pk LIMIT 1",
        a=DEMO,
    )
    assert row, where
    return row[0][0], row[0][1], row[0][2]


def duration(data: bytes) -> float:
    return float(mp3_info(data).length)


def test_call_recording_is_a_playable_mp3_of_the_talk_time(api: Api) -> None:
    call_id, talk, _ = a_call(api, "has_recording = 1 AND talk_time_sec BETWEEN 20 AND 100")
    resp = api.get("Calls", "getCallRecording", {"id": call_id})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "audio/mpeg"
    info = mp3_info(resp.content)
    assert info.channels == 1 and info.sample_rate == SAMPLE_RATE
    assert abs(info.length - talk) <= 2 * FRAME


def test_long_calls_are_capped_by_the_setting(api: Api) -> None:
    call_id, talk, _ = a_call(api, "has_recording = 1 AND talk_time_sec > 130")
    resp = api.get("Calls", "getCallRecording", {"id": call_id})
    assert abs(duration(resp.content) - 120) <= 2 * FRAME  # the default cap
    assert talk > 130


def test_cap_is_configurable(make_api: object, settings: Settings) -> None:
    from tests.helpers import Api as Client

    api = Client(replace(settings, recording_cap_seconds=5))
    try:
        call_id, _, _ = a_call(api, "has_recording = 1 AND talk_time_sec > 30")
        resp = api.get("Calls", "getCallRecording", {"id": call_id})
        assert abs(duration(resp.content) - 5) <= 2 * FRAME
    finally:
        api.close()


def test_rendered_once_then_cached_and_byte_identical(api: Api) -> None:
    call_id, talk, _ = a_call(api, "has_recording = 1 AND talk_time_sec < 60")
    first = api.get("Calls", "getCallRecording", {"id": call_id}).content
    stored = scalar(
        api,
        "SELECT r.mp3 FROM recordings r JOIN calls c ON c.pk = r.call_pk "
        "WHERE c.call_id = :i AND r.kind = 'call'",
        i=call_id,
    )
    assert stored == first
    assert api.get("Calls", "getCallRecording", {"id": call_id}).content == first
    # rendering again from scratch gives the same bytes
    with api.dbs["sandbox"].engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM recordings")
    assert api.get("Calls", "getCallRecording", {"id": call_id}).content == first
    assert render_mp3(f"call:{call_id}", talk) == first
    # and another call sounds different
    assert render_mp3(f"call:{call_id}x", talk) != first


def test_voicemail_recording(api: Api) -> None:
    call_id, _, seconds = a_call(api, "has_voicemail = 1 AND voicemail_sec > 5")
    resp = api.get("Calls", "getVoicemailRecording", {"id": call_id})
    assert resp.status_code == 200 and resp.headers["content-type"] == "audio/mpeg"
    assert abs(duration(resp.content) - seconds) <= 2 * FRAME
    assert resp.content != render_mp3(f"call:{call_id}", seconds)


def test_ruby_shaped_request_gets_the_raw_bytes(api: Api) -> None:
    call_id, _, _ = a_call(api, "has_recording = 1")
    resp = api.request(
        "GET", f"/Calls?{ruby_query('getCallRecording', {'id': call_id})}", headers=RUBY_HEADERS
    )
    assert resp.status_code == 200 and resp.content[:2] == b"\xff\xf3"


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("getCallRecording", "Call ID has no Recording"),
        ("getVoicemailRecording", "Call ID has no Voicemail Recording"),
    ],
)
def test_errors(api: Api, method: str, message: str) -> None:
    assert_errors(api.get("Calls", method, {"id": "7"}), 400, ["Call ID does not exist"])
    assert_errors(api.get("Calls", method, {}), 400, ["Call ID Empty"])
    assert_errors(api.get("Calls", method, {"id": " "}), 400, ["Call ID Empty"])
    column = "has_recording" if method == "getCallRecording" else "has_voicemail"
    call_id, _, _ = a_call(api, f"{column} = 0")
    assert_errors(api.get("Calls", method, {"id": call_id}), 400, [message])


def test_another_accounts_call_does_not_exist(api: Api) -> None:
    # a recorded call of Demo Estates, asked for by Other Partner
    mine = sql(api, "SELECT call_id FROM calls WHERE account_pk = 1 AND has_recording = 1 LIMIT 1")[0][0]
    resp = api.get("Calls", "getCallRecording", {"id": mine}, headers=OTHER)
    assert_errors(resp, 400, ["Call ID does not exist"])
