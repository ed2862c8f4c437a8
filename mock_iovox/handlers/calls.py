"""Calls (SPEC.md §7): CDRs (getCallData), aggregates (getCallMetrics) and recordings."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, String, Table, bindparam, func, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from mock_iovox.calls import counts, engine, metrics, periods
from mock_iovox.calls.audio import render_mp3
from mock_iovox.calls.filters import EXACT, filtered
from mock_iovox.catalog.calls import GROUP_FIELDS, MAX_GROUP_FIELDS
from mock_iovox.context import Binary, Ctx, ListResult, SqlExpr, run_listing, text_value
from mock_iovox.db import (
    Call,
    Category,
    Recording,
    call_categories,
    contact_categories,
    link_categories,
    node_categories,
)
from mock_iovox.handlers.registry import handles

#: getCallData field abbreviation -> CDR column (ct/tt select seconds; `_durations` formats them)
CDR_COLUMNS: dict[str, SqlExpr] = {
    "id": Call.call_id,
    # read as text: the stored "YYYY-MM-DD HH:MM:SS.ffffff" cut to seconds in `decorate` costs far
    # less than parsing it into a datetime and formatting it back; the SQL (and so the index used
    # for ordering) is unchanged
    "cs": type_coerce(Call.call_start, String),
    "ce": type_coerce(Call.call_end, String),
    "co": Call.call_origin,
    "coe": Call.call_origin_encoded,
    "col": Call.call_origin_location,
    "vn": Call.voxnumber,
    "cd": Call.call_destination,
    "detail": Call.detail,
    "ct": Call.call_time_sec,
    "cts": Call.call_time_sec,
    "tt": Call.talk_time_sec,
    "tts": Call.talk_time_sec,
    "ctype": Call.call_type,
    "call_res": Call.call_result,
    "rule_res": Call.rule_result,
    "nid": Call.node_id,
    "nname": Call.node_name,
    "ntype": Call.node_type,
    "lid": Call.link_id,
    "lname": Call.link_name,
    "ltype": Call.link_type,
    "has_rec": Call.has_recording,
    "es": Call.email_sent,
    "direction": Call.direction,
}

#: category group -> (association table, its owner column, the CDR column pointing at the owner)
CATEGORY_GROUPS: dict[str, tuple[Table, str, InstrumentedAttribute[Any]]] = {
    "categories/category": (link_categories, "link_pk", Call.link_pk),
    "node_categories/node_category": (node_categories, "node_pk", Call.node_pk),
    "contact_categories/contact_category": (contact_categories, "contact_pk", Call.contact_pk),
    "call_categories/call_category": (call_categories, "call_pk", Call.pk),
}
_MEMBER_COLUMNS = {"category_id": Category.category_id, "label": Category.label, "value": Category.value}


def _period(ctx: Ctx) -> periods.Period | None:
    p = ctx.params
    if p.get("id") and not (p.get("sdt") or p.get("edt") or p.get("dconst")):
        return None  # one call by id is found whatever its date, unless a period is asked for
    return periods.resolve(p.get("sdt"), p.get("edt"), p.get("dconst"), ctx.now)


def _decorate_cdrs(ctx: Ctx, formatted: bool = False) -> Any:
    """Formats the times and durations (unless `formatted`: done already) and adds the category
    groups asked for."""
    assert ctx.view is not None
    view = ctx.view

    def decorate(rows: list[dict[str, Any]], keys: Sequence[Any]) -> None:
        for row in [] if formatted else rows:
            for element in ("call_start", "call_end"):
                if element in row:
                    row[element] = row[element][:19]
            for element in ("call_time", "talk_time"):
                if element in row:
                    row[element] = metrics.hms(int(row[element] or 0))
        for group, (table, owner_col, call_col) in CATEGORY_GROUPS.items():
            members = [f for f in view.fields if f.group == group]
            if not members:
                continue
            owner = table.c[owner_col]
            query = (
                select(Call.pk, *[_MEMBER_COLUMNS[f.element] for f in members])
                .select_from(Call)
                .join(table, owner == call_col)
                .join(Category, Category.pk == table.c.category_pk)
                .where(Call.pk.in_(list(keys)))
                .order_by(Call.pk, Category.pk)
            )
            found: dict[int, list[dict[str, Any]]] = {}
            for record in ctx.session.execute(query):
                found.setdefault(record[0], []).append(
                    {f.element: record[i + 1] or "" for i, f in enumerate(members)}
                )
            outer, inner = group.split("/")
            for row, key in zip(rows, keys, strict=True):
                row[outer] = {inner: found.get(key, [])}

    return decorate


#: the getCallData fields the driver gives as str (NOT NULL text columns; not cs/ce, which only
#: SQLite stores as text: PostgreSQL's driver gives datetimes)
_TEXT_FIELDS = frozenset(
    abbr
    for abbr, column in CDR_COLUMNS.items()
    if isinstance(column.type, String) and abbr not in ("cs", "ce")
)


def _seconds_text(value: Any) -> str:
    return text_value(value)[:19]


def _duration(value: Any) -> str:
    return _hms(int(value or 0))


#: a call's durations are a few thousand distinct seconds: formatted once each (a cold page of
#: getCallData formats two per row)
_hms = lru_cache(maxsize=8192)(metrics.hms)


#: element -> its text from the raw value, for the fields `_decorate_cdrs` formats
_FORMAT = {
    "call_start": _seconds_text,
    "call_end": _seconds_text,
    "call_time": _duration,
    "talk_time": _duration,
}


@lru_cache(maxsize=256)
def _page_statement(
    columns: tuple[str, ...], order: str | None, descending: bool, link: bool, node: bool
) -> Select[Any]:
    """A page of CDRs filtered at most by link_id / node_id, built once per shape (the fields, the
    order, the filters): the same SQL as `filtered` + `run_listing` write, with bound parameters."""
    stmt: Select[Any] = select(*[CDR_COLUMNS[abbr].label(abbr) for abbr in columns], Call.pk).where(
        Call.account_pk == bindparam("account"),
        Call.call_start >= bindparam("start"),
        Call.call_start <= bindparam("end"),
    )
    stmt = counts.where_link_node(stmt, Call, link, node)
    ordering: list[Any] = []
    if order is not None:
        col = CDR_COLUMNS[order]
        ordering.append(col.desc() if descending else col.asc())
    return stmt.order_by(*ordering, Call.pk).offset(bindparam("offset")).limit(bindparam("limit"))


def _bucket_page(ctx: Ctx, period: periods.Period) -> ListResult:
    """getCallData filtered at most by link_id / node_id: the total from `call_days`, the page from a
    statement built once (what `run_listing` does, without building and compiling it per request)."""
    view = ctx.view
    assert view is not None
    total = counts.total(ctx.session, ctx.account_pk, ctx.params, period, ctx.now)
    link_id, node_id = ctx.params.get("link_id"), ctx.params.get("node_id")
    wanted = [f for f in view.fields if f.group is None and f.abbr in CDR_COLUMNS]
    order = view.order.abbr if view.order is not None and view.order.abbr in CDR_COLUMNS else None
    stmt = _page_statement(
        tuple(f.abbr for f in wanted), order, view.descending, bool(link_id), bool(node_id)
    )
    values = {
        "account": ctx.account_pk,
        "start": period.start,
        "end": min(period.end, ctx.now),
        "link_id": link_id,
        "node_id": node_id,
        "offset": view.offset,
        "limit": view.limit,
    }
    rows: list[dict[str, Any]] = []
    keys: list[Any] = []
    width = len(wanted)
    elements = [f.element for f in wanted]
    # text columns come back as str: only the numbers, flags and times are converted (as
    # text_value and `_decorate_cdrs` would, in one step)
    convert = [(f.element, _FORMAT.get(f.element, text_value)) for f in wanted if f.abbr not in _TEXT_FIELDS]
    for record in ctx.session.connection().execute(stmt, values).all():
        row = dict(zip(elements, record, strict=False))  # (the trailing pk left out)
        for element, fn in convert:
            row[element] = fn(row[element])
        rows.append(row)
        keys.append(record[width])
    if rows:
        _decorate_cdrs(ctx, formatted=True)(rows, keys)
    return ListResult(rows, total, view.page, view.limit)


@handles("Calls", "getCallData")
def get_call_data(ctx: Ctx) -> ListResult:
    engine.run_due(ctx.session, ctx.now)  # delayed click-to-calls whose time has come
    period = _period(ctx)
    if period is not None and counts.applies(ctx.params, EXACT, period):
        return _bucket_page(ctx, period)
    stmt = filtered(ctx, select(Call.pk), period)
    return run_listing(ctx, stmt, CDR_COLUMNS, [Call.pk], decorate=_decorate_cdrs(ctx))


@handles("Calls", "getCallMetrics")
def get_call_metrics(ctx: Ctx) -> ListResult:
    engine.run_due(ctx.session, ctx.now)
    names = [n.strip() for n in (ctx.params.get("group_fields") or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in GROUP_FIELDS]
    if unknown:
        ctx.add("group_fields_invalid", fields=",".join(unknown))
    if len(names) > MAX_GROUP_FIELDS:
        ctx.add("group_fields_too_many")
    ctx.check()
    names = list(dict.fromkeys(names))  # a repeated group field groups once
    period = periods.resolve(ctx.params.get("sdt"), ctx.params.get("edt"), None, ctx.now)
    view = ctx.view
    assert view is not None
    grouped = metrics.grouping(
        ctx.session, ctx.account_pk, ctx.now, ctx.params, period, names, [f.abbr for f in view.fields]
    )
    groups, aggregates, stmt = grouped.groups, grouped.aggregates, grouped.stmt
    # one pass: the page of groups and, through a window count, how many groups there are (a
    # separate COUNT would run the whole aggregation a second time)
    query = (
        stmt.with_only_columns(*aggregates, *groups, func.count().over().label("total"))
        .order_by(*groups)
        .offset(view.offset)
        .limit(view.limit)
    )
    rows: list[dict[str, Any]] = []
    total = 0
    width = len(aggregates)
    for record in ctx.session.execute(query):
        row = {f.element: text_value(record[i]) for i, f in enumerate(view.fields)}
        metrics.format_row(row, period.days)
        row["period"] = metrics.period_text(period.start, period.end)
        for name, value in zip(names, record[width : width + len(groups)], strict=True):
            row[GROUP_FIELDS[name]] = metrics.group_value(name, value)
        rows.append(row)
        total = record[-1]
    if not rows and view.offset:
        total = ctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return ListResult(rows, total, view.page, view.limit)


def _recording(ctx: Ctx, kind: str) -> Binary:
    engine.run_due(ctx.session, ctx.now)
    call = ctx.session.scalar(
        select(Call).where(
            Call.account_pk == ctx.account_pk, Call.call_id == ctx.params["id"], Call.call_start <= ctx.now
        )
    )
    if call is None:
        ctx.fail("call_not_found")
    voicemail = kind == "voicemail"
    if not (call.has_voicemail if voicemail else call.has_recording):
        ctx.fail("no_recording")
    cached = ctx.session.scalar(
        select(Recording.mp3).where(Recording.call_pk == call.pk, Recording.kind == kind)
    )
    if cached is not None:
        return Binary(cached)
    seconds = min(call.voicemail_sec if voicemail else call.talk_time_sec, ctx.settings.recording_cap_seconds)
    mp3 = render_mp3(f"{kind}:{call.call_id}", max(1, seconds), voicemail=voicemail)
    try:
        with ctx.session.begin_nested():
            ctx.session.add(Recording(call_pk=call.pk, kind=kind, mp3=mp3, created_at=ctx.now))
    except IntegrityError:
        pass  # rendered concurrently by another request: the bytes are identical anyway
    return Binary(mp3)


@handles("Calls", "getCallRecording")
def get_call_recording(ctx: Ctx) -> Binary:
    return _recording(ctx, "call")


@handles("Calls", "getVoicemailRecording")
def get_voicemail_recording(ctx: Ctx) -> Binary:
    return _recording(ctx, "voicemail")
