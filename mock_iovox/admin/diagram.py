"""A call flow as a tree for the portal (templates/diagram.html draws it as nested boxes in
HTML/CSS: no script): rules as boxes with their kind and attributes, branches (key presses, call
events, failure) as labelled edges. Built from the flows/ module's parsed Flow, never reparsed.

An attribute or sound file left `?` shows as `?` (state "open"), or, on a link's page, the link's
own value (state "link"). With a call's trace, the rules and branches it took are marked.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from mock_iovox.flows import values as V
from mock_iovox.flows.model import Branch, Flow, Message, Rule

VARIABLE = "?"


@dataclass(slots=True)
class Value:
    name: str
    text: str
    #: fixed | open (`?`, unset) | link (the link's own value)
    state: str = "fixed"


@dataclass(slots=True)
class Edge:
    label: str
    kind: str
    boxes: list[Box]
    taken: bool = False


@dataclass(slots=True)
class Box:
    kind: str
    id: str
    label: str
    values: list[Value] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    taken: bool = False


def _attrs(rule: Rule, values: V.Values | None) -> list[Value]:
    out = []
    for attr in rule.spec.attrs:
        raw = rule.attrs.get(attr.name)
        if raw is None:
            continue
        if raw == VARIABLE and attr.slot:
            given = str((values or {}).get(attr.slot) or "")
            out.append(Value(attr.name, given, "link") if given else Value(attr.name, VARIABLE, "open"))
        else:
            out.append(Value(attr.name, raw))
    known = {a.name for a in rule.spec.attrs}
    out.extend(Value(k, v) for k, v in rule.attrs.items() if k not in known and k not in ("id", "label"))
    return out


def _message(message: Message, values: V.Values | None) -> list[Value]:
    fixed = ", ".join(p.ref for p in message.parts)
    out = [Value(message.element, fixed)] if fixed else []
    if message.variable:
        given = (values or {}).get(message.slot or "") or []
        if given:
            out.append(Value(message.element, ", ".join(str(g) for g in given), "link"))
        else:
            out.append(Value(message.element, ", ".join([VARIABLE] * message.open_parts), "open"))
    return out


def edge_label(branch: Branch) -> str:
    if branch.kind == "keyEvent":
        text = "key " + " / ".join(branch.matches)
    elif branch.kind == "failure":
        text = "failure"
    else:
        text = " / ".join(branch.matches) or branch.kind
    if branch.attempts:
        text += f" (attempts {branch.attempts})"
    return text


def _box(rule: Rule, link: Mapping[str, V.Values], owner: Rule | None, taken: Collection[str]) -> Box:
    values = link.get((owner or rule).id)
    box = Box(rule.element, rule.id, rule.label, _attrs(rule, values), taken=rule.id in taken)
    for message in rule.messages:
        box.values.extend(_message(message, values))
    if rule.play is not None:
        prompt = _box(rule.play, link, rule, taken)
        box.edges.append(Edge("prompt", "play", [prompt], prompt.taken))
    for branch in rule.branches:
        boxes = [_box(r, link, None, taken) for r in branch.rules]
        edge = Edge(edge_label(branch), branch.kind, boxes)
        edge.taken = bool(branch.id and branch.id in taken) or any(b.taken for b in boxes)
        if branch.kind == "failure" and "failure" in taken and box.taken:
            edge.taken = True
        for message in branch.messages:
            if message.variable or message.parts:
                # a failure's own messages (no_key_message …) read as a box of their own
                boxes.insert(
                    0, Box("message", "", "", _message(message, link.get(rule.id)), taken=edge.taken)
                )
        box.edges.append(edge)
    return box


def tree(flow: Flow, link: Mapping[str, V.Values] | None = None, taken: Collection[str] = ()) -> list[Box]:
    """The flow's top-level rules as boxes (their branches below them)."""
    return [_box(r, link or {}, None, taken) for r in flow.rules]
