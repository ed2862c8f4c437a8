"""The protocol layer: every general error of overview.txt, the staged checks of DECISIONS.md §2,
and requests shaped exactly as the PHP and Ruby clients send them (CLIENT-WIRE.md §3)."""

from __future__ import annotations

import pytest

from mock_iovox.catalog import all_methods
from mock_iovox.catalog.model import Verb
from mock_iovox.params import group_query
from tests.helpers import (
    OTHER_SANDBOX_KEY,
    OTHER_USER,
    PRODUCTION_KEY,
    RUBY_HEADERS,
    SANDBOX_KEY,
    SANDBOX_USER,
    Api,
    assert_errors,
    errors_of,
    node_xml,
    php_query,
    results,
    ruby_query,
)

GET_NODES = "/Nodes?v=3&method=getNodes"


# --- Stage 2: headers -------------------------------------------------------------------------


def test_no_headers_reports_both_missing(api: Api) -> None:
    resp = api.client.get(GET_NODES)
    assert_errors(resp, 400, ["Username Empty", "Secure Key Empty"])


def test_username_only(api: Api) -> None:
    resp = api.client.get(GET_NODES, headers={"username": SANDBOX_USER})
    assert_errors(resp, 400, ["Secure Key Empty"])


def test_key_only(api: Api) -> None:
    resp = api.client.get(GET_NODES, headers={"secureKey": SANDBOX_KEY})
    assert_errors(resp, 400, ["Username Empty"])


def test_blank_header_values_count_as_missing(api: Api) -> None:
    resp = api.client.get(GET_NODES, headers={"username": "  ", "secureKey": ""})
    assert_errors(resp, 400, ["Username Empty", "Secure Key Empty"])


# --- Stage 3: authentication ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "key"),
    [
        (SANDBOX_USER, "wrong"),
        ("NoSuchUser", SANDBOX_KEY),
        (SANDBOX_USER, SANDBOX_KEY.upper()),
        # the production key does not open the sandbox (separate databases and keys)
        (SANDBOX_USER, PRODUCTION_KEY),
    ],
)
def test_bad_credentials_are_one_401(api: Api, username: str, key: str) -> None:
    resp = api.client.get(GET_NODES, headers={"username": username, "secureKey": key})
    assert_errors(resp, 401, ["HTTP 401: Unauthorized"])


@pytest.mark.parametrize("ip", ["203.0.113.7", "2001:db8::1", "100.64.0.1"])
def test_allowed_user_from_a_disallowed_ip(make_api, ip: str) -> None:
    resp = make_api(ip=ip).get("Nodes", "getNodes")
    assert_errors(resp, 401, ["HTTP 401: Unauthorized"])


@pytest.mark.parametrize("ip", ["127.0.0.1", "::1", "10.1.2.3", "172.17.0.1", "192.168.1.20", "fd00::5"])
def test_default_ranges_allow_loopback_and_private(make_api, ip: str) -> None:
    assert make_api(ip=ip).get("Nodes", "getNodes").status_code == 200


def test_auth_runs_before_routing(api: Api) -> None:
    resp = api.client.get("/Nope?method=x", headers={"username": "x", "secureKey": "y"})
    assert_errors(resp, 401, ["HTTP 401: Unauthorized"])


def test_forwarded_for_ignored_from_untrusted_peer(make_api) -> None:
    resp = make_api(ip="203.0.113.9").get("Nodes", "getNodes", headers={"X-Forwarded-For": "127.0.0.1"})
    assert_errors(resp, 401, ["HTTP 401: Unauthorized"])


def test_forwarded_for_believed_from_trusted_proxy(settings) -> None:
    from mock_iovox.settings import parse_networks

    trusted = settings.with_overrides(trusted_proxies=parse_networks("203.0.113.0/24"))
    proxy = Api(trusted, ip="203.0.113.9")
    try:
        ok = proxy.get("Nodes", "getNodes", headers={"X-Forwarded-For": "198.51.100.1, 192.168.0.4"})
        assert ok.status_code == 200
        bad = proxy.get("Nodes", "getNodes", headers={"X-Forwarded-For": "192.168.0.4, 198.51.100.1"})
        assert_errors(bad, 401, ["HTTP 401: Unauthorized"])
    finally:
        proxy.close()


