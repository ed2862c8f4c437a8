"""Fixture sections `sound_files`, `time_templates`, `blocked_numbers` and `clis`: what a small
fixture loads, and the message a broken section gives (named by its place)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from mock_iovox.db import BlockedNumber, SoundFile, TimeTemplate
from mock_iovox.db.engine import open_databases
from mock_iovox.db.flows import BlockedNumberRule, Cli
from mock_iovox.domain.blocking import frames_from_json
from mock_iovox.fakes.fixtures import FixtureError
from tests.helpers.fixtures import load

GOOD = """
        sound_files:
          - {sound_label: Hello, sound_group: G, seconds: 1, notes: hi}
          - {sound_label: Bye}
        time_templates:
          - label: Nights
            time_frames:
              - {time_from: "22:00", time_to: "06:00", recurrence: none}
              - {date_from: 2026-12-24, date_to: 2026-12-26, recurrence: YEARLY, days: [sat, SUN]}
        blocked_numbers:
          - number: "+441632960001"
            operator: STARTSWITH
            rules:
              - {link_ids: [l1, l2], time_template: Nights, blocking_type: ALLOW}
              - {blocking_type: BLOCK}
          - {number: withheld, in_or_out: OUT, default: ALLOW}
        clis: ["441632960777", "+441632960778"]
"""


def test_sections_load(tmp_path: Path) -> None:
    settings = load(tmp_path, GOOD)
    db = open_databases(settings)["sandbox"]
    try:
        with db.reading() as session:
            files = list(session.scalars(select(SoundFile).order_by(SoundFile.pk)))
            assert [(f.sound_group, f.sound_label, f.notes, f.content_type) for f in files] == [
                ("G", "Hello", "hi", "audio/mpeg"),
                ("", "Bye", "", "audio/mpeg"),
            ]
            assert all(f.content_length == len(f.data) > 0 for f in files)
            template = session.scalars(select(TimeTemplate)).one()
            frames = frames_from_json(template.frames_json)
            assert [f.recurrence for f in frames] == ["NONE", "YEARLY"] and frames[1].days == ("SAT", "SUN")
            entries = list(session.scalars(select(BlockedNumber).order_by(BlockedNumber.pk)))
            assert [(e.number, e.in_or_out, e.operator, e.default) for e in entries] == [
                ("441632960001", "IN", "STARTSWITH", "BLOCK"),
                ("WITHHELD", "OUT", "EQUALS", "ALLOW"),
            ]
            rules = list(session.scalars(select(BlockedNumberRule).order_by(BlockedNumberRule.pk)))
            assert [
                (r.link_pk is None, r.time_template_pk == template.pk, r.blocking_type) for r in rules
            ] == [
                (False, True, "ALLOW"),
                (False, True, "ALLOW"),
                (True, False, "BLOCK"),
            ]
            assert list(session.scalars(select(Cli.cli).order_by(Cli.pk))) == ["441632960777", "441632960778"]
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("sound_files: {a: 1}", "sound_files: expected a list"),
        ("sound_files: [1]", "sound_files[1]: expected a mapping"),
        ("sound_files: [{seconds: 2}]", "sound_files[1]: 'sound_label' is required"),
        (
            "sound_files: [{sound_label: x, seconds: 99}]",
            "sound_files[1]: 'seconds' must be an integer 1..30",
        ),
        ("sound_files: [{sound_label: x, sound_group: System}]", "sound_files[1]: sound group 'System'"),
        ("sound_files: [{sound_label: x}, {sound_label: x}]", "sound_files[2]: sound group '' / label 'x'"),
        (
            "time_templates: [{label: t, time_frames: [{days: [XYZ]}]}]",
            "time_templates[1].time_frames[1]: bad",
        ),
        (
            "time_templates: [{label: t, time_frames: [{time_from: '25:00'}]}]",
            "time_frames[1]: bad time frame",
        ),
        (
            "time_templates: [{label: t, time_frames: [{date_from: 2026-02-01, date_to: 2026-01-01}]}]",
            "time_frames[1]: date_from is after date_to",
        ),
        ("time_templates: [{label: t, time_frames: [{recurrence: WEEKLY}]}]", "'recurrence' must be one of"),
        ("blocked_numbers: [{number: abc}]", "blocked_numbers[1]: 'number' must be digits, WITHHELD or *"),
        ("blocked_numbers: [{number: '1', in_or_out: UP}]", "'in_or_out' must be one of IN, OUT"),
        (
            "blocked_numbers: [{number: '1', rules: [{link_ids: [nope]}]}]",
            "rules[1]: link 'nope' is not defined",
        ),
        (
            "blocked_numbers: [{number: '1', rules: [{time_template: Never}]}]",
            "rules[1]: time template 'Never' is not defined",
        ),
        ("clis: [WITHHELD]", "clis[1]: a CLI is a phone number in digits"),
    ],
)
def test_bad_sections(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(FixtureError, match=re.escape(message)):
        load(tmp_path, "        " + section + "\n")
