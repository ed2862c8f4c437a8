"""Rules: time templates CRUD (SPEC.md §5.5), shaped as the PHP client sends them (it is the only
client that has them): pretty XML, `<days><day>…</day></days>` or `<days/>`, output=JSON lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from mock_iovox.db import TimeTemplate
from tests.helpers import Api, assert_errors, results, totals, xml_of


def frame(
    days: tuple[str, ...] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    recurrence: str | None = None,
    time_from: str | None = None,
    time_to: str | None = None,
) -> str:
    """One <time_frame> as PHP's TimeFramePayload serialises (nulls dropped, empty days `<days/>`)."""
    parts = [
        f"        <{name}>{value}</{name}>"
        for name, value in (
            ("date_from", date_from),
            ("date_to", date_to),
            ("recurrence", recurrence),
            ("time_from", time_from),
            ("time_to", time_to),
        )
        if value is not None
    ]
    if days:
        parts.append(
            "        <days>\n" + "".join(f"          <day>{d}</day>\n" for d in days) + "        </days>"
        )
    else:
        parts.append("        <days/>")
    return "      <time_frame>\n" + "\n".join(parts) + "\n      </time_frame>\n"


def template(label: str, *frames: str, new_label: str | None = None, notes: str | None = None) -> str:
    inner = f"    <label>{label}</label>\n"
    inner += "    <time_frames>\n" + "".join(frames) + "    </time_frames>\n"
    if new_label is not None:
        inner += f"    <new_label>{new_label}</new_label>\n"
    if notes is not None:
        inner += f"    <notes>{notes}</notes>\n"
    return "  <time_template>\n" + inner + "  </time_template>\n"


def request(*items: str) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n<request>\n' + "".join(items) + "</request>\n"


OFFICE = frame(("MON", "TUE", "WED", "THU", "FRI"), time_from="09:00", time_to="17:30", recurrence="NONE")
XMAS = frame(("SAT",), date_from="2026-12-20", date_to="2027-01-05", recurrence="YEARLY")


def count(api: Api) -> int:
    with api.dbs["sandbox"].reading() as session:
        return session.scalar(select(func.count()).select_from(TimeTemplate)) or 0


def listing(api: Api, **params: Any) -> Any:
    resp = api.get("Rules", "getTimeTemplates", params, output_json=True)
    assert resp.status_code == 200, resp.text
    return resp.json()["response"]


def test_create_and_read_back(api: Api) -> None:
    resp = api.post(
        "Rules",
        "createTimeTemplates",
        request(template("Shop hours", OFFICE, notes="weekdays"), template("Holidays", XMAS, frame())),
    )
    assert resp.status_code == 201, resp.text
    assert [e.text for e in xml_of(resp).findall("time_templates/time_template/label")] == [
        "Shop hours",
        "Holidays",
    ]
    # XML: default order l_DESC, every field, days as repeated <day>, empty values as empty elements
    resp = api.get("Rules", "getTimeTemplates")
    assert totals(resp)[2] >= 2
    root = xml_of(resp)
    labels = [r.findtext("label") for r in root.findall("results/result")]
    assert labels == sorted(labels, reverse=True)
    office = next(r for r in root.findall("results/result") if r.findtext("label") == "Shop hours")
    assert [c.tag for c in office] == ["label", "notes", "time_frames", "created"]
    assert office.findtext("notes") == "weekdays"
    tf = office.find("time_frames/time_frame")
    assert {c.tag: (c.text or "") for c in tf if c.tag != "days"} == {
        "date_from": "",
        "date_to": "",
        "recurrence": "NONE",
        "time_from": "09:00",
        "time_to": "17:30",
    }
    assert [d.text for d in tf.findall("days/day")] == ["MON", "TUE", "WED", "THU", "FRI"]

    # JSON as the PHP model reads it: days.day always a list, no days -> ""
    row = listing(api, time_template_label="Holidays")["results"]["result"]
    assert row["label"] == "Holidays" and len(row["created"]) == 19
    frames = row["time_frames"]["time_frame"]
    assert frames[0] == {
        "date_from": "2026-12-20",
        "date_to": "2027-01-05",
        "recurrence": "YEARLY",
        "time_from": "",
        "time_to": "",
        "days": {"day": ["SAT"]},
    }
    assert frames[1]["days"] == "" and frames[1]["recurrence"] == "NONE"
    # req_fields and order
    resp = api.get("Rules", "getTimeTemplates", {"req_fields": "l", "order": "l_ASC", "limit": 5000})
    rows = results(resp)
    assert all(set(r) == {"label"} for r in rows)
    assert [r["label"] for r in rows] == sorted(r["label"] for r in rows)


