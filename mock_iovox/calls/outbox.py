"""The per-environment outbox: SMS (SMS.sendSms and the flow's sendSMS rule), call alerts and
voicemail e-mails land here instead of leaving the machine; httpRequest rules are recorded here
too, and sent after the call commits under the outbound policy (calls/httpsend.py, outbound.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox.db.calls import OutboxMessage

SMS, CALL_ALERT, VOICEMAIL, HTTP = "sms", "call_alert", "voicemail", "http"
QUEUED = "queued"


def add(
    session: Session,
    account_pk: int,
    kind: str,
    at: datetime,
    *,
    call_id: str = "",
    sender: str = "",
    recipient: str = "",
    subject: str = "",
    body: str = "",
    status: str = QUEUED,
) -> OutboxMessage:
    row = OutboxMessage(
        account_pk=account_pk,
        kind=kind,
        call_id=call_id,
        sender=sender[:255],
        recipient=recipient[:1000],
        subject=subject[:1000],
        body=body,
        status=status[:255],
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def outbox_messages(
    session: Session,
    account_pk: int | None = None,
    kind: str | None = None,
    call_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The newest messages first (optionally one account, kind or call), as plain dicts."""
    stmt = select(OutboxMessage)
    if account_pk is not None:
        stmt = stmt.where(OutboxMessage.account_pk == account_pk)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if call_id is not None:
        stmt = stmt.where(OutboxMessage.call_id == call_id)
    rows = session.scalars(stmt.order_by(OutboxMessage.pk.desc()).limit(max(1, min(limit, 10_000))))
    return [
        {
            "id": r.pk,
            "account_pk": r.account_pk,
            "kind": r.kind,
            "call_id": r.call_id,
            "from": r.sender,
            "to": r.recipient,
            "subject": r.subject,
            "body": r.body,
            "status": r.status,
            "created": r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        }
        for r in rows
    ]
