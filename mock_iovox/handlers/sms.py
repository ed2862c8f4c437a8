"""SMS.sendSms: the message lands in the environment's outbox (calls/outbox.py); nothing is sent."""

from __future__ import annotations

from sqlalchemy import select

from mock_iovox.calls import outbox
from mock_iovox.context import Ctx
from mock_iovox.db import Link
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

#: SMS activity ids are this base + the outbox row's pk
ACTIVITY_BASE = 8_000_000_000


@handles("SMS", "sendSms")
def send_sms(ctx: Ctx) -> Tree:
    top = ctx.top
    failover = top.get("c2c_failover_link_id")
    if (
        failover
        and ctx.session.scalar(
            select(Link.pk).where(Link.account_pk == ctx.account_pk, Link.link_id == failover)
        )
        is None
    ):
        ctx.add("c2c_failover_link_not_found")
    ctx.check()
    row = outbox.add(
        ctx.session,
        ctx.account_pk,
        outbox.SMS,
        ctx.now,
        sender=str(top.get("origin") or ""),
        recipient=str(top.get("destination") or ""),
        body=str(top.get("message") or ""),
    )
    return {"sms_activity_id": str(ACTIVITY_BASE + row.pk)}
