"""Voxnumbers (SPEC.md §5.8, §6): listing with every filter and field, setCallStatus in each
client's body shape, deleteVoxnumbersFromAccount, transferVoxnumbers."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from mock_iovox.db import CallFlow, Link
from tests.helpers import OTHER, Api, assert_errors, results, totals
from tests.helpers.numbering import (
    DEMO_POOL,
    OTHER_ON_LINK,
    OTHER_SPARE,
    free_link_numbers,
    owner_of,
    php,
    purchase_item,
    row_of,
    ruby,
    stock_numbers,
    voxnumbers,
)

ALL_FIELDS = "nid,nname,lid,lname,as,cs,cc,vn,vnt,vnco,vnci,vnpd"


@pytest.fixture(autouse=True)
def _links_without_numbers(api: Api) -> None:
    free_link_numbers(api)


def attach(api: Api, link_id: str, number: str) -> None:
    body = {"link": {"link_id": link_id, "method": "BY VOXNUMBER", "full_voxnumber": number}}
    resp = php(api, "PUT", "Links", "attachVoxnumberToLink", body)
    assert resp.status_code == 204, resp.text


def give_flow(api: Api, link_id: str) -> None:
    """Put a call flow on the link straight in the database: templates are another interface's
    business."""
    with api.dbs["sandbox"].writing() as db:
        link = db.scalars(select(Link).where(Link.link_id == link_id)).one()
        flow = db.scalars(select(CallFlow).where(CallFlow.name == "Mock Numbering Flow")).first()
        if flow is None:
            flow = CallFlow(
                account_pk=link.account_pk,
                kind="CALL",
                name="Mock Numbering Flow",
                created_at=datetime(2026, 1, 6),
            )
            db.add(flow)
            db.flush()
        link.call_flow_pk = flow.pk


def drop_flow(api: Api, link_id: str) -> None:
    with api.dbs["sandbox"].reading() as db:
        db.scalars(select(Link).where(Link.link_id == link_id)).one().call_flow_pk = None


def set_status(api: Api, status: str, *numbers: str) -> int:
    # PHP: one <voxnumbers> wrapper per number
    body = {"call_status": status, "voxnumbers": [{"voxnumber": n} for n in numbers]}
    return php(api, "PUT", "Voxnumbers", "setCallStatus", body).status_code


# --- getVoxnumbers ---------------------------------------------------------------------------


def test_default_fields_and_purchase_order(api: Api) -> None:
    resp = api.get("Voxnumbers", "getVoxnumbers")
    rows = results(resp)
    assert [r["voxnumber"] for r in rows] == DEMO_POOL
    assert rows[0] == {
        "link_id": "",
        "link_name": "",
        "assigned_status": "UNASSIGNED",
        "call_status": "",
        "voxnumber": "442079460040",
        "voxnumber_type": "LOCAL",
        "voxnumber_country": "UNITED KINGDOM",
        "voxnumber_city": "London",
        "purchase_date": rows[0]["purchase_date"],
    }
    # fixture purchases are stamped from the fixture's epoch, in order
    dates = [r["purchase_date"] for r in rows]
    assert dates == sorted(dates) and all(d.startswith("2026-01-05 09:") and len(d) == 19 for d in dates)
    assert totals(resp) == (1, 1, 4)


def test_ruby_fields_on_an_attached_number_that_is_off(api: Api) -> None:
    resp = ruby(api, "GET", "Voxnumbers", "getVoxnumbers", params={"req_fields": ALL_FIELDS})
    assert resp.status_code == 200
    # the Ruby client authenticates as Demo Estates: Other Partner's numbers are not there
    assert OTHER_ON_LINK not in {r["voxnumber"] for r in results(resp)}
    rows = results(
        php(api, "GET", "Voxnumbers", "getVoxnumbers", params={"req_fields": ALL_FIELDS}, headers=OTHER)
    )
    assert rows[0] == {
        "node_id": "other-node",
        "node_name": "Other Partner Office",
        "link_id": "other-link",
        "link_name": "Website",
        "assigned_status": "ASSIGNED",
        "call_status": "OFF (On Hold)",
        "country_code": "44",
        "voxnumber": OTHER_ON_LINK,
        "voxnumber_type": "LOCAL",
        "voxnumber_country": "UNITED KINGDOM",
        "voxnumber_city": "Manchester",
        "purchase_date": rows[0]["purchase_date"],
    }
    assert rows[0]["purchase_date"].startswith("2026-01-05 09:")
    assert rows[1]["voxnumber"] == OTHER_SPARE


def test_call_status_lifecycle(api: Api) -> None:
    number = DEMO_POOL[0]
    attach(api, "westbourne-web", number)
    assert row_of(api, number) == {
        "link_id": "westbourne-web",
        "assigned_status": "ASSIGNED",
        "call_status": "ON (No Rules)",
        "voxnumber": number,
    }
    give_flow(api, "westbourne-web")
    assert row_of(api, number)["call_status"] == "ON (Active)"
    assert set_status(api, "OFF", number) == 204
    assert row_of(api, number)["call_status"] == "OFF (On Hold)"
    # OFF persists across template changes until set ON (SPEC.md §6)
    drop_flow(api, "westbourne-web")
    assert row_of(api, number)["call_status"] == "OFF (On Hold)"
    give_flow(api, "westbourne-web")
    assert row_of(api, number)["call_status"] == "OFF (On Hold)"
    assert set_status(api, "on", number) == 204
    assert row_of(api, number)["call_status"] == "ON (Active)"


def test_filters(api: Api) -> None:
    attach(api, "westbourne-web", DEMO_POOL[0])
    attach(api, "leeds-deli-web", DEMO_POOL[2])
    attach(api, "paris-bistro-guide", DEMO_POOL[3])
    give_flow(api, "leeds-deli-web")
    set_status(api, "OFF", DEMO_POOL[3])
    bought = php(
        api,
        "POST",
        "Purchase",
        "purchaseVoxNumbers",
        {"items": {"item": purchase_item("44", "808", "TOLLFREE")}},
    )
    tollfree = bought.text.split("<full_voxnumber>")[1].split("<")[0]

    def numbers(**params: str) -> list[str]:
        return [r["voxnumber"] for r in voxnumbers(api, params)]

    assert numbers(voxnumber=DEMO_POOL[1]) == [DEMO_POOL[1]]
    assert numbers(voxnumber="449999") == []
    assert numbers(voxnumber_type="TOLLFREE") == [tollfree]
    assert numbers(voxnumber_type="local") == DEMO_POOL
    assert numbers(voxnumber_type="GEOGRAPHIC") == DEMO_POOL
    assert numbers(voxnumber_country="france") == [DEMO_POOL[3]]
    assert numbers(voxnumber_country="UNITED KINGDOM") == [*DEMO_POOL[:3], tollfree]
    assert numbers(voxnumber_city="LONDON") == DEMO_POOL[:2]
    assert numbers(assigned_status="ASSIGNED") == [DEMO_POOL[0], DEMO_POOL[2], DEMO_POOL[3]]
    assert numbers(assigned_status="unassigned") == [DEMO_POOL[1], tollfree]
    assert numbers(call_status="ON") == [DEMO_POOL[0], DEMO_POOL[2]]
    assert numbers(call_status="NO RULES") == [DEMO_POOL[0]]
    assert numbers(call_status="ACTIVE") == [DEMO_POOL[2]]
    assert numbers(call_status="OFF") == [DEMO_POOL[3]]
    assert numbers(node_id="westbourne") == [DEMO_POOL[0]]
    assert numbers(node_id="no-such-node") == []
    assert numbers(link_id="paris-bistro-guide") == [DEMO_POOL[3]]
    assert numbers(assigned_status="ASSIGNED", voxnumber_country="UNITED KINGDOM") == [
        DEMO_POOL[0],
        DEMO_POOL[2],
    ]


def test_order_paging_and_json(api: Api) -> None:
    rows = voxnumbers(api, {"order": "vn_DESC", "req_fields": "vn"})
    assert [r["voxnumber"] for r in rows] == sorted(DEMO_POOL, reverse=True)
    resp = api.get(
        "Voxnumbers", "getVoxnumbers", {"order": "vnpd_DESC", "page": 2, "limit": 3}, output_json=True
    )
    body = resp.json()["response"]
    assert (body["current_page"], body["total_pages"], body["total_results"]) == ("2", "2", "4")
    assert body["results"]["result"]["voxnumber"] == DEMO_POOL[0]
    assert body["results"]["result"]["link_id"] == ""


@pytest.mark.parametrize(
    ("params", "messages"),
    [
        ({"voxnumber": "+44207"}, ["VoxNumber not an integer"]),
        ({"assigned_status": "MAYBE"}, ["Assigned Status Invalid"]),
        ({"call_status": "ON (Active)"}, ["Call Status Invalid"]),
        ({"voxnumber": "x", "call_status": "x"}, ["VoxNumber not an integer", "Call Status Invalid"]),
        ({"req_fields": "vn,zz"}, ["Required Fields Invalid: zz"]),
        ({"order": "vn_UP"}, ["Order Direction Invalid"]),
    ],
)
def test_list_errors(api: Api, params: dict[str, str], messages: list[str]) -> None:
    assert_errors(api.get("Voxnumbers", "getVoxnumbers", params), 400, messages)


# --- setCallStatus ---------------------------------------------------------------------------


def test_set_call_status_every_body_shape(api: Api) -> None:
    a, b = DEMO_POOL[0], DEMO_POOL[2]
    attach(api, "westbourne-web", a)
    attach(api, "leeds-deli-web", b)
    # PHP: repeated <voxnumbers> wrappers
    assert set_status(api, "OFF", a, b) == 204
    assert {row_of(api, n)["call_status"] for n in (a, b)} == {"OFF (On Hold)"}
    # Ruby: a list of scalars is double-wrapped
    resp = ruby(
        api, "PUT", "Voxnumbers", "setCallStatus", {"call_status": "ON", "voxnumbers": {"voxnumber": [a, b]}}
    )
    assert resp.status_code == 204, resp.text
    # westbourne-web is the fixture's link without rules; leeds-deli-web runs "Call the agent"
    assert [row_of(api, n)["call_status"] for n in (a, b)] == ["ON (No Rules)", "ON (Active)"]
    # the documented form: one wrapper, several <voxnumber>
    xml = (
        "<request><call_status>OFF</call_status><voxnumbers>"
        f"<voxnumber>{a}</voxnumber><voxnumber>{b}</voxnumber></voxnumbers></request>"
    )
    assert api.put("Voxnumbers", "setCallStatus", xml).status_code == 204
    assert {row_of(api, n)["call_status"] for n in (a, b)} == {"OFF (On Hold)"}


def test_set_call_status_errors_together_and_nothing_changes(api: Api) -> None:
    attach(api, "westbourne-web", DEMO_POOL[0])
    body = {
        "call_status": "OFF",
        "voxnumbers": [{"voxnumber": n} for n in (DEMO_POOL[0], "449999999", DEMO_POOL[1], OTHER_ON_LINK)],
    }
    resp = php(api, "PUT", "Voxnumbers", "setCallStatus", body)
    assert_errors(
        resp,
        400,
        [
            "VoxNumber 2 of 4 does not exist",
            "VoxNumber 3 of 4 is not attached to a Link",
            "VoxNumber 4 of 4 does not exist",
        ],
    )
    assert row_of(api, DEMO_POOL[0])["call_status"] == "ON (No Rules)"


@pytest.mark.parametrize(
    ("xml", "messages"),
    [
        (
            "<request><call_status>PAUSE</call_status><voxnumbers><voxnumber>1</voxnumber></voxnumbers></request>",
            ["Call Status Invalid"],
        ),
        ("<request><voxnumbers><voxnumber>1</voxnumber></voxnumbers></request>", ["Call Status Empty"]),
        ("<request><call_status>ON</call_status><voxnumbers/></request>", ["VoxNumbers Empty"]),
        ("<request/>", ["Request Empty"]),
        ("", ["XML Empty"]),
    ],
)
def test_set_call_status_request_errors(api: Api, xml: str, messages: list[str]) -> None:
    assert_errors(api.put("Voxnumbers", "setCallStatus", xml), 400, messages)


def test_set_call_status_xml_parse_error(api: Api) -> None:
    # the vendor's setCallStatus page prints the bare text, without libxml's position
    resp = api.put("Voxnumbers", "setCallStatus", "<request><call_status>ON</request>")
    assert_errors(resp, 400, ["XML Parse Error"])


# --- deleteVoxnumbersFromAccount -------------------------------------------------------------


def test_delete_returns_numbers_to_stock(api: Api) -> None:
    number = DEMO_POOL[1]
    resp = api.delete("Voxnumbers", "deleteVoxnumbersFromAccount", {"full_voxnumbers": number})
    assert resp.status_code == 204 and resp.content == b""
    assert voxnumbers(api, {"voxnumber": number}) == []
    assert number in stock_numbers(api, "44", "20")
    assert owner_of(api, number) is None
    # a released number is sold again only after every never-sold one of its region
    stock = stock_numbers(api, "44", "20")
    resp = php(
        api,
        "POST",
        "Purchase",
        "purchaseVoxNumbers",
        {"items": {"item": purchase_item(quantity=len(stock))}},
    )
    bought = resp.text.split("<full_voxnumber>")[1:]
    assert bought[-1].startswith(number) and not any(b.startswith(number) for b in bought[:-1])


def test_delete_attached_numbers_needs_rm_if_in_use(api: Api) -> None:
    attach(api, "westbourne-web", DEMO_POOL[0])
    params = {"full_voxnumbers": f"{DEMO_POOL[0]},{DEMO_POOL[1]}"}
    resp = api.delete("Voxnumbers", "deleteVoxnumbersFromAccount", params)
    assert_errors(resp, 400, ["VoxNumber 1 of 2 is attached to a Link"])
    assert len(voxnumbers(api)) == 4
    resp = ruby(
        api, "DELETE", "Voxnumbers", "deleteVoxnumbersFromAccount", params={**params, "rm_if_in_use": "TRUE"}
    )
    assert resp.status_code == 204, resp.text
    assert [r["voxnumber"] for r in voxnumbers(api)] == DEMO_POOL[2:]
    links = results(api.get("Links", "getLinks", {"link_id": "westbourne-web", "req_fields": "lid,vn"}))
    assert links == [{"link_id": "westbourne-web", "voxnumber": ""}]


@pytest.mark.parametrize(
    ("params", "messages"),
    [
        ({}, ["VoxNumbers Empty"]),
        ({"full_voxnumbers": " "}, ["VoxNumbers Empty"]),
        ({"full_voxnumbers": DEMO_POOL[0], "rm_if_in_use": "YES"}, ["rm_if_in_use Invalid"]),
        (
            {"full_voxnumbers": f"{DEMO_POOL[0]},,+442079460001,449999999,{OTHER_SPARE}"},
            [
                "VoxNumber 2 of 5 Empty",
                "VoxNumber 3 of 5 not an integer",
                "VoxNumber 4 of 5 does not exists",
                "VoxNumber 5 of 5 does not exists",
            ],
        ),
        (
            {"full_voxnumbers": ",".join(["442079460040"] * 101)},
            ["You can only remove a maximum of 100 VoxNumbers in a single request"],
        ),
    ],
)
def test_delete_errors(api: Api, params: dict[str, str], messages: list[str]) -> None:
    assert_errors(api.delete("Voxnumbers", "deleteVoxnumbersFromAccount", params), 400, messages)
    assert [r["voxnumber"] for r in voxnumbers(api)] == DEMO_POOL


def test_delete_one_hundred_at_once(api: Api) -> None:
    numbers = ",".join([DEMO_POOL[0]] * 99 + [DEMO_POOL[1]])
    resp = api.delete("Voxnumbers", "deleteVoxnumbersFromAccount", {"full_voxnumbers": numbers})
    assert resp.status_code == 204, resp.text
    assert [r["voxnumber"] for r in voxnumbers(api)] == DEMO_POOL[2:]


# --- transferVoxnumbers ----------------------------------------------------------------------


def transfer(api: Api, origin: str | None, destination: str | None, *numbers: str) -> int:
    body = {
        "origin_partner_name": origin,
        "destination_partner_name": destination,
        "voxnumbers": {"voxnumber": list(numbers)} if numbers else None,
    }
    return php(api, "PUT", "Voxnumbers", "transferVoxnumbers", body).status_code


def test_transfer_moves_unattached_numbers(api: Api) -> None:
    first_date = voxnumbers(api, {"voxnumber": DEMO_POOL[0], "req_fields": "vnpd"})[0]["purchase_date"]
    assert transfer(api, "Demo Estates", "Other Partner", DEMO_POOL[0], DEMO_POOL[3]) == 204
    assert [r["voxnumber"] for r in voxnumbers(api)] == [DEMO_POOL[1], DEMO_POOL[2]]
    theirs = results(
        php(api, "GET", "Voxnumbers", "getVoxnumbers", params={"req_fields": "vn,as,vnpd"}, headers=OTHER)
    )
    moved = next(r for r in theirs if r["voxnumber"] == DEMO_POOL[0])
    # the purchase date travels with the number
    assert moved == {"voxnumber": DEMO_POOL[0], "assigned_status": "UNASSIGNED", "purchase_date": first_date}
    assert owner_of(api, DEMO_POOL[3]) == "Other Partner"
    # Ruby double-wraps the list
    resp = ruby(
        api,
        "PUT",
        "Voxnumbers",
        "transferVoxnumbers",
        {
            "origin_partner_name": "Demo Estates",
            "destination_partner_name": "Other Partner",
            "voxnumbers": {"voxnumber": [DEMO_POOL[1]]},
        },
    )
    assert resp.status_code == 204, resp.text
    assert owner_of(api, DEMO_POOL[1]) == "Other Partner"


def test_transfer_refuses_attached_numbers_and_reports_everything(api: Api) -> None:
    attach(api, "westbourne-web", DEMO_POOL[0])
    body = {
        "origin_partner_name": "Demo Estates",
        "destination_partner_name": "Other Partner",
        "voxnumbers": {
            "voxnumber": [DEMO_POOL[0], "02079460040", "+442079460040", OTHER_SPARE, DEMO_POOL[1]]
        },
    }
    resp = php(api, "PUT", "Voxnumbers", "transferVoxnumbers", body)
    assert_errors(
        resp,
        400,
        [
            "voxnumber 1 of 5 is not available",
            "voxnumber 2 of 5 is not in a international format",
            "voxnumber 3 of 5 is not in a international format",
            "voxnumber 4 of 5 does not exist",
        ],
    )
    assert owner_of(api, DEMO_POOL[1]) == "Demo Estates"


@pytest.mark.parametrize(
    ("origin", "destination", "numbers", "messages"),
    [
        (
            None,
            None,
            ("442079460040",),
            ["Origin Partner Name is empty", "Destination Partner Name is empty"],
        ),
        ("Demo Estates", None, (), ["Destination Partner Name is empty", "voxnumbers is empty"]),
        ("Other Partner", "Demo Estates", (OTHER_SPARE,), ["Origin Partner Name does not exist"]),
        (
            "Nobody",
            "Nowhere",
            ("442079460040",),
            ["Origin Partner Name does not exist", "Destination Partner Name does not exist"],
        ),
    ],
)
def test_transfer_partner_errors(
    api: Api, origin: str | None, destination: str | None, numbers: tuple[str, ...], messages: list[str]
) -> None:
    assert_errors(
        php(
            api,
            "PUT",
            "Voxnumbers",
            "transferVoxnumbers",
            {
                "origin_partner_name": origin,
                "destination_partner_name": destination,
                "voxnumbers": {"voxnumber": list(numbers)} if numbers else None,
            },
        ),
        400,
        messages,
    )
    assert owner_of(api, OTHER_SPARE) == "Other Partner"


def test_transfer_empty_request(api: Api) -> None:
    # the vendor's complete table has no `Request Empty`: each missing part says so
    assert_errors(
        api.put("Voxnumbers", "transferVoxnumbers", "<request/>"),
        400,
        ["Origin Partner Name is empty", "Destination Partner Name is empty", "voxnumbers is empty"],
    )


def test_transfer_blank_voxnumber_is_empty(api: Api) -> None:
    body = (
        "<request><origin_partner_name>Demo Estates</origin_partner_name>"
        "<destination_partner_name>Other Partner</destination_partner_name>"
        f"<voxnumbers><voxnumber/><voxnumber>{DEMO_POOL[0]}</voxnumber></voxnumbers></request>"
    )
    assert_errors(api.put("Voxnumbers", "transferVoxnumbers", body), 400, ["voxnumber 1 of 2 is empty"])
    assert owner_of(api, DEMO_POOL[0]) == "Demo Estates"
    # Ruby's nil is no item at all
    nil = body.replace("<voxnumber/>", '<voxnumber xsi:nil="true"/>')
    assert api.put("Voxnumbers", "transferVoxnumbers", nil).status_code == 204
    assert owner_of(api, DEMO_POOL[0]) == "Other Partner"
