"""The catalogue against the record of the vendor's own error tables (catalog/vendor_tables.py).

Every string a vendor page prints for a method is one the method can emit, exactly (x and y stand
for the item fields); a table read to the end leaves no string of the catalogue unexplained; and
the record covers every catalogued method.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from mock_iovox import errors
from mock_iovox.catalog import all_methods
from mock_iovox.catalog.callflow import FLOW_XML_ERRORS
from mock_iovox.catalog.model import Method, Payload, PField
from mock_iovox.catalog.vendor_tables import CALL_FLOW_PAGES, TABLES, Read, VendorTable

METHODS = {f"{m.interface}.{m.name}": m for m in all_methods()}


def shape(text: str) -> str:
    """Both spellings of an item field (the catalogue's `{x}`, the page's x / X / z) as one mark."""
    return re.sub(r"\b[xyzXYZ]\b", "·", re.sub(r"\{[^}]*\}", "·", text))


def _fields(payload: Payload) -> Iterator[PField]:
    for f in (*payload.fields, *payload.top):
        yield f
        if f.nested is not None:
            yield from _fields(f.nested)


def emittable(method: Method) -> set[str]:
    """Every text the method can answer with: its own table and the generic ones built from it."""
    out = {shape(e.text) for e in method.errors.values()} | {errors.REQUEST_EMPTY}
    if method.listing is not None:
        limit = method.listing.limit_text or method.listing.limit_max
        out.add(errors.LIMIT_RANGE.format(max=limit))
    if method.payload is not None:
        if method.payload.parse_error:
            out.add(method.payload.parse_error)
        for f in _fields(method.payload):
            for template in (errors.ITEM_EMPTY, errors.ITEM_INVALID, errors.ITEM_NOT_INTEGER):
                out.add(shape(template.format(label=f.label, x="x", y="y")))
            out.add(errors.TOP_EMPTY.format(label=f.label))
    out |= {f"{q.name} Empty" for q in method.params}
    return out


def test_every_method_has_a_record() -> None:
    assert set(TABLES) == set(METHODS)


@pytest.mark.parametrize(("key", "table"), TABLES.items(), ids=list(TABLES))
def test_vendor_strings_are_emitted_exactly(key: str, table: VendorTable) -> None:
    can = emittable(METHODS[key])
    assert [s for s in table.strings if shape(s) not in can] == []
    assert table.read is not Read.NONE or not (table.strings or table.page)


@pytest.mark.parametrize(
    ("key", "table"),
    [(k, t) for k, t in TABLES.items() if t.read is Read.END],
    ids=[k for k, t in TABLES.items() if t.read is Read.END],
)
def test_complete_tables_explain_every_string_of_ours(key: str, table: VendorTable) -> None:
    printed = {shape(s) for s in table.strings}
    ours = [e.text for e in METHODS[key].errors.values()]
    assert [t for t in ours if shape(t) not in printed and t not in table.ours] == []
    # nothing stale: each explained string is one the catalogue has, and none the page prints
    assert [t for t in table.ours if t not in ours or shape(t) in printed] == []
    assert all(why.strip() for why in table.ours.values())


def test_only_complete_tables_explain() -> None:
    assert [k for k, t in TABLES.items() if t.ours and t.read is not Read.END] == []


def test_play_page_strings_are_flow_errors() -> None:
    texts = set(FLOW_XML_ERRORS.values())
    assert [s for s in CALL_FLOW_PAGES["play"].strings if s not in texts] == []


def test_complete_tables_without_request_empty_never_answer_it() -> None:
    """`Request Empty` is generic (payload.py): a method whose complete table lacks it must not emit it."""
    offenders = []
    for key, table in TABLES.items():
        payload = METHODS[key].payload
        if table.read is not Read.END or payload is None or errors.REQUEST_EMPTY in table.strings:
            continue
        if (payload.raw or payload.require_items) and errors.REQUEST_EMPTY not in table.ours:
            offenders.append(key)
    assert offenders == []
