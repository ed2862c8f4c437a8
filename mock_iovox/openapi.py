"""The OpenAPI 3.1 description of the vendor API, generated from the catalogue (docs/openapi.md).

Nothing here is written by hand per method: operations, query parameters, request bodies, answers,
error strings and guesses all come from `mock_iovox.catalog` (and the call-flow vocabulary of
`mock_iovox.flows.vocabulary`), so a change of the catalogue changes the document.

IOVOX routes by the `method` query parameter on one path per interface, which OpenAPI cannot key on.
Each method gets its own path key `/{Interface}#method={name}` (the convention of query-routed API
descriptions): the fragment keeps the keys apart and never reaches the wire, and the operation's
`method` parameter is a required one-value enum, so a generated request carries it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from mock_iovox import __version__, errors
from mock_iovox.catalog import CATALOG, all_methods
from mock_iovox.catalog.model import (
    DEFAULT_MAX_ITEMS,
    Extra,
    Field,
    Listing,
    Method,
    Payload,
    PField,
    PType,
    QueryParam,
    Response,
    Verb,
    text_limit,
)
from mock_iovox.coverage import PROTOCOL_GUESSES
from mock_iovox.domain.soundfiles import MP3_TYPE, WAV_TYPE
from mock_iovox.flows.vocabulary import FLOW_ROOTS, RULES, VARIABLE, Attr, RuleSpec
from mock_iovox.handlers import HANDLERS
from mock_iovox.params import MAX_PAGE
from mock_iovox.xmlio import JSON_CONTENT_TYPE

Schema = dict[str, Any]

OPENAPI = "3.1.0"
XML = "application/xml"
#: integers are ASCII digits, at most 18 of them (mock_iovox/params.py)
MAX_INTEGER = 10**18 - 1
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_PATTERN = r"^[0-9]{2}:[0-9]{2}$"
#: the JSON mirror writes an empty element as "" (`"results": ""`); a string of length 0 rather than
#: `const`, which client generators read less well
EMPTY_TEXT: dict[str, Any] = {"type": "string", "maxLength": 0}
#: a mandatory text: blank values are read as absent (`… Empty`)
NOT_BLANK: dict[str, Any] = {"minLength": 1, "pattern": r"\S"}
#: what a BINARY method answers with: uploaded sound files keep their kind, recordings are MP3
AUDIO_TYPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("SoundFiles", "getSoundFileData"): (MP3_TYPE, WAV_TYPE)
}
DEFAULT_AUDIO = (MP3_TYPE,)

SERVERS = (
    {"url": "https://sandboxapi.iovox.com:444", "description": "IOVOX sandbox (the vendor's)."},
    {"url": "https://api.iovox.com:444", "description": "IOVOX production (the vendor's)."},
    {
        "url": "https://{host}:{port}",
        "description": "mock-iovox: a Host starting with `sandbox` (sandbox.localhost) selects the sandbox "
        "environment, any other the server's default environment (sandbox unless --default-env).",
        "variables": {"host": {"default": "localhost"}, "port": {"default": "444"}},
    },
)


def path_key(m: Method) -> str:
    return f"/{m.interface}#method={m.name}"


# -- errors ------------------------------------------------------------------------------------------


def error_xml(status: int, text: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<errors><error status="{status}">{text}</error></errors>'


#: errors any request may get, whatever its method (DECISIONS.md §2 stages 1-5)
GENERAL_ERRORS: dict[str, str] = {
    "username_empty": errors.USERNAME_EMPTY,
    "secure_key_empty": errors.SECURE_KEY_EMPTY,
    "interface_empty": errors.INTERFACE_EMPTY,
    "interface_unknown": errors.INTERFACE_UNKNOWN,
    "method_empty": errors.METHOD_EMPTY,
    "method_invalid": errors.METHOD_INVALID,
    "version_empty": errors.VERSION_EMPTY,
    "version_invalid": errors.VERSION_INVALID,
    "wrong_verb": errors.WRONG_VERB,
    "output_invalid": errors.OUTPUT_INVALID,
    "https_required": errors.HTTPS_REQUIRED,
    "malformed_request": errors.MALFORMED_REQUEST,
    "too_many_errors": errors.TOO_MANY_ERRORS,
}
LIST_ERRORS: dict[str, str] = {
    "page_not_integer": errors.PAGE_NOT_INTEGER,
    "limit_not_integer": errors.LIMIT_NOT_INTEGER,
    "limit_range": errors.LIMIT_RANGE,
    "req_fields_invalid": errors.REQ_FIELDS_INVALID,
    "order_field_invalid": errors.ORDER_FIELD_INVALID,
    "order_direction_invalid": errors.ORDER_DIRECTION_INVALID,
}
PARAM_ERRORS: dict[str, str] = {
    "param_empty": errors.TOP_EMPTY,
    "param_invalid": errors.PARAM_INVALID,
    "param_not_integer": errors.PARAM_NOT_INTEGER,
    "too_many_items": errors.TOO_MANY_ITEMS,
}
BODY_ERRORS: dict[str, str] = {
    "xml_empty": errors.XML_EMPTY,
    "xml_parse": errors.XML_PARSE,
    "doctype_forbidden": errors.DOCTYPE_FORBIDDEN,
    "body_too_large": errors.BODY_TOO_LARGE,
    "xml_too_many_elements": errors.XML_TOO_MANY_ELEMENTS,
    "xml_too_many_attributes": errors.XML_TOO_MANY_ATTRIBUTES,
    "request_empty": errors.REQUEST_EMPTY,
    "too_many_items": errors.TOO_MANY_ITEMS,
    "item_empty": errors.ITEM_EMPTY,
    "item_invalid": errors.ITEM_INVALID,
    "item_not_integer": errors.ITEM_NOT_INTEGER,
    "item_too_long": errors.ITEM_TOO_LONG,
    "top_empty": errors.TOP_EMPTY,
    "top_invalid": errors.TOP_INVALID,
}


def general_errors(m: Method) -> dict[str, str]:
    """The interface-independent 400 texts that this method's shape can give."""
    out = dict(GENERAL_ERRORS)
    if m.listing is not None:
        out.update(LIST_ERRORS)
    if m.params:
        out.update(PARAM_ERRORS)
    if m.payload is not None:
        out.update(BODY_ERRORS)
    return out


