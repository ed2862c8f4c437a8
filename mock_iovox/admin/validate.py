"""An import checked against the schema before anything changes (PUT /__mock__/state).

Every vendor table must be there with exactly its columns; every value must be of its column's type
and fit it (integers within the column's size, text within its length, booleans as booleans, times
as ISO-8601, blobs as base64), NOT NULL columns must have a value, keys and unique columns must be
unique, and every foreign key must name a row of the import. `mock_meta` values are parsed (the clock
as the clock reads it, the fixture seed as an integer). Then the rows are loaded into a scratch
SQLite database in memory and read back through the models and the clock (`smoke_read`), so state
that would break a request is refused with a 400 naming the table, the row and the column, and the
live database is never touched by it.

SQLite uploads (`read_sqlite`) are opened read-only, with a budget of virtual-machine steps (SQLite's
progress handler) and without views, triggers or virtual tables: reading a file must not run the
queries it contains.
"""

from __future__ import annotations

import base64
import binascii
import math
import sqlite3
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    select,
)
from sqlalchemy.orm import Session

#: SQLite virtual-machine steps one upload may take to be read (the progress handler is called
#: every STEP_CHUNK steps); reading the default sandbox takes about 120,000
STEP_BUDGET = 200_000_000
STEP_CHUNK = 10_000
_INT_RANGES = {SmallInteger: 2**15, Integer: 2**31, BigInteger: 2**63}
#: rows of each table the smoke read takes through the models (the values were all checked already)
SMOKE_ROWS = 100
#: the fixture seed: an integer as text
META_INTEGERS = ("seed",)

Decoder = Callable[[Any], Any]


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded; `field` names the offending part (table, row, column)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class _Bad(ValueError):
    pass


def _int_bound(col_type: Any) -> int:
    for kind in (BigInteger, SmallInteger):
        if isinstance(col_type, kind):
            return _INT_RANGES[kind]
    return _INT_RANGES[Integer]


def _decoder(col_type: Any) -> Decoder:
    """How a JSON value becomes the column's Python value (raising _Bad with what was expected)."""
    if isinstance(col_type, Boolean):

        def boolean(v: Any) -> bool:
            if not isinstance(v, bool):
                raise _Bad("must be true or false")
            return v

        return boolean
    if isinstance(col_type, Integer):
        bound = _int_bound(col_type)

        def integer(v: Any) -> int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise _Bad("must be an integer")
            if not -bound <= v < bound:
                raise _Bad(f"must be an integer from {-bound} to {bound - 1}")
            return v

        return integer
    if isinstance(col_type, Float):

        def number(v: Any) -> float:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise _Bad("must be a finite number")
            return float(v)

        return number
    if isinstance(col_type, DateTime):
        return _parsed(datetime.fromisoformat, "must be a time such as 2026-12-02T10:00:00")
    if isinstance(col_type, Date):
        return _parsed(date.fromisoformat, "must be a date such as 2026-12-02")
    if isinstance(col_type, LargeBinary):

        def blob(v: Any) -> bytes:
            if not isinstance(v, str):
                raise _Bad("must be base64 text")
            try:
                return base64.b64decode(v, validate=True)
            except (binascii.Error, ValueError):
                raise _Bad("must be base64 text") from None

        return blob
    length = getattr(col_type, "length", None) if isinstance(col_type, String) else None

    def text(v: Any) -> str:
        if not isinstance(v, str):
            raise _Bad("must be text")
        if length is not None and len(v) > length:
            raise _Bad(f"must be at most {length} characters")
        return v

    return text


def _parsed(parse: Callable[[str], Any], expected: str) -> Decoder:
    def decode(v: Any) -> Any:
        if not isinstance(v, str) or len(v) > 64:
            raise _Bad(expected)
        try:
            return parse(v)
        except ValueError:
            raise _Bad(expected) from None

    return decode


