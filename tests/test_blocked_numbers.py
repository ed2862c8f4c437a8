"""Rules: blocked numbers CRUD (SPEC.md §5.5), shaped as the PHP client sends them, and what the
stored entries decide for the call engine (mock_iovox/domain/blocking.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from mock_iovox.db import Account, BlockedNumber
from mock_iovox.domain.blocking import blocking_decision
from tests.helpers import Api, assert_errors, results, xml_of


def rule(
    *link_ids: str,
    time_template: str | None = None,
    blocking_type: str | None = "BLOCK",
    wrap: str = "link_ids",
) -> str:
    inner = f"          <{wrap}>\n" + "".join(f"            <link_id>{lid}</link_id>\n" for lid in link_ids)
    inner += f"          </{wrap}>\n"
    if not link_ids:
        inner = f"          <{wrap}/>\n"
    if time_template is not None:
        inner += f"          <time_template>{time_template}</time_template>\n"
    if blocking_type is not None:
        inner += f"          <blocking_type>{blocking_type}</blocking_type>\n"
    return "        <rule>\n" + inner + "        </rule>\n"


def entry(number: str, in_or_out: str = "IN", operator: str = "EQUALS", *rules: str, **extra: str) -> str:
    """One <blocked_number> as PHP's BlockedNumberPayload serialises (empty rules as `<rules/>`)."""
    lines = [
        f"    <number>{number}</number>",
        f"    <in_or_out>{in_or_out}</in_or_out>",
        f"    <operator>{operator}</operator>",
    ]
    lines += [f"    <{k}>{v}</{k}>" for k, v in extra.items()]
    lines.append("    <rules>\n" + "".join(rules) + "    </rules>" if rules else "    <rules/>")
    return "  <blocked_number>\n" + "\n".join(lines) + "\n  </blocked_number>\n"


def request(*items: str) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n<request>\n' + "".join(items) + "</request>\n"


OFFICE_HOURS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<request>\n  <time_template>\n    <label>Shop hours</label>\n'
    "    <time_frames>\n      <time_frame>\n        <recurrence>NONE</recurrence>\n"
    "        <time_from>09:00</time_from>\n        <time_to>17:30</time_to>\n"
    "        <days>\n          <day>MON</day>\n          <day>TUE</day>\n          <day>WED</day>\n"
    "          <day>THU</day>\n          <day>FRI</day>\n        </days>\n      </time_frame>\n"
    "    </time_frames>\n  </time_template>\n</request>\n"
)


def count(api: Api) -> int:
    with api.dbs["sandbox"].reading() as session:
        return session.scalar(select(func.count()).select_from(BlockedNumber)) or 0


def rows_json(api: Api, **params: Any) -> Any:
    resp = api.get("Rules", "getBlockedNumbers", params, output_json=True)
    assert resp.status_code == 200, resp.text
    return resp.json()["response"]


def decision(api: Api, number: str | None, link_id: str, direction: str, at: datetime) -> str:
    with api.dbs["sandbox"].reading() as session:
        account = session.scalar(select(Account.pk).where(Account.name == "Demo Estates"))
        assert account is not None
        return blocking_decision(session, account, number, link_id, direction, at).action


def setup_entries(api: Api) -> None:
    assert api.post("Rules", "createTimeTemplates", OFFICE_HOURS).status_code == 201
    resp = api.post(
        "Rules",
        "createBlockedNumbers",
        request(
            entry(
                "+4477009001",
                "IN",
                "STARTSWITH",
                rule("westbourne-web", "leeds-deli-web", time_template="Shop hours", blocking_type="ALLOW"),
                default="BLOCK",
                notes="nuisance range",
            ),
            entry("withheld", "IN", "EQUALS", default="BLOCK"),
            entry("33199001234", "OUT", "EQUALS", rule(blocking_type="ALLOW"), default="BLOCK"),
        ),
    )
    assert resp.status_code == 201, resp.text
    created = xml_of(resp).findall("blocked_numbers/blocked_number")
    assert [(e.findtext("number"), e.findtext("in_or_out"), e.findtext("operator")) for e in created] == [
        ("4477009001", "IN", "STARTSWITH"),
        ("WITHHELD", "IN", "EQUALS"),
        ("33199001234", "OUT", "EQUALS"),
    ]


