"""Calls interface: CDRs, metrics, recordings (SPEC.md §4 rows 63-66, §7)."""

from collections.abc import Mapping
from types import MappingProxyType

from mock_iovox.catalog.common import CAT_IDS, errs
from mock_iovox.catalog.model import (
    Extra,
    Field,
    Interface,
    Listing,
    Method,
    PType,
    QueryParam,
    Response,
    Verb,
)

#: dconst shortcuts accepted by getCallData (only YESTERDAY is documented)
DATE_CONSTANTS = ("TODAY", "YESTERDAY", "THIS_WEEK", "LAST_WEEK", "THIS_MONTH", "LAST_MONTH")

#: getCallMetrics `group_fields` abbreviations → the element appended to each metric row
GROUP_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "cdate": "call_date",
        "cweekd": "call_weekday",
        "cmonth": "call_month",
        "co": "call_origin",
        "coe": "call_origin_encoded",
        "vn": "voxnumber",
        "cd": "call_destination",
        "detail": "detail",
        "call_res": "call_result",
        "nid": "node_id",
        "ntype": "node_type",
        "lid": "link_id",
        "lname": "link_name",
        "ltype": "link_type",
    }
)
#: at most this many group fields per getCallMetrics request
MAX_GROUP_FIELDS = 2


def _category_group(prefix: str, group: str) -> tuple[Field, ...]:
    """`<prefix>_id/_lbl/_v` → `<group>{category_id, label, value}`; never usable in `order`."""
    return (
        Field(f"{prefix}_id", "category_id", group=group, orderable=False),
        Field(f"{prefix}_lbl", "label", group=group, orderable=False),
        Field(f"{prefix}_v", "value", group=group, orderable=False),
    )


CDR_FIELDS = (
    Field("id", "id", default=True),
    Field("cs", "call_start", default=True),
    Field("ce", "call_end", default=True),
    Field("co", "call_origin", default=True),
    Field("coe", "call_origin_encoded", default=True),
    Field("col", "call_origin_location", default=True),
    Field("vn", "voxnumber", default=True),
    Field("cd", "call_destination", default=True),
    Field("detail", "detail", default=True),
    Field("ct", "call_time", default=True),
    Field("cts", "call_time_sec", default=True),
    Field("tt", "talk_time", default=True),
    Field("tts", "talk_time_sec", default=True),
    Field("ctype", "call_type", default=True),
    Field("call_res", "call_result", default=True),
    Field("rule_res", "rule_result", default=True),
    Field("nid", "node_id", default=True),
    Field("nname", "node_name", default=True),
    Field("ntype", "node_type", default=True),
    Field("lid", "link_id", default=True),
    Field("lname", "link_name", default=True),
    Field("ltype", "link_type", default=True),
    Field("has_rec", "has_recording", default=True),
    Field("es", "email_sent", default=True),
    Field("direction", "direction", default=True),
    *_category_group("cat", "categories/category"),
    *_category_group("call_cat", "call_categories/call_category"),
    *_category_group("node_cat", "node_categories/node_category"),
    *_category_group("contact_cat", "contact_categories/contact_category"),
)

METRIC_FIELDS = (
    Field("tc", "total_calls", default=True),
    Field("acpd", "ave_calls_per_day", default=True),
    Field("tct", "total_call_time", default=True),
    Field("tcts", "total_call_time_sec", default=True),
    Field("act", "ave_call_time", default=True),
    Field("acts", "ave_call_time_sec", default=True),
    Field("ttt", "total_talk_time", default=True),
    Field("ttts", "total_talk_time_sec", default=True),
    Field("att", "ave_talk_time", default=True),
    Field("atts", "ave_talk_time_sec", default=True),
    Field("tuc", "total_unique_callers", default=True),
    Field("tun", "total_unique_nodes", default=True),
    Field("tul", "total_unique_links", default=True),
)


def _period_params() -> tuple[QueryParam, ...]:
    return (
        QueryParam("sdt", PType.DATETIME, invalid_error="sdt_invalid", doc="Default: 1st of month."),
        QueryParam(
            "edt",
            PType.DATETIME,
            invalid_error="edt_invalid",
            end_of_day=True,
            doc="Default: end of today; a bare date means 23:59:59.",
        ),
    )


def _filters(origin_encoded: str) -> tuple[QueryParam, ...]:
    return (
        QueryParam("node_id"),
        QueryParam("node_type"),
        QueryParam("link_id"),
        QueryParam("link_type"),
        QueryParam("ctype"),
        QueryParam("call_res"),
        QueryParam("rule_res"),
        QueryParam("call_origin"),
        QueryParam(origin_encoded),
        QueryParam("voxnumber"),
        QueryParam("call_dest"),
        QueryParam("detail"),
        CAT_IDS,
    )


PERIOD_ERRORS = {"sdt_invalid": "sdt Invalid", "edt_invalid": "edt Invalid"}


def _recording(name: str, summary: str, what: str, sources: str) -> Method:
    return Method(
        "Calls",
        name,
        Verb.GET,
        summary,
        clock_bound=True,
        params=(QueryParam("id", mandatory=True, empty_error="id_empty"),),
        response=Response.BINARY,
        errors=errs(
            id_empty="Call ID Empty",
            call_not_found="Call ID does not exist",
            no_recording=f"Call ID has no {what}",
        ),
        sources=sources,
        guesses=(
            "All three errors are invented (the vendor text is unknown).",
            "Served as audio/mpeg; `output` is accepted and ignored.",
            "The MP3 is 16 kHz mono, 24 kbit/s, speech-like audio rendered from the call id; it lasts "
            "the talk time (voicemail: the message length) capped by the recording_cap_seconds "
            "setting (default 120 s), at least 1 s; rendered on first request and then kept.",
        ),
    )


