"""SoundFiles interface (SPEC.md §4 rows 46-52, §5.7)."""

from mock_iovox.catalog.common import errs
from mock_iovox.catalog.model import (
    Field,
    Interface,
    Listing,
    Method,
    Payload,
    PField,
    QueryParam,
    Response,
    Verb,
)

#: largest decoded sound file accepted (`Exceeds maximum allowed filesize`); the vendor's is unknown
MAX_FILE_BYTES = 5 * 1024 * 1024

SOUND_FILE_FIELDS = (
    PField("sound_label", "Sound Label", required=True, max_length=255),
    PField("sound_group", "Sound Group", max_length=255),
    PField("sound_file", "Sound File", required=True),
    PField("notes", "Notes", max_length=1000),
)

CREATE_ERRORS = {
    "sound_label_empty": "Sound Label {x} of {y} Empty",
    "sound_label_exists": "Sound Label {x} of {y} already exists in Sound Group",
    "sound_group_forbidden": "Sound Group {x} of {y} Forbidden",
    "sound_file_empty": "Sound File {x} of {y} Empty",
    "sound_file_too_big": "Sound File {x} of {y} Exceeds maximum allowed filesize",
    "duplicate_sound_file": "Duplicate Sound File Received",
    # invented: the vendor's table has no text for these
    "sound_label_invalid": "Sound Label {x} of {y} Invalid",
    "sound_file_invalid": "Sound File {x} of {y} Invalid",
    "sound_file_not_audio": "Sound File {x} of {y} is not an MP3 or WAV file",
}
SOUND_FILE_GUESSES = (
    f"Files above {MAX_FILE_BYTES} bytes (decoded) exceed the allowed size (vendor limit unknown); "
    "the size is checked before the audio, and a base64 text node may exceed libxml2's 10 MB limit "
    "so that a 20 MB upload is told as `Exceeds maximum allowed filesize`.",
    "sound_file must be base64 (`Sound File x of y Invalid` otherwise, invented) of real MP3 or WAV "
    "audio with a length, checked with mutagen (`Sound File x of y is not an MP3 or WAV file`, "
    "invented).",
    "Audio a call can play (mock_iovox/domain/soundfiles.py; the vendor's limits beyond 5 MB are unknown): "
    "at most 8 channels, 8,000 to 192,000 samples a second, at most 3 hours long, and a WAV's RIFF "
    "and chunk sizes within the bytes sent; otherwise `… is not an MP3 or WAV file`.",
    "An empty sound_group is the account's default group `\"\"` (the call-flow XML's "
    '`soundGroup=""`); groups SYSTEM and IOVOX and any group with `;`, `,` or `|` are Forbidden.',
    "A sound_label with `;`, `,` or `|` is `Sound Label x of y Invalid` (invented): it could not be "
    "named in deleteSoundFiles or a `group|label` rule value.",
    "Two items naming the same label and group are `Duplicate Sound File Received`, reported alone.",
)

