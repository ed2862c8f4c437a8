"""The vendor's own error strings, where the mock used to word them differently (issue 19 item 6).

Each test sends a request shaped as the clients send it and asserts the exact vendor string and status.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from mock_iovox.db.accounts import ApiUser
from mock_iovox.db.calls import OutboxMessage
from mock_iovox.db.engine import open_databases
from mock_iovox.db.flows import Cli
from mock_iovox.db.subaccounts import SubAccount
from mock_iovox.fakes.fixtures import FixtureError
from tests.helpers import (
    OTHER,
    PINNED,
    RUBY_HEADERS,
    RUBY_PROLOG,
    SANDBOX_USER,
    Api,
    assert_errors,
    errors_of,
    php_body,
    results,
    ruby_query,
    xml_of,
)
from tests.helpers.fixtures import load as load_fixture

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
    assert_errors(
        api.call("PUT", "Voxnumbers", "setCallStatus", **php_body(doctype)), 400, ["XML Parse Error"]
    )
    # an empty body keeps its own text
    assert_errors(api.call("PUT", "Voxnumbers", "setCallStatus", **php_body("")), 400, ["XML Empty"])


def test_other_methods_keep_the_positioned_parse_error(api: Api) -> None:
    resp = api.call("PUT", "Nodes", "updateNodes", **php_body("<request><node>"))
    assert resp.status_code == 400
    assert errors_of(resp)[0][1].startswith("XML parse error. ")


# --- sendSms: the vendor's own example is accepted, what its page forbids is refused -----------

VENDOR_SMS = """<?xml version="1.0" encoding="utf-8"?>
<request>
    <origin>447923221231</origin>
    <destination>447723443321</destination>
    <message>Hello there, my name is John</message>
 </request>
"""


def test_send_sms_takes_the_vendor_example(api: Api) -> None:
    resp = api.call("POST", "SMS", "sendSms", **php_body(VENDOR_SMS))
    assert resp.status_code == 201, resp.text
    assert xml_of(resp).findtext("sms_activity_id")
    named = VENDOR_SMS.replace("447923221231", "Iovox Demo.")
    assert api.call("POST", "SMS", "sendSms", **php_body(named)).status_code == 201


def test_send_sms_refuses_bad_origin_and_destination(api: Api) -> None:
    for origin in ("Demo!@#", "Twelve chars", "0447923221231", "4479232212311234"):
        body = VENDOR_SMS.replace("447923221231", origin)
        assert_errors(api.call("POST", "SMS", "sendSms", **php_body(body)), 400, ["Origin Invalid"])
    body = VENDOR_SMS.replace("447723443321", "not a number")
    assert_errors(api.call("POST", "SMS", "sendSms", **php_body(body)), 400, ["Destination Invalid"])
    both = VENDOR_SMS.replace("447923221231", "Demo!@#").replace("447723443321", "12")
    assert_errors(
        api.call("POST", "SMS", "sendSms", **php_body(both)), 400, ["Origin Invalid", "Destination Invalid"]
    )
    with api.dbs["sandbox"].reading() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- createClis: the vendor's complete table ----------------------------------------------------

VENDOR_CLIS = """<?xml version="1.0" encoding="utf-8"?>
<request>
    <cli>4412345678</cli>
    <cli>4412345679</cli>
    </request>
"""


def cli_numbers(api: Api) -> list[str]:
    with api.dbs["sandbox"].reading() as s:
        account = select(ApiUser.account_pk).where(ApiUser.username == SANDBOX_USER).scalar_subquery()
        return sorted(s.scalars(select(Cli.cli).where(Cli.account_pk == account)))


def test_create_clis_takes_the_vendor_example(api: Api) -> None:
    before = cli_numbers(api)
    resp = api.call("POST", "Clis", "createClis", **php_body(VENDOR_CLIS))
    assert resp.status_code == 201, resp.text
    assert [c.text for c in xml_of(resp).findall("clis/cli")] == ["4412345678", "4412345679"]
    assert cli_numbers(api) == sorted([*before, "4412345678", "4412345679"])
    # the new numbers can be deleted again (deleteClis)
    resp = api.call("DELETE", "Clis", "deleteClis", {"clis": "4412345678,4412345679"})
    assert resp.status_code == 204, resp.text
    assert cli_numbers(api) == before


def test_create_clis_errors(api: Api) -> None:
    before = cli_numbers(api)
    assert before, "the fixture gives the sandbox account a CLI"
    body = (
        f"<request><cli/><cli>44 123</cli><cli>{before[0]}</cli><cli>+4412345600</cli>"
        "<cli>4412345600</cli></request>"
    )
    assert_errors(
        api.call("POST", "Clis", "createClis", **php_body(body)),
        400,
        [
            "Cli 1 of 5 Empty",
            "Cli 2 of 5 not an integer",
            "Cli 3 of 5 already exists",
            "Cli 5 of 5 already exists",
        ],
    )
    assert_errors(api.call("POST", "Clis", "createClis", **php_body("<request/>")), 400, ["Request Empty"])
    assert_errors(
        api.call("POST", "Clis", "createClis", **php_body("<request><clis/></request>")),
        400,
        ["Request Empty"],
    )
    assert cli_numbers(api) == before


# --- setAccountCheckCredit: the vendor's complete table -----------------------------------------

VENDOR_CHECK_CREDIT = """<?xml version="1.0" encoding="utf-8"?>
<request>
    <sub_account_name>{name}</sub_account_name>
    <check_credit>{flag}</check_credit>
