"""The vendor's own error strings, where the mock used to word them differently (issue 19 item 6).

Each test sends a request shaped as the clients send it and asserts the exact vendor string and status.
"""

from __future__ import annotations

from tests.conftest import Api
from tests.helpers import (
    RUBY_HEADERS,
    RUBY_PROLOG,
    assert_errors,
    errors_of,
    php_body,
    results,
    ruby_query,
)

# --- limit: getNodes and getCategories print 5000 (sic) but accept up to 20000 ------------------


def test_get_nodes_and_categories_name_5000_but_accept_20000(api: Api) -> None:
    for interface, method in (("Nodes", "getNodes"), ("Categories", "getCategories")):
        assert_errors(api.get(interface, method, {"limit": 20001}), 400, ["Limit must be between 1 and 5000"])
        assert_errors(api.get(interface, method, {"limit": 0}), 400, ["Limit must be between 1 and 5000"])
        assert api.get(interface, method, {"limit": 5001}).status_code == 200
        assert api.get(interface, method, {"limit": 20000}).status_code == 200


def test_other_lists_keep_the_20000_text(api: Api) -> None:
    assert_errors(api.get("Links", "getLinks", {"limit": 20001}), 400, ["Limit must be between 1 and 20000"])


# --- updateNodes / updateLinks: a blank element is Empty, the clash is "already exist" (sic) ----

PHP_UPDATE_NODES = """<?xml version="1.0" encoding="utf-8"?>
<request>
  <node>
    <node_id>westbourne</node_id>
    <node_name/>
  </node>
  <node>
    <node_id>leeds-deli</node_id>
    <node_type></node_type>
  </node>
  <node>
    <node_id>paris-bistro</node_id>
    <new_node_id>westbourne</new_node_id>
  </node>
</request>
"""


def test_update_nodes_blank_name_and_type_are_empty(api: Api) -> None:
    resp = api.call("PUT", "Nodes", "updateNodes", **php_body(PHP_UPDATE_NODES))
    assert_errors(resp, 400, ["Node Name 1 of 3 Empty", "Node Type 2 of 3 Empty"])


def test_update_nodes_clash_is_already_exist(api: Api) -> None:
    body = PHP_UPDATE_NODES.replace("<node_name/>", "").replace("<node_type></node_type>", "")
    resp = api.call("PUT", "Nodes", "updateNodes", **php_body(body))
    assert_errors(resp, 400, ["New Node ID 3 of 3 already exist"])


def test_update_nodes_ruby_nil_keeps_the_value(api: Api) -> None:
    body = (
        RUBY_PROLOG + '<request><node><node_id>westbourne</node_id><node_name xsi:nil="true"/>'
        '<node_type xsi:nil="true"/></node></request>\n'
    )
    resp = api.request(
        "PUT",
        f"/Nodes?{ruby_query('updateNodes')}",
        content=body.encode(),
        headers={**RUBY_HEADERS, "Content-Type": "application/xml"},
    )
    assert resp.status_code == 204, resp.text
    rows = results(api.get("Nodes", "getNodes", {"node_id": "westbourne"}))
    assert rows and all(r["node_name"] and r["node_type"] for r in rows)


def test_update_links_blank_name_is_empty(api: Api) -> None:
    body = "<request><link><link_id>westbourne-web</link_id><link_name/></link></request>"
    resp = api.call("PUT", "Links", "updateLinks", **php_body(body))
    assert_errors(resp, 400, ["Link Name 1 of 1 Empty"])


# --- setCallStatus and transferVoxnumbers: a parse failure is the bare "XML Parse Error" ---------


def test_parse_failure_is_bare_on_set_call_status_and_transfer(api: Api) -> None:
    broken = '<?xml version="1.0" encoding="utf-8"?>\n<request>\n  <call_status>OFF</call_status>\n'
    for method in ("setCallStatus", "transferVoxnumbers"):
        resp = api.call("PUT", "Voxnumbers", method, **php_body(broken))
        assert_errors(resp, 400, ["XML Parse Error"])
    doctype = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><request/>'
    assert_errors(api.call("PUT", "Voxnumbers", "setCallStatus", **php_body(doctype)), 400, ["XML Parse Error"])
    # an empty body keeps its own text
    assert_errors(api.call("PUT", "Voxnumbers", "setCallStatus", **php_body("")), 400, ["XML Empty"])


def test_other_methods_keep_the_positioned_parse_error(api: Api) -> None:
    resp = api.call("PUT", "Nodes", "updateNodes", **php_body("<request><node>"))
    assert resp.status_code == 400
    assert errors_of(resp)[0][1].startswith("XML parse error. ")