def general_examples() -> Schema:
    every = {**GENERAL_ERRORS, **LIST_ERRORS, **PARAM_ERRORS, **BODY_ERRORS}
    return {f"general.{k}": {"summary": t, "value": error_xml(400, t)} for k, t in every.items()}


def method_errors(m: Method, status: int) -> dict[str, str]:
    return {key: err.text for key, err in m.errors.items() if err.status == status}


def _bullets(texts: Iterator[str] | list[str]) -> str:
    return "\n".join(f"- `{t}`" for t in texts)


def error_response(m: Method, status: int) -> Schema:
    own = method_errors(m, status)
    general = general_errors(m) if status == 400 else {}
    parts = [
        "The vendor's `<errors>` document: one `<error status=…>` per problem of the first failing stage."
    ]
    if own:
        parts += [
            "",
            f"Errors of {m.name} (`{{x}} of {{y}}` is the item's position):",
            _bullets(list(own.values())),
        ]
    if general:
        # listed once in components/examples (general.*): the same for every method of this shape
        parts += ["", "And the general errors of the protocol (the examples `general.*`)."]
    examples = {f"{m.name}.{k}": {"summary": t, "value": error_xml(status, t)} for k, t in own.items()}
    examples.update({f"general.{k}": {"$ref": f"#/components/examples/general.{k}"} for k in general})
    return {
        "description": "\n".join(parts),
        "content": {XML: {"schema": {"$ref": "#/components/schemas/Errors"}, "examples": examples}},
    }


def _fixed_error(description: str, status: int, text: str) -> Schema:
    return {
        "description": f"{description}: `{text}`.",
        "content": {
            XML: {"schema": {"$ref": "#/components/schemas/Errors"}, "example": error_xml(status, text)}
        },
    }


