"""The call-flow XML vocabulary as data (SPEC.md §5.6; the vendor's api/call-flow/*.html pages).

This is the reconstructed schema: which rule elements exist for each kind of flow, which attributes
they take (allowed values, mandatory ones), which message children they carry, how they branch
(eventHandlers), and which attribute or message may be left variable (`?`) and then filled per link
through `rules_variable` (the *slot* names below are the rules_variable element paths).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mock_iovox.catalog.common import SEND_CALL_ALERT

#: the root element of each kind of flow (createFlow accepts all three, createCallFlow `callFlow`)
FLOW_ROOTS: Mapping[str, str] = MappingProxyType({"callFlow": "CALL", "smsFlow": "SMS", "emailFlow": "EMAIL"})
ROOT_OF_KIND: Mapping[str, str] = MappingProxyType({v: k for k, v in FLOW_ROOTS.items()})

#: a variable attribute or sound file
VARIABLE = "?"

#: callEvent results (combinable with `|`) and the only documented actions
CALL_RESULTS = ("ANSWERED", "BUSY", "REJECTED", "NO_ANSWER", "CANCELLED")
CALL_EVENT_ACTION = "onMatchResult"
KEY_EVENT_ACTION = "onMatchKeypressSequence"
#: keypressFailureMessage behaviours -> the rules_variable slot that fills them
FAILURE_MESSAGES: Mapping[str, str] = MappingProxyType(
    {"onNoKeypress": "no_key_message", "onUnmatchedKeypress": "unmatched_message"}
)

TRUE_FALSE = ("true", "false")
DIGITS = r"[0-9]+"
KEYPRESS = r"[0-9*#]+"


@dataclass(frozen=True, slots=True)
class Attr:
    name: str
    #: allowed values (compared case-insensitively); empty = any text
    choices: tuple[str, ...] = ()
    #: a regular expression the value must match in full
    pattern: str | None = None
    #: the rules_variable slot that fills it when the value is `?` (None: `?` not allowed)
    slot: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class RuleSpec:
    element: str
    #: the rule's name in the variable-rules API (getVariableRulesOfTemplate, rules_variable)
    rule_type: str
    attrs: tuple[Attr, ...] = ()
    #: message children (element -> the rules_variable slot filling a `?` sound file in it)
    messages: Mapping[str, str] = field(default_factory=dict)
    #: message children that must be present and hold at least one sound file
    required_messages: tuple[str, ...] = ()
    #: soundFile elements directly inside the rule (play): their slot
    inline_sounds: str | None = None
    #: the branch elements allowed under <eventHandlers> (besides <failure>)
    events: str | None = None
    #: a nested <play> rule (messageKeypress) and its slot
    nested_play: str | None = None
    #: attributes of which at least one must be given (DECISIONS.md §7: a call rule's destination
    #: is a number or a contact); the first one's `… Empty` when none is
    one_of: tuple[str, ...] = ()

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)


_CONTACT_ID = Attr("destinationContactId", slot="contact/contact_id")
_PHONE = Attr("destinationPhoneNumber", slot="contact/phone_number")

PLAY = RuleSpec("play", "play", inline_sounds="sound_files")
CALL = RuleSpec(
    "call",
    "call",
    attrs=(
        Attr("record", TRUE_FALSE, slot="record_call"),
        Attr("recordingLabel"),
        Attr("recordCallNotificationLabel"),
        Attr("sendCallAlert", SEND_CALL_ALERT, slot="send_call_alert"),
        _PHONE,
        _CONTACT_ID,
        Attr("destinationContactName", slot="contact/display_name"),
        Attr("timeout", pattern=DIGITS),
    ),
    messages={"callerMessage": "caller_message", "calledMessage": "called_message"},
    events="callEvent",
    one_of=(_PHONE.name, _CONTACT_ID.name),
)
MESSAGE_KEYPRESS = RuleSpec(
    "messageKeypress",
    "messageKeypress",
    attrs=(Attr("captureKeypress", TRUE_FALSE), Attr("timeout", pattern=DIGITS)),
    events="keyEvent",
    nested_play="play",
)
SEND_SMS_CALL = RuleSpec(
    "sendSMS",
    "sendSms",
    attrs=(
        Attr("from"),
        Attr("smsTemplateName"),
        Attr("destinationPhoneNumber", slot="contact/phone_number"),
        Attr("destinationContactId", slot="contact/contact_id"),
    ),
)
SEND_SMS = RuleSpec("sendSms", "sendSms", attrs=SEND_SMS_CALL.attrs)
VOICEMAIL = RuleSpec(
    "voicemail",
    "voicemail",
    attrs=(
        Attr("from", required=True),
        Attr("fromName"),
        Attr("subject", required=True),
        Attr("silence", pattern=DIGITS, required=True),
        Attr("maxDuration", pattern=DIGITS, required=True),
        Attr("templateName", required=True),
        Attr("destinationEmailAddress", slot="contact/email"),
        _CONTACT_ID,
    ),
    messages={"voicemailMessage": "voicemail_message", "completedMessage": "completed_message"},
    required_messages=("voicemailMessage",),
    one_of=("destinationEmailAddress", _CONTACT_ID.name),
)
HTTP_REQUEST = RuleSpec(
    "httpRequest",
    "httpRequest",
    attrs=(Attr("url", required=True), Attr("method", ("GET", "POST"))),
)

#: the rules each kind of flow may hold
RULES: Mapping[str, Mapping[str, RuleSpec]] = MappingProxyType(
    {
        # the call-flow sendSMS page writes both `<sendSMS>` (its heading) and `<sendSms …/>` (its
        # example): a call flow takes either spelling
        "CALL": {
            r.element: r
            for r in (PLAY, CALL, MESSAGE_KEYPRESS, SEND_SMS_CALL, SEND_SMS, VOICEMAIL, HTTP_REQUEST)
        },
        "SMS": {r.element: r for r in (SEND_SMS, HTTP_REQUEST)},
        "EMAIL": {r.element: r for r in (HTTP_REQUEST,)},
    }
)

#: the order in which a rule's variable slots are written (getVariableRulesOfTemplate, getNodeDetails)
SLOT_ORDER = (
    "sound_files",
    "play",
    "contact",
    "caller_message",
    "called_message",
    "voicemail_message",
    "completed_message",
    "no_key_message",
    "unmatched_message",
    "send_call_alert",
    "record_call",
)
#: slots holding a list of sound files (`group|label`)
MESSAGE_SLOTS = frozenset(
    {
        "sound_files",
        "play",
        "caller_message",
        "called_message",
        "voicemail_message",
        "completed_message",
        "no_key_message",
        "unmatched_message",
    }
)
#: the contact fields a contact slot can fix, in output order
CONTACT_FIELDS = ("contact_id", "phone_number", "display_name", "email")
