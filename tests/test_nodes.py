"""Nodes: getNodes, getNodeDetails, createNodes, updateNodes, deleteNodes (SPEC.md §5.1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from mock_iovox.db import Call, Link, Node, VoxNumber, generations
from tests.helpers import (
    OTHER_SANDBOX_KEY,
    OTHER_USER,
    RUBY_HEADERS,
    Api,
    assert_errors,
    results,
    ruby_query,
    totals,
    xml_of,
)
from tests.helpers.numbering import free_link_numbers

PHP_CREATE = """<?xml version="1.0" encoding="utf-8"?>
<request>
  <node>
    <node_id>shop-12</node_id>
    <node_name><![CDATA[Smith & Sons]]></node_name>
    <node_type>Shop</node_type>
    <node_date/>
  </node>
  <node>
    <node_id>shop-13</node_id>
    <node_name>High Street</node_name>
    <node_type>Shop</node_type>
    <node_date>2024-01-31 10:00:00</node_date>
  </node>
</request>
"""

RUBY_CREATE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<request><node><node_id>rb-1</node_id><node_name>Ruby &amp; Co'
    '</node_name><node_type>Shop</node_type><node_date xsi:nil="true"/></node></request>\n'
)


def node_ids(api: Api, **params: str) -> list[str]:
    return [r["node_id"] for r in results(api.get("Nodes", "getNodes", params))]


# --- getNodes -----------------------------------------------------------------------------------


def test_get_nodes_default_fields_and_order(api: Api) -> None:
    resp = api.get("Nodes", "getNodes")
    assert resp.status_code == 200
    rows = results(resp)
    assert list(rows[0]) == [
        "node_id",
        "node_name",
        "node_type",
        "link_id",
        "link_name",
        "link_type",
        "rule_template_name",
    ]
    # default order nn_DESC: node names descending
    names = [r["node_name"] for r in rows]
    assert names == sorted(names, reverse=True)
    assert totals(resp) == (1, 1, len(rows))


def test_get_nodes_one_row_per_node_link_pair(api: Api) -> None:
    rows = results(api.get("Nodes", "getNodes", {"node_id": "westbourne", "order": "lid_ASC"}))
    assert [(r["node_id"], r["link_id"]) for r in rows] == [
        ("westbourne", "westbourne-paper"),
        ("westbourne", "westbourne-web"),
    ]


def test_node_without_links_has_empty_link_fields(api: Api) -> None:
    resp = api.get("Nodes", "getNodes", {"node_id": "empty-node"})
    root = xml_of(resp)
    result = root.find("results/result")
    assert result.findtext("node_id") == "empty-node"
    assert result.find("link_id") is not None and result.findtext("link_id") == ""


def test_get_nodes_req_fields_keep_vendor_order(api: Api) -> None:
    rows = results(api.get("Nodes", "getNodes", {"req_fields": "lid,nid", "node_id": "leeds-deli"}))
    assert rows == [{"node_id": "leeds-deli", "link_id": "leeds-deli-web"}]


def test_get_nodes_order_both_directions(api: Api) -> None:
    asc = node_ids(api, order="nid_ASC", req_fields="nid")
    desc = node_ids(api, order="nid_DESC", req_fields="nid")
    assert asc == sorted(asc)
    assert desc == sorted(desc, reverse=True)


def test_get_nodes_filters(api: Api) -> None:
    assert set(node_ids(api, node_type="Restaurant")) == {"leeds-deli", "paris-bistro"}
    assert node_ids(api, link_id="paris-bistro-guide") == ["paris-bistro"]
    assert node_ids(api, link_type="Newspaper") == ["westbourne"]
    assert node_ids(api, node_id="nope") == []


def test_get_nodes_paging(api: Api) -> None:
    all_rows = results(api.get("Nodes", "getNodes", {"order": "lid_ASC"}))
    page2 = api.get("Nodes", "getNodes", {"order": "lid_ASC", "page": 2, "limit": 2})
    assert totals(page2) == (2, (len(all_rows) + 1) // 2, len(all_rows))
    assert results(page2) == all_rows[2:4]
    beyond = api.get("Nodes", "getNodes", {"page": 99, "limit": 2})
    assert results(beyond) == []
    assert totals(beyond)[2] == len(all_rows)


def test_empty_list_envelope(api: Api) -> None:
    resp = api.get("Nodes", "getNodes", {"node_id": "nope"})
    assert resp.text.endswith(
        "<response><current_page>1</current_page><total_pages>0</total_pages>"
        "<total_results>0</total_results><results/></response>"
    )


def test_get_nodes_json(api: Api) -> None:
    one = api.get("Nodes", "getNodes", {"node_id": "leeds-deli"}, output_json=True).json()
    assert one == {
        "response": {
            "current_page": "1",
            "total_pages": "1",
            "total_results": "1",
            "results": {
                "result": {
                    "node_id": "leeds-deli",
                    "node_name": "Leeds Deli",
                    "node_type": "Restaurant",
                    "link_id": "leeds-deli-web",
                    "link_name": "Website",
                    "link_type": "Web",
                    "rule_template_name": "Call the agent",
                }
            },
        }
    }
    several = api.get("Nodes", "getNodes", {"node_id": "westbourne"}, output_json=True).json()
    assert isinstance(several["response"]["results"]["result"], list)
    empty = api.get("Nodes", "getNodes", {"node_id": "nope"}, output_json=True).json()
    assert empty["response"]["results"] == ""


def test_ruby_get_nodes(api: Api) -> None:
    url = "/Nodes?" + ruby_query("getNodes", {"node_id": "westbourne", "order": "lid_DESC"})
    rows = results(api.client.get(url, headers=RUBY_HEADERS))
    assert [r["link_id"] for r in rows] == ["westbourne-web", "westbourne-paper"]


# --- createNodes --------------------------------------------------------------------------------


def test_create_nodes_php_body(api: Api) -> None:
    resp = api.post("Nodes", "createNodes", PHP_CREATE)
    assert resp.status_code == 201
    root = xml_of(resp)
    assert [n.text for n in root.findall("nodes/node/node_id")] == ["shop-12", "shop-13"]
    rows = {r["node_id"]: r for r in results(api.get("Nodes", "getNodes", {"node_type": "Shop"}))}
    assert rows["shop-12"]["node_name"] == "Smith & Sons"
    with api.dbs["sandbox"].sessions() as s:
        dated = s.scalar(select(Node.node_date).where(Node.node_id == "shop-13"))
    assert dated == datetime(2024, 1, 31, 10, 0, 0)


def test_create_nodes_ruby_body(api: Api) -> None:
    url = "/Nodes?" + ruby_query("createNodes")
    resp = api.client.post(
        url, content=RUBY_CREATE.encode(), headers={**RUBY_HEADERS, "Content-Type": "application/xml"}
    )
    assert resp.status_code == 201
    assert node_ids(api, node_id="rb-1") == ["rb-1"]


def test_create_nodes_errors_together_and_nothing_written(api: Api) -> None:
    body = (
        "<request>"
        "<node><node_id>fresh</node_id><node_name>F</node_name><node_type>T</node_type></node>"
        "<node><node_id>westbourne</node_id><node_name>W</node_name><node_type>T</node_type></node>"
        "<node><node_id>x</node_id><node_name>X</node_name><node_type>T</node_type>"
        "<node_date>31/01/2024</node_date></node>"
        "</request>"
    )
    resp = api.post("Nodes", "createNodes", body)
    assert_errors(resp, 400, ["Node Date 3 of 3 Invalid"])
    body = body.replace("<node_date>31/01/2024</node_date>", "")
    resp = api.post("Nodes", "createNodes", body)
    assert_errors(resp, 400, ["Node ID 2 of 3 already exists"])
    assert node_ids(api, node_id="fresh") == []


def test_create_nodes_empty_fields(api: Api) -> None:
    body = "<request><node><node_id/><node_name>N</node_name><node_type/></node></request>"
    assert_errors(
        api.post("Nodes", "createNodes", body), 400, ["Node ID 1 of 1 Empty", "Node Type 1 of 1 Empty"]
    )


def test_create_nodes_duplicate_in_request(api: Api) -> None:
    item = "<node><node_id>d</node_id><node_name>N</node_name><node_type>T</node_type></node>"
    resp = api.post("Nodes", "createNodes", f"<request>{item}{item}</request>")
    assert_errors(resp, 400, ["Duplicate Node ID Received"])


def test_node_ids_are_per_account(api: Api) -> None:
    # another account may use an id that Demo Estates already has
    body = (
        "<request><node><node_id>westbourne</node_id><node_name>N</node_name><node_type>T</node_type></node>"
    )
    body += "</request>"
    other = {"username": OTHER_USER, "secureKey": OTHER_SANDBOX_KEY}
    assert api.post("Nodes", "createNodes", body, headers=other).status_code == 201


# --- updateNodes --------------------------------------------------------------------------------


def test_update_rename_keeps_links(api: Api) -> None:
    body = """<?xml version="1.0" encoding="utf-8"?>
