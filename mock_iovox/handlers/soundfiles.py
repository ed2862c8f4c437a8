"""SoundFiles (SPEC.md §5.7): upload, list, fetch, rename and delete the account's audio.

What an upload must be (base64 MP3/WAV, size, names) lives in `mock_iovox.domain.soundfiles`; this module
applies it item by item with the vendor's `<Field> x of y <Problem>` errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, tuple_

from mock_iovox.catalog.soundfiles import MAX_FILE_BYTES
from mock_iovox.context import Binary, Ctx, ListResult, SqlExpr, repeated, run_listing
from mock_iovox.db import SoundFile
from mock_iovox.domain.soundfiles import (
    DEFAULT_GROUP,
    RESERVED,
    decode_base64,
    decoded_size,
    find_sound_file,
    group_forbidden,
    sniff_audio,
)
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree


@dataclass(slots=True)
class Audio:
    data: bytes
    content_type: str


def check_audio(ctx: Ctx, text: str | None, x: int, y: int) -> Audio | None:
    """The decoded audio of one item's sound_file, or None after recording why not (an absent
    sound_file was already reported by the payload reader when it is mandatory)."""
    if text is None:
        return None
    if decoded_size(text) > MAX_FILE_BYTES:
        ctx.add("sound_file_too_big", x=x, y=y)
        return None
    data = decode_base64(text)
    if data is None:
        ctx.add("sound_file_invalid", x=x, y=y)
        return None
    content_type = sniff_audio(data)
    if content_type is None:
        ctx.add("sound_file_not_audio", x=x, y=y)
        return None
    return Audio(data, content_type)


def check_names(ctx: Ctx, label: str | None, group: str | None, x: int, y: int) -> None:
    if label and RESERVED.search(label):
        ctx.add("sound_label_invalid", x=x, y=y)
    if group and group_forbidden(group):
        ctx.add("sound_group_forbidden", x=x, y=y)


def existing_files(ctx: Ctx, keys: set[tuple[str, str]]) -> dict[tuple[str, str], SoundFile]:
    """(group, label) -> file, for the keys that exist in the caller's account. One query."""
    if not keys:
        return {}
    rows = ctx.session.scalars(
        select(SoundFile).where(
            SoundFile.account_pk == ctx.account_pk,
            tuple_(SoundFile.sound_group, SoundFile.sound_label).in_(list(keys)),
        )
    )
    return {(f.sound_group, f.sound_label): f for f in rows}


@handles("SoundFiles", "getSoundFiles")
def get_sound_files(ctx: Ctx) -> ListResult:
    p = ctx.params
    stmt = select(SoundFile.pk).where(SoundFile.account_pk == ctx.account_pk)
    if p.get("sound_label"):
        stmt = stmt.where(SoundFile.sound_label == p["sound_label"])
    if p.get("sound_group"):
        stmt = stmt.where(SoundFile.sound_group == p["sound_group"])
    columns: dict[str, SqlExpr] = {
        "id": SoundFile.pk,
        "sl": SoundFile.sound_label,
        "sg": SoundFile.sound_group,
        "cl": SoundFile.content_length,
        "c": SoundFile.created_at,
        "u": SoundFile.updated_at,
        "n": SoundFile.notes,
    }
    return run_listing(ctx, stmt, columns, [SoundFile.pk])


@handles("SoundFiles", "getSoundFileData")
def get_sound_file_data(ctx: Ctx) -> Binary:
    found = find_sound_file(
        ctx.session, ctx.account_pk, ctx.params["sound_label"], ctx.params.get("sound_group")
    )
    if found is None:
        ctx.fail("sound_file_not_found")
    return Binary(found.data, found.content_type)


