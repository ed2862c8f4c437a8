"""The CDR filters shared by getCallData and getCallMetrics (SPEC.md §7.1, §7.2), as SQL clauses.

Every filter is an exact match on a column of `calls` (node and link fields are copied into the CDR),
so the composite indexes (account, link_id | node_id | voxnumber, call_start) serve the common
queries; `cat_ids` matches the categories of the call's link (sub-trees included).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from mock_iovox.calls.periods import Period
from mock_iovox.db import Call, link_categories
from mock_iovox.domain.categories import cat_ids_filter

if TYPE_CHECKING:  # the handlers package imports this module
    from mock_iovox.context import Ctx

#: query parameter -> CDR column (exact match)
EXACT: Mapping[str, InstrumentedAttribute[Any]] = {
    "id": Call.call_id,
    "node_id": Call.node_id,
    "node_type": Call.node_type,
    "link_id": Call.link_id,
    "link_type": Call.link_type,
    "ctype": Call.call_type,
    "call_res": Call.call_result,
    "rule_res": Call.rule_result,
    "call_origin": Call.call_origin,
    "call_origin_encoded": Call.call_origin_encoded,
    # getCallMetrics spells the same filter call_origin_encryption (SPEC.md §10)
    "call_origin_encryption": Call.call_origin_encoded,
    "voxnumber": Call.voxnumber,
    "call_dest": Call.call_destination,
    "direction": Call.direction,
    "detail": Call.detail,
}


def filtered(ctx: Ctx, stmt: Select[Any], period: Period | None) -> Select[Any]:
    """`stmt` restricted to the request's account, the period and the request's filters."""
    return restricted(ctx.session, ctx.account_pk, ctx.now, ctx.params, stmt, period)


def restricted(
    session: Session,
    account_pk: int,
    now: datetime,
    params: Mapping[str, Any],
    stmt: Select[Any],
    period: Period | None,
) -> Select[Any]:
    """`stmt` restricted to the account, the period (None: any time) and every given filter; the
    handlers and the portal's analytics (admin/analytics.py) share it, so their figures agree.

    Calls later than the mock's clock have not happened yet and are never visible: generated days
    are whole days (so a load is reproducible), and the clock reveals them as it passes.
    """
    if period is None:
        stmt = stmt.where(Call.account_pk == account_pk, Call.call_start <= now)
    else:
        # one upper bound, the tighter: given two, SQLite seeks the index by either (the clock's, as
        # it happens) and filters out every call between the period's end and now (issue 13)
        end = min(period.end, now)
        stmt = stmt.where(
            Call.account_pk == account_pk, Call.call_start >= period.start, Call.call_start <= end
        )
    for name, column in EXACT.items():
        value = params.get(name)
        if value:
            stmt = stmt.where(column == value)
    cats = cat_ids_filter(
        session, account_pk, params.get("cat_ids") or [], link_categories, "link_pk", Call.link_pk
    )
    if cats is not None:
        stmt = stmt.where(cats)
    return stmt
