"""The control plane's own tables: journal, fault rules, named snapshots.

They live in each environment's database (so every worker and instance agrees) but on their own
metadata, apart from the vendor data: a reset or a snapshot restore does not touch them.

Models only: creating the tables, the triggers and the registration into the answer caches is
admin/setup.py's, called when the control plane and the hooks are built.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
