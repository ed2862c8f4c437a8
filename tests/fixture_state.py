"""Putting the default fixture's demo account back into an earlier shape for a test that needs it.

The fixture is demo-ready (issue 19): every link with a number runs a call flow, except the one left
without rules on purpose (`westbourne-web`). Scenarios that attach a template to two links with
`overwrite_existing` FALSE (the Ruby gem always sends FALSE) first take the fixture's flow off the
second link here, as a user would have to in the portal: straight in the database, so that the
scenario's own requests stay exactly the clients'."""

from __future__ import annotations

from sqlalchemy import delete, select

from mock_iovox.db import Link, LinkRuleValue
from tests.helpers import Api


def leave_without_rules(api: Api, link_id: str, env: str = "sandbox") -> None:
    """Detach the call flow of a fixture link and drop its per-link values."""
    with api.dbs[env].writing() as session:
        link = session.scalars(select(Link).where(Link.link_id == link_id)).one()
        session.execute(delete(LinkRuleValue).where(LinkRuleValue.link_pk == link.pk))
        link.call_flow_pk = None
