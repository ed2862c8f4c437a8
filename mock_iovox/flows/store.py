"""Flows in the database: look-ups, sound-file checks, and putting a template on links.

Shared by the CallFlow/Flow, Rules and Links handlers and by createNodeFull/createLinksFull. Checking
(`plan_values`) is separate from writing (`attach_flow`), so a request with any error writes nothing.
The error keys used here (`template_name_not_found`, `rule_id_not_found`, `sound_file_not_found`)
are RULE_VARIABLE_ERRORS of the calling method.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, or_, select, tuple_, update
from sqlalchemy.orm import InstrumentedAttribute

from mock_iovox.context import Ctx, by_vendor_id
from mock_iovox.db import CallFlow, Contact, Link, LinkRuleValue, SoundFile
from mock_iovox.domain.contacts import default_display_name
from mock_iovox.flows import values as V
from mock_iovox.flows.model import Flow, Rule, SoundRef
from mock_iovox.flows.parse import stored_flow
from mock_iovox.xmlio import XNode

DEFAULT = "DEFAULT"
CUSTOM = "CUSTOM"
PHONES = ("business_phone", "mobile_phone", "home_phone")


def link_column(kind: str) -> InstrumentedAttribute[int | None]:
    """The link's slot for a flow of this kind (one calling template, one SMS template, SPEC.md §6)."""
    return Link.sms_flow_pk if kind == "SMS" else Link.call_flow_pk


def visible(ctx: Ctx) -> Any:
    """Flows the caller can use: its own and the system (DEFAULT) ones."""
    return or_(CallFlow.account_pk == ctx.account_pk, CallFlow.account_pk.is_(None))


def find_flow(ctx: Ctx, kinds: Iterable[str], name: str, *, own_only: bool = False) -> CallFlow | None:
    """A flow by name: the account's own first, then a system one (unless `own_only`)."""
    owner = CallFlow.account_pk == ctx.account_pk if own_only else visible(ctx)
    rows = ctx.session.scalars(
        select(CallFlow).where(owner, CallFlow.kind.in_(list(kinds)), CallFlow.name == name)
    ).all()
    return min(rows, key=lambda r: r.account_pk is None, default=None)


def name_taken(ctx: Ctx, kind: str, name: str) -> bool:
    return find_flow(ctx, [kind], name) is not None


def missing_sounds(ctx: Ctx, refs: Iterable[SoundRef]) -> list[SoundRef]:
    """The references that name no sound file of the account (group "" is the default group)."""
    wanted = list(dict.fromkeys(refs))
    if not wanted:
        return []
    found = set(
        ctx.session.execute(
            select(SoundFile.sound_group, SoundFile.sound_label).where(
                SoundFile.account_pk == ctx.account_pk,
                tuple_(SoundFile.sound_group, SoundFile.sound_label).in_(
                    [(r.group, r.label) for r in wanted]
                ),
            )
        ).all()
    )
    return [r for r in wanted if (r.group, r.label) not in found]


def flow_of(row: CallFlow) -> Flow:
    if not row.xml:  # a row written without a document (tests, older data): no rules
        return Flow(row.kind, row.name, row.notes, [], XNode("callFlow", {"name": row.name}))
    return stored_flow(row.xml)


# ---------------------------------------------------------------------------------------------
# rules_variable → checked values → link


@dataclass(slots=True)
class RuleValues:
    rule: Rule
    values: V.Values
    contact: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Plan:
    """A template checked for one link, with the values its `rules_variable` gives."""

    row: CallFlow
    flow: Flow
    rules: list[RuleValues] = field(default_factory=list)


