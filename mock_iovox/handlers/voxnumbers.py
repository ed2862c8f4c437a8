"""Voxnumbers (SPEC.md §5.8, §6): the account's tracking numbers, switching them on and off, giving
them back to IOVOX, and moving them between partner accounts of one environment.

A number given back (deleteVoxnumbersFromAccount) returns to the environment's stock: it vanishes
from getVoxnumbers at once and can be bought again, after the never-sold numbers of its region.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from mock_iovox.catalog.voxnumbers import MAX_DELETE
from mock_iovox.context import Ctx, ListResult, run_listing
from mock_iovox.db import Account, Link, Node, VoxNumber
from mock_iovox.handlers.registry import handles
from mock_iovox.numbering.plans import VOXNUMBER_TYPES

_DIGITS = re.compile(r"[0-9]+")

ON_ACTIVE = "ON (Active)"
ON_NO_RULES = "ON (No Rules)"
OFF_ON_HOLD = "OFF (On Hold)"

_attached = VoxNumber.link_pk.is_not(None)
#: the call_status filter values (SPEC.md §5.8): ON = ON (Active) + ON (No Rules)
CALL_STATUS_FILTERS: dict[str, ColumnElement[bool]] = {
    "ON": and_(_attached, VoxNumber.call_on.is_(True)),
    "NO RULES": and_(_attached, VoxNumber.call_on.is_(True), Link.call_flow_pk.is_(None)),
    "ACTIVE": and_(_attached, VoxNumber.call_on.is_(True), Link.call_flow_pk.is_not(None)),
    "OFF": and_(_attached, VoxNumber.call_on.is_(False)),
}


def numbers_by_value(ctx: Ctx, values: list[str], account_pk: int | None = None) -> dict[str, VoxNumber]:
    wanted = {v for v in values if v}
    if not wanted:
        return {}
    owner = ctx.account_pk if account_pk is None else account_pk
    rows = ctx.session.scalars(
        select(VoxNumber).where(VoxNumber.account_pk == owner, VoxNumber.number.in_(wanted))
    )
    return {n.number: n for n in rows}


@handles("Voxnumbers", "getVoxnumbers")
def get_voxnumbers(ctx: Ctx) -> ListResult:
    assigned = case((VoxNumber.link_pk.is_(None), "UNASSIGNED"), else_="ASSIGNED")
    # an unassigned number has no call status: it cannot take calls (SPEC.md §6)
    call_status = case(
        (VoxNumber.link_pk.is_(None), ""),
        (VoxNumber.call_on.is_(False), OFF_ON_HOLD),
        (Link.call_flow_pk.is_(None), ON_NO_RULES),
        else_=ON_ACTIVE,
    )
    vox_type = case(
        *[(VoxNumber.number_type == k, v) for k, v in VOXNUMBER_TYPES.items()], else_=VoxNumber.number_type
    )
    stmt = (
        select(VoxNumber.pk)
        .outerjoin(Link, Link.pk == VoxNumber.link_pk)
        .outerjoin(Node, Node.pk == Link.node_pk)
        .where(VoxNumber.account_pk == ctx.account_pk)
    )
    p = ctx.params
    if p.get("voxnumber"):
        stmt = stmt.where(VoxNumber.number == p["voxnumber"])
    if p.get("voxnumber_type"):
        kind = p["voxnumber_type"].upper()
        stmt = stmt.where((vox_type == kind) | (VoxNumber.number_type == kind))
    if p.get("voxnumber_country"):
        stmt = stmt.where(func.upper(VoxNumber.country_name) == p["voxnumber_country"].upper())
    if p.get("voxnumber_city"):
        stmt = stmt.where(func.lower(VoxNumber.city) == p["voxnumber_city"].lower())
    if p.get("assigned_status"):
        stmt = stmt.where(assigned == p["assigned_status"])
    if p.get("call_status"):
        stmt = stmt.where(CALL_STATUS_FILTERS[p["call_status"]])
    if p.get("node_id"):
        stmt = stmt.where(Node.node_id == p["node_id"])
    if p.get("link_id"):
        stmt = stmt.where(Link.link_id == p["link_id"])
    columns: dict[str, Any] = {
        "nid": Node.node_id,
        "nname": Node.node_name,
        "lid": Link.link_id,
        "lname": Link.link_name,
        "as": assigned,
        "cs": call_status,
        "cc": VoxNumber.country_code,
        "vn": VoxNumber.number,
        "vnt": vox_type,
        "vnco": VoxNumber.country_name,
        "vnci": VoxNumber.city,
        "vnpd": VoxNumber.purchased_at,
    }
    # creation order of an account's number = when it came into the account (purchase order)
    return run_listing(ctx, stmt, columns, [VoxNumber.purchased_at, VoxNumber.pk])


@handles("Voxnumbers", "setCallStatus")
def set_call_status(ctx: Ctx) -> None:
    values: list[str] = ctx.top["voxnumbers"]
    found = numbers_by_value(ctx, values)
    total = len(values)
    for x, value in enumerate(values, 1):
        number = found.get(value)
        if number is None:
            ctx.add("voxnumber_not_found", x=x, y=total)
        elif number.link_pk is None:
            ctx.add("voxnumber_not_attached", x=x, y=total)
    ctx.check()
    on = ctx.top["call_status"] == "ON"
    for number in found.values():
        number.call_on = on


def release(number: VoxNumber, ctx: Ctx) -> None:
    """Give a number back to IOVOX: off its link, out of the account, back in stock."""
    number.link_pk = None
    number.account_pk = None
    number.order_pk = None
    number.purchased_at = None
    number.call_on = True
    number.released_at = ctx.now


@handles("Voxnumbers", "deleteVoxnumbersFromAccount")
def delete_voxnumbers(ctx: Ctx) -> None:
    values = [v.strip() for v in ctx.params["full_voxnumbers"].split(",")]
    if len(values) > MAX_DELETE:
        ctx.fail("too_many")
    found = numbers_by_value(ctx, [v for v in values if _DIGITS.fullmatch(v)])
    force = bool(ctx.params["rm_if_in_use"])
    total = len(values)
    for x, value in enumerate(values, 1):
        if not value:
            ctx.add("voxnumber_empty", x=x, y=total)
        elif not _DIGITS.fullmatch(value):
            ctx.add("voxnumber_not_integer", x=x, y=total)
        elif value not in found:
            ctx.add("voxnumber_not_found", x=x, y=total)
        elif found[value].link_pk is not None and not force:
            ctx.add("voxnumber_attached", x=x, y=total)
    ctx.check()
    for number in found.values():
        release(number, ctx)


def _partner(ctx: Ctx, name: str) -> Account | None:
    return ctx.session.scalars(select(Account).where(Account.name == name)).first()


@handles("Voxnumbers", "transferVoxnumbers")
def transfer_voxnumbers(ctx: Ctx) -> None:
    origin_name = ctx.top.get("origin_partner_name") or ""
    destination_name = ctx.top.get("destination_partner_name") or ""
    values: list[str] = ctx.top.get("voxnumbers") or []
    origin = destination = None
    if not origin_name:
        ctx.add("origin_empty")
    # the caller moves numbers out of its own account only; any other name is unknown to it
    elif origin_name != ctx.account.name:
        ctx.add("origin_not_found")
    else:
        origin = ctx.account
    if not destination_name:
        ctx.add("destination_empty")
    else:
        destination = _partner(ctx, destination_name)
        if destination is None:
            ctx.add("destination_not_found")
    if not values:
        ctx.add("voxnumbers_empty")
    found = numbers_by_value(ctx, values, origin.pk) if origin is not None else {}
    total = len(values)
    for x, value in enumerate(values, 1):
        if not value:
            ctx.add("voxnumber_empty", x=x, y=total)
        elif not _DIGITS.fullmatch(value) or value.startswith("0"):
            ctx.add("voxnumber_not_international", x=x, y=total)
        elif origin is None:
            continue
        elif value not in found:
            ctx.add("voxnumber_not_found", x=x, y=total)
        elif found[value].link_pk is not None:
            ctx.add("voxnumber_not_available", x=x, y=total)
    ctx.check()
    assert destination is not None
    for number in found.values():
        number.account_pk = destination.pk
        number.order_pk = None
        number.call_on = True
