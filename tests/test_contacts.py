"""Contacts (SPEC.md §5.4) on the default fixture's Demo Estates account: sales-desk, leeds-manager
and the Faker-made C0001..C0008; requests shaped like the PHP and Ruby clients (CLIENT-WIRE.md)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from mock_iovox.db import Account, CallFlow, Contact, Link, LinkRuleValue
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

SALES_DESK = {
    "contact_id": "sales-desk",
    "display_name": "Sales Desk",
    "company": "Demo Estates",
    "email": "sales@example.com",
    "business_phone": "442079460123",
    "assigned_status": "UNASSIGNED",
}
ALL_FIELDS = [
    "contact_id",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "email_2",
    "company",
    "title",
    "mobile_phone",
    "home_phone",
    "business_phone",
    "business_fax",
    "work_address_1",
    "work_address_2",
    "work_city",
    "work_country",
    "work_postcode",
    "home_address_1",
    "home_address_2",
    "home_city",
    "home_country",
    "home_postcode",
    "notes",
    "assigned_status",
]


def php_contacts(*items: dict[str, str], top: dict[str, str] | None = None) -> str:
    """PHP's serializer: pretty-printed, CDATA around & < >, rm_rules/replace_details AFTER the items."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<request>"]
    for item in items:
        lines.append("  <contact>")
        for key, value in item.items():
            text = f"<![CDATA[{value}]]>" if any(c in value for c in "&<>") else value
            lines.append(f"    <{key}>{text}</{key}>")
        lines.append("  </contact>")
    for key, value in (top or {}).items():
        lines.append(f"  <{key}>{value}</{key}>")
    lines.append("</request>")
    return "\n".join(lines) + "\n"


def ruby_send(api: Api, verb: str, method: str, xml: str) -> Any:
    body = ruby_body(RUBY_PROLOG + xml + "\n")
    url = "/Contacts?" + ruby_query(method)
    return api.client.request(verb, url, content=body["content"], headers={**RUBY_HEADERS, **body["headers"]})


def details(api: Api, contact_id: str, **kw: Any) -> dict[str, str]:
    resp = api.get("Contacts", "getContactDetails", {"contact_id": contact_id}, **kw)
    assert resp.status_code == 200, resp.text
    rows = results(resp)
    assert len(rows) == 1
    return rows[0]


def contact_ids(api: Api, **params: Any) -> list[str]:
    resp = api.get("Contacts", "getContacts", {"req_fields": "cid", "order": "cid_ASC", **params})
    assert resp.status_code == 200, resp.text
    return [r["contact_id"] for r in results(resp)]


def use_in_rule(api: Api, contact_id: str, link_id: str = "westbourne-web") -> None:
    """What attachRuleTemplateToLinks will write once rules exist: a link's variable rule fixing a contact."""
    with api.dbs["sandbox"].writing() as s:
        account = s.scalars(select(Account).where(Account.name == "Demo Estates")).one()
        contact = s.scalars(
            select(Contact).where(Contact.account_pk == account.pk, Contact.contact_id == contact_id)
        ).one()
        link = s.scalars(select(Link).where(Link.link_id == link_id)).one()
        flow = s.scalars(
            select(CallFlow).where(CallFlow.account_pk == account.pk, CallFlow.name == "Forward")
        ).first()
        if flow is None:
            flow = CallFlow(
                account_pk=account.pk,
                kind="CALL",
                name="Forward",
                template_type="CUSTOM",
                created_at=link.created_at,
            )
            s.add(flow)
            s.flush()
        link.call_flow_pk = flow.pk
        s.add(LinkRuleValue(link_pk=link.pk, flow_pk=flow.pk, rule_id="call_1", contact_pk=contact.pk))


#: the fixture's links whose call flows have per-link values (phone numbers and e-mails, no contact)
FIXTURE_FLOW_LINKS = ("westbourne-paper", "leeds-deli-web", "paris-bistro-guide")


