"""Numbering: the regions on sale, VoxNumbers (stock and owned), purchase orders, outbound callback
deliveries. Each environment has its own database, so sandbox and production have their own stock,
numbers and orders (DECISIONS.md §3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mock_iovox.db.base import Base, created, text


class NumberRegion(Base):
    """A (country, number type, area code) on sale: a getVoxnumberRegions row (SPEC.md §5.9)."""

    __tablename__ = "number_regions"
    __table_args__ = (UniqueConstraint("country_code", "number_type", "area_code"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 3166 alpha-2 (country_code 1 is both the United States and Canada)
    alpha2: Mapped[str] = text(2)
    country_code: Mapped[str] = text(8)
    country_name: Mapped[str] = text(128)
    number_type: Mapped[str] = text(16)
    area_code: Mapped[str] = text(16)
    city: Mapped[str] = text(128)
    state: Mapped[str] = text(128)
    cost: Mapped[str] = text(16)
    require_purchase_info: Mapped[bool] = mapped_column(default=False)
    #: where the area is (BY POSTCODE fallback distance); NULL for non-geographic regions
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()


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
    #: when the number was last given back to IOVOX (deleteVoxnumbersFromAccount); released numbers
    #: are sold again only after the never-sold ones, like a vendor that recycles late
    released_at: Mapped[datetime | None] = mapped_column()


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = text(32)
    callback_url: Mapped[str] = text(255)
    cc_list: Mapped[str] = text(1000)
    dynamic_quantity: Mapped[bool] = mapped_column(default=False)
    #: the request's items as JSON, for getOrderDetails
    items_json: Mapped[str] = mapped_column(Text, default="[]")
    #: the numbers bought, as JSON [{full_voxnumber, area_code, country_code}] (a record of the order
    #: that later transfers or deletions do not change)
    numbers_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = created()


class CallbackDelivery(Base):
    """One attempt to POST an order outcome to its callback_url (a bounded log, newest kept)."""

    __tablename__ = "callback_deliveries"

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("purchase_orders.pk", ondelete="CASCADE"), index=True)
    url: Mapped[str] = text(255)
    attempt: Mapped[int] = mapped_column(default=1)
    #: HTTP status answered by the receiver; NULL when the connection failed
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str] = text(1000)
    #: the XML document that was posted
    payload: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = created()
