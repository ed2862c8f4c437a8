"""Faker-style call generation: CDRs for an account's links, streamed in batches (memory bounded).

Each generated call is placed by the call engine's own walk (calls/engine.py) through its link's
flow and per-link values: the destination, recording, alerts, voicemail, rule result, talk time and
call_result come from the same rules as a call placed with `mock-iovox call` or initiateCall. What
generation draws is only what a real caller and far end would bring: when calls arrive, on which
link, from which number, which keys are pressed in menus, and how each number dialled answers
(`PlanWorld.far_end`: the link's answer rate; magic numbers still behave as their table says).
Given the same keys and the same far ends, a generated call and a placed one agree in every field
but ids and times (tests/test_calls_consistency.py).

Deterministic: the same account state, window, count and seed give identical rows (pks, ids, times,
numbers, outcomes). Calls copy the node and link names into the CDR, as the model does.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox.calls import engine, magic, numbers, traffic
from mock_iovox.calls.ids import CALL_ID_BASE, next_pk
from mock_iovox.calls.traffic import Window
from mock_iovox.db import CallFlow, Category, Contact, Link, Node, VoxNumber
from mock_iovox.domain import blocking
from mock_iovox.flows.store import flow_of

__all__ = ["BATCH", "CALL_ID_BASE", "COLUMNS", "LinkPlan", "generate", "next_pk", "plan_links"]

#: the order of the values in each generated row (`generate` yields tuples: cheaper than dicts)
COLUMNS = ("pk", "account_pk", "call_id", *engine.CDR_COLUMNS)

BATCH = 20_000
#: how a number that does not answer fails (flow tokens), and how often (weights)
MISSED = (magic.NO_ANSWER, magic.BUSY, magic.REJECTED, magic.CANCELLED)
MISSED_WEIGHTS = (45, 25, 8, 17)
#: share of answered calls taken by an answering machine
MACHINE_SHARE = 0.03
#: how often the caller a click-to-call rings first answers
API_ANSWER_RATE = 0.9
#: share of click-to-call calls on a link that allows them
API_SHARE = 0.04
#: a menu attempt: a listed key, an unlisted key, or no key (cumulative shares)
KEY_SHARES = (0.8, 0.9)
#: a key pressed that no menu lists
UNLISTED_KEY = "9"
#: the traffic share of a link with a number but no rules (a line nobody set up is seldom
#: advertised), unless `traffic_weights` names it
NO_RULES_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """A contact as the walk reads it (engine.ContactLike)."""

    pk: int
    email: str
    business_phone: str
    mobile_phone: str
    home_phone: str


@dataclass(slots=True)
class PlanWorld:
    """The world of one link's generated calls, read once (engine.World): no database, no outbox."""

    link_id: str
    answer_rate: float
    contacts: Mapping[str, ContactInfo]
    entries: Mapping[str, list[blocking.BlockEntry]]
    voxnumbers: frozenset[str]
    #: the click-to-call's first leg is still to be dialled (set per call)
    first_leg: bool = False
    #: the far ends drawn, when a caller wants them (tests)
    log: list[magic.FarEnd] | None = None
    #: (number, direction) -> does any blocked-number entry match it
    matching: dict[tuple[str | None, str], bool] = field(default_factory=dict)

    def contact(self, contact_id: str) -> ContactInfo | None:
        return self.contacts.get(contact_id)

    def blocked(self, number: str | None, direction: str, at: datetime) -> bool:
        entries = self.entries.get(direction)
        if not entries:
            return False
        # whether any entry matches the number does not depend on the time: asked once per number
        key = (number, direction)
        hit = self.matching.get(key)
        if hit is None:
            digits = blocking.caller_digits(number)
            hit = self.matching[key] = any(e.matches(digits) for e in entries)
        return hit and blocking.decide(entries, number, self.link_id, direction, at).blocked

    def is_voxnumber(self, number: str) -> bool:
        return number in self.voxnumbers

    def far_end(self, number: str, timeout: int, rng: random.Random) -> magic.FarEnd:
        far = self.draw(number, timeout, rng)
        if self.log is not None:
            self.log.append(far)
        return far

    def draw(self, number: str, timeout: int, rng: random.Random) -> magic.FarEnd:
        rate = self.answer_rate
        if self.first_leg:
            self.first_leg = False
            rate = API_ANSWER_RATE
        elif number.startswith(magic.PREFIX):
            return magic.far_end(number, timeout, rng)
        timeout = max(1, timeout)
        if rng.random() < rate:
            ring = min(3 + int(rng.random() * 20), timeout)
            if rng.random() < MACHINE_SHARE:
                return magic.FarEnd(magic.ANSWERED, ring, magic.MAGIC_MACHINE_SECONDS, machine=True)
            return magic.FarEnd(magic.ANSWERED, ring, min(3600, 5 + int(rng.lognormvariate(4.3, 0.9))))
        result = rng.choices(MISSED, MISSED_WEIGHTS)[0]
        voicemail = voicemail_seconds(rng)
        if result == magic.NO_ANSWER:
            ring = timeout
        elif result == magic.CANCELLED:
            ring = min(2 + int(rng.random() * 25), timeout)
        else:
            ring = min(1 + int(rng.random() * 8), timeout)
        return magic.FarEnd(result, ring, voicemail=voicemail)

    def send(self, kind: str, **fields: Any) -> None:
        """Generated history writes no outbox (the CDR's email_sent says an alert went)."""