def table_rows(table: Table, entry: Any) -> list[dict[str, Any]]:
    """One table of an import, typed and checked row by row."""
    where = f"tables.{table.name}"
    if not isinstance(entry, dict):
        raise SnapshotError(f"{where} must be an object with columns and rows", where)
    columns, rows = entry.get("columns"), entry.get("rows")
    names = [c.name for c in table.columns]
    listed = [c for c in columns if isinstance(c, str)] if isinstance(columns, list) else []
    if not isinstance(columns, list) or sorted(listed) != sorted(names) or len(listed) != len(columns):
        missing = sorted(set(names) - set(listed))
        detail = f" (missing: {', '.join(missing)})" if missing else ""
        raise SnapshotError(
            f"{where}.columns must list each column of {table.name} once{detail}", f"{where}.columns"
        )
    if not isinstance(rows, list):
        raise SnapshotError(f"{where}.rows must be a list", f"{where}.rows")
    cols = [table.columns[name] for name in columns]
    decoders = [_decoder(c.type) for c in cols]
    out = []
    for n, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(cols):
            raise SnapshotError(
                f"{where}.rows[{n}] must be a list of {len(cols)} values", f"{where}.rows[{n}]"
            )
        ready: dict[str, Any] = {}
        for col, decode, value in zip(cols, decoders, row, strict=True):
            spot = f"{where}.rows[{n}].{col.name}"
            if value is None:
                if not col.nullable:
                    raise SnapshotError(f"{spot} must have a value (the column is NOT NULL)", spot)
                ready[col.name] = None
                continue
            try:
                ready[col.name] = decode(value)
            except _Bad as exc:
                raise SnapshotError(f"{spot} {exc}, not {_shown(value)}", spot) from None
        out.append(ready)
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unique_sets(table: Table) -> list[tuple[str, ...]]:
    sets = [tuple(c.name for c in table.primary_key.columns)]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            sets.append(tuple(c.name for c in constraint.columns))
    sets += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    sets += [(c.name,) for c in table.columns if c.unique]
    return [s for s in dict.fromkeys(sets) if s]


def check_keys(tables: Iterable[Table], rows: dict[str, list[dict[str, Any]]]) -> None:
    """Keys and unique columns unique; every foreign key pointing at a row of the import."""
    tables = list(tables)
    for table in tables:
        for names in _unique_sets(table):
            seen: set[tuple[Any, ...]] = set()
            for n, row in enumerate(rows[table.name]):
                key = tuple(row[name] for name in names)
                if None in key:
                    continue
                if key in seen:
                    spot = f"tables.{table.name}.rows[{n}].{names[0]}"
                    raise SnapshotError(
                        f"{spot}: {', '.join(names)} {_shown(key if len(key) > 1 else key[0])} "
                        "appears twice (it must be unique)",
                        spot,
                    )
                seen.add(key)
    for table in tables:
        for fk in table.foreign_key_constraints:
            local = [c.name for c in fk.columns]
            target = fk.referred_table
            remote = [e.column.name for e in fk.elements]
            if target.name not in rows:
                continue
            present = {tuple(r[name] for name in remote) for r in rows[target.name]}
            for n, row in enumerate(rows[table.name]):
                key = tuple(row[name] for name in local)
                if None not in key and key not in present:
                    spot = f"tables.{table.name}.rows[{n}].{local[0]}"
                    raise SnapshotError(
                        f"{spot} {_shown(key if len(key) > 1 else key[0])} names no row of "
                        f"{target.name} ({', '.join(remote)})",
                        spot,
                    )


def check_meta(rows: list[dict[str, Any]]) -> None:
    """`mock_meta` values that requests parse: the clock as the clock reads it, the seed."""
    from mock_iovox.clock import META_CLOCK, ClockState

    for n, row in enumerate(rows):
        spot = f"tables.mock_meta.rows[{n}].value"
        key, value = row.get("key"), row.get("value")
        if key == META_CLOCK:
            try:
                ClockState.from_json(value).describe()
            except Exception:  # anything the clock cannot read would fail every request
                raise SnapshotError(
                    f'{spot}: the clock must be {{"frozen": ISO-8601}} or {{"offset": seconds}}, '
                    f"not {_shown(value)}",
                    spot,
                ) from None
        elif key in META_INTEGERS and not (isinstance(value, str) and value.lstrip("-").isdigit()):
            raise SnapshotError(f"{spot}: {key} must be an integer, not {_shown(value)}", spot)


