"""Generated calls follow their link's own flow (issue 19 item 3; issue 8 part 4 before it): every
CDR is explained by the account's state. Its VoxNumber is the number on its link, owned by its
account and bought before the call; its node and link are the link's own; and what happened follows
the link's flow and per-link values: the destination is one its call rules dial (with that rule's
contact), nothing is answered by a call rule that has no destination, nothing is recorded where the
rule says record="false", alerts only where a rule sends them, and the call and rule results are
ones the flow can produce (the vendor's CDR words, DECISIONS.md §8). `NUMBER ON HOLD` on a number set
OFF and `NO RULES SET` on a link without a flow run no rule at all.

The check reads the flows independently of the generator (flows/ and the link's stored values) and
groups the calls in SQL, so it covers every call of the default fixture and of a 100,000-call seed.
A generated call and a call placed by the engine on the same link, with the same keys pressed and
the same far ends, agree in every field but ids and times."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from mock_iovox.calls import engine, magic, numbers, results
from mock_iovox.calls import generate as gen
from mock_iovox.calls.seed import seed_calls
from mock_iovox.calls.traffic import MESSAGE, TO_OPERATOR, VOICEMAIL, Window
from mock_iovox.db import Call, CallFlow, Contact, Link, LinkRuleValue, VoxNumber
from mock_iovox.db.engine import Database
from mock_iovox.flows import values as V
from mock_iovox.flows.store import flow_of
from tests.helpers import PINNED, Api


def rows(db: Database, query: str) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(text(query)))


#: calls whose number is not the number on their link (or is another account's, or was bought later)
NUMBER_MISMATCH = """
SELECT c.call_id, c.voxnumber, c.link_id FROM calls c
LEFT JOIN voxnumbers v ON v.link_pk = c.link_pk AND v.number = c.voxnumber AND v.account_pk = c.account_pk
WHERE v.pk IS NULL OR v.purchased_at IS NULL OR v.purchased_at > c.call_start
"""
#: calls whose link, node or names are not those of an existing link of their account
LINK_MISMATCH = """
SELECT c.call_id FROM calls c
LEFT JOIN links l ON l.pk = c.link_pk
LEFT JOIN nodes n ON n.pk = l.node_pk
WHERE l.pk IS NULL OR l.account_pk != c.account_pk OR n.pk != c.node_pk OR l.link_id != c.link_id
   OR n.node_id != c.node_id OR l.link_name != c.link_name OR n.node_name != c.node_name
"""
#: calls forwarded to a contact of another account
CONTACT_MISMATCH = """
SELECT c.call_id FROM calls c LEFT JOIN contacts k ON k.pk = c.contact_pk
WHERE c.contact_pk IS NOT NULL AND (k.pk IS NULL OR k.account_pk != c.account_pk)
"""
#: every distinct way a link's calls ended, with how many calls ended so
GROUPS = """
SELECT c.link_id, v.call_on, c.call_result, c.rule_result, c.call_destination, c.contact_pk,
       c.has_recording, c.has_voicemail, c.email_sent, c.call_type, max(c.talk_time_sec), count(*)
FROM calls c JOIN links l ON l.pk = c.link_pk JOIN voxnumbers v ON v.link_pk = l.pk
GROUP BY c.link_id, v.call_on, c.call_result, c.rule_result, c.call_destination, c.contact_pk,
         c.has_recording, c.has_voicemail, c.email_sent, c.call_type
"""
ANSWERED = set(results.ANSWERED_RESULTS)
#: what a call rule that rings somebody can end in (the far end's tokens, as CDR words)
DIALLED = {*ANSWERED, results.BUSY, results.NO_ANSWER, results.HANGUP}


@dataclass
class Expect:
    """What a link's flow, with its stored values, lets its calls be."""

    has_flow: bool
    #: destination number -> (contact pk, the rule records)
    destinations: dict[str, tuple[int | None, bool]] = field(default_factory=dict)
    call_results: set[str] = field(default_factory=set)
    rule_results: set[str] = field(default_factory=lambda: {""})
    alerts: bool = False
    voicemail: bool = False


