"""Countries and their international dialling codes, from phonenumbers (codes) and pycountry (names).

Names are written the vendor's way: upper case, short form (`UNITED KINGDOM`, `FRANCE`, SPEC.md §5.8).
Both libraries are imported at the first use (issue 13: 35 ms of every start otherwise), and the codes
come from phonenumbers' code -> regions table, not from each region's metadata (loading all of it
took 20 ms more; tests/test_startup.py checks both agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Country:
    alpha2: str
    name: str
    #: international dialling code, digits only ("44")
    code: str


def _name(alpha2: str) -> str | None:
    import pycountry

    entry = pycountry.countries.get(alpha_2=alpha2)
    if entry is None:
        return None
    # the common short name where ISO's is formal ("Korea, Republic of" -> "South Korea")
    name = getattr(entry, "common_name", None) or entry.name
    return str(name).upper()


@cache
def region_codes() -> dict[str, int]:
    """Every region phonenumbers supports (ISO alpha-2) -> its international dialling code."""
    import phonenumbers

    codes: dict[str, int] = {}
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            if region in phonenumbers.SUPPORTED_REGIONS:
                codes.setdefault(region, code)
    return codes


@cache
def all_countries() -> tuple[Country, ...]:
    """Every ISO 3166 country that has an international dialling code, sorted by name."""
    out = []
    codes = region_codes()
    for alpha2 in codes:
        name = _name(alpha2)
        code = codes[alpha2]
        if name is not None and code:
            out.append(Country(alpha2, name, str(code)))
    return tuple(sorted(out, key=lambda c: (c.name, c.alpha2)))


@cache
def _by_key() -> dict[str, Country]:
    index: dict[str, Country] = {}
    for c in all_countries():
        index[c.name] = c
        index[c.alpha2] = c
    index["UK"] = index["GB"]
    return index


def find_country(text: str) -> Country | None:
    """A country by vendor name (`UNITED KINGDOM`), ISO alpha-2 (`GB`) or `UK`, case-insensitively."""
    return _by_key().get(" ".join(text.split()).upper())


def country_by_alpha2(alpha2: str) -> Country:
    return _by_key()[alpha2]
