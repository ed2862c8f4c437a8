"""JsApi interface (SPEC.md §4 rows 68-69, §5.12): only names and verbs are known."""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import Interface, Method, Payload, PField, QueryParam, Response, Verb

INTERFACE = Interface(
    "JsApi",
    (
        Method(
            "JsApi",
            "createActionKey",
            Verb.POST,
            "Issues a JavaScript-API action key that lets a web page act on one link.",
            payload=Payload(
                None,
                top=(
                    PField("link_id", "Link ID", required=True),
                    PField("action", "Action"),
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(link_id_not_found="Link ID does not exist"),
            sources="RB",
            guesses=(
                "Body `<link_id>` (+ optional `<action>`, default initiateCall) and the answer "
                "`<response><action_key/></response>` are invented.",
                "Creating a key again for the same link and action replaces the old key; keys are 32 "
                "hex digits, kept per account, link and action.",
            ),
        ),
        Method(
            "JsApi",
            "getActionKey",
            Verb.GET,
            "The current JavaScript-API action key of a link (known only from Ruby).",
            params=(
                QueryParam("link_id", mandatory=True, empty_error="link_id_empty"),
                QueryParam("action"),
            ),
            response=Response.DOCUMENT,
            errors=errs(
                link_id_empty="Link ID Empty",
                link_id_not_found="Link ID does not exist",
                no_action_key="Action Key does not exist",
            ),
            sources="RB",
            guesses=(
                "Parameters link_id/action and the answer `<response><action_key/></response>` are "
                "invented, as are the errors.",
            ),
        ),
    ),
)
