"""Links (SPEC.md §5.2): the channels of a node, with their categories, VoxNumber and call FLOW.

Every write checks the whole request first (all problems reported together, DECISIONS.md §2) and only
then writes, inside the request's single transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import aliased

from mock_iovox.context import (
    Ctx,
    ListResult,
    check_ids,
    id_list,
    repeated,
    run_listing,
)
from mock_iovox.db import CallFlow, Category, Link, Node, VoxNumber, link_categories
from mock_iovox.domain.categories import cat_ids_filter
from mock_iovox.domain.links import (
    CategoryPaths,
    attach,
    attached_pks,
    check_category_list,
    links_by_id,
    names_in_nodes,
    new_link,
)
from mock_iovox.domain.nodes import nodes_by_id
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

# Built once: a fresh alias per request makes SQLAlchemy adapt every column again (~0.8 ms a call).
FLOW = aliased(CallFlow, name="flow")

CATS = "cats/cat"


# ---------------------------------------------------------------------------------------------
# getLinks


@handles("Links", "getLinks")
def get_links(ctx: Ctx) -> ListResult:
    stmt = (
        select(Link.pk)
        .join(Node, Node.pk == Link.node_pk)
        .outerjoin(FLOW, FLOW.pk == Link.call_flow_pk)
        .outerjoin(VoxNumber, VoxNumber.link_pk == Link.pk)
        .where(Link.account_pk == ctx.account_pk)
    )
    node_id = ctx.params.get("node_id")
    if node_id and not ctx.session.scalar(
        select(exists().where(Node.account_pk == ctx.account_pk, Node.node_id == node_id))
    ):
        # SPEC.md §5.2: an unknown node is an error, an unknown link_id merely matches nothing
        ctx.fail("node_id_not_found")
    filters: dict[str, Any] = {
        "node_id": Node.node_id,
        "node_type": Node.node_type,
        "link_id": Link.link_id,
        "link_type": Link.link_type,
    }
    for name, column in filters.items():
        if ctx.params.get(name):
            stmt = stmt.where(column == ctx.params[name])
    cats = cat_ids_filter(
        ctx.session, ctx.account_pk, ctx.params.get("cat_ids") or [], link_categories, "link_pk", Link.pk
    )
    if cats is not None:
        stmt = stmt.where(cats)
    columns = {
        "nid": Node.node_id,
        "nn": Node.node_name,
        "nt": Node.node_type,
        "lid": Link.link_id,
        "ln": Link.link_name,
        "lt": Link.link_type,
        "vn": VoxNumber.number,
        "rn": FLOW.name,
        "c2c": Link.click_to_call,
    }

    def decorate(rows: list[dict[str, Any]], keys: Sequence[Any]) -> None:
        members = [f for f in ctx.view.fields if f.group == CATS] if ctx.view else []
        if not members:
            return
        by_abbr = {"cid": Category.category_id, "cl": Category.label, "cv": Category.value}
        query = (
            select(link_categories.c.link_pk, *[by_abbr[f.abbr] for f in members])
            .join(Category, Category.pk == link_categories.c.category_pk)
            .where(link_categories.c.link_pk.in_(list(keys)))
            .order_by(link_categories.c.link_pk, Category.pk)
        )
        found: dict[int, list[dict[str, str]]] = {}
        for record in ctx.session.execute(query):
            found.setdefault(record[0], []).append(
                {f.element: record[i + 1] or "" for i, f in enumerate(members)}
            )
        for row, key in zip(rows, keys, strict=True):
            row["cats"] = {"cat": found.get(key, [])}

    return run_listing(ctx, stmt, columns, [Link.pk], decorate=decorate)


# ---------------------------------------------------------------------------------------------
# createLinks


@handles("Links", "createLinks")
def create_links(ctx: Ctx) -> Tree:
    items = ctx.items
    total = len(items)
    if repeated(i["link_id"] for i in items):
        ctx.add("duplicate_link_id")
    nodes = nodes_by_id(ctx, (i["node_id"] for i in items))
    taken_ids = links_by_id(ctx, (i["link_id"] for i in items))
    names = names_in_nodes(ctx, (n.pk for n in nodes.values()))
    claimed: set[tuple[int, str]] = set()
    paths = CategoryPaths.load(ctx, (c for i in items for c in i["categories"]))
    for x, item in enumerate(items, 1):
        node = nodes.get(item["node_id"])
        if node is None:
            ctx.add("node_id_not_found", x=x, y=total)
        if item["link_id"] in taken_ids:
            ctx.add("link_id_exists", x=x, y=total)
        if node is not None:
            key = (node.pk, item["link_name"])
            if key in names or key in claimed:
                ctx.add("link_name_attached", name=item["link_name"], node=node.node_id)
            claimed.add(key)
        check_category_list(paths, item["categories"])
    ctx.check()

    for item in items:
        new_link(ctx, nodes[item["node_id"]], item, paths)
    return {"links": {"link": [{"link_id": i["link_id"]} for i in items]}}


# ---------------------------------------------------------------------------------------------
# updateLinks


@handles("Links", "updateLinks")
def update_links(ctx: Ctx) -> None:
    items = ctx.items
    total = len(items)
    if repeated(i["link_id"] for i in items):
        ctx.add("duplicate_link_id")
    links = links_by_id(ctx, (i["link_id"] for i in items))
    taken = links_by_id(ctx, (i["new_link_id"] for i in items if i["new_link_id"]))
    names = names_in_nodes(ctx, (link.node_pk for link in links.values()))
    claimed_ids: set[str] = set()
    claimed_names: dict[tuple[int, str], int] = {}
    paths = CategoryPaths.load(ctx, (c for i in items for c in i["categories"]))
    for x, item in enumerate(items, 1):
        link = links.get(item["link_id"])
        if link is None:
            ctx.add("link_id_not_found", x=x, y=total)
        new_id = item["new_link_id"]
        if new_id and new_id != item["link_id"]:
            if new_id in taken or new_id in claimed_ids:
                ctx.add("new_link_id_exists", x=x, y=total)
            claimed_ids.add(new_id)
        name = item["link_name"]
        if link is not None and name and name != link.link_name:
            key = (link.node_pk, name)
            holder = names.get(key, claimed_names.get(key))
            if holder is not None and holder != link.pk:
                node_id = ctx.session.scalar(select(Node.node_id).where(Node.pk == link.node_pk))
                ctx.add("link_name_attached", name=name, node=node_id)
            claimed_names[key] = link.pk
        check_category_list(paths, item["categories"])
    ctx.check()

    for item in items:
        link = links[item["link_id"]]
        if item["new_link_id"]:
            link.link_id = item["new_link_id"]
        for name in ("link_name", "link_type", "link_date"):
            if item[name]:
                setattr(link, name, item[name])
        if item["click_to_call"]:
            link.click_to_call = item["click_to_call"] == "1"
        if item["categories"]:
            # a non-empty <categories> replaces the link's category paths; PHP sends an empty
            # <categories/> on every update, which leaves them alone
            wanted = [paths.pk_of(c["category_id"]) for c in item["categories"]]
            ctx.session.execute(delete(link_categories).where(link_categories.c.link_pk == link.pk))
            attach(ctx, link.pk, wanted)
    ctx.session.flush()


# ---------------------------------------------------------------------------------------------
# deleteLinks


@handles("Links", "deleteLinks")
def delete_links(ctx: Ctx) -> None:
    ids = id_list(ctx.params["link_ids"])
    existing = links_by_id(ctx, ids)
    check_ids(ctx, ids, existing, "link_id_empty", "link_id_not_found")
    ctx.check()
    # categories and rule values go with the link (CASCADE); its VoxNumber returns to the account's
    # pool, UNASSIGNED (voxnumbers.link_pk is ON DELETE SET NULL); CDRs keep their copied names
    ctx.session.execute(delete(Link).where(Link.pk.in_([link.pk for link in existing.values()])))


# ---------------------------------------------------------------------------------------------
# attachCategoryToLink / removeCategoryFromLink


@handles("Links", "attachCategoryToLink")
def attach_category_to_link(ctx: Ctx) -> None:
    items = ctx.items
    total = len(items)
    links = links_by_id(ctx, (i["link_id"] for i in items))
    paths = CategoryPaths.load(ctx, items)
    for x, item in enumerate(items, 1):
        if item["link_id"] not in links:
            ctx.add("link_id_not_found", x=x, y=total)
        paths.resolve(item, x, total)
    ctx.check()
    for item in items:
        attach(ctx, links[item["link_id"]].pk, [paths.pk_of(item["category_id"])])


@handles("Links", "removeCategoryFromLink")
def remove_category_from_link(ctx: Ctx) -> None:
    items = ctx.items
    total = len(items)
    links = links_by_id(ctx, (i["link_id"] for i in items))
    paths = CategoryPaths.load(ctx, items)
    attached = attached_pks(ctx, (link.pk for link in links.values()))
    pairs: list[tuple[int, int]] = []
    for x, item in enumerate(items, 1):
        link = links.get(item["link_id"])
        if link is None:
            ctx.add("link_id_not_found", x=x, y=total)
            continue
        cat = paths.known.get(item["category_id"])
        label = item["label"]
        if cat is None or (label and label != cat.label) or (link.pk, cat.pk) not in attached:
            ctx.add("combination_not_found", x=x, y=total)
            continue
        pairs.append((link.pk, cat.pk))
    ctx.check()
    for link_pk, cat_pk in pairs:
        ctx.session.execute(
            delete(link_categories).where(
                link_categories.c.link_pk == link_pk, link_categories.c.category_pk == cat_pk
            )
        )
