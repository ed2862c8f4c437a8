"""Rules interface: rule templates, time templates, blocked numbers (SPEC.md §4 rows 31-40, §5.5)."""

from mock_iovox.catalog.common import (
    DAYS,
    TEMPLATE_ERRORS,
    TEMPLATE_FIELDS,
    TEMPLATE_GUESSES,
    TEMPLATE_PARAMS,
    errs,
)
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

RECURRENCES = ("NONE", "MONTHLY", "YEARLY")
IN_OR_OUT = ("IN", "OUT")
OPERATORS = ("EQUALS", "STARTSWITH")
ALLOW_BLOCK = ("BLOCK", "ALLOW")


def _time_frames(*, required: bool) -> PField:
    """`<time_frames><time_frame>{…, <days><day>MON</day>…</days>}</time_frame>…</time_frames>`."""
    return PField(
        "time_frames",
        "Time Frames",
        required=required,
        nested=Payload(
            "time_frame",
            wrapper="time_frames",
            fields=(
                PField("date_from", "Date From", PType.DATE),
                PField("date_to", "Date To", PType.DATE),
                PField("recurrence", "Recurrence", PType.ENUM, choices=RECURRENCES),
                PField("time_from", "Time From", PType.TIME),
                PField("time_to", "Time To", PType.TIME),
                PField("days", "Day", PType.ENUM, choices=DAYS, many=True),
            ),
            require_items=False,
        ),
    )


TIME_TEMPLATE_ERRORS = {
    "label_empty": "Label {x} of {y} Empty",
    "label_invalid": "Label {x} of {y} Invalid",
    "time_frame_invalid": "Time Frame {x} of {y} Invalid",
    "day_invalid": "Day {x} of {y} Invalid",
    "duplicate_label": "Duplicate Label Received",
}
TIME_TEMPLATE_GUESSES = (
    "No error table is known: all errors are invented.",
    "`Day x of y` and `Time Frame x of y` count the position among the days of the frame and the "
    "frames of the template; a NONE frame whose date_from is after its date_to is `Time Frame x of y "
    "Invalid`; a label with `,` is `Label x of y Invalid` (it could not be named in "
    "deleteTimeTemplates).",
    "`Duplicate Label Received` is reported alone.",
    "Evaluation (mock_iovox/domain/blocking.py): the time window repeats on each day of the date range; "
    "YEARLY ignores the year, MONTHLY the month; ranges wrap (Dec 20 - Jan 5, 22:00 - 06:00); both "
    "ends are included; no days means every day.",
)


def _blocking_rules(links_alias: tuple[str, ...]) -> PField:
    """`<rules><rule>{<link_ids><link_id/>…</link_ids>, time_template, blocking_type}</rule></rules>`."""
    return PField(
        "rules",
        "Rules",
        nested=Payload(
            "rule",
            wrapper="rules",
            fields=(
                PField("link_ids", "Link ID", many=True, aliases=links_alias),
                PField("time_template", "Time Template"),
                PField("blocking_type", "Blocking Type", PType.ENUM, choices=ALLOW_BLOCK),
            ),
            require_items=False,
        ),
    )


BLOCKED_NUMBER_KEY = (
    PField("number", "Number", required=True, max_length=64),
    PField("in_or_out", "In Or Out", PType.ENUM, required=True, choices=IN_OR_OUT),
    PField("operator", "Operator", PType.ENUM, required=True, choices=OPERATORS),
)

BLOCKED_RULE_ERRORS = {
    "number_invalid": "Number {x} of {y} Invalid",
    "link_id_not_found": "Link ID {x} of {y} does not exist",
    "time_template_not_found": "Time Template {x} of {y} does not exist",
}
BLOCKED_NUMBER_GUESSES = (
    "No error table is known: all errors are invented; x of y count the blocked_number items, also "
    "for a rule's link ids and time template.",
    "number is digits (a leading + is dropped), `WITHHELD` (callers without a number) or `*` (any "
    "number); anything else is `Number x of y Invalid`.",
    "A rule's link ids become one rule each; a rule without link ids applies to every link; a rule "
    "without blocking_type blocks.",
    "A rule follows its link through a rename (new_link_id) and goes with it when the link is deleted.",
    "Matching (mock_iovox/domain/blocking.py): the most specific entry decides (EQUALS, then longer "
    "STARTSWITH prefixes, `*` last), through its first rule for the link whose time template holds "
    "the instant (rules naming the link first), else its default; no entry: allowed.",
)

