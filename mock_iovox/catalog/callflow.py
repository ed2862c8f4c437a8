"""CallFlow interface and the call-flow XML (SPEC.md §4 rows 41-45, §5.6)."""

from mock_iovox.catalog.common import (
    TEMPLATE_ERRORS,
    TEMPLATE_FIELDS,
    TEMPLATE_GUESSES,
    TEMPLATE_PARAMS,
    errs,
)
from mock_iovox.catalog.model import (
    Interface,
    Listing,
    Method,
    Payload,
    PType,
    QueryParam,
    Response,
    Verb,
)

#: longest call-flow name accepted (`CallFlow Name too long`); the vendor's limit is not known
NAME_MAX_LENGTH = 100
#: longest notes and rule id stored (call_flows.notes, link_rule_values.rule_id)
NOTES_MAX_LENGTH = 1000
RULE_ID_MAX_LENGTH = 255
#: bounds of one flow document (issue 25; the vendor's are not known): rules in all (nested ones
#: included), rules nested in rules (menus in menus), and the size of its elements and attributes
MAX_RULES = 250
MAX_RULE_DEPTH = 8
MAX_FLOW_BYTES = 256 * 1024

#: errors of a call-flow XML document (createCallFlow page; the list is cut after these)
FLOW_XML_ERRORS = {
    "no_rules": "There are no Rules in this Template",
    "name_exists": "CallFlow Name already exists",
    "name_empty": "CallFlow Name Empty",
    "name_too_long": "CallFlow Name too long",
    "rule_label_empty": "Rule Label Empty",
    "rule_id_empty": "Rule ID Empty",
    "message_empty": "Message empty",
    "destination_phone_empty": "destinationPhoneNumber Empty",
    "destination_contact_empty": "destinationContactId Empty",
    # the call-flow play page's own table (complete)
    "play_rule_id_duplicate": "Rule ID Not Unique in Play Rule",
    "play_sound_file_not_found": "Sound File Does not exist in Play Rule",
    # invented: the remaining rows of the table are cut
    "rule_id_duplicate": "Rule ID {value} is not unique",
    "rule_type_invalid": "Rule {value} Invalid",
    "attribute_invalid": "{attribute} of Rule {rule} Invalid",
    "too_many_flows": "Only one Call Flow can be sent per request",
    "attribute_empty": "{attribute} Empty",
    "notes_too_long": "CallFlow Notes too long",
    "rule_id_too_long": "Rule ID too long",
    "element_invalid": "Element {value} of Rule {rule} Invalid",
    "sound_file_not_found": "Sound File {value} does not exist",
    "too_many_rules": "Too Many Rules: a CallFlow may have at most {max} rules",
    "rules_too_deep": "Rules nested too deep: at most {max} levels",
    "flow_too_large": "CallFlow too large: at most {max} bytes",
}
FLOW_XML_GUESSES = (
    f"CallFlow Name too long above {NAME_MAX_LENGTH} characters (the vendor limit is unknown); "
    f"notes above {NOTES_MAX_LENGTH} and rule ids above {RULE_ID_MAX_LENGTH} characters are refused "
    "with invented texts.",
    "A play rule (also one nested in a messageKeypress) answers the play page's `Rule ID Not Unique "
    "in Play Rule` and `Sound File Does not exist in Play Rule` (once per flow); the other rules' "
    "pages are cut before their tables, so for them the texts below stay invented.",
    "Errors for duplicate rule ids, unknown rule elements, unknown child elements, bad attribute "
    "values, other missing mandatory attributes (`<attribute> Empty`, after the documented "
    "`destinationPhoneNumber Empty`), sound files that do not exist (`Sound File group|label does "
    "not exist`) and several <callFlow> elements are invented.",
    f"A flow has at most {MAX_RULES} rules (nested ones included), nested at most {MAX_RULE_DEPTH} "
    f"rules deep, and its elements and attributes come to at most {MAX_FLOW_BYTES} bytes; beyond, "
    "`Too Many Rules: …`, `Rules nested too deep: …`, `CallFlow too large: …` (invented texts; the "
    "vendor's limits are not known, a flow of the vendor's editor has tens of rules).",
    "A message element with no sound file, a play rule with none, and a voicemail without "
    "voicemailMessage are `Message empty`; each distinct problem is reported once.",
    "`?` is accepted only where a per-link value can fill it: call destinationPhoneNumber/"
    "destinationContactId/destinationContactName/sendCallAlert/record, voicemail "
    "destinationEmailAddress/destinationContactId, sendSMS destinations, and soundFile soundLabel.",
    "DECISIONS.md §7: a call rule needs destinationPhoneNumber or destinationContactId (either may be "
    "`?`; neither given is `destinationPhoneNumber Empty`), a voicemail rule destinationEmailAddress or "
    "destinationContactId (neither is `destinationEmailAddress Empty`); an attribute given empty is its "
    "own `… Empty`.",
    "A flow is `advanced` (YES) when it has a messageKeypress, an httpRequest or event handlers.",
    "SMS flows take sendSms and httpRequest rules; e-mail flows (vocabulary unknown) only httpRequest.",
    "Rules are checked against the documented elements only (play, call, messageKeypress, sendSMS, "
    "voicemail, httpRequest …); unknown attributes are kept.",
)

