"""What the mock settled itself about how a call runs and what its CDR says (issue 19), for
docs/guesses.md (rendered by mock_iovox/coverage.py under its own heading)."""

from __future__ import annotations

from mock_iovox.calls import generate, magic, results

HEADING = "Call results and call semantics"

_MAPPING = ", ".join(f"`{token}` → `{cdr}`" for token, cdr in results.BRANCH_TO_CDR.items())

CALL_GUESSES = (
    "initiateCall's `call_destination` is the party the click-to-call is for: the platform rings it "
    "first (the vendor's page: the call then 'follows the Calling Rules' of the link, and the keys "
    "after `,` are sent once it is ANSWERED), so it becomes the CDR's call_origin; once it answers, "
    "the link's flow runs as for a caller who dialled the VoxNumber, and its digits are the keys "
    "pressed in the flow's menus. The flow's call rules give the CDR's call_destination (the number "
    "the call was forwarded to, SPEC.md §7.1). call_destination never fills a `?` destination of the "
    "flow: the link's values or a call variable named after the attribute or slot do.",
    "A CDR's call_result is one of the twelve values of DECISIONS.md §8. The flow's callEvent tokens "
    f"choose branches and end in these CDR values: {_MAPPING} (a refused call sounds busy to the "
    "caller; a call the caller gave up on is a hang-up); an answering machine's ANSWERED is "
    f"`{results.ANSWERED_MACHINE}` (magic destination {magic.MAGIC_MACHINE}).",
    "A call rule reached with no destination (still `?`, no contact phone) gives `RULES BROKEN`; one "
    "whose destination is a VoxNumber of the environment is not dialled and gives `DESTINATION IS "
    "VOXNUMBER`; both go on with the rule's failure branch, then the next rule. A flow still running "
    "after 64 rules ends as `HANGUP`. A far end blocked (OUT) gives `BLOCKED` and the flow goes on.",
    "`HANGUP-RECORD-ALERT` and `HANGUP-WHISPER-CALLER` are never written: the mock plays no record "
    "notice or whisper during which a caller could hang up.",
    "The result of a call is that of the last call rule that rang (a voicemail after it keeps it, "
    "with rule_result Voicemail); a flow that rings nobody (plays, menus, a voicemail chosen in a "
    "menu) is `ANSWERED` by the platform.",
    "A caller who hangs up while a call rule rings (CANCELLED) ends the flow once that rule's "
    "callEvent handler has run; an answered call ends it likewise; BUSY, NO_ANSWER and REJECTED go "
    "on with the next rule.",
    "A messageKeypress prompt's sound files come from the link's values under the messageKeypress "
    "rule's own id (`<play><sound_files>` in rules_variable, as the vendor's attach example puts "
    "them); after a failed attempt the failure's `no_key_message` (no key, or an empty DTMF entry) or "
    "`unmatched_message` (a key no keyEvent lists) plays, each file PLAY_SECONDS; the trace names "
    "every sound file played.",
    "A call flow takes `<sendSms>` (the call-flow sendSMS page's example) as well as `<sendSMS>`.",
    "Generated calls are placed through the link's flow by the engine's own walk: only the caller, the "
    "time, the keys and how each number dialled answers are drawn. Each link answers at a rate drawn "
    f"between 55 % and 92 %; a missed call is NO_ANSWER / BUSY / REJECTED / CANCELLED by weights "
    f"{'/'.join(map(str, generate.MISSED_WEIGHTS))}; {generate.MACHINE_SHARE:.0%} of answers are "
    "machines; magic destinations behave as their table says. A menu attempt is a listed key 80 % of "
    f"the time, an unlisted `{generate.UNLISTED_KEY}` 10 %, no key 10 %. {generate.API_SHARE:.0%} of "
    "the calls of a link where initiateCall would be accepted are click-to-calls, whose first leg "
    f"answers {generate.API_ANSWER_RATE:.0%} of the time. Generated history writes no outbox rows "
    "(email_sent still says an alert went) and calls no httpRequest URL. A link with a number but no "
    f"call flow gets {generate.NO_RULES_WEIGHT:.0%} of a link's usual share of the traffic (a line "
    "nobody set up is seldom advertised; a fixture's `generate_calls: traffic` sets any link's "
    "share). A generated click-to-call "
    "carries a requester IP of 198.51.100.0/24 in detail; initiateCall's own CDR has detail empty "
    "(the engine writes the request's detail, which the handler leaves empty).",
    "The default fixture is demo-ready: every link with a number runs a flow whose values are filled "
    "(fiction-range destinations that answer as README's magic-number table says); the sandbox's "
    "westbourne-web is left without rules on purpose (`generate_calls: traffic` gives it a tenth of "
    "its share, so NO RULES SET stays under 10 %) and other-link's number is on hold.",
)