def rule_rows(api: Api) -> list[tuple[str, str | None]]:
    """The per-link rule values written by these tests: those of links other than the ones the
    fixture's flows run on (whose values name no contact)."""
    with api.dbs["sandbox"].reading() as s:
        fixture_rows = (
            select(LinkRuleValue.pk)
            .join(Link, Link.pk == LinkRuleValue.link_pk)
            .where(Link.link_id.in_(FIXTURE_FLOW_LINKS), LinkRuleValue.contact_pk.is_(None))
        )
        rows = s.execute(
            select(Link.link_id, Contact.contact_id)
            .select_from(LinkRuleValue)
            .join(Link, Link.pk == LinkRuleValue.link_pk)
            .outerjoin(Contact, Contact.pk == LinkRuleValue.contact_pk)
            .where(LinkRuleValue.pk.not_in(fixture_rows))
            .order_by(LinkRuleValue.pk)
        ).all()
    return [(a, b) for a, b in rows]


def link_flow(api: Api, link_id: str) -> int | None:
    with api.dbs["sandbox"].reading() as s:
        return s.scalar(select(Link.call_flow_pk).where(Link.link_id == link_id))


def set_has_user(api: Api, contact_id: str) -> None:
    with api.dbs["sandbox"].reading() as s:
        s.scalars(select(Contact).where(Contact.contact_id == contact_id)).one().has_user = True


# --- getContacts ------------------------------------------------------------------------------


def test_default_fields_and_order(api: Api) -> None:
    resp = api.get("Contacts", "getContacts")
    assert resp.status_code == 200
    assert totals(resp) == (1, 1, 10)
    rows = results(resp)
    assert all(list(r) == list(SALES_DESK) for r in rows)
    names = [r["display_name"] for r in rows]
    assert names == sorted(names, reverse=True)  # dn_DESC
    assert SALES_DESK in rows
    assert {
        "contact_id": "leeds-manager",
        "display_name": "Alex Morgan",
        "company": "Leeds Deli",
        "email": "alex@example.com",
        "business_phone": "441134960456",
        "assigned_status": "UNASSIGNED",
    } in rows


def test_json_list_all_strings(api: Api) -> None:
    resp = api.get("Contacts", "getContacts", {"contact_id": "sales-desk"}, output_json=True)
    assert resp.json() == {
        "response": {
            "current_page": "1",
            "total_pages": "1",
            "total_results": "1",
            "results": {"result": SALES_DESK},
        }
    }


def test_empty_fields_are_present(api: Api) -> None:
    body = php_contacts({"contact_id": "bare"})
    assert api.post("Contacts", "createContacts", body).status_code == 201
    resp = api.get("Contacts", "getContacts", {"contact_id": "bare"})
    row = xml_of(resp).find("results/result")
    assert [(c.tag, c.text) for c in row] == [
        ("contact_id", "bare"),
        ("display_name", "bare"),
        ("company", None),
        ("email", None),
        ("business_phone", None),
        ("assigned_status", "UNASSIGNED"),
    ]
    resp = api.get("Contacts", "getContacts", {"contact_id": "bare"}, output_json=True)
    assert resp.json()["response"]["results"]["result"] == {
        "contact_id": "bare",
        "display_name": "bare",
        "company": "",
        "email": "",
        "business_phone": "",
        "assigned_status": "UNASSIGNED",
    }


def test_order_both_directions(api: Api) -> None:
    asc = contact_ids(api)
    assert asc == sorted(asc)
    assert asc[:2] == ["C0001", "C0002"]
    desc = contact_ids(api, order="cid_DESC")
    assert desc == list(reversed(asc))
    resp = api.get("Contacts", "getContacts", {"order": "dn_ASC", "req_fields": "dn"})
    names = [r["display_name"] for r in results(resp)]
    assert names == sorted(names)


