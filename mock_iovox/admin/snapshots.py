"""Whole-environment state as data: dump, load, a schema fingerprint, named snapshots.

A snapshot holds every vendor table (mock_iovox.db) and `mock_meta` (so the clock and the fixture
markers travel too), never the control tables (journal, faults, snapshots). A named snapshot is a
copy of each table in the same database (`mock_snap_<hash>_<table>`, made and restored with
INSERT … SELECT, so no row goes through Python); restoring deletes every vendor row and copies
the snapshot's back, in one transaction.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    column,
    create_engine,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import table as table_clause

import mock_iovox.db  # noqa: F401  (registers every table)
from mock_iovox.admin import validate
from mock_iovox.admin.store import DirtyTable, Snapshot
from mock_iovox.admin.validate import SnapshotError as SnapshotError
from mock_iovox.clock import system_now
from mock_iovox.db import call_days
from mock_iovox.db.accounts import MockMeta
from mock_iovox.db.base import Base
from mock_iovox.db.engine import Database
from mock_iovox.db.generations import AUTH_GENERATION, FAULTS, GENERATION

FORMAT = "mock-iovox-snapshot"


def schema_version() -> str:
    """A fingerprint of the vendor tables (names, columns, types): snapshots move only between
    servers that agree on it."""
    parts = []
    for table in _tables():
        cols = ",".join(f"{c.name}:{c.type.__class__.__name__}" for c in table.columns)
        parts.append(f"{table.name}({cols})")
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]


def _tables() -> list[Table]:
    """The vendor tables. Derived ones (`call_days`) are not state: the database's triggers keep
    them in step with the rows a restore or an import deletes and inserts."""
    return [t for t in Base.metadata.sorted_tables if not t.info.get("derived")]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def dump(conn: Connection, env: str) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for table in _tables():
        names = [c.name for c in table.columns]
        rows = conn.execute(select(table)).all()
        tables[table.name] = {"columns": names, "rows": _state_rows(table, rows)}
    return {"format": FORMAT, "schema": schema_version(), "env": env, "tables": tables}


def check(data: Any, smoke: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Validate a dumped snapshot (all of it, before anything is written: admin/validate.py); rows
    ready to insert. `smoke`: also load them in a scratch database and read them back."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError(f"not a mock-iovox snapshot: 'format' must be {FORMAT!r}", "format")
    if data.get("schema") != schema_version():
        raise SnapshotError(
            f"snapshot schema {data.get('schema')!r} does not match this server's schema "
            f"{schema_version()!r} (made by another version of mock-iovox); nothing was changed",
            "schema",
        )
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise SnapshotError("'tables' must be an object", "tables")
    known = _tables()
    unknown = sorted(set(tables) - {t.name for t in known})
    if unknown:
        raise SnapshotError(f"tables.{unknown[0]} is not a table of this schema", f"tables.{unknown[0]}")
    out: dict[str, list[dict[str, Any]]] = {}
    for table in known:
        if table.name not in tables:
            raise SnapshotError(f"tables.{table.name} is missing", f"tables.{table.name}")
        out[table.name] = validate.table_rows(table, tables[table.name])
    out["mock_meta"] = [r for r in out.get("mock_meta", []) if r["key"] not in COUNTERS]
    validate.check_meta(out["mock_meta"])
    validate.check_keys(known, out)
    if smoke:
        validate.smoke_read(known, out, load)
    return out


def load(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Replace every vendor row by `rows` (from `check`), in the caller's transaction."""
    tables = _tables()
    kept = _generations(conn)
    for table in reversed(tables):
        conn.execute(delete(table))
    for table in tables:
        if rows.get(table.name):
            conn.execute(table.insert(), rows[table.name])
    _advance(conn, kept)
    _fix_sequences(conn, tables)


def _shadow(name: str, table: Table) -> str:
    return f"mock_snap_{hashlib.sha1(name.encode()).hexdigest()[:12]}_{table.name}"


def _columns(table: Table) -> str:
    return ", ".join(f'"{c.name}"' for c in table.columns)


def _drop_shadows(conn: Connection, name: str) -> None:
    for table in _tables():
        conn.execute(text(f'DROP TABLE IF EXISTS "{_shadow(name, table)}"'))


