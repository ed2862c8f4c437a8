"""Stage 6 of the checks (DECISIONS.md §2): a parsed request body against the catalogue.

Reading is lenient where the clients differ (CLIENT-WIRE.md §3.4): any element order, empty elements
and `xsi:nil` mean "not supplied", a list wrapper may be repeated (PHP) or absent, a repeated scalar may
be double-wrapped (Ruby's Gyoku). Validation is strict and item-indexed: `<Field> x of y <Problem>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_iovox import errors
from mock_iovox.catalog.model import DEFAULT_MAX_ITEMS, Payload, PField, PType, text_limit
from mock_iovox.errors import ErrorList
from mock_iovox.params import coerce
from mock_iovox.xmlio import XNode

#: Item-dict keys that carry bookkeeping rather than vendor fields.
EXTRA = "_extra"


@dataclass(slots=True)
class Body:
    items: list[dict[str, Any]] = field(default_factory=list)
    top: dict[str, Any] = field(default_factory=dict)
    raw: XNode | None = None


def _matches(node: XNode, f: PField) -> bool:
    return node.tag == f.name or node.tag in f.aliases


def _leaf_values(node: XNode, keep_blank: bool = False, inner: bool = False) -> list[str]:
    """Texts of a repeated scalar: `<x>v</x>`, `<xs><x>v</x>…</xs>` or Gyoku's `<x><x>v</x>…</x>`.

    `keep_blank`: a blank item inside the list (`<xs><x/></xs>`, not `xsi:nil`) is kept as "", so
    that the method can answer its own "x of y is empty"; a blank list itself still holds nothing."""
    if not node.children:
        if node.value or (keep_blank and inner and not node.nil):
            return [node.value]
        return []
    out: list[str] = []
    for child in node.children:
        out.extend(_leaf_values(child, keep_blank, True))
    return out


def _items_of(parent: XNode, spec: Payload) -> list[XNode]:
    if spec.item is None:
        return []
    if spec.wrapper:
        wrappers = parent.find_all(spec.wrapper)
        found = [item for w in wrappers for item in w.find_all(spec.item)]
        # a caller that left the wrapper out still gets its items read
        return found or parent.find_all(spec.item)
    return parent.find_all(spec.item)


def _value_error(f: PField, errs: ErrorList, index: tuple[int, int] | None) -> None:
    if f.invalid:
        template = f.invalid
    elif f.type is PType.INTEGER:
        template = errors.ITEM_NOT_INTEGER if index else errors.PARAM_NOT_INTEGER
    else:
        template = errors.ITEM_INVALID if index else errors.TOP_INVALID
    x, y = index or (0, 0)
    errs.add(template, label=f.label, x=x, y=y)


def _read_fields(
    node: XNode, fields: tuple[PField, ...], errs: ErrorList, index: tuple[int, int] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    x, y = index or (0, 0)
    # the children by tag, in document order: one pass, not one per field
    by_tag: dict[str, list[XNode]] = {}
    for child in node.children:
        by_tag.setdefault(child.tag, []).append(child)
    for f in fields:
        matches = [c for c in node.children if _matches(c, f)] if f.aliases else by_tag.get(f.name, [])
        if f.nested is not None:
            out[f.name] = read_items(matches, f.nested, errs) if matches else []
            present = bool(out[f.name])
        elif f.many:
            values = [v for m in matches for v in _leaf_values(m, f.keep_blank)]
            out[f.name] = values
            present = bool(values)
            limit = text_limit(f)
            if limit is not None and any(len(v) > limit for v in values):
                errs.add(errors.ITEM_TOO_LONG if index else errors.TOP_INVALID, label=f.label, x=x, y=y)
        else:
            raw = next((m.value for m in matches if m.value), "")
            present = raw != ""
            out[f.name] = None
            if present:
                limit = text_limit(f)
                if limit is not None and len(raw) > limit:
                    errs.add(errors.ITEM_TOO_LONG if index else errors.TOP_INVALID, label=f.label, x=x, y=y)
                    continue
                ok, converted = coerce(f.type, raw, f.choices)
                if ok:
                    out[f.name] = converted
                else:
                    _value_error(f, errs, index)
        # a blank element (not xsi:nil) of a blank_is_empty field counts as sent empty
        blank = f.blank_is_empty and any(not m.nil for m in matches)
        if not present and (f.required or blank):
            errs.add(errors.ITEM_EMPTY if index else errors.TOP_EMPTY, label=f.label, x=x, y=y)
    return out


def read_items(containers: list[XNode], spec: Payload, errs: ErrorList) -> list[dict[str, Any]]:
    """Items of a nested list (e.g. a link's categories) found under any of `containers`.

    `containers` are the elements named after the nested field (the wrapper, e.g. `<categories>`);
    empty ones (PHP's `<categories/>`) simply hold no items.
    """
    # an empty item element is not supplied (DECISIONS.md §1, §7): the PHP client writes
    # `<rules_variable><rule/></rules_variable>` whenever its caller passes no values
    nodes = [
        item
        for c in containers
        for item in (c.find_all(spec.item) if spec.item else [])
        if item.children or item.value
    ]
    if not nodes and spec.item is None:  # a single nested record such as additional_information
        nodes = [c for c in containers if c.children]
    return _read_nodes(nodes, spec, errs)


def _read_nodes(nodes: list[XNode], spec: Payload, errs: ErrorList) -> list[dict[str, Any]]:
    total = len(nodes)
    known = {n for f in spec.fields for n in (f.name, *f.aliases)}
    items = []
    for i, node in enumerate(nodes, 1):
        item = _read_fields(node, spec.fields, errs, (i, total))
        if spec.open_fields:
            item[EXTRA] = {c.tag: c.value for c in node.children if c.tag not in known}
        items.append(item)
    return items


def read_body(root: XNode, spec: Payload, errs: ErrorList) -> Body:
    """Read the body; `Request Empty` (alone) when a method that needs items got none."""
    if spec.raw:
        if not root.children:
            errs.add(errors.REQUEST_EMPTY)
        return Body(raw=root)
    nodes = _items_of(root, spec)
    if spec.max_items is None and len(nodes) > DEFAULT_MAX_ITEMS:
        # alone: one error, not one per item (issue 14: error amplification)
        errs.add(errors.TOO_MANY_ITEMS, max=DEFAULT_MAX_ITEMS)
        return Body()
    if spec.require_items and spec.item is not None and not nodes:
        errs.add(errors.REQUEST_EMPTY)
        return Body()
    if spec.item is None and spec.require_items and not any(c.value or c.children for c in root.children):
        errs.add(errors.REQUEST_EMPTY)
        return Body()
    top = _read_fields(root, spec.top, errs, None)
    return Body(items=_read_nodes(nodes, spec, errs), top=top)
