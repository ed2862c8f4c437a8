"""The call engine: one call through a link's call flow, written as one CDR (SPEC.md §5.6, §7, §9).

`place_call` takes a `CallRequest` (a link, the caller, DIRECT or API, DTMF digits, call variables,
a seed), checks it (`EngineError` carries the catalogue key of Calling.initiateCall), walks the
link's current flow and writes the CDR. Both `mock-iovox call` and Calling.initiateCall come here, so
the same request and seed give the same CDR. A `delay` reserves the CDR row, dated when the call is
due (invisible until the clock passes it), and `run_due` runs such calls on the first read after.

How a call goes (the guesses are listed in the Calling.initiateCall catalogue entry):
* DIRECT: the caller dials the link's VoxNumber. A number set OFF gives `NUMBER ON HOLD`, a link
  without a flow `NO RULES SET` (calls/outcomes.py); a caller blocked (IN) on the link at that moment
  (blocked numbers and time templates, blocking.py, against the virtual clock) gives `BLOCKED`; no
  rule runs in these cases.
* API (click-to-call): the platform first rings `call_destination` (magic numbers decide how it
  answers, calls/magic.py; an OUT block refuses it); once answered, the flow runs, and the digits
  after `,` in the destination are the keys pressed in menus.
* Rules run in order. play: each sound file takes PLAY_SECONDS. messageKeypress: the prompt, then one
  entry of the digits per attempt (none left: the timeout passes); a matching keyEvent runs its rules,
  otherwise the menu asks again up to the failure's `attempts` (default 3) and then runs the failure's
  rules. call: the destination (the rule, the link's `?` values or the call variables, or the named
  contact's phone) rings as calls/magic.py says; a matching callEvent runs its rules; an answered call
  ends the flow once its handler is done, an unanswered one goes on with the next rule. voicemail:
  records a message (ends the call). sendSMS / call alerts: the outbox. httpRequest: queued in the
  outbox and sent after the call commits, under the outbound policy (calls/httpsend.py).
* At most MAX_STEPS rules (menu attempts included) run: a flow that would go on ends there as the
  caller hanging up (`CANCELLED`).
"""

from __future__ import annotations

import json
import random
import re
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mock_iovox.calls import httpsend, magic, numbers, outbox, traffic
from mock_iovox.calls.generate import CALL_ID_BASE, next_pk
from mock_iovox.calls.outcomes import NO_RULES_SET, NUMBER_ON_HOLD
from mock_iovox.db import Call, CallFlow, Contact, Link, LinkRuleValue, Node, VoxNumber
from mock_iovox.db.calls import PendingCall
from mock_iovox.domain import blocking
from mock_iovox.flows import values as V
from mock_iovox.flows.model import Branch, Flow, Rule
from mock_iovox.flows.store import flow_of
from mock_iovox.flows.vocabulary import VARIABLE

DIRECT, API = "DIRECT", "API"
#: call_result of a caller (or click-to-call destination) refused by a blocked-number rule (a guess)
BLOCKED = "BLOCKED"
#: call_result of a call rule that has no destination at all (traffic.MISSED_RESULTS)
FAILED = "FAILED"
#: rules (menu attempts included) one call may run before it ends as a hang-up
MAX_STEPS = 64
#: seconds each sound file of a message plays (sound files are not decoded; a guess)
PLAY_SECONDS = 4
#: the longest ring, key wait or voicemail (a flow's timeout digits are not otherwise bounded)
MAX_WAIT = 3600
#: menu attempts when the flow names no failure attempts
DEFAULT_ATTEMPTS = 3
#: seconds a menu waits for a key when its rule gives no timeout
DEFAULT_KEY_TIMEOUT = 10
#: talk time of a voicemail left when the magic numbers do not fix it: drawn between these
VOICEMAIL_RANGE = (6, 60)
PHONES = ("business_phone", "mobile_phone", "home_phone")
_NUMBER = re.compile(r"\+?([0-9]{6,15})")
_KEYS = re.compile(r"[0-9*#]+")


