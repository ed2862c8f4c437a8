"""What a handler sees (`Ctx`), the id helpers it shares with domain code, and how it answers a list
(`run_listing`). Handlers register in mock_iovox/handlers/registry.py.

A handler holds only the business rule of its method: the request was already routed, authenticated
and checked against the catalogue, and it runs inside one database transaction that is rolled back if
it raises (so a request with any error writes nothing).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NoReturn, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from mock_iovox import errors
from mock_iovox.catalog.model import DEFAULT_MAX_ITEMS, Listing, Method
from mock_iovox.db import Account, Base
from mock_iovox.errors import ErrorList, IovoxError, VendorError
from mock_iovox.params import View
from mock_iovox.settings import Settings
from mock_iovox.xmlio import Tree, XNode

T = TypeVar("T")
M = TypeVar("M", bound=Base)


@dataclass(frozen=True, slots=True)
class Binary:
    data: bytes
    content_type: str = "audio/mpeg"


@dataclass(slots=True)
class ListResult:
    rows: list[dict[str, Any]]
    total: int
    page: int
    limit: int

    def envelope(self, listing: Listing | None = None) -> Tree:
        if listing is not None:
            omit_empty(listing, self.rows)
        pages = math.ceil(self.total / self.limit) if self.total else 0
        return {
            "current_page": self.page,
            "total_pages": pages,
            "total_results": self.total,
            "results": {"result": self.rows},
        }


HandlerResult = ListResult | Tree | Binary | None


def omit_empty(listing: Listing, rows: list[dict[str, Any]]) -> None:
    """Drop the `omit_empty` fields (Field.omit_empty) whose value is "", in rows and in the items
    of their groups, in place: the PHP models misread an empty date, flag or phone."""
    top = [f.element for f in listing.fields if f.omit_empty and f.group is None]
    grouped = [(*f.group.split("/", 1), f.element) for f in listing.fields if f.omit_empty and f.group]
    if not top and not grouped:
        return
    for row in rows:
        for element in top:
            if row.get(element) == "":
                del row[element]
        for wrapper, child, element in grouped:
            holder = row.get(wrapper)
            items = holder.get(child) if isinstance(holder, dict) else None
            for item in items if isinstance(items, list) else [items] if isinstance(items, dict) else []:
                if item.get(element) == "":
                    del item[element]


@dataclass(slots=True)
class Ctx:
    method: Method
    env: str
    session: Session
    account_pk: int
    #: the API user making the request
    username: str
    settings: Settings
    now: datetime
    params: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    top: dict[str, Any] = field(default_factory=dict)
    raw: XNode | None = None
    view: View | None = None
    output: str = "XML"
    errors: ErrorList = field(default_factory=ErrorList)

    @property
    def account(self) -> Account:
        """The caller's account, loaded when a handler needs more than its key."""
        account = self.session.get(Account, self.account_pk)
        assert account is not None
        return account

    def error(self, key: str, **fields: Any) -> VendorError:
        """The method's documented error `key`, formatted (see Method.errors)."""
        err = self.method.errors[key]
        return VendorError(err.status, err.text.format(**fields) if fields else err.text)

    def add(self, key: str, **fields: Any) -> None:
        """Record a problem; the handler calls `check()` once it has looked at everything."""
        self.errors.items.append(self.error(key, **fields))

    def fail(self, key: str, **fields: Any) -> NoReturn:
        raise IovoxError([self.error(key, **fields)])

    def check(self) -> None:
        self.errors.raise_if_any()


