"""Sound-file bodies as PHP's serializer writes them, and real audio to put in them."""

from __future__ import annotations

import base64
import io
import wave

from mock_iovox.calls.audio import render_mp3

MP3 = render_mp3("sound-test", 1)
MP3_B64 = base64.b64encode(MP3).decode()


def make_wav(seconds: float = 0.5) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x00" * int(8000 * seconds))
    return buf.getvalue()


WAV = make_wav()
WAV_B64 = base64.b64encode(WAV).decode()


def php_item(label: str, data: str | None = MP3_B64, group: str | None = None, **extra: str) -> str:
    """One <sound_file> item as PHP's serializer writes it (2-space indent, nulls dropped)."""
    lines = [f"    <sound_label>{label}</sound_label>"]
    if data is not None:
        lines.append(f"    <sound_file>{data}</sound_file>")
    if group is not None:
        lines.append(f"    <sound_group>{group}</sound_group>")
    lines += [f"    <{k}>{v}</{k}>" for k, v in extra.items()]
    return "  <sound_file>\n" + "\n".join(lines) + "\n  </sound_file>\n"


def php_request(*items: str) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n<request>\n' + "".join(items) + "</request>\n"
