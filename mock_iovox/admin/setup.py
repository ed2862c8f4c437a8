"""The control plane's tables made ready in a database, once per process and database: created if
missing (with the SQLite change-tracking triggers the snapshots read), the fault rules published,
and the tables declared unversioned so their writes keep every kept vendor answer.

Called explicitly when the control plane (admin/api.py) and the vendor hooks (admin/hooks.py) are
built, at the server's start; admin/store.py holds only the models, so importing it does nothing.
"""

from __future__ import annotations

import weakref

from sqlalchemy import Connection, inspect

from mock_iovox.admin import faults, snapshots
from mock_iovox.admin.store import ControlBase, JournalEntry
from mock_iovox.db.engine import Database
from mock_iovox.db.generations import UNVERSIONED_TABLES

_ENSURED: weakref.WeakSet[Database] = weakref.WeakSet()

#: columns the journal gained after its table was first made (issue 23), added to older databases
_LATER_COLUMNS = {
    "reason": "TEXT NOT NULL DEFAULT ''",
    "response": "TEXT NOT NULL DEFAULT ''",
    "response_bytes": "INTEGER NOT NULL DEFAULT 0",
}


def _add_journal_columns(conn: Connection) -> None:
    have = {c["name"] for c in inspect(conn).get_columns(JournalEntry.__tablename__)}
    for name, kind in _LATER_COLUMNS.items():
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE {JournalEntry.__tablename__} ADD COLUMN {name} {kind}")


def register_unversioned() -> None:
    """The control tables' writes change no vendor answer: they must not empty the answer caches
    (db/generations.py). Idempotent."""
    UNVERSIONED_TABLES.update(ControlBase.metadata.tables)


def ensure(db: Database) -> None:
    """Create the control tables if missing, and on SQLite the change-tracking triggers: under the
    database's setup lock, as the schema (several workers and instances start together)."""
    register_unversioned()
    if db in _ENSURED:
        return
    with db.setup() as session:
        conn = session.connection()
        ControlBase.metadata.create_all(conn)
        _add_journal_columns(conn)
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_mock_journal_method")  # made by earlier versions
        if db.engine.dialect.name == "sqlite":
            snapshots.ensure_triggers(conn)
        faults.publish(conn)
    _ENSURED.add(db)
