"""Numbering: VoxNumbers (stock and owned), purchase orders, outbound callback deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mock_iovox.db.base import Base, created, text


class VoxNumber(Base):
    """A tracking number. account_pk NULL = still in IOVOX's stock (purchasable)."""

    __tablename__ = "voxnumbers"
    __table_args__ = (Index("ix_voxnumbers_stock", "account_pk", "country_code", "number_type", "area_code"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int | None] = mapped_column(ForeignKey("accounts.pk", ondelete="SET NULL"))
    #: E.164 digits without "+" (SPEC.md §3.3)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    country_code: Mapped[str] = text(8)
    country_name: Mapped[str] = text(128)
    area_code: Mapped[str] = text(16)
    city: Mapped[str] = text(128)
    state: Mapped[str] = text(128)
    #: GEOGRAPHIC / NATIONAL / TOLLFREE
    number_type: Mapped[str] = text(16)
    link_pk: Mapped[int | None] = mapped_column(ForeignKey("links.pk", ondelete="SET NULL"), unique=True)
    #: setCallStatus ON/OFF (OFF persists until set ON, SPEC.md §6)
    call_on: Mapped[bool] = mapped_column(default=True)
    purchased_at: Mapped[datetime | None] = mapped_column()
    order_pk: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.pk", ondelete="SET NULL"))


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = text(32)
    callback_url: Mapped[str] = text(255)
    cc_list: Mapped[str] = text(1000)
    #: the request's items as JSON, for getOrderDetails
    items_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = created()


class CallbackDelivery(Base):
    """One attempt to POST an order outcome to its callback_url (bounded log)."""

    __tablename__ = "callback_deliveries"

    pk: Mapped[int] = mapped_column(primary_key=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("purchase_orders.pk", ondelete="CASCADE"), index=True)
    url: Mapped[str] = text(255)
    attempt: Mapped[int] = mapped_column(default=1)
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str] = text(1000)
    sent_at: Mapped[datetime] = created()
