"""Purchase interface (SPEC.md §4 rows 57-60, §5.9, §8)."""

from mock_iovox.catalog.common import NUMBER_TYPES, errs
from mock_iovox.catalog.model import (
    Field,
    Interface,
    Listing,
    Method,
    Payload,
    PField,
    PType,
    QueryParam,
    Response,
    Verb,
)

#: longest callback_url accepted
CALLBACK_URL_MAX = 120

REGION_LISTING = Listing(
    (
        Field("ac", "area_code", default=True),
        Field("cc", "country_code", default=True),
        Field("con", "country_name", default=True),
        Field("stn", "state_name", default=True),
        Field("cin", "city_name", default=True),
        Field("rpi", "require_purchase_info", default=True),
        Field("ct", "cost", default=True),
    ),
    orderable=False,
)
REGION_ERRORS = {
    "number_type_invalid": "Number Type Invalid",
    "country_code_invalid": "Country Code Invalid",
}
REGION_GUESSES = (
    "Default req_fields (not documented) = every field; `rpi` is an invented abbreviation for "
    "require_purchase_info.",
    "Invalid number_type / country_code texts are invented; an unknown country gives an empty list.",
    "The regions are the mock's number plan (fictional ranges of the UK, France, the US, Canada "
    "and Australia), one row per country/type/area code, in plan order; area_code is written "
    "without the trunk 0 (`20`, `1`) and a filter value with one (`020`) matches too.",
    "cost is a monthly price as a decimal string (`1.00`), currency unstated; state_name/city_name "
    "are empty for national and toll-free regions; only France requires purchase info.",
)


def _region_params(number_type_mandatory: bool) -> tuple[QueryParam, ...]:
    return (
        QueryParam(
            "number_type",
            PType.ENUM,
            mandatory=number_type_mandatory,
            choices=NUMBER_TYPES,
            empty_error="number_type_empty" if number_type_mandatory else None,
            invalid_error="number_type_invalid",
        ),
        QueryParam("country_code", PType.INTEGER, invalid_error="country_code_invalid"),
        QueryParam("area_code"),
    )


ADDITIONAL_INFORMATION = PField(
    "additional_information",
    "Additional Information",
    nested=Payload(
        None,
        fields=(
            PField("firstname", "Firstname"),
            PField("lastname", "Lastname"),
            PField("company", "Company"),
            PField("street", "Street"),
            PField("building_number", "Building Number"),
            PField("city", "City"),
            PField("zipcode", "Zipcode"),
        ),
        require_items=False,
    ),
)

ORDER_GUESS = (
    "Purchases complete at once: order_status is `COMPLETED` unless dynamic_quantity cut the "
    "quantity (`PARTIAL`); order_reference is a mock-generated id."
)

INTERFACE = Interface(
    "Purchase",
    (
        Method(
            "Purchase",
            "getVoxnumberRegions",
            Verb.GET,
            "Lists the regions (area codes) where VoxNumbers of a type can be bought.",
            params=_region_params(number_type_mandatory=False),
            listing=REGION_LISTING,
            response=Response.LIST,
            json=True,
            errors=errs(REGION_ERRORS),
            sources="PHP+RB",
            guesses=(*REGION_GUESSES, "number_type defaults to every type (Ruby always sends one)."),
        ),
        Method(
            "Purchase",
            "purchaseVoxNumbers",
            Verb.POST,
            "Buys VoxNumbers per region and quantity; they land in the account unassigned.",
            alone=True,  # its callback starts a thread after the commit
            payload=Payload(
                "item",
                wrapper="items",
                fields=(
                    PField("country_code", "Country Code", PType.INTEGER, required=True),
                    PField("area_code", "Area Code"),
                    PField("postcode", "Postcode", aliases=("post_code",)),
                    PField("city_name", "City Name"),
                    PField("number_type", "Number Type", PType.ENUM, required=True, choices=NUMBER_TYPES),
                    PField("quantity", "Quantity", PType.INTEGER, required=True),
                    ADDITIONAL_INFORMATION,
                ),
                top=(
                    PField("callback_url", "Callback URL", max_length=CALLBACK_URL_MAX),
                    PField("cc_list", "CC List"),
                    PField("dynamic_quantity", "Dynamic Quantity", PType.BOOLEAN),
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(
                basket_item_incorrect="Basket Item {x} of {y} is not correct.",
                callback_url_invalid="Callback URL Invalid",
                area_code_empty="Area Code {x} of {y} Empty",
                quantity_invalid="Quantity {x} of {y} Invalid",
                additional_information_empty="Additional Information {x} of {y} Empty",
                not_enough_stock="Basket Item {x} of {y} has not enough VoxNumbers available",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "Only `Basket Item x of y is not correct.` is known; the other errors are invented.",
                "area_code is needed unless postcode is given; a postcode (UK, France) buys in the "
                "geographic area covering it; quantity must be at least 1; city_name is ignored.",
                "additional_information counts as given when any of its elements has a value.",
                "dynamic_quantity FALSE and too little stock: the whole order fails, nothing is bought. "
                "TRUE: each item gets what is in stock (possibly none) and the order is `PARTIAL`.",
                "Numbers come from the environment's stock (sandbox and production each have their "
                "own): never-sold numbers first, lowest first; numbers given back are sold last.",
                "order_reference is `SBX-` (sandbox) or `PRD-` (production) plus an 8-digit counter.",
                "The answer is always XML (PHP reads it with simplexml and sends no output).",
                "Every order with a callback_url (http or https, else `Callback URL Invalid`) is "
                "POSTed to it after it commits, as `application/xml`: the same `<response>` document "
                "as the purchase answer. Up to 4 attempts until a 2xx answer (pauses 1, 2, 4 s), "
                "straight to the URL (no proxy); each attempt is logged (newest 10 per order, 200 "
                "per account).",
                ORDER_GUESS,
            ),
        ),
        Method(
            "Purchase",
            "getRegionForNumberType",
            Verb.GET,
            "Lists the regions offering one number type (legacy name known only from Ruby).",
            params=_region_params(number_type_mandatory=True),
            listing=REGION_LISTING,
            response=Response.LIST,
            json=True,
            errors=errs(REGION_ERRORS, number_type_empty="Number Type Empty"),
            sources="RB",
            guesses=(
                "Only the name and verb are known: it is taken as getVoxnumberRegions with a "
                "mandatory number_type.",
                *REGION_GUESSES,
            ),
        ),
        Method(
            "Purchase",
            "getOrderDetails",
            Verb.GET,
            "The status and numbers of an earlier purchase order (known only from Ruby).",
            params=(QueryParam("order_reference", mandatory=True, empty_error="order_reference_empty"),),
            response=Response.DOCUMENT,
            errors=errs(
                order_reference_empty="Order Reference Empty",
                order_reference_not_found="Order Reference does not exist",
            ),
            sources="RB",
            guesses=(
                "Only the name and verb are known: takes order_reference and answers the same "
                "document as purchaseVoxNumbers; both errors are invented.",
                "The numbers listed are those bought by the order, even if since moved or given back; "
                "another account's reference does not exist.",
                ORDER_GUESS,
            ),
        ),
    ),
)