def _expect(session: Any, link: Link) -> Expect:
    """Read the link's flow and values (not through the generator) into what its calls may show."""
    if link.call_flow_pk is None:
        return Expect(False)
    flow = flow_of(session.get(CallFlow, link.call_flow_pk))
    stored = {
        v.rule_id: V.loads(v.values_json)
        for v in session.scalars(
            select(LinkRuleValue).where(
                LinkRuleValue.link_pk == link.pk, LinkRuleValue.flow_pk == link.call_flow_pk
            )
        )
    }
    vox = set(session.scalars(select(VoxNumber.number)))
    out = Expect(True, call_results={results.ANSWERED, results.HANGUP}, rule_results=set())
    kinds = {r.element for r in flow.walk()}
    if "play" in kinds or "messageKeypress" in kinds:
        out.rule_results.add(MESSAGE)
    if "voicemail" in kinds:
        out.rule_results.add(VOICEMAIL)
        out.voicemail = True
    if not kinds & {"play", "messageKeypress", "call", "voicemail"}:
        out.rule_results.add("")
    for rule in flow.walk():
        if rule.element != "call":
            continue
        out.rule_results.add(TO_OPERATOR)
        values = stored.get(rule.id, {})
        attrs = V.effective_attrs(rule, values)
        number = attrs.get("destinationPhoneNumber", "")
        contact_id = attrs.get("destinationContactId") or values.get("contact/contact_id") or ""
        contact = session.scalar(
            select(Contact).where(Contact.account_pk == link.account_pk, Contact.contact_id == contact_id)
        )
        if not number and contact is not None:
            number = contact.business_phone or contact.mobile_phone or contact.home_phone or ""
        if attrs.get("sendCallAlert", "NONE").upper() != "NONE":
            out.alerts = True
        if not number:
            out.call_results.add(results.RULES_BROKEN)
            continue
        if number in vox:
            out.call_results.add(results.DESTINATION_IS_VOXNUMBER)
        out.call_results |= DIALLED
        records = attrs.get("record", "").lower() == "true"
        out.destinations[number] = (contact.pk if contact is not None else None, records)
    # a blocked caller or a blocked destination: no rule, or the next one
    out.call_results.add(results.BLOCKED)
    return out


@dataclass
class Report:
    calls: int = 0
    results: Counter[str] = field(default_factory=Counter)
    per_link: dict[str, set[str]] = field(default_factory=dict)


def check_consistency(db: Database) -> Report:
    """Asserts every call is explained by its link's state and flow; returns what was seen."""
    assert rows(db, NUMBER_MISMATCH) == []
    assert rows(db, LINK_MISMATCH) == []
    assert rows(db, CONTACT_MISMATCH) == []
    with db.sessions() as session:
        expects = {link.link_id: _expect(session, link) for link in session.scalars(select(Link))}
    report = Report()
    for link_id, on, result, rule, dest, contact, rec, vm, mail, ctype, talk, n in rows(db, GROUPS):
        where = (link_id, result, rule, dest, contact, rec, vm, mail, ctype)
        report.calls += n
        report.results[result] += n
        report.per_link.setdefault(link_id, set()).add(result)
        want = expects[link_id]
        assert result in results.CALL_RESULTS, where
        if not on or not want.has_flow:
            # no rule runs: nobody called, nothing recorded, no voicemail, no alert, no click-to-call
            assert result == (results.NUMBER_ON_HOLD if not on else results.NO_RULES_SET), where
            assert (rule, dest, contact, rec, vm, mail, ctype, talk) == ("", "", None, 0, 0, 0, "DIRECT", 0)
            continue
        if ctype == "API" and rule == "":
            # a click-to-call whose first leg (call_destination) did not answer: no rule ran
            assert result in DIALLED - ANSWERED and (dest, rec, vm, mail, talk) == ("", 0, 0, 0, 0), where
            continue
        assert result in want.call_results, where
        assert rule in want.rule_results, where
        if dest:
            assert dest in want.destinations, where
            assert contact == want.destinations[dest][0], where
        else:
            assert contact is None, where
        # nothing answered by a rule without a destination; nothing recorded against record="false"
        if result in ANSWERED and rule == TO_OPERATOR:
            assert dest, where
        if rec:
            assert dest and want.destinations[dest][1] and result in ANSWERED, where
        if talk:
            assert result in ANSWERED and dest, where
        if mail:
            assert want.alerts, where
        if vm:
            assert want.voicemail and rule == VOICEMAIL, where
    return report


def test_default_fixture_calls_follow_their_flows(api: Api) -> None:
    sandbox = check_consistency(api.dbs["sandbox"])
    assert sandbox.calls == 3200
    # every link with a number runs a flow but the one left without rules on purpose; the number on
    # hold is Other Partner's
    assert sandbox.per_link["westbourne-web"] == {results.NO_RULES_SET}
    assert sandbox.per_link["other-link"] == {results.NUMBER_ON_HOLD}
    for link_id in ("westbourne-paper", "leeds-deli-web", "paris-bistro-guide"):
        assert {results.ANSWERED, results.BUSY, results.NO_ANSWER} <= sandbox.per_link[link_id], link_id
    assert sandbox.results[results.NO_RULES_SET] <= 0.10 * sandbox.calls
    # the westbourne-paper menu's sales rule does not record, and rings only the Sales Desk
    paper = rows(
        api.dbs["sandbox"],
        "SELECT DISTINCT call_destination, has_recording FROM calls WHERE link_id = 'westbourne-paper'",
    )
    assert set(paper) == {("", 0), ("442079460123", 0)}
    production = check_consistency(api.dbs["production"])
    assert production.calls == 500
    assert set(production.per_link) == {"hq-web", "hq-brochure"}
    assert results.NO_RULES_SET not in production.results
    assert production.results[results.ANSWERED] > 0.5 * production.calls