def plan_values(ctx: Ctx, row: CallFlow, items: Sequence[Mapping[str, Any]]) -> Plan:
    """Check `rules_variable` items against the template (errors go to ctx, positioned among the
    items): unknown rule ids and sound files that do not exist."""
    flow = flow_of(row)
    plan = Plan(row, flow)
    total = len(items)
    for x, item in enumerate(items, 1):
        rule_id = item.get("rule_id") or ""
        rule = flow.by_id.get(rule_id)
        if not rule_id:
            continue  # the payload reader already reported `Rule ID x of y Empty`
        if rule is None:
            ctx.add("rule_id_not_found", x=x, y=total)
            continue
        values = V.read_item(rule, item)
        refs = [SoundRef.parse(r) for v in values.values() if isinstance(v, list) for r in v]
        if missing_sounds(ctx, refs):
            ctx.add("sound_file_not_found", x=x, y=total)
        contact = (item.get("contact") or [{}])[0]
        plan.rules.append(RuleValues(rule, values, {k: v for k, v in contact.items() if v}))
    return plan


@dataclass(slots=True)
class Contacts:
    """Contacts named by rules, created on the fly when unknown (SPEC.md §5.1 sandbox record):
    display_name defaults as in createContacts (first and last name, else company, else the contact
    id), business_phone to the rule's phone_number."""

    ctx: Ctx
    known: dict[str, Contact] = field(default_factory=dict)

    def get(self, contact_id: str, details: Mapping[str, Any]) -> Contact:
        if contact_id not in self.known:
            self.known.update(by_vendor_id(self.ctx, Contact, "contact_id", [contact_id]))
        if contact_id in self.known:
            return self.known[contact_id]
        fields = {k: str(v) for k, v in details.items() if k in Contact.__table__.columns and k != "pk"}
        fields.pop("account_pk", None)
        fields.pop("has_user", None)
        fields.pop("created_at", None)
        phone = details.get("phone_number")
        if phone and not fields.get("business_phone"):
            fields["business_phone"] = str(phone)
        fields["contact_id"] = contact_id
        fields["display_name"] = fields.get("display_name") or default_display_name(fields, contact_id)
        contact = Contact(account_pk=self.ctx.account_pk, created_at=self.ctx.now, **fields)
        self.ctx.session.add(contact)
        self.ctx.session.flush()
        self.known[contact_id] = contact
        return contact


def _fix_contact(rv: RuleValues, contacts: Contacts) -> int | None:
    """Fill the rule's contact slots from `rv.contact`; the contact's pk when the rule is fixed to it
    (the contact is then ASSIGNED), None when it stays variable."""
    slots = [s[len(V.CONTACT) :] for s in rv.rule.slots if s.startswith(V.CONTACT)]
    if not slots or not rv.contact:
        return None
    given = rv.contact
    contact_id = str(given.get("contact_id") or "")
    contact = contacts.get(contact_id, given) if contact_id else None
    found: dict[str, str] = {}
    phone = given.get("phone_number") or next((given[p] for p in PHONES if given.get(p)), "")
    if not phone and contact is not None:
        phone = next((getattr(contact, p) for p in PHONES if getattr(contact, p)), "")
    if phone:
        found["phone_number"] = str(phone)
    email = given.get("email") or (contact.email if contact is not None else "")
    if email:
        found["email"] = str(email)
    if contact is not None:
        found["contact_id"] = contact.contact_id
        found["display_name"] = contact.display_name
    # the rule is fixed only when everything it dials is known (an empty phone leaves it `?`)
    needs = [s for s in slots if s in ("phone_number", "email")]
    if contact is None or any(s not in found for s in needs):
        if contact is None:
            for s in slots:
                if s in found:
                    rv.values[V.CONTACT + s] = found[s]
        return None
    for s in slots:
        if s in found:
            rv.values[V.CONTACT + s] = found[s]
    return contact.pk


def attach_flow(ctx: Ctx, link: Link, plan: Plan, contacts: Contacts) -> None:
    """Put the template on the link (replacing the one of the same kind) with the planned values."""
    column = link_column(plan.row.kind)
    old = getattr(link, column.key)
    ctx.session.execute(
        delete(LinkRuleValue).where(
            LinkRuleValue.link_pk == link.pk, LinkRuleValue.flow_pk.in_({plan.row.pk, old or plan.row.pk})
        )
    )
    setattr(link, column.key, plan.row.pk)
    rows = []
    for rv in plan.rules:
        contact_pk = _fix_contact(rv, contacts)
        if rv.values or contact_pk is not None:
            rows.append(
                LinkRuleValue(
                    link_pk=link.pk,
                    flow_pk=plan.row.pk,
                    rule_id=rv.rule.id,
                    values_json=V.dumps(rv.values),
                    contact_pk=contact_pk,
                )
            )
    ctx.session.add_all(rows)
    ctx.session.flush()


