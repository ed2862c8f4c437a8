"""Account setup: Nodes, Links, Categories and Contacts (SPEC.md §2, §5.1-§5.4, §6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mock_iovox.db.base import Base, created, text, vendor_id

link_categories = Table(
    "link_categories",
    Base.metadata,
    Column("link_pk", ForeignKey("links.pk", ondelete="CASCADE"), primary_key=True),
    Column("category_pk", ForeignKey("categories.pk", ondelete="CASCADE"), primary_key=True, index=True),
)

node_categories = Table(
    "node_categories",
    Base.metadata,
    Column("node_pk", ForeignKey("nodes.pk", ondelete="CASCADE"), primary_key=True),
    Column("category_pk", ForeignKey("categories.pk", ondelete="CASCADE"), primary_key=True, index=True),
)

contact_categories = Table(
    "contact_categories",
    Base.metadata,
    Column("contact_pk", ForeignKey("contacts.pk", ondelete="CASCADE"), primary_key=True),
    Column("category_pk", ForeignKey("categories.pk", ondelete="CASCADE"), primary_key=True, index=True),
)


class Node(Base):
    """What is tracked (a shop, a property …); owns links and categories."""

    __tablename__ = "nodes"
    __table_args__ = (UniqueConstraint("account_pk", "node_id"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    node_id: Mapped[str] = vendor_id()
    node_name: Mapped[str] = text()
    node_type: Mapped[str] = text()
    node_date: Mapped[datetime] = created()
    created_at: Mapped[datetime] = created()

    links: Mapped[list[Link]] = relationship(
        back_populates="node", cascade="all, delete-orphan", passive_deletes=True
    )


class Link(Base):
    """A channel of a node; carries at most one VoxNumber, one call flow and one SMS flow."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("account_pk", "link_id"),
        # link names are unique within a node (SPEC.md §6)
        UniqueConstraint("node_pk", "link_name"),
    )

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    node_pk: Mapped[int] = mapped_column(ForeignKey("nodes.pk", ondelete="CASCADE"), index=True)
    link_id: Mapped[str] = vendor_id()
    link_name: Mapped[str] = text()
    link_type: Mapped[str] = text()
    link_date: Mapped[datetime] = created()
    click_to_call: Mapped[bool] = mapped_column(default=True)
    call_flow_pk: Mapped[int | None] = mapped_column(
        ForeignKey("call_flows.pk", ondelete="SET NULL"), index=True
    )
    sms_flow_pk: Mapped[int | None] = mapped_column(
        ForeignKey("call_flows.pk", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = created()

    node: Mapped[Node] = relationship(back_populates="links")


class Category(Base):
    """A node of a category tree. A top-level category is a *configuration* (type Tree,
    Quarantine_Date or Deletion_Date); its descendants are values (SPEC.md §5.3)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("account_pk", "category_id"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    category_id: Mapped[str] = vendor_id()
    parent_pk: Mapped[int | None] = mapped_column(ForeignKey("categories.pk", ondelete="CASCADE"), index=True)
    #: pk of the top-level configuration this category belongs to (itself for a configuration)
    root_pk: Mapped[int | None] = mapped_column(index=True)
    label: Mapped[str] = text()
    value: Mapped[str] = text()
    type: Mapped[str] = text(32)
    colour: Mapped[str] = text(16)
    value_type: Mapped[str] = text(32)
    created_at: Mapped[datetime] = created()


class Contact(Base):
    """Someone calls are forwarded to (vCard-like fields, SPEC.md §5.4)."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("account_pk", "contact_id"),
        Index("ix_contacts_account_display_name", "account_pk", "display_name"),
    )

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str] = vendor_id()
    display_name: Mapped[str] = text()
    first_name: Mapped[str] = text()
    last_name: Mapped[str] = text()
    email: Mapped[str] = text()
    email_2: Mapped[str] = text()
    company: Mapped[str] = text()
    title: Mapped[str] = text()
    mobile_phone: Mapped[str] = text(64)
    home_phone: Mapped[str] = text(64)
    business_phone: Mapped[str] = text(64)
    business_fax: Mapped[str] = text(64)
    work_address_1: Mapped[str] = text()
    work_address_2: Mapped[str] = text()
    work_city: Mapped[str] = text()
    work_country: Mapped[str] = text()
    work_postcode: Mapped[str] = text(32)
    home_address_1: Mapped[str] = text()
    home_address_2: Mapped[str] = text()
    home_city: Mapped[str] = text()
    home_country: Mapped[str] = text()
    home_postcode: Mapped[str] = text(32)
    notes: Mapped[str] = mapped_column(String(4000), default="")
    #: the contact also has a portal user account (deleteContacts rm_if_user)
    has_user: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created()
