"""Voxnumbers interface (SPEC.md §4 rows 53-56, §5.8)."""

from mock_iovox.catalog.common import errs
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

#: most numbers deleteVoxnumbersFromAccount accepts in one request
MAX_DELETE = 100
#: call_status filter values of getVoxnumbers (ON = ON (Active) + ON (No Rules))
CALL_STATUS_FILTERS = ("ON", "NO RULES", "ACTIVE", "OFF")
#: call_status values as emitted
CALL_STATUS_VALUES = ("ON (Active)", "ON (No Rules)", "OFF (On Hold)")

#: the parse-failure text of the setCallStatus and transferVoxnumbers pages (bare, no position)
XML_PARSE_BARE = "XML Parse Error"

#: `<voxnumbers><voxnumber>…</voxnumber>…</voxnumbers>`; the wrapper may repeat (PHP: one per number)
VOXNUMBERS = PField("voxnumbers", "VoxNumbers", required=True, many=True)

INTERFACE = Interface(
    "Voxnumbers",
    (
        Method(
            "Voxnumbers",
            "getVoxnumbers",
            Verb.GET,
            "Lists the account's VoxNumbers with their link, status and location.",
            params=(
                QueryParam("voxnumber", PType.INTEGER, invalid_error="voxnumber_not_integer"),
                QueryParam("voxnumber_type"),
                QueryParam("voxnumber_country"),
                QueryParam("voxnumber_city"),
                QueryParam(
                    "assigned_status",
                    PType.ENUM,
                    choices=("ASSIGNED", "UNASSIGNED"),
                    invalid_error="assigned_status_invalid",
                ),
                QueryParam(
                    "call_status",
                    PType.ENUM,
                    choices=CALL_STATUS_FILTERS,
                    invalid_error="call_status_invalid",
                ),
                QueryParam("node_id"),
                QueryParam("link_id"),
            ),
            listing=Listing(
                (
                    Field("nid", "node_id"),
                    Field("nname", "node_name"),
                    Field("lid", "link_id", default=True),
                    Field("lname", "link_name", default=True),
                    Field("as", "assigned_status", default=True),
                    Field("cs", "call_status", default=True),
                    Field("cc", "country_code"),
                    Field("vn", "voxnumber", default=True),
                    Field("vnt", "voxnumber_type", default=True),
                    Field("vnco", "voxnumber_country", default=True),
                    Field("vnci", "voxnumber_city", default=True),
                    # PHP reads an empty date as "now" (PHP-MODELS.md §3 trap 8)
                    Field("vnpd", "purchase_date", default=True, omit_empty=True),
                ),
            ),
            response=Response.LIST,
            json=True,
            errors=errs(
                voxnumber_not_integer="VoxNumber not an integer",
                assigned_status_invalid="Assigned Status Invalid",
                call_status_invalid="Call Status Invalid",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "No documented default order: creation (purchase) order, oldest first.",
                "A number without a purchase date leaves `purchase_date` out (PHP reads an empty "
                "date as now).",
                "voxnumber_type is written `LOCAL` (bought as GEOGRAPHIC), `NATIONAL` or `TOLLFREE`; "
                "the filter is an exact, case-insensitive match that also accepts the purchase name "
                "(`GEOGRAPHIC`), not checked against a list.",
                "voxnumber_country / voxnumber_city filters are exact, case-insensitive matches; an "
                "unknown node_id or link_id filter gives an empty list.",
                "call_status is empty for an UNASSIGNED number (it cannot take calls); `ON (Active)` "
                "means its link has a calling rule template (call flow).",
                "purchase_date is the purchase time `YYYY-MM-DD HH:MM:SS`.",
                "The three filter errors are invented.",
            ),
        ),
        Method(
            "Voxnumbers",
            "setCallStatus",
            Verb.PUT,
            "Switches attached VoxNumbers on or off (off drops incoming calls).",
            payload=Payload(
                None,
                top=(
                    PField("call_status", "Call Status", PType.ENUM, required=True, choices=("ON", "OFF")),
                    VOXNUMBERS,
                ),
                parse_error=XML_PARSE_BARE,
            ),
            errors=errs(
                call_status_invalid="Call Status Invalid",
                voxnumbers_empty="VoxNumbers Empty",
                voxnumber_not_found="VoxNumber {x} of {y} does not exist",
                voxnumber_not_attached="VoxNumber {x} of {y} is not attached to a Link",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "A missing call_status is `Call Status Empty` (generic top-level text).",
                "Every number is checked before any changes; all problems are reported together.",
                "A number taken off its link (or its link deleted) comes back ON when attached again.",
            ),
        ),
        Method(
            "Voxnumbers",
            "deleteVoxnumbersFromAccount",
            Verb.DELETE,
            "Gives VoxNumbers back to IOVOX, optionally detaching them from their links first.",
            params=(
                QueryParam("full_voxnumbers", mandatory=True, empty_error="voxnumbers_empty"),
                QueryParam(
                    "rm_if_in_use",
                    PType.BOOLEAN,
                    default="FALSE",
                    invalid_error="rm_if_in_use_invalid",
                ),
            ),
            errors=errs(
                rm_if_in_use_invalid="rm_if_in_use Invalid",
                voxnumbers_empty="VoxNumbers Empty",
                voxnumber_not_found="VoxNumber {x} of {y} does not exists",
                voxnumber_empty="VoxNumber {x} of {y} Empty",
                voxnumber_not_integer="VoxNumber {x} of {y} not an integer",
                voxnumber_attached="VoxNumber {x} of {y} is attached to a Link",
                too_many="You can only remove a maximum of 100 VoxNumbers in a single request",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "A number given back returns to the environment's stock at once (the vendor keeps it "
                "recoverable for a while): it vanishes from getVoxnumbers and can be bought again, "
                "after every never-sold number of its region.",
                "More than 100 numbers is answered with that error alone; otherwise every number is "
                "checked and all problems are reported together. A number listed twice is fine.",
            ),
        ),
        Method(
            "Voxnumbers",
            "transferVoxnumbers",
            Verb.PUT,
            "Moves unattached VoxNumbers from one partner account to another.",
            payload=Payload(
                None,
                top=(
                    # mandatory, but checked by the handler to keep the vendor's "is empty" wording
                    PField("origin_partner_name", "Origin Partner Name"),
                    PField("destination_partner_name", "Destination Partner Name"),
                    PField("voxnumbers", "voxnumbers", many=True, keep_blank=True),
                ),
                parse_error=XML_PARSE_BARE,
                # the page's complete table has no `Request Empty`: an empty body is its three
                # `… is empty` errors
                require_items=False,
            ),
            errors=errs(
                origin_empty="Origin Partner Name is empty",
                origin_not_found="Origin Partner Name does not exist",
                destination_empty="Destination Partner Name is empty",
                destination_not_found="Destination Partner Name does not exist",
                voxnumbers_empty="voxnumbers is empty",
                voxnumber_empty="voxnumber {x} of {y} is empty",
                voxnumber_not_found="voxnumber {x} of {y} does not exist",
                voxnumber_not_international="voxnumber {x} of {y} is not in a international format",
                voxnumber_not_available="voxnumber {x} of {y} is not available",
            ),
            sources="DOC",
            guesses=(
                "Partner names are the mock's account names (of the same environment); the caller "
                "must own the origin account, any other origin name `does not exist`.",
                "`not in a international format`: anything but digits, or a leading 0. The origin "
                "and destination may be the same account (nothing changes).",
                "A moved number keeps its purchase date and is ON.",
                "A blank `<voxnumber/>` inside `<voxnumbers>` is `voxnumber x of y is empty` (one sent "
                "`xsi:nil` is skipped); `<request/>` answers the three `… is empty` texts, as the table "
                "has no `Request Empty`.",
                "Success is 204 (the vendor page shows only `20…`).",
                "The three top elements are mandatory but not flagged `required`: the handler emits "
                "the vendor's `… is empty` texts instead of the generic `<Label> Empty`.",
            ),
        ),
    ),
)
