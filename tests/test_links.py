"""Links: getLinks, createLinks, updateLinks, deleteLinks, attachCategoryToLink, removeCategoryFromLink
(SPEC.md §5.2, §3.2, §6), with requests shaped as the PHP and Ruby clients send them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mock_iovox.db import Account, CallFlow, Category, Link, Node, VoxNumber, link_categories
from tests.fixture_state import leave_without_rules
from tests.helpers import (
    OTHER,
    PINNED,
    RUBY_HEADERS,
    RUBY_PROLOG,
    Api,
    assert_errors,
    php_body,
    php_query,
    results,
    ruby_query,
    totals,
    xml_of,
)
from tests.helpers.numbering import free_link_numbers

#: the sandbox links of Demo Estates, in creation order
ALL_LINKS = ["westbourne-web", "westbourne-paper", "leeds-deli-web", "paris-bistro-guide"]
DEFAULT_ELEMENTS = [
    "node_id",
    "node_name",
    "node_type",
    "link_id",
    "link_name",
    "link_type",
    "voxnumber",
    "rule_name",
    "click_to_call",
]


# --- helpers ------------------------------------------------------------------------------------


def php(
    api: Api,
    verb: str,
    method: str,
    xml: str,
    *,
    output_json: bool = False,
    user: dict[str, str] | None = None,
) -> httpx.Response:
    """A PHP-shaped write: pretty-printed body, curl's form Content-Type, PHP's query order;
    `user` replaces the default credentials."""
    kwargs = php_body(xml)
    kwargs["headers"] = {**kwargs["headers"], **(user or {})}
    return api.request(verb, f"/Links?{php_query(method, None, output_json)}", **kwargs)


def ruby(
    api: Api, verb: str, method: str, xml: str | None = None, params: dict[str, Any] | None = None
) -> httpx.Response:
    """A Ruby-shaped call: sorted query + output=XML, Username/Securekey, one-line body."""
    url = f"/Links?{ruby_query(method, params)}"
    if xml is None:
        return api.client.request(verb, url, headers=RUBY_HEADERS)
    headers = {**RUBY_HEADERS, "Content-Type": "application/xml"}
    return api.client.request(verb, url, headers=headers, content=(RUBY_PROLOG + xml + "\n").encode())


def pretty(*items: str) -> str:
    """A PHP body: `<request>` with 2-space indentation (items given already indented)."""
    return '<?xml version="1.0" encoding="utf-8"?>\n<request>\n' + "".join(items) + "</request>\n"


def php_link(**fields: str | None) -> str:
    """One `<link>` as PHP's serializer writes it: nulls dropped, `<categories/>` when none, CDATA
    for text with & < >."""
    lines = ["  <link>\n"]
    for name, value in fields.items():
        if name == "categories":
            lines.append(value or "    <categories/>\n")
        elif value is not None:
            shown = f"<![CDATA[{value}]]>" if any(c in value for c in "&<>") else value
            lines.append(f"    <{name}>{shown}</{name}>\n")
    if "categories" not in fields:
        lines.append("    <categories/>\n")
    lines.append("  </link>\n")
    return "".join(lines)


def php_categories(*cats: dict[str, str]) -> str:
    out = ["    <categories>\n"]
    for cat in cats:
        out.append("      <category>\n")
        out.extend(f"        <{k}>{v}</{k}>\n" for k, v in cat.items())
        out.append("      </category>\n")
    out.append("    </categories>\n")
    return "".join(out)


def get_links(api: Api, params: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
    return api.get("Links", "getLinks", params, **kw)


def link_ids(api: Api, params: dict[str, Any] | None = None, **kw: Any) -> list[str]:
    resp = get_links(api, params, **kw)
    assert resp.status_code == 200, resp.text
    return [r["link_id"] for r in results(resp)]


def cats_of(api: Api, link_id: str) -> list[str]:
    """The category ids of one link, as getLinks reports them."""
    root = xml_of(get_links(api, {"link_id": link_id, "req_fields": "lid,cid"}))
    [result] = root.findall("results/result")
    return [c.text for c in result.findall("cats/cat/category_id")]


def session(api: Api) -> Session:
    return api.dbs["sandbox"].sessions()


def demo_pk(db: Session) -> int:
    pk = db.scalar(select(Account.pk).where(Account.name == "Demo Estates"))
    assert pk is not None
    return pk


def give_number_and_flow(api: Api, link_id: str, number: str, flow_name: str) -> None:
    """Attach a VoxNumber and a call flow straight in the database (their own methods belong to
    other interfaces)."""
    with api.dbs["sandbox"].writing() as db:
        account_pk = demo_pk(db)
        link = db.scalars(select(Link).where(Link.account_pk == account_pk, Link.link_id == link_id)).one()
        flow = CallFlow(account_pk=account_pk, kind="CALL", name=flow_name, created_at=datetime(2026, 1, 5))
        db.add(flow)
        db.flush()
        link.call_flow_pk = flow.pk
        db.add(
            VoxNumber(
                account_pk=account_pk,
                number=number,
                country_code="44",
                number_type="GEOGRAPHIC",
                link_pk=link.pk,
                purchased_at=datetime(2026, 1, 5),
            )
        )


# --- getLinks: fields, shapes -------------------------------------------------------------------


def test_get_links_default_fields_and_creation_order(api: Api) -> None:
    resp = get_links(api)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/xml; charset=utf-8"
    rows = results(resp)
    assert [r["link_id"] for r in rows] == ALL_LINKS
    assert list(rows[0]) == DEFAULT_ELEMENTS
    assert rows[1] == {
        "node_id": "westbourne",
        "node_name": "Westbourne Apartments",
        "node_type": "Property",
        "link_id": "westbourne-paper",
        "link_name": "Evening Standard",
        "link_type": "Newspaper",
        "voxnumber": "442079460153",
        "rule_name": "Shop menu",
        "click_to_call": "0",
    }
    assert rows[0]["click_to_call"] == "1"
    # each link with traffic has a number; all run a call flow but westbourne-web, left without
    # rules on purpose
    assert [(r["voxnumber"], r["rule_name"]) for r in rows] == [
        ("442079460148", ""),
        ("442079460153", "Shop menu"),
        ("441134960045", "Call the agent"),
        ("33199000758", "Call the agent"),
    ]
    assert totals(resp) == (1, 1, 4)


def test_voxnumber_and_rule_name_come_from_the_number_and_the_flow(api: Api) -> None:
    free_link_numbers(api)  # the fixture's links without their numbers and flows
    give_number_and_flow(api, "leeds-deli-web", "441134960001", "Call Sales")
    rows = results(get_links(api, {"req_fields": "lid,vn,rn"}))
    by_id = {r["link_id"]: r for r in rows}
    assert by_id["leeds-deli-web"] == {
        "link_id": "leeds-deli-web",
        "voxnumber": "441134960001",
        "rule_name": "Call Sales",
    }
    assert by_id["westbourne-web"] == {"link_id": "westbourne-web", "voxnumber": "", "rule_name": ""}


def test_xml_body_exactly(api: Api) -> None:
    resp = get_links(api, {"link_id": "paris-bistro-guide", "req_fields": "lid,c2c,cid,cv"})
    assert resp.content == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b"<response><current_page>1</current_page><total_pages>1</total_pages>"
        b"<total_results>1</total_results><results><result><link_id>paris-bistro-guide</link_id>"
        b"<click_to_call>1</click_to_call><cats><cat><category_id>106</category_id><value>Paris</value></cat>"
        b"<cat><category_id>201</category_id><value>Italian</value></cat></cats></result></results></response>"
    )


def test_unknown_link_id_is_an_empty_list(api: Api) -> None:
    resp = get_links(api, {"link_id": "nope"})
    assert resp.status_code == 200
    root = xml_of(resp)
    assert totals(resp) == (1, 0, 0)
    results_el = root.find("results")
    assert results_el is not None and len(results_el) == 0
    assert b"<results/>" in resp.content


@pytest.mark.parametrize("node_id", ["nope", "other-node"])
def test_unknown_node_id_filter_is_an_error(api: Api, node_id: str) -> None:
    assert_errors(get_links(api, {"node_id": node_id}), 400, ["Node ID does not exist"])


def test_json_one_result_is_an_object_and_every_scalar_a_string(api: Api) -> None:
    free_link_numbers(api)  # the fixture's links without their numbers
    resp = get_links(api, {"link_id": "westbourne-paper"}, output_json=True)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()["response"]
    assert (body["current_page"], body["total_pages"], body["total_results"]) == ("1", "1", "1")
    result = body["results"]["result"]
    assert isinstance(result, dict)
    assert result == {
        "node_id": "westbourne",
        "node_name": "Westbourne Apartments",
        "node_type": "Property",
        "link_id": "westbourne-paper",
        "link_name": "Evening Standard",
        "link_type": "Newspaper",
        "voxnumber": "",
        "rule_name": "Shop menu",  # the fixture's IVR
        "click_to_call": "0",
    }


def test_json_several_results_are_a_list_with_category_groups(api: Api) -> None:
    resp = get_links(api, {"node_id": "westbourne", "req_fields": "lid,cid,cl,cv"}, output_json=True)
    result = resp.json()["response"]["results"]["result"]
    assert result == [
        {
            "link_id": "westbourne-web",
            "cats": {"cat": {"category_id": "103", "label": "Location", "value": "Mayfair"}},
        },
        # a link without categories: an empty field is "" (never {}), CLIENT-WIRE.md §1.7
        {"link_id": "westbourne-paper", "cats": ""},
    ]


def test_json_empty_list(api: Api) -> None:
    body = get_links(api, {"link_id": "nope"}, output_json=True).json()
    assert body == {
        "response": {"current_page": "1", "total_pages": "0", "total_results": "0", "results": ""}
    }


def test_req_fields_selects_and_keeps_catalogue_order(api: Api) -> None:
    rows = results(get_links(api, {"req_fields": "c2c,lid,nn"}))
    assert [list(r) for r in rows] == [["node_name", "link_id", "click_to_call"]] * 4
    assert rows[1] == {
        "node_name": "Westbourne Apartments",
        "link_id": "westbourne-paper",
        "click_to_call": "0",
    }


def test_categories_only_when_asked(api: Api) -> None:
    assert b"<cats>" not in get_links(api).content
    root = xml_of(get_links(api, {"req_fields": "lid,cl"}))
    first = root.find("results/result")
    assert first is not None
    assert [etree.tostring(c) for c in first.findall("cats/cat")] == [b"<cat><label>Location</label></cat>"]
    # a link without categories still has its (empty) group
    second = root.findall("results/result")[1]
    assert etree.tostring(second.find("cats")) == b"<cats/>"


def test_req_fields_errors(api: Api) -> None:
    assert_errors(get_links(api, {"req_fields": "lid,zz,rtn"}), 400, ["Required Fields Invalid: zz,rtn"])


# --- getLinks: order and paging -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("lid_ASC", sorted(ALL_LINKS)),
        ("lid_DESC", sorted(ALL_LINKS, reverse=True)),
        ("ln_ASC", ["paris-bistro-guide", "westbourne-paper", "westbourne-web", "leeds-deli-web"]),
        ("ln_DESC", ["westbourne-web", "leeds-deli-web", "westbourne-paper", "paris-bistro-guide"]),
        ("nn_ASC", ["paris-bistro-guide", "leeds-deli-web", "westbourne-web", "westbourne-paper"]),
        ("nn_DESC", ["westbourne-web", "westbourne-paper", "leeds-deli-web", "paris-bistro-guide"]),
        ("c2c_ASC", ["westbourne-paper", "westbourne-web", "leeds-deli-web", "paris-bistro-guide"]),
        ("c2c_DESC", ["westbourne-web", "leeds-deli-web", "paris-bistro-guide", "westbourne-paper"]),
        ("lt_DESC", ["westbourne-web", "leeds-deli-web", "westbourne-paper", "paris-bistro-guide"]),
        ("nt_ASC", ["westbourne-web", "westbourne-paper", "leeds-deli-web", "paris-bistro-guide"]),
        ("nt_DESC", ["leeds-deli-web", "paris-bistro-guide", "westbourne-web", "westbourne-paper"]),
    ],
)
def test_order_both_directions(api: Api, order: str, expected: list[str]) -> None:
    # ties keep creation order
    assert link_ids(api, {"order": order}) == expected


def test_order_on_voxnumber_and_rule_name(api: Api) -> None:
    free_link_numbers(api)  # the fixture's links without their numbers and flows
    leave_without_rules(api, "leeds-deli-web")
    give_number_and_flow(api, "paris-bistro-guide", "33199000001", "A Flow")
    give_number_and_flow(api, "westbourne-paper", "442079460001", "B Flow")
    assert link_ids(api, {"order": "vn_DESC"})[:2] == ["westbourne-paper", "paris-bistro-guide"]
    assert link_ids(api, {"order": "rn_ASC"})[-2:] == ["paris-bistro-guide", "westbourne-paper"]


@pytest.mark.parametrize(
    ("order", "messages"),
    [
        ("cid_ASC", ["Order Field Invalid"]),
        ("rtn_DESC", ["Order Field Invalid"]),
        ("lid_UP", ["Order Direction Invalid"]),
    ],
)
def test_order_errors(api: Api, order: str, messages: list[str]) -> None:
    assert_errors(get_links(api, {"order": order}), 400, messages)


def test_paging_totals(api: Api) -> None:
    resp = get_links(api, {"limit": 3, "page": 2})
    assert totals(resp) == (2, 2, 4)
    assert [r["link_id"] for r in results(resp)] == ["paris-bistro-guide"]
    resp = get_links(api, {"limit": 2, "page": 1, "order": "lid_DESC"})
    assert totals(resp) == (1, 2, 4)
    assert [r["link_id"] for r in results(resp)] == ["westbourne-web", "westbourne-paper"]
    beyond = get_links(api, {"limit": 2, "page": 9})
    assert totals(beyond) == (9, 2, 4)
    assert results(beyond) == []


def test_paging_with_a_filter_counts_only_matches(api: Api) -> None:
    resp = get_links(api, {"node_type": "Restaurant", "limit": 1})
    assert totals(resp) == (1, 2, 2)
    assert [r["link_id"] for r in results(resp)] == ["leeds-deli-web"]


# --- getLinks: filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"node_id": "westbourne"}, ["westbourne-web", "westbourne-paper"]),
        ({"node_id": "empty-node"}, []),
        ({"node_type": "Restaurant"}, ["leeds-deli-web", "paris-bistro-guide"]),
        ({"node_type": "restaurant"}, []),
        ({"link_id": "leeds-deli-web"}, ["leeds-deli-web"]),
        ({"link_type": "Web"}, ["westbourne-web", "leeds-deli-web"]),
        ({"link_type": "Web", "node_id": "leeds-deli"}, ["leeds-deli-web"]),
        ({"link_id": "westbourne"}, []),
    ],
)
def test_exact_filters(api: Api, params: dict[str, str], expected: list[str]) -> None:
    assert link_ids(api, params) == expected


CAT_CASES = [
    (["101"], ["westbourne-web", "leeds-deli-web"]),  # a category matches its sub-tree
    (["102"], ["westbourne-web"]),
    (["100"], ["westbourne-web", "leeds-deli-web", "paris-bistro-guide"]),
    (["100,200"], ["paris-bistro-guide"]),  # comma: AND
    (["103", "106"], ["westbourne-web", "paris-bistro-guide"]),  # repeated: OR
    (["101,201", "104"], ["leeds-deli-web"]),  # (UK AND Italian) OR Leeds
    (["106,201", "103,104"], ["paris-bistro-guide"]),
    (["999"], []),
    (["103,999"], []),
]


@pytest.mark.parametrize(("cat_ids", "expected"), CAT_CASES)
def test_cat_ids_php_form(api: Api, cat_ids: list[str], expected: list[str]) -> None:
    url = "/Links?" + php_query("getLinks", {"cat_ids": cat_ids}, output_json=True)
    assert "cat_ids[0]=" in url
    resp = api.request("GET", url)
    assert resp.status_code == 200
    found = resp.json()["response"]["results"]
    rows = [] if found == "" else found["result"]
    rows = [rows] if isinstance(rows, dict) else rows
    assert [r["link_id"] for r in rows] == expected


@pytest.mark.parametrize(("cat_ids", "expected"), CAT_CASES)
def test_cat_ids_ruby_form(api: Api, cat_ids: list[str], expected: list[str]) -> None:
    resp = ruby(
        api, "GET", "getLinks", params={"cat_ids": cat_ids, "req_fields": "nid,nn,nt,lid,ln,lt,vn,rn,c2c"}
    )
    assert "cat_ids%5B%5D=" in str(resp.request.url)
    assert resp.status_code == 200
    assert [r["link_id"] for r in results(resp)] == expected


@pytest.mark.parametrize(("cat_ids", "expected"), CAT_CASES)
def test_cat_ids_plain_form(api: Api, cat_ids: list[str], expected: list[str]) -> None:
    query = "&".join(f"cat_ids={v.replace(',', '%2C')}" for v in cat_ids)
    resp = api.request("GET", f"/Links?v=3&method=getLinks&{query}")
    assert resp.status_code == 200
    assert [r["link_id"] for r in results(resp)] == expected


def test_cat_ids_combine_with_other_filters(api: Api) -> None:
    assert link_ids(api, {"cat_ids": ["100"], "node_type": "Restaurant"}) == [
        "leeds-deli-web",
        "paris-bistro-guide",
    ]
    assert link_ids(api, {"cat_ids": ["201"], "node_id": "leeds-deli"}) == []


def test_ruby_get_links_like_the_gem(api: Api) -> None:
    resp = ruby(
        api,
        "GET",
        "getLinks",
        params={"link_id": "westbourne-web", "req_fields": "nid,nn,nt,lid,ln,lt,vn,rn,c2c"},
    )
    assert resp.status_code == 200
    [row] = results(resp)
    assert list(row) == DEFAULT_ELEMENTS
    assert row["link_name"] == "Website"


def test_accounts_are_isolated_on_get(api: Api) -> None:
    assert link_ids(api, headers=OTHER) == ["other-link"]
    assert link_ids(api, {"link_id": "westbourne-web"}, headers=OTHER) == []
    assert "other-link" not in link_ids(api)
    # the other account's categories do not exist here: 100 matches nothing for them
    assert link_ids(api, {"cat_ids": ["100"]}, headers=OTHER) == []


# --- createLinks --------------------------------------------------------------------------------


def test_php_create_links_answers_json_with_ids(api: Api) -> None:
    body = pretty(
        php_link(
            node_id="empty-node",
            link_id="empty-radio",
            link_name="Radio & TV",
            link_type="Radio",
            link_date=None,
        )
    )
    resp = php(api, "POST", "createLinks", body, output_json=True)
    assert resp.status_code == 201
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == {"response": {"links": {"link": {"link_id": "empty-radio"}}}}
    [row] = results(get_links(api, {"node_id": "empty-node"}))
    assert row == {
        "node_id": "empty-node",
        "node_name": "Empty Node",
        "node_type": "Test",
        "link_id": "empty-radio",
        "link_name": "Radio & TV",
        "link_type": "Radio",
        "voxnumber": "",
        "rule_name": "",
        "click_to_call": "1",
    }
    assert cats_of(api, "empty-radio") == []


def test_create_links_xml_echo_and_values(api: Api) -> None:
    body = pretty(
        php_link(
            node_id="empty-node",
            link_id="e1",
            link_name="One",
            link_type="Web",
            link_date="2024-01-31",
            click_to_call="0",
        ),
        php_link(
            node_id="westbourne",
            link_id="e2",
            link_name="Two",
            link_type="Web",
            link_date="2024-02-01 10:30:00",
        ),
    )
    resp = php(api, "POST", "createLinks", body)
    assert resp.status_code == 201
    assert resp.content == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b"<response><links><link><link_id>e1</link_id></link><link><link_id>e2</link_id></link></links></response>"
    )
    assert link_ids(api) == [*ALL_LINKS, "e1", "e2"]
    with session(api) as db:
        dates = dict(
            db.execute(select(Link.link_id, Link.link_date).where(Link.link_id.in_(["e1", "e2"]))).all()
        )
        flags = dict(
            db.execute(select(Link.link_id, Link.click_to_call).where(Link.link_id.in_(["e1", "e2"]))).all()
        )
    assert dates == {"e1": datetime(2024, 1, 31), "e2": datetime(2024, 2, 1, 10, 30)}
    assert flags == {"e1": False, "e2": True}


def test_ruby_create_links_with_nils(api: Api) -> None:
    xml = (
        "<request><link><node_id>leeds-deli</node_id><link_id>rb-1</link_id>"
        "<link_name>Flyer &amp; Co</link_name>"
        '<link_type>Print</link_type><link_date xsi:nil="true"/><click_to_call xsi:nil="true"/>'
        '<categories xsi:nil="true"/></link></request>'
    )
    resp = ruby(api, "POST", "createLinks", xml)
    assert resp.status_code == 201
    assert xml_of(resp).findtext("links/link/link_id") == "rb-1"
    [row] = results(get_links(api, {"link_id": "rb-1", "req_fields": "ln,c2c"}))
    assert row == {"link_name": "Flyer & Co", "click_to_call": "1"}
    with session(api) as db:
        link_date = db.scalar(select(Link.link_date).where(Link.link_id == "rb-1"))
    assert link_date == PINNED  # the mock's clock, not the wall clock


def test_create_links_with_categories_existing_and_new(api: Api) -> None:
    cats = php_categories(
        {"category_id": "103", "parent_category_id": "102", "value": "Mayfair"},
        {"category_id": "107", "parent_category_id": "102", "value": "Soho"},
        {"category_id": "202"},
    )
    body = pretty(
        php_link(
            node_id="westbourne", link_id="soho", link_name="Soho board", link_type="Board", categories=cats
        )
    )
    resp = php(api, "POST", "createLinks", body, output_json=True)
    assert resp.status_code == 201, resp.text
    assert cats_of(api, "soho") == ["103", "202", "107"]
    with session(api) as db:
        account_pk = demo_pk(db)
        new = db.scalars(
            select(Category).where(Category.account_pk == account_pk, Category.category_id == "107")
        ).one()
        parent = db.scalars(
            select(Category).where(Category.account_pk == account_pk, Category.category_id == "102")
        ).one()
        root = db.scalars(
            select(Category).where(Category.account_pk == account_pk, Category.category_id == "100")
        ).one()
    assert (new.label, new.value, new.parent_pk, new.root_pk) == ("Location", "Soho", parent.pk, root.pk)
    # the new value is part of the London sub-tree for cat_ids
    assert link_ids(api, {"cat_ids": ["102"]}) == ["westbourne-web", "soho"]
    assert link_ids(api, {"cat_ids": ["107"]}) == ["soho"]


def test_same_new_category_on_two_links_is_created_once(api: Api) -> None:
    cats = php_categories({"category_id": "150", "parent_category_id": "105", "value": "Lyon"})
    body = pretty(
        php_link(node_id="paris-bistro", link_id="p1", link_name="A", link_type="Web", categories=cats),
        php_link(node_id="paris-bistro", link_id="p2", link_name="B", link_type="Web", categories=cats),
    )
    assert php(api, "POST", "createLinks", body).status_code == 201
    assert link_ids(api, {"cat_ids": ["150"]}) == ["p1", "p2"]
    with session(api) as db:
        assert len(db.scalars(select(Category).where(Category.category_id == "150")).all()) == 1


def test_create_links_reports_every_problem_together(api: Api) -> None:
    body = pretty(
        php_link(node_id="nope", link_id="n1", link_name="A", link_type="Web"),
        php_link(node_id="westbourne", link_id="westbourne-paper", link_name="Fresh", link_type="Web"),
        php_link(node_id="westbourne", link_id="n3", link_name="Website", link_type="Web"),
        php_link(node_id="leeds-deli", link_id="n4", link_name="Menu", link_type="Web"),
        php_link(node_id="leeds-deli", link_id="n4", link_name="Menu", link_type="Web"),
        php_link(
            node_id="empty-node",
            link_id="n6",
            link_name="C",
            link_type="Web",
            categories=php_categories(
                {"category_id": "900"},
                {"category_id": "901", "parent_category_id": "899", "value": "X"},
                {"category_id": "902", "parent_category_id": "101"},
                {"category_id": "903", "parent_category_id": "101", "value": "Bath", "label": "Cuisine"},
            ),
        ),
    )
    resp = php(api, "POST", "createLinks", body, output_json=True)
    assert_errors(
        resp,
        400,
        [
            "Duplicate Link ID Received",
            "Node ID 1 of 6 does not exist",
            "Link ID 2 of 6 already exists",
            "Link Name Website is already attached to Node westbourne",
            "Link Name Menu is already attached to Node leeds-deli",
            "Category ID 1 of 4 does not exist",
            "Parent ID 2 of 4 does not exist",
            "Value 3 of 4 Empty",
            "Label 4 of 4 does not exist",
        ],
    )
    assert link_ids(api) == ALL_LINKS


def test_create_links_with_one_bad_item_writes_nothing(api: Api) -> None:
    good = php_link(
        node_id="empty-node",
        link_id="good",
        link_name="Good",
        link_type="Web",
        categories=php_categories({"category_id": "160", "parent_category_id": "200", "value": "Thai"}),
    )
    bad = php_link(
        node_id="empty-node",
        link_id="bad",
        link_name="Bad",
        link_type="Web",
        categories=php_categories({"category_id": "999"}),
    )
    assert_errors(
        php(api, "POST", "createLinks", pretty(good, bad)), 400, ["Category ID 1 of 1 does not exist"]
    )
    assert link_ids(api, {"node_id": "empty-node"}) == []
    with session(api) as db:
        assert db.scalars(select(Category).where(Category.category_id == "160")).all() == []


def test_create_links_field_errors(api: Api) -> None:
    body = pretty(
        php_link(link_id="x1", link_name="A", link_type="Web", link_date="31-01-2024", click_to_call="2"),
        php_link(node_id="westbourne"),
    )
    assert_errors(
        php(api, "POST", "createLinks", body),
        400,
        [
            "Node ID 1 of 2 Empty",
            "Link Date 1 of 2 Invalid",
            "Click To Call 1 of 2 Invalid",
            "Link ID 2 of 2 Empty",
            "Link Name 2 of 2 Empty",
            "Link Type 2 of 2 Empty",
        ],
    )


def test_create_links_request_empty(api: Api) -> None:
    assert_errors(php(api, "POST", "createLinks", pretty()), 400, ["Request Empty"])
    assert_errors(php(api, "POST", "createLinks", ""), 400, ["XML Empty"])


def test_same_link_name_under_different_nodes_is_fine(api: Api) -> None:
    body = pretty(
        php_link(node_id="empty-node", link_id="w1", link_name="Website", link_type="Web"),
        php_link(node_id="paris-bistro", link_id="w2", link_name="Website", link_type="Web"),
    )
    assert php(api, "POST", "createLinks", body).status_code == 201
    assert link_ids(api, {"link_type": "Web"}) == ["westbourne-web", "leeds-deli-web", "w1", "w2"]


def test_create_links_isolation(api: Api) -> None:
    # Demo Estates' node is invisible to the other account ...
    body = pretty(php_link(node_id="westbourne", link_id="intruder", link_name="X", link_type="Web"))
    resp = php(api, "POST", "createLinks", body, user=OTHER)
    assert_errors(resp, 400, ["Node ID 1 of 1 does not exist"])
    # ... and link ids are unique per account only
    body = pretty(php_link(node_id="other-node", link_id="westbourne-web", link_name="Mine", link_type="Web"))
    resp = php(api, "POST", "createLinks", body, user=OTHER)
    assert resp.status_code == 201
    assert link_ids(api, headers=OTHER) == ["other-link", "westbourne-web"]
    assert link_ids(api) == ALL_LINKS


# --- updateLinks --------------------------------------------------------------------------------


def test_rename_keeps_every_relation(api: Api) -> None:
    free_link_numbers(api)  # the fixture's links without their numbers and flows
    give_number_and_flow(api, "westbourne-web", "442079460077", "Call Sales")
    body = pretty(php_link(link_id="westbourne-web", new_link_id="wb-site"))
    resp = php(api, "PUT", "updateLinks", body)
    assert resp.status_code == 204 and resp.content == b""
    assert link_ids(api, {"link_id": "westbourne-web"}) == []
    [row] = results(get_links(api, {"link_id": "wb-site"}))
    assert (row["voxnumber"], row["rule_name"], row["link_name"]) == ("442079460077", "Call Sales", "Website")
    assert cats_of(api, "wb-site") == ["103"]
    assert link_ids(api) == ["wb-site", *ALL_LINKS[1:]]


def test_update_fields_ruby_shape(api: Api) -> None:
    xml = (
        "<request><link><link_id>westbourne-paper</link_id><link_name>Metro</link_name>"
        "<link_type>Print</link_type><click_to_call>1</click_to_call>"
        "<link_date>2025-03-04 05:06:07</link_date>"
        '<new_link_id xsi:nil="true"/><categories xsi:nil="true"/></link></request>'
    )
    resp = ruby(api, "PUT", "updateLinks", xml)
    assert resp.status_code == 204, resp.text
    [row] = results(get_links(api, {"link_id": "westbourne-paper", "req_fields": "ln,lt,c2c"}))
    assert row == {"link_name": "Metro", "link_type": "Print", "click_to_call": "1"}
    with session(api) as db:
        assert db.scalar(select(Link.link_date).where(Link.link_id == "westbourne-paper")) == datetime(
            2025, 3, 4, 5, 6, 7
        )


def test_update_click_to_call_off_and_nothing_else(api: Api) -> None:
    before = results(get_links(api, {"link_id": "leeds-deli-web"}))[0]
    assert (
        php(
            api, "PUT", "updateLinks", pretty(php_link(link_id="leeds-deli-web", click_to_call="0"))
        ).status_code
        == 204
    )
    after = results(get_links(api, {"link_id": "leeds-deli-web"}))[0]
    assert after == {**before, "click_to_call": "0"}
    assert cats_of(api, "leeds-deli-web") == ["104"]  # the empty <categories/> left them alone


def test_update_categories_replace_the_links_categories(api: Api) -> None:
    cats = php_categories(
        {"category_id": "104"},
        {"category_id": "201"},
        {"category_id": "170", "parent_category_id": "200", "value": "Thai"},
    )
    assert (
        php(
            api, "PUT", "updateLinks", pretty(php_link(link_id="westbourne-web", categories=cats))
        ).status_code
        == 204
    )
    assert cats_of(api, "westbourne-web") == ["104", "201", "170"]
    assert link_ids(api, {"cat_ids": ["103"]}) == []


def test_update_link_name_to_its_own_name_and_other_nodes_names(api: Api) -> None:
    body = pretty(
        php_link(link_id="westbourne-web", link_name="Website"),
        php_link(link_id="paris-bistro-guide", link_name="Website"),
    )
    assert php(api, "PUT", "updateLinks", body).status_code == 204
    assert [r["link_name"] for r in results(get_links(api, {"req_fields": "ln"}))] == [
        "Website",
        "Evening Standard",
        "Website",
        "Website",
    ]


def test_update_errors_reported_together(api: Api) -> None:
    body = pretty(
        php_link(link_id="nope", link_name="X"),
        php_link(link_id="westbourne-paper", new_link_id="leeds-deli-web", link_name="Website"),
        php_link(
            link_id="leeds-deli-web", new_link_id="fresh", categories=php_categories({"category_id": "999"})
        ),
        php_link(link_id="paris-bistro-guide", new_link_id="fresh"),
    )
    assert_errors(
        php(api, "PUT", "updateLinks", body),
        400,
        [
            "Link ID 1 of 4 does not exist",
            "New Link ID 2 of 4 already exist",
            "Link Name Website is already attached to Node westbourne",
            "Category ID 1 of 1 does not exist",
            "New Link ID 4 of 4 already exist",
        ],
    )
    assert link_ids(api) == ALL_LINKS
    assert cats_of(api, "leeds-deli-web") == ["104"]


def test_update_duplicate_link_id_and_name_clash_in_one_request(api: Api) -> None:
    body = pretty(
        php_link(link_id="leeds-deli-web", link_type="A"),
        php_link(link_id="leeds-deli-web", link_type="B"),
    )
    assert_errors(php(api, "PUT", "updateLinks", body), 400, ["Duplicate Link ID Received"])
    create = pretty(php_link(node_id="leeds-deli", link_id="menu", link_name="Menu", link_type="Print"))
    assert php(api, "POST", "createLinks", create).status_code == 201
    body = pretty(
        php_link(link_id="leeds-deli-web", link_name="Flyer"), php_link(link_id="menu", link_name="Flyer")
    )
    assert_errors(
        php(api, "PUT", "updateLinks", body), 400, ["Link Name Flyer is already attached to Node leeds-deli"]
    )
    assert [r["link_name"] for r in results(get_links(api, {"node_id": "leeds-deli"}))] == ["Website", "Menu"]


def test_update_field_errors(api: Api) -> None:
    body = pretty(php_link(link_date="yesterday", click_to_call="yes"))
    assert_errors(
        php(api, "PUT", "updateLinks", body),
        400,
        ["Link ID 1 of 1 Empty", "Click To Call 1 of 1 Invalid", "Link Date 1 of 1 Invalid"],
    )


def test_update_isolation(api: Api) -> None:
    body = pretty(php_link(link_id="westbourne-web", link_name="Hijacked"))
    resp = php(api, "PUT", "updateLinks", body, user=OTHER)
    assert_errors(resp, 400, ["Link ID 1 of 1 does not exist"])
    # renaming their own link onto an id used in another account is allowed
    body = pretty(php_link(link_id="other-link", new_link_id="westbourne-web"))
    resp = php(api, "PUT", "updateLinks", body, user=OTHER)
    assert resp.status_code == 204
    assert results(get_links(api, {"link_id": "westbourne-web", "req_fields": "ln"})) == [
        {"link_name": "Website"}
    ]


# --- deleteLinks --------------------------------------------------------------------------------


def test_delete_links(api: Api) -> None:
    resp = api.delete("Links", "deleteLinks", {"link_ids": "westbourne-paper,paris-bistro-guide"})
    assert resp.status_code == 204 and resp.content == b""
    assert link_ids(api) == ["westbourne-web", "leeds-deli-web"]


def test_delete_returns_the_voxnumber_to_the_pool(api: Api) -> None:
    free_link_numbers(api)  # the fixture's links without their numbers and flows
    give_number_and_flow(api, "leeds-deli-web", "441134960999", "Call Sales")
    with session(api) as db:
        assert db.execute(text("PRAGMA foreign_keys")).scalar() == 1
        link_pk = db.scalar(select(Link.pk).where(Link.link_id == "leeds-deli-web"))
    resp = ruby(api, "DELETE", "deleteLinks", params={"link_ids": "leeds-deli-web"})
    assert resp.status_code == 204
    with session(api) as db:
        number = db.scalars(select(VoxNumber).where(VoxNumber.number == "441134960999")).one()
        assert number.link_pk is None
        assert number.account_pk == demo_pk(db)
        assert db.execute(select(link_categories).where(link_categories.c.link_pk == link_pk)).all() == []
        assert db.scalar(select(CallFlow.name).where(CallFlow.name == "Call Sales")) == "Call Sales"
        # the node stays
        assert db.scalar(select(Node.node_id).where(Node.node_id == "leeds-deli")) == "leeds-deli"


def test_delete_errors(api: Api) -> None:
    resp = api.delete("Links", "deleteLinks", {"link_ids": "westbourne-web,,nope,other-link"})
    assert_errors(
        resp,
        400,
        ["Link ID 2 of 4 Empty", "Link ID 3 of 4 does not exist", "Link ID 4 of 4 does not exist"],
    )
    assert link_ids(api) == ALL_LINKS
    assert_errors(api.request("DELETE", "/Links?v=3&method=deleteLinks"), 400, ["Link IDs Empty"])
    assert_errors(api.delete("Links", "deleteLinks", {"link_ids": " "}), 400, ["Link IDs Empty"])


def test_delete_repeated_id_deletes_once(api: Api) -> None:
    assert (
        api.delete("Links", "deleteLinks", {"link_ids": "leeds-deli-web,leeds-deli-web"}).status_code == 204
    )
    assert "leeds-deli-web" not in link_ids(api)


def test_delete_isolation(api: Api) -> None:
    resp = api.delete("Links", "deleteLinks", {"link_ids": "westbourne-web"}, headers=OTHER)
    assert_errors(resp, 400, ["Link ID 1 of 1 does not exist"])
    assert link_ids(api) == ALL_LINKS


# --- attachCategoryToLink -----------------------------------------------------------------------


def test_php_attach_existing_category_is_idempotent(api: Api) -> None:
    body = pretty(
        "  <link>\n    <link_id>westbourne-paper</link_id>\n    <category_id>201</category_id>\n"
        "    <parent_category_id>200</parent_category_id>\n  </link>\n"
    )
    for _ in range(2):
        resp = php(api, "PUT", "attachCategoryToLink", body)
        assert resp.status_code == 204 and resp.content == b""
    assert cats_of(api, "westbourne-paper") == ["201"]


def test_attach_creates_a_sub_category_on_the_fly(api: Api) -> None:
    xml = (
        "<request><link><link_id>leeds-deli-web</link_id><parent_category_id>104</parent_category_id>"
        "<category_id>180</category_id><label>Location</label><value>Headingley</value></link>"
        "<link><link_id>westbourne-web</link_id><category_id>180</category_id></link></request>"
    )
    resp = ruby(api, "PUT", "attachCategoryToLink", xml)
    assert resp.status_code == 204, resp.text
    assert cats_of(api, "leeds-deli-web") == ["104", "180"]
    assert cats_of(api, "westbourne-web") == ["103", "180"]
    with session(api) as db:
        new = db.scalars(select(Category).where(Category.category_id == "180")).one()
        parent = db.scalars(select(Category).where(Category.category_id == "104")).one()
    assert (new.label, new.value, new.parent_pk, new.root_pk) == (
        "Location",
        "Headingley",
        parent.pk,
        parent.root_pk,
    )
    assert link_ids(api, {"cat_ids": ["104"]}) == ["westbourne-web", "leeds-deli-web"]


def test_attach_errors_together_and_nothing_written(api: Api) -> None:
    xml = (
        "<request>"
        "<link><link_id>westbourne-paper</link_id><category_id>202</category_id></link>"
        "<link><link_id>nope</link_id><category_id>202</category_id></link>"
        "<link><link_id>westbourne-paper</link_id><category_id>555</category_id></link>"
        "<link><link_id>westbourne-paper</link_id><category_id>556</category_id>"
        "<parent_category_id>554</parent_category_id><value>V</value></link>"
        "<link><link_id>westbourne-paper</link_id><category_id>557</category_id>"
        '<parent_category_id>200</parent_category_id><value xsi:nil="true"/></link>'
        "<link><link_id>westbourne-paper</link_id><category_id>558</category_id>"
        "<parent_category_id>200</parent_category_id><label>Location</label><value>Thai</value></link>"
        "<link><link_id>westbourne-paper</link_id></link>"
        "</request>"
    )
    assert_errors(
        ruby(api, "PUT", "attachCategoryToLink", xml),
        400,
        [
            "Category ID 7 of 7 Empty",
        ],
    )
    xml = xml.replace("<link><link_id>westbourne-paper</link_id></link>", "")
    assert_errors(
        ruby(api, "PUT", "attachCategoryToLink", xml),
        400,
        [
            "Link ID 2 of 6 does not exist",
            "Category ID 3 of 6 does not exist",
            "Parent ID 4 of 6 does not exist",
            "Value 5 of 6 Empty",
            "Label 6 of 6 does not exist",
        ],
    )
    assert cats_of(api, "westbourne-paper") == []
    with session(api) as db:
        assert (
            db.scalars(
                select(Category.category_id).where(Category.category_id.in_(["556", "557", "558"]))
            ).all()
            == []
        )


def test_attach_request_empty_and_isolation(api: Api) -> None:
    assert_errors(php(api, "PUT", "attachCategoryToLink", pretty()), 400, ["Request Empty"])
    body = pretty(
        "  <link>\n    <link_id>westbourne-web</link_id>\n    <category_id>201</category_id>\n  </link>\n"
    )
    resp = php(api, "PUT", "attachCategoryToLink", body, user=OTHER)
    # neither the link nor the category exists for them
    assert_errors(resp, 400, ["Link ID 1 of 1 does not exist", "Category ID 1 of 1 does not exist"])
    # nor can they use Demo Estates' categories on their own link
    body = pretty(
        "  <link>\n    <link_id>other-link</link_id>\n    <category_id>201</category_id>\n  </link>\n"
    )
    resp = php(api, "PUT", "attachCategoryToLink", body, user=OTHER)
    assert_errors(resp, 400, ["Category ID 1 of 1 does not exist"])


# --- removeCategoryFromLink ---------------------------------------------------------------------


def test_php_remove_category_without_label(api: Api) -> None:
    body = pretty(
        "  <link>\n    <link_id>paris-bistro-guide</link_id>\n    <category_id>201</category_id>\n  </link>\n"
    )
    resp = php(api, "PUT", "removeCategoryFromLink", body)
    assert resp.status_code == 204 and resp.content == b""
    assert cats_of(api, "paris-bistro-guide") == ["106"]
    # the category itself stays, and so does its use elsewhere
    with session(api) as db:
        assert db.scalar(select(Category.value).where(Category.category_id == "201")) == "Italian"


def test_ruby_remove_category_with_label(api: Api) -> None:
    xml = (
        "<request><link><link_id>paris-bistro-guide</link_id><category_id>106</category_id>"
        "<label>Location</label></link><link><link_id>westbourne-web</link_id>"
        '<category_id>103</category_id><label xsi:nil="true"/></link></request>'
    )
    assert ruby(api, "PUT", "removeCategoryFromLink", xml).status_code == 204
    assert cats_of(api, "paris-bistro-guide") == ["201"]
    assert cats_of(api, "westbourne-web") == []


def test_remove_category_errors(api: Api) -> None:
    xml = (
        "<request>"
        "<link><link_id>paris-bistro-guide</link_id><category_id>106</category_id><label>Cuisine</label></link>"
        "<link><link_id>paris-bistro-guide</link_id><category_id>202</category_id></link>"
        "<link><link_id>paris-bistro-guide</link_id><category_id>999</category_id></link>"
        "<link><link_id>nope</link_id><category_id>106</category_id></link>"
        "<link><link_id>paris-bistro-guide</link_id><category_id>201</category_id></link>"
        "</request>"
    )
    assert_errors(
        ruby(api, "PUT", "removeCategoryFromLink", xml),
        400,
        [
            "Category ID/Label Combination 1 of 5 does not exist",
            "Category ID/Label Combination 2 of 5 does not exist",
            "Category ID/Label Combination 3 of 5 does not exist",
            "Link ID 4 of 5 does not exist",
        ],
    )
    # the good fifth item was not applied
    assert cats_of(api, "paris-bistro-guide") == ["106", "201"]


def test_remove_category_field_errors(api: Api) -> None:
    xml = "<request><link><category_id>abc</category_id></link><link><link_id>x</link_id></link></request>"
    assert_errors(
        ruby(api, "PUT", "removeCategoryFromLink", xml),
        400,
        ["Link ID 1 of 2 Empty", "Category ID 1 of 2 not an integer", "Category ID 2 of 2 Empty"],
    )


def test_remove_category_isolation(api: Api) -> None:
    body = pretty(
        "  <link>\n    <link_id>westbourne-web</link_id>\n    <category_id>103</category_id>\n  </link>\n"
    )
    resp = php(api, "PUT", "removeCategoryFromLink", body, user=OTHER)
    assert_errors(resp, 400, ["Link ID 1 of 1 does not exist"])
    assert cats_of(api, "westbourne-web") == ["103"]


# --- verbs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "method", "expected"),
    [
        ("POST", "getLinks", "GET"),
        ("PUT", "createLinks", "POST"),
        ("POST", "updateLinks", "PUT"),
        ("GET", "deleteLinks", "DELETE"),
        ("POST", "attachCategoryToLink", "PUT"),
        ("DELETE", "removeCategoryFromLink", "PUT"),
    ],
)
def test_wrong_verbs(api: Api, verb: str, method: str, expected: str) -> None:
    resp = api.request(verb, f"/Links?v=3&method={method}", content=b"<request/>")
    assert_errors(resp, 400, [f"Request Method must be {expected}. {verb} attempted"])
