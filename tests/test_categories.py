"""Categories (SPEC.md §5.3): configurations and their value trees, read and written the way the
PHP and Ruby clients do (CLIENT-WIRE.md), on the default fixture's Demo Estates account:
100 Location > 101 United Kingdom > {102 London > 103 Mayfair, 104 Leeds}; 100 > 105 France > 106 Paris;
200 Cuisine > {201 Italian, 202 Indian}; and the built-in date configurations every vendor account has
(Quarantine Date, Deletion Date, Detach Date: category_id = label)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from mock_iovox.db import Category, Link, Node, link_categories, node_categories
from tests.helpers import (
    OTHER,
    RUBY_HEADERS,
    RUBY_PROLOG,
    Api,
    assert_errors,
    results,
    ruby_body,
    ruby_query,
    totals,
    xml_of,
)

#: a configuration's value is its label (the vendor's fixture, PHP-MODELS.md §2 Categories)
BUILT_IN = [
    {"category_id": name, "label": name, "value": name, "child_count": "0"}
    for name in ("Quarantine Date", "Deletion Date", "Detach Date")
]
TOP = [
    {"category_id": "100", "label": "Location", "value": "Location", "child_count": "2"},
    {"category_id": "200", "label": "Cuisine", "value": "Cuisine", "child_count": "2"},
    *BUILT_IN,
]
BUILT_IN_IDS = {"Quarantine Date", "Deletion Date", "Detach Date"}


def php_categories(*items: dict[str, str]) -> str:
    """The PHP serializer's body: pretty-printed, 2-space indent, CDATA around & < >."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<request>"]
    for item in items:
        lines.append("  <category>")
        for key, value in item.items():
            text = f"<![CDATA[{value}]]>" if any(c in value for c in "&<>") else value
            lines.append(f"    <{key}>{text}</{key}>")
        lines.append("  </category>")
    lines.append("</request>")
    return "\n".join(lines) + "\n"


def ids_in_db(api: Api, account: str = "Demo Estates") -> set[str]:
    from mock_iovox.db import Account

    with api.dbs["sandbox"].reading() as s:
        return set(
            s.scalars(
                select(Category.category_id)
                .join(Account, Account.pk == Category.account_pk)
                .where(Account.name == account)
            )
        )


def children(api: Api, parent: str) -> list[dict[str, str]]:
    resp = api.get("Categories", "getCategories", {"parent_category_id": parent})
    assert resp.status_code == 200, resp.text
    return results(resp)


# --- getCategories ----------------------------------------------------------------------------


def test_top_level_configurations_xml(api: Api) -> None:
    resp = api.get("Categories", "getCategories")
    assert resp.status_code == 200
    assert totals(resp) == (1, 1, 5)
    assert results(resp) == TOP


def test_top_level_json_all_strings_and_empty_values(api: Api) -> None:
    resp = api.get("Categories", "getCategories", output_json=True)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == {
        "response": {
            "current_page": "1",
            "total_pages": "1",
            "total_results": "5",
            "results": {"result": TOP},
        }
    }


def test_children_of_a_value(api: Api) -> None:
    assert children(api, "101") == [
        {"category_id": "102", "label": "Location", "value": "London", "child_count": "1"},
        {"category_id": "104", "label": "Location", "value": "Leeds", "child_count": "0"},
    ]
    assert children(api, "100") == [
        {"category_id": "101", "label": "Location", "value": "United Kingdom", "child_count": "2"},
        {"category_id": "105", "label": "Location", "value": "France", "child_count": "1"},
    ]
    assert children(api, "103") == []


def test_children_json_single_result_is_an_object(api: Api) -> None:
    resp = api.get("Categories", "getCategories", {"parent_category_id": "102"}, output_json=True)
    body = resp.json()["response"]
    assert body["total_results"] == "1"
    assert body["results"]["result"] == {
        "category_id": "103",
        "label": "Location",
        "value": "Mayfair",
        "child_count": "0",
    }


def test_no_children_is_an_empty_list(api: Api) -> None:
    resp = api.get("Categories", "getCategories", {"parent_category_id": "Quarantine Date"})
    assert totals(resp) == (1, 0, 0)
    assert xml_of(resp).find("results") is not None
    assert len(xml_of(resp).find("results")) == 0


def test_unknown_parent(api: Api) -> None:
    resp = api.get("Categories", "getCategories", {"parent_category_id": "999"})
    assert_errors(resp, 400, ["Category ID does not exist"])