def by_vendor_id(ctx: Ctx, model: type[M], field: str, ids: Iterable[str]) -> dict[str, M]:
    """Entities of the caller's account whose client-chosen id (`field`: node_id, link_id …) is in
    `ids`, by that id; blank ids are skipped. One query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    stmt = _BY_VENDOR_ID.get((model, field))
    if stmt is None:  # built once per (model, field): only the values change (issue 13)
        column = getattr(model, field)
        stmt = select(model).where(
            model.__table__.c.account_pk == bindparam("account_pk"),
            column.in_(bindparam("ids", expanding=True)),
        )
        _BY_VENDOR_ID[(model, field)] = stmt
    rows = ctx.session.scalars(stmt, {"account_pk": ctx.account_pk, "ids": sorted(wanted)})
    return {getattr(row, field): row for row in rows}


_BY_VENDOR_ID: dict[tuple[type[Any], str], Select[Any]] = {}


def repeated(values: Iterable[str | None]) -> bool:
    """Whether a non-empty value occurs twice (`Duplicate … Received` checks)."""
    counts = Counter(v for v in values if v)
    return any(c > 1 for c in counts.values())


def id_list(raw: str) -> list[str]:
    """A comma-separated id parameter (node_ids, link_ids …); empty parts are kept, so that they
    can be reported as `… x of y Empty`. More than DEFAULT_MAX_ITEMS is refused alone."""
    if raw.count(",") >= DEFAULT_MAX_ITEMS:
        raise IovoxError.one(errors.TOO_MANY_ITEMS, max=DEFAULT_MAX_ITEMS)
    return [part.strip() for part in raw.split(",")]


def check_ids(
    ctx: Ctx, ids: Sequence[str], existing: Mapping[str, T], empty: str, missing: str
) -> list[tuple[int, int, T]]:
    """Record `<empty>`/`<missing>` (item-indexed) for each id that is blank or unknown; returns
    (x, y, entity) for the ids that exist, for further per-item checks."""
    total = len(ids)
    found: list[tuple[int, int, T]] = []
    for x, value in enumerate(ids, 1):
        if not value:
            ctx.add(empty, x=x, y=total)
        elif value not in existing:
            ctx.add(missing, x=x, y=total)
        else:
            found.append((x, total, existing[value]))
    return found


Handler = Callable[[Ctx], HandlerResult]
# ---------------------------------------------------------------------------------------------
# Lists


def text_value(value: Any) -> str:
    """A database value as the vendor writes it."""
    if type(value) is str:  # most cells: keep the hot path short
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


#: a column or mapped attribute usable in select / order_by
SqlExpr = ColumnElement[Any] | QueryableAttribute[Any]
Decorator = Callable[[list[dict[str, Any]], Sequence[Any]], None]


def run_listing(
    ctx: Ctx,
    stmt: Select[Any],
    columns: Mapping[str, SqlExpr],
    tiebreak: Sequence[SqlExpr],
    *,
    decorate: Decorator | None = None,
) -> ListResult:
    """Count, order, page and select `stmt` in SQL; rows carry the requested fields by element name.

    `columns` maps each field abbreviation the method can return as a column to its SQL expression;
    `tiebreak` keeps paging stable (usually the primary key, i.e. creation order). `decorate` receives
    the rows and the tie-break keys of each row and fills nested groups (categories …) in one query.
    """
    view = ctx.view
    assert view is not None, "run_listing needs a list method"
    total = ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ordering: list[Any] = []
    if view.order is not None and view.order.abbr in columns:
        col = columns[view.order.abbr]
        ordering.append(col.desc() if view.descending else col.asc())
    ordering.extend(tiebreak)
    wanted = [f for f in view.fields if f.group is None and f.abbr in columns]
    query = (
        stmt.with_only_columns(*[columns[f.abbr].label(f.abbr) for f in wanted], *tiebreak)
        .order_by(*ordering)
        .offset(view.offset)
        .limit(view.limit)
    )
    rows: list[dict[str, Any]] = []
    keys: list[Any] = []
    width = len(wanted)
    elements = [f.element for f in wanted]
    single_key = len(tiebreak) == 1
    # a plain column select: the Core connection skips the ORM's per-row machinery
    for record in ctx.session.connection().execute(query).all():  # one fetchall, not a call per row
        rows.append(dict(zip(elements, map(text_value, record[:width]), strict=True)))
        keys.append(record[width] if single_key else tuple(record[width:]))
    if decorate is not None and rows:
        decorate(rows, keys)
    return ListResult(rows, total, view.page, view.limit)