class EngineError(Exception):
    """The request cannot become a call; `problems` are (catalogue error key, fields) pairs of
    Calling.initiateCall, all of them."""

    def __init__(self, problems: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass(slots=True)
class CallRequest:
    link_id: str
    #: DIRECT: the caller's number ("" = withheld); API: the click-to-call destination as given
    #: (`number[,pauses and digits]`)
    number: str
    call_type: str = DIRECT
    #: one keypress sequence per menu attempt
    digits: list[str] = field(default_factory=list)
    #: initiateCall's custom call variables (fill `?` attributes by attribute or slot name)
    variables: dict[str, str] = field(default_factory=dict)
    #: None: the call's own id seeds it
    seed: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CallRequest:
        return cls(**json.loads(text))


@dataclass(slots=True)
class Outcome:
    """A call as placed: its CDR and the rules it took."""

    call: Call
    trace: list[str]

    @property
    def call_id(self) -> str:
        return self.call.call_id


def split_destination(raw: str) -> tuple[str, list[str]] | None:
    """`449789123123,,1,,2` -> ("449789123123", ["1", "2"]); None when not a number with keys."""
    parts = raw.strip().split(",")
    m = _NUMBER.fullmatch(parts[0].strip())
    if m is None or not all(_KEYS.fullmatch(p.strip()) for p in parts[1:] if p.strip()):
        return None
    return m.group(1), [p.strip() for p in parts[1:] if p.strip()]


# --------------------------------------------------------------------------------------------------
# loading and checking


@dataclass(slots=True)
class _Setup:
    link: Link
    node: Node
    voxnumber: VoxNumber | None
    flow: Flow | None
    #: rule id -> the link's values for its `?` slots
    values: dict[str, V.Values]
    origin: str
    digits: list[str]


def _link_values(session: Session, link: Link) -> dict[str, V.Values]:
    rows = session.execute(
        select(LinkRuleValue, Contact.contact_id)
        .outerjoin(Contact, Contact.pk == LinkRuleValue.contact_pk)
        .where(LinkRuleValue.link_pk == link.pk, LinkRuleValue.flow_pk == link.call_flow_pk)
    )
    out: dict[str, V.Values] = {}
    for value, contact_id in rows:
        values = V.loads(value.values_json)
        if contact_id:
            values[V.CONTACT + "contact_id"] = contact_id
        out[value.rule_id] = values
    return out


def _variable(variables: dict[str, str], attr: str, slot: str | None) -> str:
    leaf = (slot or "").rpartition("/")[2]
    return variables.get(attr) or (variables.get(leaf) if leaf else None) or ""


def rule_attrs(rule: Rule, values: V.Values | None, variables: dict[str, str]) -> dict[str, str]:
    """The rule's attributes as they run: `?` from the call variables, else the link's values."""
    out = V.effective_attrs(rule, values)
    for attr in rule.spec.attrs:
        if attr.slot and rule.attrs.get(attr.name) == VARIABLE:
            given = _variable(variables, attr.name, attr.slot)
            if given:
                out[attr.name] = given
    return out


def _missing_variables(setup: _Setup, variables: dict[str, str]) -> list[str]:
    """The `?` destinations that neither the link nor the call variables fill (API calls)."""
    missing: list[str] = []
    assert setup.flow is not None
    for rule in setup.flow.walk():
        if rule.element not in ("call", "voicemail"):
            continue
        attrs = rule_attrs(rule, setup.values.get(rule.id), variables)
        target = "destinationPhoneNumber" if rule.element == "call" else "destinationEmailAddress"
        if attrs.get(target) or attrs.get("destinationContactId"):
            continue
        missing.append(target)
    return list(dict.fromkeys(missing))


def _setup(session: Session, account_pk: int, req: CallRequest) -> _Setup:
    link = session.scalar(select(Link).where(Link.account_pk == account_pk, Link.link_id == req.link_id))
    if link is None:
        raise EngineError([("link_id_not_found", {})])
    node = session.get(Node, link.node_pk)
    assert node is not None
    number = session.scalar(select(VoxNumber).where(VoxNumber.link_pk == link.pk).order_by(VoxNumber.pk))
    row = session.get(CallFlow, link.call_flow_pk) if link.call_flow_pk else None
    flow = flow_of(row) if row is not None else None
    setup = _Setup(
        link, node, number, flow, _link_values(session, link) if flow else {}, "", list(req.digits)
    )
    if req.call_type == DIRECT:
        setup.origin = blocking.caller_digits(req.number) or ""
        if number is None:
            raise EngineError([("no_voxnumber", {})])
        return setup
    problems: list[tuple[str, dict[str, Any]]] = []
    if flow is None:
        problems.append(("no_template", {}))
    if not link.click_to_call:
        problems.append(("click_to_call_disabled", {}))
    if number is not None and not number.call_on:
        problems.append(("voxnumber_off", {}))
    if not req.number.strip():
        problems.append(("variable_empty", {"name": "call_destination"}))
    else:
        split = split_destination(req.number)
        if split is None:
            problems.append(("call_destination_invalid", {}))
        else:
            setup.origin, keys = split
            setup.digits = keys + setup.digits
    if flow is not None:
        problems.extend(("variable_empty", {"name": n}) for n in _missing_variables(setup, req.variables))
    if problems:
        raise EngineError(problems)
    return setup


def check(session: Session, account_pk: int, req: CallRequest) -> None:
    """Raise EngineError when the request cannot become a call (nothing is written)."""
    _setup(session, account_pk, req)


# --------------------------------------------------------------------------------------------------
# the walk


class _HangUp(Exception):
    pass


@dataclass(slots=True)
class _Walk:
    session: Session
    account_pk: int
    setup: _Setup
    req: CallRequest
    rng: random.Random
    at: datetime
    call_id: str
    trace: list[str] = field(default_factory=list)
    steps: int = 0
    elapsed: int = 0
    talk: int = 0
    result: str | None = None
    destination: str = ""
    contact_pk: int | None = None
    calls: int = 0
    plays: int = 0
    recorded: bool = False
    voicemail: int = 0
    email_sent: bool = False
    ended: bool = False
    last_far_end: magic.FarEnd | None = None
    digits: deque[str] = field(default_factory=deque)

    # -- helpers ----------------------------------------------------------------------------------

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _HangUp

    def note(self, rule: Rule | Branch, text: str) -> None:
        self.trace.append(f"{self.elapsed:>4}s {rule.id or 'failure'}: {text}")

    def attrs(self, rule: Rule) -> dict[str, str]:
        return rule_attrs(rule, self.setup.values.get(rule.id), self.req.variables)

    def contact(self, contact_id: str) -> Contact | None:
        if not contact_id:
            return None
        return self.session.scalar(
            select(Contact).where(Contact.account_pk == self.account_pk, Contact.contact_id == contact_id)
        )

    def sounds(self, rule: Rule) -> list[str]:
        values = self.setup.values.get(rule.id)
        return [s for m in rule.messages for s in V.effective_sounds(m, values)]

    def play_seconds(self, files: list[str]) -> int:
        return PLAY_SECONDS * max(1, len(files))

    # -- rules ------------------------------------------------------------------------------------

    def run(self, rules: list[Rule]) -> None:
        for rule in rules:
            if self.ended:
                return
            self.step()
            getattr(self, "rule_" + rule.element.lower())(rule)

    def rule_play(self, rule: Rule) -> None:
        files = self.sounds(rule)
        self.plays += 1
        self.note(rule, f"play {', '.join(files) or '(no sound file)'}")
        self.elapsed += self.play_seconds(files)

    def rule_messagekeypress(self, rule: Rule) -> None:
        failure = next((b for b in rule.branches if b.kind == "failure"), None)
        attempts = failure.attempts if failure is not None and failure.attempts else DEFAULT_ATTEMPTS
        timeout = min(int(rule.attrs.get("timeout") or DEFAULT_KEY_TIMEOUT), MAX_WAIT)
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self.step()
            if rule.play is not None:
                self.rule_play(rule.play)
            key = self.digits.popleft() if self.digits else None
            if key is None:
                self.elapsed += timeout
                self.note(rule, f"attempt {attempt}: no key")
                continue
            self.elapsed += len(key)
            branch = next((b for b in rule.branches if b.kind == "keyEvent" and key in b.matches), None)
            if branch is not None:
                self.note(rule, f"attempt {attempt}: key {key}")
                self.run(branch.rules)
                return
            self.note(rule, f"attempt {attempt}: key {key} unmatched")
        if failure is None:
            self.note(rule, "no choice: hang up")
            self.ended = True
            return
        self.note(failure, f"menu failed after {attempts} attempts")
        self.run(failure.rules)

    def rule_call(self, rule: Rule) -> None:
        attrs = self.attrs(rule)
        number = attrs.get("destinationPhoneNumber", "")
        contact = self.contact(attrs.get("destinationContactId", ""))
        if not number and contact is not None:
            number = next((getattr(contact, p) for p in PHONES if getattr(contact, p)), "")
        number = blocking.caller_digits(number) or ""
        self.calls += 1
        timeout = min(int(attrs.get("timeout") or magic.DEFAULT_TIMEOUT), MAX_WAIT)
        if not number:
            self.result = FAILED
            self.note(rule, "no destination")
            self.run(next((b.rules for b in rule.branches if b.kind == "failure"), []))
            return
        self.destination = number
        self.contact_pk = contact.pk if contact is not None else None
        decision = blocking.blocking_decision(
            self.session, self.account_pk, number, self.setup.link.link_id, "OUT", self.at
        )
        far = magic.FarEnd(BLOCKED, 0) if decision.blocked else magic.far_end(number, timeout, self.rng)
        self.last_far_end = far
        self.result = far.result
        self.elapsed += far.ring
        detail = f"call {number}: {far.result} after {far.ring}s"
        if far.result == magic.ANSWERED:
            self.talk += far.talk
            self.elapsed += far.talk
            self.recorded = self.recorded or attrs.get("record", "").lower() == "true"
            detail += f", talked {far.talk}s" + (f", pressed {far.key}" if far.key else "")
        self.note(rule, detail)
        self.alert(rule, attrs, far.result)
        branch = next((b for b in rule.branches if b.kind == "callEvent" and far.result in b.matches), None)
        if branch is not None:
            self.run(branch.rules)
        if far.result == magic.ANSWERED:
            self.ended = True

    def alert(self, rule: Rule, attrs: dict[str, str], result: str) -> None:
        mode = attrs.get("sendCallAlert", "NONE").upper()
        missed = result != magic.ANSWERED
        send = (
            mode == "ALL_CALLS"
            or (mode == "MISSED_CALLS" and missed)
            or (mode == "MISSED_CALLS_NO_WITHHELD" and missed and bool(self.setup.origin))
        )
        if not send:
            return
        self.email_sent = True
        contact = self.contact(attrs.get("destinationContactId", ""))
        outbox.add(
            self.session,
            self.account_pk,
            outbox.CALL_ALERT,
            self.at,
            call_id=self.call_id,
            recipient=contact.email if contact is not None else "",
            subject=f"{result.replace('_', ' ').title()} call from {self.setup.origin or 'withheld'}",
            body=f"{self.setup.link.link_name} ({self.setup.link.link_id}) rule {rule.id}",
        )
        self.note(rule, "call alert to the outbox")

    def rule_voicemail(self, rule: Rule) -> None:
        attrs = self.attrs(rule)
        files = self.sounds(rule)
        self.elapsed += self.play_seconds(files)
        longest = min(int(attrs.get("maxDuration") or 300), MAX_WAIT)
        far = self.last_far_end
        if far is not None and far.voicemail is not None:
            seconds = far.voicemail
        else:
            seconds = self.rng.randint(*VOICEMAIL_RANGE)
        self.voicemail = max(1, min(seconds, longest))
        self.elapsed += self.voicemail
        contact = self.contact(attrs.get("destinationContactId", ""))
        recipient = attrs.get("destinationEmailAddress") or (contact.email if contact is not None else "")
        outbox.add(
            self.session,
            self.account_pk,
            outbox.VOICEMAIL,
            self.at,
            call_id=self.call_id,
            sender=attrs.get("from", ""),
            recipient=recipient,
            subject=attrs.get("subject", ""),
            body=f"voicemail of {self.voicemail}s (getVoicemailRecording id={self.call_id})",
        )
        self.note(rule, f"voicemail of {self.voicemail}s, e-mailed to {recipient or '(nobody)'}")
        self.ended = True

    def rule_sendsms(self, rule: Rule) -> None:
        attrs = self.attrs(rule)
        to = attrs.get("destinationPhoneNumber", "")
        contact = self.contact(attrs.get("destinationContactId", ""))
        if not to and contact is not None:
            to = contact.mobile_phone or contact.business_phone
        to = to or self.setup.origin
        outbox.add(
            self.session,
            self.account_pk,
            outbox.SMS,
            self.at,
            call_id=self.call_id,
            sender=attrs.get("from", ""),
            recipient=to,
            subject=attrs.get("smsTemplateName", ""),
            body=f"Call from {self.setup.origin or 'withheld'} on {self.setup.link.link_id}",
        )
        self.note(rule, f"SMS to {to or '(nobody)'} in the outbox")

    def rule_httprequest(self, rule: Rule) -> None:
        """Recorded as queued and sent once the call's transaction has committed (calls/httpsend.py,
        through the outbound policy): never while the call holds the database."""
        url = rule.attrs.get("url", "")
        method = "POST" if (rule.attrs.get("method") or "GET").upper() == "POST" else "GET"
        data = {
            "call_id": self.call_id,
            "link_id": self.setup.link.link_id,
            "caller": self.setup.origin,
            "rule_id": rule.id,
        }
        row = outbox.add(
            self.session,
            self.account_pk,
            outbox.HTTP,
            self.at,
            call_id=self.call_id,
            recipient=url,
            subject=method,
            body=json.dumps(data, sort_keys=True),
            status=httpsend.QUEUED,
        )
        self.elapsed += 1
        self.note(rule, f"{method} {url}: {httpsend.PENDING}")
        job = httpsend.Job(
            httpsend.engine_of(self.session),
            row.pk,
            self.call_id,
            url,
            method,
            urlencode(data),
            self.trace[-1],
        )
        httpsend.queue(self.session, job)


# --------------------------------------------------------------------------------------------------
# the CDR


def _location(number: str) -> str:
    for region in numbers.REGIONS:
        if number.startswith(region.prefix):
            return region.location
    return ""


def _fields(walk: _Walk, call_type: str, result: str, rule_result: str) -> dict[str, Any]:
    setup = walk.setup
    origin = setup.origin
    duration = max(walk.elapsed, walk.talk + walk.voicemail, 1)
    return {
        "call_start": walk.at,
        "call_end": walk.at + timedelta(seconds=duration),
        "call_origin": origin,
        "call_origin_encoded": numbers.encode_origin(origin) if origin else "",
        "call_origin_location": _location(origin),
        "voxnumber": setup.voxnumber.number if setup.voxnumber is not None else "",
        "call_destination": walk.destination,
        "detail": "",
        "call_time_sec": duration,
        "talk_time_sec": walk.talk,
        "call_type": call_type,
        "call_result": result,
        "rule_result": rule_result,
        "direction": "IN",
        "node_pk": setup.node.pk,
        "link_pk": setup.link.pk,
        "node_id": setup.node.node_id,
        "node_name": setup.node.node_name,
        "node_type": setup.node.node_type,
        "link_id": setup.link.link_id,
        "link_name": setup.link.link_name,
        "link_type": setup.link.link_type,
        "contact_pk": walk.contact_pk if walk.destination else None,
        "has_recording": walk.recorded and walk.talk > 0,
        "has_voicemail": walk.voicemail > 0,
        "voicemail_sec": walk.voicemail,
        "email_sent": walk.email_sent,
    }


def _walk(session: Session, account_pk: int, req: CallRequest, setup: _Setup, pk: int, at: datetime) -> _Walk:
    call_id = str(CALL_ID_BASE + pk)
    rng = random.Random(f"mock-iovox engine {req.seed if req.seed is not None else pk}")
    walk = _Walk(session, account_pk, setup, req, rng, at, call_id, digits=deque(setup.digits))
    return walk


def _run(walk: _Walk) -> tuple[str, str]:
    """Run the call; (call_result, rule_result)."""
    setup, req = walk.setup, walk.req
    if req.call_type == DIRECT:
        if setup.voxnumber is not None and not setup.voxnumber.call_on:
            walk.trace.append("number set OFF: no rule runs")
            return NUMBER_ON_HOLD, ""
        if setup.flow is None:
            walk.trace.append("no call flow on the link: no rule runs")
            return NO_RULES_SET, ""
        direction = "IN"
    else:
        direction = "OUT"
    decision = blocking.blocking_decision(
        walk.session, walk.account_pk, setup.origin or None, setup.link.link_id, direction, walk.at
    )
    if decision.blocked:
        walk.trace.append(f"{setup.origin or 'withheld'} blocked ({direction}): no rule runs")
        walk.elapsed = 2
        return BLOCKED, ""
    if req.call_type == API:
        far = magic.far_end(setup.origin, magic.DEFAULT_TIMEOUT, walk.rng)
        walk.elapsed += far.ring
        walk.trace.append(f"{walk.elapsed:>4}s dial {setup.origin}: {far.result}")
        if far.result != magic.ANSWERED:
            return far.result, ""
        if far.key and not walk.digits:
            walk.digits.append(far.key)
    assert setup.flow is not None
    walk.trace.append(f"   0s flow {setup.flow.name!r}")
    try:
        walk.run(setup.flow.rules)
    except _HangUp:
        walk.trace.append(f"{walk.elapsed:>4}s {MAX_STEPS} steps: the caller hangs up")
        return magic.CANCELLED, _rule_result(walk)
    return walk.result or magic.ANSWERED, _rule_result(walk)


def _rule_result(walk: _Walk) -> str:
    if walk.voicemail:
        return traffic.VOICEMAIL
    if walk.calls:
        return traffic.TO_OPERATOR
    if walk.plays:
        return traffic.MESSAGE
    return ""


def place_call(session: Session, account_pk: int, req: CallRequest, at: datetime) -> Outcome:
    """Check, run and record one call starting at `at` (raises EngineError, writing nothing)."""
    setup = _setup(session, account_pk, req)
    pk = next_pk(session)
    call = Call(pk=pk, account_pk=account_pk, call_id=str(CALL_ID_BASE + pk), call_start=at, call_end=at)
    session.add(call)
    session.flush()
    return _complete(session, account_pk, req, setup, call, at)


def _complete(
    session: Session, account_pk: int, req: CallRequest, setup: _Setup, call: Call, at: datetime
) -> Outcome:
    walk = _walk(session, account_pk, req, setup, call.pk, at)
    result, rule_result = _run(walk)
    for name, value in _fields(walk, req.call_type, result, rule_result).items():
        setattr(call, name, value)
    session.flush()
    return Outcome(call, walk.trace)


def schedule_call(session: Session, account_pk: int, req: CallRequest, at: datetime) -> Call:
    """Reserve the CDR of a call due at `at` (checked now, run by `run_due` once the clock passes)."""
    setup = _setup(session, account_pk, req)
    pk = next_pk(session)
    call = Call(
        pk=pk,
        account_pk=account_pk,
        call_id=str(CALL_ID_BASE + pk),
        call_start=at,
        call_end=at,
        call_type=req.call_type,
        link_pk=setup.link.pk,
        link_id=setup.link.link_id,
        node_pk=setup.node.pk,
        node_id=setup.node.node_id,
    )
    session.add(call)
    session.flush()
    session.add(PendingCall(call_pk=pk, due_at=at, request_json=req.to_json()))
    session.flush()
    return call


#: is any delayed call due? (asked by every read of calls: built once, run on the Core connection)
_ANY_DUE = select(PendingCall.pk).where(PendingCall.due_at <= bindparam("now")).limit(1)


def run_due(session: Session, now: datetime) -> list[Outcome]:
    """Run every delayed call whose time has come (on the first read after the clock passes it).

    Readers run this inside read transactions: when another worker is writing at that moment (on
    SQLite a read transaction cannot then become a write one), the attempt is given up and that
    worker, or the next read, runs the calls."""
    if session.connection().execute(_ANY_DUE, {"now": now}).first() is None:
        return []
    try:
        with session.begin_nested():
            return _run_due(session, now)
    except OperationalError:
        return []


def _run_due(session: Session, now: datetime) -> list[Outcome]:
    due = session.execute(
        select(PendingCall, Call).join(Call, Call.pk == PendingCall.call_pk).where(PendingCall.due_at <= now)
    ).all()
    done: list[Outcome] = []
    for pending, call in due:
        # claimed by deleting it: a concurrent reader that lost the race runs nothing
        claimed = session.execute(delete(PendingCall).where(PendingCall.pk == pending.pk))
        if getattr(claimed, "rowcount", 1) != 1:
            continue
        req = CallRequest.from_json(pending.request_json)
        try:
            setup = _setup(session, call.account_pk, req)
        except EngineError:
            # the link lost its flow or number meanwhile: the call fails without rules
            call.call_result, call.call_end = NO_RULES_SET, call.call_start
            continue
        done.append(_complete(session, call.account_pk, req, setup, call, call.call_start))
    return done
