"""Sanity checks of the method catalogue (pure data, SPEC.md §4)."""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest

from mock_iovox.catalog import CATALOG, all_methods, find_interface, find_method
from mock_iovox.catalog.calls import GROUP_FIELDS
from mock_iovox.catalog.model import Method, Payload, PField, PType, Response, Verb

#: SPEC.md §4 rows 1-69 per interface, then the doc-only interfaces
EXPECTED_COUNTS = {
    "Nodes": 6,
    "Links": 13,
    "Categories": 6,
    "Contacts": 5,
    "Rules": 10,
    "CallFlow": 5,
    "SoundFiles": 7,
    "Voxnumbers": 4,
    "Purchase": 4,
    "Countries": 1,
    "Calling": 1,
    "Calls": 4,
    "User": 1,
    "JsApi": 2,
    "Flow": 5,
    "Clis": 2,
    "SMS": 1,
    "Users": 1,
}
DOC_ONLY = {"Flow", "Clis", "SMS", "Users"}
METHODS = all_methods()


def _ids(m: Method) -> str:
    return f"{m.interface}.{m.name}"


def _pfields(payload: Payload) -> Iterator[PField]:
    for f in (*payload.fields, *payload.top):
        yield f
        if f.nested is not None:
            yield from _pfields(f.nested)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_interfaces_in_spec_order_with_method_counts() -> None:
    assert [i.name for i in CATALOG] == list(EXPECTED_COUNTS)
    assert {i.name: len(i.methods) for i in CATALOG} == EXPECTED_COUNTS
    assert sum(EXPECTED_COUNTS.values()) == len(METHODS) == 78
    assert {i.name for i in CATALOG if i.doc_only} == DOC_ONLY


def test_method_keys_unique_and_consistent() -> None:
    keys = [m.key for m in METHODS]
    assert len(keys) == len(set(keys))
    for interface in CATALOG:
        for m in interface.methods:
            assert m.interface == interface.name
            assert find_method(interface.name, m.name) is m


def test_lookups_are_case_sensitive() -> None:
    assert find_interface("Nodes") is not None
    assert find_interface("nodes") is None
    assert find_interface("Callflow") is None
    assert find_method("Nodes", "getNodes") is not None
    assert find_method("Nodes", "getnodes") is None
    assert find_method("Purchase", "purchaseVoxNumbers") is not None
    assert find_method("Purchase", "purchaseVoxnumbers") is None


@pytest.mark.parametrize("m", METHODS, ids=_ids)
def test_referenced_error_keys_exist(m: Method) -> None:
    for p in m.params:
        if p.mandatory:
            assert p.empty_error, f"mandatory {p.name} needs an empty_error"
        for key in (p.empty_error, p.invalid_error):
            if key is not None:
                assert key in m.errors, key
                # param errors are emitted without formatting
                assert not _placeholders(m.errors[key].text), key
    if m.listing is not None:
        for f in m.listing.fields:
            if f.alone_error is not None:
                assert f.alone_error in m.errors


@pytest.mark.parametrize("m", METHODS, ids=_ids)
def test_error_texts_are_well_formed(m: Method) -> None:
    for key, err in m.errors.items():
        assert key == key.lower() and " " not in key
        assert err.text and err.text == err.text.strip()
        assert err.status in (400, 401, 404, 500)
        names = _placeholders(err.text)  # raises on a malformed format string
        assert all(n.isidentifier() for n in names), (key, names)
        if "{x}" in err.text:
            assert "{y}" in err.text, key


@pytest.mark.parametrize("m", METHODS, ids=_ids)
def test_listing_shape(m: Method) -> None:
    listing = m.listing
    if m.response is Response.LIST:
        assert listing is not None
    if listing is None:
        return
    assert m.verb is Verb.GET
    abbrs = [f.abbr for f in listing.fields]
    assert len(abbrs) == len(set(abbrs))
    assert listing.default_fields, "a listing needs default fields"
    if listing.default_order is not None:
        assert listing.orderable
        name, _, direction = listing.default_order.rpartition("_")
        assert direction in ("ASC", "DESC")
        field = listing.by_abbr().get(name)
        assert field is not None, listing.default_order
        assert field.orderable


@pytest.mark.parametrize("m", METHODS, ids=_ids)
def test_limit_max(m: Method) -> None:
    if m.listing is None:
        return
    expected = 5000 if m.name in ("getVariableRulesOfTemplate", "getTimeTemplates") else 20000
    assert m.listing.limit_max == expected


@pytest.mark.parametrize("m", METHODS, ids=_ids)
def test_verbs_bodies_and_responses(m: Method) -> None:
    if m.verb in (Verb.GET, Verb.DELETE):
        assert m.payload is None
    else:
        assert m.payload is not None
    if m.verb in (Verb.PUT, Verb.DELETE):
        assert m.response is Response.EMPTY
    if m.verb is Verb.POST:
        assert m.response is Response.DOCUMENT
    if m.response is Response.BINARY:
        assert not m.json
    assert m.summary and m.sources


@pytest.mark.parametrize("m", METHODS, ids=_ids)
def test_types_and_choices(m: Method) -> None:
    fields: list[tuple[str, PType, tuple[str, ...]]] = [(p.name, p.type, p.choices) for p in m.params]
    if m.payload is not None:
        fields += [(f.name, f.type, f.choices) for f in _pfields(m.payload)]
    for name, ptype, choices in fields:
        if ptype is PType.ENUM:
            assert choices, name
            assert all(c == c.upper() for c in choices), name
        else:
            assert not choices, name
    for p in m.params:
        if p.default is not None and p.type is PType.BOOLEAN:
            assert p.default in ("TRUE", "FALSE")


def test_known_specifics() -> None:
    get_categories = find_method("Categories", "getCategories")
    assert get_categories is not None and get_categories.listing is not None
    assert get_categories.listing.selectable and not get_categories.listing.orderable

    details = find_method("Contacts", "getContactDetails")
    assert details is not None and details.listing is not None
    assert details.listing.paged and not details.listing.selectable and not details.listing.orderable

    delete_nodes = find_method("Nodes", "deleteNodes")
    assert delete_nodes is not None
    assert delete_nodes.errors["node_ids_empty"].text == "Node IDs Empty"

    delete_vox = find_method("Voxnumbers", "deleteVoxnumbersFromAccount")
    assert delete_vox is not None
    rm = next(p for p in delete_vox.params if p.name == "rm_if_in_use")
    assert rm.type is PType.BOOLEAN
    assert delete_vox.errors[rm.invalid_error or ""].text == "rm_if_in_use Invalid"

    call_data = find_method("Calls", "getCallData")
    assert call_data is not None and call_data.listing is not None
    cats = [f for f in call_data.listing.fields if f.abbr.startswith("cat_")]
    assert {f.group for f in cats} == {"categories/category"}
    assert not any(f.orderable for f in cats)

    assert len(GROUP_FIELDS) == 14 and GROUP_FIELDS["cdate"] == "call_date"

    recording = find_method("Calls", "getCallRecording")
    assert recording is not None and recording.response is Response.BINARY

    remove = find_method("Links", "removeVoxnumberFromLink")
    assert remove is not None and remove.payload is not None
    assert remove.payload.item is None and remove.payload.top[0].many

    for name in ("createCallFlow", "updateCallFlow"):
        flow = find_method("CallFlow", name)
        assert flow is not None and flow.payload is not None and flow.payload.raw


@pytest.mark.parametrize("m", [m for m in METHODS if m.sources == "RB"], ids=_ids)
def test_ruby_only_methods_record_their_guesses(m: Method) -> None:
    assert m.guesses
