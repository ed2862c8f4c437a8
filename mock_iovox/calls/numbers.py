"""Phone numbers of generated calls: only ranges reserved for drama and fiction (DECISIONS.md §5),
so demo data can never ring a real person, plus the vendor's partial encoding of a caller.

UK: Ofcom's drama ranges (020 7946 0xxx, 0113/0161 496 0xxx, 07700 900xxx, 0117 496 0xxx);
France: 01 99 00 xx xx and 06 39 98 xx xx; North America: NXX 555-01xx.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Caller:
    number: str
    encoded: str
    location: str


@dataclass(frozen=True, slots=True)
class Region:
    """A pool of callers: `prefix` + `width` free digits, all inside a fictional range."""

    name: str
    prefix: str
    width: int
    location: str
    #: only the numbers first..last of the free digits (NANP's 555-0100..0199)
    first: int = 0
    last: int | None = None

    def numbers(self) -> list[str]:
        last = self.last if self.last is not None else 10**self.width - 1
        return [f"{self.prefix}{n:0{self.width}d}" for n in range(self.first, last + 1)]


REGIONS: tuple[Region, ...] = (
    Region("london", "442079460", 3, "London, United Kingdom"),
    Region("leeds", "441134960", 3, "Leeds, United Kingdom"),
    Region("manchester", "441614960", 3, "Manchester, United Kingdom"),
    Region("uk-mobile", "447700900", 3, "Mobile, United Kingdom"),
    Region("paris", "3319900", 4, "Paris, France", last=1999),
    Region("fr-mobile", "3363998", 4, "Mobile, France", last=1999),
    Region("new-york", "1212555", 4, "New York, United States", first=100, last=199),
    Region("chicago", "1312555", 4, "Chicago, United States", first=100, last=199),
)

#: how often a link's callers come from each region when the link has no home region (weights)
REGION_WEIGHTS = (30, 12, 12, 30, 6, 4, 3, 3)

#: forwarding destination for links without a contact (Ofcom drama range 0117 496 0xxx)
DESTINATION_PREFIX = "441174960"


def encode_origin(number: str) -> str:
    """The caller with all but the first 4 digits encoded (SPEC.md §7.1 `call_origin_encoded`,
    shaped like the §7.2 example `4478_516CD74E0509B222`): stable per number, so it can be
    filtered and counted like the number itself."""
    digest = hashlib.sha256(b"mock-iovox caller " + number.encode()).hexdigest()[:16].upper()
    return f"{number[:4]}_{digest}"


@cache
def callers(region: int) -> tuple[Caller, ...]:
    r = REGIONS[region]
    return tuple(Caller(n, encode_origin(n), r.location) for n in r.numbers())


def fallback_destination(index: int) -> str:
    return f"{DESTINATION_PREFIX}{index % 1000:03d}"
