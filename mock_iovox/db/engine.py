"""One database per environment: engine, session factory, schema creation (DECISIONS.md §3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from mock_iovox.db.accounts import MockMeta
from mock_iovox.db.base import Base


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Database:
    """The database of one environment."""

    def __init__(self, env: str, url: str) -> None:
        self.env = env
        self.url = url
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = create_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    def drop_schema(self) -> None:
        Base.metadata.drop_all(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any exception."""
        with self.sessions() as session, session.begin():
            yield session

    def get_meta(self, key: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(MockMeta.value).where(MockMeta.key == key))

    def ping(self) -> None:
        """Readiness: the database answers and holds a loaded fixture (raises otherwise)."""
        if self.get_meta("fixture") is None:
            raise RuntimeError("no fixture loaded")

    def check_writable(self) -> None:
        """A write transaction that changes nothing: fails on a read-only file, folder or role."""
        with self.transaction() as session:
            session.execute(delete(MockMeta).where(MockMeta.key == "__write_probe__"))

    def dispose(self) -> None:
        self.engine.dispose()
