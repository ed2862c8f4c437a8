"""What a link's state lets happen to its calls: the one place generated CDRs take their
call_result / rule_result vocabulary from, per link (`link_outcomes`).

IOVOX's call results (a customer's support page listing them, see docs/guesses.md): a number whose
link has no rules gives `NO RULES SET`, a number set on hold gives `NUMBER ON HOLD`; in both no rule
runs, so nothing is forwarded, recorded or e-mailed and rule_result stays empty. A link with a call
flow forwards calls, may take voicemails and play messages.

A flow gives only the rule results its rules can produce: a voicemail only with a voicemail rule,
a played message only with a play rule (mock_iovox/flows reads the stored XML).
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_iovox.calls import traffic
from mock_iovox.db import CallFlow

#: call_result of a call to a number on a link without rules, or to a number set on hold
NO_RULES_SET = "NO RULES SET"
NUMBER_ON_HOLD = "NUMBER ON HOLD"
BLOCKED_RESULTS = (NO_RULES_SET, NUMBER_ON_HOLD)


@dataclass(frozen=True, slots=True)
class Outcomes:
    """The results a link's calls can have."""

    #: the call_result of every call when no rule runs (None: the link's flow handles its calls)
    blocked: str | None = None
    #: rule_result of a call forwarded to the destination
    forward: str = traffic.TO_OPERATOR
    #: rule_result of a missed call that left a voicemail (None: the flow takes no voicemail)
    voicemail: str | None = traffic.VOICEMAIL
    #: rule_result of a call answered by a played message (None: the flow plays none)
    message: str | None = traffic.MESSAGE

    @property
    def rule_results(self) -> frozenset[str]:
        """Every rule_result these outcomes can write ("" when no rule runs)."""
        if self.blocked:
            return frozenset({""})
        return frozenset(r for r in (self.forward, self.voicemail, self.message) if r)


def link_outcomes(flow: CallFlow | None, number_on: bool) -> Outcomes:
    """The outcomes of calls to a link's number: on hold, without rules, or run by its flow."""
    if not number_on:
        return Outcomes(blocked=NUMBER_ON_HOLD)
    if flow is None:
        return Outcomes(blocked=NO_RULES_SET)
    kinds = rule_types(flow)
    return Outcomes(
        voicemail=traffic.VOICEMAIL if "voicemail" in kinds else None,
        message=traffic.MESSAGE if "play" in kinds else None,
    )


def rule_types(flow: CallFlow) -> frozenset[str]:
    """The element names of every rule of a stored flow (all of them when it cannot be read)."""
    from mock_iovox import xmlio
    from mock_iovox.errors import IovoxError
    from mock_iovox.flows.parse import FlowError, read_flow

    try:
        return frozenset(rule.element for rule in read_flow(xmlio.parse(flow.xml.encode())).walk())
    except (FlowError, IovoxError):
        return frozenset({"call", "voicemail", "play"})
