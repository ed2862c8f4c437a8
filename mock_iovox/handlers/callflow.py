"""CallFlow and Flow (SPEC.md §5.6): call flows (rule templates) as validated XML documents.

The Flow interface is the documented generic family (call, SMS and e-mail flows); it shares these
handlers, which differ only in which kinds they accept and in their error keys.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.exc import IntegrityError

from mock_iovox import errors
from mock_iovox.context import Ctx, ListResult, run_listing
from mock_iovox.db import CallFlow
from mock_iovox.errors import IovoxError
from mock_iovox.flows import store
from mock_iovox.flows.model import Flow
from mock_iovox.flows.parse import FlowError, flow_elements, read_flow
from mock_iovox.flows.vocabulary import FLOW_ROOTS
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree, write_node

ALL_KINDS = tuple(FLOW_ROOTS.values())
CALL_ONLY = ("CALL",)


@dataclass(frozen=True, slots=True)
class Family:
    """What differs between the CallFlow methods and their Flow aliases."""

    kinds: tuple[str, ...]
    not_found: str
    attached: str
    names_param: str


CALLFLOW = Family(CALL_ONLY, "call_flow_not_found", "call_flow_attached", "call_flows")
FLOW = Family(ALL_KINDS, "flow_not_found", "flow_attached", "flows")


# ---------------------------------------------------------------------------------------------
# listing (shared with getRuleTemplates)


def list_templates(ctx: Ctx, kinds: Collection[str]) -> ListResult:
    stmt = select(CallFlow.pk).where(store.visible(ctx), CallFlow.kind.in_(list(kinds)))
    p = ctx.params
    if p.get("template_name"):
        stmt = stmt.where(CallFlow.name == p["template_name"])
    if p.get("template_type") in (store.DEFAULT, store.CUSTOM):
        stmt = stmt.where(CallFlow.template_type == p["template_type"])
    if p.get("advanced"):
        stmt = stmt.where(CallFlow.advanced.is_(p["advanced"] == "YES"))
    columns: dict[str, Any] = {
        "tna": CallFlow.name,
        "tno": CallFlow.notes,
        "tt": CallFlow.template_type,
        "c": CallFlow.created_at,
        "a": case((CallFlow.advanced.is_(True), "YES"), else_="NO"),
    }
    return run_listing(ctx, stmt, columns, [CallFlow.pk])


@handles("CallFlow", "getCallFlows")
def get_call_flows(ctx: Ctx) -> ListResult:
    return list_templates(ctx, CALL_ONLY)


@handles("Flow", "getFlows")
def get_flows(ctx: Ctx) -> ListResult:
    kind = ctx.params.get("flow_type")
    return list_templates(ctx, (kind,) if kind else ALL_KINDS)


# ---------------------------------------------------------------------------------------------
# one flow's XML


def _document(row: CallFlow) -> Tree:
    # XML only (PHP reads it with simplexml): <response><callFlow name=".." notes="..">rules…
    source = store.flow_of(row).source
    return {source.tag: source}


@handles("CallFlow", "getCallFlow")
def get_call_flow(ctx: Ctx) -> Tree:
    row = store.find_flow(ctx, CALL_ONLY, ctx.params["call_flow"])
    if row is None:
        ctx.fail("call_flow_not_found")
    return _document(row)


@handles("Flow", "getFlow")
def get_flow(ctx: Ctx) -> Tree:
    row = store.find_flow(ctx, [ctx.params["flow_type"]], ctx.params["flow_name"])
    if row is None:
        ctx.fail("flow_not_found")
    return _document(row)


# ---------------------------------------------------------------------------------------------
# create / update


def _read(ctx: Ctx, kinds: Collection[str]) -> Flow:
    """The one flow of the body, valid, with every sound file it names existing; or all problems."""
    assert ctx.raw is not None
    elements = flow_elements(ctx.raw, kinds)
    if not elements:
        raise IovoxError.one(errors.REQUEST_EMPTY)
    if len(elements) > 1:
        ctx.fail("too_many_flows")
    try:
        flow = read_flow(elements[0])
    except FlowError as exc:
        for problem in exc.problems:
            ctx.add(problem.key, **problem.fields)
        ctx.check()
        raise  # pragma: no cover - check() raised
    missing = store.missing_sounds(ctx, flow.sound_refs)
    played = {
        part for rule in flow.walk() if rule.element == "play" for m in rule.messages for part in m.parts
    }
    if any(ref in played for ref in missing):
        ctx.add("play_sound_file_not_found")
    for ref in missing:
        if ref not in played:
            ctx.add("sound_file_not_found", value=ref.ref)
    return flow


def _store_xml(flow: Flow) -> str:
    return write_node(flow.source)


def create(ctx: Ctx, kinds: Collection[str]) -> Tree:
    flow = _read(ctx, kinds)
    if store.name_taken(ctx, flow.kind, flow.name):
        ctx.add("name_exists")
    ctx.check()
    ctx.session.add(
        CallFlow(
            account_pk=ctx.account_pk,
            kind=flow.kind,
            name=flow.name,
            notes=flow.notes,
            xml=_store_xml(flow),
            template_type=store.CUSTOM,
            advanced=flow.advanced,
            created_at=ctx.now,
        )
    )
    try:
        ctx.session.flush()
    except IntegrityError:  # the same name created by a concurrent request
        ctx.fail("name_exists")
    return {flow.source.tag: {"@name": flow.name}}


def update(ctx: Ctx, family: Family) -> None:
    flow = _read(ctx, family.kinds)
    row = store.find_flow(ctx, [flow.kind], flow.name, own_only=True)
    if row is None:
        ctx.add(family.not_found)
    elif flow.new_name and flow.new_name != flow.name and store.name_taken(ctx, flow.kind, flow.new_name):
        ctx.add("name_exists")
    ctx.check()
    assert row is not None
    row.name = flow.new_name or flow.name
    row.notes = flow.notes
    row.xml = _store_xml(flow)
    row.advanced = flow.advanced
    ctx.session.flush()
    # links point at the row: they run the new version at once; values follow the rule ids
    store.reapply(ctx, row, store.flow_of(row))


@handles("CallFlow", "createCallFlow")
def create_call_flow(ctx: Ctx) -> Tree:
    return create(ctx, CALL_ONLY)


@handles("Flow", "createFlow")
def create_flow(ctx: Ctx) -> Tree:
    return create(ctx, ALL_KINDS)


@handles("CallFlow", "updateCallFlow")
def update_call_flow(ctx: Ctx) -> None:
    update(ctx, CALLFLOW)


@handles("Flow", "updateFlow")
def update_flow(ctx: Ctx) -> None:
    update(ctx, FLOW)


# ---------------------------------------------------------------------------------------------
# delete


def remove(ctx: Ctx, family: Family) -> None:
    names = [n.strip() for n in ctx.params[family.names_param].split("|")]
    total = len(names)
    found: list[CallFlow] = []
    detach = bool(ctx.params.get("detach_from_links"))
    for x, name in enumerate(names, 1):
        # system (DEFAULT) flows are nobody's to delete: as unknown as a typo
        row = store.find_flow(ctx, family.kinds, name, own_only=True) if name else None
        if row is None:
            ctx.add(family.not_found, x=x, y=total)
            continue
        if not detach and store.attached_anywhere(ctx, row):
            ctx.add(family.attached, x=x, y=total)
        found.append(row)
    ctx.check()
    for row in found:
        store.detach_everywhere(ctx, row)
    ctx.session.execute(delete(CallFlow).where(CallFlow.pk.in_([r.pk for r in found])))


@handles("CallFlow", "deleteCallFlows")
def delete_call_flows(ctx: Ctx) -> None:
    remove(ctx, CALLFLOW)


@handles("Flow", "deleteFlows")
def delete_flows(ctx: Ctx) -> None:
    remove(ctx, FLOW)
