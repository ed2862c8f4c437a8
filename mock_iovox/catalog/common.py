"""Pieces of the catalogue shared by several interfaces.

Conventions used by every module (they match how `mock_iovox.payload` reads a body):

* A `many=True` PField is named after the element found in its parent: the list wrapper
  (`link_ids` around `<link_id>`) or the repeated element itself when there is no wrapper
  (removeVoxnumberFromLink's `<link_id>` directly under `<request>`). Every leaf text below it is a value.
* A `nested` PField is named after its container element (`categories`); the nested Payload's `item` is
  the repeated element inside it (`category`). `item=None` means a single record (`contact`,
  `assign_voxnumber`, `additional_information`, `caller_message` …).
* Error keys are `<subject>_<problem>` in snake case (`node_id_empty`, `link_id_not_found`,
  `new_link_id_exists`, `duplicate_link_id`); texts keep the vendor's exact wording with `{x}`/`{y}` for
  the item position and named fields (`{name}`, `{node}`, `{postcode}` …) for embedded values. Errors
  referenced by a QueryParam (`empty_error`, `invalid_error`) carry no placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mock_iovox.catalog.model import Err, Field, Payload, PField, PType, QueryParam

# --------------------------------------------------------------------------------------------------
# small factories


def errs(*shared: Mapping[str, str], **own: str) -> Mapping[str, Err]:
    """Build a read-only error table from shared tables and method-specific texts (all status 400)."""
    merged: dict[str, str] = {}
    for part in shared:
        merged.update(part)
    merged.update(own)
    return MappingProxyType({key: Err(text) for key, text in merged.items()})


def date_field(name: str, label: str, *, required: bool = False) -> PField:
    """A `YYYY-MM-DD[ HH:MM:SS]` payload element (node_date, link_date …)."""
    return PField(name, label, type=PType.DATETIME, required=required)


def message_field(name: str, label: str) -> PField:
    """A rule message (`<caller_message><sound_files><sound_file>grp|label</sound_file>…`)."""
    return PField(name, label, nested=Payload(None, fields=(SOUND_FILES,), require_items=False))


# --------------------------------------------------------------------------------------------------
# enumerations (upper case: ENUM values are compared upper-cased)

TRUE_FALSE = ("TRUE", "FALSE")
YES_NO = ("YES", "NO")
ZERO_ONE = ("1", "0")
TEMPLATE_TYPES = ("DEFAULT", "CUSTOM", "ALL")
ASSIGN_METHODS = ("BY AREA", "BY VOXNUMBER", "BY POSTCODE")
SEND_CALL_ALERT = ("NONE", "MISSED_CALLS", "MISSED_CALLS_NO_WITHHELD", "ALL_CALLS")
NUMBER_TYPES = ("GEOGRAPHIC", "NATIONAL", "TOLLFREE")
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

# --------------------------------------------------------------------------------------------------
# query parameters

#: category filter: `cat_ids=1,2` (AND), repeated `cat_ids[]` (OR of AND-groups); a category matches
#: its sub-tree (SPEC.md §3.2)
CAT_IDS = QueryParam(
    "cat_ids",
    array=True,
    doc="Category filter; commas inside one value AND the ids, repeated values OR the groups.",
)

#: getRuleTemplates / getCallFlows / getFlows share their filters and their result
TEMPLATE_PARAMS = (
    QueryParam("template_name"),
    QueryParam(
        "template_type",
        PType.ENUM,
        default="ALL",
        choices=TEMPLATE_TYPES,
        invalid_error="template_type_invalid",
    ),
    QueryParam("advanced", PType.ENUM, choices=YES_NO, invalid_error="advanced_invalid"),
)
TEMPLATE_FIELDS = (
    Field("tna", "template_name", default=True),
    Field("tno", "template_notes", default=True),
    Field("tt", "template_type", default=True),
    Field("c", "created", default=True),
    Field("a", "advanced", default=True),
)
TEMPLATE_ERRORS: Mapping[str, str] = {
    "template_type_invalid": "Template Type Invalid",
    "advanced_invalid": "Advanced Invalid",
}
TEMPLATE_GUESSES = (
    "`advanced` also accepts NO (the vendor only documents YES).",
    "The vendor's DEFAULT templates are not public: the mock ships Call, Call Record, Call Whisper "
    "Both, Call Then Voicemail (calling) and SMS Forward (SMS), every destination left `?`.",
    "An account's flow cannot take a DEFAULT template's name (`CallFlow Name already exists`).",
)

# --------------------------------------------------------------------------------------------------
# payload fragments

NODE_ID = PField("node_id", "Node ID", required=True)
LINK_ID = PField("link_id", "Link ID", required=True)
CLICK_TO_CALL = PField("click_to_call", "Click To Call", PType.ENUM, choices=ZERO_ONE)

#: `<sound_files><sound_file>group|label</sound_file>…</sound_files>`
SOUND_FILES = PField("sound_files", "Sound File", many=True)

#: one category path element of a node or link: `<categories><category>{…}</category></categories>`
CATEGORY_ITEM_FIELDS = (
    PField("category_id", "Category ID", required=True),
    PField("parent_category_id", "Parent ID"),
    PField("label", "Label"),
    PField("value", "Value"),
)
CATEGORIES = PField(
    "categories",
    "Categories",
    nested=Payload("category", wrapper="categories", fields=CATEGORY_ITEM_FIELDS, require_items=False),
)

#: the contact details of createContacts/updateContacts, without contact_id
#: (canonical names are the vendor's; aliases are the PHP serializer's spellings)
CONTACT_DETAIL_FIELDS = (
    PField("display_name", "Display Name"),
    PField("first_name", "First Name"),
    PField("last_name", "Last Name"),
    PField("email", "Email"),
    PField("email_2", "Email 2", aliases=("email2",)),
    PField("company", "Company"),
    PField("title", "Title"),
    PField("mobile_phone", "Mobile Phone"),
    PField("home_phone", "Home Phone"),
    PField("business_phone", "Business Phone"),
    PField("business_fax", "Business Fax"),
    PField("work_address_1", "Work Address 1", aliases=("work_address1",)),
    PField("work_address_2", "Work Address 2", aliases=("work_address2",)),
    PField("work_city", "Work City"),
    PField("work_country", "Work Country"),
    PField("work_postcode", "Work Postcode"),
    PField("home_address_1", "Home Address 1", aliases=("home_address1",)),
    PField("home_address_2", "Home Address 2", aliases=("home_address2",)),
    PField("home_city", "Home City"),
    PField("home_country", "Home Country"),
    PField("home_postcode", "Home Postcode"),
    PField("notes", "Notes"),
)

#: a contact fixed inside a variable rule: contact_id + phone_number, or any createContacts detail
RULE_CONTACT = PField(
    "contact",
    "Contact",
    nested=Payload(
        None,
        fields=(
            # the lengths of the contacts table: a contact may be created from these
            PField("contact_id", "Contact ID", max_length=255),
            PField("phone_number", "Phone Number", max_length=64),
            *CONTACT_DETAIL_FIELDS,
        ),
        require_items=False,
    ),
)

#: the identity of a rule inside `rules_variable` (matched against the template's rule ids)
RULE_IDENTITY = (
    PField("rule_id", "Rule ID", required=True),
    PField("rule_type", "Rule Type"),
    PField("rule_label", "Rule Label"),
)

#: values fixed per link for a calling template's `?` placeholders (attachRuleTemplateToLinks,
#: createNodeFull, createLinksFull)
RULE_VARIABLE_FIELDS = (
    *RULE_IDENTITY,
    SOUND_FILES,
    message_field("play", "Play"),
    RULE_CONTACT,
    message_field("caller_message", "Caller Message"),
    message_field("called_message", "Called Message"),
    message_field("voicemail_message", "Voicemail Message"),
    message_field("completed_message", "Completed Message"),
    message_field("failure_message", "Failure Message"),
    PField(
        "no_key_message",
        "No Key Message",
        aliases=("no_key_messages",),
        nested=Payload(None, fields=(SOUND_FILES,), require_items=False),
    ),
    PField(
        "unmatched_message",
        "Unmatched Message",
        aliases=("unmatched_messages",),
        nested=Payload(None, fields=(SOUND_FILES,), require_items=False),
    ),
    PField("send_call_alert", "Send Call Alert", PType.ENUM, choices=SEND_CALL_ALERT),
    PField("record_call", "Record Call", PType.BOOLEAN),
)
RULES_VARIABLE = PField(
    "rules_variable",
    "Rules Variable",
    nested=Payload("rule", wrapper="rules_variable", fields=RULE_VARIABLE_FIELDS, require_items=False),
)
#: an SMS template's variable rules only fix the recipient
SMS_RULES_VARIABLE = PField(
    "rules_variable",
    "Rules Variable",
    nested=Payload(
        "rule", wrapper="rules_variable", fields=(*RULE_IDENTITY, RULE_CONTACT), require_items=False
    ),
)
RULE_VARIABLE_GUESSES = (
    "`no_key_message`/`unmatched_message` are taken as the canonical names; PHP's plural spellings are "
    "aliases.",
    "DECISIONS.md §7: an empty `<rule/>`, or a `<rules_variable/>` with nothing inside, gives no values "
    "(PHP writes `<rules_variable><rule/></rules_variable>` when its caller passes no rules); a `<rule>` "
    "with children but no rule_id is `Rule ID x of y Empty`.",
)

#: the three ways of picking a VoxNumber for a link (attachVoxnumberToLink items, assign_voxnumber)
ASSIGN_VOXNUMBER_FIELDS = (
    PField("method", "Method", PType.ENUM, required=True, choices=ASSIGN_METHODS),
    PField("voxnumber_idd", "VoxNumber IDD", PType.INTEGER),
    PField("area_code", "Area Code"),
    PField("full_voxnumber", "Full VoxNumber", PType.INTEGER),
    PField("voxnumber_country", "VoxNumber Country"),
    PField("postcode", "Postcode"),
    PField("fallback_area_distance", "Fallback Area Distance", PType.INTEGER),
)
ASSIGN_VOXNUMBER = PField(
    "assign_voxnumber",
    "Assign VoxNumber",
    nested=Payload(None, fields=ASSIGN_VOXNUMBER_FIELDS, require_items=False),
)
ASSIGN_VOXNUMBER_ERRORS: Mapping[str, str] = {
    # documented (RB sandbox spec)
    "no_voxnumber_postcode": (
        "There is no VoxNumber available in your account for the Postcode {postcode} or the fallback area"
    ),
    # invented: the vendor's text for the other two methods is not known
    "no_voxnumber_area": (
        "There is no VoxNumber available in your account for the Area Code {area_code} of country {idd}"
    ),
    "voxnumber_unavailable": "Full VoxNumber {x} of {y} is not available in your account",
    "method_fields_missing": "Method {x} of {y} is missing {fields}",
}
ASSIGN_VOXNUMBER_GUESSES = (
    "Only the BY POSTCODE 'no VoxNumber available' text is known; the BY AREA / BY VOXNUMBER texts "
    "and the missing-fields text are invented.",
    "area_code is a string (no integer check) so that any area code simply fails to match.",
)

#: a link inside createNodeFull / createLinksFull
FULL_LINK_FIELDS = (
    PField("node_id", "Node ID"),
    LINK_ID,
    PField("link_name", "Link Name", required=True),
    PField("link_type", "Link Type", required=True),
    date_field("link_date", "Link Date"),
    CLICK_TO_CALL,
    PField("rule_template_name", "Rule Template Name"),
    RULES_VARIABLE,
    ASSIGN_VOXNUMBER,
    CATEGORIES,
)


def full_links(*, required: bool) -> PField:
    """The `<links><link>…</link></links>` sub-tree of createNodeFull / createLinksFull."""
    return PField(
        "links",
        "Links",
        required=required,
        nested=Payload("link", wrapper="links", fields=FULL_LINK_FIELDS, require_items=required),
    )


#: errors of a link sub-tree (documented for createLinks; invented ones are listed in FULL_LINK_GUESSES)
LINK_ITEM_ERRORS: Mapping[str, str] = {
    "link_id_empty": "Link ID {x} of {y} Empty",
    "link_id_exists": "Link ID {x} of {y} already exists",
    "link_name_attached": "Link Name {name} is already attached to Node {node}",
    "link_name_empty": "Link Name {x} of {y} Empty",
    "link_type_empty": "Link Type {x} of {y} Empty",
    "link_date_invalid": "Link Date {x} of {y} Invalid",
    "click_to_call_invalid": "Click To Call {x} of {y} Invalid",
    "duplicate_link_id": "Duplicate Link ID Received",
}
#: errors of the category elements of a link or node (invented: the vendor pages are cut)
CATEGORY_ITEM_ERRORS: Mapping[str, str] = {
    "category_id_not_found": "Category ID {x} of {y} does not exist",
    "parent_id_not_found": "Parent ID {x} of {y} does not exist",
}
#: category paths given to a link (createLinks/updateLinks categories, attachCategoryToLink items,
#: the link and node categories of createNodeFull/createLinksFull)
LINK_CATEGORY_ERRORS: Mapping[str, str] = {
    "value_empty": "Value {x} of {y} Empty",
    "label_not_found": "Label {x} of {y} does not exist",
}
#: errors of rules_variable / rule_template_name (invented: the vendor pages are cut)
RULE_VARIABLE_ERRORS: Mapping[str, str] = {
    "template_name_not_found": "Template Name does not exist",
    "rule_id_not_found": "Rule ID {x} of {y} does not exist in the Template",
    "rule_id_empty": "Rule ID {x} of {y} Empty",
    "contact_id_not_found": "Contact ID {x} of {y} does not exist",
    "sound_file_not_found": "Sound File {x} of {y} does not exist",
}
FULL_LINK_GUESSES = (
    "Link-level errors beyond `Link ID x of y Empty/already exists` and `Link Name x is already "
    "attached to Node y` are invented in the same `<Field> x of y <Problem>` pattern.",
    "Category, rule-variable and template errors inside the link sub-tree are invented.",
    "x/y of nested errors count the position among the siblings of the same list.",
)
