"""Reading and validating a flow document (the body of createCallFlow/updateCallFlow/createFlow …).

`read_flow` walks the parsed body once and collects every problem as a `Problem` (an error key of
the catalogue's FLOW_XML_ERRORS plus its fields), so the handler reports them all together. Sound
file references are returned for the caller to check against the account (`Flow.sound_refs`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mock_iovox import xmlio
from mock_iovox.catalog.callflow import (
    MAX_FLOW_BYTES,
    MAX_RULE_DEPTH,
    MAX_RULES,
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    RULE_ID_MAX_LENGTH,
)
from mock_iovox.flows.model import Branch, Flow, Message, Rule, SoundRef
from mock_iovox.flows.vocabulary import (
    CALL_EVENT_ACTION,
    CALL_RESULTS,
    FAILURE_MESSAGES,
    FLOW_ROOTS,
    KEY_EVENT_ACTION,
    KEYPRESS,
    RULES,
    VARIABLE,
    RuleSpec,
)
from mock_iovox.xmlio import XNode

#: the documented texts for two missing attributes; any other uses `attribute_empty`
_EMPTY_KEYS = {
    "destinationPhoneNumber": "destination_phone_empty",
    "destinationContactId": "destination_contact_empty",
}
_HANDLER_WRAPPERS = ("eventHandlers", "eventHandler")
_KEYPRESS = re.compile(KEYPRESS)


@dataclass(frozen=True, slots=True)
class Problem:
    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)


class FlowError(Exception):
    """The flow document has problems (all of them, in document order, without repeats)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass(slots=True)
class _Reader:
    kind: str
    rules_of_kind: Mapping[str, RuleSpec]
    problems: list[Problem] = field(default_factory=list)
    by_id: dict[str, Rule] = field(default_factory=dict)

    def add(self, key: str, **fields: Any) -> None:
        problem = Problem(key, fields)
        if problem not in self.problems:  # "Rule Label Empty" once, not once per rule
            self.problems.append(problem)

    # -- rules ------------------------------------------------------------------------------------

    def rules(self, nodes: list[XNode]) -> list[Rule]:
        out = []
        for node in nodes:
            spec = self.rules_of_kind.get(node.tag)
            if spec is None:
                self.add("rule_type_invalid", value=node.tag)
                continue
            out.append(self.rule(node, spec))
        return out

    def rule(self, node: XNode, spec: RuleSpec, message_slot: str | None = None) -> Rule:
        rule_id = node.attrib.get("id", "").strip()
        label = node.attrib.get("label", "").strip()
        if not rule_id:
            self.add("rule_id_empty")
        elif len(rule_id) > RULE_ID_MAX_LENGTH:
            self.add("rule_id_too_long")
        elif rule_id in self.by_id:
            # the play page documents its own text; the other rule pages are cut before theirs
            if spec.element == "play":
                self.add("play_rule_id_duplicate")
            else:
                self.add("rule_id_duplicate", value=rule_id)
        if not label:
            self.add("rule_label_empty")
        rule = Rule(spec, rule_id, label, dict(node.attrib))
        if rule_id and rule_id not in self.by_id:
            self.by_id[rule_id] = rule
        name = rule_id or spec.element
        self.attributes(node, spec, name)
        sounds = [c for c in node.children if c.tag == "soundFile"]
        if spec.inline_sounds:
            rule.messages.append(
                self.message(node, message_slot or spec.inline_sounds, sounds, required=True)
            )
        present = set()
        for child in node.children:
            if child.tag == "soundFile" and spec.inline_sounds:
                continue
            if child.tag in spec.messages:
                present.add(child.tag)
                rule.messages.append(
                    self.message(child, spec.messages[child.tag], child.find_all("soundFile"), name=name)
                )
            elif child.tag in _HANDLER_WRAPPERS and spec.events:
                rule.branches.extend(self.branches(child, spec.events, name))
            elif child.tag == "play" and spec.nested_play and rule.play is None:
                rule.play = self.rule(child, self.rules_of_kind["play"], message_slot=spec.nested_play)
            else:
                self.add("element_invalid", value=child.tag, rule=name)
        if any(m not in present for m in spec.required_messages):
            self.add("message_empty")
        return rule

    def attributes(self, node: XNode, spec: RuleSpec, name: str) -> None:
        for attr in spec.attrs:
            value = node.attrib.get(attr.name, "").strip()
            if not value:
                # one of a group is `… Empty` when given empty (DECISIONS.md §7)
                if attr.required or (attr.name in spec.one_of and attr.name in node.attrib):
                    self.empty(attr.name)
                continue
            if value == VARIABLE:
                if attr.slot is None:
                    self.add("attribute_invalid", attribute=attr.name, rule=name)
                continue
            bad_choice = attr.choices and value.upper() not in {c.upper() for c in attr.choices}
            bad_pattern = attr.pattern and not re.fullmatch(attr.pattern, value)
            if bad_choice or bad_pattern:
                self.add("attribute_invalid", attribute=attr.name, rule=name)

        if spec.one_of and not any(name in node.attrib for name in spec.one_of):
            self.empty(spec.one_of[0])

    def empty(self, attribute: str) -> None:
        self.add(_EMPTY_KEYS.get(attribute, "attribute_empty"), attribute=attribute)

    def message(
        self, node: XNode, slot: str, sounds: list[XNode], *, required: bool = True, name: str = ""
    ) -> Message:
        msg = Message(node.tag, slot=slot)
        for sound in sounds:
            label = sound.attrib.get("soundLabel", "").strip()
            group = sound.attrib.get("soundGroup", "").strip()
            if label == VARIABLE:
                msg.open_parts += 1
            elif label:
                msg.parts.append(SoundRef(group, label))
        if required and not msg.parts and not msg.variable:
            self.add("message_empty")
        for child in node.children:
            if child.tag != "soundFile" and node.tag not in self.rules_of_kind:
                self.add("element_invalid", value=child.tag, rule=name or node.tag)
        return msg

    # -- branches ---------------------------------------------------------------------------------

    def branches(self, wrapper: XNode, event: str, name: str) -> list[Branch]:
        out = []
        for child in wrapper.children:
            if child.tag == event:
                out.append(self.event(child, name))
            elif child.tag == "failure":
                out.append(self.failure(child, name))
            else:
                self.add("element_invalid", value=child.tag, rule=name)
        return out

    def event(self, node: XNode, name: str) -> Branch:
        action = node.attrib.get("action", "").strip()
        if node.tag == "callEvent":
            results = tuple(r.strip() for r in node.attrib.get("result", "").split("|"))
            if not all(r in CALL_RESULTS for r in results):
                self.add("attribute_invalid", attribute="result", rule=name)
            if action != CALL_EVENT_ACTION:
                self.add("attribute_invalid", attribute="action", rule=name)
            matches = results
        else:
            keys = node.attrib.get("keypressSequence", "").strip()
            if not _KEYPRESS.fullmatch(keys):
                self.add("attribute_invalid", attribute="keypressSequence", rule=name)
            if action != KEY_EVENT_ACTION:
                self.add("attribute_invalid", attribute="action", rule=name)
            matches = (keys,)
        return Branch(node.tag, matches, rules=self.rules(node.children))

    def failure(self, node: XNode, name: str) -> Branch:
        branch = Branch("failure", id=node.attrib.get("id", "").strip(), label=node.attrib.get("label", ""))
        attempts = node.attrib.get("attempts", "").strip()
        if attempts:
            if attempts.isdigit():
                branch.attempts = int(attempts)
            else:
                self.add("attribute_invalid", attribute="attempts", rule=name)
        if branch.id and branch.id in self.by_id:
            self.add("rule_id_duplicate", value=branch.id)
        rule_nodes = []
        for child in node.children:
            if child.tag == "keypressFailureMessages":
                for msg in child.children:
                    slot = FAILURE_MESSAGES.get(msg.attrib.get("behaviour", ""))
                    if msg.tag != "keypressFailureMessage" or slot is None:
                        self.add("element_invalid", value=msg.tag, rule=name)
                        continue
                    branch.messages.append(self.message(msg, slot, msg.find_all("soundFile"), name=name))
            else:
                rule_nodes.append(child)
        branch.rules = self.rules(rule_nodes)
        return branch


