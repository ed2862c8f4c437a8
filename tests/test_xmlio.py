"""The XML/JSON renderers and the hardened parser in isolation."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from mock_iovox import xmlio
from mock_iovox.errors import IovoxError, VendorError

TRICKY: dict[str, Any] = {
    "@name": 'Call "A" & <B>',
    "plain": "text",
    "markup": "a < b > c & d",
    "quotes": 'it\'s "quoted"',
    "unicode": "Café Ünïcödé — 東京 🎉",
    "cr": "line\r\nnext",
    "empty": "",
    "none": None,
    "number": 42,
    "flag": True,
    "nested": {"row": [{"a": "1"}, {"a": "2", "b": ""}]},
    "empty_list": [],
    "mixed": {"@id": "x", "#text": "t & u"},
}


def lxml_render(root: str, tree: dict[str, Any]) -> bytes:
    def fill(el: Any, node: dict[str, Any]) -> None:
        for key, value in node.items():
            if key.startswith("@"):
                el.set(key[1:], xmlio._text(value))
            elif key == "#text":
                el.text = xmlio._text(value)
            else:
                for item in value if isinstance(value, list) else [value]:
                    child = etree.SubElement(el, key)
                    if isinstance(item, dict):
                        fill(child, item)
                    elif xmlio._text(item):
                        child.text = xmlio._text(item)

    el = etree.Element(root)
    fill(el, tree)
    return xmlio.XML_DECLARATION + etree.tostring(el, encoding="utf-8")


def test_bytes_equal_what_lxml_writes() -> None:
    assert xmlio.render_xml("response", TRICKY) == lxml_render("response", TRICKY)


def test_rendered_xml_round_trips() -> None:
    root = etree.fromstring(xmlio.render_xml("response", TRICKY))
    assert root.get("name") == 'Call "A" & <B>'
    assert root.findtext("markup") == "a < b > c & d"
    assert root.findtext("cr") == "line\r\nnext"
    assert [r.findtext("a") for r in root.findall("nested/row")] == ["1", "2"]
    assert root.find("empty_list") is None
    assert root.findtext("flag") == "1"


def test_characters_xml_cannot_carry_are_dropped() -> None:
    body = xmlio.render_xml("response", {"v": "a\x00b\x07c\x1fd\ufffe"})
    assert etree.fromstring(body).findtext("v") == "abcd"


def test_errors_body() -> None:
    body = xmlio.render_errors([VendorError(400, "A & B"), VendorError(400, "C")])
    assert body == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<errors><error status="400">A &amp; B</error><error status="400">C</error></errors>'
    )


def test_json_mirror_rules() -> None:
    data = xmlio.to_json_data(
        "response", {"one": {"r": [{"a": "1"}]}, "two": {"r": [{"a": 1}, {"a": None}]}, "e": ""}
    )
    assert data == {"response": {"one": {"r": {"a": "1"}}, "two": {"r": [{"a": "1"}, {"a": ""}]}, "e": ""}}
    assert xmlio.to_json_data("response", {"results": {"result": []}}) == {"response": {"results": ""}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"<request><a></request>",
            "XML parse error. Opening and ending tag mismatch: a line 1 and request at line 1, column 23",
        ),
        (b"", "XML parse error. Document is empty at line 1, column 1"),
        (
            b"<!-- c --><!DOCTYPE x><request/>",
            "XML parse error. Document type declarations are not allowed at line 1, column 1",
        ),
    ],
)
def test_parse_errors(body: bytes, message: str) -> None:
    with pytest.raises(IovoxError) as exc:
        xmlio.parse(body)
    assert [e.message for e in exc.value.errors] == [message]


def test_parse_tolerates_undeclared_xsi_and_cdata() -> None:
    root = xmlio.parse(b'<request><a xsi:nil="true"/><b><![CDATA[x & y]]></b><!-- c --><c> v </c></request>')
    assert [(c.tag, c.nil, c.value) for c in root.children] == [
        ("a", True, ""),
        ("b", False, "x & y"),
        ("c", False, "v"),
    ]


def test_errors_of_earlier_parses_do_not_leak() -> None:
    # lxml's exception log also holds earlier errors of the same thread: they must not be reported
    for _ in range(2):
        with pytest.raises(IovoxError):
            xmlio.parse(b"<request><a></request>")
    with pytest.raises(IovoxError) as exc:
        xmlio.parse(b"<request>&bogus;</request>")
    assert [e.message for e in exc.value.errors] == [
        "XML parse error. Entity 'bogus' not defined at line 1, column 17"
    ]
    assert xmlio.parse(b'<request><a xsi:nil="true"/></request>').children[0].nil


@pytest.mark.parametrize(
    ("result", "json"),
    [
        ([{}, {}], [{}, {}]),
        ([{}], [{}]),  # a lone {} would be read by PHP as no row at all
        ([{"a": "1"}], {"a": "1"}),
        ([{"a": "1"}, {}], [{"a": "1"}, {}]),
        ([{"g": {"i": [{}]}}], {"g": {"i": [{}]}}),
        ([{"g": {"i": []}}], {"g": ""}),
    ],
)
def test_records_without_fields_stay_objects(result: list[Any], json: Any) -> None:
    data = xmlio.to_json_data("response", {"results": {"result": result}})
    assert data == {"response": {"results": {"result": json}}}


def test_shapes_always_list_and_split() -> None:
    shapes = {"days/day": xmlio.ALWAYS_LIST, "sound_files/sound_file": xmlio.SPLIT_LIST}
    tree = {
        "one": {"days": {"day": ["MON"]}, "sound_files": {"sound_file": ["a"]}},
        "two": {"days": {"day": ["MON", "TUE"]}, "sound_files": {"sound_file": ["a", "b"]}},
        "none": {"days": {"day": []}, "sound_files": {"sound_file": []}},
    }
    assert xmlio.to_json_data("response", tree, shapes)["response"] == {
        "one": {"days": {"day": ["MON"]}, "sound_files": {"sound_file": "a"}},
        "two": {
            "days": {"day": ["MON", "TUE"]},
            "sound_files": [{"sound_file": "a"}, {"sound_file": "b"}],
        },
        "none": {"days": "", "sound_files": ""},
    }
    assert xmlio.to_json_data("r", {"days": {"day": "MON"}}, shapes)["r"] == {"days": {"day": ["MON"]}}
    # without shapes: the plain mirror (one child an object, several a list)
    assert xmlio.to_json_data("response", tree)["response"]["two"]["sound_files"] == {
        "sound_file": ["a", "b"]
    }
    assert xmlio.to_json_data("response", tree)["response"]["one"]["days"] == {"day": "MON"}


@pytest.mark.parametrize(
    "record",
    [
        {"id": "7", "name": "Leeds", "empty": "", "more": "x"},
        {"id": "7", "name": "Fish & Chips <ltd>", "empty": ""},
        {"id": "7", "count": 3, "flag": True, "none": None},
        {"@status": "400", "#text": "message"},
        {"id": "7", "nested": {"a": "b"}},
        {"id": "7", "many": ["a", "b"]},
        {},
    ],
)
def test_the_flat_record_path_writes_what_the_leaf_path_writes(
    record: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mock_iovox import xmlio

    tree = {"results": {"result": [record, record]}}
    fast = xmlio.render_xml("response", tree)
    monkeypatch.setattr(xmlio, "_flat", lambda name, value: None)
    assert fast == xmlio.render_xml("response", tree)
