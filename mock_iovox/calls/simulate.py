"""A simulated call as the mock's own tools place it (`mock-iovox call`, `POST /__mock__/calls`):
find the account that owns the link, run the calls that fell due, then the engine (calls/engine.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox import clock
from mock_iovox.calls import engine
from mock_iovox.catalog import find_method
from mock_iovox.db import ApiUser, Link

#: the tools' words for the engine's problems that initiateCall never meets
_TEXT = {"no_voxnumber": "the link has no VoxNumber, so nobody can dial it"}


class SimulateError(Exception):
    """Why the call could not be placed (one line; nothing was written)."""


def place(session: Session, req: engine.CallRequest, username: str | None = None) -> engine.Outcome:
    """Place `req` now on the environment's clock, for the account owning the link (or `username`'s)."""
    if username:
        owners = list(session.scalars(select(ApiUser.account_pk).where(ApiUser.username == username)))
    else:
        owners = list(session.scalars(select(Link.account_pk).where(Link.link_id == req.link_id)))
    if len(owners) != 1:
        raise SimulateError(
            f"no link {req.link_id!r}" if not owners else "several accounts have this link: name the user"
        )
    now = clock.now(session)
    engine.run_due(session, now)
    try:
        return engine.place_call(session, owners[0], req, now)
    except engine.EngineError as exc:
        method = find_method("Calling", "initiateCall")
        assert method is not None
        texts = [_TEXT.get(key) or method.errors[key].text.format(**fields) for key, fields in exc.problems]
        raise SimulateError("; ".join(texts)) from None


def cdr_json(outcome: engine.Outcome) -> dict[str, Any]:
    """The CDR's columns as JSON values (times as the vendor writes them)."""
    out: dict[str, Any] = {}
    for column in outcome.call.__table__.columns:
        value = getattr(outcome.call, column.name)
        out[column.name] = value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else value
    return out
