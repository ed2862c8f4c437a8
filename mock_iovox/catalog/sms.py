"""SMS interface (doc only; SPEC.md §4 note; body shape from the vendor page and a Python sender)."""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import Interface, Method, Payload, PField, PType, Response, Verb

#: longest alphanumeric sender name (origin); a numeric origin is an E.164 number of up to 15 digits
ORIGIN_MAX = 11

INTERFACE = Interface(
    "SMS",
    (
        Method(
            "SMS",
            "sendSms",
            Verb.POST,
            "Sends one SMS and answers its activity id.",
            payload=Payload(
                None,
                top=(
                    PField("origin", "Origin", required=True),
                    PField("destination", "Destination", required=True),
                    PField("message", "Message", required=True),
                    PField("callback_url", "Callback URL"),
                    PField("callback_url_headers", "Callback URL Headers"),
                    PField("expiry", "Expiry", PType.INTEGER),
                    PField("c2c_failover_link_id", "C2C Failover Link ID"),
                ),
            ),
            response=Response.DOCUMENT,
            errors=errs(
                origin_invalid="Origin Invalid",
                destination_invalid="Destination Invalid",
                c2c_failover_link_not_found="C2C Failover Link ID does not exist",
            ),
            sources="DOC+PY",
            guesses=(
                "Documented by the vendor, used by neither public client.",
                "Answers 201 with `<response><sms_activity_id/></response>` (the Python sender reads "
                "`sms_activity_id` as a child of the root).",
                "The error table is not retrievable (every copy ends before it): missing fields give "
                "the generic `<Label> Empty`; `Origin Invalid`, `Destination Invalid` and the failover "
                "text are invented.",
                "An origin is valid as the page describes it: an E.164 number without + or 00 (1 to "
                "15 digits, no leading 0; the page's own example `447923221231` has 12), or at most "
                "11 letters, digits, spaces and full stops (`Demo!@#` is refused).",
                "A destination is an E.164 number: 6 to 15 digits, no leading 0, after an optional "
                "leading + or 00 (`not a number` is refused).",
                "No SMS is sent: it lands in the environment's outbox (status `queued`); the activity id "
                "is 8000000000 + the outbox row. Delivery receipts to callback_url are not simulated.",
            ),
        ),
    ),
    doc_only=True,
)