def save(session: Session, name: str, env: str) -> Snapshot:
    """Copy every vendor table into the snapshot's own tables, in SQL (no row leaves the database)."""
    conn = session.connection()
    _drop_shadows(conn, name)
    for table in _tables():
        cols = _columns(table)
        conn.execute(text(f'CREATE TABLE "{_shadow(name, table)}" AS SELECT {cols} FROM "{table.name}"'))
    row = session.get(Snapshot, name)
    if row is None:
        row = Snapshot(name=name)
        session.add(row)
    row.schema = schema_version()
    row.created_at = system_now()
    row.data = env.encode()
    session.flush()
    _mark_clean(conn, name)
    return row


def _check_schema(row: Snapshot) -> None:
    if row.schema != schema_version():
        raise SnapshotError(
            f"snapshot {row.name!r} has schema {row.schema!r}, this server {schema_version()!r}; "
            "nothing was changed",
            "schema",
        )


def _copy_back(conn: Connection, name: str, tables: list[Table]) -> None:
    kept = _generations(conn)
    for table in reversed(tables):
        conn.execute(delete(table))
    for table in tables:
        cols = _columns(table)
        conn.execute(text(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM "{_shadow(name, table)}"'))
    _advance(conn, kept)


#: the answer caches' counters (mock_iovox/cache.py), and how many fault rules exist (the rules are
#: control-plane rows, which a restore keeps): not state, never exported, never restored
COUNTERS = (GENERATION, AUTH_GENERATION, FAULTS)


def _generations(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(select(MockMeta.key, MockMeta.value).where(MockMeta.key.in_(COUNTERS))).all())


def _advance(conn: Connection, kept: dict[str, str]) -> None:
    """The counters go on from where they stood before a restore or an import, never back to the
    snapshot's: answers kept at later numbers belong to the abandoned state, and a number reached
    again would serve them."""
    conn.execute(delete(MockMeta).where(MockMeta.key.in_(COUNTERS)))
    for key, value in kept.items():
        ahead = value if key == FAULTS else str(int(value) + 1)
        conn.execute(insert(MockMeta).values(key=key, value=ahead))


def _state_rows(table: Table, rows: Any) -> list[list[Any]]:
    keep = [r for r in rows if table.name != "mock_meta" or r[0] not in COUNTERS]
    return [[_encode(v) for v in r] for r in keep]


def restore(db: Database, name: str) -> bool:
    """Replace every vendor row by the snapshot's (refused, nothing changed, across schemas).

    On SQLite only the tables written since the state last matched this snapshot are copied back
    (triggers record them in `mock_dirty`), with foreign-key enforcement off for the transaction:
    the snapshot is consistent as a whole, so no cascade is wanted. Without complete triggers
    (after a reset dropped the tables, say) every table is copied back."""
    if db.engine.dialect.name != "sqlite":
        with db.writing() as session:
            row = session.get(Snapshot, name)
            if row is None:
                return False
            _check_schema(row)
            tables = _tables()
            _copy_back(session.connection(), name, tables)
            _fix_sequences(session.connection(), tables)
        return True
    with db.locked() as conn:
        # outside any transaction (SQLite ignores this pragma inside one, and the engine begins its
        # transactions itself): straight on the driver's connection, which is in autocommit mode
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                # a write first: the transaction holds the write lock before it reads what changed
                conn.execute(delete(DirtyTable).where(DirtyTable.name == "@lock"))
                found = conn.execute(
                    select(Snapshot.name, Snapshot.schema).where(Snapshot.name == name)
                ).first()
                if found is None:
                    return False
                _check_schema(Snapshot(name=found.name, schema=found.schema))
                dirty = set(conn.execute(select(DirtyTable.name)).scalars())
                tables = _tables()
                if ensure_triggers(conn) and BASE + name in dirty:
                    tables = [t for t in tables if t.name in dirty]
                _copy_back(conn, name, tables)
                _mark_clean(conn, name)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
    return True


BASE = "@base:"


def _trigger_names() -> dict[str, tuple[str, str]]:
    return {
        f"mock_dirty_{table.name}_{op[0].lower()}": (table.name, op)
        for table in _tables()
        for op in ("INSERT", "UPDATE", "DELETE")
    }


def ensure_triggers(conn: Connection) -> bool:
    """SQLite: make sure every vendor table records its writes in `mock_dirty`. True when they were
    all there already; when some were missing, unrecorded writes may have happened, so the state no
    longer matches any snapshot (the `@base` row is dropped)."""
    wanted = _trigger_names()
    present = set(
        conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'mock_dirty_%'")
        )
        .scalars()
        .all()
    )
    missing = [n for n in wanted if n not in present]
    for trigger in missing:
        table, op = wanted[trigger]
        conn.exec_driver_sql(
            f'CREATE TRIGGER IF NOT EXISTS "{trigger}" AFTER {op} ON "{table}" '
            f"WHEN NOT EXISTS (SELECT 1 FROM mock_dirty WHERE name = '{table}') "
            f"BEGIN INSERT INTO mock_dirty (name) VALUES ('{table}'); END"
        )
    if missing:
        conn.execute(delete(DirtyTable).where(DirtyTable.name.startswith(BASE)))
    return not missing


def _mark_clean(conn: Connection, name: str) -> None:
    """The state now equals snapshot `name`."""
    if conn.dialect.name != "sqlite":
        return
    conn.execute(delete(DirtyTable))
    conn.execute(insert(DirtyTable).values(name=BASE + name))


def _fix_sequences(conn: Connection, tables: list[Table]) -> None:
    if conn.dialect.name != "postgresql":  # SQLite's rowids follow the rows by themselves
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].name == "pk":
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'pk'), "
                    f'COALESCE((SELECT max(pk) FROM "{table.name}"), 0) + 1, false)'
                )
            )


