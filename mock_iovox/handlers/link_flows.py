"""Templates on links and the all-in-one creates (SPEC.md §5.1 createNodeFull, §5.2, §6).

attach/removeRuleTemplateToLinks and the SMS pair put a flow on links with per-link values for its
`?` rules (contacts created on the fly); a VoxNumber on such a link turns `ON (Active)` (the status is
derived from the link's calling template). createNodeFull / createLinksFull create node, links,
categories, template values and VoxNumbers at once: any error, the number assignment included,
creates nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mock_iovox.context import Ctx, repeated
from mock_iovox.db import Link, Node, node_categories
from mock_iovox.domain.links import (
    CategoryPaths,
    check_category_list,
    links_by_id,
    names_in_nodes,
    new_link,
)
from mock_iovox.domain.nodes import nodes_by_id
from mock_iovox.flows import store
from mock_iovox.handlers.registry import handles
from mock_iovox.numbering.assign import assign_voxnumber
from mock_iovox.xmlio import Tree

# ---------------------------------------------------------------------------------------------
# attach / remove


def _links_of_request(ctx: Ctx) -> list[Link]:
    """The links named in `<link_ids>`, all problems reported (positions among the ids)."""
    ids: list[str] = ctx.top["link_ids"]
    if repeated(ids):
        ctx.add("duplicate_link_id")
    found = links_by_id(ctx, ids)
    total = len(ids)
    for x, link_id in enumerate(ids, 1):
        if not link_id:
            ctx.add("link_id_empty", x=x, y=total)
        elif link_id not in found:
            ctx.add("link_id_not_found", x=x, y=total)
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def attach_template(ctx: Ctx, kind: str) -> None:
    row = store.find_flow(ctx, [kind], ctx.top["template_name"])
    if row is None:
        ctx.add("template_name_not_found")
    links = _links_of_request(ctx)
    if not ctx.top.get("overwrite_existing"):
        column = store.link_column(kind).key
        ids: list[str] = ctx.top["link_ids"]
        for x, link_id in enumerate(ids, 1):
            link = next((li for li in links if li.link_id == link_id), None)
            if link is not None and getattr(link, column) is not None:
                ctx.add("template_attached", x=x, y=len(ids))
    plan = store.plan_values(ctx, row, ctx.top["rules_variable"]) if row is not None else None
    ctx.check()
    assert plan is not None
    contacts = store.Contacts(ctx)
    for link in links:
        store.attach_flow(ctx, link, plan, contacts)


def remove_template(ctx: Ctx, kind: str) -> None:
    links = _links_of_request(ctx)
    ctx.check()
    store.detach_flows(ctx, links, kind)


@handles("Links", "attachRuleTemplateToLinks")
def attach_rule_template_to_links(ctx: Ctx) -> None:
    attach_template(ctx, "CALL")


@handles("Links", "removeRuleTemplateFromLinks")
def remove_rule_template_from_links(ctx: Ctx) -> None:
    remove_template(ctx, "CALL")


@handles("Links", "attachSMSTemplateToLinks")
def attach_sms_template_to_links(ctx: Ctx) -> None:
    attach_template(ctx, "SMS")


@handles("Links", "removeSMSTemplateFromLinks")
def remove_sms_template_from_links(ctx: Ctx) -> None:
    remove_template(ctx, "SMS")


# ---------------------------------------------------------------------------------------------
# createNodeFull / createLinksFull


def _check_links(
    ctx: Ctx, node_id: str, node: Node | None, items: Sequence[dict[str, Any]], paths: CategoryPaths
) -> list[store.Plan | None]:
    """Every problem of the link sub-tree; returns each link's template plan (or None)."""
    total = len(items)
    if repeated(i["link_id"] for i in items):
        ctx.add("duplicate_link_id")
    taken = links_by_id(ctx, (i["link_id"] for i in items))
    names = names_in_nodes(ctx, [node.pk] if node is not None else [])
    claimed: set[str] = set()
    plans: list[store.Plan | None] = []
    for x, item in enumerate(items, 1):
        if item["link_id"] in taken:
            ctx.add("link_id_exists", x=x, y=total)
        name = item["link_name"]
        if name and ((node is not None and (node.pk, name) in names) or name in claimed):
            ctx.add("link_name_attached", name=name, node=node_id)
        claimed.add(name)
        check_category_list(paths, item["categories"])
        plan = None
        template = item["rule_template_name"]
        if template:
            row = store.find_flow(ctx, ["CALL"], template)
            if row is None:
                ctx.add("template_name_not_found")
            else:
                plan = store.plan_values(ctx, row, item["rules_variable"])
        plans.append(plan)
    return plans


def _create_links(
    ctx: Ctx,
    node: Node,
    items: Sequence[dict[str, Any]],
    plans: list[store.Plan | None],
    paths: CategoryPaths,
) -> None:
    contacts = store.Contacts(ctx)
    total = len(items)
    for x, (item, plan) in enumerate(zip(items, plans, strict=True), 1):
        link = new_link(ctx, node, item, paths)
        if plan is not None:
            store.attach_flow(ctx, link, plan, contacts)
        spec = (item["assign_voxnumber"] or [None])[0]
        if spec:
            # an unavailable number is reported here; ctx.check() then rolls everything back
            assign_voxnumber(ctx, link, spec, x, total)


def _answer(node_id: str, items: Sequence[dict[str, Any]]) -> Tree:
    # the Ruby client's sandbox-recorded shape (SPEC.md §5.1)
    return {"node_id": node_id, "links": {"link": [{"link_id": i["link_id"]} for i in items]}}


@handles("Nodes", "createNodeFull")
def create_node_full(ctx: Ctx) -> Tree:
    if len(ctx.items) > 1:
        ctx.fail("too_many_nodes")
    item = ctx.items[0]
    links = item["links"]
    if nodes_by_id(ctx, [item["node_id"]]):
        ctx.add("node_id_exists", x=1, y=1)
    paths = CategoryPaths.load(ctx, [*item["categories"], *(c for li in links for c in li["categories"])])
    check_category_list(paths, item["categories"])
    plans = _check_links(ctx, item["node_id"], None, links, paths)
    ctx.check()
    node = Node(
        account_pk=ctx.account_pk,
        node_id=item["node_id"],
        node_name=item["node_name"],
        node_type=item["node_type"],
        node_date=item["node_date"] or ctx.now,
        created_at=ctx.now,
    )
    ctx.session.add(node)
    ctx.session.flush()
    for pk in dict.fromkeys(paths.pk_of(c["category_id"]) for c in item["categories"]):
        ctx.session.execute(node_categories.insert().values(node_pk=node.pk, category_pk=pk))
    _create_links(ctx, node, links, plans, paths)
    ctx.check()
    return _answer(node.node_id, links)


@handles("Links", "createLinksFull")
def create_links_full(ctx: Ctx) -> Tree:
    item = ctx.items[0]
    links = item["links"]
    node = nodes_by_id(ctx, [item["node_id"]]).get(item["node_id"])
    if node is None:
        ctx.add("node_id_not_found", x=1, y=1)
    paths = CategoryPaths.load(ctx, (c for li in links for c in li["categories"]))
    plans = _check_links(ctx, item["node_id"], node, links, paths)
    ctx.check()
    assert node is not None
    _create_links(ctx, node, links, plans, paths)
    ctx.check()
    return _answer(node.node_id, links)
