"""Outbound purchase callbacks (SPEC.md §8 step 4, DECISIONS.md §6): after an order with a
`callback_url` commits, its outcome is POSTed there as XML by a background thread, with a bounded
number of attempts and an exponential backoff; every attempt is logged in `callback_deliveries`,
which keeps only the newest rows per order and per account.

Delivery goes through the outbound policy (mock_iovox/outbound.py): allowed destinations only
(loopback by default, never the mock's own listeners), pinned to the address resolved once, no
redirects followed, TIMEOUT_SECONDS in all per attempt. A refused destination is one attempt,
logged with the policy's refusal, and not retried.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mock_iovox import clock, outbound
from mock_iovox.db import effects
from mock_iovox.db.engine import Database
from mock_iovox.db.numbering import CallbackDelivery

log = logging.getLogger("mock_iovox.callbacks")

#: attempts per order, and the pause before each retry (seconds); module-level so tests can shorten it
MAX_ATTEMPTS = 4
BACKOFF_SECONDS: tuple[float, ...] = (1.0, 2.0, 4.0)
TIMEOUT_SECONDS = 5.0
#: the delivery log keeps the newest rows: per order, and per account
KEEP_PER_ORDER = 10
KEEP_PER_ACCOUNT = 200
CONTENT_TYPE = "application/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Job:
    #: the delivery rows are written through its `writing()`, on the write lock like every writer
    database: Database
    account_pk: int
    order_pk: int
    url: str
    payload: bytes


def schedule_after_commit(session: Session, job: Job) -> None:
    """Start the delivery once the session's transaction has committed (never on rollback)."""

    def start() -> None:
        threading.Thread(target=deliver, args=(job,), name="mock-iovox-callback", daemon=True).start()

    effects.after_commit(session, "a purchase callback", start)


def _post(job: Job) -> outbound.Result:
    return outbound.send(job.url, "POST", job.payload, content_type=CONTENT_TYPE, timeout=TIMEOUT_SECONDS)


def deliver(job: Job) -> None:
    """POST until a 2xx answer, a refusal of the outbound policy (it would refuse again) or
    MAX_ATTEMPTS, logging each attempt. Never raises."""
    try:
        with outbound.SLOTS:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                result = _post(job)
                error = "" if result.ok else result.outcome
                record(job, attempt, result.status, error)
                if result.ok or result.outcome == outbound.REFUSED:
                    return
                if attempt < MAX_ATTEMPTS:
                    time.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1])
    except Exception:  # a background thread has nobody to report to but the log
        log.exception("callback delivery for order %s failed", job.order_pk)


def record(job: Job, attempt: int, status: int | None, error: str) -> None:
    with job.database.writing() as session:
        session.add(
            CallbackDelivery(
                account_pk=job.account_pk,
                order_pk=job.order_pk,
                url=job.url,
                attempt=attempt,
                status_code=status,
                error=error,
                payload=job.payload.decode("utf-8"),
                sent_at=clock.system_now(),
            )
        )
        session.flush()
        for column, value, keep in (
            (CallbackDelivery.order_pk, job.order_pk, KEEP_PER_ORDER),
            (CallbackDelivery.account_pk, job.account_pk, KEEP_PER_ACCOUNT),
        ):
            newest = (
                select(CallbackDelivery.pk)
                .where(column == value)
                .order_by(CallbackDelivery.pk.desc())
                .limit(keep)
            )
            session.execute(
                delete(CallbackDelivery).where(column == value, CallbackDelivery.pk.not_in(newest))
            )
