"""Contacts as several interfaces use them (the Contacts methods, the contacts a call flow's values
create on the fly)."""

from __future__ import annotations

from typing import Any

PHONES = ("mobile_phone", "home_phone", "business_phone")


def default_display_name(details: dict[str, Any], contact_id: str) -> str:
    name = f"{details.get('first_name') or ''} {details.get('last_name') or ''}".strip()
    return name or details.get("company") or contact_id


def phones_of(details: dict[str, Any]) -> set[str]:
    return {str(details[p]) for p in PHONES if details.get(p)}
