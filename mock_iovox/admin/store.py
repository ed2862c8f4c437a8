"""The control plane's own tables: journal, fault rules, named snapshots.

They live in each environment's database (so every worker and instance agrees) but on their own
metadata, apart from the vendor data: a reset or a snapshot restore does not touch them.
"""

from __future__ import annotations

import weakref
from datetime import datetime

from sqlalchemy import Connection, Float, Integer, LargeBinary, MetaData, String, Text, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mock_iovox.db.engine import Database
from mock_iovox.db.generations import UNVERSIONED_TABLES


class ControlBase(DeclarativeBase):
    metadata = MetaData()


class JournalEntry(ControlBase):
    """One vendor request as the mock saw it."""

    __tablename__ = "mock_journal"
    # no index but the key: a ring of --journal-size rows is scanned in microseconds, and an index
    # added a page to every commit's share of the WAL (issue 13)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: wall-clock time the request arrived (UTC); `mock_now` is the environment's virtual clock
    at: Mapped[datetime] = mapped_column()
    env: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(255), default="")
    peer: Mapped[str] = mapped_column(String(64), default="")
    verb: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1000), default="")
    #: "Interface.method" as asked for (may name nothing that exists)
    method: Mapped[str] = mapped_column(String(255), default="")
    query: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_bytes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[int] = mapped_column(Integer)
    #: the vendor error strings of the answer, as a JSON list
    errors: Mapped[str] = mapped_column(Text, default="[]")
    #: the fault rule that shaped the answer, if any
    fault_id: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    #: why a 401 was refused (the log's reason; the wire never shows it), or why nothing was answered
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: the answer's body, bounded like `body`; `response_bytes` its full size
    response: Mapped[str] = mapped_column(Text, default="", server_default="")
    response_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class FaultRule(ControlBase):
    __tablename__ = "mock_faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: NULL = any
    interface: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(255))
    #: latency | error | internal | malformed | drop
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[float] = mapped_column(Float, default=1.0)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    #: fire at most this many times (NULL = no limit)
    times: Mapped[int | None] = mapped_column(Integer)
    #: matching requests seen, and how many of them the rule shaped
    seen: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class Snapshot(ControlBase):
    __tablename__ = "mock_snapshots"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    schema: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    #: zlib-compressed JSON (mock_iovox.admin.snapshots)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DirtyTable(ControlBase):
    """SQLite only: vendor tables written since the state last matched a snapshot (filled by
    triggers), and one `@base:<name>` row naming that snapshot (mock_iovox.admin.snapshots)."""

    __tablename__ = "mock_dirty"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)


#: columns the journal gained after its table was first made (issue 23), added to older databases
_LATER_COLUMNS = {
    "reason": "TEXT NOT NULL DEFAULT ''",
    "response": "TEXT NOT NULL DEFAULT ''",
    "response_bytes": "INTEGER NOT NULL DEFAULT 0",
}


def _add_journal_columns(conn: Connection) -> None:
    have = {c["name"] for c in inspect(conn).get_columns(JournalEntry.__tablename__)}
    for name, kind in _LATER_COLUMNS.items():
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE {JournalEntry.__tablename__} ADD COLUMN {name} {kind}")


#: the databases this process has ensured: the control plane and the vendor hooks both ask, one
#: after the other, when an app is made (issue 13: each asking costs ~6 ms of schema checks)
_ENSURED: weakref.WeakSet[Database] = weakref.WeakSet()


def ensure(db: Database) -> None:
    """Create the control tables if missing, and on SQLite the change-tracking triggers: under the
    database's setup lock, as the schema (several workers and instances start together)."""
    from mock_iovox.admin import faults, snapshots

    if db in _ENSURED:
        return

    with db.setup() as session:
        conn = session.connection()
        ControlBase.metadata.create_all(conn)
        _add_journal_columns(conn)
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_mock_journal_method")  # made by earlier versions
        if db.engine.dialect.name == "sqlite":
            snapshots.ensure_triggers(conn)
        faults.publish(conn)
    _ENSURED.add(db)


class CallTrace(ControlBase):
    """The path a call took through its flow (the engine's trace lines), for calls placed by the
    portal or the control plane: kept beside the vendor data, so no API answer changes, and a
    reset or restore leaves it (it is shown only while `call_id` and `call_start` still match)."""

    __tablename__ = "mock_call_traces"

    call_pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(32))
    call_start: Mapped[str] = mapped_column(String(32))
    #: the trace lines as a JSON list
    lines: Mapped[str] = mapped_column(Text, default="[]")


# their writes change no vendor answer: they must not empty the answer caches (mock_iovox/cache.py)
UNVERSIONED_TABLES.update(ControlBase.metadata.tables)
