"""The `cat_ids` filter (SPEC.md §3.2): a comma inside one value is AND, repeated values are OR,
and a category id matches its whole sub-tree.

Category trees of one account are small (hundreds of rows), so the sub-trees are worked out once per
request in Python and the filter itself runs in SQL as EXISTS clauses over an association table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, exists, false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from mock_iovox.db import Category


def subtrees(session: Session, account_pk: int, category_ids: Sequence[str]) -> dict[str, set[int]]:
    """category_id -> pks of that category and all its descendants (empty set for an unknown id)."""
    rows = session.execute(
        select(Category.pk, Category.parent_pk, Category.category_id).where(Category.account_pk == account_pk)
    ).all()
    children: dict[int, list[int]] = {}
    by_id: dict[str, int] = {}
    for pk, parent, cid in rows:
        by_id[cid] = pk
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    out: dict[str, set[int]] = {}
    for cid in category_ids:
        start = by_id.get(cid)
        found: set[int] = set()
        stack = [start] if start is not None else []
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, ()))
        out[cid] = found
    return out


def parse_cat_ids(values: Sequence[str]) -> list[list[str]]:
    """["1,2", "3"] -> [["1", "2"], ["3"]]: OR of ANDs; empty parts dropped."""
    groups = [[p.strip() for p in v.split(",") if p.strip()] for v in values]
    return [g for g in groups if g]


def cat_ids_filter(
    session: Session,
    account_pk: int,
    values: Sequence[str],
    association: Table,
    owner_column: str,
    owner_pk: Any,
) -> ColumnElement[bool] | None:
    """A WHERE clause for `cat_ids`, or None when no filter was given.

    `association` is e.g. link_categories, `owner_column` its column pointing at the owner
    ("link_pk"), `owner_pk` the owner's primary key expression in the outer query (Link.pk, or
    Call.link_pk for CDRs, whose categories are their link's).
    """
    groups = parse_cat_ids(values)
    if not groups:
        return None
    trees = subtrees(session, account_pk, [cid for g in groups for cid in g])
    owner = association.c[owner_column]
    category = association.c["category_pk"]

    def has(cid: str) -> ColumnElement[bool]:
        pks = trees.get(cid) or set()
        if not pks:
            return false()
        return exists().where(owner == owner_pk, category.in_(sorted(pks)))

    return or_(*[and_(*[has(cid) for cid in group]) for group in groups])