# --- Stage 4: routing -------------------------------------------------------------------------


def test_interface_empty(api: Api) -> None:
    assert_errors(api.request("GET", "/?v=3&method=getNodes"), 400, ["Interface Name Empty"])


def test_unknown_interface(api: Api) -> None:
    assert_errors(
        api.request("GET", "/Widgets?v=3&method=getNodes"), 400, ["Interface does not exist: Widgets"]
    )


def test_interface_names_are_case_sensitive(api: Api) -> None:
    assert_errors(api.request("GET", "/nodes?v=3&method=getNodes"), 400, ["Interface does not exist: nodes"])


def test_method_empty(api: Api) -> None:
    assert_errors(api.request("GET", "/Calls?v=3"), 400, ["Method Empty"])


def test_method_invalid_names_interface(api: Api) -> None:
    resp = api.request("GET", "/Calls?v=3&method=doesntExist")
    assert_errors(resp, 400, ["Method Invalid: doesntExist in interface Calls"])


def test_method_from_another_interface_is_invalid(api: Api) -> None:
    resp = api.request("GET", "/Links?v=3&method=getNodes")
    assert_errors(resp, 400, ["Method Invalid: getNodes in interface Links"])


def test_version_empty(api: Api) -> None:
    assert_errors(api.request("GET", "/Nodes?method=getNodes"), 400, ["API Version Empty"])


@pytest.mark.parametrize("v", ["2", "abc", "3.0", "03x"])
def test_version_invalid(api: Api, v: str) -> None:
    assert_errors(api.request("GET", f"/Nodes?method=getNodes&v={v}"), 400, ["Invalid API Version"])


def test_routing_reports_every_problem_of_the_stage(api: Api) -> None:
    assert_errors(api.request("GET", "/"), 400, ["Interface Name Empty", "Method Empty", "API Version Empty"])
    resp = api.request("GET", "/Widgets?v=9")
    assert_errors(resp, 400, ["Interface does not exist: Widgets", "Method Empty", "Invalid API Version"])


def test_trailing_slash_and_path_prefix_are_tolerated(api: Api) -> None:
    assert api.request("GET", "/Nodes/?v=3&method=getNodes").status_code == 200
    assert api.request("GET", "/iovox/Nodes?v=3&method=getNodes").status_code == 200


# --- Stage 5: verb ----------------------------------------------------------------------------


def test_wrong_verb(api: Api) -> None:
    resp = api.request("POST", "/Nodes?v=3&method=getNodes", content=b"<request/>")
    assert_errors(resp, 400, ["Request Method must be GET. POST attempted"])


@pytest.mark.parametrize("method", all_methods(), ids=lambda m: f"{m.interface}.{m.name}")
def test_every_method_is_routed_and_verb_checked(api: Api, method) -> None:
    wrong = "PATCH" if method.verb is not Verb.GET else "DELETE"
    resp = api.request(wrong, f"/{method.interface}?v=3&method={method.name}")
    assert_errors(resp, 400, [f"Request Method must be {method.verb.value}. {wrong} attempted"])


