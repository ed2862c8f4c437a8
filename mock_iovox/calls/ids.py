"""CDR identities: call ids are numeric strings, a base plus the row's primary key (unique per
database), shared by generated calls and the ones the engine places."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mock_iovox.db import Call

#: call ids are this base + the row's pk (numeric strings, unique per database)
CALL_ID_BASE = 7_000_000_000


def next_pk(session: Session) -> int:
    return (session.scalar(select(func.max(Call.pk))) or 0) + 1
