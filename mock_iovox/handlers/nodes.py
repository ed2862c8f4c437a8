"""Nodes (SPEC.md §5.1): what an account tracks; each node owns links and categories."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from mock_iovox.context import (
    Ctx,
    ListResult,
    check_ids,
    id_list,
    repeated,
    run_listing,
    text_value,
)
from mock_iovox.db import CallFlow, Category, Link, Node, VoxNumber, link_categories, node_categories
from mock_iovox.domain.nodes import nodes_by_id
from mock_iovox.flows.store import link_rules
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

# Built once: a fresh alias per request makes SQLAlchemy adapt every column again (~0.8 ms a call).
FLOW = aliased(CallFlow, name="flow")


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


# The three writes run as plain Core statements built once (issue 13): no ORM objects, identity
# map or unit of work for what is one look-up and one statement. They do what the ORM did.
NODES: Table = Node.__table__  # type: ignore[assignment]
_FOUND_COLUMNS = (NODES.c.node_id, NODES.c.pk, NODES.c.node_name, NODES.c.node_type, NODES.c.node_date)
_FOUND_ONE = select(*_FOUND_COLUMNS).where(
    NODES.c.account_pk == bindparam("account_pk"), NODES.c.node_id == bindparam("node_id")
)
_FOUND_MANY = select(*_FOUND_COLUMNS).where(
    NODES.c.account_pk == bindparam("account_pk"), NODES.c.node_id.in_(bindparam("node_ids", expanding=True))
)
_INSERT = insert(NODES)
_DELETE_ONE = delete(NODES).where(NODES.c.pk == bindparam("pk"))
_DELETE_MANY = delete(NODES).where(NODES.c.pk.in_(bindparam("pks", expanding=True)))
# Where the database can say what it wrote (RETURNING), a write goes first and its check after:
# the usual request then costs one statement, and a request with an error is rolled back whole
# (the error tells the same problems as the look-up would have).
_DELETE_IDS_ONE = (
    delete(NODES)
    .where(NODES.c.account_pk == bindparam("account_pk"), NODES.c.node_id == bindparam("node_id"))
    .returning(NODES.c.node_id)
)
_DELETE_IDS_MANY = (
    delete(NODES)
    .where(
        NODES.c.account_pk == bindparam("account_pk"),
        NODES.c.node_id.in_(bindparam("node_ids", expanding=True)),
    )
    .returning(NODES.c.node_id)
)
_INSERT_NEW = {
    "sqlite": sqlite_insert(NODES).on_conflict_do_nothing().returning(NODES.c.node_id),
    "postgresql": postgresql_insert(NODES).on_conflict_do_nothing().returning(NODES.c.node_id),
}
_UPDATE = (
    update(NODES)
    .where(NODES.c.pk == bindparam("b_pk"))
    .values(
        node_id=bindparam("b_node_id"),
        node_name=bindparam("b_node_name"),
        node_type=bindparam("b_node_type"),
        node_date=bindparam("b_node_date"),
    )
)
_RENAME = update(NODES).where(NODES.c.pk == bindparam("b_pk")).values(node_id=bindparam("b_node_id"))


def _found(ctx: Ctx, ids: Iterable[str]) -> dict[str, Any]:
    """The caller's nodes among `ids` (blank ids skipped), by node_id: one query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    conn = ctx.session.connection()
    if len(wanted) == 1:
        rows = conn.execute(_FOUND_ONE, {"account_pk": ctx.account_pk, "node_id": next(iter(wanted))})
    else:
        rows = conn.execute(_FOUND_MANY, {"account_pk": ctx.account_pk, "node_ids": sorted(wanted)})
    return {row.node_id: row for row in rows}