def flow_elements(body: XNode, kinds: Collection[str]) -> list[XNode]:
    """The flow elements of a request body that these kinds allow."""
    return [c for c in body.children if FLOW_ROOTS.get(c.tag) in kinds]


def _bounds(element: XNode, rule_tags: Collection[str]) -> Problem | None:
    """The first bound of a flow document it passes (rules, their depth, its size), if any; checked
    before the document is read, so a huge one costs one walk."""
    rules = size = deepest = 0
    stack = [(element, 0)]
    while stack:
        node, depth = stack.pop()
        size += len(node.tag) + len(node.text) + sum(len(k) + len(v) for k, v in node.attrib.items())
        if node.tag in rule_tags:
            rules, depth = rules + 1, depth + 1
            deepest = max(deepest, depth)
        if rules > MAX_RULES:
            return Problem("too_many_rules", {"max": MAX_RULES})
        if deepest > MAX_RULE_DEPTH:
            return Problem("rules_too_deep", {"max": MAX_RULE_DEPTH})
        if size > MAX_FLOW_BYTES:
            return Problem("flow_too_large", {"max": MAX_FLOW_BYTES})
        stack.extend((child, depth) for child in node.children)
    return None


def read_flow(element: XNode) -> Flow:
    """Validate one <callFlow>/<smsFlow>/<emailFlow> element; raises FlowError with every problem."""
    kind = FLOW_ROOTS[element.tag]
    too_big = _bounds(element, RULES[kind])
    if too_big is not None:
        raise FlowError([too_big])
    reader = _Reader(kind, RULES[kind])
    name = element.attrib.get("name", "").strip()
    new_name = element.attrib.get("newName", "").strip()
    for value in (name, new_name):
        if len(value) > NAME_MAX_LENGTH:
            reader.add("name_too_long")
    if not name:
        reader.add("name_empty")
    if len(element.attrib.get("notes", "")) > NOTES_MAX_LENGTH:
        reader.add("notes_too_long")
    if not element.children:
        reader.add("no_rules")
    rules = reader.rules(element.children)
    if reader.problems:
        raise FlowError(reader.problems)
    attrib = {k: v for k, v in element.attrib.items() if k not in ("newName", "nil")}
    if new_name:
        attrib["name"] = new_name
    source = XNode(element.tag, attrib, "", element.children)
    return Flow(kind, name, attrib.get("notes", ""), rules, source, new_name, reader.by_id)


@lru_cache(maxsize=512)
def stored_flow(xml: str) -> Flow:
    """A flow as stored in the database (valid by construction), parsed once per process."""
    return read_flow(xmlio.parse(xml.encode()))
