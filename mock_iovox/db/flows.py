"""Call flows (rule templates), per-link rule values, sound files, time templates, blocked numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mock_iovox.db.base import Base, created, text


class CallFlow(Base):
    """A call flow / rule template (SPEC.md §5.5, §5.6); kind CALL or SMS."""

    __tablename__ = "call_flows"
    __table_args__ = (UniqueConstraint("account_pk", "kind", "name"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    #: NULL = a system (DEFAULT) template visible to every account
    account_pk: Mapped[int | None] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = text(8)
    name: Mapped[str] = text()
    notes: Mapped[str] = text(1000)
    #: the call-flow XML as created (the <callFlow> element)
    xml: Mapped[str] = mapped_column(Text, default="")
    template_type: Mapped[str] = text(16)
    advanced: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created()


class LinkRuleValue(Base):
    """Values of a flow's variable ('?') rule attributes fixed for one link (rules_variable)."""

    __tablename__ = "link_rule_values"
    __table_args__ = (UniqueConstraint("link_pk", "flow_pk", "rule_id"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    link_pk: Mapped[int] = mapped_column(ForeignKey("links.pk", ondelete="CASCADE"), index=True)
    flow_pk: Mapped[int] = mapped_column(ForeignKey("call_flows.pk", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = text()
    #: the rule's variable children as JSON
    values_json: Mapped[str] = mapped_column(Text, default="{}")
    contact_pk: Mapped[int | None] = mapped_column(ForeignKey("contacts.pk", ondelete="SET NULL"), index=True)


class SoundFile(Base):
    """An uploaded audio file (MP3 or WAV), addressed by (sound_group, sound_label); the default
    group is "" (a call flow's `soundGroup=""`)."""

    __tablename__ = "sound_files"
    __table_args__ = (UniqueConstraint("account_pk", "sound_group", "sound_label"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    sound_label: Mapped[str] = text()
    sound_group: Mapped[str] = text()
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: audio/mpeg or audio/wav, sniffed on upload; served by getSoundFileData
    content_type: Mapped[str] = text(32)
    #: len(data), kept beside it so that listing never reads the audio
    content_length: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = text(1000)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


class TimeTemplate(Base):
    """Named sets of date/time frames (SPEC.md §5.5); frames_json holds the frames as given."""

    __tablename__ = "time_templates"
    __table_args__ = (UniqueConstraint("account_pk", "label"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    label: Mapped[str] = text()
    notes: Mapped[str] = text(1000)
    frames_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = created()


class BlockedNumber(Base):
    """A caller (IN) or destination (OUT) number or prefix, blocked or allowed by default, with
    per-link rules (SPEC.md §5.5)."""

    __tablename__ = "blocked_numbers"
    __table_args__ = (UniqueConstraint("account_pk", "number", "in_or_out", "operator"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    in_or_out: Mapped[str] = text(8)
    operator: Mapped[str] = text(16)
    default: Mapped[str] = text(8)
    notes: Mapped[str] = text(1000)
    created_at: Mapped[datetime] = created()


class BlockedNumberRule(Base):
    """One per-link rule of a blocked number: on this link (NULL: every link), within this time
    template (NULL: at any time), BLOCK or ALLOW. One row per link id, the shape the PHP model reads."""

    __tablename__ = "blocked_number_rules"

    pk: Mapped[int] = mapped_column(primary_key=True)
    blocked_number_pk: Mapped[int] = mapped_column(
        ForeignKey("blocked_numbers.pk", ondelete="CASCADE"), index=True
    )
    #: a deleted link takes its rules with it
    link_pk: Mapped[int | None] = mapped_column(ForeignKey("links.pk", ondelete="CASCADE"), index=True)
    #: deleteTimeTemplates force=TRUE takes the template out of the rule (SPEC.md §5.5)
    time_template_pk: Mapped[int | None] = mapped_column(
        ForeignKey("time_templates.pk", ondelete="SET NULL"), index=True
    )
    blocking_type: Mapped[str] = text(8)


class Cli(Base):
    """A caller-id number (CLI) of the account (Clis.deleteClis; fixtures create them)."""

    __tablename__ = "clis"
    __table_args__ = (UniqueConstraint("account_pk", "cli"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    cli: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = created()