INTERFACE = Interface(
    "CallFlow",
    (
        Method(
            "CallFlow",
            "getCallFlows",
            Verb.GET,
            "Lists the call flows of the account (same rows as getRuleTemplates).",
            params=TEMPLATE_PARAMS,
            listing=Listing(TEMPLATE_FIELDS, default_order="c_DESC"),
            response=Response.LIST,
            json=True,
            errors=errs(TEMPLATE_ERRORS),
            sources="PHP+DOC",
            guesses=TEMPLATE_GUESSES,
        ),
        Method(
            "CallFlow",
            "getCallFlow",
            Verb.GET,
            "The XML definition of one call flow.",
            params=(QueryParam("call_flow", mandatory=True, empty_error="call_flow_empty"),),
            response=Response.DOCUMENT,
            errors=errs(
                call_flow_empty="Call Flow Empty",
                call_flow_not_found="Call Flow Doesn't exist",
            ),
            sources="PHP+DOC",
            guesses=(
                "Always XML: `output` is accepted and ignored.",
                "`Call Flow Empty` is invented.",
            ),
        ),
        Method(
            "CallFlow",
            "createCallFlow",
            Verb.POST,
            "Stores a new call flow from its XML definition.",
            payload=Payload("callFlow", raw=True, max_items=1),
            response=Response.DOCUMENT,
            errors=errs(FLOW_XML_ERRORS),
            sources="PHP+RB+DOC",
            guesses=(
                *FLOW_XML_GUESSES,
                'Answers 201 with `<response><callFlow name="…"/></response>`.',
            ),
        ),
        Method(
            "CallFlow",
            "updateCallFlow",
            Verb.PUT,
            "Replaces a call flow's rules (and name/notes) and re-applies it to every link using it.",
            payload=Payload("callFlow", raw=True, max_items=1),
            errors=errs(
                FLOW_XML_ERRORS,
                call_flow_not_found="Call Flow Doesn't exist",
                new_name_exists="CallFlow Name already exists",
            ),
            sources="PHP+DOC",
            guesses=(
                *FLOW_XML_GUESSES,
                "An unknown name answers getCallFlow's `Call Flow Doesn't exist`.",
                "Per-link values are kept for rule ids that still exist, dropped for the others.",
            ),
        ),
        Method(
            "CallFlow",
            "deleteCallFlows",
            Verb.DELETE,
            "Deletes call flows named in a pipe-separated list.",
            params=(
                QueryParam("call_flows", mandatory=True, empty_error="call_flows_empty"),
                QueryParam(
                    "detach_from_links",
                    PType.BOOLEAN,
                    default="FALSE",
                    invalid_error="detach_from_links_invalid",
                ),
            ),
            errors=errs(
                call_flows_empty="call_flows Empty",
                call_flow_not_found="Call Flow {x} of {y} does not exist",
                call_flow_attached="Call Flow {x} of {y} is attached to a Link",
                detach_from_links_invalid="detach_from_links Invalid",
            ),
            sources="PHP+DOC",
            guesses=(
                "`detach_from_links Invalid` is invented.",
                "Default (system) flows cannot be deleted: `Call Flow x of y does not exist`.",
            ),
        ),
    ),
)