def test_order_errors(api: Api) -> None:
    assert_errors(api.get("Contacts", "getContacts", {"order": "zz_ASC"}), 400, ["Order Field Invalid"])
    assert_errors(api.get("Contacts", "getContacts", {"order": "cid_UP"}), 400, ["Order Direction Invalid"])


def test_req_fields(api: Api) -> None:
    resp = api.get("Contacts", "getContacts", {"req_fields": "as,cid", "contact_id": "leeds-manager"})
    assert results(resp) == [{"contact_id": "leeds-manager", "assigned_status": "UNASSIGNED"}]
    resp = api.get("Contacts", "getContacts", {"req_fields": "cid,zz,fn"})
    assert_errors(resp, 400, ["Required Fields Invalid: zz,fn"])


def test_paging(api: Api) -> None:
    resp = api.get("Contacts", "getContacts", {"limit": 3, "page": 4, "order": "cid_ASC"})
    assert totals(resp) == (4, 4, 10)
    assert [r["contact_id"] for r in results(resp)] == ["sales-desk"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"contact_id": "sales-desk"}, ["sales-desk"]),
        ({"contact_id": "sales"}, []),  # exact
        ({"display_name": "DESK"}, ["sales-desk"]),  # contains, case-insensitive
        ({"display_name": "%"}, []),  # LIKE wildcards are literal
        ({"company": "leeds deli"}, ["leeds-manager"]),
        ({"phone_number": "441134960456"}, ["leeds-manager"]),
        ({"phone_number": "44113496045"}, []),
        ({"email": "ALEX@example.com"}, ["leeds-manager"]),
        ({"email": "alex@"}, []),
        ({"display_name": "a", "company": "demo"}, ["sales-desk"]),
    ],
)
def test_filters(api: Api, params: dict[str, str], expected: list[str]) -> None:
    assert contact_ids(api, **params) == expected


def test_phone_filter_matches_any_phone_and_email_2(api: Api) -> None:
    body = php_contacts(
        {
            "contact_id": "multi",
            "mobile_phone": "447700900001",
            "home_phone": "441134960999",
            "email2": "b@x.org",
        }
    )
    assert api.post("Contacts", "createContacts", body).status_code == 201
    assert contact_ids(api, phone_number="447700900001") == ["multi"]
    assert contact_ids(api, phone_number="441134960999") == ["multi"]
    assert contact_ids(api, email="B@X.ORG") == ["multi"]


def test_assigned_when_a_rule_uses_the_contact(api: Api) -> None:
    use_in_rule(api, "sales-desk")
    resp = api.get("Contacts", "getContacts", {"req_fields": "cid,as", "order": "cid_ASC"})
    statuses = {r["contact_id"]: r["assigned_status"] for r in results(resp)}
    assert statuses["sales-desk"] == "ASSIGNED"
    assert set(statuses.values()) == {"ASSIGNED", "UNASSIGNED"}
    assert list(statuses.values()).count("ASSIGNED") == 1
    assert details(api, "sales-desk")["assigned_status"] == "ASSIGNED"
    resp = api.get("Contacts", "getContacts", {"req_fields": "cid", "order": "as_ASC", "limit": 1})
    assert results(resp) == [{"contact_id": "sales-desk"}]


def test_ruby_query(api: Api) -> None:
    url = "/Contacts?" + ruby_query("getContacts", {"display_name": "Sales Desk", "page": 1, "limit": 10})
    resp = api.client.get(url, headers=RUBY_HEADERS)
    assert resp.status_code == 200
    assert results(resp) == [SALES_DESK]


def test_other_account_sees_none(api: Api) -> None:
    resp = api.get("Contacts", "getContacts", headers=OTHER)
    assert totals(resp) == (1, 0, 0)


# --- getContactDetails ------------------------------------------------------------------------


