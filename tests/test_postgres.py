"""The same API on a real PostgreSQL server (`--database-url postgresql+psycopg://…/db_{env}`):
what differs from SQLite is exercised here (the scenario tests also run on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_iovox.db import generations
from mock_iovox.settings import Settings
from tests.helpers import Api, assert_errors, results, totals

WIDE = {"sdt": "2000-01-01", "edt": "2099-12-31"}


@pytest.fixture
def pg_api(postgres_settings: Settings) -> Iterator[Api]:
    client = Api(postgres_settings)
    yield client
    client.close()


def test_fixture_loaded_per_environment(pg_api: Api) -> None:
    assert "westbourne" in {r["node_id"] for r in results(pg_api.get("Nodes", "getNodes"))}
    assert pg_api.dbs["production"].engine.dialect.name == "postgresql"


def test_node_id_swap(pg_api: Api) -> None:
    # the swap goes through a placeholder id: it must be text PostgreSQL accepts (no NUL byte)
    body = (
        "<request><node><node_id>leeds-deli</node_id><new_node_id>paris-bistro</new_node_id></node>"
        "<node><node_id>paris-bistro</node_id><new_node_id>leeds-deli</new_node_id></node></request>"
    )
    assert pg_api.put("Nodes", "updateNodes", body).status_code == 204
    rows = results(pg_api.get("Nodes", "getNodes", {"node_id": "leeds-deli"}))
    assert rows[0]["node_name"] == "Bistro du Marais"


def test_call_data_metrics_and_recording(pg_api: Api) -> None:
    data = pg_api.get("Calls", "getCallData", {"limit": 5, "req_fields": "id,cs,tt,tts,has_rec", **WIDE})
    rows = results(data)
    assert len(rows) == 5 and totals(data)[2] > 1000
    assert all(len(r["call_start"]) == 19 and len(r["talk_time"]) == 8 for r in rows)
    total = totals(data)[2]
    by_day = results(
        pg_api.get("Calls", "getCallMetrics", {"req_fields": "tc", "group_fields": "cdate", **WIDE})
    )
    assert sum(int(r["total_calls"]) for r in by_day) == total
    assert all(len(r["call_date"]) == 10 for r in by_day)
    by_month = results(
        pg_api.get("Calls", "getCallMetrics", {"req_fields": "tc", "group_fields": "cmonth,cweekd", **WIDE})
    )
    assert {len(r["call_month"]) for r in by_month} == {7}
    assert {r["call_weekday"] for r in by_month} <= {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}
    recorded = results(pg_api.get("Calls", "getCallData", {"limit": 200, "req_fields": "id,has_rec", **WIDE}))
    call_id = next(r["id"] for r in recorded if r["has_recording"] == "1")
    first = pg_api.get("Calls", "getCallRecording", {"id": call_id})
    assert first.status_code == 200 and first.headers["content-type"] == "audio/mpeg"
    assert pg_api.get("Calls", "getCallRecording", {"id": call_id}).content == first.content
    assert_errors(pg_api.get("Calls", "getCallRecording", {"id": "nope"}), 400, ["Call ID does not exist"])


def test_errors_roll_back(pg_api: Api) -> None:
    body = (
        "<request><node><node_id>fresh</node_id><node_name>F</node_name><node_type>T</node_type></node>"
        "<node><node_id>westbourne</node_id><node_name>W</node_name><node_type>T</node_type></node></request>"
    )
    assert_errors(pg_api.post("Nodes", "createNodes", body), 400, ["Node ID 2 of 2 already exists"])
    assert results(pg_api.get("Nodes", "getNodes", {"node_id": "fresh"})) == []


def test_delete_node_cascades_and_frees_the_number(pg_api: Api) -> None:
    numbers = results(pg_api.get("Voxnumbers", "getVoxnumbers", {"req_fields": "vn,as,lid"}))
    free = next(r["voxnumber"] for r in numbers if r["link_id"] == "westbourne-web")  # the fixture's
    assert pg_api.delete("Nodes", "deleteNodes", {"node_ids": "westbourne"}).status_code == 204
    after = {
        r["voxnumber"]: r
        for r in results(pg_api.get("Voxnumbers", "getVoxnumbers", {"req_fields": "vn,as,lid"}))
    }
    assert after[free]["assigned_status"] == "UNASSIGNED" and after[free]["link_id"] == ""


def test_node_writes_of_several_items(pg_api: Api) -> None:
    # the write statements built once (issue 13), with lists of ids and the generation's upsert
    items = "".join(
        f"<node><node_id>pg-{n}</node_id><node_name>N{n}</node_name><node_type>T</node_type></node>"
        for n in range(3)
    )
    resp = pg_api.post("Nodes", "createNodes", f"<request>{items}</request>")
    assert resp.status_code == 201
    engine = pg_api.dbs["sandbox"].engine
    before = generations.read_state(engine).generation
    same = "<request><node><node_id>pg-0</node_id><node_name>N0</node_name></node></request>"
    assert pg_api.put("Nodes", "updateNodes", same).status_code == 204
    assert generations.read_state(engine).generation == before
    swap = (
        "<request><node><node_id>pg-0</node_id><new_node_id>pg-1</new_node_id></node>"
        "<node><node_id>pg-1</node_id><new_node_id>pg-0</new_node_id></node></request>"
    )
    assert pg_api.put("Nodes", "updateNodes", swap).status_code == 204
    assert generations.read_state(engine).generation != before
    rows = {
        r["node_id"]: r["node_name"] for r in results(pg_api.get("Nodes", "getNodes", {"node_type": "T"}))
    }
    assert rows == {"pg-0": "N1", "pg-1": "N0", "pg-2": "N2"}
    again = "<request><node><node_id>pg-2</node_id><node_name>X</node_name><node_type>T</node_type></node>"
    again += "</request>"
    assert_errors(pg_api.post("Nodes", "createNodes", again), 400, ["Node ID 1 of 1 already exists"])
    resp = pg_api.delete("Nodes", "deleteNodes", {"node_ids": "pg-0,ghost"})
    assert_errors(resp, 400, ["Node ID 2 of 2 does not exist"])
    assert len(results(pg_api.get("Nodes", "getNodes", {"node_type": "T"}))) == 3
    assert pg_api.delete("Nodes", "deleteNodes", {"node_ids": "pg-0,pg-1,pg-2"}).status_code == 204
    assert results(pg_api.get("Nodes", "getNodes", {"node_type": "T"})) == []
