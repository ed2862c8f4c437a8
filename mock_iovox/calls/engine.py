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
* Rules run in order. play: each sound file takes PLAY_SECONDS. messageKeypress: the prompt (its
  `play` values are kept under the menu's own rule id, as the vendor's attach example puts them),
  then one entry of the digits per attempt (none left, or an empty entry: the timeout passes and the
  `no_key_message` plays; a key no keyEvent matches plays the `unmatched_message`); a matching
  keyEvent runs its rules, otherwise the menu asks again up to the failure's `attempts` (default 3)
  and then runs the failure's rules. call: the destination (the rule, the link's `?` values or the
  call variables, or the named contact's phone) rings as calls/magic.py says (a VoxNumber is not
  dialled: `DESTINATION IS VOXNUMBER`; no destination at all: `RULES BROKEN`); a matching callEvent
  runs its rules; an answered call ends the flow once its handler is done, an unanswered one goes on
  with the next rule. voicemail: records a message (ends the call). sendSMS / sendSms / call alerts:
  the outbox. httpRequest: queued in the outbox and sent after the call commits, under the outbound
  policy (calls/httpsend.py).
* At most MAX_STEPS rules (menu attempts included) run: a flow that would go on ends there as the
  caller hanging up (`HANGUP`).
* The CDR's call_result is one of calls/results.py's values (DECISIONS.md §8); the far end's flow
  tokens (NO_ANSWER, REJECTED, CANCELLED) choose branches and map to them (results.BRANCH_TO_CDR).

What the walk needs from the world (contacts, blocked numbers, VoxNumbers, how a far end answers,
the outbox) goes through a `World`: `DbWorld` here reads and writes the database for one call;
calls/generate.py runs the same walk over a world prepared once per link, so generated history
follows the same rules as a placed call.
"""

from __future__ import annotations

import json
import random
import re
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mock_iovox.calls import httpsend, magic, numbers, outbox, results, traffic
from mock_iovox.calls.ids import CALL_ID_BASE, next_pk
from mock_iovox.calls.results import BLOCKED, NO_RULES_SET, NUMBER_ON_HOLD
from mock_iovox.db import Call, CallFlow, Contact, Link, LinkRuleValue, Node, VoxNumber
from mock_iovox.db.calls import PendingCall
from mock_iovox.db.engine import database_of
from mock_iovox.domain import blocking
from mock_iovox.flows import values as V
from mock_iovox.flows.model import Branch, Flow, Rule
from mock_iovox.flows.store import flow_of
from mock_iovox.flows.vocabulary import FAILURE_MESSAGES, VARIABLE

DIRECT, API = "DIRECT", "API"
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
#: the rules_variable slots of a menu failure's messages (flows/vocabulary.py FAILURE_MESSAGES)
NO_KEY_MESSAGE, UNMATCHED_MESSAGE = FAILURE_MESSAGES["onNoKeypress"], FAILURE_MESSAGES["onUnmatchedKeypress"]
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
    #: forced far ends, one per number dialled (the click-to-call's first leg included), as
    #: magic.FarEnd fields; once used up (or empty) the magic numbers decide
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    #: the CDR's `detail` (the requester's IP of a click-to-call, when known)
    detail: str = ""
    #: seconds of the message the caller leaves at a voicemail rule when no far end fixed it
    #: (None: drawn from the seed)
    voicemail: int | None = None

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
    #: the caller's encoded number and location when already known (generation), else computed
    origin_encoded: str | None = None
    origin_location: str | None = None
    #: rule id -> its running attributes without call variables (shared by a link's calls)
    attr_cache: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the link's own CDR values and VoxNumber, once read (`_link_part`)
    link_part: tuple[Any, ...] | None = None
    voxnumber_text: str | None = None


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


class ContactLike(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def business_phone(self) -> str: ...
    @property
    def mobile_phone(self) -> str: ...
    @property
    def home_phone(self) -> str: ...


class World(Protocol):
    """What one call's walk asks of the world around it."""

    def contact(self, contact_id: str) -> ContactLike | None: ...
    def blocked(self, number: str | None, direction: str, at: datetime) -> bool: ...
    def is_voxnumber(self, number: str) -> bool: ...
    def far_end(self, number: str, timeout: int, rng: random.Random) -> magic.FarEnd: ...
    def send(self, kind: str, **fields: Any) -> None: ...