@pytest.mark.parametrize(
    ("req_fields", "keys"),
    [
        ("cid", ["category_id"]),
        ("cv,cid", ["category_id", "value"]),
        ("cid,chc", ["category_id", "child_count"]),
        ("cl,cv,chc", ["label", "value", "child_count"]),
    ],
)
def test_req_fields(api: Api, req_fields: str, keys: list[str]) -> None:
    rows = results(api.get("Categories", "getCategories", {"req_fields": req_fields}))
    assert [list(r) for r in rows] == [keys] * 5


def test_child_count_alone(api: Api) -> None:
    resp = api.get("Categories", "getCategories", {"req_fields": "chc"})
    assert_errors(resp, 400, ["Child Count not allow to be alone in the Required Fields"])


def test_unknown_req_fields_listed_together(api: Api) -> None:
    resp = api.get("Categories", "getCategories", {"req_fields": "cid,nn,xx"})
    assert_errors(resp, 400, ["Required Fields Invalid: nn,xx"])


def test_paging(api: Api) -> None:
    resp = api.get("Categories", "getCategories", {"page": 2, "limit": 2})
    assert totals(resp) == (2, 3, 5)
    assert [r["category_id"] for r in results(resp)] == ["Quarantine Date", "Deletion Date"]
    resp = api.get("Categories", "getCategories", {"page": 4, "limit": 2})
    assert totals(resp) == (4, 3, 5)
    assert results(resp) == []


def test_ruby_shaped_query(api: Api) -> None:
    url = "/Categories?" + ruby_query("getCategories", {"parent_category_id": "105"})
    resp = api.client.get(url, headers=RUBY_HEADERS)
    assert resp.status_code == 200
    assert results(resp) == [
        {"category_id": "106", "label": "Location", "value": "Paris", "child_count": "0"}
    ]


def test_other_account_sees_none_of_them(api: Api) -> None:
    resp = api.get("Categories", "getCategories", headers=OTHER)
    assert results(resp) == BUILT_IN  # its own built-in configurations only
    resp = api.get("Categories", "getCategories", {"parent_category_id": "100"}, headers=OTHER)
    assert_errors(resp, 400, ["Category ID does not exist"])


# --- getCategoryId ----------------------------------------------------------------------------


def test_category_id_and_path(api: Api) -> None:
    resp = api.get("Categories", "getCategoryId", {"label": "Location", "value": "Mayfair"})
    assert resp.status_code == 200
    assert totals(resp) == (1, 1, 1)
    assert results(resp) == [
        {"category_id": "103", "category_path": "Location;United Kingdom;London;Mayfair"}
    ]


def test_category_id_delimiter_and_json(api: Api) -> None:
    resp = api.get(
        "Categories",
        "getCategoryId",
        {"label": "Location", "value": "Paris", "delimiter": "|"},
        output_json=True,
    )
    assert resp.json()["response"]["results"]["result"] == {
        "category_id": "106",
        "category_path": "Location|France|Paris",
    }


def test_category_id_first_level(api: Api) -> None:
    resp = api.get("Categories", "getCategoryId", {"label": "Cuisine", "value": "Indian"})
    assert results(resp) == [{"category_id": "202", "category_path": "Cuisine;Indian"}]


def test_category_id_every_match(api: Api) -> None:
    body = php_categories(
        {"parent_category_id": "105", "category_id": "107", "label": "Location", "value": "London"}
    )
    assert api.post("Categories", "createCategories", body).status_code == 201
    resp = api.get("Categories", "getCategoryId", {"label": "Location", "value": "London"})
    assert results(resp) == [
        {"category_id": "102", "category_path": "Location;United Kingdom;London"},
        {"category_id": "107", "category_path": "Location;France;London"},
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"label": "Cuisine", "value": "London"},  # a value of another configuration
        {"label": "Location", "value": "Location"},  # a configuration is no value
        {"label": "location", "value": "London"},
        {"label": "Location", "value": "Atlantis"},
    ],
)
def test_category_id_no_match_is_empty(api: Api, params: dict[str, str]) -> None:
    resp = api.get("Categories", "getCategoryId", params)
    assert resp.status_code == 200
    assert totals(resp) == (1, 0, 0)