def test_links_without_a_number_get_no_calls(api: Api) -> None:
    db = api.dbs["sandbox"]
    with db.writing() as s:
        s.execute(text("UPDATE voxnumbers SET link_pk = NULL WHERE number = '441134960045'"))
        s.execute(text("DELETE FROM calls"))
        assert seed_calls(s, 1, 2000, Window.days_until(datetime(2026, 3, 6, 12), 7), 5) == 2000
    seen = check_consistency(db)
    assert set(seen.per_link) == {"westbourne-web", "westbourne-paper", "paris-bistro-guide"}
    with db.writing() as s:
        s.execute(text("DELETE FROM calls"))
        s.execute(text("UPDATE voxnumbers SET link_pk = NULL WHERE account_pk = 1"))
        assert seed_calls(s, 1, 100, Window.days_until(datetime(2026, 3, 6, 12), 7), 5) == 0


def test_a_100k_seed_follows_the_flows(api: Api) -> None:
    """The seed command's generator over 90 days: 100,000 calls, every one explained by its flow,
    after changing the account: a flow taken off, a number switched off, a link's values removed
    (its call rule is left `?`: RULES BROKEN, never answered) and a menu's sales line recorded."""
    db = api.dbs["sandbox"]
    with db.writing() as s:
        s.execute(text("UPDATE links SET call_flow_pk = NULL WHERE link_id = 'paris-bistro-guide'"))
        s.execute(text("UPDATE voxnumbers SET call_on = 0 WHERE number = '442079460148'"))
        leeds = s.scalar(select(Link.pk).where(Link.link_id == "leeds-deli-web"))
        s.execute(text(f"DELETE FROM link_rule_values WHERE link_pk = {leeds}"))
        s.execute(text("DELETE FROM calls"))
        written = seed_calls(s, 1, 100_000, Window.days_until(datetime(2026, 11, 30, 12), 90), 42)
    assert written == 100_000
    seen = check_consistency(db)
    assert seen.calls == 100_000
    assert seen.per_link["paris-bistro-guide"] == {results.NO_RULES_SET}
    assert seen.per_link["westbourne-web"] == {results.NUMBER_ON_HOLD}
    assert seen.per_link["leeds-deli-web"] <= {results.RULES_BROKEN, results.BLOCKED}
    assert results.RULES_BROKEN in seen.per_link["leeds-deli-web"]
    assert {
        results.ANSWERED,
        results.ANSWERED_MACHINE,
        results.BUSY,
        results.HANGUP,
        results.NO_ANSWER,
    } <= seen.per_link["westbourne-paper"]


@pytest.mark.parametrize(
    "corruption",
    [
        "UPDATE calls SET voxnumber = '441914980002' WHERE pk = 1",  # a number nobody owns
        # a call moved to another link, its number and names left as they were
        "UPDATE calls SET link_pk = (SELECT pk FROM links WHERE link_id = 'westbourne-paper') "
        "WHERE pk = (SELECT min(pk) FROM calls WHERE link_id = 'westbourne-web')",
        "UPDATE calls SET rule_result = 'Call to an Operator' WHERE link_id = 'westbourne-web'",
        # 'Call the agent' has no voicemail rule
        "UPDATE calls SET rule_result = 'Voicemail' WHERE pk = (SELECT min(pk) FROM calls "
        "WHERE link_id = 'paris-bistro-guide')",
        "UPDATE calls SET call_result = 'ANSWERED' WHERE link_id = 'other-link'",
        "UPDATE calls SET has_recording = 1 WHERE link_id = 'westbourne-web'",
        # the menu's sales rule says record="false"
        "UPDATE calls SET has_recording = 1 WHERE pk = (SELECT min(pk) FROM calls "
        "WHERE link_id = 'westbourne-paper' AND call_destination != '' AND call_result = 'ANSWERED')",
        # answered by somebody the flow never rings (another node's contact)
        "UPDATE calls SET call_destination = '441134960456' WHERE pk = (SELECT min(pk) FROM calls "
        "WHERE link_id = 'westbourne-paper' AND call_destination != '')",
        # answered by a call rule without a destination
        "UPDATE calls SET call_destination = '', contact_pk = NULL WHERE pk = (SELECT min(pk) FROM calls "
        "WHERE link_id = 'paris-bistro-guide' AND call_result = 'ANSWERED')",
        # words no CDR carries (DECISIONS.md §8)
        "UPDATE calls SET call_result = 'NO_ANSWER' WHERE call_result = 'NO ANSWER'",
        "UPDATE calls SET call_result = 'FAILED' WHERE pk = (SELECT min(pk) FROM calls "
        "WHERE link_id = 'leeds-deli-web')",
        # a rule result the flow cannot produce: 'Call the agent' plays nothing
        "UPDATE calls SET rule_result = 'Message Played' WHERE pk = (SELECT min(pk) FROM calls "
        "WHERE link_id = 'leeds-deli-web')",
        "UPDATE voxnumbers SET purchased_at = '2099-01-01' WHERE number = '442079460148'",
    ],
)
def test_the_check_sees_an_unexplained_call(api: Api, corruption: str) -> None:
    db = api.dbs["sandbox"]
    check_consistency(db)
    with db.writing() as s:
        s.execute(text(corruption))
    with pytest.raises(AssertionError):
        check_consistency(db)


