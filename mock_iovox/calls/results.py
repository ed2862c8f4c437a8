"""The values a CDR's `call_result` takes (DECISIONS.md §8), and how a call-flow branch ends in one.

The vendor's CDRs carry only the twelve values below (an IOVOX customer's support page lists them).
The call-flow XML has its own tokens for what the far end of a call rule did
(`ANSWERED|BUSY|REJECTED|NO_ANSWER|CANCELLED`, calls/magic.py): those choose a `callEvent` branch
inside a flow and are never written to a CDR. `BRANCH_TO_CDR` says which CDR value each ends in: what
the caller experienced (a refused call sounds busy; a call the caller gave up on is a hang-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

ANSWERED = "ANSWERED"
#: reached a voicemail / answering machine, or hung up during the automatic message
ANSWERED_MACHINE = "ANSWERED [MACHINE DETECTED]"
BUSY = "BUSY"
#: the caller hung up before an answer
HANGUP = "HANGUP"
HANGUP_RECORD_ALERT = "HANGUP-RECORD-ALERT"
HANGUP_WHISPER_CALLER = "HANGUP-WHISPER-CALLER"
#: the call rang out (with a space, unlike the flow's NO_ANSWER token)
NO_ANSWER = "NO ANSWER"
NO_RULES_SET = "NO RULES SET"
NUMBER_ON_HOLD = "NUMBER ON HOLD"
#: a rule's variables are not set correctly (a call rule reached with no destination)
RULES_BROKEN = "RULES BROKEN"
#: a blocked-number rule refused the call
BLOCKED = "BLOCKED"
DESTINATION_IS_VOXNUMBER = "DESTINATION IS VOXNUMBER"

#: every value a CDR carries, generated or simulated
CALL_RESULTS = (
    ANSWERED,
    ANSWERED_MACHINE,
    BUSY,
    HANGUP,
    HANGUP_RECORD_ALERT,
    HANGUP_WHISPER_CALLER,
    NO_ANSWER,
    NO_RULES_SET,
    NUMBER_ON_HOLD,
    RULES_BROKEN,
    BLOCKED,
    DESTINATION_IS_VOXNUMBER,
)
#: results written without any rule running (rule_result empty, nobody called)
NO_RULE_RESULTS = (NO_RULES_SET, NUMBER_ON_HOLD, BLOCKED)
#: results of a call that reached somebody (a person or a machine)
ANSWERED_RESULTS = (ANSWERED, ANSWERED_MACHINE)

#: the flow's callEvent token (what the far end did) -> the CDR value the call ends with
BRANCH_TO_CDR: Mapping[str, str] = MappingProxyType(
    {
        "ANSWERED": ANSWERED,
        "BUSY": BUSY,
        # the called party refused the call: the caller hears it as busy
        "REJECTED": BUSY,
        "NO_ANSWER": NO_ANSWER,
        # the caller gave up while it rang
        "CANCELLED": HANGUP,
    }
)


def cdr_result(token: str, machine: bool = False) -> str:
    """The CDR value of a far end's branch token (an answering machine's ANSWERED is flagged)."""
    if token == "ANSWERED" and machine:
        return ANSWERED_MACHINE
    return BRANCH_TO_CDR.get(token, token)
