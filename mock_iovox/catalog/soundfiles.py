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
    PField("sound_label", "Sound Label", required=True),
    PField("sound_group", "Sound Group"),
    PField("sound_file", "Sound File", required=True),
    PField("notes", "Notes"),
)

CREATE_ERRORS = {
    "sound_label_empty": "Sound Label {x} of {y} Empty",
    "sound_label_exists": "Sound Label {x} of {y} already exists in Sound Group",
    "sound_group_forbidden": "Sound Group {x} of {y} Forbidden",
    "sound_file_empty": "Sound File {x} of {y} Empty",
    "sound_file_too_big": "Sound File {x} of {y} Exceeds maximum allowed filesize",
    "duplicate_sound_file": "Duplicate Sound File Received",
}
SOUND_FILE_GUESSES = (
    f"Files above {MAX_FILE_BYTES} bytes (decoded) exceed the allowed size (vendor limit unknown).",
    "sound_file is base64 audio; text that is not base64 is `Sound File x of y Empty`.",
    "An empty sound_group means the account's default group; system groups are Forbidden.",
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
                "Served as audio/mpeg whatever was uploaded.",
            ),
        ),
        Method(
            "SoundFiles",
            "createSoundFiles",
            Verb.POST,
            "Uploads sound files (base64) into sound groups.",
            payload=Payload("sound_file", fields=SOUND_FILE_FIELDS),
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
                    PField("sound_label", "Sound Label", required=True),
                    PField("new_sound_label", "New Sound Label"),
                    PField("sound_group", "Sound Group"),
                    PField("new_sound_group", "New Sound Group"),
                    PField("sound_file", "Sound File"),
                    PField("notes", "Notes"),
                ),
            ),
            errors=errs(CREATE_ERRORS, sound_file_not_found="Sound File {x} of {y} Does not exist"),
            sources="PHP+DOC",
            guesses=SOUND_FILE_GUESSES,
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
                "Sound files still used by a call flow are deleted anyway.",
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
            ),
        ),
        Method(
            "SoundFiles",
            "uploadSoundFileData",
            Verb.POST,
            "Uploads sound files (legacy name known only from the Ruby client).",
            payload=Payload("sound_file", fields=SOUND_FILE_FIELDS),
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