INTERFACE = Interface(
    "Rules",
    (
        Method(
            "Rules",
            "getRuleTemplates",
            Verb.GET,
            "Lists the calling rule templates (call flows) available to the account.",
            params=TEMPLATE_PARAMS,
            listing=Listing(TEMPLATE_FIELDS, default_order="c_DESC"),
            response=Response.LIST,
            json=True,
            errors=errs(TEMPLATE_ERRORS),
            sources="PHP+RB+DOC",
            guesses=TEMPLATE_GUESSES,
        ),
        Method(
            "Rules",
            "getVariableRulesOfTemplate",
            Verb.GET,
            "The rules of a template whose values are set per link, or the values a link uses.",
            params=(QueryParam("template_name"), QueryParam("link_id")),
            listing=Listing(
                (
                    Field("rule_id", "rule_id", default=True),
                    Field("rule_type", "rule_type", default=True),
                    Field("rule_label", "rule_label", default=True),
                ),
                limit_max=5000,
                selectable=False,
                orderable=False,
            ),
            response=Response.DOCUMENT,
            json=True,
            errors=errs(
                template_name_empty="Template Name Empty",
                template_name_not_found="Template Name does not exist",
                link_id_not_found="Link ID Doesn't exist",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "template_name is optional when link_id is given (Ruby calls it that way); with "
                "neither, `Template Name Empty` (invented).",
                "Rows are `<response><rules><rule>…</rule></rules></response>` without page envelope; "
                "page/limit slice the rules.",
                "With only link_id, the template attached to that link is used; a link without one "
                'answers `<rules/>` (JSON `"rules":""`).',
                "With template_name and a link that uses another template, the template's rules are "
                "shown with every slot `?`.",
                "Only rules with a `?` slot are listed; a messageKeypress's prompt and failure messages "
                "are slots of the messageKeypress rule (`play`, `no_key_message`, `unmatched_message`).",
                "Several sound files are written as repeated `<sound_files>` wrappers, so that the JSON "
                "mirror is the list of objects the PHP models read.",
                "An unset sound file is `?|?` (the vendor example's form), one per `?` sound file of the "
                "template; any other unset value (contact fields, send_call_alert, record_call) is `?`.",
            ),
        ),
        Method(
            "Rules",
            "getTimeTemplates",
            Verb.GET,
            "Lists the time templates with their time frames.",
            params=(QueryParam("time_template_label"),),
            listing=Listing(
                (
                    Field("l", "label", default=True),
                    Field("n", "notes", default=True),
                    Field("tf", "time_frames", default=True, orderable=False),
                    Field("c", "created", default=True),
                ),
                default_order="l_DESC",
                limit_max=5000,
            ),
            response=Response.LIST,
            json=True,
            sources="PHP+DOC",
            guesses=(
                "The documented default order `lDESC` is read as `l_DESC`.",
                "`tf` (a nested structure) cannot be used in order.",
            ),
        ),
        Method(
            "Rules",
            "createTimeTemplates",
            Verb.POST,
            "Creates time templates made of date/time frames.",
            payload=Payload(
                "time_template",
                fields=(
                    PField("label", "Label", required=True, max_length=255),
                    PField("notes", "Notes", max_length=1000),
                    _time_frames(required=True),
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(TIME_TEMPLATE_ERRORS, label_exists="Label {x} of {y} already exists"),
            sources="PHP+DOC",
            guesses=(
                *TIME_TEMPLATE_GUESSES,
                "`notes` is accepted because getTimeTemplates returns it.",
                "An empty date_from/date_to means from now / forever; empty days means every day.",
                "At least one time frame is needed (`Time Frames x of y Empty`).",
                "Answers 201 with `<response><time_templates><time_template><label/>…`.",
            ),
        ),
        Method(
            "Rules",
            "updateTimeTemplates",
            Verb.PUT,
            "Renames time templates or replaces their time frames.",
            payload=Payload(
                "time_template",
                fields=(
                    PField("label", "Label", required=True, max_length=255),
                    PField("new_label", "New Label", max_length=255),
                    PField("notes", "Notes", max_length=1000),
                    _time_frames(required=False),
                ),
            ),
            errors=errs(
                TIME_TEMPLATE_ERRORS,
                label_not_found="Label {x} of {y} does not exist",
                new_label_exists="New Label {x} of {y} already exists",
            ),
            sources="PHP+DOC",
            guesses=(
                *TIME_TEMPLATE_GUESSES,
                "time_frames is optional (documented as mandatory); supplied frames replace all.",
                "Blocking rules follow a renamed template.",
            ),
        ),
        Method(
            "Rules",
            "deleteTimeTemplates",
            Verb.DELETE,
            "Deletes time templates, optionally pulling them out of blocking rules first.",
            params=(
                QueryParam("time_template_labels", mandatory=True, empty_error="labels_empty"),
                QueryParam("force", PType.BOOLEAN, default="FALSE", invalid_error="force_invalid"),
            ),
            errors=errs(
                labels_empty="time_template_labels Empty",
                force_invalid="force Invalid",
                label_not_found="time_template_label {x} of {y} does not exist",
                label_in_use=(
                    "This time template is used by a blocking rule you can force the deletion by "
                    "using force as TRUE. Blocking rule numbers are {numbers}"
                ),
            ),
            sources="PHP+DOC",
            guesses=(
                "{numbers} lists the numbers of the blocked-number entries using the template, "
                "comma-separated, one error per template; an empty label in the list is `does not "
                "exist`.",
                "force=TRUE leaves the rules in place without a time template (they then apply at any time).",
            ),
        ),
        Method(
            "Rules",
            "getBlockedNumbers",
            Verb.GET,
            "Lists blocked or allowed caller numbers with their link/time rules.",
            params=(
                QueryParam("number"),
                QueryParam("operator", PType.ENUM, choices=OPERATORS, invalid_error="operator_invalid"),
                QueryParam("in_or_out", PType.ENUM, choices=IN_OR_OUT, invalid_error="in_or_out_invalid"),
            ),
            listing=Listing(
                (
                    Field("no", "number", default=True),
                    Field("ioo", "in_or_out", default=True),
                    Field("op", "operator", default=True),
                    Field("nn", "notes", default=True),
                    Field("d", "default", default=True),
                    Field("rules", "rules", default=True, orderable=False),
                ),
                default_order="no_ASC",
            ),
            response=Response.LIST,
            json=True,
            errors=errs(
                number_not_found="Number does not exist",
                in_or_out_invalid="In Or Out Invalid",
                operator_invalid="Operator Invalid",
            ),
            sources="PHP+DOC",
            guesses=(
                "page/limit are accepted (PHP sends them; the vendor page lists neither).",
                "`nn` is read as notes; `d` (default) and `rules` are invented abbreviations, both in "
                "the default set (the vendor's result shows them).",
                "in_or_out is emitted upper case (`IN`), unlike the doc example's `in`.",
                "One `<rule>` per link id (`links/link_id` a single string, the only shape the PHP "
                "model reads); a rule for every link has no `links`; `time_template` is empty for a "
                "rule that applies at any time.",
                "`Number does not exist` answers a `number` filter that no entry has.",
            ),
        ),
        Method(
            "Rules",
            "createBlockedNumbers",
            Verb.POST,
            "Blocks or allows caller numbers or prefixes, optionally per link and time template.",
            payload=Payload(
                "blocked_number",
                fields=(
                    *BLOCKED_NUMBER_KEY,
                    PField("default", "Default", PType.ENUM, choices=ALLOW_BLOCK),
                    PField("notes", "Notes", max_length=1000),
                    _blocking_rules(()),
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(
                BLOCKED_RULE_ERRORS,
                number_empty="Number {x} of {y} Empty",
                blocked_number_exists="Blocked Number {x} of {y} already exists",
            ),
            sources="PHP+DOC",
            guesses=(
                *BLOCKED_NUMBER_GUESSES,
                "default defaults to BLOCK; `notes` is accepted because the list returns it.",
                "A triple that exists, or came earlier in the request, is `already exists`.",
                "Answers 201 with `<response><blocked_numbers><blocked_number>{number, in_or_out, "
                "operator}…`.",
            ),
        ),
        Method(
            "Rules",
            "updateBlockedNumbers",
            Verb.PUT,
            "Changes blocked numbers, identified by number, direction and operator.",
            payload=Payload(
                "blocked_number",
                fields=(
                    *BLOCKED_NUMBER_KEY,
                    PField("new_number", "New Number", max_length=64),
                    PField("new_in_or_out", "New In Or Out", PType.ENUM, choices=IN_OR_OUT),
                    PField("new_operator", "New Operator", PType.ENUM, choices=OPERATORS),
                    PField("default", "Default", PType.ENUM, choices=ALLOW_BLOCK),
                    PField(
                        "if_exist", "If Exist", PType.ENUM, choices=("OVERWRITE",), aliases=("if_exists",)
                    ),
                    PField("notes", "Notes", max_length=1000),
                    _blocking_rules(("links",)),
                ),
            ),
            errors=errs(
                BLOCKED_RULE_ERRORS,
                blocked_number_not_found="Blocked Number {x} of {y} does not exist",
                blocked_number_exists="Blocked Number {x} of {y} already exists",
                duplicate_blocked_number="Duplicate Blocked Number Received",
            ),
            sources="PHP+DOC",
            guesses=(
                *BLOCKED_NUMBER_GUESSES,
                "Served on /Rules (PHP); the doc's /Links URL is not routed.",
                "A rule's links are read from `<link_ids>` or the doc's `<links>`.",
                "Renaming onto an existing entry needs if_exist=OVERWRITE (which deletes that entry), "
                "else `already exists`.",
                "Supplied rules replace the existing ones; an empty `<rules/>` (which PHP always "
                "sends) keeps them.",
                "Two items naming the same entry are `Duplicate Blocked Number Received` (alone).",
            ),
        ),
        Method(
            "Rules",
            "deleteBlockedNumbers",
            Verb.DELETE,
            "Deletes blocked numbers given as number;in_or_out;operator triples.",
            params=(QueryParam("blocked_numbers", mandatory=True, empty_error="blocked_numbers_empty"),),
            errors=errs(
                blocked_numbers_empty="Blocked Numbers Empty",
                part_empty="{part} of {x} of {y} Empty",
                blocked_number_not_found="Blocked Number {x} of {y} does not exist",
                combination_not_found=(
                    "Combination of Number, In Or Out and Operator in Blocked Number {x} of {y} "
                    "does not exist."
                ),
            ),
            sources="PHP+DOC",
            guesses=(
                "{part} is Number, In Or Out or Operator (the vendor prints `z of x of y Empty`).",
                "`Blocked Number x of y does not exist` is used when the number is unknown, the "
                "`Combination …` text when only the triple does not match.",
            ),
        ),
    ),
)
