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
            alone=True,  # the call flow may make an HTTP request
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
                delay_invalid="Delay Invalid",
            ),
            sources="PHP+RB+DOC",
            guesses=(
                "Answers 201 with `<response><call_id/></response>`; the id is the getCallData `id`.",
                "The error table is cut: every error is invented.",
                "Refused when the link has click_to_call=0, no template, or its VoxNumber is OFF.",
                "A `?` in the flow that no call variable fills gives `Call Variable <name> Empty`.",
                "delay (whole minutes, 0 to 525600) postpones the call on the virtual clock: the CDR id "
                "is answered at once, the call runs (and its CDR becomes visible) once the clock passes "
                "it; a larger delay gives `Delay Invalid`, anything but digits (a sign, a fraction) the "
                "generic `Delay 1 of 1 not an integer`.",
                "call_destination is E.164 digits (6 to 15, optional `+`), then `,`-separated DTMF "
                "groups; each group is one key sequence pressed in the flow's menus, in order. "
                "Anything else gives `Call Destination Invalid`; a missing one "
                "`Call Variable call_destination Empty`.",
                "A call variable fills the flow's `?` attribute of the same name (destinationPhoneNumber) "
                "or of its rules_variable slot (phone_number, email, contact_id, send_call_alert, "
                "record_call), before the link's own values. Only the destinations of call and "
                "voicemail rules are required; `Call Variable destinationPhoneNumber Empty` / "
                "`Call Variable destinationEmailAddress Empty` once per missing attribute name.",
                "The platform first rings call_destination (magic numbers, README), then runs the flow; "
                "the CDR has call_type API, direction IN, call_origin the destination's number, "
                "detail empty (identical to `mock-iovox call --api` with the same inputs and seed).",
                "Outcomes that the vendor material leaves open: a blocked caller gives call_result "
                "`BLOCKED` (no rule runs); a call rule without any destination `RULES BROKEN`; a flow "
                "still running after 64 rules ends as `HANGUP` (the caller hangs up); a played sound "
                "file lasts 4 s; a menu without a failure branch asks 3 times, then hangs up (more "
                "under Call results below).",
            ),
        ),
    ),
)
