"""Sound files as domain (SPEC.md §5.7): what an upload must be, and who refers to a sound file.

A sound file is addressed by (sound_group, sound_label); the default group is "" (the call-flow XML
writes `<soundFile soundLabel=".." soundGroup=""/>`, and rule values write `group|label`). Uploads are
base64 text that must decode to real MP3 or WAV audio, checked with mutagen's parsers (a well-kept
pure-Python tag/stream reader) so that a renamed text file or random bytes are refused.

`sound_file_in_use` is the one place that decides whether call flows refer to a sound file: the
flows handlers and the call engine can ask it too.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox import xmlio
from mock_iovox.db import CallFlow, Link, LinkRuleValue, SoundFile
from mock_iovox.errors import IovoxError

DEFAULT_GROUP = ""
MP3_TYPE = "audio/mpeg"
WAV_TYPE = "audio/wav"
#: characters that would break the `label;group,…` list of deleteSoundFiles or a `group|label` value
RESERVED = re.compile(r"[;,|]")
#: group names the mock keeps for itself (the vendor's forbidden groups are not known)
SYSTEM_GROUPS = frozenset({"SYSTEM", "IOVOX"})
_SPACE = re.compile(rb"\s+")
#: what a sound file for calls can plausibly be (issue 25; the vendor's 5 MB aside, its limits are not
#: known): channels, sample rates, and the length its headers may claim
MAX_CHANNELS = 8
SAMPLE_RATES = (8000, 192_000)
MAX_SECONDS = 3 * 3600


def decoded_size(text: str) -> int:
    """The number of bytes `text` decodes to, known without decoding it (whitespace ignored)."""
    data = text.encode("ascii", "replace")
    stripped = len(data) - sum(len(m) for m in _SPACE.findall(data))
    padding = len(data.rstrip()) - len(data.rstrip().rstrip(b"="))
    return max(0, stripped * 3 // 4 - min(padding, 2))


def decode_base64(text: str) -> bytes | None:
    """Strict base64 (line breaks allowed, as MIME writers put them), or None."""
    try:
        return base64.b64decode(_SPACE.sub(b"", text.encode("ascii")), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def _wav_consistent(data: bytes) -> bool:
    """The RIFF headers agree with the bytes there are: the RIFF and data sizes within the file,
    channels and sample rate plausible (mutagen believes the sizes a file declares)."""
    if len(data) < 12 or data[8:12] != b"WAVE" or int.from_bytes(data[4:8], "little") > len(data) - 8:
        return False
    at, fmt_ok, data_ok = 12, False, False
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if size > len(data) - at - 8:
            return False
        if chunk == b"fmt " and size >= 16:
            channels = int.from_bytes(data[at + 10 : at + 12], "little")
            rate = int.from_bytes(data[at + 12 : at + 16], "little")
            fmt_ok = 1 <= channels <= MAX_CHANNELS and SAMPLE_RATES[0] <= rate <= SAMPLE_RATES[1]
        elif chunk == b"data":
            data_ok = True
        at += 8 + size + (size & 1)
    return fmt_ok and data_ok


def sniff_audio(data: bytes) -> str | None:
    """The content type of `data` if it is MP3 or WAV audio with a plausible length, channels and
    sample rate (its declared sizes within the bytes there are), else None."""
    # imported at the first upload, not by every start (issue 13)
    from mutagen.mp3 import MP3
    from mutagen.wave import WAVE

    is_wav = data[:4] == b"RIFF"
    if is_wav and not _wav_consistent(data):
        return None
    parser: Any = WAVE if is_wav else MP3
    try:
        info = parser(io.BytesIO(data)).info
    except Exception:  # any parser failure on untrusted bytes means "not audio"
        return None
    if not info.length or not 0 < info.length <= MAX_SECONDS:
        return None
    if not 1 <= getattr(info, "channels", 1) <= MAX_CHANNELS:
        return None
    return WAV_TYPE if is_wav else MP3_TYPE


def group_forbidden(group: str) -> bool:
    return group.strip().upper() in SYSTEM_GROUPS or bool(RESERVED.search(group))


def reference(group: str, label: str) -> str:
    """The `group|label` value rules carry for a sound file."""
    return f"{group}|{label}"


def find_sound_file(session: Session, account_pk: int, label: str, group: str | None) -> SoundFile | None:
    """The file `label` of `group`; with no group given, the default group's, else the oldest file of
    that label in any group (getSoundFileData documents sound_group as optional)."""
    stmt = select(SoundFile).where(SoundFile.account_pk == account_pk, SoundFile.sound_label == label)
    if group is not None:
        return session.scalar(stmt.where(SoundFile.sound_group == group))
    candidates = list(session.scalars(stmt.order_by(SoundFile.pk)))
    for candidate in candidates:
        if candidate.sound_group == DEFAULT_GROUP:
            return candidate
    return candidates[0] if candidates else None


def _flow_refers(node: xmlio.XNode, label: str, group: str) -> bool:
    attrib = node.attrib
    if node.tag == "soundFile" and (attrib.get("soundLabel"), attrib.get("soundGroup", "")) == (label, group):
        return True
    return any(_flow_refers(child, label, group) for child in node.children)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def sound_file_in_use(session: Session, account_pk: int, label: str, group: str) -> bool:
    """Whether a call flow of the account plays this sound file (a `<soundFile>` element of its XML)
    or a link's rule values fix it (`group|label`)."""
    # narrow in SQL by the longest part of the label that XML and JSON both write as it is
    plain = max(re.split(r"[^\x20-\x7e]|[&<>\"'\\]", label), key=len)
    flows = session.scalars(
        select(CallFlow.xml).where(
            CallFlow.account_pk == account_pk, CallFlow.xml.contains(plain, autoescape=True)
        )
    )
    for xml in flows:
        try:
            root = xmlio.parse(xml.encode())
        except IovoxError:  # a stored flow was validated on the way in; be safe anyway
            continue
        if _flow_refers(root, label, group):
            return True
    wanted = reference(group, label)
    values = session.scalars(
        select(LinkRuleValue.values_json)
        .join(Link, Link.pk == LinkRuleValue.link_pk)
        .where(Link.account_pk == account_pk, LinkRuleValue.values_json.contains(plain, autoescape=True))
    )
    for raw in values:
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if any(text == wanted for text in _strings(data)):
            return True
    return False
