"""Fixture sections for call flows (SPEC.md §5.5-5.6).

Environment-wide `system_flows: all` - the DEFAULT rule templates (mock_iovox/flows/system.py).

Per account `call_flows` - the account's own (CUSTOM) flows, each optionally on links, with the
per-link values of its `?` slots, as attachRuleTemplateToLinks would store them: `contacts` fixes a
rule's contact (defined in `contacts`; its id, phone, e-mail and name fill the contact slots),
`values` any slot by its rules_variable name (`sound_files`, `play`, `no_key_message`,
`voicemail_message`, `send_call_alert`, `record_call`, `contact/phone_number` …; sound files as
`group|label`):

    call_flows:
      - xml: <callFlow name="Call the agent"><call id="call_1" label="Call" .../></callFlow>
        links:
          - link_id: westbourne-web
            contacts: {call_1: sales-desk}
            values: {menu: {play: ["IVR|Menu options"]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from mock_iovox import xmlio
from mock_iovox.db import Account, CallFlow, Contact, Link, LinkRuleValue
from mock_iovox.errors import IovoxError
from mock_iovox.fakes.fixtures import FixtureError, Loader, account_section, env_section
from mock_iovox.flows import values as V
from mock_iovox.flows.model import Flow
from mock_iovox.flows.parse import FlowError, read_flow
from mock_iovox.flows.store import CUSTOM, DEFAULT, link_column
from mock_iovox.flows.system import SYSTEM_FLOWS


def _read(loader: Loader, xml: str, place: str) -> Flow:
    try:
        return read_flow(xmlio.parse(xml.encode()))
    except (FlowError, IovoxError) as exc:
        raise FixtureError(f"{loader.where}: {place}: invalid flow XML: {exc}") from exc


def _store(
    loader: Loader, account_pk: int | None, flow: Flow, template_type: str, created: datetime
) -> CallFlow:
    row = CallFlow(
        account_pk=account_pk,
        kind=flow.kind,
        name=flow.name,
        notes=flow.notes,
        xml=xmlio.write_node(flow.source),
        template_type=template_type,
        advanced=flow.advanced,
        created_at=created,
    )
    loader.session.add(row)
    loader.session.flush()
    return row


@env_section("system_flows")
def system_flows(loader: Loader, data: Any, place: str) -> None:
    if data != "all":
        raise FixtureError(f"{loader.where}: {place}: expected 'all'")
    for i, xml in enumerate(SYSTEM_FLOWS, 1):
        # shipped with the service, the day before the fixture's epoch
        created = loader.epoch - timedelta(days=1) + timedelta(minutes=i)
        _store(loader, None, _read(loader, xml, f"{place}[{i}]"), DEFAULT, created)


@account_section("call_flows")
def call_flows(loader: Loader, account: Account, data: Any, place: str) -> None:
    for i, entry in enumerate(data or [], 1):
        where = f"{place}[{i}]"
        flow = _read(loader, loader.need(entry, "xml", where), where)
        # seconds after the epoch: distinct, and no minute tick of loader.stamp() is taken, so adding
        # flows to a fixture shifts no other row's date
        row = _store(loader, account.pk, flow, CUSTOM, loader.epoch + timedelta(seconds=i))
        for j, link_data in enumerate(entry.get("links") or [], 1):
            _attach(loader, account, row, flow, link_data, f"{where}.links[{j}]")


def _attach(
    loader: Loader, account: Account, row: CallFlow, flow: Flow, data: Mapping[str, Any], place: str
) -> None:
    session = loader.session
    link_id = loader.need(data, "link_id", place)
    link = session.scalars(select(Link).where(Link.account_pk == account.pk, Link.link_id == link_id)).first()
    if link is None:
        raise FixtureError(f"{loader.where}: {place}: unknown link {link_id!r}")
    setattr(link, link_column(row.kind).key, row.pk)
    contacts = data.get("contacts") or {}
    extra = data.get("values") or {}
    if not isinstance(contacts, dict) or not isinstance(extra, dict):
        raise FixtureError(f"{loader.where}: {place}: 'contacts' and 'values' map rule ids")
    for rule_id in dict.fromkeys([*map(str, contacts), *map(str, extra)]):
        rule = flow.by_id.get(rule_id)
        if rule is None:
            raise FixtureError(f"{loader.where}: {place}: unknown rule {rule_id!r}")
        values: dict[str, Any] = {}
        contact = None
        if rule_id in map(str, contacts):
            contact_id = str(next(v for k, v in contacts.items() if str(k) == rule_id))
            contact = session.scalars(
                select(Contact).where(Contact.account_pk == account.pk, Contact.contact_id == contact_id)
            ).first()
            if contact is None:
                raise FixtureError(
                    f"{loader.where}: {place}: unknown rule {rule_id!r} or contact {contact_id!r}"
                )
            values = {
                "contact/contact_id": contact.contact_id,
                "contact/phone_number": contact.business_phone or contact.mobile_phone,
                "contact/email": contact.email,
                "contact/display_name": contact.display_name,
            }
        given = next((v for k, v in extra.items() if str(k) == rule_id), None) or {}
        if not isinstance(given, dict):
            raise FixtureError(f"{loader.where}: {place}: values of {rule_id!r} must be a mapping")
        for slot, value in given.items():
            values[str(slot)] = [str(v) for v in value] if isinstance(value, list) else str(value)
        kept = V.prune(rule, values)
        session.add(
            LinkRuleValue(
                link_pk=link.pk,
                flow_pk=row.pk,
                rule_id=rule.id,
                values_json=V.dumps(kept),
                contact_pk=contact.pk if contact is not None else None,
            )
        )
    session.flush()
