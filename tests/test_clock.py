"""The mock's clock (mock_iovox/clock.py): stored per environment, read by every request, moved by
the `mock-iovox clock` command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mock_iovox import clock
from mock_iovox.cli import main
from mock_iovox.db.engine import open_databases
from mock_iovox.settings import Settings
from tests.helpers import PINNED, Api, node_xml, results, totals
from tests.helpers.calls import WIDE


def test_state_round_trips() -> None:
    frozen = clock.ClockState(frozen=PINNED)
    assert clock.ClockState.from_json(frozen.to_json()) == frozen
    running = clock.ClockState(offset=timedelta(seconds=-90))
    assert clock.ClockState.from_json(running.to_json()) == running
    assert clock.ClockState.from_json(None).is_real
    assert running.now(real=PINNED) == PINNED - timedelta(seconds=90)
    assert frozen.now(real=datetime(2000, 1, 1)) == PINNED


def test_operations(api: Api) -> None:
    db = api.dbs["sandbox"]
    with db.writing() as s:
        assert clock.now(s) == PINNED  # every test database starts frozen here
        assert clock.advance(s, 90).frozen == PINNED + timedelta(seconds=90)
        running = clock.set_time(s, datetime(2030, 1, 1, 12), frozen=False)
        assert running.frozen is None
        assert abs(running.now() - datetime(2030, 1, 1, 12)) < timedelta(seconds=5)
        held = clock.freeze(s)
        assert held.frozen is not None and abs(held.frozen - datetime(2030, 1, 1, 12)) < timedelta(seconds=5)
        resumed = clock.resume(s)
        assert resumed.frozen is None and abs(resumed.now() - held.frozen) < timedelta(seconds=5)
        # an aware time is taken in UTC, without fractions
        aware = datetime.fromisoformat("2026-12-02T12:00:00.5+02:00")
        assert clock.freeze(s, aware).frozen == PINNED
        clock.real(s)
        assert clock.read(s).is_real
        assert abs(clock.now(s) - clock.system_now()) <= timedelta(seconds=1)
    # production has a clock of its own
    with api.dbs["production"].reading() as s:
        assert clock.now(s) == PINNED


def test_the_clock_reveals_calls(api: Api) -> None:
    """Calls of the fixture's last day after PINNED are hidden until the clock passes them."""
    before = totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2]
    with api.dbs["sandbox"].writing() as s:
        clock.advance(s, 14 * 3600)  # to the end of the anchor day
    after = totals(api.get("Calls", "getCallData", {"limit": 1, **WIDE}))[2]
    assert after > before
    # new records carry the clock's time
    resp = api.post("Nodes", "createNodes", node_xml("clocked"))
    assert resp.status_code == 201, resp.text
    rows = results(api.get("Nodes", "getNodeDetails", {"node_id": "clocked"}))
    assert rows[0].get("node_date", "").startswith("2026-12-03")


def _clock(runner: CliRunner, data: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(main, ["clock", *args, "--env", "sandbox", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("sandbox: ")
    return dict(json.loads(line.removeprefix("sandbox: ")))


def test_cli(tmp_path: Path, settings: Settings) -> None:
    runner = CliRunner()
    data = settings.data_dir
    assert _clock(runner, data, "show") == {"now": PINNED.isoformat(), "frozen": True, "offset_seconds": 0}
    assert _clock(runner, data, "advance", "2h")["now"] == "2026-12-02T12:00:00"
    assert _clock(runner, data, "set", "2027-03-01T08:30:00Z", "--frozen")["now"] == "2027-03-01T08:30:00"
    running = _clock(runner, data, "resume")
    assert running["frozen"] is False and int(str(running["offset_seconds"])) != 0
    assert _clock(runner, data, "real")["offset_seconds"] == 0
    assert _clock(runner, data, "freeze", "--at", "2026-12-02")["now"] == "2026-12-02T00:00:00"
    db = open_databases(settings)["sandbox"]
    with db.reading() as s:
        assert clock.now(s) == datetime(2026, 12, 2)
    db.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["advance", "soon"], "'soon' is not a duration such as 90, 15m, 2h or 1d"),
        (["set", "tomorrow"], "'tomorrow' is not an ISO-8601 time"),
        (["freeze", "--at", "12/02/2026"], "'12/02/2026' is not an ISO-8601 time"),
    ],
)
def test_cli_bad_input(settings: Settings, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["clock", *args, "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 2 and message in result.output