def forced_far_end(
    outcomes: deque[dict[str, Any]], number: str, timeout: int, rng: random.Random
) -> magic.FarEnd:
    """The next forced far end of a request, else what the magic numbers say."""
    if outcomes:
        return magic.FarEnd(**outcomes.popleft())
    return magic.far_end(number, timeout, rng)


@dataclass(slots=True)
class DbWorld:
    """The world of a call placed now: the account's rows, and the outbox written."""

    session: Session
    account_pk: int
    link_id: str
    at: datetime
    call_id: str
    outcomes: deque[dict[str, Any]] = field(default_factory=deque)

    def contact(self, contact_id: str) -> Contact | None:
        if not contact_id:
            return None
        return self.session.scalar(
            select(Contact).where(Contact.account_pk == self.account_pk, Contact.contact_id == contact_id)
        )

    def blocked(self, number: str | None, direction: str, at: datetime) -> bool:
        return blocking.blocking_decision(
            self.session, self.account_pk, number, self.link_id, direction, at
        ).blocked

    def is_voxnumber(self, number: str) -> bool:
        return (
            self.session.scalar(select(VoxNumber.pk).where(VoxNumber.number == number).limit(1)) is not None
        )

    def far_end(self, number: str, timeout: int, rng: random.Random) -> magic.FarEnd:
        return forced_far_end(self.outcomes, number, timeout, rng)

    def send(self, kind: str, **fields: Any) -> None:
        outbox.add(self.session, self.account_pk, kind, self.at, call_id=self.call_id, **fields)


