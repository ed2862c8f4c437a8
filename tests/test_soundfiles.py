"""SoundFiles (SPEC.md §5.7): uploads checked as real MP3/WAV audio, listing, data, rename, delete;
requests shaped as the PHP client (pretty XML, form Content-Type) and the Ruby client (one line,
sorted query, output=XML) send them."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from mock_iovox.catalog.soundfiles import MAX_FILE_BYTES
from mock_iovox.db import Account, CallFlow, Link, LinkRuleValue, SoundFile
from mock_iovox.domain.soundfiles import decode_base64, decoded_size, sniff_audio, sound_file_in_use
from tests.helpers import (
    OTHER,
    RUBY_HEADERS,
    RUBY_PROLOG,
    Api,
    assert_errors,
    errors_of,
    results,
    ruby_body,
    ruby_query,
    xml_of,
)
from tests.helpers.soundfiles import MP3, MP3_B64, WAV, WAV_B64, make_wav, php_item, php_request


def count_files(api: Api) -> int:
    with api.dbs["sandbox"].reading() as session:
        return session.scalar(select(func.count()).select_from(SoundFile)) or 0


def listing(api: Api, **params: Any) -> list[dict[str, str]]:
    resp = api.get("SoundFiles", "getSoundFiles", params)
    assert resp.status_code == 200, resp.text
    return results(resp)


# --- the domain checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (MP3, "audio/mpeg"),
        (WAV, "audio/wav"),
        (b"", None),
        (b"hello world" * 100, None),
        (b"RIFF\x00\x00\x00\x00WAVEjunk", None),
        (make_wav(0), None),  # a WAV without a single frame has no length
        (bytes(range(256)) * 400, None),
        (b"ID3" + b"\x00" * 1000, None),
        # issue 25 item 10: headers that claim more than the bytes there are, or no phone's audio
        (WAV[:40] + (4 * 1024**3 - 1).to_bytes(4, "little") + WAV[44:], None),  # 4 GB of data
        (WAV[:4] + (4 * 1024**3 - 1).to_bytes(4, "little") + WAV[8:], None),  # a 4 GB RIFF
        (WAV[:22] + (65535).to_bytes(2, "little") + WAV[24:], None),  # 65,535 channels
        (WAV[:22] + (9).to_bytes(2, "little") + WAV[24:], None),
        (WAV[:24] + (1).to_bytes(4, "little") + WAV[28:], None),  # one sample a second
        (WAV[:22] + (2).to_bytes(2, "little") + WAV[24:], "audio/wav"),  # stereo is fine
    ],
)
def test_sniff_audio(data: bytes, expected: str | None) -> None:
    assert sniff_audio(data) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aGVsbG8=", b"hello"),
        ("aGVs\nbG8=\n", b"hello"),  # MIME line breaks
        ("aGVsbG8", None),  # missing padding
        ("aGV$bG8=", None),
        ("héllo", None),
    ],
)
def test_decode_base64(text: str, expected: bytes | None) -> None:
    assert decode_base64(text) == expected


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 1000, 1001, 1002])
def test_decoded_size_matches_decoding(size: int) -> None:
    text = base64.b64encode(b"x" * size).decode()
    assert decoded_size(text) == size
    assert decoded_size("\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n") == size


# --- create, list, data --------------------------------------------------------------------------


def test_create_list_and_fetch_php_shaped(api: Api) -> None:
    before = count_files(api)
    resp = api.post(
        "SoundFiles",
        "createSoundFiles",
        php_request(
            php_item("Welcome back", MP3_B64, "IVR", notes="Hello &amp; welcome"),
            php_item("Beep", WAV_B64),
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 201, resp.text
    created = xml_of(resp).findall("sound_files/sound_file")
    assert [(e.findtext("sound_label"), e.findtext("sound_group")) for e in created] == [
        ("Welcome back", "IVR"),
        ("Beep", ""),
    ]
    ids = [e.findtext("sound_id") for e in created]
    assert count_files(api) == before + 2

    rows = {r["sound_label"]: r for r in listing(api, sound_label="Welcome back")}
    assert set(rows) == {"Welcome back"}
    row = rows["Welcome back"]
    assert set(row) == {"sound_label", "sound_group", "content_length", "created", "updated", "notes"}
    assert (row["sound_group"], row["content_length"], row["notes"]) == (
        "IVR",
        str(len(MP3)),
        "Hello & welcome",
    )
    assert row["created"] == row["updated"] and len(row["created"]) == 19

    # req_fields with the id, a group filter, and the JSON the PHP model reads (all strings, no {})
    resp = api.get(
        "SoundFiles",
        "getSoundFiles",
        {"req_fields": "id,sl,cl", "sound_group": "IVR", "sound_label": "Welcome back"},
        output_json=True,
    )
    assert resp.json()["response"]["results"]["result"] == {
        "sound_id": ids[0],
        "sound_label": "Welcome back",
        "content_length": str(len(MP3)),
    }

    resp = api.get("SoundFiles", "getSoundFileData", {"sound_label": "Welcome back", "sound_group": "IVR"})
    assert (resp.status_code, resp.headers["content-type"], resp.content) == (200, "audio/mpeg", MP3)
    # no group: the default group's file of that label, else the label in any group
    resp = api.get("SoundFiles", "getSoundFileData", {"sound_label": "Beep"})
    assert (resp.headers["content-type"], resp.content) == ("audio/wav", WAV)
    resp = api.get("SoundFiles", "getSoundFileData", {"sound_label": "Welcome back"})
    assert resp.content == MP3


def test_ruby_upload_fetch_and_delete_one(api: Api) -> None:
    body = (
        RUBY_PROLOG + "<request><sound_file><sound_label>Hold music</sound_label>"
        f"<sound_group>Queue</sound_group><sound_file>{WAV_B64}</sound_file>"
        '<notes xsi:nil="true"/></sound_file></request>\n'
    )
    url = "/SoundFiles?" + ruby_query("uploadSoundFileData")
    sent = ruby_body(body)
    resp = api.client.post(url, content=sent["content"], headers={**RUBY_HEADERS, **sent["headers"]})
    assert resp.status_code == 201, resp.text
    assert xml_of(resp).findtext("sound_files/sound_file/sound_label") == "Hold music"

    url = "/SoundFiles?" + ruby_query(
        "getSoundFileData", {"sound_group": "Queue", "sound_label": "Hold music"}
    )
    resp = api.client.get(url, headers=RUBY_HEADERS)
    # not an XML type, so the Ruby client leaves the body as the raw String
    assert (resp.status_code, resp.headers["content-type"], resp.content) == (200, "audio/wav", WAV)

    url = "/SoundFiles?" + ruby_query(
        "deleteSoundFile", {"sound_group": "Queue", "sound_label": "Hold music"}
    )
    assert api.client.delete(url, headers=RUBY_HEADERS).status_code == 204
    resp = api.client.delete(url, headers=RUBY_HEADERS)
    assert_errors(resp, 400, ["Sound File Does not exist"])
    resp = api.client.delete("/SoundFiles?" + ruby_query("deleteSoundFile"), headers=RUBY_HEADERS)
    assert_errors(resp, 400, ["Sound Label Empty"])


def test_sound_files_are_per_account(api: Api, make_api: Any) -> None:
    assert api.post("SoundFiles", "createSoundFiles", php_request(php_item("Mine"))).status_code == 201
    other = make_api()
    resp = other.get("SoundFiles", "getSoundFileData", {"sound_label": "Mine"}, headers=OTHER)
    assert_errors(resp, 400, ["Sound File Does not exist"])
    resp = other.get("SoundFiles", "getSoundFiles", {"sound_label": "Mine"}, headers=OTHER)
    assert results(resp) == []
    # the same label is free in another account
    resp = other.post("SoundFiles", "createSoundFiles", php_request(php_item("Mine")), headers=OTHER)
    assert resp.status_code == 201


# --- bad uploads ---------------------------------------------------------------------------------


def test_create_reports_every_item_problem_and_writes_nothing(api: Api) -> None:
    assert api.post("SoundFiles", "createSoundFiles", php_request(php_item("Taken"))).status_code == 201
    before = count_files(api)
    text = base64.b64encode(b"just some text, not audio").decode()
    resp = api.post(
        "SoundFiles",
        "createSoundFiles",
        php_request(
            php_item("Fine"),
            php_item("Taken"),
            php_item("Bad;label", group="SYSTEM"),
            php_item("Not64", "this is not base64!"),
            php_item("Text", text),
            php_item("Ok too", WAV_B64, group="g|h"),
        ),
    )
    assert_errors(
        resp,
        400,
        [
            "Sound Label 2 of 6 already exists in Sound Group",
            "Sound Label 3 of 6 Invalid",
            "Sound Group 3 of 6 Forbidden",
            "Sound File 4 of 6 Invalid",
            "Sound File 5 of 6 is not an MP3 or WAV file",
            "Sound Group 6 of 6 Forbidden",
        ],
    )
    assert count_files(api) == before


def test_create_missing_label_and_file(api: Api) -> None:
    resp = api.post(
        "SoundFiles",
        "createSoundFiles",
        php_request(
            php_item("", None),
            "  <sound_file>\n    <sound_label>x</sound_label>\n    <sound_file/>\n  </sound_file>\n",
        ),
    )
    assert_errors(
        resp, 400, ["Sound Label 1 of 2 Empty", "Sound File 1 of 2 Empty", "Sound File 2 of 2 Empty"]
    )


def test_create_duplicate_in_one_request(api: Api) -> None:
    resp = api.post(
        "SoundFiles",
        "createSoundFiles",
        php_request(php_item("Same", group="G"), php_item("Other"), php_item("Same", WAV_B64, group="G")),
    )
    assert_errors(resp, 400, ["Duplicate Sound File Received"])


def test_create_file_too_big(api: Api) -> None:
    # real MP3 frames repeated past the limit still count by size first
    big = base64.b64encode(MP3 * (MAX_FILE_BYTES // len(MP3) + 1)).decode()
    roomy = dataclasses.replace(api.settings, max_body_bytes=len(big) + 4096)
    client = Api(roomy)
    try:
        resp = client.post("SoundFiles", "createSoundFiles", php_request(php_item("Big", big)))
        assert_errors(resp, 400, ["Sound File 1 of 1 Exceeds maximum allowed filesize"])
        # just under the limit is accepted
        fits = base64.b64encode(MP3 * (MAX_FILE_BYTES // len(MP3))).decode()
        resp = client.post("SoundFiles", "createSoundFiles", php_request(php_item("Fits", fits)))
        assert resp.status_code == 201, resp.text
    finally:
        client.close()


def test_twenty_megabyte_blob_that_is_not_audio(api: Api) -> None:
    """A 20 MB base64 text node (twice libxml2's text limit) under the default 20 MiB body limit is
    told as the vendor's size error; past the body limit the request is refused before parsing."""
    roomy = dataclasses.replace(api.settings, max_body_bytes=20 * 1024 * 1024)
    client = Api(roomy)
    try:
        blob = "QUJD" * 5_000_000  # "ABC" repeated: valid base64, not audio, 20,000,000 characters
        resp = client.post("SoundFiles", "createSoundFiles", php_request(php_item("Huge", blob)))
        assert_errors(resp, 400, ["Sound File 1 of 1 Exceeds maximum allowed filesize"])
        resp = client.put("SoundFiles", "updateSoundFiles", php_request(php_item("Huge", blob)))
        assert_errors(
            resp,
            400,
            ["Sound File 1 of 1 Exceeds maximum allowed filesize", "Sound File 1 of 1 Does not exist"],
        )
        too_big = "QUJD" * 5_300_000
        resp = client.post("SoundFiles", "createSoundFiles", php_request(php_item("Huge", too_big)))
        assert_errors(resp, 400, [f"Request Too Large: the body exceeds {20 * 1024 * 1024} bytes"])
    finally:
        client.close()


# --- update ----------------------------------------------------------------------------------------


def test_update_renames_regroups_and_replaces_audio(api: Api) -> None:
    resp = api.post(
        "SoundFiles", "createSoundFiles", php_request(php_item("Old", group="A"), php_item("Keep", group="A"))
    )
    assert resp.status_code == 201
    resp = api.put(
        "SoundFiles",
        "updateSoundFiles",
        php_request(
            php_item("Old", WAV_B64, "A", new_sound_label="New", new_sound_group="B", notes="replaced"),
            php_item("Keep", None, "A", notes="only notes"),
        ),
    )
    assert (resp.status_code, resp.content) == (204, b"")
    rows = {(r["sound_group"], r["sound_label"]): r for r in listing(api, req_fields="sl,sg,cl,n")}
    assert ("A", "Old") not in rows
    assert rows[("B", "New")] == {
        "sound_label": "New",
        "sound_group": "B",
        "content_length": str(len(WAV)),
        "notes": "replaced",
    }
    assert rows[("A", "Keep")]["notes"] == "only notes"
    assert rows[("A", "Keep")]["content_length"] == str(len(MP3))
    resp = api.get("SoundFiles", "getSoundFileData", {"sound_label": "New", "sound_group": "B"})
    assert (resp.headers["content-type"], resp.content) == ("audio/wav", WAV)


def test_update_errors_change_nothing(api: Api) -> None:
    resp = api.post(
        "SoundFiles",
        "createSoundFiles",
        php_request(php_item("One", group="A"), php_item("Two", group="A"), php_item("Three", group="A")),
    )
    assert resp.status_code == 201
    resp = api.put(
        "SoundFiles",
        "updateSoundFiles",
        php_request(
            php_item("One", None, "A", notes="changed"),
            php_item("Two", None, "A", new_sound_label="Three"),
            php_item("Ghost", None, "A"),
            php_item("One", None, "Nope"),
            php_item("Ghost2", "bm90IGF1ZGlv", "A", new_sound_group="IOVOX", new_sound_label="x,y"),
        ),
    )
    assert_errors(
        resp,
        400,
        [
            "Sound Label 2 of 5 already exists in Sound Group",
            "Sound File 3 of 5 Does not exist",
            "Sound File 4 of 5 Does not exist",
            "Sound Label 5 of 5 Invalid",
            "Sound Group 5 of 5 Forbidden",
            "Sound File 5 of 5 is not an MP3 or WAV file",
            "Sound File 5 of 5 Does not exist",
        ],
    )
    assert {r["notes"] for r in listing(api, sound_group="A")} == {""}
    resp = api.put(
        "SoundFiles",
        "updateSoundFiles",
        php_request(
            php_item("One", None, "A", new_sound_label="Z"), php_item("Two", None, "A", new_sound_label="Z")
        ),
    )
    assert_errors(resp, 400, ["Duplicate Sound File Received"])
    resp = api.put("SoundFiles", "updateSoundFiles", php_request(php_item("", None)))
    assert_errors(resp, 400, ["Sound Label 1 of 1 Empty"])


# --- delete ------------------------------------------------------------------------------------------


def test_delete_pairs(api: Api) -> None:
    resp = api.post(
        "SoundFiles",
        "createSoundFiles",
        php_request(php_item("Intro", group="Menu"), php_item("Outro"), php_item("Other", group="Menu")),
    )
    assert resp.status_code == 201
    before = count_files(api)
    resp = api.delete("SoundFiles", "deleteSoundFiles", {"sound_files": "Intro;Menu,Outro;,Nope;Menu,;Menu"})
    assert_errors(resp, 400, ["Sound File 3 of 4 Does not exist", "Sound Label 4 of 4 Empty"])
    assert count_files(api) == before
    resp = api.delete("SoundFiles", "deleteSoundFiles", {"sound_files": "Intro;Menu,Outro"})
    assert resp.status_code == 204
    assert count_files(api) == before - 2
    assert [r["sound_label"] for r in listing(api, sound_group="Menu")] == ["Other"]
    resp = api.delete("SoundFiles", "deleteSoundFiles", {"sound_files": ""})
    assert_errors(resp, 400, ["Sound Files Empty"])


def test_ruby_shaped_delete_sound_files(api: Api) -> None:
    assert (
        api.post("SoundFiles", "createSoundFiles", php_request(php_item("R 1", group="G 1"))).status_code
        == 201
    )
    url = "/SoundFiles?" + ruby_query("deleteSoundFiles", {"sound_files": "R 1;G 1"})
    assert api.client.delete(url, headers=RUBY_HEADERS).status_code == 204
    assert listing(api, sound_group="G 1") == []


def test_get_sound_file_data_errors(api: Api) -> None:
    assert_errors(api.get("SoundFiles", "getSoundFileData"), 400, ["Sound Label Empty"])
    resp = api.get("SoundFiles", "getSoundFileData", {"sound_label": "missing"})
    assert_errors(resp, 400, ["Sound File Does not exist"])


# --- who refers to a sound file --------------------------------------------------------------------


def test_sound_file_in_use(api: Api) -> None:
    with api.dbs["sandbox"].writing() as session:
        account = session.scalar(select(Account).where(Account.name == "Demo Estates"))
        assert account is not None
        link = session.scalar(select(Link).where(Link.link_id == "westbourne-web"))
        assert link is not None
        flow = CallFlow(
            account_pk=account.pk,
            kind="CALL",
            name="Greeting",
            template_type="CUSTOM",
            xml=(
                '<callFlow name="Greeting"><play id="p" label="Play"><messageParts>'
                '<soundFile soundLabel="Hello &amp; hi" soundGroup=""/>'
                '<soundFile soundLabel="Menu" soundGroup="IVR"/></messageParts></play></callFlow>'
            ),
            created_at=link.created_at,
        )
        session.add(flow)
        session.flush()
        session.add(
            LinkRuleValue(
                link_pk=link.pk,
                flow_pk=flow.pk,
                rule_id="p",
                values_json=json.dumps({"sound_files": ["Promo|Spring sale", "Menus|Café"]}),
            )
        )
        session.flush()
        pk = account.pk
        assert sound_file_in_use(session, pk, "Hello & hi", "")
        assert sound_file_in_use(session, pk, "Menu", "IVR")
        assert sound_file_in_use(session, pk, "Spring sale", "Promo")
        assert sound_file_in_use(session, pk, "Café", "Menus")
        assert not sound_file_in_use(session, pk, "Menu", "")
        assert not sound_file_in_use(session, pk, "Hello & hi", "IVR")
        assert not sound_file_in_use(session, pk, "Spring", "Promo")
        assert not sound_file_in_use(session, pk + 1, "Menu", "IVR")


@pytest.mark.parametrize("depth", [300, 1500, 5000])
def test_deep_body_keeps_the_usual_depth_limit(api: Api, depth: int) -> None:
    """Sound-file methods lift libxml2's text limit, not its depth limit (nor Python's recursion)."""
    body = "<request>" + "<a>" * depth + "</a>" * depth + "</request>"
    for verb, method in (("POST", "createSoundFiles"), ("PUT", "updateSoundFiles")):
        resp = api.call(verb, "SoundFiles", method, content=body.encode())
        assert resp.status_code == 400, resp.text
        [(_, message)] = errors_of(resp)
        assert message.startswith("XML parse error. Excessive depth in document: 256, use XML_PARSE_HUGE")
