"""Calling (SPEC.md §9): initiateCall places a click-to-call through the call engine
(calls/engine.py), now or `delay` minutes later on the virtual clock."""

from __future__ import annotations

from datetime import timedelta

from mock_iovox.calls import engine
from mock_iovox.context import Ctx
from mock_iovox.handlers.registry import handles
from mock_iovox.payload import EXTRA
from mock_iovox.xmlio import Tree

#: the longest delay accepted, in minutes (a year; a guess)
MAX_DELAY = 525_600


@handles("Calling", "initiateCall")
def initiate_call(ctx: Ctx) -> Tree:
    engine.run_due(ctx.session, ctx.now)
    ctx.check()  # the payload reader's problems (Link ID Empty, Delay … not an integer) come alone
    item = ctx.items[0] if ctx.items else {}
    variables = {k: v for k, v in (item.get(EXTRA) or {}).items() if v}
    delay = int(item["delay"]) if item.get("delay") is not None else None
    req = engine.CallRequest(
        link_id=str(ctx.top.get("link_id") or ""),
        number=str(item.get("call_destination") or ""),
        call_type=engine.API,
        variables=variables,
    )
    try:
        engine.check(ctx.session, ctx.account_pk, req)
    except engine.EngineError as exc:
        for key, fields in exc.problems:
            ctx.add(key, **fields)
    if delay is not None and not 0 <= delay <= MAX_DELAY:
        ctx.add("delay_invalid")
    ctx.check()
    if delay:
        call = engine.schedule_call(ctx.session, ctx.account_pk, req, ctx.now + timedelta(minutes=delay))
        return {"call_id": call.call_id}
    return {"call_id": engine.place_call(ctx.session, ctx.account_pk, req, ctx.now).call_id}