COMMON_RESPONSES: dict[str, Schema] = {
    "Unauthorized": _fixed_error(
        "Unknown user, wrong secureKey or a caller outside the user's IP ranges (never says which)",
        401,
        errors.UNAUTHORIZED,
    ),
    "InternalError": _fixed_error("A fault of the server", 500, errors.INTERNAL),
    "UriTooLong": _fixed_error("The HTTP layer: a request target over 64 KiB", 414, errors.URI_TOO_LONG),
    "HeadersTooLarge": _fixed_error(
        "The HTTP layer: more than 100 headers or 64 KiB of them", 431, errors.HEADERS_TOO_LARGE
    ),
}


# -- query parameters --------------------------------------------------------------------------------


def value_schema(ptype: PType, choices: tuple[str, ...] = ()) -> Schema:
    """The schema of one value of a query parameter or payload element."""
    if ptype is PType.INTEGER:
        return {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER}
    if ptype is PType.BOOLEAN:
        return {"type": "string", "enum": ["TRUE", "FALSE"], "description": "Case-insensitive."}
    if ptype is PType.LOWER_BOOLEAN:
        return {"type": "string", "enum": ["true", "false"], "description": "Case-insensitive."}
    if ptype is PType.DATETIME:
        return {"type": "string", "pattern": DATETIME_PATTERN, "description": "Such as 2026-12-02 10:00:00."}
    if ptype is PType.DATE:
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if ptype is PType.TIME:
        return {"type": "string", "pattern": TIME_PATTERN, "description": "Such as 09:30."}
    if ptype is PType.ENUM:
        return {"type": "string", "enum": [c.upper() for c in choices], "description": "Case-insensitive."}
    return {"type": "string"}


def _query(name: str, schema: Schema, description: str, *, required: bool = False) -> Schema:
    out: Schema = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        out["description"] = description
    return out


def routing_params(m: Method) -> list[Schema]:
    out = [
        _query(
            "method",
            {"type": "string", "enum": [m.name]},
            "The method: IOVOX routes on this parameter.",
            required=True,
        ),
        _query("v", {"type": "integer", "enum": [3]}, "The API version.", required=True),
    ]
    output = "XML (default) or JSON." if m.json else "Accepted and ignored: the answer is XML."
    out.append(_query("output", {"type": "string", "enum": ["XML", "JSON"], "default": "XML"}, output))
    return out


def listing_params(listing: Listing) -> list[Schema]:
    out: list[Schema] = []
    if listing.paged:
        out.append(
            _query(
                "page",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                "Page number; a page past the last one is an empty `<results/>`.",
            )
        )
        out.append(
            _query(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": listing.limit_max, "default": listing.limit_max},
                "Results per page.",
            )
        )
    if listing.selectable:
        legend = ", ".join(f"`{f.abbr}` {f.element}" for f in listing.fields)
        out.append(
            {
                **_query(
                    "req_fields",
                    {
                        "type": "array",
                        "items": {"type": "string", "enum": [f.abbr for f in listing.fields]},
                        "default": [f.abbr for f in listing.default_fields],
                    },
                    f"Fields to return, comma-separated ({legend}); present but empty: rows without fields.",
                ),
                "style": "form",
                "explode": False,
            }
        )
    if listing.orderable:
        order: Schema = {
            "type": "string",
            "enum": [f"{f.abbr}_{d}" for f in listing.fields if f.orderable for d in ("ASC", "DESC")],
        }
        if listing.default_order:
            order["default"] = listing.default_order
        out.append(_query("order", order, "`<field>_ASC` or `<field>_DESC`."))
    return out


def method_param(m: Method, p: QueryParam) -> Schema:
    notes = [p.doc] if p.doc else []
    if p.empty_error and p.empty_error in m.errors:
        notes.append(f"Missing or empty: `{m.errors[p.empty_error].text}`.")
    if p.invalid_error and p.invalid_error in m.errors:
        notes.append(f"Not a valid value: `{m.errors[p.invalid_error].text}`.")
    if p.end_of_day:
        notes.append("A bare date means the end of that day (23:59:59).")
    one = value_schema(p.type, p.choices)
    if p.mandatory and one == {"type": "string"}:
        one.update(NOT_BLANK)
    if p.default is not None:
        one["default"] = p.default
    if not p.array:
        return _query(p.name, one, " ".join(notes), required=p.mandatory)
    notes.append("Also sent as `name[]` or `name[0]`, `name[1]` …")
    schema = {"type": "array", "items": one, "maxItems": DEFAULT_MAX_ITEMS}
    if p.mandatory:
        schema["minItems"] = 1
    return {**_query(p.name, schema, " ".join(notes), required=p.mandatory), "style": "form", "explode": True}


