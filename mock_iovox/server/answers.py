"""Answers and callers kept in memory, never stale: each entry holds the database's data generation
(mock_iovox/db/generations.py).

**Callers** (username, key, address) are cached per auth generation; **GET answers** per data
generation, keyed by (account, user, method, the query's parameters sorted by name). An answer that
depends on the clock (the catalogue's `Method.clock_bound`: the Calls interface) is kept for the
clock's day and only until the next hidden call of the account starts (the visible horizon), so an
advancing clock reveals calls.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from mock_iovox.db.generations import State


@dataclass(frozen=True, slots=True)
class Entry:
    generation: str
    value: Any
    day: date | None = None
    until: datetime | None = None  # the next hidden call's start (exclusive)
    size: int = 0

    def fresh(self, state: State, now: Callable[[], datetime]) -> bool:
        if self.generation != state.generation:
            return False
        if self.day is None:
            return True
        at = now()
        return at.date() == self.day and (self.until is None or at < self.until)


class Cache:
    """One environment's callers and answers (thread-safe; least recently used dropped)."""

    def __init__(self, max_entries: int = 2048, max_body: int = 1 << 20, max_bytes: int = 64 << 20) -> None:
        self.max_entries = max_entries
        self.max_body = max_body
        self.max_bytes = max_bytes
        self._bytes = 0
        self._callers: dict[Hashable, tuple[str, Any]] = {}
        self._answers: OrderedDict[Hashable, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def caller(self, key: Hashable, state: State) -> Any | None:
        hit = self._callers.get(key)
        return hit[1] if hit is not None and hit[0] == state.auth_generation else None

    def keep_caller(self, key: Hashable, state: State, caller: Any) -> None:
        with self._lock:
            if len(self._callers) >= self.max_entries:
                self._callers.clear()
            self._callers[key] = (state.auth_generation, caller)

    def answer(self, key: Hashable, state: State) -> Any | None:
        with self._lock:
            entry = self._answers.get(key)
            if entry is None:
                return None
            if not entry.fresh(state, state.clock.now):
                del self._answers[key]
                self._bytes -= entry.size
                return None
            self._answers.move_to_end(key)
            return entry.value

    def keep_answer(self, key: Hashable, entry: Entry, size: int) -> None:
        """Keep `entry` (`size` bytes): at most max_entries answers of max_bytes in all."""
        if size > self.max_body:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._answers[key] = replace(entry, size=size)
            self._bytes += size
            while len(self._answers) > self.max_entries or self._bytes > self.max_bytes:
                self._bytes -= self._answers.popitem(last=False)[1].size


@lru_cache(maxsize=1)
def _next_hidden_statement() -> Any:
    from mock_iovox.db import Call

    return select(func.min(Call.call_start)).where(
        Call.account_pk == bindparam("account"), Call.call_start > bindparam("now")
    )


def next_hidden_call(session: Session, account_pk: int, now: datetime) -> datetime | None:
    """When the account's next call not yet visible at `now` starts (None: no such call). One
    statement built once, run on the session's connection (the ORM's path cost more than the
    indexed look-up, on every Calls answer)."""
    found: datetime | None = (
        session.connection().execute(_next_hidden_statement(), {"account": account_pk, "now": now}).scalar()
    )
    return found
