"""What the control plane adds to the vendor path: fault rules before the dispatcher, the journal
after it. Both read and write the environment's database (several workers agree)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mock_iovox import auth, xmlio
from mock_iovox.admin import faults, journal
from mock_iovox.admin.setup import ensure
from mock_iovox.db.engine import Database
from mock_iovox.errors import VendorError
from mock_iovox.settings import Settings
from mock_iovox.wire import Deliberate, Incoming, Outgoing, error_response, internal_error

#: a "malformed" fault: an XML answer cut short
MALFORMED_BODY = b'<?xml version="1.0" encoding="UTF-8"?>\n<response><result><node_id>'


@dataclass(frozen=True, slots=True)
class Reply:
    out: Outgoing
    #: seconds to wait before answering (a latency fault)
    delay: float = 0.0
    #: close the connection instead of answering (a drop fault)
    drop: bool = False


def method_name(req: Incoming) -> tuple[str, str]:
    segments = [s for s in req.path.split("/") if s]
    interface = segments[-1] if segments else ""
    method = next((v for k, v in req.query if k == "method"), "").strip()
    return interface, method


class VendorHooks:
    def __init__(self, settings: Settings, databases: Mapping[str, Database]) -> None:
        self.settings = settings
        self.databases = databases
        for db in databases.values():
            ensure(db)

    def unchecked(self, req: Incoming, db: Database) -> Before:
        """`before` for an environment without fault rules."""
        interface, method = method_name(req)
        return Before(
            time.perf_counter(),
            datetime.now(UTC).replace(tzinfo=None),
            db,
            interface,
            method,
            (req.headers.get("username") or "").strip(),
            None,
            None,
        )

    def before(self, req: Incoming) -> Before:
        """Fault rules, matched on the username header as sent (before authentication)."""
        started = time.perf_counter()
        at = datetime.now(UTC).replace(tzinfo=None)
        db = self.databases[self.settings.choose_env(req.host)]
        interface, method = method_name(req)
        username = (req.headers.get("username") or "").strip()
        with db.locked() as conn, conn.begin():  # fire counts the rule's hits: a writer
            fired = faults.fire(conn, interface, method, username)
        return Before(started, at, db, interface, method, username, fired, _fault_reply(fired))

    def row(
        self, before: Before, req: Incoming, body: bytes, reply: Reply, reason: str = ""
    ) -> tuple[Any, ...]:
        """The journal row of one vendor request (values in journal._COLUMNS order); `reason`: why a
        401 was refused, kept for the portal (the wire never says)."""
        out = reply.out
        peer = auth.client_ip(req.peer, req.headers.get("x-forwarded-for"), self.settings.trusted_proxies)
        return (
            before.at.isoformat(" ", "microseconds"),
            before.db.env,
            before.username[:255],
            peer[:64],
            req.verb,
            req.path[:1000],
            f"{before.interface}.{before.method}"[:255],
            req.raw_query if req.raw_query is not None else urlencode(req.query),
            journal.bounded(body),
            len(body),
            0 if reply.drop else out.status,
            json.dumps(journal.error_strings(out.status, out.body)) if out.status >= 400 else "[]",
            before.fired.id if before.fired else None,
            (time.perf_counter() - before.started) * 1000 + reply.delay * 1000,
            reason[:1000],
            "" if reply.drop else journal.bounded_answer(out.body, out.content_type),
            0 if reply.drop else len(out.body),
        )

    def write_in(self, session: Session, row: tuple[Any, ...]) -> None:
        """One journal row in a writing transaction of the dispatcher (committed with its write)."""
        journal.record(session.connection(), self.settings.journal_size, row)

    def write(self, db: Database, row: tuple[Any, ...]) -> None:
        """One journal row (a ring of --journal-size rows), waiting for the database's write lock
        if another writer holds it (a thread's way; the event loop's is journal.GroupCommit)."""
        with db.locked() as conn, conn.begin():
            journal.record(conn, self.settings.journal_size, row)


@dataclass(frozen=True, slots=True)
class Before:
    """What the control plane decided before the dispatcher runs."""

    started: float
    at: datetime
    db: Database
    interface: str
    method: str
    username: str
    fired: faults.Fired | None
    #: the fault's own answer, or None when the dispatcher answers (maybe after `delay`)
    reply: Reply | None

    @property
    def delay(self) -> float:
        return self.fired.latency_ms / 1000 if self.fired else 0.0


def _fault_reply(fired: faults.Fired | None) -> Reply | None:
    if fired is None:
        return None
    delay = fired.latency_ms / 1000
    if fired.action == "error":
        assert fired.status is not None and fired.message is not None
        return Reply(error_response([VendorError(fired.status, fired.message)]), delay)
    if fired.action == "internal":
        return Reply(internal_error(), delay)
    if fired.action == "malformed":
        return Reply(Outgoing(200, MALFORMED_BODY, xmlio.XML_CONTENT_TYPE), delay)
    if fired.action == "drop":
        return Reply(Outgoing(0), delay, drop=True)
    return None  # latency only: the dispatcher answers


class ConnectionDropped(Deliberate):
    """Raised after the status line of a drop fault: the server closes the connection mid-answer."""


class _Dropped(Response):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        raise ConnectionDropped("drop fault: connection closed on purpose")


def dropped() -> Response:
    """A response that never completes: the client sees the connection closed (uvicorn closes a
    connection whose application failed after starting its answer)."""
    return _Dropped()
