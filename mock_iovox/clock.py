"""The mock's clock: one per environment, stored in its database so every worker and instance agrees.

Real time by default. It can be frozen at an instant, set to run from an instant, advanced, or put
back on real time. Every "now" of the mock reads it (`now(session)`): CDR visibility, `delay` on
initiateCall, time templates, order and creation timestamps, the fixture's `anchor: today`. The
wall clock itself is read only by `system_now` here.

Stored in `mock_meta` under `clock` as JSON: `{"frozen": "2026-12-02T10:00:00"}` (held still) or
`{"offset": 3600.0}` (real time plus that many seconds); no row means real time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox.db.accounts import MockMeta

META_CLOCK = "clock"


def system_now() -> datetime:
    """The wall clock, UTC, naive, whole seconds (the vendor's times have no fractions)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True, slots=True)
class ClockState:
    """Held still at `frozen`, or running at real time + `offset`."""

    frozen: datetime | None = None
    offset: timedelta = timedelta(0)

    def now(self, real: datetime | None = None) -> datetime:
        if self.frozen is not None:
            return self.frozen
        return (real or system_now()) + self.offset

    @property
    def is_real(self) -> bool:
        return self.frozen is None and not self.offset

    def to_json(self) -> str:
        if self.frozen is not None:
            return json.dumps({"frozen": self.frozen.isoformat()})
        return json.dumps({"offset": self.offset.total_seconds()})

    @classmethod
    def from_json(cls, raw: str | None) -> ClockState:
        if not raw:
            return cls()
        data = json.loads(raw)
        if data.get("frozen"):
            return cls(frozen=datetime.fromisoformat(data["frozen"]))
        return cls(offset=timedelta(seconds=float(data.get("offset", 0))))

    def describe(self) -> dict[str, object]:
        """The control plane's and CLI's view: `{"now": ISO-8601, "frozen": bool, "offset_seconds": n}`."""
        return {
            "now": self.now().isoformat(),
            "frozen": self.frozen is not None,
            "offset_seconds": 0 if self.frozen is not None else int(self.offset.total_seconds()),
        }


def read(session: Session) -> ClockState:
    return ClockState.from_json(session.scalar(select(MockMeta.value).where(MockMeta.key == META_CLOCK)))


def now(session: Session) -> datetime:
    return read(session).now()


def write(session: Session, state: ClockState) -> ClockState:
    row = session.get(MockMeta, META_CLOCK)
    if state.is_real:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(MockMeta(key=META_CLOCK, value=state.to_json()))
    else:
        row.value = state.to_json()
    session.flush()
    return state


def freeze(session: Session, at: datetime | None = None) -> ClockState:
    """Hold the clock still at `at` (default: where it is now)."""
    return write(session, ClockState(frozen=_whole(at) if at else read(session).now()))


def set_time(session: Session, at: datetime, frozen: bool) -> ClockState:
    """Move the clock to `at`, held still there or running on from there."""
    at = _whole(at)
    if frozen:
        return write(session, ClockState(frozen=at))
    return write(session, ClockState(offset=at - system_now()))


def advance(session: Session, seconds: float) -> ClockState:
    """Move the clock forward (a frozen clock stays frozen, a running one keeps running)."""
    state = read(session)
    step = timedelta(seconds=int(seconds))
    if state.frozen is not None:
        return write(session, ClockState(frozen=state.frozen + step))
    return write(session, ClockState(offset=state.offset + step))


def resume(session: Session) -> ClockState:
    """Let a frozen clock run again from where it stands."""
    state = read(session)
    if state.frozen is None:
        return state
    return write(session, ClockState(offset=state.frozen - system_now()))


def real(session: Session) -> ClockState:
    """Back to the wall clock."""
    return write(session, ClockState())


def _whole(at: datetime) -> datetime:
    """Naive UTC, whole seconds (an aware time is converted to UTC first)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.replace(microsecond=0)
