"""Call detail records and their recordings (SPEC.md §7)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mock_iovox.db.base import Base, created, text

call_categories = Table(
    "call_categories",
    Base.metadata,
    Column("call_pk", ForeignKey("calls.pk", ondelete="CASCADE"), primary_key=True),
    Column("category_pk", ForeignKey("categories.pk", ondelete="CASCADE"), primary_key=True, index=True),
)


_METRIC_COLUMNS = ("call_time_sec", "talk_time_sec", "call_origin")


class Call(Base):
    """One CDR. Node and link names are copied in: a CDR outlives renames and deletions of its link,
    and filters on them need no join."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("account_pk", "call_id"),
        # period scans by account, link or node; the trailing columns make them covering indexes
        # for getCallMetrics (sums, unique callers/nodes/links read without touching the table)
        Index("ix_calls_account_start", "account_pk", "call_start", *_METRIC_COLUMNS, "node_id", "link_id"),
        Index(
            "ix_calls_account_link_start", "account_pk", "link_id", "call_start", *_METRIC_COLUMNS, "node_id"
        ),
        Index(
            "ix_calls_account_node_start", "account_pk", "node_id", "call_start", *_METRIC_COLUMNS, "link_id"
        ),
        # the caller filters and getCallMetrics' unique callers
        Index("ix_calls_account_origin", "account_pk", "call_origin"),
        Index("ix_calls_account_voxnumber_start", "account_pk", "voxnumber", "call_start"),
    )

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"))
    call_id: Mapped[str] = mapped_column(String(64))
    call_start: Mapped[datetime] = created()
    call_end: Mapped[datetime] = created()
    call_origin: Mapped[str] = text(32)
    call_origin_encoded: Mapped[str] = text(64)
    call_origin_location: Mapped[str] = text(128)
    voxnumber: Mapped[str] = text(32)
    call_destination: Mapped[str] = text(64)
    detail: Mapped[str] = text(128)
    call_time_sec: Mapped[int] = mapped_column(default=0)
    talk_time_sec: Mapped[int] = mapped_column(default=0)
    call_type: Mapped[str] = text(16)
    call_result: Mapped[str] = text(32)
    rule_result: Mapped[str] = text(128)
    direction: Mapped[str] = text(8)
    # indexed: deleting a node or link sets these NULL, which scanned every CDR without (issue 13)
    node_pk: Mapped[int | None] = mapped_column(ForeignKey("nodes.pk", ondelete="SET NULL"), index=True)
    link_pk: Mapped[int | None] = mapped_column(ForeignKey("links.pk", ondelete="SET NULL"), index=True)
    node_id: Mapped[str] = text()
    node_name: Mapped[str] = text()
    node_type: Mapped[str] = text()
    link_id: Mapped[str] = text()
    link_name: Mapped[str] = text()
    link_type: Mapped[str] = text()
    contact_pk: Mapped[int | None] = mapped_column(ForeignKey("contacts.pk", ondelete="SET NULL"))
    has_recording: Mapped[bool] = mapped_column(default=False)
    has_voicemail: Mapped[bool] = mapped_column(default=False)
    #: length of the voicemail left (getVoicemailRecording); talk_time_sec is 0 for such calls
    voicemail_sec: Mapped[int] = mapped_column(default=0)
    email_sent: Mapped[bool] = mapped_column(default=False)


class CallDay(Base):
    """How many CDRs an account has per (link_id, node_id, calendar day of call_start): the total of
    a getCallData page without counting tens of thousands of rows (issue 13). Derived state, like an
    index: kept exact by triggers on `calls` (db/call_days.py) in the transaction of every write,
    whatever writes (engine, seed, admin API, cascades, snapshot restores); never copied by snapshots."""

    __tablename__ = "call_days"
    __table_args__ = (
        Index("ix_call_days_account_day", "account_pk", "day"),
        Index("ix_call_days_account_node_day", "account_pk", "node_id", "day"),
        {"info": {"derived": True}},
    )

    account_pk: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    link_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    calls: Mapped[int] = mapped_column(nullable=False, default=0)


class Recording(Base):
    """A rendered MP3, produced lazily on first request and then kept (DECISIONS.md §5)."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("call_pk", "kind"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.pk", ondelete="CASCADE"))
    #: "call" or "voicemail"
    kind: Mapped[str] = text(16)
    mp3: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created()


class PendingCall(Base):
    """A click-to-call with `delay`: its CDR row is reserved (dated when it is due, so invisible until
    the clock passes it) and the engine runs it on the first read after that (calls/engine.py)."""

    __tablename__ = "pending_calls"

    pk: Mapped[int] = mapped_column(primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.pk", ondelete="CASCADE"), unique=True)
    due_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    #: the engine's request (calls/engine.py CallRequest) as JSON
    request_json: Mapped[str] = mapped_column(Text, default="{}")


class OutboxMessage(Base):
    """What the mock would have sent (SMS, call alerts, voicemail e-mails) or did request (an
    httpRequest rule): nothing leaves the machine except loopback HTTP (calls/outbox.py)."""

    __tablename__ = "outbox"

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    #: sms, call_alert, voicemail, http
    kind: Mapped[str] = text(16)
    #: the CDR id of the call that produced it ("" for SMS.sendSms)
    call_id: Mapped[str] = text(64)
    sender: Mapped[str] = text()
    recipient: Mapped[str] = text(1000)
    subject: Mapped[str] = text(1000)
    body: Mapped[str] = mapped_column(Text, default="")
    #: queued, sent, skipped, or the HTTP status / error of an httpRequest
    status: Mapped[str] = text()
    created_at: Mapped[datetime] = created()


class ActionKey(Base):
    """A JavaScript-API action key of a link (JsApi.createActionKey / getActionKey)."""

    __tablename__ = "action_keys"
    __table_args__ = (UniqueConstraint("link_pk", "action"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    link_pk: Mapped[int] = mapped_column(ForeignKey("links.pk", ondelete="CASCADE"))
    action: Mapped[str] = text(64)
    key: Mapped[str] = text(64)
    created_at: Mapped[datetime] = created()
