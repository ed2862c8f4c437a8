"""Rules: blocked numbers (SPEC.md §5.5) - callers (IN) or destinations (OUT) blocked or allowed,
by default and per link within time templates.

An entry is addressed by (number, in_or_out, operator). Its rules are rows of BlockedNumberRule,
one per link id (NULL: every link), so that deleting a link or renaming a time template needs no
rewrite here. How an entry decides a call lives in `mock_iovox.domain.blocking`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from mock_iovox.context import Ctx, ListResult, SqlExpr, by_vendor_id, repeated, run_listing
from mock_iovox.db import BlockedNumber, Link, TimeTemplate
from mock_iovox.db.flows import BlockedNumberRule
from mock_iovox.domain.blocking import BLOCK, normalise_number
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

Key = tuple[str, str, str]


@dataclass(slots=True)
class PlannedRule:
    link_pk: int | None
    time_template_pk: int | None
    blocking_type: str


@dataclass(slots=True)
class Refs:
    """The links and time templates the items' rules name, looked up once."""

    links: dict[str, Link] = field(default_factory=dict)
    templates: dict[str, TimeTemplate] = field(default_factory=dict)


def load_refs(ctx: Ctx) -> Refs:
    link_ids = {lid for item in ctx.items for rule in item["rules"] for lid in rule["link_ids"]}
    labels = {rule["time_template"] for item in ctx.items for rule in item["rules"] if rule["time_template"]}
    return Refs(
        by_vendor_id(ctx, Link, "link_id", link_ids),
        by_vendor_id(ctx, TimeTemplate, "label", labels),
    )


def plan_rules(ctx: Ctx, rules: Sequence[dict[str, Any]], refs: Refs, x: int, y: int) -> list[PlannedRule]:
    """One row per link id (a rule without links: one row for every link); unknown links and
    templates are recorded against item x of y, once each."""
    out: list[PlannedRule] = []
    missing_link = missing_template = False
    for rule in rules:
        label = rule["time_template"]
        template = refs.templates.get(label) if label else None
        if label and template is None:
            missing_template = True
        blocking_type = rule["blocking_type"] or BLOCK
        template_pk = template.pk if template is not None else None
        for lid in rule["link_ids"] or [None]:
            link = refs.links.get(lid) if lid is not None else None
            if lid is not None and link is None:
                missing_link = True
                continue
            out.append(PlannedRule(link.pk if link else None, template_pk, blocking_type))
    if missing_link:
        ctx.add("link_id_not_found", x=x, y=y)
    if missing_template:
        ctx.add("time_template_not_found", x=x, y=y)
    return out


def entries_by_key(ctx: Ctx, keys: set[Key]) -> dict[Key, BlockedNumber]:
    numbers = {k[0] for k in keys}
    if not numbers:
        return {}
    rows = ctx.session.scalars(
        select(BlockedNumber).where(
            BlockedNumber.account_pk == ctx.account_pk, BlockedNumber.number.in_(numbers)
        )
    )
    return {(r.number, r.in_or_out, r.operator): r for r in rows}


def write_rules(ctx: Ctx, entry_pk: int, rules: Sequence[PlannedRule]) -> None:
    ctx.session.add_all(
        BlockedNumberRule(
            blocked_number_pk=entry_pk,
            link_pk=r.link_pk,
            time_template_pk=r.time_template_pk,
            blocking_type=r.blocking_type,
        )
        for r in rules
    )


def item_key(item: dict[str, Any]) -> tuple[Key | None, bool]:
    """(number, in_or_out, operator) of an item (None when incomplete), and whether the number is
    not one (`Number x of y Invalid`)."""
    raw = item["number"]
    number = normalise_number(raw) if raw else None
    if number is None or not item["in_or_out"] or not item["operator"]:
        return None, bool(raw) and number is None
    return (number, item["in_or_out"], item["operator"]), False


# --------------------------------------------------------------------------------------------------


