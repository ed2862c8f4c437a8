"""Contacts (SPEC.md §5.4): the people calls are forwarded to, and whether link rules use them.

A contact is *in use* (ASSIGNED) when a link's variable rule fixes it (a LinkRuleValue row points at
it). `in_use_clause` is the one place that says so: the listing, updateContacts and deleteContacts all
go through it, so call flows that come to reference contacts in other ways extend it there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from mock_iovox.catalog.common import CONTACT_DETAIL_FIELDS
from mock_iovox.context import (
    Ctx,
    ListResult,
    SqlExpr,
    by_vendor_id,
    check_ids,
    id_list,
    run_listing,
)
from mock_iovox.db import Contact, Link, LinkRuleValue
from mock_iovox.domain.contacts import PHONES, default_display_name, phones_of
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

DETAILS = tuple(f.name for f in CONTACT_DETAIL_FIELDS)
#: the numbers a rule can dial; "shares a phone number" and "empties a detail a rule uses" look here


def in_use_clause(contact_pk: SqlExpr) -> ColumnElement[bool]:
    """SQL: the contact `contact_pk` is used by a rule of some link."""
    return exists().where(LinkRuleValue.contact_pk == contact_pk)


def contact_in_use(session: Session, contact_pks: Collection[int]) -> set[int]:
    """Which of `contact_pks` rules use (see the module docstring)."""
    if not contact_pks:
        return set()
    return set(
        session.scalars(select(Contact.pk).where(Contact.pk.in_(contact_pks), in_use_clause(Contact.pk)))
    )


def release_rules(session: Session, contact_pks: Collection[int]) -> None:
    """rm_rules=TRUE: detach the templates whose variable rules fix these contacts from the links
    concerned, with all their per-link values (SPEC.md §5.4 updateContacts/deleteContacts)."""
    if not contact_pks:
        return
    pairs = session.execute(
        select(LinkRuleValue.link_pk, LinkRuleValue.flow_pk)
        .where(LinkRuleValue.contact_pk.in_(contact_pks))
        .distinct()
    ).all()
    if not pairs:
        return
    keys = [(link_pk, flow_pk) for link_pk, flow_pk in pairs]
    session.execute(
        delete(LinkRuleValue).where(tuple_(LinkRuleValue.link_pk, LinkRuleValue.flow_pk).in_(keys))
    )
    for column in (Link.call_flow_pk, Link.sms_flow_pk):
        session.execute(
            update(Link)
            .where(or_(*[and_(Link.pk == link_pk, column == flow_pk) for link_pk, flow_pk in keys]))
            .values({column.key: None})
        )


def contacts_by_id(ctx: Ctx, ids: Iterable[str]) -> dict[str, Contact]:
    return by_vendor_id(ctx, Contact, "contact_id", ids)


def assigned_status(contact_pk: SqlExpr) -> ColumnElement[Any]:
    return case((in_use_clause(contact_pk), "ASSIGNED"), else_="UNASSIGNED")


def contains(column: SqlExpr, text: str) -> ColumnElement[bool]:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


@handles("Contacts", "getContacts")
def get_contacts(ctx: Ctx) -> ListResult:
    p = ctx.params
    stmt = select(Contact.pk).where(Contact.account_pk == ctx.account_pk)
    if p.get("contact_id"):
        stmt = stmt.where(Contact.contact_id == p["contact_id"])
    if p.get("display_name"):
        stmt = stmt.where(contains(Contact.display_name, p["display_name"]))
    if p.get("company"):
        stmt = stmt.where(contains(Contact.company, p["company"]))
    if p.get("phone_number"):
        number = p["phone_number"]
        stmt = stmt.where(or_(*[getattr(Contact, f) == number for f in PHONES]))
    if p.get("email"):
        email = p["email"].lower()
        stmt = stmt.where(or_(func.lower(Contact.email) == email, func.lower(Contact.email_2) == email))
    columns: dict[str, SqlExpr] = {
        "cid": Contact.contact_id,
        "dn": Contact.display_name,
        "comp": Contact.company,
        "em": Contact.email,
        "bphone": Contact.business_phone,
        "as": assigned_status(Contact.pk),
    }
    return run_listing(ctx, stmt, columns, [Contact.pk])


@handles("Contacts", "getContactDetails")
def get_contact_details(ctx: Ctx) -> ListResult:
    stmt = select(Contact.pk).where(
        Contact.account_pk == ctx.account_pk, Contact.contact_id == ctx.params["contact_id"]
    )
    if ctx.session.scalar(stmt) is None:
        ctx.fail("contact_id_not_found")
    columns: dict[str, SqlExpr] = {"contact_id": Contact.contact_id}
    columns.update({name: getattr(Contact, name) for name in DETAILS})
    columns["assigned_status"] = assigned_status(Contact.pk)
    return run_listing(ctx, stmt, columns, [Contact.pk])


def clashes(ctx: Ctx, candidates: list[tuple[str, set[str]]], exclude: set[int]) -> list[bool]:
    """For each (display_name, phones): does another contact have that name and share a number?"""
    names = {name for name, phones in candidates if phones}
    known: list[tuple[str, set[str]]] = []
    if names:
        for row in ctx.session.scalars(
            select(Contact).where(Contact.account_pk == ctx.account_pk, Contact.display_name.in_(names))
        ):
            if row.pk not in exclude:
                known.append((row.display_name, phones_of({p: getattr(row, p) for p in PHONES})))
    out: list[bool] = []
    for name, phones in candidates:
        out.append(any(n == name and phones & other for n, other in known))
        known.append((name, phones))  # a later item clashes with an earlier one of the same request
    return out


@handles("Contacts", "createContacts")
def create_contacts(ctx: Ctx) -> Tree:
    ids = [item["contact_id"] or "" for item in ctx.items]
    if any(c > 1 for c in Counter(i for i in ids if i).values()):
        ctx.fail("duplicate_contact_id")
    existing = contacts_by_id(ctx, ids)
    total = len(ctx.items)
    for item in ctx.items:
        if not item["display_name"]:
            item["display_name"] = default_display_name(item, item["contact_id"] or "")
    clash = clashes(ctx, [(item["display_name"], phones_of(item)) for item in ctx.items], set())
    for x, (item, bad) in enumerate(zip(ctx.items, clash, strict=True), 1):
        if item["contact_id"] in existing:
            ctx.add("contact_id_exists", x=x, y=total)
        if bad:
            ctx.add("display_name_exists", x=x, y=total)
    ctx.check()
    for item in ctx.items:
        ctx.session.add(
            Contact(
                account_pk=ctx.account_pk,
                contact_id=item["contact_id"],
                created_at=ctx.now,
                **{name: item[name] or "" for name in DETAILS},
            )
        )
    return {"contacts": {"contact": [{"contact_id": i} for i in ids]}}


@handles("Contacts", "updateContacts")
def update_contacts(ctx: Ctx) -> None:
    rm_rules = bool(ctx.top.get("rm_rules"))
    replace = bool(ctx.top.get("replace_details"))
    total = len(ctx.items)
    existing = contacts_by_id(ctx, [item["contact_id"] or "" for item in ctx.items])
    renamed = contacts_by_id(ctx, [item["new_contact_id"] or "" for item in ctx.items])
    in_use = contact_in_use(ctx.session, [c.pk for c in existing.values()])
    # the new state of every contact, worked out before anything is written
    planned: list[tuple[Contact, dict[str, Any]]] = []
    released: set[int] = set()
    new_ids: Counter[str] = Counter(i["new_contact_id"] for i in ctx.items if i["new_contact_id"])
    for x, item in enumerate(ctx.items, 1):
        contact = existing.get(item["contact_id"] or "")
        if contact is None:
            ctx.add("contact_id_not_found", x=x, y=total)
            continue
        new_id = item["new_contact_id"]
        if new_id and new_id != contact.contact_id:
            holder = renamed.get(new_id)
            if (holder is not None and holder.pk != contact.pk) or new_ids[new_id] > 1:
                ctx.add("new_contact_id_exists", x=x, y=total)
        values = {name: item[name] for name in DETAILS if item[name] is not None}
        if replace:
            values = {name: values.get(name, "") for name in DETAILS}
            if not values["display_name"]:
                values["display_name"] = default_display_name(values, new_id or contact.contact_id)
        emptied = [p for p in PHONES if getattr(contact, p) and values.get(p, getattr(contact, p)) == ""]
        if emptied and contact.pk in in_use:
            if not rm_rules:
                ctx.add("contact_in_rules", x=x, y=total)
            released.add(contact.pk)
        planned.append((contact, {**values, "contact_id": new_id or contact.contact_id}))
    ctx.check()
    # only rules that relied on a number being emptied lose their template (SPEC.md §5.4)
    release_rules(ctx.session, released)
    for contact, values in planned:
        for name, value in values.items():
            setattr(contact, name, value)


@handles("Contacts", "deleteContacts")
def delete_contacts(ctx: Ctx) -> None:
    ids = id_list(ctx.params["contact_ids"])
    existing = contacts_by_id(ctx, ids)
    in_use = contact_in_use(ctx.session, [c.pk for c in existing.values()])
    rm_rules, rm_if_user = bool(ctx.params["rm_rules"]), bool(ctx.params["rm_if_user"])
    for x, total, contact in check_ids(ctx, ids, existing, "contact_id_empty", "contact_id_not_found"):
        if contact.pk in in_use and not rm_rules:
            ctx.add("contact_in_rules", x=x, y=total)
        if contact.has_user and not rm_if_user:
            ctx.add("contact_has_user", x=x, y=total)
    ctx.check()
    pks = [c.pk for c in existing.values()]
    release_rules(ctx.session, in_use)
    # the contact's portal user is only a flag here: it goes with the row
    ctx.session.execute(delete(Contact).where(Contact.pk.in_(pks)))
