"""Postcode districts of the countries where BY POSTCODE works (United Kingdom, France): where a
postcode is and which geographic area of the plan covers it; plus the great-circle distance used for
`fallback_area_distance` (SPEC.md §5.2). The data is `postcodes.csv`, beside this module (its header
says where the coordinates come from).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("postcodes.csv")
EARTH_RADIUS_KM = 6371.0088

_UK_OUTWARD = re.compile(r"^(?P<area>[A-Z]{1,2})[0-9][A-Z0-9]?$")
_UK_INWARD = re.compile(r"[0-9][A-Z]{2}$")
_FR = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True, slots=True)
class District:
    alpha2: str
    district: str
    lat: float
    lon: float
    #: the plan's geographic area code covering the district ("" when none)
    area_code: str
    place: str


@cache
def _districts() -> dict[tuple[str, str], District]:
    out: dict[tuple[str, str], District] = {}
    with DATA.open(encoding="utf-8") as fh:
        rows = csv.reader(line for line in fh if line.strip() and not line.startswith("#"))
        for alpha2, district, lat, lon, area, place in rows:
            out[(alpha2, district)] = District(alpha2, district, float(lat), float(lon), area, place)
    return out


def supported_countries() -> frozenset[str]:
    return frozenset(a for a, _ in _districts())


def locate(alpha2: str, postcode: str) -> District | None:
    """The district of a postcode, the most precise one known; None when unknown or malformed."""
    code = "".join(postcode.split()).upper()
    table = _districts()
    if alpha2 == "GB":
        outward = code[:-3] if len(code) > 4 and _UK_INWARD.search(code) else code
        m = _UK_OUTWARD.match(outward)
        if m is None:
            return None
        return table.get(("GB", outward)) or table.get(("GB", m["area"]))
    if alpha2 == "FR":
        if not _FR.match(code) or code.startswith("97"):  # overseas departments are not covered
            return None
        return table.get(("FR", code[:2]))
    return None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance between two points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
