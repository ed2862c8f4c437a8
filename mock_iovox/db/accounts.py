"""Accounts, their API users and the IP ranges each user may call from (DECISIONS.md §3)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mock_iovox.db.base import Base


class Account(Base):
    """A partner account: every vendor entity belongs to exactly one."""

    __tablename__ = "accounts"

    pk: Mapped[int] = mapped_column(primary_key=True)
    #: the partner name (transferVoxnumbers addresses accounts by it)
    name: Mapped[str] = mapped_column(String(255), unique=True)

    users: Mapped[list[ApiUser]] = relationship(back_populates="account", cascade="all, delete-orphan")


class ApiUser(Base):
    __tablename__ = "api_users"

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    secure_key: Mapped[str] = mapped_column(String(255))

    account: Mapped[Account] = relationship(back_populates="users")
    ip_ranges: Mapped[list[IpRange]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class IpRange(Base):
    """One allowed CIDR range (IPv4 or IPv6) of an API user."""

    __tablename__ = "ip_ranges"
    __table_args__ = (UniqueConstraint("user_pk", "cidr"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("api_users.pk", ondelete="CASCADE"), index=True)
    cidr: Mapped[str] = mapped_column(String(64))

    user: Mapped[ApiUser] = relationship(back_populates="ip_ranges")


class MockMeta(Base):
    """Key/value state of the mock itself (fixture loaded, seed, virtual clock …), shared by all
    processes that use the same database."""

    __tablename__ = "mock_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(4000))