def export(session: Session, name: str) -> dict[str, Any] | None:
    """A named snapshot in the export format (as `dump` gives the current state)."""
    row = session.get(Snapshot, name)
    if row is None:
        return None
    conn = session.connection()
    tables: dict[str, Any] = {}
    for table in _tables():
        shadow = table_clause(_shadow(name, table), *[column(c.name, c.type) for c in table.columns])
        rows = conn.execute(select(shadow)).all()
        tables[table.name] = {"columns": [c.name for c in table.columns], "rows": _state_rows(table, rows)}
    return {"format": FORMAT, "schema": row.schema, "env": row.data.decode(), "tables": tables}


def remove(session: Session, name: str) -> bool:
    row = session.get(Snapshot, name)
    if row is None:
        return False
    _drop_shadows(session.connection(), name)
    session.delete(row)
    return True


def listing(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Snapshot.name, Snapshot.schema, Snapshot.created_at).order_by(Snapshot.name)
    ).all()
    return [
        {"name": n, "schema": s, "created_at": c.isoformat(), "current_schema": s == schema_version()}
        for n, s, c in rows
    ]


SQLITE_TYPE = "application/vnd.sqlite3"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def to_sqlite(data: dict[str, Any]) -> bytes:
    """An export as a SQLite file: the vendor tables plus `mock_snapshot` (format, schema, env)."""
    rows = check(data, smoke=False)  # our own export: the load below is its smoke test
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.sqlite3"
        engine = create_engine(f"sqlite:///{path}")
        try:
            Base.metadata.create_all(engine)
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE mock_snapshot (key VARCHAR(32) PRIMARY KEY, value TEXT)"))
                for key in ("format", "schema", "env"):
                    conn.execute(
                        text("INSERT INTO mock_snapshot VALUES (:k, :v)"), {"k": key, "v": data.get(key)}
                    )
                load(conn, rows)
                # tables only: an upload with a trigger or a view is refused (admin/validate.py)
                call_days.drop_triggers(conn)
        finally:
            engine.dispose()
        return path.read_bytes()


def from_sqlite(blob: bytes) -> dict[str, Any]:
    """A SQLite export back in the JSON form (for `check`): read-only, bounded, tables only."""
    if not blob.startswith(_SQLITE_MAGIC):
        raise SnapshotError("the body is not a SQLite file", "body")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.sqlite3"
        path.write_bytes(blob)
        return validate.read_sqlite(path, _tables(), _encode)