def voicemail_seconds(rng: random.Random) -> int:
    """The message a caller leaves if the flow offers a voicemail."""
    return min(180, 4 + int(rng.lognormvariate(2.8, 0.6)))


class GeneratedWalk(engine._Walk):
    """The engine's walk for a generated call: no web hook is really called (history is written
    in bulk, long after the fact); the rule still takes its second."""

    __slots__ = ()

    def rule_httprequest(self, rule: Any) -> None:
        self.elapsed += 1


@dataclass(slots=True)
class LinkPlan:
    """One link, the engine's view of it, and how its callers behave."""

    pk: int
    link_id: str
    #: the engine's setup of the link (origin and digits filled per call)
    setup: engine._Setup
    world: PlanWorld
    #: a click-to-call would be accepted (initiateCall's checks pass with no call variables)
    api_ok: bool
    #: the keypress sequences the flow's menus listen for
    keys: tuple[str, ...]
    #: the flow has a voicemail rule (each call then brings the message its caller would leave)
    voicemail: bool
    weight: float
    home_region: int
    #: the load's session (the walk's type wants one; generated walks never use it)
    session: Session = field(repr=False)


def _contacts(session: Session, account_pk: int) -> dict[str, ContactInfo]:
    rows = session.execute(
        select(
            Contact.contact_id,
            Contact.pk,
            Contact.email,
            Contact.business_phone,
            Contact.mobile_phone,
            Contact.home_phone,
        ).where(Contact.account_pk == account_pk)
    )
    return {
        cid: ContactInfo(pk, email or "", bp or "", mp or "", hp or "") for cid, pk, email, bp, mp, hp in rows
    }


def _menu_keys(setup: engine._Setup) -> tuple[str, ...]:
    if setup.flow is None:
        return ()
    keys = (k for r in setup.flow.walk() for b in r.branches if b.kind == "keyEvent" for k in b.matches)
    return tuple(dict.fromkeys(keys))


def _api_ok(setup: engine._Setup) -> bool:
    link, number = setup.link, setup.voxnumber
    if setup.flow is None or not link.click_to_call or (number is not None and not number.call_on):
        return False
    return not engine._missing_variables(setup, {})


