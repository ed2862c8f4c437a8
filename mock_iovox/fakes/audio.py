"""Fixture section `sound_files` of an account: playable MP3 prompts rendered at load time (nothing
binary is committed), byte-identical for the same label and length. Loaded before the other
sections of the package (module order), so that call flows may play them; stamped with the
fixture's epoch without advancing the loader's clock, so that other sections' times do not move.

    sound_files:
      - {sound_label: Welcome, sound_group: IVR, seconds: 3, notes: Menu greeting}
      - {sound_label: Voicemail greeting, seconds: 2}     # sound_group "" = the default group
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_iovox.calls.audio import render_mp3
from mock_iovox.db import Account, SoundFile
from mock_iovox.domain.soundfiles import MP3_TYPE, group_forbidden
from mock_iovox.fakes.fixtures import FixtureError, Loader, account_section

#: longest prompt a fixture may render (keeps loading fast)
MAX_SECONDS = 30


@account_section("sound_files")
def load_sound_files(loader: Loader, account: Account, data: Any, place: str) -> None:
    if not isinstance(data, list):
        raise FixtureError(f"{loader.where}: {place}: expected a list")
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(data, 1):
        where = f"{place}[{i}]"
        if not isinstance(item, Mapping):
            raise FixtureError(f"{loader.where}: {where}: expected a mapping")
        label = loader.need(item, "sound_label", where)
        group = str(item.get("sound_group") or "")
        seconds = item.get("seconds", 2)
        if not isinstance(seconds, int) or not 1 <= seconds <= MAX_SECONDS:
            raise FixtureError(f"{loader.where}: {where}: 'seconds' must be an integer 1..{MAX_SECONDS}")
        if group_forbidden(group) or (group, label) in seen:
            raise FixtureError(
                f"{loader.where}: {where}: sound group {group!r} / label {label!r} not allowed"
            )
        seen.add((group, label))
        audio = render_mp3(f"sound:{group}|{label}", seconds)
        stamp = loader.epoch
        loader.session.add(
            SoundFile(
                account_pk=account.pk,
                sound_label=label,
                sound_group=group,
                data=audio,
                content_type=MP3_TYPE,
                content_length=len(audio),
                notes=str(item.get("notes") or ""),
                created_at=stamp,
                updated_at=stamp,
            )
        )
