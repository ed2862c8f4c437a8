"""User.userPortalLogin: a single-use portal login link for one of the account's users (invented
shape, see the catalogue's guesses): the link points at a `.test` host, so it can never log anyone in."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from mock_iovox.context import Ctx
from mock_iovox.db import ApiUser
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree

PORTAL = "https://portal.mock-iovox.test/login?token="


@handles("User", "userPortalLogin")
def user_portal_login(ctx: Ctx) -> Tree:
    username = str(ctx.params.get("username") or "")
    found = ctx.session.scalar(
        select(ApiUser.pk).where(ApiUser.account_pk == ctx.account_pk, ApiUser.username == username)
    )
    if found is None:
        ctx.fail("username_not_found")
    token = hashlib.sha256(f"{ctx.env}|{username}|{ctx.now.isoformat()}".encode()).hexdigest()[:40]
    return {"login_url": PORTAL + token}