def plan_links(
    session: Session, account_pk: int, rng: random.Random, traffic_weights: Mapping[str, float] | None = None
) -> list[LinkPlan]:
    """The account's links that carry a VoxNumber (creation order; only such a link can be
    called), each with its traffic profile drawn from `rng` (times `traffic_weights[link_id]`,
    default 1, or NO_RULES_WEIGHT for a link without a flow) and the engine's view of its number,
    flow and values."""
    rows = session.execute(
        select(Link, Node, VoxNumber, CallFlow)
        .join(Node, Node.pk == Link.node_pk)
        .join(VoxNumber, VoxNumber.link_pk == Link.pk)
        .outerjoin(CallFlow, CallFlow.pk == Link.call_flow_pk)
        .where(Link.account_pk == account_pk)
        .order_by(Link.pk, VoxNumber.pk)
    ).all()
    contacts = _contacts(session, account_pk)
    entries = {d: blocking.load_entries(session, account_pk, d) for d in ("IN", "OUT")}
    voxnumbers = frozenset(session.scalars(select(VoxNumber.number)))
    weights = traffic_weights or {}
    plans = []
    for link, node, number, flow_row in rows:
        flow = flow_of(flow_row) if flow_row is not None else None
        values = engine._link_values(session, link) if flow is not None else {}
        setup = engine._Setup(link, node, number, flow, values, "", [])
        default = 1.0 if flow is not None else NO_RULES_WEIGHT
        weight = rng.lognormvariate(0, 0.6) * weights.get(link.link_id, default)
        answer_rate = rng.uniform(0.55, 0.92)
        home = rng.choices(range(len(numbers.REGIONS)), numbers.REGION_WEIGHTS)[0]
        world = PlanWorld(link.link_id, answer_rate, contacts, entries, voxnumbers)
        has_voicemail = flow is not None and any(r.element == "voicemail" for r in flow.walk())
        plan = LinkPlan(
            link.pk,
            link.link_id,
            setup,
            world,
            _api_ok(setup),
            _menu_keys(setup),
            has_voicemail,
            weight,
            home,
            session,
        )
        plans.append(plan)
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


def draw_keys(keys: tuple[str, ...], rnd: Callable[[], float]) -> list[str]:
    """What a caller presses in a menu, attempt by attempt: mostly a listed key, at times an
    unlisted one or nothing ("") first; up to three attempts."""
    out: list[str] = []
    for _ in range(engine.DEFAULT_ATTEMPTS):
        r = rnd()
        if r < KEY_SHARES[0]:
            out.append(keys[int(rnd() * len(keys))])
            break
        out.append(UNLISTED_KEY if r < KEY_SHARES[1] else "")
    return out


def place(
    plan: LinkPlan,
    pk: int,
    account_pk: int,
    start: datetime,
    caller: numbers.Caller,
    call_type: str,
    digits: list[str],
    detail: str,
    rng: random.Random,
    voicemail: int | None = None,
) -> tuple[Any, ...]:
    """One generated call through the engine's walk, as a COLUMNS row."""
    template = plan.setup
    setup = engine._Setup(
        template.link,
        template.node,
        template.voxnumber,
        template.flow,
        template.values,
        caller.number,
        digits,
        caller.encoded,
        caller.location,
        template.attr_cache,
        _link_part_of(template),
        template.voxnumber_text,
    )
    req = engine.CallRequest(
        plan.link_id, caller.number, call_type, digits, detail=detail, voicemail=voicemail
    )
    call_id = str(CALL_ID_BASE + pk)
    plan.world.first_leg = call_type == engine.API
    walk = GeneratedWalk(
        plan.session,
        account_pk,
        setup,
        req,
        rng,
        start,
        call_id,
        plan.world,
        tracing=False,
        digits=deque(digits),
    )
    result, rule_result = engine._run(walk)
    return (pk, account_pk, call_id, *engine.cdr_values(walk, call_type, result, rule_result))


def _link_part_of(setup: engine._Setup) -> tuple[Any, ...]:
    part = engine._link_part(setup)
    if setup.voxnumber_text is None:
        setup.voxnumber_text = setup.voxnumber.number if setup.voxnumber is not None else ""
    return part


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
    region_cum = [sum(numbers.REGION_WEIGHTS[: i + 1]) for i in range(len(numbers.REGION_WEIGHTS))]
    rnd = rng.random
    pk = first_pk
    calls: list[tuple[Any, ...]] = []
    cats: list[dict[str, int]] = []
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
            api = plan.api_ok and rnd() < API_SHARE
            digits = draw_keys(plan.keys, rnd) if plan.keys else []
            # makeTwoWayCall records the requester's IP (documentation range 198.51.100.0/24)
            detail = f"198.51.100.{1 + pk % 254}" if api else ""
            call_type = engine.API if api else engine.DIRECT
            voicemail = voicemail_seconds(rng) if plan.voicemail else None
            calls.append(
                place(plan, pk, account_pk, start, caller, call_type, digits, detail, rng, voicemail)
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
