"""Magic destination numbers: what the far end of a call does, chosen by the number dialled.

Every magic number lies in Ofcom's 01632 960xxx drama range (never a real line, never a generated
caller or forwarding destination; DECISIONS.md §5). Any other destination answers after a short ring
and talks for a time drawn from the call's seed. The table is documented in README.md.

The results here are the call flow's callEvent tokens (what the far end did; they choose a branch);
the CDR value each ends in is calls/results.py's (NO_ANSWER -> `NO ANSWER`, REJECTED -> `BUSY`,
CANCELLED -> `HANGUP`, an answering machine -> `ANSWERED [MACHINE DETECTED]`).

| destination (E.164)          | the far end                                                    |
| ---------------------------- | -------------------------------------------------------------- |
| 441632960900                 | answers after 3 s, talks 60 s                                  |
| 441632960901                 | BUSY after 2 s                                                 |
| 441632960902                 | rings until the rule's timeout: NO_ANSWER                      |
| 441632960903                 | REJECTED after 4 s                                             |
| 441632960904                 | the caller hangs up after 5 s of ringing: CANCELLED            |
| 441632960905                 | rings until the timeout, then the caller leaves a 20 s voicemail |
| 441632960906                 | an answering machine answers after 3 s, 20 s: ANSWERED (machine) |
| 44163296091D (D = 0…9)       | answers after 3 s, presses key D, talks 45 s                   |
| 4416329608NN (NN = 00…99)    | rings NN s, then answers (NO_ANSWER if NN ≥ the timeout)       |
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ANSWERED, BUSY, NO_ANSWER, REJECTED, CANCELLED = "ANSWERED", "BUSY", "NO_ANSWER", "REJECTED", "CANCELLED"

PREFIX = "441632960"
MAGIC_ANSWER = PREFIX + "900"
MAGIC_BUSY = PREFIX + "901"
MAGIC_NO_ANSWER = PREFIX + "902"
MAGIC_REJECTED = PREFIX + "903"
MAGIC_CANCELLED = PREFIX + "904"
MAGIC_VOICEMAIL = PREFIX + "905"
MAGIC_MACHINE = PREFIX + "906"
#: + one digit: answers and presses that key
MAGIC_KEY = PREFIX + "91"
#: + two digits: rings that many seconds, then answers
MAGIC_RING = PREFIX + "8"

#: seconds a call rings before NO_ANSWER when the rule gives no timeout (a guess)
DEFAULT_TIMEOUT = 30
#: the length of the voicemail left after MAGIC_VOICEMAIL
MAGIC_VOICEMAIL_SECONDS = 20
#: how long the answering machine after MAGIC_MACHINE holds the line
MAGIC_MACHINE_SECONDS = 20


@dataclass(frozen=True, slots=True)
class FarEnd:
    """What happened at the destination."""

    result: str
    ring: int
    talk: int = 0
    #: the key the answering party pressed ("" for none)
    key: str = ""
    #: the voicemail the caller leaves when the flow offers one (None: drawn from the seed)
    voicemail: int | None = None
    #: an answering machine took the call (ANSWERED branch, CDR `ANSWERED [MACHINE DETECTED]`)
    machine: bool = False


def far_end(number: str, timeout: int, rng: random.Random) -> FarEnd:
    """The outcome of ringing `number` (digits) for at most `timeout` seconds."""
    timeout = max(1, timeout)
    fixed = {
        MAGIC_ANSWER: FarEnd(ANSWERED, 3, 60),
        MAGIC_BUSY: FarEnd(BUSY, 2),
        MAGIC_NO_ANSWER: FarEnd(NO_ANSWER, timeout),
        MAGIC_REJECTED: FarEnd(REJECTED, 4),
        MAGIC_CANCELLED: FarEnd(CANCELLED, 5),
        MAGIC_VOICEMAIL: FarEnd(NO_ANSWER, timeout, voicemail=MAGIC_VOICEMAIL_SECONDS),
        MAGIC_MACHINE: FarEnd(ANSWERED, 3, MAGIC_MACHINE_SECONDS, machine=True),
    }
    if number in fixed:
        return fixed[number]
    tail = number[len(PREFIX) :] if number.startswith(PREFIX) and len(number) == len(PREFIX) + 3 else ""
    if tail.startswith("91"):
        return FarEnd(ANSWERED, 3, 45, key=tail[2])
    if tail.startswith("8"):
        ring = int(tail[1:])
        if ring >= timeout:
            return FarEnd(NO_ANSWER, timeout)
        return FarEnd(ANSWERED, ring, 5 + int(rng.lognormvariate(4.0, 0.7)) % 900)
    ring = 3 + int(rng.random() * 12)
    return FarEnd(ANSWERED, min(ring, timeout), 5 + int(rng.lognormvariate(4.0, 0.7)) % 900)