def parameters(m: Method) -> list[Schema]:
    out = routing_params(m)
    if m.listing is not None:
        out += listing_params(m.listing)
    out += [method_param(m, p) for p in m.params]
    return out


# -- request bodies ----------------------------------------------------------------------------------


def field_schema(f: PField) -> Schema:
    if f.nested is not None:
        return nested_schema(f.name, f.nested, f.required)
    if f.many:
        return many_schema(f)
    out = value_schema(f.type, f.choices)
    if f.required and out == {"type": "string"}:
        out.update(NOT_BLANK)
    limit = text_limit(f)
    if limit is not None and out.get("type") == "string" and "enum" not in out:
        out["maxLength"] = limit
    notes = [f.label]
    if f.aliases:
        notes.append("also read as " + ", ".join(f"<{a}>" for a in f.aliases))
    out["description"] = "; ".join(notes) + (" — " + out["description"] if "description" in out else "")
    return out


def many_schema(f: PField) -> Schema:
    """A repeated scalar: a list wrapper (`<link_ids><link_id>…`) or the element itself repeated."""
    one: Schema = {"type": "string"}
    limit = text_limit(f)
    if limit is not None:
        one["maxLength"] = limit
    wrapped = f.name.endswith("s")
    one["xml"] = {"name": f.name[:-1] if wrapped else f.name}
    out: Schema = {"type": "array", "items": one, "maxItems": DEFAULT_MAX_ITEMS, "description": f.label}
    if wrapped:
        out["xml"] = {"name": f.name, "wrapped": True}
    if f.required:
        out["minItems"] = 1
    return out


def record_schema(name: str | None, fields: tuple[PField, ...], open_fields: bool = False) -> Schema:
    out: Schema = {"type": "object", "properties": {f.name: field_schema(f) for f in fields}}
    required = [f.name for f in fields if f.required]
    if required:
        out["required"] = required
    if name:
        out["xml"] = {"name": name}
    if open_fields:
        out["additionalProperties"] = {"type": "string"}
    return out


def nested_schema(name: str, spec: Payload, required: bool) -> Schema:
    """A nested field: a single record (`item=None`) or a wrapper of repeated items."""
    if spec.item is None:
        return record_schema(name, spec.fields, spec.open_fields)
    out: Schema = {
        "type": "array",
        "xml": {"name": name, "wrapped": True},
        "items": record_schema(spec.item, spec.fields, spec.open_fields),
        "maxItems": spec.max_items or DEFAULT_MAX_ITEMS,
    }
    if required and spec.require_items:
        out["minItems"] = 1
    return out


def body_schema(p: Payload) -> Schema:
    """The `<request>` element of a method's body."""
    if p.raw:
        return flow_request_schema(p)
    out = record_schema("request", p.top)
    if p.item is not None:
        items: Schema = {
            "type": "array",
            "items": record_schema(p.item, p.fields, p.open_fields),
            "maxItems": p.max_items or DEFAULT_MAX_ITEMS,
        }
        key = p.wrapper or p.item
        items["xml"] = {"name": p.wrapper, "wrapped": True} if p.wrapper else {"name": p.item}
        if p.require_items:
            items["minItems"] = 1
            out.setdefault("required", []).insert(0, key)
        out["properties"] = {key: items, **out["properties"]}
    return out


# -- the call-flow language (raw bodies) ---------------------------------------------------------------


def _attribute(schema: Schema) -> Schema:
    return {**schema, "xml": {"attribute": True}}


def attr_schema(a: Attr) -> Schema:
    out: Schema = {"type": "string"}
    if a.choices:
        out["enum"] = [*a.choices, *((VARIABLE,) if a.slot else ())]
    elif a.pattern:
        out["pattern"] = f"^({a.pattern}|\\?)$" if a.slot else f"^{a.pattern}$"
    if a.slot:
        out["description"] = f"`?` leaves it to each link (rules_variable `{a.slot}`)."
    return _attribute(out)


