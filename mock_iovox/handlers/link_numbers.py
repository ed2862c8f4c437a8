"""attachVoxnumberToLink and removeVoxnumberFromLink (SPEC.md §5.2, §6): a link holds at most one
VoxNumber, a number sits on at most one link. Attaching to a link that already has a number is
refused (detach first, as the Ruby client's transfer_voxnumber does); a detached number goes back
to the account's pool as UNASSIGNED.
"""

from __future__ import annotations

from sqlalchemy import select

from mock_iovox.context import Ctx
from mock_iovox.db import Link, VoxNumber
from mock_iovox.domain.links import links_by_id
from mock_iovox.handlers.registry import handles
from mock_iovox.numbering.assign import assign_voxnumber


def numbers_on(ctx: Ctx, links: list[Link]) -> dict[int, VoxNumber]:
    if not links:
        return {}
    rows = ctx.session.scalars(select(VoxNumber).where(VoxNumber.link_pk.in_([lk.pk for lk in links])))
    return {n.link_pk: n for n in rows if n.link_pk is not None}


@handles("Links", "attachVoxnumberToLink")
def attach_voxnumber_to_link(ctx: Ctx) -> None:
    links = links_by_id(ctx, [item["link_id"] or "" for item in ctx.items])
    taken = set(numbers_on(ctx, list(links.values())))
    total = len(ctx.items)
    # items are served in order, so two items never get the same number; any error undoes them all
    for x, item in enumerate(ctx.items, 1):
        link = links.get(item["link_id"])
        if link is None:
            ctx.add("link_id_not_found", x=x, y=total)
        elif link.pk in taken:
            ctx.add("link_has_voxnumber", x=x, y=total)
        elif assign_voxnumber(ctx, link, item, x, total) is not None:
            taken.add(link.pk)
    ctx.check()


@handles("Links", "removeVoxnumberFromLink")
def remove_voxnumber_from_link(ctx: Ctx) -> None:
    ids: list[str] = ctx.top["link_id"]
    links = links_by_id(ctx, ids)
    numbers = numbers_on(ctx, list(links.values()))
    total = len(ids)
    for x, link_id in enumerate(ids, 1):
        link = links.get(link_id)
        if link is None:
            ctx.add("link_id_not_found", x=x, y=total)
        elif link.pk not in numbers:
            ctx.add("link_no_voxnumber", x=x, y=total)
    ctx.check()
    for number in numbers.values():
        number.link_pk = None
        number.call_on = True