def test_category_id_both_missing(api: Api) -> None:
    assert_errors(api.get("Categories", "getCategoryId"), 400, ["Label Empty", "Value Empty"])
    assert_errors(api.get("Categories", "getCategoryId", {"label": "Location"}), 400, ["Value Empty"])
    assert_errors(
        api.get("Categories", "getCategoryId", {"value": "London", "label": " "}), 400, ["Label Empty"]
    )


def test_category_id_other_account(api: Api) -> None:
    resp = api.get("Categories", "getCategoryId", {"label": "Location", "value": "Mayfair"}, headers=OTHER)
    assert totals(resp) == (1, 0, 0)


# --- createCategories -------------------------------------------------------------------------


def test_create_categories_php_body(api: Api) -> None:
    body = php_categories(
        {"category_id": "203", "label": "Cuisine", "value": "Fish & Chips"},
        {"category_id": "107", "label": "Location", "value": "Soho", "parent_category_id": "102"},
    )
    resp = api.post("Categories", "createCategories", body)
    assert resp.status_code == 201
    root = xml_of(resp)
    assert [e.text for e in root.findall("categories/category/category_id")] == ["203", "107"]
    assert children(api, "200")[-1] == {
        "category_id": "203",
        "label": "Cuisine",
        "value": "Fish & Chips",
        "child_count": "0",
    }
    assert children(api, "102")[-1]["value"] == "Soho"
    path = results(api.get("Categories", "getCategoryId", {"label": "Location", "value": "Soho"}))
    assert path == [{"category_id": "107", "category_path": "Location;United Kingdom;London;Soho"}]
    with api.dbs["sandbox"].reading() as s:
        soho = s.scalars(select(Category).where(Category.category_id == "107")).one()
        location = s.scalars(select(Category).where(Category.category_id == "100")).one()
        assert (soho.root_pk, soho.label) == (location.pk, "Location")


def test_create_below_a_category_of_the_same_request(api: Api) -> None:
    body = php_categories(
        {"category_id": "110", "label": "Location", "value": "Spain", "parent_category_id": "100"},
        {"category_id": "111", "label": "Location", "value": "Madrid", "parent_category_id": "110"},
    )
    assert api.post("Categories", "createCategories", body).status_code == 201
    path = results(api.get("Categories", "getCategoryId", {"label": "Location", "value": "Madrid"}))
    assert path == [{"category_id": "111", "category_path": "Location;Spain;Madrid"}]


def test_create_categories_ruby_body_with_nil(api: Api) -> None:
    xml = (
        RUBY_PROLOG + "<request><category><category_id>204</category_id><label>Cuisine</label>"
        '<value>Thai</value><parent_category_id xsi:nil="true"/></category></request>\n'
    )
    url = "/Categories?" + ruby_query("createCategories")
    body = ruby_body(xml)
    resp = api.client.post(url, content=body["content"], headers={**RUBY_HEADERS, **body["headers"]})
    assert resp.status_code == 201
    assert children(api, "200")[-1]["value"] == "Thai"


def test_create_categories_every_business_error_at_once(api: Api) -> None:
    body = php_categories(
        {"category_id": "101", "label": "Location", "value": "Again"},
        {"category_id": "120", "label": "Location", "value": "Nowhere", "parent_category_id": "999"},
        {"category_id": "121", "label": "Planets", "value": "Mars"},
        # Italian is a Cuisine value: a Location value cannot hang below it
        {"category_id": "122", "label": "Location", "value": "Rome", "parent_category_id": "201"},
        {"category_id": "123", "label": "Cuisine", "value": "Greek"},
        {"category_id": "123", "label": "Cuisine", "value": "Greek again"},
    )
    resp = api.post("Categories", "createCategories", body)
    assert_errors(
        resp,
        400,
        [
            "Category ID 1 of 6 already exist",
            "Parent ID 2 of 6 does not exist",
            "Label 3 of 6 does not exist",
            "Parent ID 4 of 6 does not exist",
            "Category ID 6 of 6 already exist",
        ],
    )
    assert (
        ids_in_db(api)
        == {"100", "101", "102", "103", "104", "105", "106", "200", "201", "202"} | BUILT_IN_IDS
    )


def test_create_categories_empty_fields(api: Api) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<request>\n  <category>\n    <category_id/>\n'
        "    <parent_category_id/>\n  </category>\n  <category>\n    <category_id>130</category_id>\n"
        "    <label>Cuisine</label>\n    <value/>\n  </category>\n</request>\n"
    )
    resp = api.post("Categories", "createCategories", body)
    assert_errors(
        resp,
        400,
        ["Category ID 1 of 2 Empty", "Label 1 of 2 Empty", "Value 1 of 2 Empty", "Value 2 of 2 Empty"],
    )


