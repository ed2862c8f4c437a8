"""Categories (SPEC.md §5.3): trees of labelled values below top-level *configurations*.

A configuration is a Category without parent (its own `root_pk`); every value below it carries the
configuration's pk as `root_pk` and its label as `label`. Deleting a category removes its sub-tree and
every attachment to links, nodes, contacts and calls through ON DELETE CASCADE.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import case, delete, func, literal, select
from sqlalchemy.orm import aliased

from mock_iovox.context import Ctx, ListResult, SqlExpr, by_vendor_id, id_list, run_listing
from mock_iovox.db import Category
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

# Self-joins of the category tree, built once (a fresh alias per request costs a re-adaptation).
CHILD = aliased(Category, name="child")
ROOT = aliased(Category, name="root")
UP = aliased(Category, name="up")

#: canonical spelling of each configuration type (the ENUM check hands the value upper-cased)
TYPE_NAMES = {
    "TREE": "Tree",
    "QUARANTINE_DATE": "Quarantine_Date",
    "DELETION_DATE": "Deletion_Date",
    "DETACH_DATE": "Detach_Date",
}
COLOUR = re.compile(r"#?[0-9A-Fa-f]{6}")


def categories_by_id(ctx: Ctx, ids: set[str]) -> dict[str, Category]:
    return by_vendor_id(ctx, Category, "category_id", ids)


def configurations_by_label(ctx: Ctx, labels: set[str]) -> dict[str, Category]:
    if not labels:
        return {}
    rows = ctx.session.scalars(
        select(Category).where(
            Category.account_pk == ctx.account_pk,
            Category.parent_pk.is_(None),
            Category.label.in_(labels),
        )
    )
    return {c.label: c for c in rows}


def split_ids(raw: str) -> list[str]:
    return id_list(raw)


@handles("Categories", "getCategories")
def get_categories(ctx: Ctx) -> ListResult:
    parent_id = ctx.params.get("parent_category_id")
    stmt = select(Category.pk).where(Category.account_pk == ctx.account_pk)
    if parent_id:
        parent_pk = ctx.session.scalar(
            select(Category.pk).where(
                Category.account_pk == ctx.account_pk, Category.category_id == parent_id
            )
        )
        if parent_pk is None:
            ctx.fail("category_id_not_found")
        stmt = stmt.where(Category.parent_pk == parent_pk)
    else:
        stmt = stmt.where(Category.parent_pk.is_(None))
    child_count = (
        select(func.count(CHILD.pk))
        .where(CHILD.parent_pk == Category.pk)
        .correlate(Category)
        .scalar_subquery()
    )
    columns: dict[str, SqlExpr] = {
        "cid": Category.category_id,
        "cl": Category.label,
        # a configuration's value is its label (the vendor's fixture)
        "cv": case((Category.parent_pk.is_(None), Category.label), else_=Category.value),
        "chc": child_count,
    }
    return run_listing(ctx, stmt, columns, [Category.pk])


@handles("Categories", "getCategoryId")
def get_category_id(ctx: Ctx) -> ListResult:
    stmt = (
        select(Category.pk)
        .join(ROOT, ROOT.pk == Category.root_pk)
        .where(
            Category.account_pk == ctx.account_pk,
            Category.parent_pk.is_not(None),
            ROOT.parent_pk.is_(None),
            ROOT.label == ctx.params["label"],
            Category.value == ctx.params["value"],
        )
    )
    delimiter: str = ctx.params.get("delimiter") or ";"

    def add_paths(rows: list[dict[str, Any]], keys: Any) -> None:
        paths = ancestor_paths(ctx, list(keys), delimiter)
        for row, key in zip(rows, keys, strict=True):
            row["category_path"] = paths.get(key, "")

    return run_listing(ctx, stmt, {"category_id": Category.category_id}, [Category.pk], decorate=add_paths)


def ancestor_paths(ctx: Ctx, pks: list[int], delimiter: str) -> dict[int, str]:
    """pk -> "TopLabel;value;…;value" for each category, walking up in one recursive query."""
    walk = (
        select(
            Category.pk.label("start"),
            Category.parent_pk.label("parent"),
            Category.label.label("label"),
            Category.value.label("value"),
            literal(0).label("depth"),
        )
        .where(Category.pk.in_(pks))
        .cte("walk", recursive=True)
    )
    walk = walk.union_all(
        select(walk.c.start, UP.parent_pk, UP.label, UP.value, walk.c.depth + 1).where(UP.pk == walk.c.parent)
    )
    steps: dict[int, list[tuple[int, str | None, str, str]]] = defaultdict(list)
    for start, parent, label, value, depth in ctx.session.execute(select(walk)):
        steps[start].append((depth, parent, label, value))
    out: dict[int, str] = {}
    for start, chain in steps.items():
        chain.sort(key=lambda s: -s[0])  # top first
        parts = [chain[0][2] if chain[0][1] is None else chain[0][3]]
        parts += [value for _, _, _, value in chain[1:]]
        out[start] = delimiter.join(parts)
    return out


@handles("Categories", "createCategories")
def create_categories(ctx: Ctx) -> Tree:
    total = len(ctx.items)
    ids = [item["category_id"] or "" for item in ctx.items]
    parents = {item["parent_category_id"] for item in ctx.items if item["parent_category_id"]}
    existing = categories_by_id(ctx, {i for i in ids if i} | parents)
    configs = configurations_by_label(ctx, {item["label"] for item in ctx.items if item["label"]})
    # ids created by earlier items of this request: a later item may hang below them
    new_roots: dict[str, int] = {}
    seen: set[str] = set()
    for x, item in enumerate(ctx.items, 1):
        cid, label, parent_id = item["category_id"], item["label"], item["parent_category_id"]
        if cid and (cid in seen or cid in existing):
            ctx.add("category_id_exists", x=x, y=total)
        conf = configs.get(label) if label else None
        if label and conf is None:
            ctx.add("label_not_found", x=x, y=total)
        if parent_id:
            parent = existing.get(parent_id)
            root_pk = parent.root_pk if parent is not None else new_roots.get(parent_id)
            # the parent must exist and belong to the configuration named by label
            if root_pk is None or (conf is not None and root_pk != conf.pk):
                ctx.add("parent_id_not_found", x=x, y=total)
        if cid:
            seen.add(cid)
            if conf is not None:
                new_roots[cid] = conf.pk
    ctx.check()
    made: dict[str, Category] = {}
    for item in ctx.items:
        conf = configs[item["label"]]
        parent_id = item["parent_category_id"]
        parent = conf if not parent_id else (made.get(parent_id) or existing[parent_id])
        cat = Category(
            account_pk=ctx.account_pk,
            category_id=item["category_id"],
            parent_pk=parent.pk,
            root_pk=conf.pk,
            label=conf.label,
            value=item["value"],
            created_at=ctx.now,
        )
        ctx.session.add(cat)
        ctx.session.flush()
        made[cat.category_id] = cat
    return {"categories": {"category": [{"category_id": i} for i in ids]}}


@handles("Categories", "createCategoryConfigurations")
def create_category_configurations(ctx: Ctx) -> Tree:
    total = len(ctx.items)
    ids = [item["category_id"] or "" for item in ctx.items]
    labels = {item["label"] for item in ctx.items if item["label"]}
    existing = categories_by_id(ctx, {i for i in ids if i})
    taken = configurations_by_label(ctx, labels)
    seen_ids: set[str] = set()
    seen_labels: set[str] = set()
    for x, item in enumerate(ctx.items, 1):
        cid, label, colour = item["category_id"], item["label"], item["colour"]
        if cid and (cid in existing or cid in seen_ids):
            ctx.add("category_id_exists", x=x, y=total)
        if label and (label in taken or label in seen_labels):
            ctx.add("label_exists", x=x, y=total)
        if colour and not COLOUR.fullmatch(colour):
            ctx.add("color_invalid", x=x, y=total)
        seen_ids.add(cid or "")
        seen_labels.add(label or "")
    ctx.check()
    for item in ctx.items:
        conf = Category(
            account_pk=ctx.account_pk,
            category_id=item["category_id"],
            label=item["label"],
            type=TYPE_NAMES[item["type"] or "TREE"],
            colour=(item["colour"] or "").lstrip("#").upper(),
            value_type=item["value_type"] or "",
            created_at=ctx.now,
        )
        ctx.session.add(conf)
        ctx.session.flush()
        conf.root_pk = conf.pk
    return {"categories": {"category": [{"category_id": i} for i in ids]}}


@handles("Categories", "deleteCategories")
def delete_categories(ctx: Ctx) -> None:
    # `label;id` or `label;value` pairs (a bare id is accepted); the label, when given, must be the
    # category's configuration
    pairs = [part.rpartition(";") for part in split_ids(ctx.params["categories"])]
    wanted = [(label.strip(), cid.strip()) for label, _, cid in pairs]
    existing = categories_by_id(ctx, {cid for _, cid in wanted if cid})
    roots = {
        c.pk: c.label
        for c in ctx.session.scalars(
            select(Category).where(Category.pk.in_({c.root_pk for c in existing.values()}))
        )
    }
    by_value = values_by_label(ctx, {(label, x) for label, x in wanted if label and x})
    total = len(wanted)
    doomed: set[int] = set()
    for x, (label, cid) in enumerate(wanted, 1):
        cat = existing.get(cid)
        if not cid:
            ctx.add("category_id_empty", x=x, y=total)
        elif (
            cat is not None
            and cat.parent_pk is not None
            and (not label or roots.get(cat.root_pk or 0) == label)
        ):
            doomed.add(cat.pk)
        elif by_value.get((label, cid)):
            doomed.update(by_value[(label, cid)])
        else:
            # configurations go through deleteCategoryConfigurations
            ctx.add("category_id_not_found", x=x, y=total)
    ctx.check()
    # the sub-tree and every attachment follow through ON DELETE CASCADE
    ctx.session.execute(delete(Category).where(Category.pk.in_(doomed)))


def values_by_label(ctx: Ctx, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], set[int]]:
    """(configuration label, value) -> pks of the categories with that value below it."""
    if not pairs:
        return {}
    stmt = select(Category.label, Category.value, Category.pk).where(
        Category.account_pk == ctx.account_pk,
        Category.parent_pk.is_not(None),
        Category.label.in_({label for label, _ in pairs}),
        Category.value.in_({value for _, value in pairs}),
    )
    out: dict[tuple[str, str], set[int]] = defaultdict(set)
    for label, value, pk in ctx.session.execute(stmt):
        if (label, value) in pairs:
            out[(label, value)].add(pk)
    return out


@handles("Categories", "deleteCategoryConfigurations")
def delete_category_configurations(ctx: Ctx) -> None:
    ids = split_ids(ctx.params["categories_ids"])
    existing = categories_by_id(ctx, {i for i in ids if i})
    total = len(ids)
    doomed: set[int] = set()
    for x, cid in enumerate(ids, 1):
        cat = existing.get(cid)
        if not cid:
            ctx.add("category_id_empty", x=x, y=total)
        elif cat is None or cat.parent_pk is not None:
            ctx.add("category_id_not_found", x=x, y=total)
        else:
            doomed.add(cat.pk)
    ctx.check()
    ctx.session.execute(delete(Category).where(Category.pk.in_(doomed)))