SOUND_FILE: Schema = {
    "type": "object",
    "xml": {"name": "soundFile"},
    "properties": {
        "soundLabel": _attribute({"type": "string", "description": "`?`: filled per link."}),
        "soundGroup": _attribute({"type": "string"}),
    },
}


def message_schema(element: str) -> Schema:
    return {
        "type": "object",
        "xml": {"name": element},
        "properties": {"soundFile": {"type": "array", "items": SOUND_FILE}},
    }


def rule_schema(spec: RuleSpec, kind: str, depth: int) -> Schema:
    """One rule element; its branches hold rules again, described one level deep."""
    props: Schema = {"id": _attribute({"type": "string"}), "label": _attribute({"type": "string"})}
    props.update({a.name: attr_schema(a) for a in spec.attrs})
    if spec.inline_sounds:
        props["soundFile"] = {"type": "array", "items": SOUND_FILE}
    props.update({name: message_schema(name) for name in spec.messages})
    if spec.nested_play:
        props["play"] = rule_schema(RULES[kind]["play"], kind, depth + 1)
    if spec.events and depth == 0:
        props["eventHandlers"] = handlers_schema(spec.events, kind)
    required = ["id", "label", *(a.name for a in spec.attrs if a.required), *spec.required_messages]
    return {"type": "object", "xml": {"name": spec.element}, "properties": props, "required": required}


def rules_properties(kind: str, depth: int) -> Schema:
    return {
        element: {"type": "array", "items": rule_schema(spec, kind, depth), "xml": {"name": element}}
        for element, spec in RULES[kind].items()
    }


def handlers_schema(event: str, kind: str) -> Schema:
    match: Schema = (
        {"result": _attribute({"type": "string", "description": "Call results joined by `|`."})}
        if event == "callEvent"
        else {"keypressSequence": _attribute({"type": "string", "pattern": "^[0-9*#]+$"})}
    )
    branch: Schema = {
        "type": "object",
        "xml": {"name": event},
        "properties": {"action": _attribute({"type": "string"}), **match, **rules_properties(kind, 1)},
    }
    failure: Schema = {
        "type": "object",
        "xml": {"name": "failure"},
        "properties": {
            "id": _attribute({"type": "string"}),
            "label": _attribute({"type": "string"}),
            "attempts": _attribute({"type": "string", "pattern": "^[0-9]+$"}),
            **rules_properties(kind, 1),
        },
    }
    return {
        "type": "object",
        "xml": {"name": "eventHandlers"},
        "properties": {
            event: {"type": "array", "items": branch},
            "failure": {"type": "array", "items": failure},
        },
    }


def flow_schema(root: str) -> Schema:
    kind = FLOW_ROOTS[root]
    return {
        "type": "object",
        "xml": {"name": root},
        "description": f"A {kind.lower()} flow: its rules are its child elements, in order.",
        "properties": {
            "name": _attribute({"type": "string"}),
            "newName": _attribute({"type": "string", "description": "Update only: the new name."}),
            "notes": _attribute({"type": "string"}),
            **rules_properties(kind, 0),
        },
        "required": ["name"],
    }


def flow_request_schema(p: Payload) -> Schema:
    roots = [p.item] if p.item else list(FLOW_ROOTS)
    return {
        "type": "object",
        "xml": {"name": "request"},
        "properties": {root: {"$ref": f"#/components/schemas/{root}"} for root in roots},
        "minProperties": 1,
        "maxProperties": 1,
    }


# -- answers -------------------------------------------------------------------------------------------


def _field_value(f: Field, as_json: bool) -> Schema:
    """A text, or the element tree that a handler fills (time_frames, rules): the catalogue marks
    those as not orderable, and only those among the fields outside a group."""
    if f.orderable:
        return {"type": "string"}
    if as_json:
        return {
            "anyOf": [{"type": "object"}, {"type": "array"}, EMPTY_TEXT],
            "description": "An element tree.",
        }
    return {"type": "object", "xml": {"name": f.element}, "description": "An element tree."}


