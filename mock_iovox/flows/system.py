"""The DEFAULT rule templates: flows every account can use without creating them (getRuleTemplates
`template_type` DEFAULT). The vendor's own list is not public; these are the common shapes its
documentation shows (call an agent, whisper, voicemail, SMS forward), every destination left `?`."""

from __future__ import annotations

SYSTEM_FLOWS: tuple[str, ...] = (
    '<callFlow name="Call" notes="Forwards the call to the link\'s contact.">'
    '<call id="call_1" label="Call" destinationPhoneNumber="?" destinationContactId="?" '
    'record="false" sendCallAlert="NONE"/></callFlow>',
    '<callFlow name="Call Record" notes="Forwards the call to the link\'s contact and records it.">'
    '<call id="call_1" label="Call" destinationPhoneNumber="?" destinationContactId="?" '
    'record="true" sendCallAlert="NONE"/></callFlow>',
    '<callFlow name="Call Whisper Both" notes="Plays a message to each party, then connects them.">'
    '<call id="call_1" label="Call" destinationPhoneNumber="?" destinationContactId="?" '
    'record="false" sendCallAlert="?"><callerMessage><soundFile soundLabel="?"/></callerMessage>'
    '<calledMessage><soundFile soundLabel="?"/></calledMessage></call></callFlow>',
    '<callFlow name="Call Then Voicemail" notes="Calls the contact; takes a voicemail if nobody answers.">'
    '<call id="call_1" label="Call" destinationPhoneNumber="?" destinationContactId="?" '
    'record="false" sendCallAlert="MISSED_CALLS"><eventHandlers>'
    '<callEvent result="BUSY|NO_ANSWER|REJECTED" action="onMatchResult">'
    '<voicemail id="voicemail_1" label="Voicemail" from="noreply@iovox.com" subject="Voicemail" '
    'silence="2" maxDuration="300" templateName="emailtemplate02" destinationEmailAddress="?" '
    'destinationContactId="?"><voicemailMessage><soundFile soundLabel="?"/></voicemailMessage>'
    "</voicemail></callEvent></eventHandlers></call></callFlow>",
    '<smsFlow name="SMS Forward" notes="Forwards the SMS to the link\'s contact.">'
    '<sendSms id="1" label="Send SMS" from="$_smsOrigin" smsTemplateName="Default SMS Forward" '
    'destinationContactId="?" destinationPhoneNumber="?"/></smsFlow>',
)