def test_create_errors_write_nothing(api: Api) -> None:
    assert api.post("Rules", "createTimeTemplates", request(template("Taken", OFFICE))).status_code == 201
    before = count(api)
    resp = api.post(
        "Rules",
        "createTimeTemplates",
        request(
            template("Fresh", OFFICE),
            template("Taken", OFFICE),
            template("Bad days", frame(("MON", "FUNDAY", "SUN"))),
            template("Backwards", OFFICE, frame(date_from="2026-02-01", date_to="2026-01-01")),
            template("a,b", OFFICE),
        ),
    )
    assert_errors(
        resp,
        400,
        [
            "Label 2 of 5 already exists",
            "Day 2 of 3 Invalid",
            "Time Frame 2 of 2 Invalid",
            "Label 5 of 5 Invalid",
        ],
    )
    assert count(api) == before
    # payload-level problems are found first, all together
    resp = api.post(
        "Rules",
        "createTimeTemplates",
        request(
            template("", OFFICE),
            template("No frames"),
            template("Bad values", frame(time_from="25:00", date_to="2026-13-01", recurrence="WEEKLY")),
        ),
    )
    assert_errors(
        resp,
        400,
        [
            "Label 1 of 3 Empty",
            "Time Frames 2 of 3 Empty",
            "Date To 1 of 1 Invalid",
            "Recurrence 1 of 1 Invalid",
            "Time From 1 of 1 Invalid",
        ],
    )
    resp = api.post(
        "Rules", "createTimeTemplates", request(template("Twice", OFFICE), template("Twice", XMAS))
    )
    assert_errors(resp, 400, ["Duplicate Label Received"])
    assert count(api) == before


def test_update_renames_and_replaces_frames(api: Api) -> None:
    assert api.post("Rules", "createTimeTemplates", request(template("Old", OFFICE))).status_code == 201
    resp = api.put(
        "Rules", "updateTimeTemplates", request(template("Old", XMAS, new_label="New", notes="moved"))
    )
    assert (resp.status_code, resp.content) == (204, b"")
    assert listing(api, time_template_label="Old")["total_results"] == "0"
    row = listing(api, time_template_label="New")["results"]["result"]
    assert row["notes"] == "moved"
    assert row["time_frames"]["time_frame"]["recurrence"] == "YEARLY"
    # notes only: frames kept (an update without frames)
    body = '<?xml version="1.0" encoding="utf-8"?>\n<request>\n  <time_template>\n    <label>New</label>\n'
    body += "    <time_frames/>\n    <notes>kept</notes>\n  </time_template>\n</request>\n"
    assert api.put("Rules", "updateTimeTemplates", body).status_code == 204
    row = listing(api, time_template_label="New")["results"]["result"]
    assert (row["notes"], row["time_frames"]["time_frame"]["recurrence"]) == ("kept", "YEARLY")


def test_update_errors(api: Api) -> None:
    resp = api.post("Rules", "createTimeTemplates", request(template("A", OFFICE), template("B", OFFICE)))
    assert resp.status_code == 201
    resp = api.put(
        "Rules",
        "updateTimeTemplates",
        request(
            template("A", OFFICE, new_label="B"),
            template("Ghost", OFFICE),
            template("B", frame(("XYZ",)), new_label="x,y"),
        ),
    )
    assert_errors(
        resp,
        400,
        [
            "New Label 1 of 3 already exists",
            "Label 2 of 3 does not exist",
            "Label 3 of 3 Invalid",
            "Day 1 of 1 Invalid",
        ],
    )
    resp = api.put("Rules", "updateTimeTemplates", request(template("A", OFFICE), template("A", XMAS)))
    assert_errors(resp, 400, ["Duplicate Label Received"])
    assert {r["label"] for r in results(api.get("Rules", "getTimeTemplates", {"req_fields": "l"}))} >= {
        "A",
        "B",
    }


def test_delete(api: Api) -> None:
    resp = api.post("Rules", "createTimeTemplates", request(template("X", OFFICE), template("Y", OFFICE)))
    assert resp.status_code == 201
    before = count(api)
    resp = api.delete("Rules", "deleteTimeTemplates", {"time_template_labels": "X,Nope,"})
    assert_errors(
        resp,
        400,
        ["time_template_label 2 of 3 does not exist", "time_template_label 3 of 3 does not exist"],
    )
    assert count(api) == before
    resp = api.delete("Rules", "deleteTimeTemplates", {"time_template_labels": "X,Y", "force": "FALSE"})
    assert resp.status_code == 204
    assert count(api) == before - 2
    assert_errors(
        api.delete("Rules", "deleteTimeTemplates", {"time_template_labels": ""}),
        400,
        ["time_template_labels Empty"],
    )
    resp = api.delete("Rules", "deleteTimeTemplates", {"time_template_labels": "X", "force": "maybe"})
    assert_errors(resp, 400, ["force Invalid"])