def test_create_categories_nothing_in_request(api: Api) -> None:
    resp = api.post("Categories", "createCategories", '<?xml version="1.0" encoding="utf-8"?>\n<request/>\n')
    assert_errors(resp, 400, ["Request Empty"])


def test_create_categories_is_per_account(api: Api) -> None:
    body = php_categories({"category_id": "140", "label": "Location", "value": "Lyon"})
    resp = api.post("Categories", "createCategories", body, headers=OTHER)
    assert_errors(resp, 400, ["Label 1 of 1 does not exist"])
    body = php_categories(
        {"category_id": "141", "label": "Location", "value": "Lyon", "parent_category_id": "105"}
    )
    resp = api.post("Categories", "createCategories", body, headers=OTHER)
    assert_errors(resp, 400, ["Label 1 of 1 does not exist", "Parent ID 1 of 1 does not exist"])


# --- createCategoryConfigurations -------------------------------------------------------------


def test_create_configurations(api: Api) -> None:
    body = php_categories(
        {
            "category_id": "400",
            "label": "Amenities",
            "type": "Tree",
            "value_type": "text",
            "colour": "#ff8800",
        },
        {"category_id": "500", "label": "Deletion", "type": "deletion_date"},
        {"category_id": "600", "label": "Plain"},
    )
    resp = api.post("Categories", "createCategoryConfigurations", body)
    assert resp.status_code == 201
    assert [e.text for e in xml_of(resp).findall("categories/category/category_id")] == ["400", "500", "600"]
    rows = results(api.get("Categories", "getCategories"))
    assert rows[5:] == [
        {"category_id": "400", "label": "Amenities", "value": "Amenities", "child_count": "0"},
        {"category_id": "500", "label": "Deletion", "value": "Deletion", "child_count": "0"},
        {"category_id": "600", "label": "Plain", "value": "Plain", "child_count": "0"},
    ]
    with api.dbs["sandbox"].reading() as s:
        got = {
            c.category_id: (c.type, c.colour, c.value_type, c.root_pk == c.pk, c.parent_pk)
            for c in s.scalars(select(Category).where(Category.category_id.in_(["400", "500", "600"])))
        }
    assert got == {
        "400": ("Tree", "FF8800", "text", True, None),
        "500": ("Deletion_Date", "", "", True, None),
        "600": ("Tree", "", "", True, None),
    }
    # values can now be created below the new configuration
    body = php_categories({"category_id": "401", "label": "Amenities", "value": "Parking"})
    assert api.post("Categories", "createCategories", body).status_code == 201


def test_create_configurations_business_errors_together(api: Api) -> None:
    body = php_categories(
        {"category_id": "100", "label": "Brand New"},
        {"category_id": "700", "label": "Cuisine"},
        {"category_id": "101", "label": "Location", "colour": "12345"},
        {"category_id": "710", "label": "Dup"},
        {"category_id": "710", "label": "Dup"},
    )
    resp = api.post("Categories", "createCategoryConfigurations", body)
    assert_errors(
        resp,
        400,
        [
            "Category ID 1 of 5 exists",
            "Label 2 of 5 exists",
            "Category ID 3 of 5 exists",
            "Label 3 of 5 exists",
            "Color 3 of 5 invalid",
            "Category ID 5 of 5 exists",
            "Label 5 of 5 exists",
        ],
    )
    assert "710" not in ids_in_db(api)


def test_create_configurations_payload_errors(api: Api) -> None:
    body = php_categories(
        {"label": "No Id", "type": "Weekly"},
        {"category_id": "800"},
    )
    resp = api.post("Categories", "createCategoryConfigurations", body)
    assert_errors(resp, 400, ["Category ID 1 of 2 Empty", "Type 1 of 2 invalid", "Label 2 of 2 Empty"])


@pytest.mark.parametrize(
    ("colour", "ok"),
    [
        ("1f77b4", True),
        ("#ABCDEF", True),
        ("GGGGGG", False),
        ("#1234567", False),
        ("red", False),
        ("##123456", False),
    ],
)
def test_configuration_colour(api: Api, colour: str, ok: bool) -> None:
    body = php_categories({"category_id": "900", "label": "Colourful", "colour": colour})
    resp = api.post("Categories", "createCategoryConfigurations", body)
    if ok:
        assert resp.status_code == 201, resp.text
    else:
        assert_errors(resp, 400, ["Color 1 of 1 invalid"])