# --- Stage 6: list parameters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "messages"),
    [
        ({"page": "x"}, ["Page Number not an integer"]),
        ({"limit": "x"}, ["Limit not an integer"]),
        ({"limit": "0"}, ["Limit must be between 1 and 5000"]),
        ({"limit": "20001"}, ["Limit must be between 1 and 5000"]),
        ({"limit": "-5"}, ["Limit must be between 1 and 5000"]),
        ({"output": "CSV"}, ["Output Type Invalid"]),
        ({"req_fields": "nid,bogus,xx"}, ["Required Fields Invalid: bogus,xx"]),
        ({"order": "zz_ASC"}, ["Order Field Invalid"]),
        ({"order": "nn_UP"}, ["Order Direction Invalid"]),
        ({"order": "nn"}, ["Order Direction Invalid"]),
        ({"order": "zz_SIDEWAYS"}, ["Order Field Invalid", "Order Direction Invalid"]),
        (
            {"page": "x", "limit": "y", "output": "CSV", "req_fields": "q"},
            [
                "Output Type Invalid",
                "Page Number not an integer",
                "Limit not an integer",
                "Required Fields Invalid: q",
            ],
        ),
    ],
)
def test_list_parameter_errors(api: Api, params: dict[str, str], messages: list[str]) -> None:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    resp = api.request("GET", f"/Nodes?v=3&method=getNodes&{query}")
    assert_errors(resp, 400, messages)


def test_limit_bounds_are_accepted(api: Api) -> None:
    assert api.get("Nodes", "getNodes", {"limit": 1}).status_code == 200
    assert api.get("Nodes", "getNodes", {"limit": 20000}).status_code == 200


def test_5000_limit_methods(api: Api) -> None:
    resp = api.get("Rules", "getTimeTemplates", {"limit": 5001})
    assert_errors(resp, 400, ["Limit must be between 1 and 5000"])


def test_mandatory_query_parameter(api: Api) -> None:
    resp = api.request("DELETE", "/Nodes?v=3&method=deleteNodes")
    assert_errors(resp, 400, ["Node IDs Empty"])


# --- Stage 6: payloads ------------------------------------------------------------------------

CREATE_NODES = "/Nodes?v=3&method=createNodes"


def test_xml_empty(api: Api) -> None:
    assert_errors(api.request("POST", CREATE_NODES), 400, ["XML Empty"])
    assert_errors(api.request("POST", CREATE_NODES, content=b"  \n"), 400, ["XML Empty"])


def test_malformed_xml_gives_libxml_message_line_and_column(api: Api) -> None:
    resp = api.request("POST", CREATE_NODES, content=b"<request>\n<node></request>")
    assert_errors(
        resp,
        400,
        ["XML parse error. Opening and ending tag mismatch: node line 2 and request at line 2, column 17"],
    )


def test_request_empty(api: Api) -> None:
    assert_errors(api.request("POST", CREATE_NODES, content=b"<request/>"), 400, ["Request Empty"])
    body = b'<?xml version="1.0" encoding="utf-8"?>\n<request>\n  <other/>\n</request>\n'
    assert_errors(api.request("POST", CREATE_NODES, content=body), 400, ["Request Empty"])


def test_item_indexed_errors_are_reported_together(api: Api) -> None:
    body = (
        "<request><node><node_id>a</node_id><node_name>A</node_name><node_type>T</node_type></node>"
        "<node><node_name>B</node_name></node></request>"
    )
    resp = api.request("POST", CREATE_NODES, content=body.encode())
    assert_errors(resp, 400, ["Node ID 2 of 2 Empty", "Node Type 2 of 2 Empty"])


