"""Clis (doc only, SPEC.md §4 note): adding and deleting the account's caller-id numbers."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from mock_iovox import errors, xmlio
from mock_iovox.catalog.model import DEFAULT_MAX_ITEMS
from mock_iovox.context import Ctx, by_vendor_id, id_list
from mock_iovox.db import CallFlow
from mock_iovox.db.flows import Cli
from mock_iovox.errors import IovoxError
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

_DIGITS = re.compile(r"\+?(\d+)")
#: a CLI to create: digits (a leading + dropped), as many as the mock's numbers take
_NEW_CLI = re.compile(r"\+?([0-9]{1,18})")


def _values(node: xmlio.XNode) -> set[str]:
    out = {v.strip().lstrip("+") for v in node.attrib.values()}
    for child in node.children:
        out |= _values(child)
    return out


def clis_in_use(ctx: Ctx, clis: set[str]) -> set[str]:
    """Which of `clis` a call flow of the account names as an attribute value."""
    used: set[str] = set()
    if not clis:
        return used
    for xml in ctx.session.scalars(select(CallFlow.xml).where(CallFlow.account_pk == ctx.account_pk)):
        try:
            used |= _values(xmlio.parse(xml.encode())) & clis
        except IovoxError:  # stored flows were validated on the way in
            continue
    return used


@handles("Clis", "deleteClis")
def delete_clis(ctx: Ctx) -> None:
    raw = id_list(ctx.params["clis"])
    digits = [m.group(1) if (m := _DIGITS.fullmatch(value)) else None for value in raw]
    known = by_vendor_id(ctx, Cli, "cli", [d for d in digits if d])
    in_use = clis_in_use(ctx, set(known))
    keep_used = not ctx.params["rm_if_in_use"]
    total = len(raw)
    doomed: set[int] = set()
    for x, (value, number) in enumerate(zip(raw, digits, strict=True), 1):
        if not value:
            ctx.add("cli_empty", x=x, y=total)
        elif number is None:
            ctx.add("cli_not_integer", x=x, y=total)
        elif number not in known:
            ctx.add("cli_not_found", x=x, y=total)
        elif number in in_use and keep_used:
            ctx.add("cli_in_use", x=x, y=total)
        else:
            doomed.add(known[number].pk)
    ctx.check()
    ctx.session.execute(delete(Cli).where(Cli.pk.in_(doomed)))


@handles("Clis", "createClis")
def create_clis(ctx: Ctx) -> Tree:
    assert ctx.raw is not None
    nodes = ctx.raw.find_all("cli")
    if not nodes:
        raise IovoxError.one(errors.REQUEST_EMPTY)
    if len(nodes) > DEFAULT_MAX_ITEMS:
        raise IovoxError.one(errors.TOO_MANY_ITEMS, max=DEFAULT_MAX_ITEMS)
    values = [n.value for n in nodes]
    digits = [m.group(1) if (m := _NEW_CLI.fullmatch(v)) else None for v in values]
    known = by_vendor_id(ctx, Cli, "cli", [d for d in digits if d])
    total = len(values)
    seen: set[str] = set()
    for x, (value, number) in enumerate(zip(values, digits, strict=True), 1):
        if not value:
            ctx.add("cli_empty", x=x, y=total)
        elif number is None:
            ctx.add("cli_not_integer", x=x, y=total)
        elif number in known or number in seen:
            ctx.add("cli_exists", x=x, y=total)
        else:
            seen.add(number)
    ctx.check()
    created = [d for d in digits if d]
    ctx.session.add_all(Cli(account_pk=ctx.account_pk, cli=d, created_at=ctx.now) for d in created)
    return {"clis": {"cli": created}}
