"""The call generator (DECISIONS.md §5): deterministic, realistic, fictional numbers only, bulk."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mock_iovox.calls import generate as gen
from mock_iovox.calls import numbers
from mock_iovox.calls.outcomes import BLOCKED_RESULTS
from mock_iovox.calls.seed import seed_calls
from mock_iovox.calls.traffic import CALL_RESULTS, RULE_RESULTS, Window
from mock_iovox.cli import main
from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import FixtureError, read_fixture
from mock_iovox.settings import DEFAULT_FIXTURE, Settings
from tests.helpers import OTHER, Api, prepare_pinned
from tests.helpers.calls import DEMO, WIDE, scalar, sql, today

#: Ofcom drama ranges, French fiction ranges, NANP 555-01xx (DECISIONS.md §5)
FICTIONAL = re.compile(
    r"^(44207946\d{4}|441134960\d{3}|441614960\d{3}|447700900\d{3}|441914980\d{3}|441174960\d{3}"
    r"|3319900\d{4}|3363998\d{4}|1\d{3}55501\d\d)$"
)
CALL_COLUMNS = "SELECT * FROM calls ORDER BY pk"
#: the default fixture's generate_calls section of Demo Estates (sandbox)
DEMO_SECTION = "{count: 3000, days: 90, traffic: {westbourne-web: 0.1}}"


def load(tmp: Path, fixture: Path = DEFAULT_FIXTURE) -> Settings:
    return prepare_pinned(Settings(data_dir=tmp, fixture=fixture))


def dump(settings: Settings, query: str = CALL_COLUMNS) -> list[tuple[object, ...]]:
    db = open_databases(settings)["sandbox"]
    with db.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(query))]
    db.dispose()
    return rows


def test_same_fixture_same_calls_and_same_answers(tmp_path: Path, api: Api) -> None:
    again = load(tmp_path / "again")
    assert dump(again) == [tuple(r) for r in sql(api, CALL_COLUMNS)]
    assert dump(again, "SELECT * FROM call_categories ORDER BY 1, 2") == [
        tuple(r) for r in sql(api, "SELECT * FROM call_categories ORDER BY 1, 2")
    ]
    other = Api(again)
    try:
        cases: list[tuple[str, dict[str, Any]]] = [
            ("getCallData", {"limit": 500, **WIDE}),
            ("getCallMetrics", {"group_fields": "cdate,lid", **WIDE}),
        ]
        for method, params in cases:
            assert other.get("Calls", method, params).content == api.get("Calls", method, params).content
        call_id = scalar(api, "SELECT call_id FROM calls WHERE has_recording = 1 LIMIT 1")
        recording = {"id": call_id}
        assert (
            other.get("Calls", "getCallRecording", recording).content
            == api.get("Calls", "getCallRecording", recording).content
        )
    finally:
        other.close()


def test_fixture_section_shape(api: Api) -> None:
    counts = dict(sql(api, "SELECT account_pk, count(*) FROM calls GROUP BY 1"))
    assert counts == {1: 3000, 2: 200}
    first, last = sql(api, "SELECT min(call_start), max(call_start) FROM calls")[0]
    assert last[:10] <= str(today())
    assert (today() - date.fromisoformat(first[:10])).days <= 89
    # the default fixture has calls in getCallData's default window
    assert api.get("Calls", "getCallData", {"limit": 1}).text.count("<result>") == 1


def test_anchor_and_seed_make_it_reproducible_on_any_date(tmp_path: Path) -> None:
    text_ = DEFAULT_FIXTURE.read_text().replace(
        f"generate_calls: {DEMO_SECTION}",
        "generate_calls: {count: 300, days: 10, anchor: 2026-01-05, seed: 4}",
    )
    assert "anchor: 2026-01-05" in text_
    fixture = tmp_path / "f.yaml"
    fixture.write_text(text_)
    rows = dump(load(tmp_path / "a", fixture), "SELECT call_start FROM calls WHERE account_pk = 1")
    assert len(rows) == 300
    assert all("2025-12-27" <= str(r[0])[:10] <= "2026-01-05" for r in rows)
    fixture.write_text(text_.replace("seed: 4}", "seed: 5}"))
    assert dump(load(tmp_path / "b", fixture), "SELECT call_start FROM calls WHERE account_pk = 1") != rows


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("[1, 2]", "expected a mapping"),
        ("{count: -1}", "'count' must be a whole number >= 0"),
        ("{count: 5, anchor: someday}", "anchor must be today, epoch or a date"),
        ("{count: 5, traffic: {westbourne-web: -1}}", "'traffic' must map link ids to weights >= 0"),
        ("{count: 5, traffic: [westbourne-web]}", "'traffic' must map link ids to weights >= 0"),
    ],
)
def test_bad_fixture_section(tmp_path: Path, section: str, message: str) -> None:
    fixture = tmp_path / "f.yaml"
    fixture.write_text(DEFAULT_FIXTURE.read_text().replace(DEMO_SECTION, section))
    read_fixture(fixture)
    with pytest.raises(FixtureError, match=re.escape(message)):
        load(tmp_path / "d", fixture)


def test_numbers_are_fictional_and_encoded_per_spec(api: Api) -> None:
    for origin, encoded, vn, dest in sql(
        api, "SELECT DISTINCT call_origin, call_origin_encoded, voxnumber, call_destination FROM calls"
    ):
        assert FICTIONAL.match(origin), origin
        assert FICTIONAL.match(vn), vn
        assert dest == "" or FICTIONAL.match(dest), dest
        assert re.fullmatch(re.escape(origin[:4]) + r"_[0-9A-F]{16}", encoded)
        assert encoded == numbers.encode_origin(origin)
    # callers come back: fewer unique callers than calls
    assert scalar(api, "SELECT count(DISTINCT call_origin) FROM calls") < scalar(
        api, "SELECT count(*) FROM calls"
    )


def test_vocabularies_and_shares(api: Api) -> None:
    results = Counter(dict(sql(api, "SELECT call_result, count(*) FROM calls GROUP BY 1")))
    rules = Counter(dict(sql(api, "SELECT rule_result, count(*) FROM calls GROUP BY 1")))
    # only the vendor's CDR values (DECISIONS.md §8); the ones no rule writes come from the link
    # left without rules and from the number on hold, and stay a small share of a demo account
    assert set(results) <= set(CALL_RESULTS)
    assert {"ANSWERED", "ANSWERED [MACHINE DETECTED]", "BUSY", "HANGUP", "NO ANSWER"} <= set(results)
    assert set(BLOCKED_RESULTS) <= set(results)
    assert results["NO RULES SET"] / results.total() <= 0.10
    assert set(rules) == set(RULE_RESULTS) | {""}
    total = sum(n for result, n in results.items() if result not in BLOCKED_RESULTS)
    assert 0.5 < results["ANSWERED"] / total < 0.95
    assert {r[0] for r in sql(api, "SELECT DISTINCT call_type FROM calls")} == {"DIRECT", "API"}
    assert {r[0] for r in sql(api, "SELECT DISTINCT direction FROM calls")} == {"IN"}
    # only answered calls talk and are recorded; a voicemail is left after a missed call or chosen
    # in a menu (the platform answered), and is the call's rule result
    answered = "('ANSWERED', 'ANSWERED [MACHINE DETECTED]')"
    assert (
        scalar(api, f"SELECT count(*) FROM calls WHERE call_result NOT IN {answered} AND talk_time_sec > 0")
        == 0
    )
    assert (
        scalar(api, f"SELECT count(*) FROM calls WHERE has_recording = 1 AND call_result NOT IN {answered}")
        == 0
    )
    assert (
        scalar(
            api,
            "SELECT count(*) FROM calls WHERE has_voicemail = 1 AND (rule_result != 'Voicemail' "
            "OR call_result NOT IN ('NO ANSWER', 'BUSY', 'HANGUP', 'ANSWERED'))",
        )
        == 0
    )
    for flag in ("has_recording", "has_voicemail", "email_sent"):
        share = scalar(api, f"SELECT avg({flag}) FROM calls")
        assert 0.01 < share < 0.9, flag
    # API calls carry the requester's IP in detail, direct calls none
    assert scalar(api, "SELECT count(*) FROM calls WHERE (call_type = 'API') != (detail != '')") == 0
    # call_end = call_start + call_time
    assert (
        scalar(
            api,
            "SELECT count(*) FROM calls WHERE "
            "CAST(round((julianday(call_end) - julianday(call_start)) * 86400) AS INTEGER) != call_time_sec",
        )
        == 0
    )


def test_talk_times_and_answer_rates_vary_per_link(api: Api) -> None:
    rates = [
        r[1]
        for r in sql(
            api,
            "SELECT link_id, avg(call_result = 'ANSWERED') FROM calls WHERE account_pk = :a GROUP BY 1",
            a=DEMO,
        )
    ]
    assert max(rates) - min(rates) > 0.05
    talks = sorted(r[0] for r in sql(api, "SELECT talk_time_sec FROM calls WHERE talk_time_sec > 0"))
    median = talks[len(talks) // 2]
    assert 30 < median < 300 and talks[-1] > 3 * median  # a long tail


def test_business_hours_on_weekdays_are_busiest(api: Api) -> None:
    starts = [datetime.fromisoformat(r[0][:19]) for r in sql(api, "SELECT call_start FROM calls")]
    office = sum(1 for s in starts if s.weekday() < 5 and 9 <= s.hour < 17)
    night = sum(1 for s in starts if s.hour < 6)
    weekend = sum(1 for s in starts if s.weekday() >= 5)
    assert office / len(starts) > 0.5
    assert night / len(starts) < 0.03
    assert weekend / len(starts) < 0.2


def test_calls_copy_the_links_names_and_numbers(api: Api) -> None:
    mismatched = scalar(
        api,
        "SELECT count(*) FROM calls c JOIN links l ON l.pk = c.link_pk JOIN nodes n ON n.pk = c.node_pk "
        "WHERE c.link_id != l.link_id OR c.link_name != l.link_name OR c.link_type != l.link_type "
        "OR c.node_id != n.node_id OR c.node_name != n.node_name OR c.node_type != n.node_type "
        "OR l.node_pk != n.pk",
    )
    assert mismatched == 0
    # calls only on links carrying a VoxNumber, each showing it (the fallback number this once named,
    # numbers.fallback_voxnumber, no longer exists: mypy over tests/ found the dead branch)
    for link_pk, voxnumbers in sql(
        api, "SELECT link_pk, group_concat(DISTINCT voxnumber) FROM calls GROUP BY 1"
    ):
        attached = sql(api, "SELECT number FROM voxnumbers WHERE link_pk = :l", l=link_pk)
        assert attached, f"calls on link {link_pk}, which carries no VoxNumber"
        assert voxnumbers == attached[0][0]


def test_batches_are_bounded_and_chronological(api: Api) -> None:
    with api.dbs["sandbox"].sessions() as session:
        links = gen.plan_links(session, DEMO, random.Random(1))
    window = Window.days_until(datetime(2026, 3, 1, 12), 30)
    sizes = []
    last = window.start
    for calls, _ in gen.generate(DEMO, links, [], window, 45_000, random.Random(2), 1):
        sizes.append(len(calls))
        starts = [c[gen.COLUMNS.index("call_start")] for c in calls]
        assert starts == sorted(starts) and starts[0] >= last
        last = starts[-1]
    assert sizes == [gen.BATCH, gen.BATCH, 5000]
    assert window.start <= last <= window.end


def test_seed_adds_to_existing_calls(api: Api) -> None:
    before = scalar(api, "SELECT count(*) FROM calls")
    window = Window.days_until(datetime(2026, 3, 1, 12), 7)
    with api.dbs["sandbox"].writing() as session:
        assert seed_calls(session, 2, 250, window, 9) == 250
    assert scalar(api, "SELECT count(*) FROM calls") == before + 250
    assert scalar(api, "SELECT count(DISTINCT call_id) FROM calls") == before + 250
    added = sql(api, "SELECT min(call_start), max(call_start) FROM calls WHERE call_start < '2026-03-02'")[0]
    assert added[0][:10] >= "2026-02-23" and added[1][:10] <= "2026-03-01"


def _next_second() -> None:
    """Sleep past the next wall-clock second boundary."""
    time.sleep(1.0 - (time.time() % 1.0) + 0.01)


def test_seed_command_is_a_pure_function_of_seed_and_anchor(tmp_path: Path) -> None:
    """Two runs with the same seed on a clock frozen at a weekday 10:00 (inside the generated
    business-hours peak), started in different wall-clock seconds: identical rows and byte-identical
    answers. The default anchor is the clock's day, never the current second."""
    runner = CliRunner()
    outputs, answers = [], []
    for name in ("a", "b"):
        settings = prepare_pinned(Settings(data_dir=tmp_path / name, fixture=DEFAULT_FIXTURE))
        _next_second()
        args = ["seed", "--calls", "1500", "--days", "5", "--seed", "3", "--data-dir", str(tmp_path / name)]
        result = runner.invoke(main, [*args, "--account", "Other Partner"])
        assert result.exit_code == 0, result.output
        assert "sandbox: 1500 calls for 'Other Partner' from 2026-11-28 to 2026-12-02" in result.output
        outputs.append(dump(settings, "SELECT * FROM calls WHERE account_pk = 2 ORDER BY pk"))
        client = Api(settings)
        try:
            resp = client.get("Calls", "getCallData", {"limit": 20000, **WIDE}, headers=OTHER)
            assert resp.status_code == 200
            answers.append(resp.content)
        finally:
            client.close()
    assert outputs[0] == outputs[1] and len(outputs[0]) == 1700  # the fixture's 200 + 1500
    assert answers[0] == answers[1]
    # calls of the anchor day after 10:00 exist but are not shown until the clock passes them
    later = [r for r in outputs[0] if str(r[3]) > "2026-12-02 10:00:00"]
    assert later and answers[0].count(b"<result>") == 1700 - len(later)