INTERFACE = Interface(
    "Calls",
    (
        Method(
            "Calls",
            "getCallData",
            Verb.GET,
            "Lists call detail records (CDRs) of a period, with many filters.",
            clock_bound=True,
            params=(
                *_period_params(),
                QueryParam("dconst", PType.ENUM, choices=DATE_CONSTANTS, invalid_error="dconst_invalid"),
                QueryParam("id"),
                *_filters("call_origin_encoded"),
                QueryParam("direction"),
            ),
            listing=Listing(CDR_FIELDS, default_order="cs_DESC"),
            response=Response.LIST,
            json=True,
            errors=errs(PERIOD_ERRORS, dconst_invalid="dconst Invalid"),
            sources="PHP+RB+DOC+R",
            guesses=(
                "Default req_fields (not documented) = every non-group field.",
                "Calls later than the mock's clock are not shown yet (also in getCallMetrics and the "
                "recordings): the fixture generates whole days, and the clock reveals them.",
                "dconst values other than YESTERDAY are invented; dconst wins over sdt/edt.",
                "The call_cat/node_cat/contact_cat groups cannot be used in order either, like cat_*.",
                "sdt/edt/dconst error texts are invented in the vendor's `<param> Invalid` style.",
                "THIS_WEEK/LAST_WEEK run Monday to Sunday; THIS_MONTH/LAST_MONTH are calendar months.",
                "`id` without sdt/edt/dconst finds the call whatever its date (no default period).",
                "Filters are exact matches (case-sensitive), like the other list methods.",
                "call_result takes only the vendor's CDR values (DECISIONS.md §8; which call ends in "
                "which is under Call results below); rule_result values besides `Call to an "
                "Operator` (Voicemail, Message Played) are invented.",
                "A call to a number whose link has no call flow has call_result `NO RULES SET`, to a "
                "number set OFF `NUMBER ON HOLD` (the vendor's call results as a customer lists them); "
                "no rule runs, so rule_result, call_destination and talk time are empty and nothing "
                "is recorded or e-mailed.",
                "call_origin_encoded = the first 4 digits, `_`, then 16 upper-case hex digits of a hash "
                "of the number (the shape of SPEC.md §7.2's example); the same caller always encodes "
                "the same way.",
                "call_origin_location is `City, Country` (or `Mobile, Country`).",
                "detail holds the requester's IP for API (click-to-call) calls, empty otherwise.",
                "call_time/talk_time are HH:MM:SS; ordering on them orders by seconds.",
                "cat_* are the categories of the call's link, node_cat_* of its node, contact_cat_* of "
                "the contact the call was forwarded to, call_cat_* the call's own; each group is "
                "written even when empty.",
                "Generated calls are all direction IN, and only reach links that carry a VoxNumber; "
                "they follow the link's present state (its number, flow and call status).",
                "The default fixture's calls cover the 90 whole days up to the mock clock's day when "
                "it is loaded (`anchor: today`), so the default period always has data; they are "
                "identical for the same seed and anchor day at any hour (a fixed `anchor` date makes "
                "them identical on any date).",
                "Call ids are numeric strings (7000000000 + a sequence number).",
            ),
        ),
        Method(
            "Calls",
            "getCallMetrics",
            Verb.GET,
            "Aggregated call statistics of a period, optionally grouped by up to two fields.",
            clock_bound=True,
            params=(
                *_period_params(),
                *_filters("call_origin_encryption"),
                QueryParam("group_fields", doc="Comma list of GROUP_FIELDS abbreviations."),
            ),
            listing=Listing(
                METRIC_FIELDS,
                orderable=False,
                extras=tuple(Extra(e) for e in ("period", *GROUP_FIELDS.values())),
            ),
            response=Response.LIST,
            json=True,
            errors=errs(
                PERIOD_ERRORS,
                group_fields_invalid="Group Fields Invalid: {fields}",
                group_fields_too_many="Group Fields can not be more than 2",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "group_fields allowed values are GROUP_FIELDS; both group-field errors are invented.",
                "Default req_fields (not documented) = every metric.",
                "Rows are ordered by their group values; without group_fields there is one row.",
                "Every row carries `period` (read by PHP, format undocumented) after the metrics: "
                "`YYYY-MM-DD HH:MM:SS - YYYY-MM-DD HH:MM:SS`, the sdt..edt window; with `req_fields=` "
                "empty a row holds only `period` and the group values.",
                "ave_calls_per_day = total_calls / calendar days of the sdt..edt window (both ends "
                "included), with two decimals.",
                "Averages are rounded to whole seconds (half up); totals and averages of an empty set "
                "are 0 / 00:00:00.",
                "total_unique_callers counts distinct call_origin values.",
                "call_date is YYYY-MM-DD, call_month YYYY-MM, call_weekday MON..SUN (ordered Monday "
                "first); group values are appended after the metrics.",
                "A group field named twice groups once; dconst, id and direction are not accepted "
                "(not in the vendor's parameter list).",
            ),
        ),
        _recording(
            "getCallRecording",
            "The MP3 recording of one call.",
            "Recording",
            "PHP+RB",
        ),
        _recording(
            "getVoicemailRecording",
            "The MP3 voicemail left during one call.",
            "Voicemail Recording",
            "PHP",
        ),
    ),
)
