"""What the demo portal settled itself (issue 23), for docs/guesses.md (rendered by
mock_iovox/coverage.py under its own heading)."""

from __future__ import annotations

HEADING = "Demo portal"

PORTAL_GUESSES = (
    "A call's path is drawn only for calls placed from the portal or `POST /__mock__/calls`: their "
    "engine trace is kept in the control table `mock_call_traces` (beside the vendor data, so no API "
    "answer changes). Generated calls and calls placed through Calling.initiateCall keep none; their "
    "page draws the flow without a path. A reset or restore leaves the table; a trace is shown only "
    "while its call's `call_id` and `call_start` still match.",
    "Numbers read as E.164 with `+`, grouped by the phonenumbers library (`+44 7700 900123`); a number "
    'it does not know is shown as `+` and its digits, an empty caller as "withheld".',
    "The journal keeps an answer's body bounded like a request's (4 KiB); audio and other bytes are "
    'only named (`(N bytes of audio/mpeg)`). A dropped connection keeps status 0, shown as "dropped".',
    "`/__mock__/ui/links/<link id>` shows the first link with that id when several accounts share it.",
)
