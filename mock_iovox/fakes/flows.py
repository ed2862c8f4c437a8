"""Fixture section `call_flows`: an account's own call flows, each optionally on links, so that the
demo's generated calls have a flow to follow (calls/outcomes.py).

    call_flows:
      - xml: <callFlow name="Call the agent"><call id="call_1" label="Call" .../></callFlow>
        links:
          - {link_id: westbourne-web, contacts: {call_1: sales-desk}}

A minimal loader: the flow is stored as given (kind CALL, template_type CUSTOM) and put on its
links; `contacts` is accepted and not yet used. The call-flow package (issue 9) replaces this module
with one that validates the XML and fixes the rules' contacts per link, in the same format.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from mock_iovox import xmlio
from mock_iovox.db import Account, CallFlow, Link
from mock_iovox.errors import IovoxError
from mock_iovox.fakes.fixtures import FixtureError, Loader, account_section


@account_section("call_flows")
def call_flows(loader: Loader, account: Account, data: Any, place: str) -> None:
    for i, entry in enumerate(data or [], 1):
        where = f"{place}[{i}]"
        xml = loader.need(entry, "xml", where)
        try:
            root = xmlio.parse(xml.encode())
        except IovoxError as exc:
            raise FixtureError(f"{loader.where}: {where}: invalid flow XML") from exc
        if root.tag != "callFlow" or not root.attrib.get("name"):
            raise FixtureError(f"{loader.where}: {where}: expected <callFlow name=…>")
        flow = CallFlow(
            account_pk=account.pk,
            kind="CALL",
            name=root.attrib["name"],
            notes=root.attrib.get("notes", ""),
            xml=xml,
            template_type="CUSTOM",
            created_at=loader.stamp(),
        )
        loader.session.add(flow)
        loader.session.flush()
        for j, link_data in enumerate(entry.get("links") or [], 1):
            link_id = loader.need(link_data, "link_id", f"{where}.links[{j}]")
            link = loader.session.scalars(
                select(Link).where(Link.account_pk == account.pk, Link.link_id == link_id)
            ).first()
            if link is None:
                raise FixtureError(f"{loader.where}: {where}.links[{j}]: unknown link {link_id!r}")
            link.call_flow_pk = flow.pk
        loader.session.flush()
