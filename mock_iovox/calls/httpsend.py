"""A call flow's httpRequest rules, sent after the call's transaction commits (never inside it).

The engine (calls/engine.py) writes each request to the outbox as `queued` and hands a `Job` to
`queue`; once the transaction commits, a thread sends the jobs through the outbound policy
(mock_iovox/outbound.py) and writes each outcome in its outbox row. A rolled-back transaction sends
nothing (its jobs are dropped, and a job whose row is not there as queued is skipped). The mock's
own tools (`POST /__mock__/calls`, the dashboard, `mock-iovox call`) `take` the jobs before their
commit and `run` them after it, so the trace they show has the outcomes.

Bounds: each request REQUEST_SECONDS in all, the requests of one call CALL_SECONDS together (a
request that finds the call's time spent is not sent, and says so).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from mock_iovox import outbound
from mock_iovox.db import effects
from mock_iovox.db.calls import OutboxMessage
from mock_iovox.db.engine import Database

log = logging.getLogger("mock_iovox.httpsend")

#: seconds one request may take in all (connect, TLS, send, answer)
REQUEST_SECONDS = 2.0
#: seconds the requests of one call may take together
CALL_SECONDS = 5.0
QUEUED, SENDING = "queued", "sending"
#: what the trace says of a request until it is sent (replaced by its outcome where one waits)
PENDING = "sent after the call"
SPENT = f"skipped: the call's {CALL_SECONDS:g} s for requests were spent"
_KEY = "mock_iovox.http_jobs"


@dataclass(frozen=True, slots=True)
class Job:
    #: the outcome rows are written through its `writing()`, on the write lock like every writer
    database: Database
    outbox_pk: int
    call_id: str
    url: str
    method: str
    body: str
    #: the call's trace line that names this request (PENDING until sent)
    line: str


def queue(session: Session, job: Job) -> None:
    """Send `job` once the session's transaction commits (never on rollback)."""
    effects.check_outside_batch(session, "an httpRequest rule")
    jobs = session.info.get(_KEY)
    if jobs is None:
        jobs = session.info[_KEY] = []
        event.listen(session, "after_commit", _committed, once=True)
        event.listen(session, "after_rollback", _rolled_back, once=True)
    jobs.append(job)


def take(session: Session) -> list[Job]:
    """The session's jobs, which the caller will `run` after its commit (nobody else sends them)."""
    return list(session.info.pop(_KEY, []))


def _committed(session: Session) -> None:
    jobs = take(session)
    if jobs:
        threading.Thread(target=_background, args=(jobs,), name="mock-iovox-http", daemon=True).start()


def _rolled_back(session: Session) -> None:
    session.info.pop(_KEY, None)


def _background(jobs: list[Job]) -> None:
    try:
        run(jobs)
    except Exception:  # a background thread has nobody to report to but the log
        log.exception("httpRequest delivery failed")


def _set_status(job: Job, status: str, expected: str) -> bool:
    """Write the row's status if it still has `expected` (a rolled-back call's row is not there)."""
    with job.database.writing() as session:
        done = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.pk == job.outbox_pk,
                OutboxMessage.status == expected,
                OutboxMessage.call_id == job.call_id,
                OutboxMessage.recipient == job.url[:1000],
            )
            .values(status=status[:255])
        )
        return bool(getattr(done, "rowcount", 0))


def run(jobs: list[Job]) -> dict[int, str]:
    """Send the jobs (each call's in order, within its time), recording every outcome; the
    outcomes by outbox row."""
    out: dict[int, str] = {}
    ends: dict[str, float] = {}
    for job in jobs:
        end = ends.setdefault(job.call_id, time.monotonic() + CALL_SECONDS)
        left = end - time.monotonic()
        if left <= 0:  # not sent: one write says so
            if _set_status(job, SPENT, QUEUED):
                out[job.outbox_pk] = SPENT
            continue
        if not _set_status(job, SENDING, QUEUED):
            continue
        body = job.body.encode() if job.method == "POST" else None
        url = job.url if body is not None or not job.body else _with_query(job.url, job.body)
        with outbound.SLOTS:
            outcome = outbound.send(url, job.method, body, timeout=min(REQUEST_SECONDS, left)).outcome
        _set_status(job, outcome, SENDING)
        out[job.outbox_pk] = outcome
    return out


def _with_query(url: str, query: str) -> str:
    return url + ("&" if "?" in url else "?") + query


def run_now(jobs: list[Job], trace: list[str]) -> list[str]:
    """`run` the jobs and put their outcomes in the trace in place of PENDING."""
    outcomes = run(jobs)
    lines = {job.line: job.line.replace(PENDING, outcomes.get(job.outbox_pk, PENDING)) for job in jobs}
    return [lines.get(line, line) for line in trace]