def test_details_every_field(api: Api) -> None:
    resp = api.get("Contacts", "getContactDetails", {"contact_id": "leeds-manager"})
    assert totals(resp) == (1, 1, 1)
    row = results(resp)[0]
    assert list(row) == ALL_FIELDS
    assert row == {
        **{f: "" for f in ALL_FIELDS},
        "contact_id": "leeds-manager",
        "display_name": "Alex Morgan",
        "first_name": "Alex",
        "last_name": "Morgan",
        "company": "Leeds Deli",
        "email": "alex@example.com",
        "business_phone": "441134960456",
        "assigned_status": "UNASSIGNED",
    }


def test_details_json_empty_strings(api: Api) -> None:
    resp = api.get("Contacts", "getContactDetails", {"contact_id": "sales-desk"}, output_json=True)
    row = resp.json()["response"]["results"]["result"]
    assert list(row) == ALL_FIELDS
    assert row["first_name"] == "" and row["notes"] == ""
    assert all(isinstance(v, str) for v in row.values())


def test_details_errors(api: Api) -> None:
    assert_errors(
        api.get("Contacts", "getContactDetails", {"contact_id": "ghost"}), 400, ["Contact ID does not exist"]
    )
    assert_errors(api.get("Contacts", "getContactDetails"), 400, ["Contact ID Empty"])
    resp = api.get("Contacts", "getContactDetails", {"contact_id": "sales-desk"}, headers=OTHER)
    assert_errors(resp, 400, ["Contact ID does not exist"])


# --- createContacts ---------------------------------------------------------------------------

FULL = {
    "contact_id": "full",
    "display_name": "Full & Co",
    "first_name": "Fay",
    "last_name": "Full",
    "email": "fay@example.com",
    "email2": "fay2@example.com",
    "company": "Full <Holdings>",
    "mobile_phone": "447700900123",
    "home_phone": "441134960111",
    "business_phone": "442079460111",
    "business_fax": "442079460112",
    "work_address1": "1 High St",
    "work_address2": "Floor 2",
    "work_city": "London",
    "work_country": "UNITED KINGDOM",
    "work_postcode": "W1 1AA",
    "home_address1": "2 Low Rd",
    "home_address2": "Flat 3",
    "home_city": "Leeds",
    "home_country": "UNITED KINGDOM",
    "home_postcode": "LS1 1AA",
    "notes": "Prefers mornings",
}


def test_create_php_body_with_aliases_and_cdata(api: Api) -> None:
    resp = api.post(
        "Contacts", "createContacts", php_contacts(FULL, {"contact_id": "second", "company": "Two"})
    )
    assert resp.status_code == 201
    assert [e.text for e in xml_of(resp).findall("contacts/contact/contact_id")] == ["full", "second"]
    row = details(api, "full")
    expected = {
        k.replace("email2", "email_2").replace("address1", "address_1").replace("address2", "address_2"): v
        for k, v in FULL.items()
    }
    assert row == {**expected, "title": "", "assigned_status": "UNASSIGNED"}
    assert details(api, "second")["display_name"] == "Two"


@pytest.mark.parametrize(
    ("item", "display_name"),
    [
        ({"first_name": "Ann", "last_name": "Lee", "company": "Acme"}, "Ann Lee"),
        ({"last_name": "Lee", "company": "Acme"}, "Lee"),
        ({"company": "Acme"}, "Acme"),
        ({}, "new-one"),
        ({"display_name": "Chosen", "first_name": "Ann"}, "Chosen"),
    ],
)
def test_default_display_name(api: Api, item: dict[str, str], display_name: str) -> None:
    assert (
        api.post("Contacts", "createContacts", php_contacts({"contact_id": "new-one", **item})).status_code
        == 201
    )
    assert details(api, "new-one")["display_name"] == display_name