@dataclass(slots=True)
class _Walk:
    session: Session
    account_pk: int
    setup: _Setup
    req: CallRequest
    rng: random.Random
    at: datetime
    call_id: str
    world: World
    trace: list[str] = field(default_factory=list)
    #: False: no trace lines are written (generated calls)
    tracing: bool = True
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
        if self.tracing:
            self.trace.append(f"{self.elapsed:>4}s {rule.id or 'failure'}: {text}")

    def attrs(self, rule: Rule) -> dict[str, str]:
        if self.req.variables:
            return rule_attrs(rule, self.setup.values.get(rule.id), self.req.variables)
        cached = self.setup.attr_cache.get(rule.id)
        if cached is None:
            cached = self.setup.attr_cache[rule.id] = rule_attrs(rule, self.setup.values.get(rule.id), {})
        return cached

    def contact(self, contact_id: str) -> ContactLike | None:
        return self.world.contact(contact_id) if contact_id else None

    def sounds(self, rule: Rule, owner: str | None = None) -> list[str]:
        """The sound files the rule's messages play; `owner`: the rule id its values are kept
        under (a menu's prompt: the menu's own id)."""
        values = self.setup.values.get(owner or rule.id)
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

    def rule_play(self, rule: Rule, owner: str | None = None) -> None:
        files = self.sounds(rule, owner)
        self.plays += 1
        self.note(rule, f"play {', '.join(files) or '(no sound file)'}")
        self.elapsed += self.play_seconds(files)

    def failure_message(self, rule: Rule, failure: Branch | None, slot: str) -> None:
        """Play the menu failure's message for `slot` (no_key_message / unmatched_message), if any."""
        if failure is None:
            return
        values = self.setup.values.get(rule.id)
        files = [s for m in failure.messages if m.slot == slot for s in V.effective_sounds(m, values)]
        if not any(m.slot == slot for m in failure.messages):
            return
        self.note(failure, f"{slot}: play {', '.join(files) or '(no sound file)'}")
        self.elapsed += self.play_seconds(files)

    def rule_messagekeypress(self, rule: Rule) -> None:
        failure = next((b for b in rule.branches if b.kind == "failure"), None)
        attempts = failure.attempts if failure is not None and failure.attempts else DEFAULT_ATTEMPTS
        timeout = min(int(rule.attrs.get("timeout") or DEFAULT_KEY_TIMEOUT), MAX_WAIT)
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self.step()
            if rule.play is not None:
                # the prompt's values live under the menu's rule id (`<play>` of its rules_variable)
                self.rule_play(rule.play, owner=rule.id)
            key = self.digits.popleft() if self.digits else ""
            if not key:
                self.elapsed += timeout
                self.note(rule, f"attempt {attempt}: no key")
                self.failure_message(rule, failure, NO_KEY_MESSAGE)
                continue
            self.elapsed += len(key)
            branch = next((b for b in rule.branches if b.kind == "keyEvent" and key in b.matches), None)
            if branch is not None:
                self.note(rule, f"attempt {attempt}: key {key}")
                self.run(branch.rules)
                return
            self.note(rule, f"attempt {attempt}: key {key} unmatched")
            self.failure_message(rule, failure, UNMATCHED_MESSAGE)
        if failure is None:
            self.note(rule, "no choice: hang up")
            self.ended = True
            return
        self.note(failure, f"menu failed after {attempts} attempts")
        self.run(failure.rules)

    def destination_of(self, attrs: dict[str, str]) -> tuple[str, ContactLike | None]:
        number = attrs.get("destinationPhoneNumber", "")
        contact = self.contact(attrs.get("destinationContactId", ""))
        if not number and contact is not None:
            number = next((getattr(contact, p) for p in PHONES if getattr(contact, p)), "")
        return blocking.caller_digits(number) or "", contact

    def rule_call(self, rule: Rule) -> None:
        attrs = self.attrs(rule)
        number, contact = self.destination_of(attrs)
        self.calls += 1
        timeout = min(int(attrs.get("timeout") or magic.DEFAULT_TIMEOUT), MAX_WAIT)
        if not number:
            # the rule's variables are not set: nobody is called (DECISIONS.md §8)
            self.result = results.RULES_BROKEN
            self.note(rule, "no destination")
            self.run(next((b.rules for b in rule.branches if b.kind == "failure"), []))
            return
        self.destination = number
        self.contact_pk = contact.pk if contact is not None else None
        if self.world.is_voxnumber(number):
            # the platform does not forward a call into one of its own numbers
            self.result = results.DESTINATION_IS_VOXNUMBER
            self.note(rule, f"call {number}: a VoxNumber, not dialled")
            self.run(next((b.rules for b in rule.branches if b.kind == "failure"), []))
            return
        if self.world.blocked(number, "OUT", self.at):
            self.result = BLOCKED
            self.note(rule, f"call {number}: blocked (OUT)")
            self.alert(rule, attrs, BLOCKED, contact)
            return
        far = self.world.far_end(number, timeout, self.rng)
        self.last_far_end = far
        answered = far.result == magic.ANSWERED
        self.result = results.cdr_result(far.result, far.machine)
        self.elapsed += far.ring
        if answered:
            self.talk += far.talk
            self.elapsed += far.talk
            self.recorded = self.recorded or attrs.get("record", "").lower() == "true"
        if self.tracing:
            detail = f"call {number}: {self.result} after {far.ring}s"
            if answered:
                detail += f", talked {far.talk}s" + (f", pressed {far.key}" if far.key else "")
            self.note(rule, detail)
        self.alert(rule, attrs, self.result, contact)
        branch = next((b for b in rule.branches if b.kind == "callEvent" and far.result in b.matches), None)
        if branch is not None:
            self.run(branch.rules)
        if answered or far.result == magic.CANCELLED:
            # answered: the flow is done once its handler is; cancelled: the caller has hung up
            self.ended = True

    def alert(self, rule: Rule, attrs: dict[str, str], result: str, contact: ContactLike | None) -> None:
        mode = attrs.get("sendCallAlert", "NONE").upper()
        missed = result not in results.ANSWERED_RESULTS
        send = (
            mode == "ALL_CALLS"
            or (mode == "MISSED_CALLS" and missed)
            or (mode == "MISSED_CALLS_NO_WITHHELD" and missed and bool(self.setup.origin))
        )
        if not send:
            return
        self.email_sent = True
        self.world.send(
            outbox.CALL_ALERT,
            recipient=contact.email if contact is not None else "",
            subject=f"{result.title()} call from {self.setup.origin or 'withheld'}",
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
        elif self.req.voicemail is not None:
            seconds = self.req.voicemail
        else:
            seconds = self.rng.randint(*VOICEMAIL_RANGE)
        self.voicemail = max(1, min(seconds, longest))
        self.elapsed += self.voicemail
        contact = self.contact(attrs.get("destinationContactId", ""))
        recipient = attrs.get("destinationEmailAddress") or (contact.email if contact is not None else "")
        self.world.send(
            outbox.VOICEMAIL,
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
        self.world.send(
            outbox.SMS,
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
            database_of(self.session),
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


#: the CDR columns a call's walk fills, in this order (calls/generate.py writes rows in it)
CDR_COLUMNS = (
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


def _link_part(setup: _Setup) -> tuple[Any, ...]:
    """The CDR values that come from the link alone (direction … link_type), read once per setup."""
    if setup.link_part is None:
        node, link = setup.node, setup.link
        setup.link_part = (
            "IN",
            node.pk,
            link.pk,
            node.node_id,
            node.node_name,
            node.node_type,
            link.link_id,
            link.link_name,
            link.link_type,
        )
    return setup.link_part


def cdr_values(walk: _Walk, call_type: str, result: str, rule_result: str) -> tuple[Any, ...]:
    """The CDR of a walked call, as values in CDR_COLUMNS order."""
    setup = walk.setup
    origin = setup.origin
    duration = max(walk.elapsed, walk.talk + walk.voicemail, 1)
    encoded = setup.origin_encoded
    if encoded is None:
        encoded = numbers.encode_origin(origin) if origin else ""
    location = setup.origin_location if setup.origin_location is not None else _location(origin)
    if setup.voxnumber_text is None:
        setup.voxnumber_text = setup.voxnumber.number if setup.voxnumber is not None else ""
    return (
        walk.at,
        walk.at + timedelta(seconds=duration),
        origin,
        encoded,
        location,
        setup.voxnumber_text,
        walk.destination,
        walk.req.detail,
        duration,
        walk.talk,
        call_type,
        result,
        rule_result,
        *_link_part(setup),
        walk.contact_pk if walk.destination else None,
        walk.recorded and walk.talk > 0,
        walk.voicemail > 0,
        walk.voicemail,
        walk.email_sent,
    )


def _fields(walk: _Walk, call_type: str, result: str, rule_result: str) -> dict[str, Any]:
    return dict(zip(CDR_COLUMNS, cdr_values(walk, call_type, result, rule_result), strict=True))


def _walk(session: Session, account_pk: int, req: CallRequest, setup: _Setup, pk: int, at: datetime) -> _Walk:
    call_id = str(CALL_ID_BASE + pk)
    rng = random.Random(f"mock-iovox engine {req.seed if req.seed is not None else pk}")
    world = DbWorld(session, account_pk, setup.link.link_id, at, call_id, deque(req.outcomes))
    walk = _Walk(session, account_pk, setup, req, rng, at, call_id, world, digits=deque(setup.digits))
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
    if walk.world.blocked(setup.origin or None, direction, walk.at):
        walk.trace.append(f"{setup.origin or 'withheld'} blocked ({direction}): no rule runs")
        walk.elapsed = 2
        return BLOCKED, ""
    if req.call_type == API:
        far = walk.world.far_end(setup.origin, magic.DEFAULT_TIMEOUT, walk.rng)
        walk.elapsed += far.ring
        first = results.cdr_result(far.result, far.machine)
        if walk.tracing:
            walk.trace.append(f"{walk.elapsed:>4}s dial {setup.origin}: {first}")
        if far.result != magic.ANSWERED:
            return first, ""
        if far.key and not walk.digits:
            walk.digits.append(far.key)
    assert setup.flow is not None
    if walk.tracing:
        walk.trace.append(f"   0s flow {setup.flow.name!r}")
    try:
        walk.run(setup.flow.rules)
    except _HangUp:
        walk.trace.append(f"{walk.elapsed:>4}s {MAX_STEPS} steps: the caller hangs up")
        return results.HANGUP, _rule_result(walk)
    return walk.result or results.ANSWERED, _rule_result(walk)


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