def test_create_list_and_decide(api: Api) -> None:
    setup_entries(api)
    # XML: default order no_ASC, default fields incl. default and rules; one <rule> per link id
    root = xml_of(api.get("Rules", "getBlockedNumbers"))
    result = root.findall("results/result")
    # (441632960999 comes with the default fixture)
    assert [r.findtext("number") for r in result] == ["33199001234", "441632960999", "4477009001", "WITHHELD"]
    first = next(r for r in result if r.findtext("number") == "4477009001")
    assert [c.tag for c in first] == ["number", "in_or_out", "operator", "notes", "default", "rules"]
    assert [
        (r.findtext("links/link_id"), r.findtext("time_template"), r.findtext("blocking_type"))
        for r in first.findall("rules/rule")
    ] == [("westbourne-web", "Shop hours", "ALLOW"), ("leeds-deli-web", "Shop hours", "ALLOW")]
    # JSON as the PHP model reads it: links.link_id one string; no rules -> ""; every link -> no links
    data = rows_json(api, in_or_out="IN")
    by_number = {r["number"]: r for r in data["results"]["result"]}
    assert by_number["WITHHELD"] == {
        "number": "WITHHELD",
        "in_or_out": "IN",
        "operator": "EQUALS",
        "notes": "",
        "default": "BLOCK",
        "rules": "",
    }
    assert by_number["4477009001"]["rules"]["rule"][0] == {
        "links": {"link_id": "westbourne-web"},
        "time_template": "Shop hours",
        "blocking_type": "ALLOW",
    }
    out = rows_json(api, number="33199001234", operator="EQUALS")["results"]["result"]
    assert out["rules"] == {"rule": {"time_template": "", "blocking_type": "ALLOW"}}
    assert results(api.get("Rules", "getBlockedNumbers", {"req_fields": "no,d", "order": "no_DESC"}))[0] == {
        "number": "WITHHELD",
        "default": "BLOCK",
    }

    # what the engine gets (Monday 2026-01-05)
    office, evening = datetime(2026, 1, 5, 10, 0), datetime(2026, 1, 5, 20, 0)
    assert decision(api, "447700900123", "westbourne-web", "IN", office) == "ALLOW"
    assert decision(api, "447700900123", "westbourne-web", "IN", evening) == "BLOCK"
    assert decision(api, "447700900123", "paris-bistro-guide", "IN", office) == "BLOCK"
    assert decision(api, None, "westbourne-web", "IN", office) == "BLOCK"
    assert decision(api, "441134960000", "westbourne-web", "IN", office) == "ALLOW"
    assert decision(api, "33199001234", "westbourne-web", "OUT", evening) == "ALLOW"


def test_list_filter_errors(api: Api) -> None:
    setup_entries(api)
    assert_errors(api.get("Rules", "getBlockedNumbers", {"number": "123"}), 400, ["Number does not exist"])
    resp = api.get("Rules", "getBlockedNumbers", {"in_or_out": "SIDEWAYS", "operator": "LIKE"})
    assert_errors(resp, 400, ["Operator Invalid", "In Or Out Invalid"])


def test_create_errors_write_nothing(api: Api) -> None:
    setup_entries(api)
    before = count(api)
    resp = api.post(
        "Rules",
        "createBlockedNumbers",
        request(
            entry("441134960001"),
            entry("WITHHELD"),
            entry("12ab"),
            entry("441134960001"),
            entry(
                "441134960002", "IN", "EQUALS", rule("no-such-link", "westbourne-web", time_template="Never")
            ),
        ),
    )
    assert_errors(
        resp,
        400,
        [
            "Blocked Number 2 of 5 already exists",
            "Number 3 of 5 Invalid",
            "Blocked Number 4 of 5 already exists",
            "Link ID 5 of 5 does not exist",
            "Time Template 5 of 5 does not exist",
        ],
    )
    resp = api.post(
        "Rules",
        "createBlockedNumbers",
        request(entry("", "UP", "LIKE", default="MAYBE")),
    )
    assert_errors(
        resp,
        400,
        [
            "Number 1 of 1 Empty",
            "In Or Out 1 of 1 Invalid",
            "Operator 1 of 1 Invalid",
            "Default 1 of 1 Invalid",
        ],
    )
    assert count(api) == before


def test_update(api: Api) -> None:
    setup_entries(api)
    # rename the number, switch the default, replace the rules using the doc's <links> spelling
    resp = api.put(
        "Rules",
        "updateBlockedNumbers",
        request(
            entry(
                "4477009001",
                "IN",
                "STARTSWITH",
                rule("paris-bistro-guide", wrap="links"),
                new_number="44770090",
                default="ALLOW",
            )
        ),
    )
    assert (resp.status_code, resp.content) == (204, b"")
    row = rows_json(api, number="44770090")["results"]["result"]
    assert (row["default"], row["rules"]["rule"]) == (
        "ALLOW",
        {"links": {"link_id": "paris-bistro-guide"}, "time_template": "", "blocking_type": "BLOCK"},
    )
    # notes only, with PHP's empty <rules/>: the rules stay
    resp = api.put(
        "Rules", "updateBlockedNumbers", request(entry("44770090", "IN", "STARTSWITH", notes="kept"))
    )
    assert resp.status_code == 204
    row = rows_json(api, number="44770090")["results"]["result"]
    assert (row["notes"], row["rules"]["rule"]["links"]["link_id"]) == ("kept", "paris-bistro-guide")
    # onto an existing triple: refused, then allowed with PHP's if_exists=OVERWRITE
    body = request(entry("44770090", "IN", "STARTSWITH", new_number="WITHHELD", new_operator="EQUALS"))
    assert_errors(
        api.put("Rules", "updateBlockedNumbers", body), 400, ["Blocked Number 1 of 1 already exists"]
    )
    before = count(api)
    body = request(
        entry(
            "44770090",
            "IN",
            "STARTSWITH",
            new_number="WITHHELD",
            new_operator="EQUALS",
            if_exists="OVERWRITE",
        )
    )
    assert api.put("Rules", "updateBlockedNumbers", body).status_code == 204
    assert count(api) == before - 1
    assert rows_json(api, number="WITHHELD")["results"]["result"]["default"] == "ALLOW"


