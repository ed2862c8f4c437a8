"""JsApi.createActionKey / getActionKey: one action key per link and action, kept per account
(invented shapes, see the catalogue's guesses)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from mock_iovox.context import Ctx
from mock_iovox.db import Link
from mock_iovox.db.calls import ActionKey
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

DEFAULT_ACTION = "initiateCall"


def _link(ctx: Ctx, link_id: str) -> Link:
    link = ctx.session.scalar(select(Link).where(Link.account_pk == ctx.account_pk, Link.link_id == link_id))
    if link is None:
        ctx.fail("link_id_not_found")
    return link


@handles("JsApi", "createActionKey")
def create_action_key(ctx: Ctx) -> Tree:
    link = _link(ctx, str(ctx.top.get("link_id") or ""))
    action = str(ctx.top.get("action") or DEFAULT_ACTION)
    row = ctx.session.scalar(
        select(ActionKey).where(ActionKey.link_pk == link.pk, ActionKey.action == action)
    )
    if row is None:
        row = ActionKey(account_pk=ctx.account_pk, link_pk=link.pk, action=action, key="", created_at=ctx.now)
        ctx.session.add(row)
    # a new key replaces the old one; derived from the link, the action and the clock (reproducible)
    seed = f"{ctx.env}|{ctx.account_pk}|{link.link_id}|{action}|{ctx.now.isoformat()}|{row.key}"
    row.key = hashlib.sha256(seed.encode()).hexdigest()[:32]
    row.created_at = ctx.now
    ctx.session.flush()
    return {"action_key": row.key}


@handles("JsApi", "getActionKey")
def get_action_key(ctx: Ctx) -> Tree:
    link = _link(ctx, str(ctx.params.get("link_id") or ""))
    action = str(ctx.params.get("action") or DEFAULT_ACTION)
    key = ctx.session.scalar(
        select(ActionKey.key).where(ActionKey.link_pk == link.pk, ActionKey.action == action)
    )
    if key is None:
        ctx.fail("no_action_key")
    return {"action_key": key}
