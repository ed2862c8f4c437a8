"""One way to show a phone number on every portal page: E.164 with its `+`, grouped for reading
(`+44 7700 900123`) by the phonenumbers library; a withheld number reads "withheld"."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

WITHHELD = "withheld"


@lru_cache(maxsize=4096)
def phone(value: object) -> str:
    """`447700900123`, `+447700900123` or `0044…` -> `+44 7700 900123`; anything else as given."""
    text = str(value or "").strip()
    if not text:
        return WITHHELD
    digits = text[2:] if text.startswith("00") else text.lstrip("+")
    if not digits.isdigit():
        return text
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return "+" + digits
    if not phonenumbers.is_possible_number(parsed):
        return "+" + digits
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
