"""Links as several interfaces use them: look-ups by vendor id, the category paths of a create or
update request (createLinks, updateLinks, attachCategoryToLink, createNodeFull, createLinksFull),
and a new link with its categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from mock_iovox.context import Ctx, by_vendor_id
from mock_iovox.db import Category, Link, Node, link_categories

# ---------------------------------------------------------------------------------------------
# Look-ups


def links_by_id(ctx: Ctx, ids: Iterable[str]) -> dict[str, Link]:
    return by_vendor_id(ctx, Link, "link_id", ids)


def names_in_nodes(ctx: Ctx, node_pks: Iterable[int]) -> dict[tuple[int, str], int]:
    """(node pk, link name) -> link pk for every link of the given nodes."""
    pks = set(node_pks)
    if not pks:
        return {}
    rows = ctx.session.execute(select(Link.node_pk, Link.link_name, Link.pk).where(Link.node_pk.in_(pks)))
    return {(node_pk, name): pk for node_pk, name, pk in rows}


# ---------------------------------------------------------------------------------------------
# Category paths of links (createLinks, updateLinks, attachCategoryToLink)


@dataclass(slots=True)
class _NewCategory:
    category_id: str
    parent_id: str
    label: str
    value: str


@dataclass(slots=True)
class CategoryPaths:
    """Resolves category elements `{category_id, parent_category_id?, label?, value?}`.

    An existing category id is simply attached. An unknown id becomes a new sub-category when its
    parent exists (in the account or earlier in the same request) and a value is given (SPEC.md §5.2
    attachCategoryToLink); it takes the label of its tree and its parent's root. Checking
    (`resolve`) is separate from writing (`pk_of`), so a request with any error writes nothing.
    The calling method's errors must hold category_id_not_found, parent_id_not_found, value_empty
    and label_not_found.
    """

    ctx: Ctx
    known: dict[str, Category] = field(default_factory=dict)
    pending: dict[str, _NewCategory] = field(default_factory=dict)

    @classmethod
    def load(cls, ctx: Ctx, elements: Iterable[dict[str, Any]]) -> CategoryPaths:
        ids: set[str] = set()
        for e in elements:
            ids.update(v for v in (e.get("category_id"), e.get("parent_category_id")) if v)
        paths = cls(ctx)
        if ids:
            rows = ctx.session.scalars(
                select(Category).where(Category.account_pk == ctx.account_pk, Category.category_id.in_(ids))
            )
            paths.known = {c.category_id: c for c in rows}
        return paths

    def _label_of(self, category_id: str) -> str:
        if category_id in self.known:
            return self.known[category_id].label
        return self.pending[category_id].label

    def resolve(self, element: dict[str, Any], x: int, y: int) -> bool:
        """Check one element (reporting problems on ctx); True when it can be attached."""
        cid: str = element["category_id"]
        if cid in self.known or cid in self.pending:
            return True
        parent = element.get("parent_category_id")
        if not parent:
            self.ctx.add("category_id_not_found", x=x, y=y)
            return False
        if parent not in self.known and parent not in self.pending:
            self.ctx.add("parent_id_not_found", x=x, y=y)
            return False
        ok = True
        if not element.get("value"):
            self.ctx.add("value_empty", x=x, y=y)
            ok = False
        label = self._label_of(parent)
        if element.get("label") and element["label"] != label:
            self.ctx.add("label_not_found", x=x, y=y)
            ok = False
        if ok:
            self.pending[cid] = _NewCategory(cid, parent, label, element["value"])
        return ok

    def pk_of(self, category_id: str) -> int:
        """The category's pk, creating it (and any new parent) on first use."""
        found = self.known.get(category_id)
        if found is not None:
            return found.pk
        new = self.pending[category_id]
        parent_pk = self.pk_of(new.parent_id)
        parent = self.known[new.parent_id]
        cat = Category(
            account_pk=self.ctx.account_pk,
            category_id=new.category_id,
            parent_pk=parent_pk,
            root_pk=parent.root_pk,
            label=new.label,
            value=new.value,
            created_at=self.ctx.now,
        )
        self.ctx.session.add(cat)
        self.ctx.session.flush()
        self.known[category_id] = cat
        return cat.pk


def check_category_list(paths: CategoryPaths, elements: Sequence[dict[str, Any]]) -> None:
    """x/y of nested errors count among the link's own category elements (FULL_LINK_GUESSES)."""
    for x, element in enumerate(elements, 1):
        paths.resolve(element, x, len(elements))


def attached_pks(ctx: Ctx, link_pks: Iterable[int]) -> set[tuple[int, int]]:
    pks = set(link_pks)
    if not pks:
        return set()
    rows = ctx.session.execute(
        select(link_categories.c.link_pk, link_categories.c.category_pk).where(
            link_categories.c.link_pk.in_(pks)
        )
    )
    return {(link_pk, cat_pk) for link_pk, cat_pk in rows}


def attach(ctx: Ctx, link_pk: int, category_pks: Iterable[int]) -> None:
    wanted = sorted(set(category_pks) - {c for _, c in attached_pks(ctx, [link_pk])})
    if wanted:
        ctx.session.execute(
            link_categories.insert(), [{"link_pk": link_pk, "category_pk": c} for c in wanted]
        )


def new_link(ctx: Ctx, node: Node, item: dict[str, Any], paths: CategoryPaths) -> Link:
    """A link of a create request, with its categories (createLinks, createNodeFull, createLinksFull)."""
    link = Link(
        account_pk=ctx.account_pk,
        node_pk=node.pk,
        link_id=item["link_id"],
        link_name=item["link_name"],
        link_type=item["link_type"],
        link_date=item["link_date"] or ctx.now,
        click_to_call=item["click_to_call"] != "0",
        created_at=ctx.now,
    )
    ctx.session.add(link)
    ctx.session.flush()
    attach(ctx, link.pk, [paths.pk_of(c["category_id"]) for c in item["categories"]])
    return link
