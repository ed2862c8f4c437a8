"""The request journal: every vendor request, newest N kept (a ring), in the environment's database."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import unescape
from typing import Any, Protocol

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from mock_iovox.admin.store import JournalEntry
from mock_iovox.db.engine import Checkpoints
from mock_iovox.db.generations import LoopView

#: request bodies are kept up to this many bytes (the rest is cut, `body_bytes` tells the full size)
BODY_BOUND = 4096
_ERROR = re.compile(rb"<error status=\"\d+\">(.*?)</error>", re.S)


def error_strings(status: int, body: bytes) -> list[str]:
    """The messages of a vendor `<errors>` answer (none for a success)."""
    if status < 400 or not body.startswith(b"<?xml"):
        return []
    return [unescape(m.decode("utf-8", "replace")) for m in _ERROR.findall(body)]


_COLUMNS = (
    "at, env, username, peer, verb, path, method, query, body, body_bytes, status, errors, fault_id, "
    "duration_ms, reason, response, response_bytes"
)


#: the ring is trimmed when a row's id is a multiple of this (a DELETE per request cost more than the
#: INSERT itself); readers see only the newest `size` rows (`query`)
TRIM_EVERY = 64
_INSERT = f"INSERT INTO mock_journal ({_COLUMNS}) VALUES ({', '.join(['?'] * len(_COLUMNS.split(', ')))})"
_TRIM = "DELETE FROM mock_journal WHERE id <= ?"


def _append(raw: Any, size: int, rows: Sequence[tuple[Any, ...]], qmark: bool = True) -> None:
    """Insert `rows` on a driver connection (in its open transaction), trimming the ring when an
    id crosses a multiple of TRIM_EVERY."""
    insert = _INSERT if qmark else _INSERT.replace("?", "%s") + " RETURNING id"
    trim = 0
    for row in rows:
        new_id = raw.execute(insert, row).lastrowid if qmark else raw.execute(insert, row).fetchone()[0]
        if new_id and new_id % TRIM_EVERY == 0:
            trim = new_id
    if trim:
        raw.execute(_TRIM if qmark else _TRIM.replace("?", "%s"), (trim - size,))


def record(conn: Connection, size: int, row: tuple[Any, ...]) -> None:
    """Add one row (values in `_COLUMNS` order) in `conn`'s transaction, trimming the ring now and
    then. Straight on the driver's connection (no SQLAlchemy statement: ~30 us each; this runs on
    every vendor request, bench/asgi_bench.py); the journal bumps no generation anyway."""
    _append(conn.connection.driver_connection, size, [row], qmark=conn.dialect.paramstyle == "qmark")


def try_record(conn: sqlite3.Connection, size: int, rows: Sequence[tuple[Any, ...]]) -> bool:
    """`record` of several rows in one transaction, on a pysqlite connection in autocommit mode
    that never waits for the write lock (the event loop's, mock_iovox/cache.LoopView). False when
    the lock is held (or anything else failed), and nothing is written: then `record` in a thread
    waits for it, or reports the fault."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            _append(conn, size, rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.Error:
        return False
    return True


class Lock(Protocol):
    def acquire(self, blocking: bool = ...) -> bool: ...
    def release(self) -> None: ...


class GroupCommit:
    """Journal rows of the requests answered in one turn of the event loop, written together in
    one transaction at the end of that turn, each request waiting for its own before answering
    (so the journal shows a call once its answer is back). A commit costs far more than a row:
    measured 17 us for one row alone, under 5 us a row in eights (issue 13).

    The event loop never waits for a lock: while one of this process's writers holds the database
    (`lock`, Database.write_lock) or SQLite's lock is taken, the batch is tried again a millisecond
    later (rows keep joining it); after RETRY_FOR seconds each row goes to a thread that waits."""

    RETRY_EVERY = 0.001
    RETRY_FOR = 0.05
    #: this long without a commit (the loop's or a writing method's: `touch`), and the WAL is
    #: checkpointed (db.engine.Checkpoints.quiet)
    QUIET_AFTER = 0.2

    def __init__(self, view: LoopView, lock: Lock, size: int, checkpoints: Checkpoints | None) -> None:
        self.view = view
        self.lock = lock
        self.size = size
        self.checkpoints = checkpoints
        self._rows: list[tuple[Any, ...]] = []
        self._waiting: list[asyncio.Future[bool]] = []
        self._since: float | None = None
        self._last_commit = 0.0
        self._watching: asyncio.AbstractEventLoop | None = None  # the loop whose timer watches

    async def write(self, row: tuple[Any, ...]) -> bool:
        """True once the row is committed; False when it could not be written without waiting."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another event loop (anyio on trio): the row alone, at once
            return self._commit([row])
        if not self._rows:
            loop.call_soon(self._flush, loop)
        done: asyncio.Future[bool] = loop.create_future()
        self._rows.append(row)
        self._waiting.append(done)
        return await done

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        written = self._commit(self._rows)
        if not written:
            now = loop.time()
            self._since = now if self._since is None else self._since
            if now - self._since < self.RETRY_FOR:
                loop.call_later(self.RETRY_EVERY, self._flush, loop)
                return
        self._since = None
        if written:
            self.touch(loop)
        waiting = self._waiting
        self._rows, self._waiting = [], []
        for done in waiting:
            if not done.done():
                done.set_result(written)

    def touch(self, loop: asyncio.AbstractEventLoop) -> None:
        """A commit just now (this loop's, or a writing method's in a thread)."""
        self._last_commit = loop.time()
        if self._watching is not loop and self.checkpoints is not None:  # (a test client: a loop a request)
            self._watching = loop
            loop.call_later(self.QUIET_AFTER, self._watch, loop)

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """A few times a second while commits come: once they stop, the WAL is checkpointed."""
        idle = loop.time() - self._last_commit
        if idle >= self.QUIET_AFTER:
            self._watching = None
            if self.checkpoints is not None:
                self.checkpoints.quiet()
        else:
            loop.call_later(self.QUIET_AFTER - idle, self._watch, loop)

    def _commit(self, rows: list[tuple[Any, ...]]) -> bool:
        if not self.lock.acquire(blocking=False):
            return False
        try:
            written = try_record(self.view.connection(), self.size, rows)
        except Exception:
            written = False
        finally:
            self.lock.release()
        if written and self.checkpoints is not None:
            self.checkpoints.committed()
        return written


def bounded(body: bytes) -> str:
    return body[:BODY_BOUND].decode("utf-8", "replace")


def bounded_answer(body: bytes, content_type: str | None) -> str:
    """An answer's body as kept: text bounded like a request's; audio and other bytes only named."""
    kind = (content_type or "").split(";")[0].strip()
    if kind and not (kind.startswith("text/") or kind.endswith(("xml", "json"))):
        return f"({len(body)} bytes of {kind})"
    return bounded(body)


class FilterError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _time(value: str, field: str) -> datetime:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"{field} must be an ISO-8601 time", field) from None
    return at.replace(tzinfo=None)


def _int(value: str, field: str) -> int:
    if not value.lstrip("-").isdigit():
        raise FilterError(f"{field} must be an integer", field)
    return int(value)


def query(session: Session, params: Mapping[str, str], size: int) -> list[dict[str, Any]]:
    """Entries oldest first, filtered by method (`Interface.method` or just `method`), interface,
    status, user, since/until (ISO-8601), after (an id); the newest `limit` (default 100) of them,
    among the ring's newest `size`."""
    newest = select(func.max(JournalEntry.id)).scalar_subquery()
    stmt = select(JournalEntry).where(JournalEntry.id > newest - size)
    method = params.get("method")
    if method:
        if "." in method:
            stmt = stmt.where(JournalEntry.method == method)
        else:
            stmt = stmt.where(JournalEntry.method.like(f"%.{method}"))
    if params.get("interface"):
        stmt = stmt.where(JournalEntry.method.like(f"{params['interface']}.%"))
    if params.get("status"):
        stmt = stmt.where(JournalEntry.status == _int(params["status"], "status"))
    if params.get("user"):
        stmt = stmt.where(JournalEntry.username == params["user"])
    if params.get("since"):
        stmt = stmt.where(JournalEntry.at >= _time(params["since"], "since"))
    if params.get("until"):
        stmt = stmt.where(JournalEntry.at <= _time(params["until"], "until"))
    if params.get("after"):
        stmt = stmt.where(JournalEntry.id > _int(params["after"], "after"))
    limit = _int(params.get("limit", "100"), "limit")
    if limit < 1:
        raise FilterError("limit must be at least 1", "limit")
    rows = session.scalars(stmt.order_by(JournalEntry.id.desc()).limit(limit)).all()
    return [as_json(r) for r in reversed(rows)]


def as_json(r: JournalEntry) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": r.at.isoformat(),
        "env": r.env,
        "user": r.username,
        "peer": r.peer,
        "verb": r.verb,
        "path": r.path,
        "method": r.method,
        "query": r.query,
        "body": r.body,
        "body_bytes": r.body_bytes,
        "status": r.status,
        "errors": json.loads(r.errors),
        "fault_id": r.fault_id,
        "duration_ms": round(r.duration_ms, 3),
        "reason": r.reason,
        "response": r.response,
        "response_bytes": r.response_bytes,
    }


def clear(session: Session, size: int) -> int:
    """Empty the journal; how many entries it showed (rows past the ring wait for their trim)."""
    deleted: int = session.execute(delete(JournalEntry)).rowcount  # type: ignore[attr-defined]
    return min(deleted, size)