@handles("Nodes", "createNodes")
def create_nodes(ctx: Ctx) -> Tree:
    ids = [item["node_id"] or "" for item in ctx.items]
    if repeated(ids):
        ctx.fail("duplicate_node_id")
    rows = [
        {
            "account_pk": ctx.account_pk,
            "node_id": item["node_id"],
            "node_name": item["node_name"],
            "node_type": item["node_type"],
            "node_date": item["node_date"] or ctx.now,
            "created_at": ctx.now,
        }
        for item in ctx.items
    ]
    conn = ctx.session.connection()
    insert_new = _INSERT_NEW.get(conn.dialect.name) if len(rows) == 1 else None
    if insert_new is not None and conn.dialect.insert_returning:
        # one node (the usual request): inserted unless its id exists (UNIQUE account, node_id)
        if conn.execute(insert_new, rows[0]).first() is not None:
            return {"nodes": {"node": [{"node_id": ids[0]}]}}
        existing: dict[str, Any] = {ids[0]: True}
    else:
        existing = _found(ctx, ids)
    total = len(ctx.items)
    for x, node_id in enumerate(ids, 1):
        if node_id in existing:
            ctx.add("node_id_exists", x=x, y=total)
    ctx.check()
    conn.execute(_INSERT, rows)
    return {"nodes": {"node": [{"node_id": i} for i in ids]}}


@handles("Nodes", "deleteNodes")
def delete_nodes(ctx: Ctx) -> None:
    ids = id_list(ctx.params["node_ids"])
    conn = ctx.session.connection()
    # links go with their node (ON DELETE CASCADE); their VoxNumbers return to the pool (SET NULL)
    if all(ids) and conn.dialect.delete_returning:
        wanted = set(ids)
        params: dict[str, Any] = {"account_pk": ctx.account_pk}
        if len(wanted) == 1:
            deleted = conn.execute(_DELETE_IDS_ONE, {**params, "node_id": ids[0]}).scalars().all()
        else:
            deleted = conn.execute(_DELETE_IDS_MANY, {**params, "node_ids": sorted(wanted)}).scalars().all()
        if len(deleted) != len(wanted):
            # an unknown id: the error rolls the delete back
            check_ids(ctx, ids, dict.fromkeys(deleted), "node_id_empty", "node_id_not_found")
            ctx.check()
        return
    existing = _found(ctx, ids)
    check_ids(ctx, ids, existing, "node_id_empty", "node_id_not_found")
    ctx.check()
    pks = [row.pk for row in existing.values()]
    if len(pks) == 1:
        conn.execute(_DELETE_ONE, {"pk": pks[0]})
    else:
        conn.execute(_DELETE_MANY, {"pks": pks})


@handles("Nodes", "updateNodes")
def update_nodes(ctx: Ctx) -> None:
    ids = [item["node_id"] or "" for item in ctx.items]
    new_ids = [item["new_node_id"] or "" for item in ctx.items]
    # a node may be named twice in one request neither as target nor as new id
    if repeated(ids) or repeated([n for n in new_ids if n]):
        ctx.fail("duplicate_node_id")
    found = _found(ctx, ids + new_ids)
    total = len(ctx.items)
    renamed_away = {i for i, n in zip(ids, new_ids, strict=True) if n and n != i}
    for x, (node_id, new_id) in enumerate(zip(ids, new_ids, strict=True), 1):
        if node_id not in found:
            ctx.add("node_id_not_found", x=x, y=total)
        # renaming onto an id that this same request frees (a swap) is allowed
        if new_id and new_id != node_id and new_id in found and new_id not in renamed_away:
            ctx.add("new_node_id_exists", x=x, y=total)
    ctx.check()
    # only the nodes whose values change are written (a request that changes nothing writes
    # nothing, the data generation included)
    changed = []
    for item in ctx.items:
        node = found[item["node_id"]]
        new = {
            "b_pk": node.pk,
            "b_node_id": item["new_node_id"] or item["node_id"],
            "b_node_name": node.node_name if item["node_name"] is None else item["node_name"],
            "b_node_type": node.node_type if item["node_type"] is None else item["node_type"],
            "b_node_date": node.node_date if item["node_date"] is None else item["node_date"],
        }
        old = (node.node_id, node.node_name, node.node_type, node.node_date)
        if (new["b_node_id"], new["b_node_name"], new["b_node_type"], new["b_node_date"]) != old:
            changed.append(new)
    if not changed:
        return
    conn = ctx.session.connection()
    if renamed_away:
        # two steps so that swaps never trip the (account, node_id) unique constraint; U+0001 cannot
        # travel in XML 1.0, so no client id can equal the placeholder (and PostgreSQL refuses NUL)
        placeholders = [
            {"b_pk": found[i].pk, "b_node_id": f"\x01renaming:{found[i].pk}"} for i in sorted(renamed_away)
        ]
        conn.execute(_RENAME, placeholders)
    conn.execute(_UPDATE, changed)


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