@handles("Rules", "getBlockedNumbers")
def get_blocked_numbers(ctx: Ctx) -> ListResult:
    p = ctx.params
    stmt = select(BlockedNumber.pk).where(BlockedNumber.account_pk == ctx.account_pk)
    if p.get("number"):
        number = normalise_number(p["number"]) or p["number"]
        known = ctx.session.scalar(
            select(BlockedNumber.pk).where(
                BlockedNumber.account_pk == ctx.account_pk, BlockedNumber.number == number
            )
        )
        if known is None:
            ctx.fail("number_not_found")
        stmt = stmt.where(BlockedNumber.number == number)
    if p.get("operator"):
        stmt = stmt.where(BlockedNumber.operator == p["operator"])
    if p.get("in_or_out"):
        stmt = stmt.where(BlockedNumber.in_or_out == p["in_or_out"])
    columns: dict[str, SqlExpr] = {
        "no": BlockedNumber.number,
        "ioo": BlockedNumber.in_or_out,
        "op": BlockedNumber.operator,
        "nn": BlockedNumber.notes,
        "d": BlockedNumber.default,
    }
    wants_rules = ctx.view is not None and ctx.view.wants("rules")

    def add_rules(rows: list[dict[str, Any]], keys: Sequence[Any]) -> None:
        if not wants_rules:
            return
        found: dict[int, list[Tree]] = defaultdict(list)
        for owner, link_id, label, blocking_type in ctx.session.execute(
            select(
                BlockedNumberRule.blocked_number_pk,
                Link.link_id,
                TimeTemplate.label,
                BlockedNumberRule.blocking_type,
            )
            .outerjoin(Link, Link.pk == BlockedNumberRule.link_pk)
            .outerjoin(TimeTemplate, TimeTemplate.pk == BlockedNumberRule.time_template_pk)
            .where(BlockedNumberRule.blocked_number_pk.in_(list(keys)))
            .order_by(BlockedNumberRule.pk)
        ):
            rule: dict[str, Any] = {"links": {"link_id": link_id}} if link_id is not None else {}
            rule.update(time_template=label or "", blocking_type=blocking_type)
            found[owner].append(rule)
        for row, key in zip(rows, keys, strict=True):
            row["rules"] = {"rule": found.get(key, [])}

    return run_listing(ctx, stmt, columns, [BlockedNumber.pk], decorate=add_rules)


@handles("Rules", "createBlockedNumbers")
def create_blocked_numbers(ctx: Ctx) -> Tree:
    total = len(ctx.items)
    read = [item_key(item) for item in ctx.items]
    keys = [key for key, _ in read]
    existing = entries_by_key(ctx, {k for k in keys if k})
    refs = load_refs(ctx)
    seen: set[Key] = set()
    planned: list[list[PlannedRule]] = []
    for x, (item, (key, invalid)) in enumerate(zip(ctx.items, read, strict=True), 1):
        if invalid:
            ctx.add("number_invalid", x=x, y=total)
        if key is not None and (key in existing or key in seen):
            ctx.add("blocked_number_exists", x=x, y=total)
        if key is not None:
            seen.add(key)
        planned.append(plan_rules(ctx, item["rules"], refs, x, total))
    ctx.check()
    made: list[BlockedNumber] = []
    for item, key, rules in zip(ctx.items, keys, planned, strict=True):
        assert key is not None
        entry = BlockedNumber(
            account_pk=ctx.account_pk,
            number=key[0],
            in_or_out=key[1],
            operator=key[2],
            default=item["default"] or BLOCK,
            notes=item["notes"] or "",
            created_at=ctx.now,
        )
        ctx.session.add(entry)
        ctx.session.flush()
        write_rules(ctx, entry.pk, rules)
        made.append(entry)
    return {
        "blocked_numbers": {
            "blocked_number": [
                {"number": e.number, "in_or_out": e.in_or_out, "operator": e.operator} for e in made
            ]
        }
    }