def _row_properties(listing: Listing, as_json: bool) -> Schema:
    fields = listing.fields
    text: Schema = {"type": "string"}
    props: Schema = {f.element: _field_value(f, as_json) for f in fields if f.group is None}
    groups: dict[str, list[Field]] = {}
    for f in fields:
        if f.group:
            groups.setdefault(f.group, []).append(f)
    items: dict[str, Schema] = {}
    for group, members in groups.items():
        wrapper, child = group.split("/", 1)
        item: Schema = {"type": "object", "properties": {f.element: dict(text) for f in members}}
        items[group] = item
        if as_json:
            one_or_many = {"anyOf": [{"type": "array", "items": item}, item]}
            props[wrapper] = {
                "anyOf": [
                    {"type": "object", "properties": {child: one_or_many}},
                    {"type": "array"},
                    EMPTY_TEXT,
                ]
            }
        else:
            props[wrapper] = _wrapped(wrapper, child, item)
    if not as_json:  # JSON rows are open objects: the extras are written there as they come
        for extra in listing.extras:
            _add_extra(props, items, extra)
    return props


def _wrapped(wrapper: str, child: str, item: Schema) -> Schema:
    return {
        "type": "array",
        "xml": {"name": wrapper, "wrapped": True},
        "items": {**item, "xml": {"name": child}},
    }


def _add_extra(props: Schema, items: dict[str, Schema], extra: Extra) -> None:
    """An element req_fields does not select, in the row or in a group's items (XML side)."""
    group, _, element = extra.path.rpartition("/")
    target = items[group]["properties"] if group else props
    if extra.like is not None:
        child = extra.like.split("/", 1)[1]
        target[element] = _wrapped(element, child, items[extra.like])
    elif extra.tree:
        target[element] = {"type": "object", "xml": {"name": element}, "description": "An element tree."}
    else:
        target.setdefault(element, {"type": "string"})


def list_schema(listing: Listing, as_json: bool) -> Schema:
    count: Schema = {"type": "string"} if as_json else {"type": "integer", "minimum": 0}
    row: Schema = {"type": "object", "properties": _row_properties(listing, as_json)}
    envelope = {"current_page": count, "total_pages": count, "total_results": count}
    results: Schema
    if not as_json:
        results = {
            "type": "array",
            "xml": {"name": "results", "wrapped": True},
            "items": {**row, "xml": {"name": "result"}},
        }
        return {"type": "object", "xml": {"name": "response"}, "properties": {**envelope, "results": results}}
    results = {
        "anyOf": [
            {"type": "object", "properties": {"result": {"anyOf": [{"type": "array", "items": row}, row]}}},
            EMPTY_TEXT,
        ]
    }
    inner = {"type": "object", "properties": {**envelope, "results": results}}
    return {"type": "object", "required": ["response"], "properties": {"response": inner}}


def success_content(m: Method) -> Schema | None:
    if m.response is Response.BINARY:
        audio = AUDIO_TYPES.get(m.key, DEFAULT_AUDIO)
        return {t: {"schema": {"type": "string", "contentMediaType": t}} for t in audio}
    if m.response is Response.EMPTY or m.verb in (Verb.PUT, Verb.DELETE):
        return None
    if m.response is Response.LIST and m.listing is not None:
        xml, as_json = list_schema(m.listing, False), list_schema(m.listing, True)
    else:
        xml = {"type": "object", "xml": {"name": "response"}, "description": "Built by the method."}
        as_json = {"type": "object", "required": ["response"]}
    out = {XML: {"schema": xml}}
    if m.json:
        out[JSON_CONTENT_TYPE] = {"schema": as_json}
    return out


def responses(m: Method) -> Schema:
    success: Schema = {"description": _success_text(m)}
    content = success_content(m)
    if content is not None:
        success["content"] = content
    out: Schema = {str(m.success_status): success, "400": error_response(m, 400)}
    for status in sorted({e.status for e in m.errors.values()} - {400}):
        out[str(status)] = error_response(m, status)
    out["401"] = {"$ref": "#/components/responses/Unauthorized"}
    out["414"] = {"$ref": "#/components/responses/UriTooLong"}
    out["431"] = {"$ref": "#/components/responses/HeadersTooLarge"}
    out["500"] = {"$ref": "#/components/responses/InternalError"}
    if m.key not in HANDLERS:
        out["501"] = _fixed_error("Not implemented in mock-iovox", 501, errors.NOT_IMPLEMENTED)
    return dict(sorted(out.items()))


