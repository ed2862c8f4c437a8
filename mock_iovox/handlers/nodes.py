"""Nodes (SPEC.md §5.1): what an account tracks; each node owns links and categories."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import aliased

from mock_iovox.db import CallFlow, Category, Link, Node, VoxNumber, link_categories, node_categories
from mock_iovox.flows.store import link_rules
from mock_iovox.handlers.base import (
    Ctx,
    ListResult,
    by_vendor_id,
    check_ids,
    handles,
    id_list,
    repeated,
    run_listing,
    text_value,
)
from mock_iovox.xmlio import Tree

# Built once: a fresh alias per request makes SQLAlchemy adapt every column again (~0.8 ms a call).
FLOW = aliased(CallFlow, name="flow")


def nodes_by_id(ctx: Ctx, ids: Iterable[str]) -> dict[str, Node]:
    return by_vendor_id(ctx, Node, "node_id", ids)


@handles("Nodes", "getNodes")
def get_nodes(ctx: Ctx) -> ListResult:
    stmt = (
        select(Node.pk)
        .outerjoin(Link, Link.node_pk == Node.pk)
        .outerjoin(FLOW, FLOW.pk == Link.call_flow_pk)
        .outerjoin(VoxNumber, VoxNumber.link_pk == Link.pk)
        .where(Node.account_pk == ctx.account_pk)
    )
    filters: dict[str, Any] = {
        "node_id": Node.node_id,
        "node_type": Node.node_type,
        "link_id": Link.link_id,
        "link_type": Link.link_type,
        "voxnumber": VoxNumber.number,
        "rule_name": FLOW.name,
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
        "rtn": FLOW.name,
        "vn": VoxNumber.number,
    }
    return run_listing(ctx, stmt, columns, [Node.pk, Link.pk])


@handles("Nodes", "createNodes")
def create_nodes(ctx: Ctx) -> Tree:
    ids = [item["node_id"] or "" for item in ctx.items]
    if repeated(ids):
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
    ids = id_list(ctx.params["node_ids"])
    existing = nodes_by_id(ctx, ids)
    check_ids(ctx, ids, existing, "node_id_empty", "node_id_not_found")
    ctx.check()
    # links go with their node (ON DELETE CASCADE); their VoxNumbers return to the pool (SET NULL)
    ctx.session.execute(delete(Node).where(Node.pk.in_([n.pk for n in existing.values()])))


@handles("Nodes", "updateNodes")
def update_nodes(ctx: Ctx) -> None:
    ids = [item["node_id"] or "" for item in ctx.items]
    new_ids = [item["new_node_id"] or "" for item in ctx.items]
    # a node may be named twice in one request neither as target nor as new id
    if repeated(ids) or repeated([n for n in new_ids if n]):
        ctx.fail("duplicate_node_id")
    found = nodes_by_id(ctx, ids + new_ids)
    total = len(ctx.items)
    renamed_away = {i for i, n in zip(ids, new_ids, strict=True) if n and n != i}
    for x, (node_id, new_id) in enumerate(zip(ids, new_ids, strict=True), 1):
        if node_id not in found:
            ctx.add("node_id_not_found", x=x, y=total)
        # renaming onto an id that this same request frees (a swap) is allowed
        if new_id and new_id != node_id and new_id in found and new_id not in renamed_away:
            ctx.add("new_node_id_exists", x=x, y=total)
    ctx.check()
    nodes = [found[i] for i in ids]
    if renamed_away:
        # two steps so that swaps never trip the (account, node_id) unique constraint; U+0001 cannot
        # travel in XML 1.0, so no client id can equal the placeholder (and PostgreSQL refuses NUL)
        for node in nodes:
            node.node_id = f"\x01renaming:{node.pk}"
        ctx.session.flush()
    for node, item in zip(nodes, ctx.items, strict=True):
        node.node_id = item["new_node_id"] or item["node_id"]
        for name in ("node_name", "node_type", "node_date"):
            if item[name] is not None:
                setattr(node, name, item[name])


def _link_rows(ctx: Ctx, node: Node, link_id: str | None) -> list[dict[str, Any]]:
    view = ctx.view
    assert view is not None
    stmt = (
        select(Link, FLOW.name, VoxNumber.number)
        .outerjoin(FLOW, FLOW.pk == Link.call_flow_pk)
        .outerjoin(VoxNumber, VoxNumber.link_pk == Link.pk)
        .where(Link.node_pk == node.pk)
        .order_by(Link.pk)
    )
    if link_id:
        stmt = stmt.where(Link.link_id == link_id)
    show_vn = ctx.params.get("return_voxnumber")
    show_rule = ctx.params.get("return_rule_name") is not False
    links = []
    cats = _categories_of(ctx, link_categories, "link_pk")
    found = ctx.session.execute(stmt).all()
    rules = link_rules(ctx, [link.pk for link, _, _ in found]) if show_rule else {}
    for link, flow_name, number in found:
        row: dict[str, Any] = {
            "link_id": link.link_id,
            "link_name": link.link_name,
            "link_type": link.link_type,
            "link_date": text_value(link.link_date),
        }
        row = {f.element: row[f.element] for f in view.fields if f.group == "links/link" and f.element in row}
        if (view.wants("vn") and show_vn is not False) or show_vn:
            row["voxnumber"] = number or ""
        if show_rule:
            row["rule_template_name"] = flow_name or ""
            if rules.get(link.pk):
                # the template's variable rules with this link's values (`?` where unset)
                row["rules"] = {"rule": rules[link.pk]}
        link_cats = cats.get(link.pk, [])
        if link_cats:
            row["cats"] = {"cat": link_cats}
        links.append(row)
    return links


def _categories_of(ctx: Ctx, table: Any, owner: str) -> dict[int, list[dict[str, str]]]:
    """owner pk -> its categories, restricted to the requested cid/cl/cv fields."""
    view = ctx.view
    assert view is not None
    wanted = [f for f in view.fields if f.group == "cats/cat"]
    if not wanted:
        return {}
    stmt = (
        select(table.c[owner], Category.category_id, Category.label, Category.value)
        .join(Category, Category.pk == table.c.category_pk)
        .where(Category.account_pk == ctx.account_pk)
        .order_by(table.c[owner], Category.pk)
    )
    out: dict[int, list[dict[str, str]]] = {}
    for owner_pk, category_id, label, value in ctx.session.execute(stmt):
        full = {"category_id": category_id, "label": label, "value": value}
        out.setdefault(owner_pk, []).append({f.element: full[f.element] for f in wanted})
    return out


@handles("Nodes", "getNodeDetails")
def get_node_details(ctx: Ctx) -> ListResult:
    view = ctx.view
    assert view is not None
    node = nodes_by_id(ctx, [ctx.params["node_id"]]).get(ctx.params["node_id"])
    if node is None:
        ctx.fail("node_id_not_found")
    base = {
        "node_id": node.node_id,
        "node_name": node.node_name,
        "node_type": node.node_type,
        "node_date": text_value(node.node_date),
    }
    row: dict[str, Any] = {
        f.element: base[f.element] for f in view.fields if f.element in base and f.group is None
    }
    node_cats = _categories_of(ctx, node_categories, "node_pk").get(node.pk, [])
    if node_cats:
        row["cats"] = {"cat": node_cats}
    links = _link_rows(ctx, node, ctx.params.get("link_id"))
    if links:
        row["links"] = {"link": links}
    rows = [row] if view.page == 1 else []
    return ListResult(rows, 1, view.page, view.limit)