def test_create_errors_together_and_nothing_written(api: Api) -> None:
    body = php_contacts(
        {"contact_id": "sales-desk", "company": "Again"},
        {"contact_id": "desk-2", "display_name": "Sales Desk", "mobile_phone": "442079460123"},
        {"contact_id": "fine"},
        {"contact_id": "twin-1", "first_name": "Twin", "business_phone": "1"},
        {"contact_id": "twin-2", "first_name": "Twin", "home_phone": "1"},
    )
    resp = api.post("Contacts", "createContacts", body)
    assert_errors(
        resp,
        400,
        [
            "Contact ID 1 of 5 already exists",
            "Display Name 2 of 5 already exists with the same phone number",
            "Display Name 5 of 5 already exists with the same phone number",
        ],
    )
    assert contact_ids(api, contact_id="fine") == []


def test_same_display_name_with_other_numbers_is_fine(api: Api) -> None:
    body = php_contacts(
        {"contact_id": "desk-2", "display_name": "Sales Desk", "business_phone": "442079460124"},
        {"contact_id": "desk-3", "display_name": "Sales Desk"},
    )
    assert api.post("Contacts", "createContacts", body).status_code == 201
    assert contact_ids(api, display_name="Sales Desk") == ["desk-2", "desk-3", "sales-desk"]


def test_duplicate_ids_in_one_request(api: Api) -> None:
    body = php_contacts({"contact_id": "dup"}, {"contact_id": "dup"})
    assert_errors(api.post("Contacts", "createContacts", body), 400, ["Duplicate Contact ID Received"])


def test_create_empty_id(api: Api) -> None:
    body = php_contacts({"company": "No Id"}, {"contact_id": "ok"})
    assert_errors(api.post("Contacts", "createContacts", body), 400, ["Contact ID 1 of 2 Empty"])


def test_create_ruby_one_line_with_nil(api: Api) -> None:
    xml = (
        "<request><contact><contact_id>rb-1</contact_id><first_name>Rae</first_name>"
        '<last_name>Ruby</last_name><company xsi:nil="true"/><email>rae@example.com</email></contact>'
        "<contact><contact_id>rb-2</contact_id><company>Gems &amp; Co</company></contact></request>"
    )
    resp = ruby_send(api, "POST", "createContacts", xml)
    assert resp.status_code == 201
    assert details(api, "rb-1")["display_name"] == "Rae Ruby"
    assert details(api, "rb-1")["company"] == ""
    assert details(api, "rb-2")["display_name"] == "Gems & Co"


def test_contact_ids_are_per_account(api: Api) -> None:
    resp = api.post("Contacts", "createContacts", php_contacts({"contact_id": "sales-desk"}), headers=OTHER)
    assert resp.status_code == 201
    assert details(api, "sales-desk", headers=OTHER)["display_name"] == "sales-desk"
    assert details(api, "sales-desk")["display_name"] == "Sales Desk"


# --- updateContacts ---------------------------------------------------------------------------


def test_update_changes_only_given_fields(api: Api) -> None:
    body = php_contacts(
        {"contact_id": "leeds-manager", "email": "alex@leeds.example", "work_address1": "3 Briggate"},
        top={"rm_rules": "FALSE", "replace_details": "FALSE"},
    )
    resp = api.put("Contacts", "updateContacts", body)
    assert resp.status_code == 204
    assert resp.content == b""
    row = details(api, "leeds-manager")
    assert (row["email"], row["work_address_1"]) == ("alex@leeds.example", "3 Briggate")
    assert (row["company"], row["business_phone"], row["display_name"]) == (
        "Leeds Deli",
        "441134960456",
        "Alex Morgan",
    )


def test_replace_details_empties_what_is_not_given(api: Api) -> None:
    body = php_contacts(
        {"contact_id": "leeds-manager", "first_name": "Sam", "mobile_phone": "447700900555"},
        top={"rm_rules": "FALSE", "replace_details": "TRUE"},
    )
    assert api.put("Contacts", "updateContacts", body).status_code == 204
    # an empty business_phone is left out (PHP would read "" as the phantom number [""])
    assert details(api, "leeds-manager") == {
        **{f: "" for f in ALL_FIELDS if f != "business_phone"},
        "contact_id": "leeds-manager",
        "display_name": "Sam",
        "first_name": "Sam",
        "mobile_phone": "447700900555",
        "assigned_status": "UNASSIGNED",
    }


