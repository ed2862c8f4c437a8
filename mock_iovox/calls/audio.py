"""Recordings as real MP3 (DECISIONS.md §5): speech-like audio rendered from the call id alone.

Two "speakers" take turns with syllables of voiced tones (a fundamental plus harmonics under a
smooth envelope) separated by short pauses and a little line hiss; a voicemail starts with the
familiar beep and has one speaker. Everything is drawn from a `random.Random` seeded by the call id,
and the syllable shapes are fixed tables, so a re-render is byte-identical. 16 kHz mono at 24 kbit/s
keeps a two-minute recording around 360 KB and its encoding well under a second.
"""

from __future__ import annotations

import math
import random
from array import array
from functools import cache

import lameenc

SAMPLE_RATE = 16_000
BITRATE_KBPS = 24
#: samples LAME adds in front and behind (encoder delay + padding, about two frames of 576 at 16 kHz);
#: fed that much less audio, the file plays for the intended length
ENCODER_OVERHEAD = 1152

_PITCHES = (105.0, 120.0, 140.0, 185.0, 210.0, 235.0)  # Hz: three lower, three higher voices
_LENGTHS = (0.09, 0.14, 0.2, 0.27)  # seconds per syllable
_VOWELS = ((1.0, 0.55, 0.3), (1.0, 0.3, 0.5), (1.0, 0.7, 0.15))  # harmonic weights: vowel colour


@cache
def _syllable(pitch: int, length: int, vowel: int) -> bytes:
    """One syllable as 16-bit little-endian PCM (memoised: a handful of shapes reused everywhere)."""
    f0 = _PITCHES[pitch]
    n = int(_LENGTHS[length] * SAMPLE_RATE)
    weights = _VOWELS[vowel]
    norm = sum(weights)
    out = array("h")
    for i in range(n):
        t = i / SAMPLE_RATE
        envelope = math.sin(math.pi * i / n) ** 2
        glide = f0 * (1.0 + 0.08 * (i / n))  # a slight rise, as in speech
        value = sum(w * math.sin(2 * math.pi * glide * (h + 1) * t) for h, w in enumerate(weights))
        out.append(int(9000 * envelope * value / norm))
    return out.tobytes()


@cache
def _hiss() -> bytes:
    """One second of quiet noise, sliced for the pauses."""
    rng = random.Random(20260105)
    return array("h", (int(rng.gauss(0, 120)) for _ in range(SAMPLE_RATE))).tobytes()


@cache
def _beep() -> bytes:
    n = int(0.4 * SAMPLE_RATE)
    return array(
        "h", (int(7000 * math.sin(2 * math.pi * 1000 * i / SAMPLE_RATE)) for i in range(n))
    ).tobytes()


def _pause(rng: random.Random, seconds: float) -> bytes:
    n = max(1, int(seconds * SAMPLE_RATE))
    start = int(rng.random() * (SAMPLE_RATE - n)) if n < SAMPLE_RATE else 0
    return (_hiss() * (1 + n // SAMPLE_RATE))[start * 2 : (start + n) * 2]


def speech_pcm(seed: str, seconds: int, voicemail: bool = False) -> bytes:
    """`seconds` of speech-like PCM (16-bit mono) determined by `seed`."""
    rng = random.Random(seed)
    wanted = max(0, seconds * SAMPLE_RATE - ENCODER_OVERHEAD) * 2
    parts: list[bytes] = []
    size = 0
    if voicemail:
        parts += [_pause(rng, 0.3), _beep(), _pause(rng, 0.5)]
        size = sum(len(p) for p in parts)
    speakers = (rng.randrange(3), 3 + rng.randrange(3))
    turn = 0
    while size < wanted:
        voice = speakers[0] if voicemail else speakers[turn % 2]
        for _ in range(rng.randint(3, 14)):  # syllables in this turn
            chunk = _syllable(voice, rng.randrange(len(_LENGTHS)), rng.randrange(len(_VOWELS)))
            gap = _pause(rng, rng.uniform(0.02, 0.06) if rng.random() < 0.8 else rng.uniform(0.15, 0.3))
            parts += [chunk, gap]
            size += len(chunk) + len(gap)
        gap = _pause(rng, rng.uniform(0.3, 0.9))
        parts.append(gap)
        size += len(gap)
        turn += 1
    return b"".join(parts)[:wanted]


def render_mp3(seed: str, seconds: int, voicemail: bool = False) -> bytes:
    """A playable MP3 of about `seconds` seconds (within a frame), byte-identical for the same input."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    pcm = speech_pcm(seed, max(1, seconds), voicemail)
    return bytes(encoder.encode(pcm)) + bytes(encoder.flush())
