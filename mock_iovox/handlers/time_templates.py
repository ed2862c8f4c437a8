"""Rules: time templates (SPEC.md §5.5) - named sets of date/time frames that blocking rules use.

Frames are checked and evaluated by `mock_iovox.domain.blocking`; this module applies the vendor's item
errors and keeps templates and the blocking rules that use them consistent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update

from mock_iovox.context import Ctx, ListResult, SqlExpr, by_vendor_id, repeated, run_listing
from mock_iovox.db import BlockedNumber, TimeTemplate
from mock_iovox.db.flows import BlockedNumberRule
from mock_iovox.domain.blocking import DAYS, TimeFrame, frames_to_json
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import JsonList, Tree


def render_frames(frames_json: str) -> Tree:
    """`<time_frames><time_frame>…<days><day/>…</days></time_frame>…</time_frames>`; `days.day` is a
    JSON list even for one day (PHP-MODELS.md §3)."""
    frames = []
    for data in json.loads(frames_json or "[]"):
        frame = {k: data.get(k, "") for k in ("date_from", "date_to", "recurrence", "time_from", "time_to")}
        frames.append({**frame, "days": {"day": JsonList(data.get("days") or [])}})
    return {"time_frame": frames}


def read_frames(ctx: Ctx, frames: Sequence[dict[str, Any]]) -> list[TimeFrame]:
    """The items' frames as domain values, recording `Day`/`Time Frame x of y Invalid`."""
    out: list[TimeFrame] = []
    for fx, item in enumerate(frames, 1):
        days: list[str] = []
        for dx, day in enumerate(item["days"], 1):
            if day.upper() not in DAYS:
                ctx.add("day_invalid", x=dx, y=len(item["days"]))
            elif day.upper() not in days:
                days.append(day.upper())
        frame = TimeFrame(
            item["date_from"],
            item["date_to"],
            item["recurrence"] or "NONE",
            item["time_from"],
            item["time_to"],
            tuple(sorted(days, key=DAYS.index)),
        )
        if not frame.valid():
            ctx.add("time_frame_invalid", x=fx, y=len(frames))
        out.append(frame)
    return out


def templates_by_label(ctx: Ctx, labels: Sequence[str]) -> dict[str, TimeTemplate]:
    return by_vendor_id(ctx, TimeTemplate, "label", labels)


@handles("Rules", "getTimeTemplates")
def get_time_templates(ctx: Ctx) -> ListResult:
    stmt = select(TimeTemplate.pk).where(TimeTemplate.account_pk == ctx.account_pk)
    if ctx.params.get("time_template_label"):
        stmt = stmt.where(TimeTemplate.label == ctx.params["time_template_label"])
    columns: dict[str, SqlExpr] = {
        "l": TimeTemplate.label,
        "n": TimeTemplate.notes,
        "tf": TimeTemplate.frames_json,
        "c": TimeTemplate.created_at,
    }

    def frames(rows: list[dict[str, Any]], _keys: Sequence[Any]) -> None:
        for row in rows:
            if "time_frames" in row:
                row["time_frames"] = render_frames(row["time_frames"])

    return run_listing(ctx, stmt, columns, [TimeTemplate.pk], decorate=frames)


@handles("Rules", "createTimeTemplates")
def create_time_templates(ctx: Ctx) -> Tree:
    labels = [item["label"] or "" for item in ctx.items]
    if repeated(labels):
        ctx.fail("duplicate_label")
    taken = templates_by_label(ctx, labels)
    total = len(ctx.items)
    planned: list[list[TimeFrame]] = []
    for x, item in enumerate(ctx.items, 1):
        if "," in labels[x - 1]:
            ctx.add("label_invalid", x=x, y=total)
        if labels[x - 1] in taken:
            ctx.add("label_exists", x=x, y=total)
        planned.append(read_frames(ctx, item["time_frames"]))
    ctx.check()
    for item, label, frames in zip(ctx.items, labels, planned, strict=True):
        ctx.session.add(
            TimeTemplate(
                account_pk=ctx.account_pk,
                label=label,
                notes=item["notes"] or "",
                frames_json=frames_to_json(frames),
                created_at=ctx.now,
            )
        )
    return {"time_templates": {"time_template": [{"label": label} for label in labels]}}


@handles("Rules", "updateTimeTemplates")
def update_time_templates(ctx: Ctx) -> None:
    labels = [item["label"] or "" for item in ctx.items]
    new_labels = [item["new_label"] for item in ctx.items]
    if repeated(labels) or repeated(new_labels):
        ctx.fail("duplicate_label")
    known = templates_by_label(ctx, labels + [n for n in new_labels if n])
    total = len(ctx.items)
    planned: list[tuple[TimeTemplate, dict[str, Any]]] = []
    for x, (item, label, new_label) in enumerate(zip(ctx.items, labels, new_labels, strict=True), 1):
        if new_label and "," in new_label:
            ctx.add("label_invalid", x=x, y=total)
        frames = read_frames(ctx, item["time_frames"])
        template = known.get(label)
        if template is None:
            ctx.add("label_not_found", x=x, y=total)
            continue
        holder = known.get(new_label or "")
        if holder is not None and holder.pk != template.pk:
            ctx.add("new_label_exists", x=x, y=total)
        values: dict[str, Any] = {}
        if new_label:
            values["label"] = new_label
        if item["notes"] is not None:
            values["notes"] = item["notes"]
        if frames:
            values["frames_json"] = frames_to_json(frames)
        planned.append((template, values))
    ctx.check()
    # blocking rules hold the template's key, so a rename carries them along
    for template, values in planned:
        for name, value in values.items():
            setattr(template, name, value)


@handles("Rules", "deleteTimeTemplates")
def delete_time_templates(ctx: Ctx) -> None:
    labels = [part.strip() for part in ctx.params["time_template_labels"].split(",")]
    known = templates_by_label(ctx, labels)
    force = bool(ctx.params["force"])
    total = len(labels)
    doomed = {known[label].pk for label in labels if label in known}
    users: dict[int, list[str]] = {}
    if doomed:
        for template_pk, number in ctx.session.execute(
            select(BlockedNumberRule.time_template_pk, BlockedNumber.number)
            .join(BlockedNumber, BlockedNumber.pk == BlockedNumberRule.blocked_number_pk)
            .where(BlockedNumberRule.time_template_pk.in_(doomed))
            .order_by(BlockedNumber.pk)
        ):
            numbers = users.setdefault(template_pk or 0, [])
            if number not in numbers:
                numbers.append(number)
    reported: set[int] = set()
    for x, label in enumerate(labels, 1):
        template = known.get(label)
        if template is None:
            ctx.add("label_not_found", x=x, y=total)
        elif template.pk in users and not force and template.pk not in reported:
            reported.add(template.pk)
            ctx.add("label_in_use", numbers=",".join(users[template.pk]))
    ctx.check()
    if doomed:
        # force=TRUE: the rules stay, without their time template (SPEC.md §5.5)
        ctx.session.execute(
            update(BlockedNumberRule)
            .where(BlockedNumberRule.time_template_pk.in_(doomed))
            .values(time_template_pk=None)
        )
        ctx.session.execute(delete(TimeTemplate).where(TimeTemplate.pk.in_(doomed)))