def test_seed_anchor_option(tmp_path: Path) -> None:
    settings = prepare_pinned(Settings(data_dir=tmp_path / "a", fixture=DEFAULT_FIXTURE))
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "a")]
    args = ["seed", "--calls", "300", "--days", "3"]
    result = runner.invoke(main, [*args, "--anchor", "2026-01-05", *data])
    assert result.exit_code == 0, result.output
    assert "from 2026-01-03 to 2026-01-05" in result.output
    rows = dump(settings, "SELECT call_start FROM calls WHERE call_start < '2026-02-01'")
    assert len(rows) == 300 and all("2026-01-03" <= str(r[0])[:10] <= "2026-01-05" for r in rows)
    bad = runner.invoke(main, [*args, "--anchor", "yesterday", *data])
    assert bad.exit_code == 2 and "Invalid value for --anchor: 'yesterday' is not a date" in bad.output


def test_seed_command_without_the_account(tmp_path: Path) -> None:
    prepare_pinned(Settings(data_dir=tmp_path / "a", fixture=DEFAULT_FIXTURE))
    result = CliRunner().invoke(
        main, ["seed", "--calls", "5", "--data-dir", str(tmp_path / "a"), "--account", "Nobody"]
    )
    assert result.exit_code != 0 and "no account Nobody" in result.output