def test_rename_keeps_rules(api: Api) -> None:
    use_in_rule(api, "sales-desk")
    body = php_contacts({"contact_id": "sales-desk", "new_contact_id": "sales-team", "notes": "renamed"})
    assert api.put("Contacts", "updateContacts", body).status_code == 204
    assert_errors(
        api.get("Contacts", "getContactDetails", {"contact_id": "sales-desk"}),
        400,
        ["Contact ID does not exist"],
    )
    row = details(api, "sales-team")
    assert (row["notes"], row["assigned_status"], row["display_name"]) == (
        "renamed",
        "ASSIGNED",
        "Sales Desk",
    )
    assert rule_rows(api) == [("westbourne-web", "sales-team")]


def test_update_errors_together_and_nothing_written(api: Api) -> None:
    use_in_rule(api, "C0003")
    body = php_contacts(
        {"contact_id": "ghost", "notes": "x"},
        {"contact_id": "C0001", "new_contact_id": "C0002"},
        {"contact_id": "C0003", "notes": "in use"},
        {"contact_id": "leeds-manager", "notes": "would change"},
        top={"rm_rules": "FALSE", "replace_details": "TRUE"},
    )
    resp = api.put("Contacts", "updateContacts", body)
    assert_errors(
        resp,
        400,
        [
            "Contact ID 1 of 4 does not exist",
            "New Contact ID 2 of 4 already exists",
            "Contact 3 of 4 is used in Rules or Rule Templates",
        ],
    )
    assert details(api, "leeds-manager")["notes"] == ""
    assert details(api, "C0003")["notes"] == ""
    assert details(api, "C0001")["contact_id"] == "C0001"


def test_update_in_use_contact_without_emptying_numbers_is_fine(api: Api) -> None:
    use_in_rule(api, "C0003")
    body = php_contacts({"contact_id": "C0003", "notes": "still reachable"}, top={"rm_rules": "FALSE"})
    assert api.put("Contacts", "updateContacts", body).status_code == 204
    assert rule_rows(api) == [("westbourne-web", "C0003")]


def test_update_rm_rules_detaches_the_template(api: Api) -> None:
    use_in_rule(api, "C0003")
    assert link_flow(api, "westbourne-web") is not None
    body = php_contacts(
        {"contact_id": "C0003", "first_name": "Only", "email": "only@example.com"},
        top={"rm_rules": "TRUE", "replace_details": "TRUE"},
    )
    assert api.put("Contacts", "updateContacts", body).status_code == 204
    assert rule_rows(api) == []
    assert link_flow(api, "westbourne-web") is None
    row = details(api, "C0003")
    assert (row["mobile_phone"], row.get("business_phone"), row["assigned_status"]) == (
        "",
        None,
        "UNASSIGNED",
    )


def test_new_id_taken_twice_in_one_request(api: Api) -> None:
    body = php_contacts(
        {"contact_id": "C0001", "new_contact_id": "same"},
        {"contact_id": "C0002", "new_contact_id": "same"},
    )
    resp = api.put("Contacts", "updateContacts", body)
    assert_errors(resp, 400, ["New Contact ID 1 of 2 already exists", "New Contact ID 2 of 2 already exists"])


def test_update_payload_errors(api: Api) -> None:
    body = php_contacts({"notes": "no id"}, top={"replace_details": "MAYBE"})
    resp = api.put("Contacts", "updateContacts", body)
    assert_errors(resp, 400, ["Replace Details Invalid", "Contact ID 1 of 1 Empty"])


