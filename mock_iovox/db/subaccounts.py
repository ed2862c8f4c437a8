"""Sub accounts beneath an account (Users.setAccountCheckCredit; fixtures create them).

The vendor shows sub accounts only through setAccountCheckCredit (a sub account must exist beneath
the caller's account and have an active subscription); the mock keeps just what that method reads
and writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mock_iovox.db.base import Base, created, text


class SubAccount(Base):
    __tablename__ = "sub_accounts"
    __table_args__ = (UniqueConstraint("account_pk", "name"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    #: the main account the sub account sits beneath
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.pk", ondelete="CASCADE"), index=True)
    name: Mapped[str] = text()
    #: has an active subscription (setAccountCheckCredit refuses the others)
    subscribed: Mapped[bool] = mapped_column(nullable=False, default=True)
    check_credit: Mapped[bool] = mapped_column(nullable=False, default=False)
    created_at: Mapped[datetime] = created()