def smoke_read(tables: list[Table], rows: dict[str, list[dict[str, Any]]], load: Callable[..., None]) -> None:
    """Load the rows into a scratch SQLite database and read everything back as requests do."""
    from mock_iovox import clock
    from mock_iovox.db import call_days
    from mock_iovox.db.base import Base

    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            Base.metadata.create_all(conn)
            call_days.drop_triggers(conn)  # derived counts: not what an import can break
            try:
                load(conn, rows)
            except Exception as exc:
                raise SnapshotError(f"the import does not load: {_first_line(exc)}", "tables") from None
            with Session(bind=conn) as session:
                try:
                    clock.read(session).describe()
                    for mapper in Base.registry.mappers:  # the rows as the models read them
                        session.scalars(select(mapper.class_).limit(SMOKE_ROWS)).all()
                except Exception as exc:
                    raise SnapshotError(f"the import cannot be read: {_first_line(exc)}", "tables") from None
    finally:
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(exc).__name__])[0][:300]


# -- SQLite uploads ----------------------------------------------------------------------------


def read_sqlite(path: Path, tables: list[Table], encode: Callable[[Any], Any]) -> dict[str, Any]:
    """A SQLite export, read-only and bounded, in the JSON form (for `check`)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    steps = [0]

    def budget() -> int:
        steps[0] += 1
        return 1 if steps[0] * STEP_CHUNK > STEP_BUDGET else 0

    try:
        conn.set_progress_handler(budget, STEP_CHUNK)
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA trusted_schema=OFF")
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        for kind, name, sql in schema:
            if kind in ("view", "trigger") or (sql or "").lstrip().upper().startswith("CREATE VIRTUAL"):
                what = "virtual table" if kind == "table" else kind
                raise SnapshotError(
                    f"the SQLite file has a {what} ({name!r}): a snapshot holds tables only", "body"
                )
        present = {name for kind, name, _ in schema if kind == "table"}
        if "mock_snapshot" not in present:
            raise SnapshotError("not a mock-iovox snapshot: no mock_snapshot table", "format")
        info = {str(k): v for k, v in conn.execute("SELECT key, value FROM mock_snapshot LIMIT 16")}
        out: dict[str, Any] = {}
        for table in tables:
            if table.name not in present:
                continue
            have = [r[1] for r in conn.execute(f'PRAGMA table_info("{table.name}")')]
            names = [c.name for c in table.columns if c.name in have]
            cols = ", ".join(f'"{n}"' for n in names)
            raw = conn.execute(f'SELECT {cols} FROM "{table.name}"').fetchall() if names else []
            kinds = [table.columns[n].type for n in names]
            out[table.name] = {
                "columns": names,
                "rows": [[_from_sqlite(t, v, encode) for t, v in zip(kinds, r, strict=True)] for r in raw],
            }
    except sqlite3.OperationalError as exc:
        if str(exc) == "interrupted":
            raise SnapshotError(
                f"the SQLite file takes more than {STEP_BUDGET} steps to read: refused", "body"
            ) from None
        raise SnapshotError(f"unreadable SQLite snapshot: {exc}", "body") from None
    except sqlite3.DatabaseError as exc:
        raise SnapshotError(f"unreadable SQLite snapshot: {exc}", "body") from None
    finally:
        conn.close()
    return {"format": info.get("format"), "schema": info.get("schema"), "env": info.get("env"), "tables": out}


def _from_sqlite(col_type: Any, value: Any, encode: Callable[[Any], Any]) -> Any:
    """A stored SQLite value in the JSON form the checks read (anything else is left to fail them)."""
    if isinstance(col_type, Boolean) and value in (0, 1) and not isinstance(value, bool):
        return bool(value)
    if isinstance(col_type, DateTime | Date) and isinstance(value, str):
        return value.replace(" ", "T", 1) if isinstance(col_type, DateTime) else value
    if isinstance(col_type, LargeBinary) and isinstance(value, bytes):
        return encode(value)
    if isinstance(value, bytes) and not isinstance(col_type, LargeBinary):
        return {"blob": len(value)}  # a blob where a value belongs: the checks name it
    return value
