"""Sound files, time templates and blocked numbers as an integration walks them, in process, over
real TLS (`mock-iovox serve`) and on PostgreSQL; and what the default fixture brings."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import select

from mock_iovox.calls.audio import render_mp3
from mock_iovox.db import Account
from mock_iovox.domain.blocking import blocking_decision
from tests.helpers import RUBY_HEADERS, Api, assert_errors, mp3_info, results, ruby_query, xml_of

PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n'
GREETING = render_mp3("scenario greeting", 2)


def test_default_fixture(api: Api) -> None:
    rows = results(api.get("SoundFiles", "getSoundFiles", {"req_fields": "sl,sg,cl,n"}))
    assert [(r["sound_group"], r["sound_label"]) for r in rows] == [
        ("IVR", "Welcome"),
        ("", "Voicemail greeting"),
        ("IVR", "Menu options"),
        ("IVR", "No choice"),
    ]
    resp = api.get("SoundFiles", "getSoundFileData", {"sound_label": "Welcome", "sound_group": "IVR"})
    assert resp.headers["content-type"] == "audio/mpeg"
    assert resp.content == render_mp3("sound:IVR|Welcome", 3)  # rendered at load time, deterministic
    assert rows[0]["content_length"] == str(len(resp.content))
    assert 2.9 < mp3_info(resp.content).length < 3.2

    office = api.get("Rules", "getTimeTemplates", {"time_template_label": "Office hours"}, output_json=True)
    frame = office.json()["response"]["results"]["result"]["time_frames"]["time_frame"]
    assert (frame["time_from"], frame["time_to"], frame["days"]["day"]) == (
        "09:00",
        "17:30",
        ["MON", "TUE", "WED", "THU", "FRI"],
    )
    blocked = api.get("Rules", "getBlockedNumbers", output_json=True).json()["response"]["results"]["result"]
    assert blocked["number"] == "441632960999"
    assert blocked["rules"]["rule"]["links"]["link_id"] == "westbourne-web"
    with api.dbs["sandbox"].reading() as session:
        account = session.scalar(select(Account.pk).where(Account.name == "Demo Estates"))
        assert account is not None
        tuesday_10, tuesday_20 = datetime(2026, 1, 6, 10), datetime(2026, 1, 6, 20)
        assert not blocking_decision(
            session, account, "441632960999", "westbourne-web", "IN", tuesday_10
        ).blocked
        assert blocking_decision(session, account, "441632960999", "westbourne-web", "IN", tuesday_20).blocked
        assert blocking_decision(session, account, "441632960999", "leeds-deli-web", "IN", tuesday_10).blocked


def test_sounds_and_rules_walkthrough(scenario_api: Api) -> None:
    api = scenario_api

    # 1. a prompt uploaded as PHP sends it, fetched as Ruby does
    body = (
        PROLOG + "<request>\n  <sound_file>\n    <sound_label>Closed</sound_label>\n"
        f"    <sound_file>{base64.b64encode(GREETING).decode()}</sound_file>\n"
        "    <sound_group>After hours</sound_group>\n  </sound_file>\n</request>\n"
    )
    resp = api.post("SoundFiles", "createSoundFiles", body)
    assert resp.status_code == 201, resp.text
    url = "/SoundFiles?" + ruby_query(
        "getSoundFileData", {"sound_label": "Closed", "sound_group": "After hours"}
    )
    resp = api.client.get(url, headers=RUBY_HEADERS)
    assert (resp.status_code, resp.headers["content-type"], resp.content) == (200, "audio/mpeg", GREETING)

    # 2. a time template, then a blocked prefix allowed on one link inside it
    body = (
        PROLOG + "<request>\n  <time_template>\n    <label>Weekend</label>\n    <time_frames>\n"
        "      <time_frame>\n        <recurrence>NONE</recurrence>\n        <days>\n"
        "          <day>SAT</day>\n          <day>SUN</day>\n        </days>\n      </time_frame>\n"
        "    </time_frames>\n  </time_template>\n</request>\n"
    )
    assert api.post("Rules", "createTimeTemplates", body).status_code == 201
    body = (
        PROLOG
        + "<request>\n  <blocked_number>\n    <number>3319900</number>\n    <in_or_out>IN</in_or_out>\n"
        "    <operator>STARTSWITH</operator>\n    <default>ALLOW</default>\n    <rules>\n      <rule>\n"
        "        <link_ids>\n          <link_id>paris-bistro-guide</link_id>\n        </link_ids>\n"
        "        <time_template>Weekend</time_template>\n        <blocking_type>BLOCK</blocking_type>\n"
        "      </rule>\n    </rules>\n  </blocked_number>\n</request>\n"
    )
    assert api.post("Rules", "createBlockedNumbers", body).status_code == 201
    row = api.get("Rules", "getBlockedNumbers", {"number": "3319900"}, output_json=True).json()
    assert row["response"]["results"]["result"]["rules"]["rule"] == {
        "links": {"link_id": "paris-bistro-guide"},
        "time_template": "Weekend",
        "blocking_type": "BLOCK",
    }

    # 3. the template cannot go while the rule uses it; forced, the rule stays without it
    resp = api.delete("Rules", "deleteTimeTemplates", {"time_template_labels": "Weekend"})
    assert_errors(
        resp,
        400,
        [
            "This time template is used by a blocking rule you can force the deletion by using force "
            "as TRUE. Blocking rule numbers are 3319900"
        ],
    )
    resp = api.delete("Rules", "deleteTimeTemplates", {"time_template_labels": "Weekend", "force": "TRUE"})
    assert resp.status_code == 204
    root = xml_of(api.get("Rules", "getBlockedNumbers", {"number": "3319900"}))
    assert root.findtext("results/result/rules/rule/time_template") == ""

    # 4. clean up: the blocked number and the prompt
    resp = api.delete("Rules", "deleteBlockedNumbers", {"blocked_numbers": "3319900;IN;STARTSWITH"})
    assert resp.status_code == 204
    resp = api.delete("SoundFiles", "deleteSoundFiles", {"sound_files": "Closed;After hours"})
    assert resp.status_code == 204
    assert results(api.get("SoundFiles", "getSoundFiles", {"sound_group": "After hours"})) == []