</request>
"""


def add_sub_accounts(api: Api) -> None:
    with api.dbs["sandbox"].writing() as s:
        account = s.scalar(select(ApiUser.account_pk).where(ApiUser.username == SANDBOX_USER))
        s.add(SubAccount(account_pk=account, name="Leeds Branch", subscribed=True, created_at=PINNED))
        s.add(SubAccount(account_pk=account, name="Trial Branch", subscribed=False, created_at=PINNED))


def check_credit_of(api: Api, name: str) -> bool:
    with api.dbs["sandbox"].reading() as s:
        return bool(s.scalar(select(SubAccount.check_credit).where(SubAccount.name == name)))


def set_credit(api: Api, name: str, flag: str, headers: dict[str, str] | None = None) -> httpx.Response:
    sent = php_body(VENDOR_CHECK_CREDIT.format(name=name, flag=flag))
    sent["headers"] = {**sent["headers"], **(headers or {})}
    return api.call("PUT", "Users", "setAccountCheckCredit", **sent)


def test_set_account_check_credit(api: Api) -> None:
    add_sub_accounts(api)
    resp = set_credit(api, "Leeds Branch", "TRUE")
    assert resp.status_code == 204 and resp.content == b""
    assert check_credit_of(api, "Leeds Branch") is True
    assert set_credit(api, "Leeds Branch", "FALSE").status_code == 204
    assert check_credit_of(api, "Leeds Branch") is False


def test_set_account_check_credit_errors(api: Api) -> None:
    add_sub_accounts(api)
    # the page's own payload, both elements empty
    assert_errors(
        set_credit(api, "", ""),
        400,
        ["Sub Account Name must be set", "Check Credit must be set to TRUE or FALSE"],
    )
    assert_errors(set_credit(api, "Leeds Branch", "YES"), 400, ["Check Credit must be set to TRUE or FALSE"])
    assert_errors(set_credit(api, "Nowhere", "TRUE"), 400, ["The provided subAccountName is not valid"])
    # beneath another account: not the caller's
    assert_errors(
        set_credit(api, "Leeds Branch", "TRUE", headers=OTHER),
        400,
        ["The provided subAccountName is not valid"],
    )
    assert_errors(
        set_credit(api, "Trial Branch", "TRUE"),
        400,
        [
            "The account must have active subscriptions to set credit check. "
            "Create a subscription for this account first."
        ],
    )
    assert check_credit_of(api, "Trial Branch") is False
    assert_errors(
        api.call("GET", "Users", "setAccountCheckCredit"), 400, ["Request Method must be PUT. GET attempted"]
    )


def test_sub_accounts_fixture_section(tmp_path: Path) -> None:
    section = (
        "        sub_accounts:\n"
        "          - {name: Leeds Branch}\n"
        "          - {name: Trial Branch, subscription: false, check_credit: true}\n"
    )
    settings = load_fixture(tmp_path, section)
    db = open_databases(settings)["sandbox"]
    try:
        with db.reading() as s:
            rows = s.execute(select(SubAccount.name, SubAccount.subscribed, SubAccount.check_credit)).all()
    finally:
        db.dispose()
    assert sorted(rows) == [("Leeds Branch", True, False), ("Trial Branch", False, True)]
    for bad, message in (
        ("sub_accounts: [{subscription: true}]", "sub_accounts[1]: a sub account is a mapping with a 'name'"),
        ("sub_accounts: [{name: A}, {name: A}]", "sub_accounts[2]: sub account 'A' is listed twice"),
        ("sub_accounts: [{name: A, subscription: maybe}]", "'subscription' must be true or false"),
    ):
        place = tmp_path / f"bad{len(message)}"
        place.mkdir()
        with pytest.raises(FixtureError, match=re.escape(message)):
            load_fixture(place, "        " + bad + "\n")