# ---------------------------------------------------------------------------------------------
# a generated call = a placed call, given the same keys and far ends

#: the columns that differ between two calls of the same story: identities and times
IDS_AND_TIMES = {"pk", "call_id", "call_start", "call_end"}


def _generated(
    plan: gen.LinkPlan, rng: random.Random, pk: int, at: datetime, caller: numbers.Caller
) -> tuple[dict[str, Any], engine.CallRequest]:
    """One call through the generator's path, and the request that replays it on the engine."""
    plan.world.log = []
    api = plan.api_ok and rng.random() < 0.3
    digits = gen.draw_keys(plan.keys, rng.random) if plan.keys else []
    detail = "198.51.100.7" if api else ""
    voicemail = gen.voicemail_seconds(rng) if plan.voicemail else None
    call_type = engine.API if api else engine.DIRECT
    row = gen.place(plan, pk, 1, at, caller, call_type, digits, detail, rng, voicemail)
    req = engine.CallRequest(
        plan.link_id,
        caller.number,
        call_type,
        list(digits),
        outcomes=[asdict(far) for far in plan.world.log],
        detail=detail,
        voicemail=voicemail,
    )
    plan.world.log = None
    return dict(zip(gen.COLUMNS, row, strict=True)), req


def test_a_generated_call_and_a_placed_call_agree(api: Api) -> None:
    """On every link with a number, many generated calls (menus, far ends and click-to-calls drawn
    as the generator draws them) replayed through the engine with the same keys and far ends."""
    db = api.dbs["sandbox"]
    rng = random.Random(19)
    callers = numbers.callers(0)
    compared: Counter[str] = Counter()
    with db.writing() as s:
        plans = gen.plan_links(s, 1, random.Random(3))
        assert {p.link_id for p in plans} == {
            "westbourne-web",
            "westbourne-paper",
            "leeds-deli-web",
            "paris-bistro-guide",
        }
        for i in range(300):
            plan = plans[i % len(plans)]
            generated, req = _generated(plan, rng, 10**6 + i, PINNED - timedelta(hours=1), callers[i])
            placed = engine.place_call(s, 1, req, PINNED)
            cdr = {c.name: getattr(placed.call, c.name) for c in Call.__table__.columns}
            mine = {k: v for k, v in generated.items() if k not in IDS_AND_TIMES}
            theirs = {k: cdr[k] for k in mine}
            assert mine == theirs, (plan.link_id, req, placed.trace)
            compared[generated["call_result"]] += 1
    # the stories compared cover the flows' ways to end
    assert {results.ANSWERED, results.BUSY, results.NO_ANSWER, results.NO_RULES_SET} <= set(compared)
    assert sum(compared.values()) == 300


def test_forced_far_ends_replay_a_story(api: Api) -> None:
    """A request may fix how each number dialled answers (the generator's far ends)."""
    db = api.dbs["sandbox"]
    busy = asdict(magic.FarEnd(magic.BUSY, 3, voicemail=11))
    with db.writing() as s:
        req = engine.CallRequest("westbourne-paper", "447700900123", digits=["1"], outcomes=[busy])
        out = engine.place_call(s, 1, req, PINNED)
        assert (out.call.call_result, out.call.rule_result, out.call.voicemail_sec) == (
            results.BUSY,
            VOICEMAIL,
            11,
        )
        assert out.call.call_destination == "442079460123"
