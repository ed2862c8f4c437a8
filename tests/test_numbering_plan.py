"""The number plan, countries and postcode districts (DECISIONS.md §5): every number the mock can
sell is valid for its country according to phonenumbers, inside a fictional range, and generated
deterministically in bounded amounts."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType, geocoder
from sqlalchemy import func, select

from mock_iovox.db import VoxNumber
from mock_iovox.db.numbering import NumberRegion
from mock_iovox.numbering.countries import all_countries, find_country
from mock_iovox.numbering.plans import GEOGRAPHIC, NATIONAL, PLAN, TOLLFREE, Region, normalise_area_code
from mock_iovox.numbering.postcodes import distance_km, locate, supported_countries
from tests.helpers import Api

EXPECTED_TYPES = {
    GEOGRAPHIC: {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    NATIONAL: {PhoneNumberType.UAN},
    TOLLFREE: {PhoneNumberType.TOLL_FREE},
}
#: the fictional ranges of DECISIONS.md §5 (national significant numbers), per region
FICTIONAL_PREFIXES = (
    "2079460",
    "1134960",
    "1144960",
    "1164960",
    "1174960",
    "1184960",
    "1214960",
    "1314960",
    "1414960",
    "1514960",
    "1614960",
    "1914980",
    "3069990",
    "8081570",
    "19900",
    "26191",
    "35301",
    "46571",
    "53649",
    "25550",
    "35550",
    "75550",
    "85550",
)


def _id(r: Region) -> str:
    return f"{r.alpha2}-{r.number_type}-{r.area_code}"


@pytest.mark.parametrize("region", PLAN, ids=_id)
def test_every_number_of_every_region_is_valid_for_its_plan(region: Region) -> None:
    # the whole range of the small ones, a deterministic sample of the 10,000-number ones
    numbers = (
        [region.number(i) for i in range(region.capacity)]
        if region.capacity <= 1000
        else (region.sample(300, "test"))
    )
    for number in numbers:
        parsed = phonenumbers.parse("+" + number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.region_code_for_number(parsed) == region.alpha2, number
        assert phonenumbers.number_type(parsed) in EXPECTED_TYPES[region.number_type], number
        assert number.isdigit() and not number.startswith("0")


@pytest.mark.parametrize("region", PLAN, ids=_id)
def test_regions_draw_on_fictional_ranges_only(region: Region) -> None:
    national = region.number(0)[len(region.country_code) :]
    if region.country_code == "1":  # NANP: NXX 555-0100..0199
        assert national[3:8] == "55501" and region.capacity == 100
    else:
        assert national.startswith(FICTIONAL_PREFIXES), national


@pytest.mark.parametrize(
    "region", [r for r in PLAN if r.alpha2 == "GB" and r.number_type == GEOGRAPHIC], ids=_id
)
def test_uk_city_names_match_the_library_geocoder(region: Region) -> None:
    parsed = phonenumbers.parse("+" + region.number(7))
    assert geocoder.description_for_number(parsed, "en") == region.city


def test_mobile_drama_ranges_are_not_sold_because_the_library_rejects_them() -> None:
    # 07700 900xxx (UK) and 06 39 98 xx xx (France) are fictional but not valid per the library
    for number in ("+447700900123", "+33639981234"):
        assert not phonenumbers.is_valid_number(phonenumbers.parse(number))
    assert all(not r.prefix.startswith(("7700900", "63998")) for r in PLAN)


def test_regions_are_unique_and_geographic_ones_have_a_place() -> None:
    keys = [(r.country_code, r.number_type, r.area_code) for r in PLAN]
    assert len(keys) == len(set(keys))
    for r in PLAN:
        assert (r.lat is not None) == (r.number_type == GEOGRAPHIC)
    assert {r.alpha2 for r in PLAN if r.purchase_info} == {"FR"}


def test_samples_are_deterministic_distinct_and_bounded() -> None:
    london = PLAN[0]
    first = london.sample(25, "seed-a")
    assert first == london.sample(25, "seed-a")
    assert first != london.sample(25, "seed-b")
    assert len(set(first)) == 25 and first == sorted(first)
    assert len(london.sample(5000, "x")) == london.capacity == 1000


def test_fixture_stock_is_bounded_and_per_environment(api: Api) -> None:
    for env in ("sandbox", "production"):
        with api.dbs[env].reading() as db:
            assert db.scalar(select(func.count()).select_from(NumberRegion)) == len(PLAN)
            assert db.scalar(select(func.count()).select_from(VoxNumber)) == 25 * len(PLAN)
    with api.dbs["sandbox"].reading() as db:
        sandbox = set(db.scalars(select(VoxNumber.number)))
    with api.dbs["production"].reading() as db:
        production = set(db.scalars(select(VoxNumber.number)))
    # each environment draws its own sample (the seed differs per environment)
    assert sandbox != production


def test_countries_come_from_the_libraries() -> None:
    countries = all_countries()
    assert len(countries) > 230
    names = [c.name for c in countries]
    assert names == sorted(names)
    by_name = {c.name: c.code for c in countries}
    assert by_name["UNITED KINGDOM"] == "44"
    assert by_name["FRANCE"] == "33"
    assert by_name["UNITED STATES"] == "1" and by_name["CANADA"] == "1"
    assert by_name["SOUTH KOREA"] == "82"
    assert all(n == n.upper() for n in names)


@pytest.mark.parametrize(
    ("text", "alpha2"),
    [("UNITED KINGDOM", "GB"), ("united  kingdom", "GB"), ("UK", "GB"), ("gb", "GB"), ("France", "FR")],
)
def test_find_country(text: str, alpha2: str) -> None:
    country = find_country(text)
    assert country is not None and country.alpha2 == alpha2


def test_find_country_unknown() -> None:
    assert find_country("ATLANTIS") is None


@pytest.mark.parametrize(
    ("alpha2", "postcode", "district", "area"),
    [
        ("GB", "SW1A 0AA", "SW1A", "20"),
        ("GB", "sw1a0aa", "SW1A", "20"),
        ("GB", "SW1P 3BU", "SW", "20"),
        ("GB", "LS1 4AP", "LS1", "113"),
        ("GB", "LS6", "LS", "113"),
        ("GB", "M1 1AE", "M1", "161"),
        ("GB", "BD1 1AA", "BD1", ""),
        ("GB", "CB2 1TN", "CB", ""),
        ("GB", "NE1 7RU", "NE", "191"),
        ("FR", "75008", "75", "1"),
        ("FR", "69002", "69", "4"),
        ("FR", "33000", "33", "5"),
        ("FR", "59000", "59", "3"),
        ("FR", "35000", "35", "2"),
        ("FR", "20000", "20", "4"),
    ],
)
def test_postcode_districts(alpha2: str, postcode: str, district: str, area: str) -> None:
    found = locate(alpha2, postcode)
    assert found is not None
    assert (found.district, found.area_code) == (district, area)


@pytest.mark.parametrize(
    ("alpha2", "postcode"),
    [("FR", "666"), ("FR", "97100"), ("FR", "7500"), ("GB", "12345"), ("GB", "QQ1 1AA"), ("US", "10001")],
)
def test_unknown_postcodes(alpha2: str, postcode: str) -> None:
    assert locate(alpha2, postcode) is None


def test_postcode_data_covers_every_uk_area_and_french_department() -> None:
    assert supported_countries() == {"GB", "FR"}
    for dept in [f"{n:02d}" for n in range(1, 96)]:
        assert locate("FR", f"{dept}100") is not None, dept


def test_haversine() -> None:
    # London - Paris is about 344 km; Leeds - Bradford about 13 km
    assert distance_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(344, abs=3)
    leeds, bradford = locate("GB", "LS1"), locate("GB", "BD1")
    assert leeds is not None and bradford is not None
    assert distance_km(leeds.lat, leeds.lon, bradford.lat, bradford.lon) == pytest.approx(13.3, abs=1)
    assert distance_km(1.0, 2.0, 1.0, 2.0) == 0


@pytest.mark.parametrize(
    ("raw", "stored"), [("20", "20"), ("020", "20"), ("0113", "113"), ("1", "1"), ("0", "0")]
)
def test_area_codes_lose_the_trunk_prefix(raw: str, stored: str) -> None:
    assert normalise_area_code(raw) == stored
