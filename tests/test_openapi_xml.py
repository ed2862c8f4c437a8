"""Every success XML answer holds to the OpenAPI document's XML schema (tests/openapi_xml.py; the
Schemathesis runs apply the same check to every answer), and the check itself catches drift."""

from __future__ import annotations

import pytest

from mock_iovox.catalog import CATALOG, find_method
from mock_iovox.catalog.calls import GROUP_FIELDS
from mock_iovox.catalog.model import Method, Verb
from mock_iovox.openapi import path_key
from tests.helpers import Api
from tests.openapi_xml import success_schema, xml_problem

#: the values a GET with mandatory parameters is asked with (the default fixture's own)
ASKED: dict[str, dict[str, str]] = {
    "getNodeDetails": {"node_id": "westbourne"},
    "getCategoryId": {"label": "Location", "value": "London"},
    "getContactDetails": {"contact_id": "C0001"},
    "getVariableRulesOfTemplate": {"template_name": "Shop menu"},
    "getCallFlow": {"call_flow": "Shop menu"},
    "getRegionForNumberType": {"number_type": "GEOGRAPHIC"},
    "getActionKey": {"link_id": "westbourne-web"},
    "getFlow": {"flow_name": "Shop menu", "flow_type": "CALL"},
    "getOrderDetails": {"order_reference": "SBX-00000001"},
    "userPortalLogin": {"username": "RestUserName"},
}
#: what is made first so that a look-up has something to find
MADE_FIRST: dict[str, tuple[str, str, str]] = {
    "getActionKey": ("JsApi", "createActionKey", "<request><link_id>westbourne-web</link_id></request>"),
    "getOrderDetails": (
        "Purchase",
        "purchaseVoxNumbers",
        "<request><items><item><country_code>44</country_code><area_code>20</area_code>"
        "<number_type>GEOGRAPHIC</number_type><quantity>1</quantity></item></items></request>",
    ),
}
_CALL_DATA = find_method("Calls", "getCallData")
assert _CALL_DATA is not None and _CALL_DATA.listing is not None
CALL_DATA_FIELDS = _CALL_DATA.listing.fields
#: every field and both group fields a row can carry
WIDE: dict[str, dict[str, str]] = {
    "getCallData": {"req_fields": ",".join(f.abbr for f in CALL_DATA_FIELDS)},
    "getCallMetrics": {"group_fields": "cdate,lid"},
}


def xml_gets() -> list[Method]:
    return [
        m
        for i in CATALOG
        for m in i.methods
        if m.verb is Verb.GET and success_schema(path_key(m), "get", m.success_status) is not None
    ]


@pytest.mark.parametrize("m", xml_gets(), ids=lambda m: m.name)
def test_every_xml_answer_holds_to_its_schema(api: Api, m: Method) -> None:
    if m.name in MADE_FIRST:
        made = api.post(*MADE_FIRST[m.name])
        assert made.status_code in (200, 201), made.text
    params = {**ASKED.get(m.name, {}), **WIDE.get(m.name, {})}
    resp = api.get(m.interface, m.name, params)
    assert resp.status_code == m.success_status, resp.text
    schema = success_schema(path_key(m), "get", m.success_status)
    assert schema is not None
    assert xml_problem(resp.content, schema) is None


def test_metric_rows_carry_period_and_group_values_the_document_lists(api: Api) -> None:
    m = find_method("Calls", "getCallMetrics")
    assert m is not None
    schema = success_schema(path_key(m), "get", 200)
    assert schema is not None
    row = schema["properties"]["results"]["items"]["properties"]
    assert {"period", *GROUP_FIELDS.values()} <= set(row)


NODES = (
    b"<response><current_page>1</current_page><total_pages>1</total_pages><total_results>1</total_results>"
    b"<results><result><node_id>n1</node_id><node_name>N</node_name></result></results></response>"
)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (NODES, None),
        (
            NODES.replace(b">1</total_results", b">one</total_results"),
            "response/total_results: 'one' is not of type 'integer'",
        ),
        (
            NODES.replace(b"<node_name>N</node_name>", b"<nodename>N</nodename>"),
            "response/results/result[0]: <nodename> is not in the document",
        ),
        (
            NODES.replace(b"<node_name>N</node_name>", b"<node_name><b>N</b></node_name>"),
            "response/results/result[0]/node_name: an element tree where the document has a string",
        ),
        (
            NODES.replace(b"<result>", b"<row>", 1).replace(b"</result>", b"</row>", 1),
            "response/results: <row> where the document has only <result> items",
        ),
        (
            NODES.replace(b"<node_id>n1</node_id>", b"<node_id>n1</node_id><node_id>n2</node_id>"),
            "response/results/result[0]: <node_id> twice where the document has one",
        ),
        (
            NODES.replace(b"<response>", b"<answer>").replace(b"</response>", b"</answer>"),
            "root <answer>, the document says <response>",
        ),
        (b"<response>", "not XML"),
    ],
)
def test_the_xml_check_catches_drift(body: bytes, problem: str | None) -> None:
    m = find_method("Nodes", "getNodes")
    assert m is not None
    schema = success_schema(path_key(m), "get", 200)
    assert schema is not None
    found = xml_problem(body, schema)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem), found
