"""Nodes (SPEC.md §5.1): what an account tracks; each node owns links and categories."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import aliased

from mock_iovox.db import CallFlow, Link, Node, VoxNumber
from mock_iovox.handlers.base import Ctx, ListResult, handles, run_listing
from mock_iovox.xmlio import Tree


def nodes_by_id(ctx: Ctx, ids: list[str]) -> dict[str, Node]:
    if not ids:
        return {}
    rows = ctx.session.scalars(
        select(Node).where(Node.account_pk == ctx.account_pk, Node.node_id.in_(set(ids)))
    )
    return {n.node_id: n for n in rows}


def duplicates(values: list[str]) -> bool:
    counts = Counter(v for v in values if v)
    return any(c > 1 for c in counts.values())


@handles("Nodes", "getNodes")
def get_nodes(ctx: Ctx) -> ListResult:
    flow = aliased(CallFlow)
    stmt = (
        select(Node.pk)
        .outerjoin(Link, Link.node_pk == Node.pk)
        .outerjoin(flow, flow.pk == Link.call_flow_pk)
        .outerjoin(VoxNumber, VoxNumber.link_pk == Link.pk)
        .where(Node.account_pk == ctx.account_pk)
    )
    filters: dict[str, Any] = {
        "node_id": Node.node_id,
        "node_type": Node.node_type,
        "link_id": Link.link_id,
        "link_type": Link.link_type,
        "voxnumber": VoxNumber.number,
        "rule_name": flow.name,
    }
    for name, column in filters.items():
        if ctx.params.get(name):
            stmt = stmt.where(column == ctx.params[name])
    columns = {
        "nid": Node.node_id,
        "nn": Node.node_name,
        "nt": Node.node_type,
        "lid": Link.link_id,
        "ln": Link.link_name,
        "lt": Link.link_type,
        "rtn": flow.name,
        "vn": VoxNumber.number,
    }
    return run_listing(ctx, stmt, columns, [Node.pk, Link.pk])


@handles("Nodes", "createNodes")
def create_nodes(ctx: Ctx) -> Tree:
    ids = [item["node_id"] or "" for item in ctx.items]
    if duplicates(ids):
        ctx.fail("duplicate_node_id")
    existing = nodes_by_id(ctx, ids)
    total = len(ctx.items)
    for x, node_id in enumerate(ids, 1):
        if node_id in existing:
            ctx.add("node_id_exists", x=x, y=total)
    ctx.check()
    for item in ctx.items:
        ctx.session.add(
            Node(
                account_pk=ctx.account_pk,
                node_id=item["node_id"],
                node_name=item["node_name"],
                node_type=item["node_type"],
                node_date=item["node_date"] or ctx.now,
                created_at=ctx.now,
            )
        )
    return {"nodes": {"node": [{"node_id": i} for i in ids]}}


@handles("Nodes", "deleteNodes")
def delete_nodes(ctx: Ctx) -> None:
    ids = [i.strip() for i in ctx.params["node_ids"].split(",")]
    existing = nodes_by_id(ctx, ids)
    total = len(ids)
    for x, node_id in enumerate(ids, 1):
        if not node_id:
            ctx.add("node_id_empty", x=x, y=total)
        elif node_id not in existing:
            ctx.add("node_id_not_found", x=x, y=total)
    ctx.check()
    # links go with their node (ON DELETE CASCADE); their VoxNumbers return to the pool (SET NULL)
    ctx.session.execute(delete(Node).where(Node.pk.in_([n.pk for n in existing.values()])))
