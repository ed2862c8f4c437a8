"""SMS.sendSms: the message lands in the environment's outbox (calls/outbox.py); nothing is sent."""

from __future__ import annotations

import re

from sqlalchemy import select

from mock_iovox.calls import outbox
from mock_iovox.catalog.sms import ORIGIN_MAX
from mock_iovox.context import Ctx
from mock_iovox.db import Link
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

#: SMS activity ids are this base + the outbox row's pk
ACTIVITY_BASE = 8_000_000_000

#: the vendor page's origin: an E.164 number without + or 00, or a short alphanumeric sender name
#: (letters, digits, spaces and full stops; no other special characters)
_ORIGIN_NUMBER = re.compile(r"[1-9][0-9]{0,14}")
_ORIGIN_NAME = re.compile(rf"[A-Za-z0-9 .]{{1,{ORIGIN_MAX}}}")
#: a destination phone number: E.164 digits, an optional leading + or 00
_DESTINATION = re.compile(r"(?:\+|00)?([1-9][0-9]{5,14})")


def _check_numbers(ctx: Ctx, origin: str, destination: str) -> None:
    if origin and not (_ORIGIN_NUMBER.fullmatch(origin) or _ORIGIN_NAME.fullmatch(origin)):
        ctx.add("origin_invalid")
    if destination and not _DESTINATION.fullmatch(destination):
        ctx.add("destination_invalid")


@handles("SMS", "sendSms")
def send_sms(ctx: Ctx) -> Tree:
    top = ctx.top
    _check_numbers(ctx, str(top.get("origin") or ""), str(top.get("destination") or ""))
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
