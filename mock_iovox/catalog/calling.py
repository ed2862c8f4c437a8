"""Calling interface: click-to-call (SPEC.md §4 row 62, §9)."""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import Interface, Method, Payload, PField, PType, Response, Verb

INTERFACE = Interface(
    "Calling",
    (
        Method(
            "Calling",
            "initiateCall",
            Verb.POST,
            "Starts an outbound call that runs the calling rules of a link.",
            payload=Payload(
                "call_variables",
                fields=(
                    PField("call_destination", "Call Destination"),
                    PField("delay", "Delay", PType.INTEGER),
                ),
                top=(PField("link_id", "Link ID", required=True),),
                require_items=False,
                max_items=1,
                # any other child of <call_variables> is a custom variable of the flow
                open_fields=True,
            ),
            response=Response.DOCUMENT,
            errors=errs(
                link_id_not_found="Link ID does not exist",
                no_template="Link ID has no Calling Rule Template attached",
                click_to_call_disabled="Click To Call is not enabled on this Link",
                voxnumber_off="VoxNumber of this Link is OFF",
                variable_empty="Call Variable {name} Empty",
                call_destination_invalid="Call Destination Invalid",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "Answers 201 with `<response><call_id/></response>`; the id is the getCallData `id`.",
                "The error table is cut: every error is invented.",
                "Refused when the link has click_to_call=0, no template, or its VoxNumber is OFF.",
                "A `?` in the flow that no call variable fills gives `Call Variable <name> Empty`.",
                "delay (minutes) postpones the call on the virtual clock.",
            ),
        ),
    ),
)
