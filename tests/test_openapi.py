"""The OpenAPI documents (mock_iovox/openapi.py, openapi_control.py): valid for openapi-spec-validator,
and the vendor one holding exactly the catalogue (every method, parameter, body element, error and
guess, and nothing else), so it cannot drift from what the mock does."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openapi_spec_validator import validate

from mock_iovox import errors, openapi, openapi_control
from mock_iovox.catalog import all_methods
from mock_iovox.catalog.model import Method, Payload, PField, PType, Verb
from mock_iovox.cli import main
from tests.helpers import Api

Schema = dict[str, Any]


@pytest.fixture(scope="module")
def doc() -> Schema:
    return openapi.document()


def op_of(doc: Schema, m: Method) -> Schema:
    item = doc["paths"][f"/{m.interface}#method={m.name}"]
    assert list(item) == [m.verb.value.lower()]
    op: Schema = item[m.verb.value.lower()]
    return op


def resolve(doc: Schema, node: Schema) -> Schema:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_both_documents_validate(doc: Schema) -> None:
    validate(doc)
    validate(openapi_control.document())
    assert doc["openapi"] == "3.1.0"


def test_one_operation_per_catalogue_method_and_nothing_else(doc: Schema) -> None:
    methods = all_methods()
    assert set(doc["paths"]) == {f"/{m.interface}#method={m.name}" for m in methods}
    assert len(doc["paths"]) == len(methods) >= 76
    for m in methods:
        op = op_of(doc, m)
        assert op["operationId"] == m.name and op["tags"] == [m.interface]


def expected_params(m: Method) -> set[str]:
    names = {"method", "v", "output", *(p.name for p in m.params)}
    if m.listing is not None:
        names |= {"page", "limit"} if m.listing.paged else set()
        names |= {"req_fields"} if m.listing.selectable else set()
        names |= {"order"} if m.listing.orderable else set()
    return names


def test_every_parameter_with_its_type_default_enum_and_mandatory_flag(doc: Schema) -> None:
    for m in all_methods():
        params = {p["name"]: p for p in op_of(doc, m)["parameters"]}
        assert set(params) == expected_params(m), m.name
        assert all(p["in"] == "query" for p in params.values())
        assert params["method"]["schema"]["enum"] == [m.name] and params["method"]["required"]
        assert params["v"]["schema"]["enum"] == [3] and params["v"]["required"]
        for p in m.params:
            got = params[p.name]
            schema = got["schema"]["items"] if p.array else got["schema"]
            assert got["required"] is p.mandatory, (m.name, p.name)
            assert schema.get("default") == p.default, (m.name, p.name)
            if p.type is PType.ENUM:
                assert schema["enum"] == [c.upper() for c in p.choices]
            if p.type is PType.INTEGER:
                assert schema["type"] == "integer"
        if m.listing is not None and m.listing.paged:
            assert params["limit"]["schema"]["maximum"] == m.listing.limit_max
        if m.listing is not None and m.listing.selectable:
            abbrs = params["req_fields"]["schema"]["items"]["enum"]
            assert abbrs == [f.abbr for f in m.listing.fields]


def body_names(doc: Schema, schema: Schema) -> set[str]:
    return set(resolve(doc, schema).get("properties", {}))


def check_fields(doc: Schema, schema: Schema, fields: tuple[PField, ...], where: str) -> None:
    props = resolve(doc, schema)["properties"]
    for f in fields:
        assert f.name in props, f"{where}: {f.name}"
        if f.nested is not None:
            check_nested(doc, props[f.name], f.nested, f"{where}/{f.name}")
    assert set(resolve(doc, schema).get("required", [])) >= {f.name for f in fields if f.required}


def check_nested(doc: Schema, schema: Schema, spec: Payload, where: str) -> None:
    if spec.item is None:
        assert set(schema["properties"]) == {f.name for f in spec.fields}, where
        check_fields(doc, schema, spec.fields, where)
    else:
        assert schema["xml"] == {"name": spec.wrapper or spec.item, "wrapped": True}
        assert schema["items"]["xml"]["name"] == spec.item
        assert set(schema["items"]["properties"]) == {f.name for f in spec.fields}, where
        check_fields(doc, schema["items"], spec.fields, where)


def test_every_body_element_and_only_those(doc: Schema) -> None:
    for m in all_methods():
        op = op_of(doc, m)
        if m.payload is None:
            assert "requestBody" not in op, m.name
            continue
        request = op["requestBody"]["content"]["application/xml"]["schema"]
        assert request["xml"] == {"name": "request"}
        p = m.payload
        if p.raw:
            assert body_names(doc, request) == ({p.item} if p.item else {"callFlow", "smsFlow", "emailFlow"})
            continue
        own = {p.wrapper or p.item} if p.item else set()
        assert body_names(doc, request) == own | {f.name for f in p.top}, m.name
        check_fields(doc, request, p.top, m.name)
        if p.item:
            items = request["properties"][p.wrapper or p.item]
            assert set(items["items"]["properties"]) == {f.name for f in p.fields}, m.name
            check_fields(doc, items["items"], p.fields, m.name)


def example_texts(doc: Schema, response: Schema) -> dict[str, str]:
    examples = resolve(doc, response)["content"]["application/xml"]["examples"]
    return {key: resolve(doc, ex)["summary"] for key, ex in examples.items()}


def test_every_error_string_in_the_400_and_nothing_else(doc: Schema) -> None:
    for m in all_methods():
        responses = op_of(doc, m)["responses"]
        assert str(m.success_status) in responses
        for status in {400} | {e.status for e in m.errors.values()}:
            texts = example_texts(doc, responses[str(status)])
            own = {f"{m.name}.{k}": e.text for k, e in m.errors.items() if e.status == status}
            general = (
                {f"general.{k}": t for k, t in openapi.general_errors(m).items()} if status == 400 else {}
            )
            assert texts == {**own, **general}, m.name
            description = resolve(doc, responses[str(status)])["description"]
            assert all(f"`{t}`" in description for t in own.values()), m.name
        examples = resolve(doc, responses["401"])["content"]["application/xml"]["example"]
        assert errors.UNAUTHORIZED in examples
        assert errors.INTERNAL in resolve(doc, responses["500"])["content"]["application/xml"]["example"]


def test_answers_json_where_documented_and_audio_for_recordings(doc: Schema) -> None:
    for m in all_methods():
        success = op_of(doc, m)["responses"][str(m.success_status)]
        content = success.get("content", {})
        if m.verb in (Verb.PUT, Verb.DELETE):
            assert not content, m.name
        elif m.response.value == "binary":
            assert "audio/mpeg" in content
        elif content:
            assert ("application/json" in content) is m.json, m.name
    assert set(op_of(doc, find("getCallRecording"))["responses"]["200"]["content"]) == {"audio/mpeg"}


def find(name: str) -> Method:
    return next(m for m in all_methods() if m.name == name)


def test_guesses_are_marked(doc: Schema) -> None:
    for m in all_methods():
        op = op_of(doc, m)
        assert op["x-mock-guesses"] == list(m.guesses)
        assert all(g in op["description"] for g in m.guesses)
        assert op["x-iovox-sources"] == m.sources
    assert "Where the mock guesses" in op_of(doc, find("getNodeDetails"))["description"]


def test_security_schemes_and_both_environments(doc: Schema) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {
        ("header", "username"),
        ("header", "secureKey"),
    }
    assert doc["security"] == [{"username": [], "secureKey": []}]
    urls = [s["url"] for s in doc["servers"]]
    assert "https://sandboxapi.iovox.com:444" in urls and "https://api.iovox.com:444" in urls


def test_control_document_covers_every_route_and_only_those() -> None:
    live = openapi_control.live_routes()
    assert set(live) == set(openapi_control.ROUTES)
    paths = openapi_control.document()["paths"]
    assert {(v.upper(), p.removeprefix("/__mock__")) for p, item in paths.items() for v in item} == set(live)
    assert ("GET", "/openapi.json") in live and ("GET", "/openapi-control.json") in live


def test_cli_prints_both_documents_as_yaml_and_json(doc: Schema) -> None:
    runner = CliRunner()
    as_json = runner.invoke(main, ["openapi", "--format", "json"])
    assert as_json.exit_code == 0 and json.loads(as_json.output) == doc
    as_yaml = runner.invoke(main, ["openapi"])
    assert as_yaml.exit_code == 0
    assert yaml.load(as_yaml.output, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == doc
    control = runner.invoke(main, ["openapi", "--control", "--format", "json"])
    assert json.loads(control.output) == openapi_control.document()


def test_served_beside_the_control_plane(api: Api, doc: Schema) -> None:
    resp = api.client.get("/__mock__/openapi.json")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    assert resp.json() == doc
    control = api.client.get("/__mock__/openapi-control.json")
    assert control.status_code == 200 and control.json() == openapi_control.document()
    # state-changing verbs are not routes of these documents (the control plane's mount answers 404)
    assert api.client.post("/__mock__/openapi.json").status_code == 404


class _Case:
    def __init__(self, path: str, verb: str = "GET") -> None:
        self.method = verb
        self.operation = type("Operation", (), {"path": path})()


class _Answer:
    def __init__(
        self, status: int, body: bytes, content_type: str = "application/xml; charset=utf-8"
    ) -> None:
        self.status_code = status
        self.headers = {"content-type": [content_type]}
        self.content = body


def test_the_vendor_errors_check_refuses_what_the_document_does_not_list() -> None:
    from tests.openapi_checks import vendor_errors

    def check(path: str, status: int, body: bytes, content_type: str = "application/xml") -> None:
        vendor_errors(None, _Answer(status, body, content_type), _Case(path))

    check("/Nodes#method=getNodeDetails", 400, b'<errors><error status="400">Node ID Empty</error></errors>')
    check(
        "/Nodes#method=deleteNodes", 400, b'<errors><error status="400">Node ID 3 of 4 Empty</error></errors>'
    )
    check(
        "/Nodes#method=getNodes", 401, b'<errors><error status="401">HTTP 401: Unauthorized</error></errors>'
    )
    # a method's own text is not documented for another method (getNodes has no `Doesn't exist`)
    with pytest.raises(AssertionError, match="undocumented"):
        check(
            "/Nodes#method=getNodes",
            400,
            b'<errors><error status="400">Node ID Doesn\'t exist</error></errors>',
        )
    with pytest.raises(AssertionError, match="shape"):
        check("/Nodes#method=getNodes", 400, b'{"error": "Method Empty"}', "application/json")
    with pytest.raises(AssertionError, match="shape"):
        check("/Nodes#method=getNodes", 400, b'<errors><error status="401">Method Empty</error></errors>')