@handles("SoundFiles", "createSoundFiles")
@handles("SoundFiles", "uploadSoundFileData")
def create_sound_files(ctx: Ctx) -> Tree:
    keys = [(item["sound_group"] or DEFAULT_GROUP, item["sound_label"] or "") for item in ctx.items]
    if repeated(f"{group}\n{label}" for group, label in keys):
        ctx.fail("duplicate_sound_file")
    taken = existing_files(ctx, set(keys))
    total = len(ctx.items)
    audio: list[Audio | None] = []
    for x, (item, key) in enumerate(zip(ctx.items, keys, strict=True), 1):
        check_names(ctx, item["sound_label"], item["sound_group"], x, total)
        if key in taken:
            ctx.add("sound_label_exists", x=x, y=total)
        audio.append(check_audio(ctx, item["sound_file"], x, total))
    ctx.check()
    made: list[SoundFile] = []
    for item, (group, label), sound in zip(ctx.items, keys, audio, strict=True):
        assert sound is not None
        made.append(
            SoundFile(
                account_pk=ctx.account_pk,
                sound_label=label,
                sound_group=group,
                data=sound.data,
                content_type=sound.content_type,
                content_length=len(sound.data),
                notes=item["notes"] or "",
                created_at=ctx.now,
                updated_at=ctx.now,
            )
        )
    ctx.session.add_all(made)
    ctx.session.flush()
    return {
        "sound_files": {
            "sound_file": [
                {"sound_id": f.pk, "sound_label": f.sound_label, "sound_group": f.sound_group} for f in made
            ]
        }
    }


@handles("SoundFiles", "updateSoundFiles")
def update_sound_files(ctx: Ctx) -> None:
    total = len(ctx.items)
    sources = [(item["sound_group"] or DEFAULT_GROUP, item["sound_label"] or "") for item in ctx.items]
    targets = [
        (
            item["new_sound_group"] if item["new_sound_group"] is not None else group,
            item["new_sound_label"] or label,
        )
        for item, (group, label) in zip(ctx.items, sources, strict=True)
    ]
    if repeated(f"{g}\n{lbl}" for g, lbl in sources) or repeated(f"{g}\n{lbl}" for g, lbl in targets):
        ctx.fail("duplicate_sound_file")
    known = existing_files(ctx, set(sources) | set(targets))
    planned: list[tuple[SoundFile, dict[str, Any]]] = []
    for x, (item, source, target) in enumerate(zip(ctx.items, sources, targets, strict=True), 1):
        check_names(ctx, item["new_sound_label"], item["new_sound_group"], x, total)
        sound = check_audio(ctx, item["sound_file"], x, total)
        current = known.get(source)
        if current is None:
            ctx.add("sound_file_not_found", x=x, y=total)
            continue
        holder = known.get(target)
        if holder is not None and holder.pk != current.pk:
            ctx.add("sound_label_exists", x=x, y=total)
        values: dict[str, Any] = {"sound_group": target[0], "sound_label": target[1], "updated_at": ctx.now}
        if item["notes"] is not None:
            values["notes"] = item["notes"]
        if sound is not None:
            values.update(data=sound.data, content_type=sound.content_type, content_length=len(sound.data))
        planned.append((current, values))
    ctx.check()
    for sound_file, values in planned:
        for name, value in values.items():
            setattr(sound_file, name, value)


def split_pairs(raw: str) -> list[tuple[str, str]]:
    """`label;group,label;group` -> [(group, label)]; a pair without `;` is in the default group."""
    out: list[tuple[str, str]] = []
    for part in raw.split(","):
        label, _, group = part.partition(";")
        out.append((group.strip(), label.strip()))
    return out


@handles("SoundFiles", "deleteSoundFiles")
def delete_sound_files(ctx: Ctx) -> None:
    pairs = split_pairs(ctx.params["sound_files"])
    known = existing_files(ctx, {pair for pair in pairs if pair[1]})
    total = len(pairs)
    doomed: set[int] = set()
    for x, pair in enumerate(pairs, 1):
        if not pair[1]:
            ctx.add("sound_label_empty", x=x, y=total)
        elif pair not in known:
            ctx.add("sound_file_not_found", x=x, y=total)
        else:
            doomed.add(known[pair].pk)
    ctx.check()
    # call flows that play a deleted file keep their reference (see the catalogue's guesses)
    ctx.session.execute(delete(SoundFile).where(SoundFile.pk.in_(doomed)))


@handles("SoundFiles", "deleteSoundFile")
def delete_sound_file(ctx: Ctx) -> None:
    found = find_sound_file(
        ctx.session, ctx.account_pk, ctx.params["sound_label"], ctx.params.get("sound_group")
    )
    if found is None:
        ctx.fail("sound_file_not_found")
    ctx.session.delete(found)
