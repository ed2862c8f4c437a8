"""Declarative base and column helpers shared by every model module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names: the same DDL on SQLite and PostgreSQL, and readable migration diffs.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@compiles(String, "postgresql")
def _unbounded_varchar(type_: String, compiler: Any, **kw: Any) -> str:
    """String columns are unbounded VARCHAR on PostgreSQL, as every column is on SQLite: the vendor
    documents no maximum lengths, and a longer value must not become a 500 (`value too long for
    type character varying(255)`, found by the fuzz suite). Lengths stay in the models as intent."""
    return "VARCHAR"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def vendor_id() -> Mapped[str]:
    """A client-chosen identifier (node_id, link_id, …): a string, unique per account."""
    return mapped_column(String(255), nullable=False)


def text(length: int = 255) -> Mapped[str]:
    return mapped_column(String(length), nullable=False, default="")


def created() -> Mapped[datetime]:
    return mapped_column(nullable=False)
