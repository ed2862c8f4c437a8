"""`call_days` kept exact by the database itself: triggers on `calls` (issue 13).

Every INSERT, DELETE, and UPDATE of the bucket's columns on `calls` adjusts the row of its
(account, link_id, node_id, day) in the same statement, so whatever writes CDRs (the call engine,
seeding, the admin API, cascades, snapshot restores and imports, an earlier version of the mock)
leaves the counts exact, on SQLite and PostgreSQL alike. The triggers are made with the tables
(`create_all`, so also after a reset), and a database made before `call_days` existed gets its
counts from its CDRs once, when its schema is set up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, MetaData, event

from mock_iovox.db.base import Base

_BUCKET = "account_pk, link_id, node_id, day"

_SQLITE_ADD = (
    "INSERT INTO call_days (account_pk, link_id, node_id, day, calls) "
    "VALUES (NEW.account_pk, NEW.link_id, NEW.node_id, substr(NEW.call_start, 1, 10), 1) "
    f"ON CONFLICT ({_BUCKET}) DO UPDATE SET calls = calls + 1;"
)
_SQLITE_REMOVE = (
    "UPDATE call_days SET calls = calls - 1 WHERE account_pk = OLD.account_pk AND link_id = OLD.link_id "
    "AND node_id = OLD.node_id AND day = substr(OLD.call_start, 1, 10);"
)
_SQLITE_MOVED = (
    "OLD.account_pk IS NOT NEW.account_pk OR OLD.link_id IS NOT NEW.link_id "
    "OR OLD.node_id IS NOT NEW.node_id OR substr(OLD.call_start, 1, 10) IS NOT substr(NEW.call_start, 1, 10)"
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS call_days_insert AFTER INSERT ON calls BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER IF NOT EXISTS call_days_delete AFTER DELETE ON calls BEGIN {_SQLITE_REMOVE} END",
    "CREATE TRIGGER IF NOT EXISTS call_days_update AFTER UPDATE OF account_pk, call_start, link_id, node_id "
    f"ON calls WHEN {_SQLITE_MOVED} BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
)

POSTGRES_TRIGGERS = (
    """CREATE OR REPLACE FUNCTION mock_call_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.account_pk = NEW.account_pk AND OLD.link_id = NEW.link_id
     AND OLD.node_id = NEW.node_id AND OLD.call_start::date = NEW.call_start::date THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE call_days SET calls = calls - 1 WHERE account_pk = OLD.account_pk AND link_id = OLD.link_id
      AND node_id = OLD.node_id AND day = OLD.call_start::date;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO call_days (account_pk, link_id, node_id, day, calls)
      VALUES (NEW.account_pk, NEW.link_id, NEW.node_id, NEW.call_start::date, 1)
      ON CONFLICT (account_pk, link_id, node_id, day) DO UPDATE SET calls = call_days.calls + 1;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE OR REPLACE TRIGGER call_days AFTER INSERT OR DELETE "
    "OR UPDATE OF account_pk, call_start, link_id, node_id ON calls "
    "FOR EACH ROW EXECUTE FUNCTION mock_call_days()",
)

_DAY = {"sqlite": "substr(call_start, 1, 10)", "postgresql": "CAST(call_start AS DATE)"}


def refill(conn: Connection) -> None:
    """Count every CDR again (the triggers keep the result exact from then on)."""
    conn.exec_driver_sql("DELETE FROM call_days")
    day = _DAY[conn.dialect.name]
    conn.exec_driver_sql(
        f"INSERT INTO call_days ({_BUCKET}, calls) "
        f"SELECT account_pk, link_id, node_id, {day}, count(*) FROM calls "
        f"GROUP BY account_pk, link_id, node_id, {day}"
    )


def drop_triggers(conn: Connection) -> None:
    """SQLite: no counting row by row (a huge load); `install` counts everything again after."""
    for name in ("call_days_insert", "call_days_delete", "call_days_update"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def install(conn: Connection) -> None:
    """The triggers, and the counts of a database whose CDRs were written without them."""
    name = conn.dialect.name
    if name not in _DAY:
        return
    if name == "sqlite":
        present = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'call_days_%'"
        ).scalar()
        if present == len(SQLITE_TRIGGERS):
            return
        for ddl in SQLITE_TRIGGERS:
            conn.exec_driver_sql(ddl)
    else:
        present = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'call_days' AND tgrelid = 'calls'::regclass"
        ).scalar()
        if present:
            return
        for ddl in POSTGRES_TRIGGERS:
            conn.exec_driver_sql(ddl)
    refill(conn)  # CDRs written before the triggers existed are counted once


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata: MetaData, connection: Connection, **_kw: Any) -> None:
    install(connection)
