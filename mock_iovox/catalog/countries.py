"""Countries interface (SPEC.md §4 row 61, §5.9)."""

from mock_iovox.catalog.model import Field, Interface, Listing, Method, Response, Verb

INTERFACE = Interface(
    "Countries",
    (
        Method(
            "Countries",
            "getCountries",
            Verb.GET,
            "Lists the countries with their international dialling codes.",
            listing=Listing(
                (Field("code", "code", default=True), Field("name", "name", default=True)),
                selectable=False,
                orderable=False,
            ),
            response=Response.LIST,
            json=True,
            sources="PHP+RB",
            guesses=(
                "Rows are sorted by country name; names are upper case (`FRANCE`) like elsewhere.",
                "Only countries the mock can sell numbers in are listed.",
            ),
        ),
    ),
)
