"""The path a call took, kept for the portal's call page (mock_iovox/admin/store.CallTrace).

The engine writes trace lines as `<elapsed>s <rule or branch id>: <what happened>`; the ids on
them are the rules and branches the call went through, which the diagram highlights.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from mock_iovox.admin.store import CallTrace
from mock_iovox.db import Call

if TYPE_CHECKING:
    from mock_iovox.calls.engine import Outcome

_STEP = re.compile(r"^\s*\d+s (\S+): ")


def _start(call: Call) -> str:
    return call.call_start.isoformat(" ")


def keep(session: Session, outcome: Outcome) -> None:
    """Store the trace of a call just placed (in the placing transaction)."""
    call = outcome.call
    session.merge(
        CallTrace(
            call_pk=call.pk, call_id=call.call_id, call_start=_start(call), lines=json.dumps(outcome.trace)
        )
    )


def lines_of(session: Session, call: Call) -> list[str] | None:
    """The call's trace lines, or None when no trace was kept for this very call (a reset since
    may have given its key to another)."""
    row = session.get(CallTrace, call.pk)
    if row is None or row.call_id != call.call_id or row.call_start != _start(call):
        return None
    lines: list[str] = json.loads(row.lines)
    return lines


def taken(lines: list[str]) -> set[str]:
    """The rule and branch ids the trace lines name."""
    return {m.group(1) for line in lines if (m := _STEP.match(line))}
