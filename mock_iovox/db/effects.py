"""Effects outside the database, tied to a transaction: started only once it has committed, and
refused inside a batch's savepoint (server/dispatch.py: a batch may run its requests twice, so an
effect there could happen twice or for a request whose writes were rolled back). A method with such
an effect says so in the catalogue (`Method.alone`) and never shares a batch; one that forgot fails
loudly instead of sending twice."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

#: session.info key set by the dispatcher on a batch's session
BATCHED = "mock_iovox_batched"


class EffectInBatch(RuntimeError):
    """An effect outside the database was asked for inside a batched savepoint."""


def check_outside_batch(session: Session, what: str) -> None:
    """Raise if `session` runs a batch of requests: `what` (an HTTP request, a thread …) must not."""
    if session.info.get(BATCHED):
        raise EffectInBatch(f"{what} inside a batched savepoint: mark the method alone in the catalogue")


def after_commit(session: Session, what: str, effect: Callable[[], None]) -> None:
    """Run `effect` once the session's transaction has committed (never on rollback)."""
    check_outside_batch(session, what)
    event.listen(session, "after_commit", lambda _session: effect(), once=True)