def test_update_ruby_one_line(api: Api) -> None:
    xml = (
        "<request><contact><contact_id>C0004</contact_id><new_contact_id>rb-4</new_contact_id>"
        '<title>Chef</title><notes xsi:nil="true"/></contact></request>'
    )
    resp = ruby_send(api, "PUT", "updateContacts", xml)
    assert resp.status_code == 204
    assert details(api, "rb-4")["title"] == "Chef"
    assert contact_ids(api, contact_id="C0004") == []


def test_update_other_account(api: Api) -> None:
    body = php_contacts({"contact_id": "sales-desk", "notes": "hijack"})
    assert_errors(
        api.put("Contacts", "updateContacts", body, headers=OTHER), 400, ["Contact ID 1 of 1 does not exist"]
    )


# --- deleteContacts ---------------------------------------------------------------------------


def test_delete_contacts(api: Api) -> None:
    resp = api.delete("Contacts", "deleteContacts", {"contact_ids": "C0001,C0002"})
    assert resp.status_code == 204
    assert resp.content == b""
    assert totals(api.get("Contacts", "getContacts"))[2] == 8
    assert contact_ids(api, contact_id="C0001") == []


def test_delete_errors_together(api: Api) -> None:
    use_in_rule(api, "sales-desk")
    set_has_user(api, "sales-desk")
    set_has_user(api, "C0005")
    resp = api.delete("Contacts", "deleteContacts", {"contact_ids": "ghost,,sales-desk,C0005,C0006"})
    assert_errors(
        resp,
        400,
        [
            "Contact ID 1 of 5 does not exist",
            "Contact ID 2 of 5 Empty",
            "Contact 3 of 5 is used in Rules or Rule Templates",
            "Contact 3 of 5 has a user account",
            "Contact 4 of 5 has a user account",
        ],
    )
    assert contact_ids(api, contact_id="C0006") == ["C0006"]


def test_delete_with_rm_rules_and_rm_if_user(api: Api) -> None:
    use_in_rule(api, "sales-desk")
    use_in_rule(api, "leeds-manager", "leeds-deli-web")
    set_has_user(api, "sales-desk")
    resp = api.delete(
        "Contacts", "deleteContacts", {"contact_ids": "sales-desk", "rm_rules": "TRUE", "rm_if_user": "TRUE"}
    )
    assert resp.status_code == 204
    assert contact_ids(api, contact_id="sales-desk") == []
    assert rule_rows(api) == [("leeds-deli-web", "leeds-manager")]
    assert link_flow(api, "westbourne-web") is None
    assert link_flow(api, "leeds-deli-web") is not None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"contact_ids": "C0001", "rm_if_user": "MAYBE"}, "Remove If User Invalid"),
        ({"contact_ids": "C0001", "rm_rules": "yes"}, "Remove Rules Invalid"),
        ({"rm_rules": "TRUE"}, "Contact IDs Empty"),
    ],
)
def test_delete_param_errors(api: Api, params: dict[str, str], message: str) -> None:
    assert_errors(api.delete("Contacts", "deleteContacts", params), 400, [message])


def test_delete_lower_case_booleans(api: Api) -> None:
    use_in_rule(api, "C0007")
    resp = api.delete("Contacts", "deleteContacts", {"contact_ids": "C0007", "rm_rules": "true"})
    assert resp.status_code == 204
    assert rule_rows(api) == []


def test_delete_ruby(api: Api) -> None:
    url = "/Contacts?" + ruby_query("deleteContacts", {"contact_ids": "C0001,C0008"})
    resp = api.client.delete(url, headers=RUBY_HEADERS)
    assert resp.status_code == 204
    assert totals(api.get("Contacts", "getContacts"))[2] == 8


def test_delete_other_account(api: Api) -> None:
    resp = api.delete("Contacts", "deleteContacts", {"contact_ids": "sales-desk"}, headers=OTHER)
    assert_errors(resp, 400, ["Contact ID 1 of 1 does not exist"])
    assert contact_ids(api, contact_id="sales-desk") == ["sales-desk"]