def detach_flows(ctx: Ctx, links: Iterable[Link], kind: str) -> None:
    """Take the template of this kind off the links, with its per-link values."""
    column = link_column(kind)
    pairs = [(link.pk, getattr(link, column.key)) for link in links if getattr(link, column.key)]
    if not pairs:
        return
    ctx.session.execute(
        delete(LinkRuleValue).where(tuple_(LinkRuleValue.link_pk, LinkRuleValue.flow_pk).in_(pairs))
    )
    ctx.session.execute(update(Link).where(Link.pk.in_([p for p, _ in pairs])).values({column.key: None}))
    for link in links:
        ctx.session.refresh(link)


def detach_everywhere(ctx: Ctx, row: CallFlow) -> None:
    """deleteCallFlows detach_from_links=TRUE: off every link, values dropped."""
    ctx.session.execute(delete(LinkRuleValue).where(LinkRuleValue.flow_pk == row.pk))
    for column in (Link.call_flow_pk, Link.sms_flow_pk):
        ctx.session.execute(update(Link).where(column == row.pk).values({column.key: None}))


def attached_anywhere(ctx: Ctx, row: CallFlow) -> bool:
    return (
        ctx.session.scalar(
            select(Link.pk).where(or_(Link.call_flow_pk == row.pk, Link.sms_flow_pk == row.pk)).limit(1)
        )
        is not None
    )


def reapply(ctx: Ctx, row: CallFlow, flow: Flow) -> None:
    """updateCallFlow: every link keeps its values for rule ids (and slots) that still exist."""
    for value in ctx.session.scalars(select(LinkRuleValue).where(LinkRuleValue.flow_pk == row.pk)):
        rule = flow.by_id.get(value.rule_id)
        kept = V.prune(rule, V.loads(value.values_json))
        if rule is None or not rule.slots:
            ctx.session.delete(value)
            continue
        value.values_json = V.dumps(kept)
        if not any(s.startswith(V.CONTACT) for s in rule.slots):
            value.contact_pk = None


# ---------------------------------------------------------------------------------------------
# reading back


def link_rules(ctx: Ctx, link_pks: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """link pk -> its calling template's variable rules with the link's values (getNodeDetails)."""
    if not link_pks:
        return {}
    rows = ctx.session.execute(
        select(Link.pk, CallFlow)
        .join(CallFlow, CallFlow.pk == Link.call_flow_pk)
        .where(Link.pk.in_(link_pks))
    ).all()
    if not rows:
        return {}
    stored = values_of(ctx, [(link_pk, flow.pk) for link_pk, flow in rows])
    out: dict[int, list[dict[str, Any]]] = {}
    for link_pk, flow in rows:
        mine = stored.get((link_pk, flow.pk), {})
        out[link_pk] = [V.render_rule(r, mine.get(r.id)) for r in flow_of(flow).variable_rules]
    return out


def values_of(ctx: Ctx, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], dict[str, V.Values]]:
    """(link pk, flow pk) -> rule id -> values; a fixed contact shows its current contact id."""
    if not pairs:
        return {}
    query = (
        select(LinkRuleValue, Contact.contact_id)
        .outerjoin(Contact, Contact.pk == LinkRuleValue.contact_pk)
        .where(or_(*[and_(LinkRuleValue.link_pk == lp, LinkRuleValue.flow_pk == fp) for lp, fp in pairs]))
    )
    out: dict[tuple[int, int], dict[str, V.Values]] = {}
    for value, contact_id in ctx.session.execute(query):
        values = V.loads(value.values_json)
        if contact_id:
            values[V.CONTACT + "contact_id"] = contact_id
        out.setdefault((value.link_pk, value.flow_pk), {})[value.rule_id] = values
    return out