<request>
  <node>
    <node_id>westbourne</node_id>
    <node_name>Westbourne Court</node_name>
    <new_node_id>westbourne-court</new_node_id>
  </node>
</request>
"""
    resp = api.put("Nodes", "updateNodes", body)
    assert resp.status_code == 204
    assert resp.content == b""
    rows = results(api.get("Nodes", "getNodes", {"node_id": "westbourne-court"}))
    assert {r["link_id"] for r in rows} == {"westbourne-web", "westbourne-paper"}
    assert {r["node_name"] for r in rows} == {"Westbourne Court"}
    assert {r["node_type"] for r in rows} == {"Property"}
    assert node_ids(api, node_id="westbourne") == []


def test_update_swap_ids(api: Api) -> None:
    body = (
        "<request><node><node_id>leeds-deli</node_id><new_node_id>paris-bistro</new_node_id></node>"
        "<node><node_id>paris-bistro</node_id><new_node_id>leeds-deli</new_node_id></node></request>"
    )
    assert api.put("Nodes", "updateNodes", body).status_code == 204
    rows = results(api.get("Nodes", "getNodes", {"node_id": "leeds-deli"}))
    assert rows[0]["node_name"] == "Bistro du Marais"


def test_update_errors(api: Api) -> None:
    body = (
        "<request><node><node_id>ghost</node_id></node>"
        "<node><node_id>leeds-deli</node_id><new_node_id>westbourne</new_node_id></node>"
        "<node><node_id>paris-bistro</node_id><node_date>yesterday</node_date></node></request>"
    )
    resp = api.put("Nodes", "updateNodes", body)
    assert_errors(resp, 400, ["Node Date 3 of 3 Invalid"])
    resp = api.put("Nodes", "updateNodes", body.replace("<node_date>yesterday</node_date>", ""))
    assert_errors(resp, 400, ["Node ID 1 of 3 does not exist", "New Node ID 2 of 3 already exist"])
    assert_errors(
        api.put("Nodes", "updateNodes", "<request><node/></request>"), 400, ["Node ID 1 of 1 Empty"]
    )


# --- deleteNodes --------------------------------------------------------------------------------


def test_delete_cascades_links_and_frees_numbers(api: Api) -> None:
    free_link_numbers(api)  # the fixture's links without their numbers and flows
    with api.dbs["sandbox"].writing() as s:
        link_pk = s.scalar(select(Link.pk).where(Link.link_id == "westbourne-web"))
        account_pk = s.scalar(select(Link.account_pk).where(Link.pk == link_pk))
        s.add(VoxNumber(account_pk=account_pk, number="442079460777", link_pk=link_pk))
    resp = api.delete("Nodes", "deleteNodes", {"node_ids": "westbourne,leeds-deli"})
    assert resp.status_code == 204
    assert node_ids(api, node_id="westbourne") == []
    with api.dbs["sandbox"].sessions() as s:
        assert s.scalar(select(Link.pk).where(Link.link_id == "westbourne-web")) is None
        number = s.scalar(select(VoxNumber).where(VoxNumber.number == "442079460777"))
        assert number is not None and number.link_pk is None and number.account_pk == account_pk


def test_delete_errors(api: Api) -> None:
    resp = api.delete("Nodes", "deleteNodes", {"node_ids": "westbourne,,ghost"})
    assert_errors(resp, 400, ["Node ID 2 of 3 Empty", "Node ID 3 of 3 does not exist"])
    assert node_ids(api, node_id="westbourne") == ["westbourne", "westbourne"]
    assert_errors(api.delete("Nodes", "deleteNodes", {"node_ids": ""}), 400, ["Node IDs Empty"])


def test_delete_other_accounts_node_is_unknown(api: Api) -> None:
    resp = api.delete("Nodes", "deleteNodes", {"node_ids": "other-node"})
    assert_errors(resp, 400, ["Node ID 1 of 1 does not exist"])


# --- getNodeDetails -----------------------------------------------------------------------------


def test_node_details_shape(api: Api) -> None:
    resp = api.get("Nodes", "getNodeDetails", {"node_id": "westbourne"})
    root = xml_of(resp)
    assert root.findtext("total_results") == "1"
    result = root.find("results/result")
    assert [c.tag for c in result] == ["node_id", "node_name", "node_type", "node_date", "cats", "links"]
    with api.dbs["sandbox"].sessions() as s:
        stored = s.scalar(select(Node.node_date).where(Node.node_id == "westbourne"))
    assert stored is not None
    assert result.findtext("node_date") == stored.strftime("%Y-%m-%d %H:%M:%S")
    assert [c.findtext("value") for c in result.findall("cats/cat")] == ["London"]
    links = result.findall("links/link")
    assert [lk.findtext("link_id") for lk in links] == ["westbourne-web", "westbourne-paper"]
    web = links[0]
    assert [c.tag for c in web] == [
        "link_id",
        "link_name",
        "link_type",
        "link_date",
        "voxnumber",
        "rule_template_name",
        "cats",
    ]
    assert web.find("cats/cat").findtext("label") == "Location"
    assert web.find("cats/cat").findtext("value") == "Mayfair"


def test_node_details_options(api: Api) -> None:
    params = {
        "node_id": "westbourne",
        "link_id": "westbourne-paper",
        "return_rule_name": "false",
        "req_fields": "nid,lid",
    }
    result = xml_of(api.get("Nodes", "getNodeDetails", params)).find("results/result")
    assert [c.tag for c in result] == ["node_id", "links"]
    assert [[c.tag for c in lk] for lk in result.findall("links/link")] == [["link_id"]]


def test_node_details_json(api: Api) -> None:
    data = api.get("Nodes", "getNodeDetails", {"node_id": "leeds-deli"}, output_json=True).json()
    result = data["response"]["results"]["result"]
    assert result["links"]["link"]["link_id"] == "leeds-deli-web"
    assert result["cats"]["cat"] == [
        {"category_id": "104", "label": "Location", "value": "Leeds"},
        {"category_id": "201", "label": "Cuisine", "value": "Italian"},
    ]


def test_node_details_errors(api: Api) -> None:
    assert_errors(api.get("Nodes", "getNodeDetails"), 400, ["Node ID Empty"])
    assert_errors(api.get("Nodes", "getNodeDetails", {"node_id": "ghost"}), 400, ["Node ID Doesn't exist"])
    resp = api.get("Nodes", "getNodeDetails", {"node_id": "westbourne", "return_voxnumber": "yes"})
    assert_errors(resp, 400, ["return_voxnumber Invalid"])


# --- the write path (issue 13: plain statements, the ORM's semantics) ---------------------------


def _generation(api: Api) -> str:
    return generations.read_state(api.dbs["sandbox"].engine).generation


def test_update_that_changes_nothing_writes_nothing(api: Api) -> None:
    same = (
        "<request><node><node_id>westbourne</node_id><node_name>Westbourne Apartments</node_name>"
        "<node_type>Property</node_type></node></request>"
    )
    before = _generation(api)
    rows = results(api.get("Nodes", "getNodes", {"node_id": "westbourne"}))
    assert {(r["node_name"], r["node_type"]) for r in rows} == {("Westbourne Apartments", "Property")}
    assert api.put("Nodes", "updateNodes", same).status_code == 204
    assert _generation(api) == before  # no UPDATE ran: the cached answers stay good
    dated = same.replace("</node_type>", "</node_type><node_date>2024-02-29 08:30:00</node_date>")
    assert api.put("Nodes", "updateNodes", dated).status_code == 204
    assert _generation(api) != before
    with api.dbs["sandbox"].sessions() as s:
        node = s.scalars(select(Node).where(Node.node_id == "westbourne")).one()
    assert (node.node_name, node.node_type, node.node_date) == (
        "Westbourne Apartments",
        "Property",
        datetime(2024, 2, 29, 8, 30),
    )


def test_update_rename_chain_onto_a_freed_id(api: Api) -> None:
    body = (
        "<request><node><node_id>leeds-deli</node_id><new_node_id>leeds-deli-2</new_node_id></node>"
        "<node><node_id>paris-bistro</node_id><new_node_id>leeds-deli</new_node_id>"
        "<node_type>Bistro</node_type></node></request>"
    )
    with api.dbs["sandbox"].sessions() as s:
        before = {r.node_id: r.node_name for r in s.execute(select(Node.node_id, Node.node_name))}
    assert api.put("Nodes", "updateNodes", body).status_code == 204
    with api.dbs["sandbox"].sessions() as s:
        wanted = ("leeds-deli", "leeds-deli-2", "paris-bistro")
        after = {n.node_id: n for n in s.scalars(select(Node).where(Node.node_id.in_(wanted)))}
    assert set(after) == {"leeds-deli", "leeds-deli-2"}
    assert after["leeds-deli-2"].node_name == before["leeds-deli"]
    assert (after["leeds-deli"].node_name, after["leeds-deli"].node_type) == (
        before["paris-bistro"],
        "Bistro",
    )


def test_update_duplicates_in_request_write_nothing(api: Api) -> None:
    before = _generation(api)
    item = "<node><node_id>leeds-deli</node_id><node_name>A</node_name></node>"
    twice = f"<request>{item}{item}</request>"
    assert_errors(api.put("Nodes", "updateNodes", twice), 400, ["Duplicate Node ID Received"])
    onto_one = (
        "<request><node><node_id>leeds-deli</node_id><new_node_id>n1</new_node_id></node>"
        "<node><node_id>paris-bistro</node_id><new_node_id>n1</new_node_id></node></request>"
    )
    assert_errors(api.put("Nodes", "updateNodes", onto_one), 400, ["Duplicate Node ID Received"])
    new = "<node><node_id>d1</node_id><node_name>N</node_name><node_type>T</node_type></node>"
    assert_errors(
        api.post("Nodes", "createNodes", f"<request>{new}{new}</request>"),
        400,
        ["Duplicate Node ID Received"],
    )
    assert _generation(api) == before
    assert node_ids(api, node_id="n1") == [] and node_ids(api, node_id="d1") == []


def test_delete_node_keeps_its_calls_unattached(api: Api) -> None:
    with api.dbs["sandbox"].sessions() as s:
        node_pk, node_id, count = s.execute(
            select(Call.node_pk, Node.node_id, func.count())
            .join(Node, Node.pk == Call.node_pk)
            .group_by(Call.node_pk, Node.node_id)
            .order_by(func.count().desc())
        ).first()  # type: ignore[misc]
        total = s.scalar(select(func.count()).select_from(Call))
    assert count > 0
    assert api.delete("Nodes", "deleteNodes", {"node_ids": node_id}).status_code == 204
    with api.dbs["sandbox"].sessions() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == total  # calls stay (SET NULL)
        assert s.scalar(select(func.count()).where(Call.node_pk == node_pk)) == 0
        assert s.scalar(select(func.count()).select_from(Link).where(Link.node_pk == node_pk)) == 0


def test_one_write_with_an_error_writes_nothing(api: Api) -> None:
    # the usual one-node requests write first and check after: an error rolls the write back
    before = _generation(api)
    body = (
        "<request><node><node_id>westbourne</node_id><node_name>W</node_name><node_type>T</node_type></node>"
    )
    assert_errors(
        api.post("Nodes", "createNodes", body + "</request>"), 400, ["Node ID 1 of 1 already exists"]
    )
    resp = api.delete("Nodes", "deleteNodes", {"node_ids": "westbourne,ghost,leeds-deli,ghost2"})
    assert_errors(resp, 400, ["Node ID 2 of 4 does not exist", "Node ID 4 of 4 does not exist"])
    assert _generation(api) == before
    rows = results(api.get("Nodes", "getNodes", {"node_id": "westbourne"}))
    assert {r["node_name"] for r in rows} == {"Westbourne Apartments"}
    assert node_ids(api, node_id="leeds-deli") == ["leeds-deli"]
    # the same id twice is one node deleted
    assert api.delete("Nodes", "deleteNodes", {"node_ids": "leeds-deli,leeds-deli"}).status_code == 204
    assert node_ids(api, node_id="leeds-deli") == []
