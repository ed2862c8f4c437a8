"""The whole numbering lifecycle as an integration would run it (issue "Numbering"): countries →
regions → buy (PHP and Ruby bodies) → UNASSIGNED → attach by area, by number, by postcode →
ON (No Rules) → OFF / ON → move a number to another link → remove → give back; plus a purchase whose
outcome reaches a local listener through callback_url."""

from __future__ import annotations

from typing import Any

import pytest

from mock_iovox.numbering import callbacks
from tests.helpers import Api, results, xml_of
from tests.helpers.numbering import (
    DEMO_POOL,
    FRENCH_DETAILS,
    Receiver,
    free_link_numbers,
    php,
    purchase_item,
    ruby,
    stock_numbers,
    voxnumbers,
)


def statuses(api: Api) -> dict[str, tuple[str, str, str]]:
    rows = voxnumbers(api, {"req_fields": "lid,as,cs,vn"})
    return {r["voxnumber"]: (r["link_id"], r["assigned_status"], r["call_status"]) for r in rows}


def test_numbering_lifecycle(scenario_api: Api) -> None:
    api = scenario_api
    free_link_numbers(api)
    # start from an empty account: give the fixture's pool back
    resp = php(
        api,
        "DELETE",
        "Voxnumbers",
        "deleteVoxnumbersFromAccount",
        params={"full_voxnumbers": ",".join(DEMO_POOL)},
    )
    assert resp.status_code == 204
    assert voxnumbers(api) == []

    # 1. countries
    countries = api.get("Countries", "getCountries", output_json=True).json()["response"]["results"]["result"]
    codes = {c["name"]: c["code"] for c in countries}
    uk, france = codes["UNITED KINGDOM"], codes["FRANCE"]

    # 2. regions for each country (Ruby asks GEOGRAPHIC for one country code)
    uk_regions = results(
        ruby(
            api,
            "GET",
            "Purchase",
            "getVoxnumberRegions",
            params={"country_code": uk, "number_type": "GEOGRAPHIC"},
        )
    )
    london = next(r for r in uk_regions if r["city_name"] == "London")
    fr_regions = results(
        api.get("Purchase", "getVoxnumberRegions", {"country_code": france, "number_type": "GEOGRAPHIC"})
    )
    paris = next(r for r in fr_regions if r["city_name"] == "Paris")
    assert (london["require_purchase_info"], paris["require_purchase_info"]) == ("0", "1")

    # 3. buy: two London numbers as PHP sends it, one Paris number as Ruby sends it
    resp = php(
        api,
        "POST",
        "Purchase",
        "purchaseVoxNumbers",
        {"dynamic_quantity": "FALSE", "items": {"item": purchase_item(uk, london["area_code"], quantity=2)}},
    )
    assert resp.status_code == 201, resp.text
    london_a, london_b = [v.findtext("full_voxnumber") for v in xml_of(resp).findall("voxnumbers/voxnumber")]
    resp = ruby(
        api,
        "POST",
        "Purchase",
        "purchaseVoxNumbers",
        {
            "items": {
                "item": [
                    {
                        "quantity": 1,
                        "country_code": france,
                        "area_code": paris["area_code"],
                        "city_name": paris["city_name"],
                        "number_type": "GEOGRAPHIC",
                        "additional_information": FRENCH_DETAILS,
                    }
                ]
            }
        },
    )
    assert resp.status_code == 201, resp.text
    paris_number = xml_of(resp).find("voxnumbers/voxnumber").findtext("full_voxnumber")

    # 4. they show as UNASSIGNED
    assert statuses(api) == {
        london_a: ("", "UNASSIGNED", ""),
        london_b: ("", "UNASSIGNED", ""),
        paris_number: ("", "UNASSIGNED", ""),
    }

    # 5. attach by each of the three methods
    body: dict[str, Any] = {
        "link": [
            {
                "link_id": "westbourne-web",
                "method": "BY AREA",
                "voxnumber_idd": uk,
                "area_code": london["area_code"],
            },
            {"link_id": "westbourne-paper", "method": "BY VOXNUMBER", "full_voxnumber": london_b},
        ]
    }
    assert php(api, "PUT", "Links", "attachVoxnumberToLink", body).status_code == 204
    resp = ruby(
        api,
        "PUT",
        "Links",
        "attachVoxnumberToLink",
        {
            "link": {
                "link_id": "paris-bistro-guide",
                "method": "BY POSTCODE",
                "voxnumber_country": "FRANCE",
                "postcode": "75004",
                "fallback_area_distance": None,
            }
        },
    )
    assert resp.status_code == 204, resp.text

    # 6. ON (No Rules), or ON (Active) on the links that run one of the fixture's call flows
    assert statuses(api) == {
        london_a: ("westbourne-web", "ASSIGNED", "ON (No Rules)"),
        london_b: ("westbourne-paper", "ASSIGNED", "ON (Active)"),
        paris_number: ("paris-bistro-guide", "ASSIGNED", "ON (Active)"),
    }

    # 7. OFF (PHP's repeated wrappers), then ON again (Ruby's double wrapping)
    body = {"call_status": "OFF", "voxnumbers": [{"voxnumber": london_a}, {"voxnumber": paris_number}]}
    assert php(api, "PUT", "Voxnumbers", "setCallStatus", body).status_code == 204
    assert [r["voxnumber"] for r in voxnumbers(api, {"call_status": "OFF"})] == [london_a, paris_number]
    body = {"call_status": "ON", "voxnumbers": {"voxnumber": [london_a, paris_number]}}
    assert ruby(api, "PUT", "Voxnumbers", "setCallStatus", body).status_code == 204
    assert voxnumbers(api, {"call_status": "OFF"}) == []

    # 8. move london_b to another link: remove, then attach it by number (Ruby's transfer_voxnumber)
    assert (
        ruby(api, "PUT", "Links", "removeVoxnumberFromLink", {"link_id": "westbourne-paper"}).status_code
        == 204
    )
    body = {"link": {"link_id": "leeds-deli-web", "method": "BY VOXNUMBER", "full_voxnumber": london_b}}
    assert ruby(api, "PUT", "Links", "attachVoxnumberToLink", body).status_code == 204
    links = results(api.get("Links", "getLinks", {"req_fields": "lid,vn"}))
    assert {r["link_id"]: r["voxnumber"] for r in links} == {
        "westbourne-web": london_a,
        "westbourne-paper": "",
        "leeds-deli-web": london_b,
        "paris-bistro-guide": paris_number,
    }

    # 9. remove: back to the pool
    resp = php(api, "PUT", "Links", "removeVoxnumberFromLink", {"link_id": ["leeds-deli-web"]})
    assert resp.status_code == 204
    assert statuses(api)[london_b] == ("", "UNASSIGNED", "")

    # 10. give everything back; attached ones need rm_if_in_use
    params = {"full_voxnumbers": f"{london_a},{london_b},{paris_number}", "rm_if_in_use": "TRUE"}
    assert php(api, "DELETE", "Voxnumbers", "deleteVoxnumbersFromAccount", params=params).status_code == 204
    assert voxnumbers(api) == []
    assert {london_a, london_b} <= set(stock_numbers(api, uk, london["area_code"]))
    assert all(r["voxnumber"] == "" for r in results(api.get("Links", "getLinks", {"req_fields": "lid,vn"})))


def test_purchase_with_a_callback(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks, "BACKOFF_SECONDS", (0.05,))
    receiver = Receiver([502])
    try:
        resp = php(
            api,
            "POST",
            "Purchase",
            "purchaseVoxNumbers",
            {"callback_url": receiver.url, "items": {"item": purchase_item("1", "212", quantity=3)}},
        )
        assert resp.status_code == 201, resp.text
        assert receiver.event.wait(10)
        # the first attempt was answered 502, the retry delivered the same document
        assert [body for _, _, body in receiver.received] == [resp.content, resp.content]
        root = xml_of(resp)
        assert [v.findtext("full_voxnumber")[:8] for v in root.findall("voxnumbers/voxnumber")] == [
            "12125550"
        ] * 3
    finally:
        receiver.close()
