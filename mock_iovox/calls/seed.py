"""Writing generated calls: bulk Core inserts in batches, with SQLite tuned for a big load."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Index, Table, insert
from sqlalchemy.orm import Session

from mock_iovox.calls.generate import COLUMNS, category_pool, generate, next_pk, plan_links
from mock_iovox.calls.traffic import Window
from mock_iovox.db import Call, call_categories, call_days

CALLS: Table = Call.__table__  # type: ignore[assignment]
#: above this many calls, the secondary indexes are dropped during the load and built once after
REINDEX_FROM = 100_000


@contextmanager
def bulk_mode(conn: Connection, count: int) -> Iterator[None]:
    """Cheaper writes for a big SQLite load: a bigger page cache, and (for
    huge loads) the secondary indexes and `call_days` built once at the end instead of row by row
    (in the load's transaction: a failed load leaves them as they were)."""
    sqlite = conn.dialect.name == "sqlite"
    indexes: list[Index] = []
    if sqlite:
        conn.exec_driver_sql("PRAGMA cache_size=-65536")
        if count >= REINDEX_FROM:
            indexes = sorted(CALLS.indexes, key=lambda ix: str(ix.name))
            for ix in indexes:
                ix.drop(conn, checkfirst=True)
            # call_days too is counted once at the end (by `install`), not row by row
            call_days.drop_triggers(conn)
    try:
        yield
    finally:
        for ix in indexes:
            ix.create(conn, checkfirst=True)
        if sqlite and indexes:
            call_days.install(conn)
            conn.exec_driver_sql("ANALYZE calls")


def _sqlite_time(value: datetime) -> str:
    # the text SQLAlchemy's SQLite DateTime stores (microseconds included), so that bound
    # parameters compare with these values exactly as with rows written through the ORM
    return value.isoformat(" ") + ".000000"


def _writer(conn: Connection) -> Callable[[list[tuple[Any, ...]]], None]:
    """Batch writer. On SQLite: the Core insert compiled once and run through the driver's
    executemany with plain tuples (SQLAlchemy's per-row bind processing is most of the cost of a
    million-row load); elsewhere the portable Core executemany."""
    if conn.dialect.name != "sqlite":

        def write_portable(rows: list[tuple[Any, ...]]) -> None:
            conn.execute(insert(Call), [dict(zip(COLUMNS, row, strict=True)) for row in rows])

        return write_portable
    sql = str(insert(Call).compile(dialect=conn.dialect, column_keys=list(COLUMNS)))
    start, end = COLUMNS.index("call_start"), COLUMNS.index("call_end")

    def write_sqlite(rows: list[tuple[Any, ...]]) -> None:
        conn.exec_driver_sql(
            sql,
            [(*r[:start], _sqlite_time(r[start]), _sqlite_time(r[end]), *r[end + 1 :]) for r in rows],
        )

    return write_sqlite


def seed_calls(
    session: Session,
    account_pk: int,
    count: int,
    window: Window,
    seed: int,
    progress: Callable[[int], None] | None = None,
    traffic_weights: Mapping[str, float] | None = None,
) -> int:
    """Generate `count` calls over `window` for the account's links (a link's share of the traffic
    times `traffic_weights[link_id]`, default 1); returns how many were written (0 when the account
    has no link)."""
    rng = random.Random(f"mock-iovox calls {seed}")
    links = plan_links(session, account_pk, rng, traffic_weights)
    pool = category_pool(session, account_pk)
    first = next_pk(session)
    conn = session.connection()
    write = _writer(conn)
    written = 0
    with bulk_mode(conn, count):
        for calls, cats in generate(account_pk, links, pool, window, count, rng, first):
            write(calls)
            if cats:
                conn.execute(insert(call_categories), cats)
            written += len(calls)
            if progress is not None:
                progress(len(calls))
    return written