def test_configurations_are_per_account(api: Api) -> None:
    body = php_categories({"category_id": "100", "label": "Location"})
    assert api.post("Categories", "createCategoryConfigurations", body, headers=OTHER).status_code == 201
    assert ids_in_db(api, "Other Partner") == {"100"} | BUILT_IN_IDS
    assert children(api, "100")[0]["category_id"] == "101"


# --- deleteCategories -------------------------------------------------------------------------


def attachment_count(api: Api) -> tuple[int, int]:
    with api.dbs["sandbox"].reading() as s:
        links = s.scalar(select(func.count()).select_from(link_categories)) or 0
        nodes = s.scalar(select(func.count()).select_from(node_categories)) or 0
    return links, nodes


def attached(api: Api, link_id: str) -> set[str]:
    with api.dbs["sandbox"].reading() as s:
        return set(
            s.scalars(
                select(Category.category_id)
                .join(link_categories, link_categories.c.category_pk == Category.pk)
                .join(Link, Link.pk == link_categories.c.link_pk)
                .where(Link.link_id == link_id)
            )
        )


def test_delete_category_takes_its_subtree_and_attachments(api: Api) -> None:
    before = attachment_count(api)
    resp = api.delete("Categories", "deleteCategories", {"categories": "Location;102"})
    assert resp.status_code == 204
    assert resp.content == b""
    assert {"102", "103"}.isdisjoint(ids_in_db(api))
    assert children(api, "101") == [
        {"category_id": "104", "label": "Location", "value": "Leeds", "child_count": "0"}
    ]
    # westbourne (node) had 102, westbourne-web (link) had 103: both attachments went, the owners stay
    assert attachment_count(api) == (before[0] - 1, before[1] - 1)
    assert attached(api, "westbourne-web") == set()
    with api.dbs["sandbox"].reading() as s:
        assert s.scalar(select(func.count()).select_from(Node).where(Node.node_id == "westbourne")) == 1


def test_delete_leaves_other_attachments(api: Api) -> None:
    resp = api.delete("Categories", "deleteCategories", {"categories": "Location;104,Cuisine;202,106"})
    assert resp.status_code == 204
    assert {"104", "202", "106"}.isdisjoint(ids_in_db(api))
    assert attached(api, "westbourne-web") == {"103"}
    assert attached(api, "paris-bistro-guide") == {"201"}
    assert attached(api, "leeds-deli-web") == set()


def test_delete_categories_errors_together(api: Api) -> None:
    resp = api.delete(
        "Categories", "deleteCategories", {"categories": "Location;999,;,Cuisine;102,Location;100,104"}
    )
    assert_errors(
        resp,
        400,
        [
            "Category ID 1 of 5 does not exist",
            "Category ID 2 of 5 Empty",
            "Category ID 3 of 5 does not exist",
            "Category ID 4 of 5 does not exist",
        ],
    )
    assert "104" in ids_in_db(api)


def test_delete_categories_missing_param(api: Api) -> None:
    assert_errors(api.delete("Categories", "deleteCategories", {}), 400, ["Category IDs Empty"])
    assert_errors(
        api.delete("Categories", "deleteCategories", {"categories": ""}), 400, ["Category IDs Empty"]
    )


def test_delete_categories_ruby(api: Api) -> None:
    url = "/Categories?" + ruby_query("deleteCategories", {"categories": "Location;105"})
    resp = api.client.delete(url, headers=RUBY_HEADERS)
    assert resp.status_code == 204
    assert {"105", "106"}.isdisjoint(ids_in_db(api))


def test_delete_categories_other_account(api: Api) -> None:
    resp = api.delete("Categories", "deleteCategories", {"categories": "Location;101"}, headers=OTHER)
    assert_errors(resp, 400, ["Category ID 1 of 1 does not exist"])
    assert "101" in ids_in_db(api)


# --- deleteCategoryConfigurations -------------------------------------------------------------