@handles("Rules", "updateBlockedNumbers")
def update_blocked_numbers(ctx: Ctx) -> None:
    total = len(ctx.items)
    read = [item_key(item) for item in ctx.items]
    keys = [key for key, _ in read]
    targets: list[Key | None] = []
    for x, (item, (key, invalid)) in enumerate(zip(ctx.items, read, strict=True), 1):
        new_number = normalise_number(item["new_number"]) if item["new_number"] else None
        if invalid or (item["new_number"] and new_number is None):
            ctx.add("number_invalid", x=x, y=total)
        targets.append(
            None
            if key is None
            else (new_number or key[0], item["new_in_or_out"] or key[1], item["new_operator"] or key[2])
        )
    ctx.check()
    if repeated("\n".join(k) for k in keys if k) or repeated("\n".join(t) for t in targets if t):
        ctx.fail("duplicate_blocked_number")
    known = entries_by_key(ctx, {k for k in keys + targets if k})
    refs = load_refs(ctx)
    planned: list[tuple[BlockedNumber, Key, dict[str, Any], list[PlannedRule] | None]] = []
    replaced: set[int] = set()
    # an entry this request also changes cannot be overwritten by another item
    sources = {known[k].pk for k in keys if k in known}
    for x, (item, key, target) in enumerate(zip(ctx.items, keys, targets, strict=True), 1):
        rules = plan_rules(ctx, item["rules"], refs, x, total) if item["rules"] else None
        entry = known.get(key) if key else None
        if entry is None or target is None:
            ctx.add("blocked_number_not_found", x=x, y=total)
            continue
        holder = known.get(target)
        if holder is not None and holder.pk != entry.pk:
            if item["if_exist"] == "OVERWRITE" and holder.pk not in sources:
                replaced.add(holder.pk)
            else:
                ctx.add("blocked_number_exists", x=x, y=total)
        values = {k: item[k] for k in ("default", "notes") if item[k] is not None}
        planned.append((entry, target, values, rules))
    ctx.check()
    if replaced:
        ctx.session.execute(delete(BlockedNumber).where(BlockedNumber.pk.in_(replaced)))
        ctx.session.flush()
    for entry, target, values, rules in planned:
        entry.number, entry.in_or_out, entry.operator = target
        for name, value in values.items():
            setattr(entry, name, value)
        if rules is not None:
            ctx.session.execute(
                delete(BlockedNumberRule).where(BlockedNumberRule.blocked_number_pk == entry.pk)
            )
            write_rules(ctx, entry.pk, rules)


@handles("Rules", "deleteBlockedNumbers")
def delete_blocked_numbers(ctx: Ctx) -> None:
    parts = [part.split(";") for part in ctx.params["blocked_numbers"].split(",")]
    total = len(parts)
    wanted: list[Key | None] = []
    for x, fields in enumerate(parts, 1):
        values = [(fields[i].strip() if i < len(fields) else "") for i in range(3)]
        empty = [
            name for name, value in zip(("Number", "In Or Out", "Operator"), values, strict=True) if not value
        ]
        for name in empty:
            ctx.add("part_empty", part=name, x=x, y=total)
        number = normalise_number(values[0]) or values[0]
        wanted.append(None if empty else (number, values[1].upper(), values[2].upper()))
    known = entries_by_key(ctx, {k for k in wanted if k})
    numbers = {k[0] for k in known}
    doomed: set[int] = set()
    for x, key in enumerate(wanted, 1):
        if key is None:
            continue
        if key[0] not in numbers:
            ctx.add("blocked_number_not_found", x=x, y=total)
        elif key not in known:
            ctx.add("combination_not_found", x=x, y=total)
        else:
            doomed.add(known[key].pk)
    ctx.check()
    ctx.session.execute(delete(BlockedNumber).where(BlockedNumber.pk.in_(doomed)))
