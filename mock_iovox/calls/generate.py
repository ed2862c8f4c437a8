"""Faker-style call generation: CDRs for an account's links, streamed in batches (memory bounded).

Deterministic: the same account state, window, count and seed give identical rows (pks, ids, times,
numbers, outcomes). Calls copy the node and link names into the CDR, as the model does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mock_iovox.calls import numbers, traffic
from mock_iovox.calls.outcomes import Outcomes, link_outcomes
from mock_iovox.calls.traffic import Window
from mock_iovox.db import CallFlow, Category, Contact, Link, Node, VoxNumber

#: the order of the values in each generated row (`generate` yields tuples: cheaper than dicts)
COLUMNS = (
    "pk",
    "account_pk",
    "call_id",
    "call_start",
    "call_end",
    "call_origin",
    "call_origin_encoded",
    "call_origin_location",
    "voxnumber",
    "call_destination",
    "detail",
    "call_time_sec",
    "talk_time_sec",
    "call_type",
    "call_result",
    "rule_result",
    "direction",
    "node_pk",
    "link_pk",
    "node_id",
    "node_name",
    "node_type",
    "link_id",
    "link_name",
    "link_type",
    "contact_pk",
    "has_recording",
    "has_voicemail",
    "voicemail_sec",
    "email_sent",
)

#: call ids are this base + the row's pk (numeric strings, unique per database)
CALL_ID_BASE = 7_000_000_000
BATCH = 20_000


@dataclass(frozen=True, slots=True)
class LinkPlan:
    """One link and how its calls behave."""

    pk: int
    node_pk: int
    node_id: str
    node_name: str
    node_type: str
    link_id: str
    link_name: str
    link_type: str
    voxnumber: str
    contact_pk: int | None
    destination: str
    click_to_call: bool
    weight: float
    answer_rate: float
    records: bool
    voicemail: bool
    alerts: bool
    home_region: int
    #: what the link's number and flow let happen to a call (calls/outcomes.py)
    outcomes: Outcomes


def plan_links(session: Session, account_pk: int, rng: random.Random) -> list[LinkPlan]:
    """The account's links that carry a VoxNumber (creation order; only such a link can be
    called), each with its traffic profile drawn from `rng` and its outcomes from its state."""
    rows = session.execute(
        select(Link, Node, VoxNumber.number, VoxNumber.call_on, CallFlow)
        .join(Node, Node.pk == Link.node_pk)
        .join(VoxNumber, VoxNumber.link_pk == Link.pk)
        .outerjoin(CallFlow, CallFlow.pk == Link.call_flow_pk)
        .where(Link.account_pk == account_pk)
        .order_by(Link.pk, VoxNumber.pk)
    ).all()
    contacts = session.execute(
        select(Contact.pk, Contact.business_phone, Contact.mobile_phone)
        .where(Contact.account_pk == account_pk)
        .order_by(Contact.pk)
    ).all()
    plans = []
    for i, (link, node, number, number_on, flow) in enumerate(rows):
        contact = contacts[i % len(contacts)] if contacts and rng.random() < 0.85 else None
        destination = (contact[1] or contact[2]) if contact else ""
        plans.append(
            LinkPlan(
                pk=link.pk,
                node_pk=node.pk,
                node_id=node.node_id,
                node_name=node.node_name,
                node_type=node.node_type,
                link_id=link.link_id,
                link_name=link.link_name,
                link_type=link.link_type,
                voxnumber=number,
                contact_pk=contact[0] if contact else None,
                destination=destination or numbers.fallback_destination(link.pk),
                click_to_call=link.click_to_call,
                weight=rng.lognormvariate(0, 0.6),
                answer_rate=rng.uniform(0.55, 0.92),
                records=rng.random() < 0.6,
                voicemail=rng.random() < 0.5,
                alerts=rng.random() < 0.5,
                home_region=rng.choices(range(len(numbers.REGIONS)), numbers.REGION_WEIGHTS)[0],
                outcomes=link_outcomes(flow, number_on),
            )
        )
    return plans


def category_pool(session: Session, account_pk: int) -> list[int]:
    """Categories a call may be tagged with (values of the account's trees, not configurations)."""
    return list(
        session.scalars(
            select(Category.pk)
            .where(Category.account_pk == account_pk, Category.parent_pk.is_not(None))
            .order_by(Category.pk)
        )
    )


def next_pk(session: Session) -> int:
    from mock_iovox.db import Call

    return (session.scalar(select(func.max(Call.pk))) or 0) + 1


def generate(
    account_pk: int,
    links: list[LinkPlan],
    cat_pool: list[int],
    window: Window,
    count: int,
    rng: random.Random,
    first_pk: int,
) -> Iterator[tuple[list[tuple[Any, ...]], list[dict[str, int]]]]:
    """Batches of (call rows as COLUMNS tuples, call_categories rows), in call_start order."""
    if not links or count <= 0:
        return
    pools = [numbers.callers(i) for i in range(len(numbers.REGIONS))]
    link_cum: list[float] = []
    acc = 0.0
    for plan in links:
        acc += plan.weight
        link_cum.append(acc)
    missed_cum = [sum(traffic.MISSED_WEIGHTS[: i + 1]) / 100 for i in range(len(traffic.MISSED_WEIGHTS))]
    region_cum = [sum(numbers.REGION_WEIGHTS[: i + 1]) for i in range(len(numbers.REGION_WEIGHTS))]
    rnd = rng.random
    lognorm = rng.lognormvariate
    pk = first_pk
    calls: list[tuple[Any, ...]] = []
    cats: list[dict[str, int]] = []
    n_missed = len(missed_cum)
    for slot, length, k in traffic.hourly_counts(window, count, rng):
        if k <= 0:
            continue
        offsets = sorted(int(rnd() * length) for _ in range(k))
        chosen = rng.choices(links, cum_weights=link_cum, k=k)
        for offset, plan in zip(offsets, chosen, strict=True):
            start = slot + timedelta(seconds=offset)
            if rnd() < 0.75:
                pool = pools[plan.home_region]
            else:
                pool = pools[rng.choices(range(len(pools)), cum_weights=region_cum)[0]]
            caller = pool[int(rnd() * len(pool))]
            talk = 0
            voicemail = 0
            has_vm = False
            recorded = False
            alert = False
            outcomes = plan.outcomes
            rule = outcomes.forward
            destination = plan.destination
            r = rnd()
            if outcomes.blocked:
                # no rule runs: nobody is called, the caller hears the platform's message
                result = outcomes.blocked
                rule = destination = ""
                ring = 2 + int(r * 10)
            elif r < 0.03 and outcomes.message:
                result = traffic.ANSWERED
                rule = outcomes.message
                destination = ""
                talk = 8 + int(rnd() * 25)
                ring = 0
            elif r < plan.answer_rate:
                result = traffic.ANSWERED
                ring = 3 + int(rnd() * 20)
                talk = min(3600, 5 + int(lognorm(4.3, 0.9)))
                recorded = plan.records
            else:
                m = rnd()
                i = 0
                while i < n_missed - 1 and m >= missed_cum[i]:
                    i += 1
                result = traffic.MISSED_RESULTS[i]
                if result == "NO_ANSWER":
                    ring = 20 + int(rnd() * 25)
                    if plan.voicemail and outcomes.voicemail and rnd() < 0.45:
                        has_vm = True
                        rule = outcomes.voicemail
                        voicemail = min(180, 4 + int(lognorm(2.8, 0.6)))
                elif result == "CANCELLED":
                    ring = 2 + int(rnd() * 25)
                elif result == "FAILED":
                    ring = int(rnd() * 3)
                else:
                    ring = 1 + int(rnd() * 8)
                alert = plan.alerts and rnd() < 0.7
            duration = ring + talk + voicemail
            api = plan.click_to_call and not outcomes.blocked and rnd() < 0.04
            calls.append(
                (
                    pk,
                    account_pk,
                    str(CALL_ID_BASE + pk),
                    start,
                    start + timedelta(seconds=duration),
                    caller.number,
                    caller.encoded,
                    caller.location,
                    plan.voxnumber,
                    destination,
                    # makeTwoWayCall records the requester's IP (documentation range 198.51.100.0/24)
                    f"198.51.100.{1 + pk % 254}" if api else "",
                    duration,
                    talk,
                    "API" if api else "DIRECT",
                    result,
                    rule,
                    "IN",
                    plan.node_pk,
                    plan.pk,
                    plan.node_id,
                    plan.node_name,
                    plan.node_type,
                    plan.link_id,
                    plan.link_name,
                    plan.link_type,
                    plan.contact_pk if destination else None,
                    recorded,
                    has_vm,
                    voicemail,
                    alert,
                )
            )
            if cat_pool and rnd() < 0.08:
                cats.append({"call_pk": pk, "category_pk": cat_pool[int(rnd() * len(cat_pool))]})
            pk += 1
            if len(calls) >= BATCH:
                yield calls, cats
                calls, cats = [], []
    if calls:
        yield calls, cats


Progress = Callable[[int], None]