def test_params_and_payload_problems_come_together(api: Api) -> None:
    resp = api.request("POST", CREATE_NODES + "&output=CSV", content=b"<request/>")
    assert_errors(resp, 400, ["Output Type Invalid", "Request Empty"])


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE request [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<request><node><node_id>&x;</node_id><node_name>n</node_name><node_type>t</node_type></node></request>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<request><node><node_id>&lol9;</node_id></node></request>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE request SYSTEM "http://198.51.100.1/evil.dtd">
<request><node><node_id>a</node_id></node></request>"""

DOCTYPE_REFUSED = "XML parse error. Document type declarations are not allowed at line 1, column 1"


@pytest.mark.parametrize("body", [XXE, LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion-laughs", "external-dtd"])
def test_any_doctype_is_refused(api: Api, body: bytes) -> None:
    resp = api.request("POST", CREATE_NODES, content=body)
    assert_errors(resp, 400, [DOCTYPE_REFUSED])
    assert b"root:" not in resp.content
    # nothing was written, and the server keeps serving
    assert api.get("Nodes", "getNodes", {"node_id": "a"}).status_code == 200


def test_invalid_utf8(api: Api) -> None:
    resp = api.request(
        "POST", CREATE_NODES, content=b"<request><node><node_id>\xff\xfe</node_id></node></request>"
    )
    assert_errors(resp, 400, ["XML parse error. Invalid bytes in character encoding at line 1, column 25"])


def test_deeply_nested_body(api: Api) -> None:
    body = b"<request>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</request>"
    resp = api.request("POST", CREATE_NODES, content=body)
    assert resp.status_code == 400
    [(_, message)] = errors_of(resp)
    assert message.startswith("XML parse error. Excessive depth in document: 256")


def test_oversized_body(api: Api) -> None:
    body = b"<request>" + b"x" * (api.settings.max_body_bytes + 1) + b"</request>"
    resp = api.request("POST", CREATE_NODES, content=body)
    assert_errors(resp, 400, [f"Request Too Large: the body exceeds {api.settings.max_body_bytes} bytes"])


def test_a_method_without_a_handler_says_so(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every catalogued method has a handler today; one taken away answers the documented 501."""
    from mock_iovox.handlers import HANDLERS

    monkeypatch.delitem(HANDLERS, ("Countries", "getCountries"))
    resp = api.get("Countries", "getCountries")
    assert_errors(resp, 501, ["Method not implemented in mock-iovox: getCountries"])


# --- Client shapes (CLIENT-WIRE.md §3) ----------------------------------------------------------


def test_ruby_shaped_request(api: Api) -> None:
    url = "/Nodes?" + ruby_query("getNodes", {"page": 1, "limit": 10, "node_id": "westbourne"})
    resp = api.client.get(url, headers=RUBY_HEADERS)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/xml; charset=utf-8"
    assert {r["node_id"] for r in results(resp)} == {"westbourne"}


def test_php_shaped_request(api: Api) -> None:
    url = "/Nodes?" + php_query("getNodes", {"node_id": "leeds-deli", "order": "nn_DESC"}, output_json=True)
    assert url.endswith("node_id=leeds-deli&order=nn_DESC&v=3&method=getNodes&output=JSON")
    resp = api.request("GET", url)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.json()["response"]["results"]["result"]["node_id"] == "leeds-deli"


@pytest.mark.parametrize(
    "query",
    [
        [("cat_ids[0]", "1,2"), ("cat_ids[1]", "3")],  # PHP
        [("cat_ids[]", "1,2"), ("cat_ids[]", "3")],  # Ruby
        [("cat_ids", "1,2"), ("cat_ids", "3")],  # plain repetition
        [("cat_ids[1]", "3"), ("cat_ids[0]", "1,2")],  # explicit indices win over position
    ],
)
def test_bracket_array_forms_fold_into_one_list(query: list[tuple[str, str]]) -> None:
    assert group_query(query)["cat_ids"] == ["1,2", "3"]


def test_output_xml_accepted_on_writes(api: Api) -> None:
    body = "<request><node><node_id>n9</node_id><node_name>N</node_name><node_type>T</node_type></node>"
    body += "</request>"
    resp = api.request("POST", "/Nodes?method=createNodes&v=3&output=XML", content=body.encode())
    assert resp.status_code == 201


def test_header_names_any_case(api: Api) -> None:
    for headers in (
        {"USERNAME": SANDBOX_USER, "SECUREKEY": SANDBOX_KEY},
        {"Username": SANDBOX_USER, "Securekey": SANDBOX_KEY},
    ):
        assert api.client.get("/Nodes?v=3&method=getNodes", headers=headers).status_code == 200


# --- Environments and accounts ----------------------------------------------------------------


def test_other_hosts_go_to_the_default_environment(make_api) -> None:
    for host in ("api.iovox.com", "localhost", "127.0.0.1"):
        resp = make_api(host=host).get("Nodes", "getNodes")
        assert "westbourne" in {r["node_id"] for r in results(resp)}


def test_host_selects_environment(settings) -> None:
    prod_default = settings.with_overrides(default_env="production")
    headers = {"username": SANDBOX_USER, "secureKey": PRODUCTION_KEY}
    prod = Api(prod_default, host="api.iovox.com")
    sandbox = Api(prod_default, host="sandboxapi.iovox.com")
    try:
        resp = prod.client.get("/Nodes?v=3&method=getNodes", headers=headers)
        assert {r["node_id"] for r in results(resp)} == {"hq"}
        # the production key opens nothing in the sandbox: separate databases and users
        resp = sandbox.client.get("/Nodes?v=3&method=getNodes", headers=headers)
        assert_errors(resp, 401, ["HTTP 401: Unauthorized"])
    finally:
        prod.close()
        sandbox.close()


def test_accounts_are_isolated(api: Api) -> None:
    mine = {r["node_id"] for r in results(api.get("Nodes", "getNodes"))}
    theirs = api.get("Nodes", "getNodes", headers={"username": OTHER_USER, "secureKey": OTHER_SANDBOX_KEY})
    assert {r["node_id"] for r in results(theirs)} == {"other-node"}
    assert "other-node" not in mine


# --- Faults, encodings, verbs -----------------------------------------------------------------


def test_unexpected_fault_is_a_vendor_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_iovox.handlers import HANDLERS

    def broken(ctx: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(HANDLERS, ("Nodes", "getNodes"), broken)
    resp = api.get("Nodes", "getNodes")
    assert_errors(resp, 500, ["Internal Server Error"])
    assert "boom" not in resp.text and "Traceback" not in resp.text


def test_fault_outside_the_dispatcher_is_a_vendor_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_iovox.server import app as app_module

    async def broken(receive: object, headers: object, limit: int) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(app_module, "receive_body", broken)
    # a method with a body: only those read one (after authentication)
    resp = api.post("Nodes", "createNodes", node_xml("x"))
    assert_errors(resp, 500, ["Internal Server Error"])


@pytest.mark.parametrize("encoded", ["Leeds+Deli", "Leeds%20Deli"])
def test_plus_and_percent20_both_mean_space(api: Api, encoded: str) -> None:
    assert api.post("Nodes", "createNodes", node_xml("Leeds Deli")).status_code == 201
    resp = api.request("GET", f"/Nodes?v=3&method=getNodes&node_id={encoded}")
    assert [r["node_id"] for r in results(resp)] == ["Leeds Deli"]


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/xml", "text/plain", None]
)
def test_body_is_xml_whatever_the_content_type(api: Api, content_type: str | None) -> None:
    body = node_xml("ct").encode()
    headers = {"Content-Type": content_type} if content_type else {}
    resp = api.request("POST", "/Nodes?v=3&method=createNodes", content=body, headers=headers)
    assert resp.status_code == 201


def test_head_is_answered_like_get_without_body(api: Api) -> None:
    resp = api.request("HEAD", "/Nodes?v=3&method=getNodes")
    assert resp.status_code == 200
    assert resp.content == b""


def test_success_statuses_and_bodies(api: Api) -> None:
    body = node_xml("s1")
    created = api.post("Nodes", "createNodes", body)
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/xml; charset=utf-8"
    updated = api.put(
        "Nodes",
        "updateNodes",
        "<request><node><node_id>s1</node_id><node_name>M</node_name></node></request>",
    )
    assert (updated.status_code, updated.content) == (204, b"")
    deleted = api.delete("Nodes", "deleteNodes", {"node_ids": "s1"})
    assert (deleted.status_code, deleted.content) == (204, b"")
