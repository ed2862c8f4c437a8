"""Fault rules: make the vendor surface slow or failing on purpose, per interface/method/user.

A rule matches a request by interface, method and user (each optional). A matching request fires
the rule with its probability, decided by a generator seeded with (seed, how many matching requests
the rule has seen), so a run is repeatable whatever the number of workers; a rule with `times` fires
that many times and then stays listed, spent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from mock_iovox.admin.store import FaultRule
from mock_iovox.db.accounts import MockMeta
from mock_iovox.db.generations import FAULTS

ACTIONS = ("latency", "error", "internal", "malformed", "drop")
FIELDS = (
    "interface",
    "method",
    "user",
    "action",
    "status",
    "message",
    "latency_ms",
    "probability",
    "seed",
    "times",
)


class RuleError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{key} must be a non-empty string or absent", key)
    return value.strip()


def _int(data: dict[str, Any], key: str, low: int, high: int, default: int | None) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleError(f"{key} must be an integer from {low} to {high}", key)
    return value


def parse(data: Any) -> FaultRule:
    """A rule from its JSON; every field checked, the first bad one named."""
    if not isinstance(data, dict):
        raise RuleError("a fault rule is a JSON object", "body")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise RuleError(f"unknown field {unknown[0]!r}", unknown[0])
    action = data.get("action")
    if action not in ACTIONS:
        raise RuleError(f"action must be one of {', '.join(ACTIONS)}", "action")
    status = _int(data, "status", 400, 599, None)
    message = _opt_str(data, "message")
    if action == "error" and (status is None or message is None):
        field = "status" if status is None else "message"
        raise RuleError("an error fault needs status and message (the vendor's exact string)", field)
    probability = data.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 < probability <= 1:
        raise RuleError("probability must be a number greater than 0 and at most 1", "probability")
    latency = _int(data, "latency_ms", 0, 60_000, 0)
    if action == "latency" and not latency:
        raise RuleError("a latency fault needs latency_ms (1 to 60000)", "latency_ms")
    return FaultRule(
        interface=_opt_str(data, "interface"),
        method=_opt_str(data, "method"),
        username=_opt_str(data, "user"),
        action=action,
        status=status,
        message=message,
        latency_ms=latency or 0,
        probability=float(probability),
        seed=_int(data, "seed", 0, 2**31 - 1, 0) or 0,
        times=_int(data, "times", 1, 1_000_000, None),
        seen=0,
        hits=0,
    )


def as_json(r: FaultRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "interface": r.interface,
        "method": r.method,
        "user": r.username,
        "action": r.action,
        "status": r.status,
        "message": r.message,
        "latency_ms": r.latency_ms,
        "probability": r.probability,
        "seed": r.seed,
        "times": r.times,
        "seen": r.seen,
        "hits": r.hits,
    }


@dataclass(frozen=True, slots=True)
class Fired:
    id: int
    action: str
    status: int | None
    message: str | None
    latency_ms: int


def fire(session: Connection, interface: str, method: str, username: str) -> Fired | None:
    """The first rule (by id) that matches and fires for this request, counted atomically."""
    lower_i, lower_m = interface.lower(), method.lower()
    rules = session.execute(
        select(FaultRule.id, FaultRule.interface, FaultRule.method, FaultRule.probability, FaultRule.seed)
        .where(or_(FaultRule.times.is_(None), FaultRule.hits < FaultRule.times))
        .where(or_(FaultRule.username.is_(None), FaultRule.username == username))
        .order_by(FaultRule.id)
    ).all()
    for rule_id, r_interface, r_method, probability, seed in rules:
        if r_interface is not None and r_interface.lower() != lower_i:
            continue
        if r_method is not None and r_method.lower() != lower_m:
            continue
        seen = session.scalar(
            update(FaultRule)
            .where(FaultRule.id == rule_id)
            .values(seen=FaultRule.seen + 1)
            .returning(FaultRule.seen)
        )
        if probability < 1 and random.Random(f"{seed}:{seen}").random() >= probability:
            continue
        row = session.execute(
            update(FaultRule)
            .where(FaultRule.id == rule_id, or_(FaultRule.times.is_(None), FaultRule.hits < FaultRule.times))
            .values(hits=FaultRule.hits + 1)
            .returning(FaultRule.action, FaultRule.status, FaultRule.message, FaultRule.latency_ms)
        ).first()
        if row is not None:
            return Fired(rule_id, row.action, row.status, row.message, row.latency_ms)
    return None


def listing(session: Session) -> list[dict[str, Any]]:
    return [as_json(r) for r in session.scalars(select(FaultRule).order_by(FaultRule.id))]


def remove(session: Session, rule_id: int | None) -> int:
    stmt = delete(FaultRule) if rule_id is None else delete(FaultRule).where(FaultRule.id == rule_id)
    removed: int = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    publish(session)
    return removed


def publish(session: Session | Connection) -> None:
    """Write how many fault rules exist into `mock_meta` (cache.FAULTS), where every worker reads it
    with the clock and the generations: with none, requests skip the rule check altogether."""
    count = session.scalar(select(func.count()).select_from(FaultRule)) or 0
    session.execute(delete(MockMeta).where(MockMeta.key == FAULTS))
    session.execute(insert(MockMeta).values(key=FAULTS, value=str(count)))
