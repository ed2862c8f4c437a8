"""The number plan the mock sells from: one `Region` per (country, number type, area code), each
drawing on a range reserved for drama and fiction (DECISIONS.md §5), so a purchased number can never
ring a real subscriber.

* United Kingdom (Ofcom drama ranges): 020 7946 0xxx, 0113/0114/0116/0117/0118/0121/0131/0141/0151/0161
  496 0xxx, 0191 498 0xxx (geographic), 0306 999 0xxx (national), 0808 157 0xxx (freephone).
* France (ARCEP numbers for fiction): 01 99 00 xx xx, 02 61 91 xx xx, 03 53 01 xx xx, 04 65 71 xx xx,
  05 36 49 xx xx; one region per geographic zone (area codes 1-5). France asks for purchase details.
* North America (NANP): NXX 555-0100..0199 in a few area codes of the United States and Canada.
* Australia (ACMA numbers for creative works): 0X 5550 xxxx for the four mainland area codes.

Mobile drama ranges (07700 900xxx, 06 39 98 xx xx) are not sold: VoxNumbers are geographic, national
or toll-free. Every number generated here is valid for its country's numbering plan according to
phonenumbers (tests/test_numbering_plan.py checks each region).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from mock_iovox.numbering.countries import country_by_alpha2

GEOGRAPHIC = "GEOGRAPHIC"
NATIONAL = "NATIONAL"
TOLLFREE = "TOLLFREE"

#: getVoxnumbers' voxnumber_type per purchase number_type (SPEC.md §5.8 documents LOCAL / NATIONAL)
VOXNUMBER_TYPES = {GEOGRAPHIC: "LOCAL", NATIONAL: "NATIONAL", TOLLFREE: "TOLLFREE"}


@dataclass(frozen=True, slots=True)
class Region:
    alpha2: str
    number_type: str
    #: area code without the national trunk prefix ("20" for 020, "1" for 01)
    area_code: str
    city: str
    state: str
    #: national significant number up to the free digits ("2079460" for 020 7946 0xxx)
    prefix: str
    #: free digits after the prefix
    digits: int
    #: where the area is, for the BY POSTCODE fallback distance (None: not geographic)
    lat: float | None = None
    lon: float | None = None
    #: monthly price, as the vendor's `cost` field
    cost: str = "1.00"
    #: purchaseVoxNumbers needs `additional_information` (getVoxnumberRegions require_purchase_info)
    purchase_info: bool = False

    @property
    def country_code(self) -> str:
        return country_by_alpha2(self.alpha2).code

    @property
    def country_name(self) -> str:
        return country_by_alpha2(self.alpha2).name

    @property
    def capacity(self) -> int:
        return int(10**self.digits)

    def number(self, index: int) -> str:
        """The index-th number of the range as E.164 digits without '+'."""
        return f"{self.country_code}{self.prefix}{index:0{self.digits}d}"

    def sample(self, count: int, seed: str) -> list[str]:
        """`count` distinct numbers of the range, chosen deterministically from `seed`, sorted."""
        count = max(0, min(count, self.capacity))
        rng = random.Random(f"{seed}:{self.alpha2}:{self.number_type}:{self.area_code}")
        return sorted(self.number(i) for i in rng.sample(range(self.capacity), count))


def _uk(area: str, city: str, state: str, prefix: str, lat: float, lon: float) -> Region:
    return Region("GB", GEOGRAPHIC, area, city, state, prefix, 3, lat, lon, cost="1.00")


def _fr(area: str, city: str, zone: str, prefix: str, lat: float, lon: float) -> Region:
    return Region("FR", GEOGRAPHIC, area, city, zone, prefix, 4, lat, lon, cost="2.00", purchase_info=True)


def _na(alpha2: str, area: str, city: str, state: str, lat: float, lon: float) -> Region:
    # 555-0100..0199: prefix AREA 555 01, two free digits
    return Region(alpha2, GEOGRAPHIC, area, city, state, f"{area}55501", 2, lat, lon, cost="1.50")


def _au(area: str, city: str, state: str, lat: float, lon: float) -> Region:
    return Region("AU", GEOGRAPHIC, area, city, state, f"{area}5550", 4, lat, lon, cost="3.00")


PLAN: tuple[Region, ...] = (
    _uk("20", "London", "England", "2079460", 51.5074, -0.1278),
    _uk("113", "Leeds", "England", "1134960", 53.7997, -1.5492),
    _uk("114", "Sheffield", "England", "1144960", 53.3811, -1.4701),
    _uk("116", "Leicester", "England", "1164960", 52.6369, -1.1398),
    _uk("117", "Bristol", "England", "1174960", 51.4545, -2.5879),
    _uk("118", "Reading", "England", "1184960", 51.4543, -0.9781),
    _uk("121", "Birmingham", "England", "1214960", 52.4862, -1.8904),
    _uk("131", "Edinburgh", "Scotland", "1314960", 55.9533, -3.1883),
    _uk("141", "Glasgow", "Scotland", "1414960", 55.8642, -4.2518),
    _uk("151", "Liverpool", "England", "1514960", 53.4084, -2.9916),
    _uk("161", "Manchester", "England", "1614960", 53.4808, -2.2426),
    _uk("191", "Tyneside", "England", "1914980", 54.9783, -1.6178),
    Region("GB", NATIONAL, "306", "", "", "3069990", 3, cost="2.50"),
    Region("GB", TOLLFREE, "808", "", "", "8081570", 3, cost="5.00"),
    _fr("1", "Paris", "Ile-de-France", "19900", 48.8566, 2.3522),
    _fr("2", "Nantes", "Nord-Ouest", "26191", 47.2184, -1.5536),
    _fr("3", "Lille", "Nord-Est", "35301", 50.6292, 3.0573),
    _fr("4", "Lyon", "Sud-Est", "46571", 45.7640, 4.8357),
    _fr("5", "Bordeaux", "Sud-Ouest", "53649", 44.8378, -0.5792),
    _na("US", "202", "Washington", "District of Columbia", 38.9072, -77.0369),
    _na("US", "212", "New York", "New York", 40.7128, -74.0060),
    _na("US", "310", "Los Angeles", "California", 34.0522, -118.2437),
    _na("US", "312", "Chicago", "Illinois", 41.8781, -87.6298),
    _na("US", "415", "San Francisco", "California", 37.7749, -122.4194),
    _na("US", "617", "Boston", "Massachusetts", 42.3601, -71.0589),
    _na("CA", "416", "Toronto", "Ontario", 43.6532, -79.3832),
    _na("CA", "604", "Vancouver", "British Columbia", 49.2827, -123.1207),
    _au("2", "Sydney", "New South Wales", -33.8688, 151.2093),
    _au("3", "Melbourne", "Victoria", -37.8136, 144.9631),
    _au("7", "Brisbane", "Queensland", -27.4698, 153.0251),
    _au("8", "Perth", "Western Australia", -31.9505, 115.8605),
)


def regions(alpha2s: set[str] | None = None) -> Iterator[Region]:
    """The plan, optionally narrowed to some countries (ISO alpha-2)."""
    for region in PLAN:
        if alpha2s is None or region.alpha2 in alpha2s:
            yield region


def normalise_area_code(value: str) -> str:
    """An area code as stored: without spaces and the national trunk prefix ("020" -> "20")."""
    digits = "".join(value.split())
    return digits.lstrip("0") or digits
