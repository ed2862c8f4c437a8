"""The per-environment outbox: SMS (SMS.sendSms and the flow's sendSMS rule), call alerts and
voicemail e-mails land here instead of leaving the machine; httpRequest rules are made for real only
to loopback addresses (127.0.0.0/8, ::1, localhost), with a short timeout, and recorded here too.
"""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox.db.calls import OutboxMessage

SMS, CALL_ALERT, VOICEMAIL, HTTP = "sms", "call_alert", "voicemail", "http"
QUEUED = "queued"
#: seconds an httpRequest rule may take
HTTP_TIMEOUT = 2.0


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


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (the only place an httpRequest rule may reach)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead off the machine: it is answered as it stands instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: no proxies (the environment's would see loopback traffic), no redirects
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def http_request(url: str, method: str, data: dict[str, str]) -> str:
    """Make the request when the URL is loopback; the status as recorded in the outbox."""
    if urlsplit(url).scheme not in ("http", "https") or not is_loopback(url):
        return "skipped: not a loopback URL"
    encoded = urlencode(data)
    if method.upper() == "POST":
        req = urllib.request.Request(url, data=encoded.encode(), method="POST")
    else:
        sep = "&" if urlsplit(url).query else "?"
        req = urllib.request.Request(url + (sep + encoded if encoded else ""), method="GET")
    try:
        with _OPENER.open(req, timeout=HTTP_TIMEOUT) as resp:
            return f"HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"error: {type(exc).__name__}"
