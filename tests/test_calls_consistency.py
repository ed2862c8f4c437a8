"""Generated calls agree with the account they belong to (issue 8 part 4): every CDR is explained by
the account's state. Its VoxNumber is the number on its link, owned by its account and bought before
the call; its node and link are the link's own; its call_result / rule_result are what the link
allows: `NUMBER ON HOLD` on a number set OFF, `NO RULES SET` on a link without a call flow (no rule
runs: nothing is forwarded, recorded or e-mailed), the call-flow vocabulary otherwise. Checked on the
default fixture (both environments) and on a 100,000-call seed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from mock_iovox.calls.outcomes import NO_RULES_SET, NUMBER_ON_HOLD, link_outcomes
from mock_iovox.calls.seed import seed_calls
from mock_iovox.calls.traffic import CALL_RESULTS, RULE_RESULTS, Window
from mock_iovox.db import CallFlow, Link
from mock_iovox.db.engine import Database
from tests.conftest import Api


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
#: per link: its state (flow, number switched on) and the results its calls show
OUTCOMES = """
SELECT l.link_id, l.call_flow_pk IS NOT NULL, v.call_on, c.call_result, c.rule_result,
       max(c.call_destination != ''), max(c.talk_time_sec), max(c.has_recording), max(c.has_voicemail),
       max(c.email_sent), max(c.call_type = 'API'), count(*)
FROM calls c JOIN links l ON l.pk = c.link_pk JOIN voxnumbers v ON v.link_pk = l.pk
GROUP BY l.link_id, l.call_flow_pk IS NOT NULL, v.call_on, c.call_result, c.rule_result
"""


def check_consistency(db: Database) -> dict[str, set[str]]:
    """Asserts every call is explained; returns link_id -> the call_results seen (for the caller)."""
    assert rows(db, NUMBER_MISMATCH) == []
    assert rows(db, LINK_MISMATCH) == []
    assert rows(db, CONTACT_MISMATCH) == []
    with db.sessions() as session:
        # the rule results each link's own flow can produce (calls/outcomes.py reads its rules)
        allowed = {
            link.link_id: link_outcomes(session.get(CallFlow, link.call_flow_pk), True).rule_results
            for link in session.scalars(select(Link).where(Link.call_flow_pk.is_not(None)))
        }
    seen: dict[str, set[str]] = {}
    for link_id, has_flow, number_on, result, rule, forwarded, talk, rec, vm, mail, api, _ in rows(
        db, OUTCOMES
    ):
        seen.setdefault(link_id, set()).add(result)
        if not number_on:
            assert (result, rule) == (NUMBER_ON_HOLD, ""), link_id
        elif not has_flow:
            assert (result, rule) == (NO_RULES_SET, ""), link_id
        else:
            assert result in CALL_RESULTS and rule in RULE_RESULTS, (link_id, result, rule)
            assert rule in allowed[link_id], (link_id, rule)
        if result in (NUMBER_ON_HOLD, NO_RULES_SET):
            # no rule ran: nobody was called, nothing recorded, no voicemail, no alert, no click-to-call
            assert (forwarded, talk, rec, vm, mail, api) == (0, 0, 0, 0, 0, 0), link_id
    return seen


def test_default_fixture_calls_are_explained(api: Api) -> None:
    sandbox = check_consistency(api.dbs["sandbox"])
    # Demo Estates: two links with a flow, two without; Other Partner's number is OFF
    assert set(sandbox) == {
        "westbourne-web",
        "westbourne-paper",
        "leeds-deli-web",
        "paris-bistro-guide",
        "other-link",
    }
    assert sandbox["leeds-deli-web"] == sandbox["westbourne-web"] == {NO_RULES_SET}
    assert sandbox["other-link"] == {NUMBER_ON_HOLD}
    assert {"ANSWERED", "NO_ANSWER"} <= sandbox["westbourne-paper"] & sandbox["paris-bistro-guide"]
    production = check_consistency(api.dbs["production"])
    assert production == {"hq-web": {NO_RULES_SET}}


def test_links_without_a_number_get_no_calls(api: Api) -> None:
    db = api.dbs["sandbox"]
    with db.writing() as s:
        s.execute(text("UPDATE voxnumbers SET link_pk = NULL WHERE number = '441134960045'"))
        s.execute(text("DELETE FROM calls"))
        assert seed_calls(s, 1, 2000, Window.days_until(datetime(2026, 3, 6, 12), 7), 5) == 2000
    seen = check_consistency(db)
    assert set(seen) == {"westbourne-web", "westbourne-paper", "paris-bistro-guide"}
    with db.writing() as s:
        s.execute(text("DELETE FROM calls"))
        s.execute(text("UPDATE voxnumbers SET link_pk = NULL WHERE account_pk = 1"))
        assert seed_calls(s, 1, 100, Window.days_until(datetime(2026, 3, 6, 12), 7), 5) == 0


def test_a_100k_seed_is_explained(api: Api) -> None:
    """The seed command's generator over 90 days: 100,000 calls, all explained by the account."""
    db = api.dbs["sandbox"]
    with db.writing() as s:
        # a flow taken off and a number switched off before the seed: the new calls follow
        s.execute(text("UPDATE links SET call_flow_pk = NULL WHERE link_id = 'paris-bistro-guide'"))
        s.execute(text("UPDATE voxnumbers SET call_on = 0 WHERE number = '442079460148'"))
        s.execute(text("DELETE FROM calls"))
        written = seed_calls(s, 1, 100_000, Window.days_until(datetime(2026, 11, 30, 12), 90), 42)
    assert written == 100_000
    seen = check_consistency(db)
    assert seen["paris-bistro-guide"] == seen["leeds-deli-web"] == {NO_RULES_SET}
    assert seen["westbourne-web"] == {NUMBER_ON_HOLD}
    assert len(seen["westbourne-paper"]) == len(CALL_RESULTS)


@pytest.mark.parametrize(
    "corruption",
    [
        "UPDATE calls SET voxnumber = '441914980002' WHERE pk = 1",  # a number nobody owns
        # a call moved to another link, its number and names left as they were
        "UPDATE calls SET link_pk = (SELECT pk FROM links WHERE link_id = 'westbourne-paper') "
        "WHERE pk = (SELECT min(pk) FROM calls WHERE link_id = 'westbourne-web')",
        "UPDATE calls SET rule_result = 'Call to an Operator' WHERE link_id = 'leeds-deli-web'",
        "UPDATE calls SET rule_result = '' WHERE link_id = 'westbourne-paper'",
        # 'Call the agent' has no voicemail rule
        "UPDATE calls SET rule_result = 'Voicemail' WHERE pk = (SELECT min(pk) FROM calls "
        "WHERE link_id = 'paris-bistro-guide')",
        "UPDATE calls SET call_result = 'ANSWERED' WHERE link_id = 'other-link'",
        "UPDATE calls SET has_recording = 1 WHERE link_id = 'leeds-deli-web'",
        "UPDATE voxnumbers SET purchased_at = '2099-01-01' WHERE number = '442079460148'",
    ],
)
def test_the_check_sees_an_unexplained_call(api: Api, corruption: str) -> None:
    db = api.dbs["sandbox"]
    with db.reading() as s:
        s.execute(text(corruption))
    with pytest.raises(AssertionError):
        check_consistency(db)
