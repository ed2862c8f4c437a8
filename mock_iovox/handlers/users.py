"""Users.setAccountCheckCredit: the credit-check flag of a sub account beneath the caller's account."""

from __future__ import annotations

from sqlalchemy import select

from mock_iovox.context import Ctx
from mock_iovox.db.subaccounts import SubAccount
from mock_iovox.handlers.registry import handles

_FLAGS = {"TRUE": True, "FALSE": False}


@handles("Users", "setAccountCheckCredit")
def set_account_check_credit(ctx: Ctx) -> None:
    name = str(ctx.top.get("sub_account_name") or "")
    flag = _FLAGS.get(str(ctx.top.get("check_credit") or "").upper())
    if not name:
        ctx.add("sub_account_empty")
    if flag is None:
        ctx.add("check_credit_invalid")
    ctx.check()
    sub = ctx.session.scalars(
        select(SubAccount).where(SubAccount.account_pk == ctx.account_pk, SubAccount.name == name)
    ).first()
    if sub is None:
        ctx.fail("sub_account_not_found")
    if not sub.subscribed:
        ctx.fail("no_subscription")
    assert flag is not None
    sub.check_credit = flag
