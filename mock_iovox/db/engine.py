"""One database per environment: engine, session factory, schema creation (DECISIONS.md §3)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine, delete, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from mock_iovox.db.accounts import MockMeta
from mock_iovox.db.base import Base
from mock_iovox.db.generations import track_writes

#: execution option of connections that take the write lock when their transaction begins
WRITE = "mock_iovox_write"
#: the PostgreSQL advisory lock of writers (transaction-scoped) and of schema creation + fixture load
_PG_WRITE_LOCK = 0x10F0C5
_PG_SETUP_LOCK = 0x10F0C6
_BUSY_MS = 10_000
_SETUP_WAIT_MS = 600_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # the mock emits BEGIN itself (see _sqlite_begin): pysqlite's own deferred BEGIN can neither
    # take the write lock first nor be told to
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    # first: the other pragmas may wait for a lock too (several instances starting together)
    cur.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    """A writer's transaction takes SQLite's write lock at once (BEGIN IMMEDIATE): its checks and
    its writes see the same data, whatever the other workers do in between."""
    mode = conn.get_execution_options().get(WRITE)
    # straight to the driver: a BEGIN needs none of SQLAlchemy's statement machinery (issue 13)
    _raw_sqlite(conn).execute(
        "BEGIN" if not mode else "BEGIN EXCLUSIVE" if mode == "EXCLUSIVE" else "BEGIN IMMEDIATE"
    )


def _private_file(path: Path) -> None:
    """The SQLite file, readable by its owner only (0600; SQLite gives its -wal and -shm files the
    same mode). Created so from the start: never a moment at 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    elif path.stat().st_mode & 0o077:
        # a file from an earlier version; on a read-only mount the start-up check names the problem
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)


def masked_url(url: str) -> str:
    """A database URL fit to print: the password masked."""
    if "://" not in url or "@" not in url:
        return url
    return make_url(url).render_as_string(hide_password=True).replace("%7Benv%7D", "{env}")


def _raw_sqlite(conn: Connection) -> Any:
    """The pysqlite connection under `conn` (a PRAGMA outside any transaction)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


def _postgres_begin(conn: Connection) -> None:
    """PostgreSQL: writers of one database queue on a transaction-scoped advisory lock (reads do
    not wait); under READ COMMITTED every later statement then sees what earlier writers committed."""
    if conn.get_execution_options().get(WRITE):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})")


class Checkpoints:
    """WAL checkpoints of one SQLite file run by a thread of their own, for a serving process
    (`Database.checkpoint_in_background`): SQLite's automatic one runs in whichever commit takes the
    WAL past 1,000 pages, and its fsync held that request (and the write lock) for up to 150 ms
    here; the event loop's commits stalled behind it (issue 13: getNodes p99 1.1 ms without any
    checkpoint, 2.1 ms with one every 4,096 commits, 2.9 ms every 256). One passive checkpoint every
    EVERY commits under load, and one as soon as commits stop for a moment (`quiet`)."""

    EVERY = 8192

    def __init__(self, path: str) -> None:
        self.path = path
        self._commits = 0
        self._running = threading.Lock()

    def committed(self, count: int = 1) -> None:
        """`count` commits' worth of WAL pages were written (a batch of requests counts each)."""
        self._commits += count
        if self._commits >= self.EVERY:
            self._start()

    def quiet(self) -> None:
        if self._commits:
            self._start()

    def _start(self) -> None:
        if self._running.acquire(blocking=False):
            self._commits = 0
            threading.Thread(target=self._run, name="wal-checkpoint", daemon=True).start()

    def _run(self) -> None:
        try:
            with contextlib.closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
                conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass  # the next one does it
        finally:
            self._running.release()