def test_delete_configuration_takes_every_value(api: Api) -> None:
    before = attachment_count(api)
    resp = api.delete("Categories", "deleteCategoryConfigurations", {"categories_ids": "100"})
    assert resp.status_code == 204
    assert ids_in_db(api) == {"200", "201", "202"} | BUILT_IN_IDS
    assert [r["category_id"] for r in results(api.get("Categories", "getCategories"))] == [
        "200",
        "Quarantine Date",
        "Deletion Date",
        "Detach Date",
    ]
    # 103, 104, 106 on links; 102, 104, 106 on nodes
    assert attachment_count(api) == (before[0] - 3, before[1] - 3)
    assert attached(api, "paris-bistro-guide") == {"201"}


def test_delete_several_configurations(api: Api) -> None:
    resp = api.delete("Categories", "deleteCategoryConfigurations", {"categories_ids": "200,Detach Date"})
    assert resp.status_code == 204
    assert ids_in_db(api) == {
        "100",
        "101",
        "102",
        "103",
        "104",
        "105",
        "106",
        "Quarantine Date",
        "Deletion Date",
    }


def test_delete_configurations_errors_together(api: Api) -> None:
    resp = api.delete(
        "Categories", "deleteCategoryConfigurations", {"categories_ids": "999,,101,Quarantine Date"}
    )
    assert_errors(
        resp,
        400,
        [
            "Category ID 1 of 4 does not exist",
            "Category ID 2 of 4 is empty",
            "Category ID 3 of 4 does not exist",
        ],
    )
    assert "Quarantine Date" in ids_in_db(api)


def test_delete_configurations_missing_param(api: Api) -> None:
    resp = api.delete("Categories", "deleteCategoryConfigurations", {"categories": "100"})
    assert_errors(resp, 400, ["Category IDs Empty"])


def test_delete_configurations_other_account(api: Api) -> None:
    resp = api.delete("Categories", "deleteCategoryConfigurations", {"categories_ids": "100"}, headers=OTHER)
    assert_errors(resp, 400, ["Category ID 1 of 1 does not exist"])


def test_json_output_is_json_parsable_for_children(api: Api) -> None:
    resp = api.get(
        "Categories", "getCategories", {"parent_category_id": "200", "req_fields": "cv"}, output_json=True
    )
    assert json.loads(resp.content)["response"]["results"]["result"] == [
        {"value": "Italian"},
        {"value": "Indian"},
    ]


def test_delete_categories_by_label_and_value(api: Api) -> None:
    """PHP documents `Location;Cambridge,Location;London`: label;value pairs as well as label;id."""
    resp = api.delete("Categories", "deleteCategories", {"categories": "Location;London,Cuisine;202"})
    assert resp.status_code == 204
    assert {"102", "103", "202"}.isdisjoint(ids_in_db(api))
    assert {"101", "104", "201"} <= ids_in_db(api)


def test_delete_categories_value_of_every_match_and_errors(api: Api) -> None:
    body = php_categories(
        {"category_id": "107", "label": "Location", "value": "London", "parent_category_id": "105"}
    )
    assert api.post("Categories", "createCategories", body).status_code == 201
    # a value is looked for below the named configuration only; a configuration is no value
    resp = api.delete(
        "Categories", "deleteCategories", {"categories": "Cuisine;London,Location;Atlantis,Location;Location"}
    )
    assert_errors(
        resp,
        400,
        [
            "Category ID 1 of 3 does not exist",
            "Category ID 2 of 3 does not exist",
            "Category ID 3 of 3 does not exist",
        ],
    )
    assert {"102", "107"} <= ids_in_db(api)
    assert api.delete("Categories", "deleteCategories", {"categories": "Location;London"}).status_code == 204
    assert {"102", "103", "107"}.isdisjoint(ids_in_db(api))


def test_create_detach_date_configuration(api: Api) -> None:
    body = php_categories(
        {"category_id": "900", "label": "Leaving Date", "type": "Detach_Date"},
        {"category_id": "901", "label": "Detach Date", "type": "Detach_Date"},
    )
    # the built-in label is taken already
    assert_errors(api.post("Categories", "createCategoryConfigurations", body), 400, ["Label 2 of 2 exists"])
    resp = api.post(
        "Categories",
        "createCategoryConfigurations",
        php_categories({"category_id": "900", "label": "Leaving Date", "type": "detach_date"}),
    )
    assert resp.status_code == 201
    with api.dbs["sandbox"].reading() as s:
        assert s.scalar(select(Category.type).where(Category.category_id == "900")) == "Detach_Date"
