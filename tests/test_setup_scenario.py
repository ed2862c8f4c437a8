"""Account setup as a real integration walks it (issue "Account setup"), in process and over HTTPS:
configurations and categories → nodes → links under them → contacts → read back in XML and JSON →
filter by category → rename → delete with cascade. Every step's body is checked."""

from __future__ import annotations

from tests.helpers import RUBY_HEADERS, Api, assert_errors, results, ruby_query, totals, xml_of


def php_xml(root_items: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<request>\n{root_items}</request>\n'


def test_account_setup_walkthrough(scenario_api: Api) -> None:
    api = scenario_api

    # 1. a category configuration and a small tree under it
    resp = api.post(
        "Categories",
        "createCategoryConfigurations",
        php_xml(
            "  <category>\n    <category_id>900</category_id>\n    <label>Channel</label>\n  </category>\n"
        ),
    )
    assert resp.status_code == 201
    assert xml_of(resp).findtext("categories/category/category_id") == "900"
    resp = api.post(
        "Categories",
        "createCategories",
        php_xml(
            "  <category>\n    <category_id>910</category_id>\n    <label>Channel</label>\n"
            "    <value>Print</value>\n  </category>\n"
            "  <category>\n    <category_id>911</category_id>\n"
            "    <parent_category_id>910</parent_category_id>\n"
            "    <label>Channel</label>\n    <value>Newspaper</value>\n  </category>\n"
            "  <category>\n    <category_id>920</category_id>\n    <label>Channel</label>\n"
            "    <value>Online</value>\n  </category>\n"
        ),
    )
    assert resp.status_code == 201
    assert [e.text for e in xml_of(resp).findall("categories/category/category_id")] == ["910", "911", "920"]
    tree = results(api.get("Categories", "getCategories", {"parent_category_id": "900"}))
    assert tree == [
        {"category_id": "910", "label": "Channel", "value": "Print", "child_count": "1"},
        {"category_id": "920", "label": "Channel", "value": "Online", "child_count": "0"},
    ]
    path = results(api.get("Categories", "getCategoryId", {"label": "Channel", "value": "Newspaper"}))
    assert path == [{"category_id": "911", "category_path": "Channel;Print;Newspaper"}]

    # 2. a node, then links under it (PHP sends output=JSON on createLinks and an empty <categories/>)
    resp = api.post(
        "Nodes",
        "createNodes",
        php_xml(
            "  <node>\n    <node_id>shop-7</node_id>\n    <node_name><![CDATA[Bread & Butter]]></node_name>\n"
            "    <node_type>Bakery</node_type>\n    <node_date/>\n  </node>\n"
        ),
    )
    assert resp.status_code == 201
    links_body = php_xml(
        "  <link>\n    <node_id>shop-7</node_id>\n    <link_id>shop-7-paper</link_id>\n"
        "    <link_name>Local paper</link_name>\n    <link_type>Newspaper</link_type>\n"
        "    <click_to_call>0</click_to_call>\n    <categories>\n      <category>\n"
        "        <category_id>911</category_id>\n      </category>\n    </categories>\n  </link>\n"
        "  <link>\n    <node_id>shop-7</node_id>\n    <link_id>shop-7-web</link_id>\n"
        "    <link_name>Website</link_name>\n    <link_type>Web</link_type>\n    <categories/>\n  </link>\n"
    )
    resp = api.post("Links", "createLinks", links_body, output_json=True)
    assert resp.status_code == 201
    assert resp.json() == {
        "response": {"links": {"link": [{"link_id": "shop-7-paper"}, {"link_id": "shop-7-web"}]}}
    }

    # 3. contacts (PHP's snake-case variants)
    resp = api.post(
        "Contacts",
        "createContacts",
        php_xml(
            "  <contact>\n    <contact_id>baker</contact_id>\n    <first_name>Sam</first_name>\n"
            "    <last_name>Baker</last_name>\n    <email2>sam@example.org</email2>\n"
            "    <business_phone>441134960111</business_phone>\n"
            "    <work_address1>1 Mill Lane</work_address1>\n"
            "  </contact>\n"
        ),
    )
    assert resp.status_code == 201
    details = results(api.get("Contacts", "getContactDetails", {"contact_id": "baker"}))[0]
    assert (details["display_name"], details["email_2"], details["work_address_1"]) == (
        "Sam Baker",
        "sam@example.org",
        "1 Mill Lane",
    )
    listed = api.get("Contacts", "getContacts", {"contact_id": "baker"}, output_json=True).json()
    assert listed["response"]["results"]["result"] == {
        "contact_id": "baker",
        "display_name": "Sam Baker",
        "company": "",
        "email": "",
        "business_phone": "441134960111",
        "assigned_status": "UNASSIGNED",
    }

    # 4. read back: XML (Ruby-shaped) and JSON (PHP-shaped)
    url = "/Links?" + ruby_query(
        "getLinks", {"node_id": "shop-7", "req_fields": "lid,ln,c2c", "order": "lid_ASC"}
    )
    rows = results(api.client.get(url, headers=RUBY_HEADERS))
    assert rows == [
        {"link_id": "shop-7-paper", "link_name": "Local paper", "click_to_call": "0"},
        {"link_id": "shop-7-web", "link_name": "Website", "click_to_call": "1"},
    ]
    nodes = api.get("Nodes", "getNodes", {"node_id": "shop-7", "order": "lid_DESC"}, output_json=True).json()
    assert [r["link_id"] for r in nodes["response"]["results"]["result"]] == ["shop-7-web", "shop-7-paper"]
    assert nodes["response"]["results"]["result"][0]["node_name"] == "Bread & Butter"

    # 5. filter by category: the configuration's id matches its whole sub-tree; AND / OR forms
    by_tree = results(api.get("Links", "getLinks", {"cat_ids": ["900"], "req_fields": "lid"}))
    assert by_tree == [{"link_id": "shop-7-paper"}]
    both = results(api.get("Links", "getLinks", {"cat_ids": ["911,920"], "req_fields": "lid"}))
    assert both == []
    either = api.get(
        "Links", "getLinks", {"cat_ids": ["911", "103"], "req_fields": "lid", "order": "lid_ASC"}
    )
    assert [r["link_id"] for r in results(either)] == ["shop-7-paper", "westbourne-web"]
    assert totals(either) == (1, 1, 2)

    # 6. rename the node and a link: relations follow
    resp = api.put(
        "Nodes",
        "updateNodes",
        php_xml(
            "  <node>\n    <node_id>shop-7</node_id>\n    <new_node_id>shop-8</new_node_id>\n  </node>\n"
        ),
    )
    assert resp.status_code == 204 and resp.content == b""
    resp = api.put(
        "Links",
        "updateLinks",
        php_xml(
            "  <link>\n    <link_id>shop-7-paper</link_id>\n    <new_link_id>shop-8-paper</new_link_id>\n"
            "    <categories/>\n  </link>\n"
        ),
    )
    assert resp.status_code == 204
    renamed = results(api.get("Links", "getLinks", {"cat_ids": ["911"], "req_fields": "nid,lid"}))
    assert renamed == [{"node_id": "shop-8", "link_id": "shop-8-paper"}]

    # 7. delete the node: its links go with it, the category tree stays
    assert api.delete("Nodes", "deleteNodes", {"node_ids": "shop-8"}).status_code == 204
    assert_errors(api.get("Links", "getLinks", {"node_id": "shop-8"}), 400, ["Node ID does not exist"])
    assert results(api.get("Links", "getLinks", {"link_id": "shop-8-paper"})) == []
    assert (
        results(api.get("Categories", "getCategories", {"parent_category_id": "910"}))[0]["category_id"]
        == "911"
    )

    # 8. delete the configuration: the values go with it
    assert (
        api.delete("Categories", "deleteCategoryConfigurations", {"categories_ids": "900"}).status_code == 204
    )
    assert_errors(
        api.get("Categories", "getCategories", {"parent_category_id": "900"}),
        400,
        ["Category ID does not exist"],
    )
    assert api.delete("Contacts", "deleteContacts", {"contact_ids": "baker"}).status_code == 204
    assert_errors(
        api.get("Contacts", "getContactDetails", {"contact_id": "baker"}), 400, ["Contact ID does not exist"]
    )