class WriteLock:
    """The writers of one database queue here before they ask SQLite for its lock: the threads of
    this process on a reentrant lock, and the processes sharing a SQLite file (`--workers N`, other
    instances) on an flock of a file next to it. SQLite's own busy handler sleeps 1, 2, 5 … 100 ms
    between tries and favours nobody: with two workers a write waited up to 1.5 s (issue 13), and
    the event loop's journal commits came often enough to push a writer up that ladder. The kernel
    wakes an flock's waiter as soon as it is free. `acquire(blocking=False)` never waits.

    A blocking acquire has no time limit: a holder is a writer inside its transaction, which SQLite
    bounds, or a process that died (the kernel releases its flock); only a holder stopped outright
    (SIGSTOP, a debugger) makes writers wait for it. Polling with a deadline instead was measured:
    with two workers the poller starved (writes waited past 100 ms) where the kernel's queue did not."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._threads = threading.RLock()
        self._depth = 0  # holds by the owning thread (only it runs while the RLock is held)
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        assert self.path is not None
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, blocking: bool = True) -> bool:
        if not self._threads.acquire(blocking):
            return False
        if self._depth == 0 and self.path is not None:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BaseException:  # held by another process (non-blocking), or the file failed
                self._threads.release()
                if not blocking:
                    return False
                raise
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self.path is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


_DATABASE = "mock_iovox.database"


def database_of(session: Session) -> Database:
    """The Database whose `reading()` or `writing()` made `session`."""
    database = session.info.get(_DATABASE)
    if not isinstance(database, Database):
        raise RuntimeError("this session was not made by a Database (reading() or writing())")
    return database


class Database:
    """The database of one environment."""

    def __init__(self, env: str, url: str) -> None:
        self.env = env
        self.url = url
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                _private_file(Path(parsed.database))
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = create_engine(url, **kwargs)
        self.backend = parsed.get_backend_name()
        track_writes(self.engine)  # every writing transaction bumps the data generation (cache.py)
        if self.backend == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.backend == "postgresql":
            event.listen(self.engine, "begin", _postgres_begin)
        # each session knows its Database: work that outlives it (an httpRequest's or a purchase
        # callback's outcome row, written later from a thread) writes through `writing()` again
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={_DATABASE: self})
        file = parsed.database if self.backend == "sqlite" and parsed.database != ":memory:" else None
        #: held by write transactions (see `writing`), across this file's processes; reentrant
        self.write_lock = WriteLock(f"{file}-writers" if file else None)
        #: checkpoints in a thread, once `checkpoint_in_background` is called (SQLite files only)
        self.checkpoints: Checkpoints | None = Checkpoints(file) if file else None
        self._background = False
        # the lock is taken when the transaction's first statement runs, not before: a request is
        # parsed and checked against the catalogue without holding it
        self.write_sessions = sessionmaker(
            self.engine.execution_options(**{WRITE: True}), expire_on_commit=False, info={_DATABASE: self}
        )

    def create_schema(self) -> None:
        with self.write_lock:
            Base.metadata.create_all(self.engine)

    def drop_schema(self) -> None:
        with self.write_lock:
            Base.metadata.drop_all(self.engine)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction: committed on success, rolled back on any exception; it never
        waits for the write lock (WAL readers see the last commit)."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def writing(self, requests: int = 1) -> Iterator[Session]:
        """A writer's transaction: it queues on `write_lock` (threads, then processes) before it asks
        the database for its lock, so it waits its turn instead of answering `database is locked`.
        Committed on success, rolled back on any exception. `requests`: how many requests' writes
        it holds (a batch's), counted towards checkpoints. Every writer, the control plane's
        included, comes through here (or `locked`): there is no default to forget."""
        with self.write_lock:
            with self.write_sessions() as session, session.begin():
                yield session
            if self._background and self.checkpoints is not None:
                self.checkpoints.committed(requests)

    @contextmanager
    def locked(self) -> Iterator[Connection]:
        """A connection of this database's writers outside any transaction (for a PRAGMA that
        SQLite ignores inside one, or DDL), holding `write_lock` until it is closed; its
        transactions begin as writers' do (BEGIN IMMEDIATE on SQLite)."""
        with self.write_lock, self.engine.connect() as conn:
            yield conn.execution_options(**{WRITE: True})

    def checkpoint_in_background(self) -> Checkpoints | None:
        """A serving process: no connection of this database checkpoints the WAL in its own commit
        from now on; `checkpoints` does, in a thread (the caller reports commits and quiet times)."""
        if self.checkpoints is not None and not self._background:
            self._background = True
            event.listen(self.engine, "connect", _no_autocheckpoint)
            self.engine.dispose()  # the pool's connections were made without it
        return self.checkpoints

    @contextmanager
    def setup(self) -> Iterator[Session]:
        """One transaction that creates the schema and yields a session to load the fixture, holding
        the database against every other instance meanwhile (issue 14 item 12: replicas started
        together on one empty database): BEGIN EXCLUSIVE on SQLite (waiting up to 10 minutes for
        another instance's load), a transaction-scoped advisory lock on PostgreSQL."""
        with self.engine.connect() as conn:
            sqlite = self.backend == "sqlite"
            if sqlite:
                _raw_sqlite(conn).execute(f"PRAGMA busy_timeout={_SETUP_WAIT_MS}")
                conn = conn.execution_options(**{WRITE: "EXCLUSIVE"})
            try:
                with conn.begin():
                    if self.backend == "postgresql":
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SETUP_LOCK})")
                    Base.metadata.create_all(conn)
                    # indexes added since a database was made (create_all skips existing tables)
                    for index in Base.metadata.tables["calls"].indexes:
                        index.create(conn, checkfirst=True)
                    with Session(bind=conn, expire_on_commit=False) as session:
                        yield session
                        session.flush()
            finally:
                if sqlite:
                    _raw_sqlite(conn).execute(f"PRAGMA busy_timeout={_BUSY_MS}")

    def get_meta(self, key: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(MockMeta.value).where(MockMeta.key == key))

    def ping(self) -> None:
        """Readiness: the database answers and holds a loaded fixture (raises otherwise)."""
        if self.get_meta("fixture") is None:
            raise RuntimeError("no fixture loaded")

    def check_writable(self) -> None:
        """A write transaction that changes nothing: fails on a read-only file, folder or role."""
        with self.writing() as session:
            session.execute(delete(MockMeta).where(MockMeta.key == "__write_probe__"))

    def dispose(self) -> None:
        self.engine.dispose()


class DatabaseUrls(Protocol):
    """What opening the databases needs of the settings (settings.Settings; the settings layer sits
    above storage, so storage names only this much of it)."""

    @property
    def environments(self) -> tuple[str, ...]: ...

    def url_for(self, env: str) -> str: ...


def open_databases(settings: DatabaseUrls) -> dict[str, Database]:
    """One Database per environment the settings serve (nothing created: see Database.create_schema
    and fakes.fixtures.prepare)."""
    return {env: Database(env, settings.url_for(env)) for env in settings.environments}
