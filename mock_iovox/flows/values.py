"""Per-link values of a flow's `?` slots: read from `rules_variable`, stored as JSON, written back.

Stored values are a flat mapping slot -> value: `contact/contact_id`, `contact/phone_number` …
(strings), message slots such as `caller_message` (lists of `group|label`), `send_call_alert`,
`record_call` (strings). A slot without a value is written as `?` (SPEC.md §5.5).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mock_iovox.flows.model import Message, Rule
from mock_iovox.flows.vocabulary import CONTACT_FIELDS, MESSAGE_SLOTS, SLOT_ORDER, VARIABLE

Values = dict[str, Any]
CONTACT = "contact/"


def message_refs(item: Mapping[str, Any], slot: str) -> list[str]:
    """The sound files a rules_variable item gives for one message slot."""
    if slot == "sound_files":
        return [str(r) for r in item.get("sound_files") or []]
    return [str(r) for record in item.get(slot) or [] for r in record.get("sound_files") or []]


def read_item(rule: Rule, item: Mapping[str, Any]) -> Values:
    """The values a rules_variable item gives for the rule's open slots, except the contact (which
    needs the database); values for slots the template fixes are ignored."""
    values: Values = {}
    for slot in rule.slots:
        if slot in MESSAGE_SLOTS:
            refs = message_refs(item, slot)
            if refs:
                values[slot] = refs
        elif slot == "send_call_alert" and item.get("send_call_alert"):
            values[slot] = str(item["send_call_alert"])
        elif slot == "record_call" and item.get("record_call") is not None:
            values[slot] = "TRUE" if item["record_call"] else "FALSE"
    return values


def dumps(values: Values) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def loads(text: str) -> Values:
    data = json.loads(text or "{}")
    return data if isinstance(data, dict) else {}


def prune(rule: Rule | None, values: Values) -> Values:
    """The values still meaningful after the flow changed (updateCallFlow keeps them by rule id)."""
    if rule is None:
        return {}
    open_slots = set(rule.slots)
    return {k: v for k, v in values.items() if k in open_slots}


#: an unset sound file, as the vendor's getVariableRulesOfTemplate example writes it (group|label)
UNSET_SOUND = "?|?"


def _sound_files(refs: list[str], open_parts: int) -> list[dict[str, str]]:
    # one <sound_files> per file: the JSON mirror is then a list of objects, the shape the PHP
    # models read (PHP-MODELS.md §3 trap 5); a single file stays an object
    return [{"sound_file": r} for r in refs or [UNSET_SOUND] * max(open_parts, 1)]


def render_rule(rule: Rule, values: Values | None = None) -> dict[str, Any]:
    """One `<rule>` of getVariableRulesOfTemplate / getNodeDetails: ids, then each open slot with its
    value or `?`."""
    values = values or {}
    slots = rule.slots
    row: dict[str, Any] = {"rule_id": rule.id, "rule_type": rule.rule_type, "rule_label": rule.label}
    for name in SLOT_ORDER:
        if name == "contact":
            fields = [f for f in CONTACT_FIELDS if CONTACT + f in slots]
            if fields:
                row["contact"] = {f: values.get(CONTACT + f) or VARIABLE for f in fields}
        elif name in slots:
            if name == "sound_files":
                row[name] = _sound_files(values.get(name) or [], rule.open_parts(name))
            elif name in MESSAGE_SLOTS:
                row[name] = {"sound_files": _sound_files(values.get(name) or [], rule.open_parts(name))}
            else:
                row[name] = values.get(name) or VARIABLE
    return row


# ---------------------------------------------------------------------------------------------
# for the call engine: a rule as it runs on one link


def effective_attrs(rule: Rule, values: Values | None = None) -> dict[str, str]:
    """The rule's attributes with each `?` replaced by the link's value ("" while still unset)."""
    values = values or {}
    out = dict(rule.attrs)
    for attr in rule.spec.attrs:
        if attr.slot and out.get(attr.name) == VARIABLE:
            out[attr.name] = str(values.get(attr.slot) or "")
    return out


def effective_sounds(message: Message, values: Values | None = None) -> list[str]:
    """The sound files a message plays on the link (`group|label`): its fixed parts, then the link's
    files for its `?` part."""
    refs = [p.ref for p in message.parts]
    if message.variable and message.slot:
        refs.extend((values or {}).get(message.slot) or [])
    return refs
