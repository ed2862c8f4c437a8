"""A parsed call flow: typed, walkable, immutable once built.

`Flow.rules` is the top-level sequence; each `Rule` carries its attributes, its messages and its
branches (callEvent / keyEvent / failure), each branch its own sequence of rules. `Flow.by_id`
finds any rule by its id; `Flow.variable_rules` lists the rules that have `?` slots, in document
order (what getVariableRulesOfTemplate shows and rules_variable fills).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from mock_iovox.flows.vocabulary import RuleSpec
from mock_iovox.xmlio import XNode


@dataclass(frozen=True, slots=True)
class SoundRef:
    group: str
    label: str

    @property
    def ref(self) -> str:
        """As the rules API writes a sound file: `group|label` (just the label without a group)."""
        return f"{self.group}|{self.label}" if self.group else self.label

    @classmethod
    def parse(cls, ref: str) -> SoundRef:
        group, sep, label = ref.partition("|")
        return cls(group.strip(), label.strip()) if sep else cls("", ref.strip())


@dataclass(slots=True)
class Message:
    """A message (callerMessage, play's sound files …): fixed sound files and/or a `?` part."""

    element: str
    parts: list[SoundRef] = field(default_factory=list)
    #: how many `<soundFile soundLabel="?"/>` it holds (each shown as `?|?` while unset)
    open_parts: int = 0
    #: the rules_variable slot that fills the `?` part
    slot: str | None = None

    @property
    def variable(self) -> bool:
        return self.open_parts > 0


@dataclass(slots=True)
class Branch:
    """One way out of a rule: `callEvent` (results), `keyEvent` (keys) or `failure`."""

    kind: str
    #: callEvent results (ANSWERED …) or the keypress sequence of a keyEvent; empty for failure
    matches: tuple[str, ...] = ()
    attempts: int | None = None
    id: str = ""
    label: str = ""
    messages: list[Message] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


@dataclass(slots=True)
class Rule:
    spec: RuleSpec
    id: str
    label: str
    attrs: dict[str, str] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    #: messageKeypress: the prompt played before waiting for keys
    play: Rule | None = None
    branches: list[Branch] = field(default_factory=list)

    @property
    def element(self) -> str:
        return self.spec.element

    @property
    def rule_type(self) -> str:
        return self.spec.rule_type

    @property
    def slots(self) -> list[str]:
        """The rules_variable slots this rule leaves open (`contact/phone_number`, `caller_message` …)."""
        out: list[str] = []
        for a in self.spec.attrs:
            if a.slot and self.attrs.get(a.name) == "?":
                out.append(a.slot)
        for m in self.all_messages():
            if m.variable and m.slot:
                out.append(m.slot)
        return out

    def open_parts(self, slot: str) -> int:
        """How many `?` sound files the messages filled by `slot` hold."""
        return sum(m.open_parts for m in self.all_messages() if m.slot == slot)

    def all_messages(self) -> Iterator[Message]:
        yield from self.messages
        if self.play is not None:
            yield from self.play.messages
        for b in self.branches:
            yield from b.messages

    def children(self) -> Iterator[Rule]:
        """Rules directly below this one (the nested play, then each branch's rules)."""
        if self.play is not None:
            yield self.play
        for b in self.branches:
            yield from b.rules


@dataclass(slots=True)
class Flow:
    kind: str
    name: str
    notes: str
    rules: list[Rule]
    #: the <callFlow>/<smsFlow>/<emailFlow> element as stored (newName already applied)
    source: XNode
    new_name: str = ""
    by_id: dict[str, Rule] = field(default_factory=dict)

    def walk(self) -> Iterator[Rule]:
        """Every rule, depth first, in document order."""
        stack = list(reversed(self.rules))
        while stack:
            rule = stack.pop()
            yield rule
            stack.extend(reversed(list(rule.children())))

    @property
    def variable_rules(self) -> list[Rule]:
        """Rules with `?` slots; a messageKeypress's nested play is reported through its parent."""
        nested = {r.play.id for r in self.walk() if r.play is not None}
        return [r for r in self.walk() if r.id not in nested and r.slots]

    @property
    def sound_refs(self) -> list[SoundRef]:
        seen: dict[SoundRef, None] = {}
        for rule in self.walk():
            for m in rule.messages:
                seen.update(dict.fromkeys(m.parts))
            for b in rule.branches:
                for m in b.messages:
                    seen.update(dict.fromkeys(m.parts))
        return list(seen)

    @property
    def advanced(self) -> bool:
        """Menus, web hooks and event handlers make a flow "advanced" (getRuleTemplates `a`)."""
        return any(r.element in ("messageKeypress", "httpRequest") or r.branches for r in self.walk())