def _success_text(m: Method) -> str:
    if m.response is Response.BINARY:
        return "The audio bytes."
    if m.response is Response.LIST:
        return "One page of results (XML; JSON with `output=JSON`)." if m.json else "One page of results."
    if m.response is Response.DOCUMENT and m.verb in (Verb.GET, Verb.POST):
        return "The method's `<response>` document."
    return "Done; no body."


# -- the document ---------------------------------------------------------------------------------------


def description(m: Method) -> str:
    parts = [
        m.summary,
        "",
        f"Known from: {m.sources or 'nothing public'} (PHP client, Ruby client, vendor DOC).",
    ]
    if m.guesses:
        parts += ["", "**Where the mock guesses** (not confirmed by the vendor):"]
        parts += [f"- {g}" for g in m.guesses]
    else:
        parts += ["", "Nothing guessed: the behaviour follows the vendor material."]
    return "\n".join(parts)


def operation(m: Method) -> Schema:
    op: Schema = {
        "operationId": m.name,
        "tags": [m.interface],
        "summary": m.summary,
        "description": description(m),
        "parameters": parameters(m),
    }
    if m.payload is not None:
        op["requestBody"] = {
            "required": True,
            "description": "An XML document whose root is `<request>` (any Content-Type is read as XML).",
            "content": {XML: {"schema": body_schema(m.payload)}},
        }
    op["responses"] = responses(m)
    op["x-iovox-sources"] = m.sources
    op["x-mock-guesses"] = list(m.guesses)
    return op


def info() -> Schema:
    lines = [
        "The IOVOX Enterprise REST API v3.0 as mock-iovox serves it, generated from its method catalogue.",
        "",
        "Each path key is `/{Interface}#method={name}`: IOVOX routes on the `method` query parameter, and "
        "the fragment only keeps the operations apart (it is never sent). Requests carry `v=3` and the "
        "`username` / `secureKey` headers; bodies are XML with the root `<request>`; errors are always the "
        "XML `<errors>` document, whatever `output` asks for.",
        "",
        "Where the mock guesses is said per operation; at the protocol level:",
        *(f"- {g}" for g in PROTOCOL_GUESSES),
    ]
    return {
        "title": "IOVOX Enterprise REST API v3.0 (mock-iovox)",
        "version": f"3.0 (mock-iovox {__version__})",
        "description": "\n".join(lines),
    }


@cache
def _document() -> str:
    doc: Schema = {
        "openapi": OPENAPI,
        "info": info(),
        "servers": [dict(s) for s in SERVERS],
        "tags": [
            {
                "name": i.name,
                "description": "Documented by the vendor, used by neither public client."
                if i.doc_only
                else "",
            }
            for i in CATALOG
        ],
        "security": [{"username": [], "secureKey": []}],
        "paths": {path_key(m): {m.verb.value.lower(): operation(m)} for m in all_methods()},
        "components": {
            "securitySchemes": {
                "username": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "username",
                    "description": "API user name.",
                },
                "secureKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "secureKey",
                    "description": "The user's key.",
                },
            },
            "schemas": {"Errors": ERRORS_SCHEMA, **{root: flow_schema(root) for root in FLOW_ROOTS}},
            "responses": COMMON_RESPONSES,
            "examples": general_examples(),
        },
    }
    return json.dumps(doc, ensure_ascii=False)


ERRORS_SCHEMA: Schema = {
    "type": "object",
    "xml": {"name": "errors"},
    "description": '`<errors><error status="400">text</error>…</errors>`: each text is a message.',
    "required": ["error"],
    "properties": {
        "error": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "xml": {"name": "error"},
                "properties": {"status": {"type": "integer", "xml": {"attribute": True}}},
            },
        }
    },
}


def compact_json() -> str:
    """The document as compact JSON (what GET /__mock__/openapi.json serves)."""
    return _document()


def document() -> Schema:
    """A fresh copy of the document (callers may change it)."""
    data: Schema = json.loads(_document())
    return data


def render(doc: Schema, fmt: str = "json") -> str:
    if fmt == "yaml":
        import yaml

        # libyaml's dumper when PyYAML has it: the pure-Python one takes seconds on this document
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return str(yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110))
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