def test_update_errors(api: Api) -> None:
    setup_entries(api)
    resp = api.put(
        "Rules",
        "updateBlockedNumbers",
        request(
            entry("4477009001", "OUT", "STARTSWITH"),
            entry("WITHHELD", "IN", "EQUALS", rule("ghost")),
            entry("33199001234", "OUT", "EQUALS", new_number="x"),
        ),
    )
    assert_errors(resp, 400, ["Number 3 of 3 Invalid"])
    resp = api.put(
        "Rules",
        "updateBlockedNumbers",
        request(entry("4477009001", "OUT", "STARTSWITH"), entry("WITHHELD", "IN", "EQUALS", rule("ghost"))),
    )
    assert_errors(resp, 400, ["Blocked Number 1 of 2 does not exist", "Link ID 2 of 2 does not exist"])
    resp = api.put(
        "Rules",
        "updateBlockedNumbers",
        request(entry("WITHHELD", notes="a"), entry("withheld", notes="b")),
    )
    assert_errors(resp, 400, ["Duplicate Blocked Number Received"])
    assert rows_json(api, number="WITHHELD")["results"]["result"]["notes"] == ""


def test_delete(api: Api) -> None:
    setup_entries(api)
    before = count(api)
    resp = api.delete(
        "Rules",
        "deleteBlockedNumbers",
        {"blocked_numbers": "WITHHELD;IN;EQUALS,4477009001;IN;EQUALS,999;IN;EQUALS,;IN,4477009001;in"},
    )
    assert_errors(
        resp,
        400,
        [
            "Number of 4 of 5 Empty",
            "Operator of 4 of 5 Empty",
            "Operator of 5 of 5 Empty",
            "Combination of Number, In Or Out and Operator in Blocked Number 2 of 5 does not exist.",
            "Blocked Number 3 of 5 does not exist",
        ],
    )
    assert count(api) == before
    resp = api.delete(
        "Rules", "deleteBlockedNumbers", {"blocked_numbers": "withheld;in;equals,+4477009001;IN;STARTSWITH"}
    )
    assert resp.status_code == 204
    assert count(api) == before - 2
    assert_errors(
        api.delete("Rules", "deleteBlockedNumbers", {"blocked_numbers": ""}), 400, ["Blocked Numbers Empty"]
    )


def test_links_and_time_templates_carry_through(api: Api) -> None:
    """A renamed template and a deleted link show in the rules; a template in use needs force."""
    setup_entries(api)
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<request>\n  <time_template>\n'
        "    <label>Shop hours</label>\n    <new_label>Opening hours</new_label>\n"
        "    <time_frames/>\n  </time_template>\n</request>\n"
    )
    assert api.put("Rules", "updateTimeTemplates", body).status_code == 204
    assert api.delete("Links", "deleteLinks", {"link_ids": "leeds-deli-web"}).status_code == 204
    body = request(
        "  <link>\n    <link_id>westbourne-web</link_id>\n    <new_link_id>wb-web</new_link_id>\n  </link>\n"
    )
    assert api.put("Links", "updateLinks", body).status_code == 204
    rules = rows_json(api, number="4477009001")["results"]["result"]["rules"]["rule"]
    assert rules == {
        "links": {"link_id": "wb-web"},
        "time_template": "Opening hours",
        "blocking_type": "ALLOW",
    }

    resp = api.delete("Rules", "deleteTimeTemplates", {"time_template_labels": "Opening hours"})
    assert_errors(
        resp,
        400,
        [
            "This time template is used by a blocking rule you can force the deletion by using force "
            "as TRUE. Blocking rule numbers are 4477009001"
        ],
    )
    resp = api.delete(
        "Rules", "deleteTimeTemplates", {"time_template_labels": "Opening hours", "force": "TRUE"}
    )
    assert resp.status_code == 204
    rules = rows_json(api, number="4477009001")["results"]["result"]["rules"]["rule"]
    assert rules["time_template"] == ""
    # without its template the rule applies at any time
    assert decision(api, "447700900123", "wb-web", "IN", datetime(2026, 1, 5, 20, 0)) == "ALLOW"