INTERFACE = Interface(
    "SoundFiles",
    (
        Method(
            "SoundFiles",
            "getSoundFiles",
            Verb.GET,
            "Lists the account's sound files (without their audio).",
            params=(QueryParam("sound_label"), QueryParam("sound_group")),
            listing=Listing(
                (
                    Field("id", "sound_id"),
                    Field("sl", "sound_label", default=True),
                    Field("sg", "sound_group", default=True),
                    Field("cl", "content_length", default=True),
                    Field("c", "created", default=True),
                    Field("u", "updated", default=True),
                    Field("n", "notes", default=True),
                ),
                default_order="id_ASC",
            ),
            response=Response.LIST,
            json=True,
            sources="PHP+RB+DOC",
        ),
        Method(
            "SoundFiles",
            "getSoundFileData",
            Verb.GET,
            "The audio bytes of one sound file.",
            params=(
                QueryParam("sound_label", mandatory=True, empty_error="sound_label_empty"),
                QueryParam("sound_group"),
            ),
            response=Response.BINARY,
            errors=errs(
                sound_label_empty="Sound Label Empty",
                sound_file_not_found="Sound File Does not exist",
            ),
            sources="PHP+RB",
            guesses=(
                "No vendor page: both errors are invented.",
                "Served as uploaded, with Content-Type audio/mpeg (MP3) or audio/wav (WAV).",
                "Without sound_group: the default group's file of that label, else the oldest file "
                "of that label in any group.",
            ),
        ),
        Method(
            "SoundFiles",
            "createSoundFiles",
            Verb.POST,
            "Uploads sound files (base64) into sound groups.",
            payload=Payload("sound_file", fields=SOUND_FILE_FIELDS, huge_text=True),
            response=Response.DOCUMENT,
            errors=errs(CREATE_ERRORS),
            sources="PHP+DOC",
            guesses=(
                *SOUND_FILE_GUESSES,
                "Answers 201 with `<response><sound_files><sound_file>{sound_id, sound_label, "
                "sound_group}…`.",
            ),
        ),
        Method(
            "SoundFiles",
            "updateSoundFiles",
            Verb.PUT,
            "Renames, regroups, re-uploads or annotates sound files.",
            payload=Payload(
                "sound_file",
                fields=(
                    PField("sound_label", "Sound Label", required=True, max_length=255),
                    PField("new_sound_label", "New Sound Label", max_length=255),
                    PField("sound_group", "Sound Group", max_length=255),
                    PField("new_sound_group", "New Sound Group", max_length=255),
                    PField("sound_file", "Sound File"),
                    PField("notes", "Notes", max_length=1000),
                ),
                huge_text=True,
            ),
            errors=errs(CREATE_ERRORS, sound_file_not_found="Sound File {x} of {y} Does not exist"),
            sources="PHP+DOC",
            guesses=(
                *SOUND_FILE_GUESSES,
                "sound_group names the file's current group (default group when absent); a rename "
                "onto a label that exists in the target group is `already exists in Sound Group`.",
                "Renaming or deleting a sound file leaves call flows that play it as they are; the "
                "engine skips a sound file that no longer exists.",
            ),
        ),
        Method(
            "SoundFiles",
            "deleteSoundFiles",
            Verb.DELETE,
            "Deletes sound files given as label;group pairs.",
            params=(QueryParam("sound_files", mandatory=True, empty_error="sound_files_empty"),),
            errors=errs(
                sound_files_empty="Sound Files Empty",
                sound_label_empty="Sound Label {x} of {y} Empty",
                sound_file_not_found="Sound File {x} of {y} Does not exist",
            ),
            sources="PHP+DOC",
            guesses=(
                "A pair without `;` means the default group.",
                "Sound files still used by a call flow are deleted anyway: the vendor's error table "
                "for this method (complete in the PHP client) has no `in use` error.",
            ),
        ),
        Method(
            "SoundFiles",
            "deleteSoundFile",
            Verb.DELETE,
            "Deletes one sound file (legacy singular form known only from the Ruby client).",
            params=(
                QueryParam("sound_label", mandatory=True, empty_error="sound_label_empty"),
                QueryParam("sound_group"),
            ),
            errors=errs(
                sound_label_empty="Sound Label Empty",
                sound_file_not_found="Sound File Does not exist",
            ),
            sources="RB",
            guesses=(
                "Only the name and verb are known: it is taken to address one file like "
                "getSoundFileData (sound_label + sound_group).",
                "Errors mirror deleteSoundFiles without the item index.",
                "Without sound_group it finds the file as getSoundFileData does.",
            ),
        ),
        Method(
            "SoundFiles",
            "uploadSoundFileData",
            Verb.POST,
            "Uploads sound files (legacy name known only from the Ruby client).",
            payload=Payload("sound_file", fields=SOUND_FILE_FIELDS, huge_text=True),
            response=Response.DOCUMENT,
            errors=errs(CREATE_ERRORS),
            sources="RB",
            guesses=(
                "Only the name and verb are known: it is taken as an alias of createSoundFiles "
                "(same body, same answer).",
                *SOUND_FILE_GUESSES,
            ),
        ),
    ),
)
