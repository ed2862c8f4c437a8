"""Data generations: every transaction that writes bumps a counter, so kept answers are never stale.

**Generations.** Every transaction that writes bumps a counter in `mock_meta` (`generation`) with
its first INSERT/UPDATE/DELETE, inside the same transaction (an engine hook, so no write path can
forget it: handlers, the fixture loader, `mock-iovox seed`, the clock). A write to the users, their
IP ranges or the accounts also bumps `auth_generation`. The counters live in the database, so every
worker and every instance on one PostgreSQL sees the same ones; a fresh counter starts at a random
number, so a database dropped and loaded again never reuses a generation.

**State.** One plain query per request reads both counters and the clock (`read_state`, or
`LoopView` on the event loop's own SQLite connection). What is kept by them lives in
mock_iovox/server/answers.py.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

from mock_iovox.clock import META_CLOCK, ClockState

GENERATION = "generation"
AUTH_GENERATION = "auth_generation"
#: how many control-plane fault rules exist (mock_iovox/admin/faults.py); absent = unknown
FAULTS = "faults"
#: tables whose rows decide who may call (their writes also bump AUTH_GENERATION)
AUTH_TABLES = frozenset({"api_users", "ip_ranges", "accounts"})
#: tables whose writes change no answer and bump nothing (e.g. a request journal): add yours here
UNVERSIONED_TABLES: set[str] = set()

_STATE_SQL = (
    f"SELECT key, value FROM mock_meta WHERE key IN ('{META_CLOCK}', '{GENERATION}', '{AUTH_GENERATION}', "
    f"'{FAULTS}')"
)
_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_BUMPED = "mock_iovox_bumped"
_AUTH_BUMPED = "mock_iovox_auth_bumped"
#: statement text -> (is it a write, the table it writes): the hook runs on every statement, and
#: the texts are few (built once, compiled once); bounded for texts that carry literal values
_SEEN: dict[str, tuple[bool, str]] = {}
_SEEN_MAX = 4096


@lru_cache(maxsize=8)
def _bump_sql(key: str, paramstyle: str = "qmark") -> str:
    """The upsert of counter `key`; its one parameter is the counter's random start (a constant
    text, so the driver prepares it once)."""
    mark = "?" if paramstyle == "qmark" else "%s"
    return (
        f"INSERT INTO mock_meta (key, value) VALUES ('{key}', {mark}) ON CONFLICT (key) "
        "DO UPDATE SET value = CAST(CAST(mock_meta.value AS BIGINT) + 1 AS VARCHAR(64))"
    )


def _start() -> tuple[str]:
    """A fresh counter's first value: random, so a database dropped and loaded again never reuses
    a generation (drawn from the OS, so forked workers never draw the same)."""
    return (str(random.SystemRandom().randrange(1, 1 << 48)),)


def _target(statement: str) -> str:
    """The table an INSERT/UPDATE/DELETE writes (lower case, unquoted)."""
    words = statement.split(None, 6)[:6]
    upper = [w.upper() for w in words]
    # the word after INTO / FROM (INSERT [OR REPLACE] INTO t, DELETE FROM t), else after UPDATE
    for marker in ("INTO", "FROM", "UPDATE"):
        if marker in upper and upper.index(marker) + 1 < len(words):
            name = words[upper.index(marker) + 1]
            return name.split("(", 1)[0].strip('"`').lower()
    return ""


def _classify(statement: str) -> tuple[bool, str]:
    seen = _SEEN.get(statement)
    if seen is None:
        writes = statement[:8].lstrip().upper().startswith(_DML)
        seen = (writes, _target(statement.lstrip()) if writes else "")
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[statement] = seen
    return seen


def _on_execute(
    conn: Connection, cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    writes, table = _classify(statement)
    if not writes or table in UNVERSIONED_TABLES:
        return
    transaction = conn.get_transaction()
    info = conn.info
    if transaction is None or info.get(_BUMPED) is not transaction:
        cursor.execute(_bump_sql(GENERATION, conn.dialect.paramstyle), _start())
        info[_BUMPED] = transaction
    if table in AUTH_TABLES and (transaction is None or info.get(_AUTH_BUMPED) is not transaction):
        cursor.execute(_bump_sql(AUTH_GENERATION, conn.dialect.paramstyle), _start())
        info[_AUTH_BUMPED] = transaction


def forget_bumps(conn: Connection) -> None:
    """After a ROLLBACK TO SAVEPOINT that may have undone this transaction's bumps: the next write
    bumps again (a counter bumped twice in a transaction is as good as once)."""
    conn.info.pop(_BUMPED, None)
    conn.info.pop(_AUTH_BUMPED, None)


def track_writes(engine: Engine) -> None:
    """Bump the generations in every transaction of `engine` that writes."""
    if not event.contains(engine, "before_cursor_execute", _on_execute):
        event.listen(engine, "before_cursor_execute", _on_execute)


@dataclass(frozen=True, slots=True)
class State:
    generation: str
    auth_generation: str
    clock: ClockState
    #: fault rules that exist (None: not known, so check them)
    faults: int | None = None


@lru_cache(maxsize=64)
def _clock(raw: str | None) -> ClockState:
    return ClockState.from_json(raw)


def _state(rows: Any) -> State:
    values = dict(rows)
    faults = values.get(FAULTS)
    return State(
        values.get(GENERATION, ""),
        values.get(AUTH_GENERATION, ""),
        _clock(values.get(META_CLOCK)),
        int(faults) if faults is not None and faults.isdigit() else None,
    )


_local = threading.local()


def _sqlite_reader(engine: Engine) -> sqlite3.Connection | None:
    """This thread's own read-only connection to a SQLite file (None for other databases): a
    statement on it in autocommit mode sees every committed write (WAL), without the pool."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    readers: weakref.WeakKeyDictionary[Engine, sqlite3.Connection] | None = getattr(_local, "readers", None)
    if readers is None:
        readers = _local.readers = weakref.WeakKeyDictionary()
    conn = readers.get(engine)
    if conn is None:
        conn = sqlite3.connect(str(engine.url.database), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=10000")
        readers[engine] = conn
        weakref.finalize(engine, conn.close)
    return conn


def read_state(engine: Engine) -> State:
    """The counters and the clock, outside any transaction (one statement, autocommit read)."""
    reader = _sqlite_reader(engine)
    if reader is not None:
        try:
            return _state(reader.execute(_STATE_SQL).fetchall())
        except sqlite3.Error:  # e.g. the schema is being made: ask through the pool, and reconnect
            _local.readers.pop(engine, None)
            reader.close()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(_STATE_SQL)
        rows = cursor.fetchall()
        cursor.close()
    finally:
        raw.close()
    return _state(rows)


class LoopView:
    """The event loop's own SQLite connection to one database file (None for other databases).

    `state()` reads the counters and the clock only when another connection has committed since
    the last read (`PRAGMA data_version` moves on every commit but this connection's own), so a
    run of reads between writes costs one pragma each. The journal rows are this connection's own
    commits (mock_iovox/admin/journal.py), so they never force a read. The connection never
    waits for a lock (busy_timeout 0): a caller falls back to a thread when it raises."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._state: State | None = None

    @classmethod
    def open(cls, engine: Engine) -> LoopView | None:
        if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
            return None
        return cls(str(engine.url.database))

    def connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=0")
            conn.execute("PRAGMA synchronous=NORMAL")
            # a commit past 1,000 WAL pages would copy them into the database and fsync, on the
            # event loop: a thread does it instead (db.engine.Checkpoints)
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._conn = conn
        return self._conn

    def state(self) -> State:
        conn = self.connection()
        try:
            # the version first: a commit between the two reads only costs one more read later
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version or self._state is None:
                self._state = _state(conn.execute(_STATE_SQL).fetchall())
                self._version = version
        except sqlite3.Error:
            self.close()
            raise
        return self._state

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = self._state = self._version = None


def read_state_in(session: Session) -> State:
    """The same, inside the session's transaction (on the driver's connection: a SELECT, so no
    generation hook is skipped, and SQLAlchemy's statement path cost more than the query)."""
    raw: Any = session.connection().connection.driver_connection
    return _state(raw.execute(_STATE_SQL).fetchall())
