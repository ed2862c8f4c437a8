"""Success XML answers held against the OpenAPI document's XML schema (issue 22).

Schemathesis validates JSON bodies only, so an XML answer that drifted from its documented schema
(a count that is not a number, a row field that came back as a tree, an element the document does
not list) would pass it. `xml_problem` reads the answer the way the document's `xml` objects say a
client must (an element per property, named by `xml.name` or the property; a wrapped array is a
wrapper element whose children are the items) into a JSON value, then validates that value with
jsonschema against the same schema. Elements the schema does not name are problems where the schema
lists its properties; an object without `properties` ("built by the method", an element tree) is
not looked into.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from lxml import etree

from mock_iovox.openapi import XML, document

Schema = dict[str, Any]
_INTEGER = re.compile(r"-?\d+\Z")


class Drift(Exception):
    """The answer has an element or a shape the schema cannot hold."""


@cache
def _document() -> Schema:
    return document()


def success_schema(path: str, verb: str, status: int) -> Schema | None:
    """The XML schema of one operation's answer of `status`, or None when it documents none."""
    operation = _document()["paths"].get(path, {}).get(verb.lower())
    if operation is None:
        return None
    response = operation["responses"].get(str(status))
    if response is None or "$ref" in response:
        return None
    content = response.get("content", {}).get(XML)
    return None if content is None else content["schema"]


def _name(key: str, schema: Schema) -> str:
    name = schema.get("xml", {}).get("name", key)
    return str(name)


def _text(el: etree._Element) -> str:
    return el.text or ""


def to_value(el: etree._Element, schema: Schema, where: str) -> Any:
    """The JSON value a client reads out of `el` by `schema` (raises Drift on what it cannot hold)."""
    kind = schema.get("type")
    if kind == "array":
        items = schema["items"]
        name = _name("", items)
        values: list[Any] = []
        for child in el:
            if child.tag != name:
                raise Drift(f"{where}: <{child.tag}> where the document has only <{name}> items")
            values.append(to_value(child, items, f"{where}/{name}[{len(values)}]"))
        return values
    if kind == "object":
        return _object(el, schema, where)
    if len(el):
        raise Drift(f"{where}: an element tree where the document has a {kind or 'value'}")
    text = _text(el)
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    return text  # a non-numeric integer stays text: the schema check then names it


def _object(el: etree._Element, schema: Schema, where: str) -> Any:
    props: Schema | None = schema.get("properties")
    if props is None:  # a tree built by the method: nothing documented to hold it to
        return {}
    by_element = {_name(key, sub): (key, sub) for key, sub in props.items()}
    out: dict[str, Any] = {}
    if _text(el).strip():
        raise Drift(f"{where}: text {_text(el)[:40]!r} in an element the document gives children")
    for child in el:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        if child.tag not in by_element:
            raise Drift(f"{where}: <{child.tag}> is not in the document")
        key, sub = by_element[child.tag]
        if key in out:
            raise Drift(f"{where}: <{child.tag}> twice where the document has one")
        out[key] = to_value(child, sub, f"{where}/{child.tag}")
    return out


def xml_problem(body: bytes, schema: Schema) -> str | None:
    """What is wrong with an XML answer against its schema, or None."""
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        return f"not XML: {exc}"
    expected = _name("", schema) or root.tag
    if root.tag != expected:
        return f"root <{root.tag}>, the document says <{expected}>"
    try:
        value = to_value(root, schema, root.tag)
    except Drift as exc:
        return str(exc)
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
    if error is None:
        return None
    at = "/".join(str(p) for p in error.absolute_path)
    return f"{root.tag}/{at}: {error.message}"
