"""attachVoxnumberToLink / removeVoxnumberFromLink (SPEC.md §5.2, §6): the three ways of choosing a
number, the postcode fallback, one number per link, and the pool."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api, assert_errors, results
from tests.helpers.numbering import (
    DEMO_POOL,
    OTHER_ON_LINK,
    OTHER_SPARE,
    free_link_numbers,
    php,
    purchase_item,
    row_of,
    ruby,
)

LONDON_A, LONDON_B, LEEDS, PARIS = DEMO_POOL
POSTCODE_ERROR = "There is no VoxNumber available in your account for the Postcode {} or the fallback area"


@pytest.fixture(autouse=True)
def _links_without_numbers(api: Api) -> None:
    free_link_numbers(api)


def attach(api: Api, *links: dict[str, Any]) -> Any:
    return php(api, "PUT", "Links", "attachVoxnumberToLink", {"link": list(links)})


def number_of(api: Api, link_id: str) -> str:
    rows = results(api.get("Links", "getLinks", {"link_id": link_id, "req_fields": "lid,vn"}))
    return rows[0]["voxnumber"]


def by_area(link_id: str, idd: str = "44", area: str = "20") -> dict[str, Any]:
    return {"link_id": link_id, "method": "BY AREA", "voxnumber_idd": idd, "area_code": area}


def by_number(link_id: str, number: str) -> dict[str, Any]:
    return {"link_id": link_id, "method": "BY VOXNUMBER", "full_voxnumber": number}


def by_postcode(link_id: str, country: str, postcode: str, km: int | None = None) -> dict[str, Any]:
    return {
        "link_id": link_id,
        "method": "BY POSTCODE",
        "voxnumber_country": country,
        "postcode": postcode,
        "fallback_area_distance": km,
    }


def test_by_area_takes_the_oldest_free_number_of_the_area(api: Api) -> None:
    resp = attach(api, by_area("westbourne-web"), by_area("westbourne-paper", area="020"))
    assert resp.status_code == 204 and resp.content == b""
    assert number_of(api, "westbourne-web") == LONDON_A
    assert number_of(api, "westbourne-paper") == LONDON_B
    assert row_of(api, LONDON_A) == {
        "link_id": "westbourne-web",
        "assigned_status": "ASSIGNED",
        "call_status": "ON (No Rules)",
        "voxnumber": LONDON_A,
    }


def test_by_voxnumber_as_ruby_sends_it(api: Api) -> None:
    resp = ruby(
        api, "PUT", "Links", "attachVoxnumberToLink", {"link": by_number("paris-bistro-guide", PARIS)}
    )
    assert resp.status_code == 204, resp.text
    assert number_of(api, "paris-bistro-guide") == PARIS


@pytest.mark.parametrize(
    ("country", "postcode", "expected"),
    [
        ("UNITED KINGDOM", "SW1A 0AA", LONDON_A),
        ("united kingdom", "ls1 4ap", LEEDS),
        ("UK", "LS6 2AA", LEEDS),
        ("FRANCE", "75008", PARIS),
        ("FR", "92100", PARIS),
    ],
)
def test_by_postcode_covering_area(api: Api, country: str, postcode: str, expected: str) -> None:
    assert attach(api, by_postcode("westbourne-web", country, postcode)).status_code == 204
    assert number_of(api, "westbourne-web") == expected


def test_by_postcode_falls_back_to_the_nearest_area_within_reach(api: Api) -> None:
    # Bradford (BD1) has no area of its own on sale; Leeds is ~13 km away, London ~270 km
    assert_errors(
        attach(api, by_postcode("westbourne-web", "UNITED KINGDOM", "BD1 1AA")),
        400,
        [POSTCODE_ERROR.format("BD1 1AA")],
    )
    assert_errors(
        attach(api, by_postcode("westbourne-web", "UNITED KINGDOM", "BD1 1AA", 10)),
        400,
        [POSTCODE_ERROR.format("BD1 1AA")],
    )
    assert attach(api, by_postcode("westbourne-web", "UNITED KINGDOM", "BD1 1AA", 20)).status_code == 204
    assert number_of(api, "westbourne-web") == LEEDS
    # Leeds is used up: a Leeds postcode now needs the fallback too, and London is too far
    assert_errors(
        attach(api, by_postcode("leeds-deli-web", "UNITED KINGDOM", "LS1 4AP", 100)),
        400,
        [POSTCODE_ERROR.format("LS1 4AP")],
    )
    assert attach(api, by_postcode("leeds-deli-web", "UNITED KINGDOM", "LS1 4AP", 300)).status_code == 204
    assert number_of(api, "leeds-deli-web") == LONDON_A


def test_by_postcode_in_france_uses_the_zone_then_the_fallback(api: Api) -> None:
    # Lyon (69) is zone 4: the account only has a Paris number, ~390 km away
    assert_errors(
        attach(api, by_postcode("paris-bistro-guide", "FRANCE", "69002", 300)),
        400,
        [POSTCODE_ERROR.format("69002")],
    )
    assert attach(api, by_postcode("paris-bistro-guide", "FRANCE", "69002", 450)).status_code == 204
    assert number_of(api, "paris-bistro-guide") == PARIS


def test_the_sandbox_recorded_postcode_error(api: Api) -> None:
    # [RB] create_node_full_spec: postcode 666 in FRANCE
    resp = ruby(
        api,
        "PUT",
        "Links",
        "attachVoxnumberToLink",
        {"link": by_postcode("paris-bistro-guide", "FRANCE", "666")},
    )
    assert_errors(resp, 400, [POSTCODE_ERROR.format("666")])


@pytest.mark.parametrize(
    ("country", "postcode"), [("ATLANTIS", "SW1A 0AA"), ("UNITED STATES", "10001"), ("FRANCE", "97100")]
)
def test_by_postcode_unsupported(api: Api, country: str, postcode: str) -> None:
    assert_errors(
        attach(api, by_postcode("westbourne-web", country, postcode, 1000)),
        400,
        [POSTCODE_ERROR.format(postcode)],
    )


def test_a_link_holds_one_number(api: Api) -> None:
    assert attach(api, by_number("westbourne-web", LONDON_A)).status_code == 204
    assert_errors(
        attach(api, by_number("westbourne-web", LONDON_B)), 400, ["Link ID 1 of 1 already has a VoxNumber"]
    )
    # the same link twice in one request
    assert_errors(
        attach(api, by_number("leeds-deli-web", LEEDS), by_number("leeds-deli-web", LONDON_B)),
        400,
        ["Link ID 2 of 2 already has a VoxNumber"],
    )
    assert number_of(api, "leeds-deli-web") == ""


def test_errors_are_item_indexed_together_and_nothing_is_attached(api: Api) -> None:
    resp = attach(
        api,
        by_area("westbourne-web"),
        by_area("no-such-link"),
        by_area("westbourne-paper", area="161"),
        by_number("leeds-deli-web", OTHER_SPARE),
        {"link_id": "paris-bistro-guide", "method": "BY AREA"},
        {"link_id": "paris-bistro-guide", "method": "BY POSTCODE", "postcode": "75001"},
        by_postcode("paris-bistro-guide", "FRANCE", "33000"),
    )
    assert_errors(
        resp,
        400,
        [
            "Link ID 2 of 7 does not exist",
            "There is no VoxNumber available in your account for the Area Code 161 of country 44",
            "Full VoxNumber 4 of 7 is not available in your account",
            "Method 5 of 7 is missing voxnumber_idd, area_code",
            "Method 6 of 7 is missing voxnumber_country",
            POSTCODE_ERROR.format("33000"),
        ],
    )
    assert number_of(api, "westbourne-web") == ""
    assert row_of(api, LONDON_A)["assigned_status"] == "UNASSIGNED"


def test_a_number_on_a_link_is_not_available(api: Api) -> None:
    assert attach(api, by_number("westbourne-web", LONDON_A)).status_code == 204
    assert_errors(
        attach(api, by_number("westbourne-paper", LONDON_A)),
        400,
        ["Full VoxNumber 1 of 1 is not available in your account"],
    )
    # and BY AREA skips it
    assert attach(api, by_area("westbourne-paper")).status_code == 204
    assert number_of(api, "westbourne-paper") == LONDON_B
    assert_errors(
        attach(api, by_area("leeds-deli-web")),
        400,
        ["There is no VoxNumber available in your account for the Area Code 20 of country 44"],
    )


@pytest.mark.parametrize(
    ("link", "messages"),
    [
        ({"method": "BY AREA", "voxnumber_idd": "44", "area_code": "20"}, ["Link ID 1 of 1 Empty"]),
        ({"link_id": "westbourne-web", "method": "BY MAGIC"}, ["Method 1 of 1 Invalid"]),
        ({"link_id": "westbourne-web"}, ["Method 1 of 1 Empty"]),
        (
            {"link_id": "westbourne-web", "method": "BY AREA", "voxnumber_idd": "+44", "area_code": "20"},
            ["VoxNumber IDD 1 of 1 not an integer"],
        ),
        (
            {
                "link_id": "westbourne-web",
                "method": "BY POSTCODE",
                "voxnumber_country": "UK",
                "postcode": "E1",
                "fallback_area_distance": "far",
            },
            ["Fallback Area Distance 1 of 1 not an integer"],
        ),
    ],
)
def test_payload_errors(api: Api, link: dict[str, Any], messages: list[str]) -> None:
    assert_errors(attach(api, link), 400, messages)


def test_attach_request_empty(api: Api) -> None:
    assert_errors(api.put("Links", "attachVoxnumberToLink", "<request/>"), 400, ["Request Empty"])


def test_other_accounts_links_and_numbers_are_unknown(api: Api) -> None:
    assert_errors(attach(api, by_number("other-link", LONDON_A)), 400, ["Link ID 1 of 1 does not exist"])
    assert_errors(
        attach(api, by_number("westbourne-web", OTHER_ON_LINK)),
        400,
        ["Full VoxNumber 1 of 1 is not available in your account"],
    )


# --- removeVoxnumberFromLink -----------------------------------------------------------------


def test_remove_sends_numbers_back_to_the_pool(api: Api) -> None:
    attach(api, by_number("westbourne-web", LONDON_A), by_number("leeds-deli-web", LEEDS))
    php(
        api,
        "PUT",
        "Voxnumbers",
        "setCallStatus",
        {"call_status": "OFF", "voxnumbers": [{"voxnumber": LEEDS}]},
    )
    # PHP: <link_id> elements directly under <request>
    resp = php(
        api, "PUT", "Links", "removeVoxnumberFromLink", {"link_id": ["westbourne-web", "leeds-deli-web"]}
    )
    assert resp.status_code == 204 and resp.content == b""
    for number in (LONDON_A, LEEDS):
        assert row_of(api, number) == {
            "link_id": "",
            "assigned_status": "UNASSIGNED",
            "call_status": "",
            "voxnumber": number,
        }
    assert number_of(api, "westbourne-web") == ""
    # back in the pool: it can be attached again, and starts ON
    assert attach(api, by_number("westbourne-paper", LEEDS)).status_code == 204
    assert row_of(api, LEEDS)["call_status"] == "ON (Active)"  # the link runs the fixture's IVR


def test_remove_ruby_single_link(api: Api) -> None:
    attach(api, by_number("paris-bistro-guide", PARIS))
    resp = ruby(api, "PUT", "Links", "removeVoxnumberFromLink", {"link_id": "paris-bistro-guide"})
    assert resp.status_code == 204, resp.text
    assert row_of(api, PARIS)["assigned_status"] == "UNASSIGNED"


def test_remove_errors_and_nothing_changes(api: Api) -> None:
    attach(api, by_number("westbourne-web", LONDON_A))
    resp = php(
        api,
        "PUT",
        "Links",
        "removeVoxnumberFromLink",
        {"link_id": ["westbourne-web", "nope", "westbourne-paper", "other-link"]},
    )
    assert_errors(
        resp,
        400,
        [
            "Link ID 2 of 4 does not exist",
            "Link ID 3 of 4 does not have a VoxNumber",
            "Link ID 4 of 4 does not exist",
        ],
    )
    assert number_of(api, "westbourne-web") == LONDON_A
    assert_errors(
        api.put("Links", "removeVoxnumberFromLink", "<request>\n  <link_id/>\n</request>\n"),
        400,
        ["Request Empty"],
    )
    assert_errors(api.put("Links", "removeVoxnumberFromLink", ""), 400, ["XML Empty"])


def test_deleting_a_link_returns_its_number_to_the_pool(api: Api) -> None:
    attach(api, by_number("westbourne-web", LONDON_A))
    php(
        api,
        "PUT",
        "Voxnumbers",
        "setCallStatus",
        {"call_status": "OFF", "voxnumbers": [{"voxnumber": LONDON_A}]},
    )
    assert api.delete("Links", "deleteLinks", {"link_ids": "westbourne-web"}).status_code == 204
    assert row_of(api, LONDON_A) == {
        "link_id": "",
        "assigned_status": "UNASSIGNED",
        "call_status": "",
        "voxnumber": LONDON_A,
    }
    assert attach(api, by_number("westbourne-paper", LONDON_A)).status_code == 204
    assert row_of(api, LONDON_A)["call_status"] == "ON (Active)"  # the link runs the fixture's IVR


def test_deleting_a_node_returns_its_numbers_to_the_pool(api: Api) -> None:
    attach(api, by_number("westbourne-web", LONDON_A), by_number("westbourne-paper", LONDON_B))
    assert api.delete("Nodes", "deleteNodes", {"node_ids": "westbourne"}).status_code == 204
    assert {row_of(api, n)["assigned_status"] for n in (LONDON_A, LONDON_B)} == {"UNASSIGNED"}


def test_newly_bought_numbers_can_be_attached_by_area(api: Api) -> None:
    resp = php(api, "POST", "Purchase", "purchaseVoxNumbers", {"items": {"item": purchase_item("61", "2")}})
    assert resp.status_code == 201
    assert attach(api, by_area("westbourne-web", "61", "02")).status_code == 204
    assert number_of(api, "westbourne-web").startswith("6125550")
