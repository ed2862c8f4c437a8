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
                "Rows are sorted by country name; names are upper case (`FRANCE`, `UNITED KINGDOM`) "
                "like voxnumber_country elsewhere, in their common short form (`SOUTH KOREA`).",
                "Every ISO 3166 country with an international dialling code is listed (phonenumbers "
                "+ pycountry data), not only those the mock sells numbers in; countries sharing a "
                "code (the NANP's 1) each have their own row.",
            ),
        ),
    ),
)
