"""The OpenAPI 3.1 description of the control plane (/__mock__), made from its live route table.

The routes come from `ControlPlane.routes()` and the dashboard's, so a route added there appears here;
`ROUTES` says what each one takes and answers (docs/control-plane.md in data), and a test fails when a
route has no entry or an entry no route (tests/test_openapi.py).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from mock_iovox import __version__

Schema = dict[str, Any]

JSON = "application/json"
SQLITE = "application/vnd.sqlite3"
PREFIX = "/__mock__"
_CONVERTOR = re.compile(r":[a-z]+}")

_OBJ: Schema = {"type": "object"}
_CLOCK: Schema = {
    "type": "object",
    "properties": {
        "now": {"type": "string"},
        "frozen": {"type": "boolean"},
        "offset_seconds": {"type": "number"},
    },
}
_ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
}


def _body(properties: Schema, required: tuple[str, ...] = ()) -> Schema:
    out: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


_STR: Schema = {"type": "string"}
_INT: Schema = {"type": "integer"}
_BOOL: Schema = {"type": "boolean"}

#: (verb, path) → (summary, JSON body or None, success status, answer content types)
ROUTES: dict[tuple[str, str], tuple[str, Schema | None, int, tuple[str, ...]]] = {
    ("GET", "/health"): (
        "Readiness: every database answers (503 naming the ones that do not).",
        None,
        200,
        (JSON,),
    ),
    ("GET", "/openapi.json"): (
        "This vendor API's OpenAPI document (open, like /health).",
        None,
        200,
        (JSON,),
    ),
    ("GET", "/openapi-control.json"): ("The control plane's OpenAPI document (open).", None, 200, (JSON,)),
    ("GET", "/clock"): ("The environment's clock.", None, 200, (JSON,)),
    (
        "PUT",
        "/clock",
    ): (
        "Set, freeze, resume the clock, or put it back on the wall clock.",
        _body({"now": _STR, "frozen": _BOOL, "real": _BOOL}),
        200,
        (JSON,),
    ),
    ("POST", "/clock/advance"): (
        "Move the clock on.",
        _body({"seconds": {"type": "number"}}, ("seconds",)),
        200,
        (JSON,),
    ),
    ("POST", "/reset"): ("Back to the fixture (clock, journal, faults, snapshots stay).", None, 200, (JSON,)),
    ("GET", "/snapshots"): ("The named snapshots.", None, 200, (JSON,)),
    ("POST", "/snapshots"): ("Save the state under a name.", _body({"name": _STR}, ("name",)), 201, (JSON,)),
    ("POST", "/snapshots/{name}/restore"): ("Restore a snapshot (the clock too).", None, 200, (JSON,)),
    ("GET", "/snapshots/{name}"): (
        "A snapshot in the export format (`?format=sqlite`).",
        None,
        200,
        (JSON, SQLITE),
    ),
    ("DELETE", "/snapshots/{name}"): ("Delete a snapshot.", None, 200, (JSON,)),
    ("GET", "/state"): (
        "The current state in the export format (`?format=sqlite`).",
        None,
        200,
        (JSON, SQLITE),
    ),
    ("PUT", "/state"): ("Replace the state by an export (`?save=NAME` keeps it too).", _OBJ, 200, (JSON,)),
    ("GET", "/users"): ("API users with their IP ranges.", None, 200, (JSON,)),
    (
        "POST",
        "/users",
    ): (
        "Create an API user.",
        _body(
            {
                "account": _STR,
                "username": _STR,
                "secure_key": _STR,
                "allowed_ips": {"type": "array", "items": _STR},
            },
            ("account", "username", "secure_key"),
        ),
        201,
        (JSON,),
    ),
    (
        "PATCH",
        "/users/{username}",
    ): (
        "Change a user's key or ranges.",
        _body({"secure_key": _STR, "allowed_ips": {"type": "array", "items": _STR}}),
        200,
        (JSON,),
    ),
    ("DELETE", "/users/{username}"): ("Delete a user.", None, 200, (JSON,)),
    ("GET", "/journal"): (
        "Recorded vendor requests, oldest first (filters as query parameters).",
        None,
        200,
        (JSON,),
    ),
    ("DELETE", "/journal"): ("Empty the journal.", None, 200, (JSON,)),
    ("GET", "/faults"): ("Fault rules with their counters.", None, 200, (JSON,)),
    ("POST", "/faults"): ("Add a fault rule (docs/control-plane.md).", _OBJ, 201, (JSON,)),
    ("DELETE", "/faults"): ("Remove every fault rule.", None, 200, (JSON,)),
    ("DELETE", "/faults/{id}"): ("Remove one fault rule.", None, 200, (JSON,)),
    ("GET", "/outbox"): ("Purchase callbacks and their delivery attempts.", None, 200, (JSON,)),
    (
        "POST",
        "/calls/seed",
    ): (
        "Generate calls (as `mock-iovox seed`).",
        _body({"count": _INT, "days": _INT, "seed": _INT, "account": _STR, "anchor": _STR}, ("count",)),
        201,
        (JSON,),
    ),
    (
        "POST",
        "/calls",
    ): (
        "Place a simulated call through a link's flow (as `mock-iovox call`).",
        _body(
            {
                "link_id": _STR,
                "from": _STR,
                "digits": {"anyOf": [_STR, {"type": "array", "items": _STR}]},
                "api": _BOOL,
                "variables": {"type": "object", "additionalProperties": _STR},
                "seed": _INT,
                "user": _STR,
            },
            ("link_id",),
        ),
        201,
        (JSON,),
    ),
    ("GET", "/ca.crt"): (
        "The local CA's certificate (public, open without the key), for CI services whose files cannot be "
        "copied out: fetch it once without verification, then trust it.",
        None,
        200,
        ("application/x-pem-file",),
    ),
    ("GET", "/ui/login"): (
        "The dashboard's sign-in form (HTML): the admin key, exchanged for a session cookie.",
        None,
        200,
        ("text/html",),
    ),
    ("POST", "/session"): (
        'Exchange the admin key (the X-Mock-Admin-Key header, or `{"key": K}`) for a session cookie '
        "scoped to /__mock__ (HttpOnly, SameSite=Strict); a form post from the sign-in page is sent on "
        "to the dashboard (303).",
        _body({"key": _STR}),
        200,
        (JSON,),
    ),
    ("DELETE", "/session"): ("End the session (the cookie is cleared).", None, 200, (JSON,)),
    ("GET", "/ui"): ("The dashboard (HTML).", None, 200, ("text/html",)),
    ("POST", "/ui/call"): (
        "The dashboard's call form (an HTML form post): a 303 to the new call's page.",
        None,
        303,
        ("text/html",),
    ),
    ("GET", "/ui/journal"): (
        "The portal's journal page (HTML; filters method, status, user).",
        None,
        200,
        ("text/html",),
    ),
    ("GET", "/ui/analytics"): (
        "The portal's analytics page (HTML): query account, period = today|7|30|90.",
        None,
        200,
        ("text/html",),
    ),
    ("GET", "/ui/journal/{id}"): ("One journal entry: bodies, reason (HTML).", None, 200, ("text/html",)),
    ("GET", "/ui/flows"): ("The portal's call flows (HTML).", None, 200, ("text/html",)),
    ("GET", "/ui/flows/{pk}"): ("A call flow drawn as a tree (HTML).", None, 200, ("text/html",)),
    ("GET", "/ui/links/{link_id}"): (
        "A link and its flow with its values (HTML).",
        None,
        200,
        ("text/html",),
    ),
    ("GET", "/ui/calls"): ("The latest calls (HTML).", None, 200, ("text/html",)),
    ("GET", "/ui/calls/{call_id}"): ("A call: CDR, recording, path (HTML).", None, 200, ("text/html",)),
    ("GET", "/ui/controls"): ("The portal's controls (HTML).", None, 200, ("text/html",)),
    ("POST", "/ui/controls/{action}"): (
        "A control (an HTML form post): a 303 back to the controls or to the new call's page.",
        None,
        303,
        ("text/html",),
    ),
    ("GET", "/ui/recordings/{pk}.mp3"): ("A call recording.", None, 200, ("audio/mpeg",)),
}


def live_routes() -> list[tuple[str, str]]:
    """(verb, path) of every /__mock__ route the server mounts, without opening a database."""
    from starlette.routing import Route

    from mock_iovox.admin.api import ControlPlane
    from mock_iovox.admin.ui import Dashboard
    from mock_iovox.settings import Settings

    # routes() only wraps the operations in closures: an instance without databases is enough
    plane = ControlPlane.__new__(ControlPlane)
    plane.settings = Settings()  # the routes' body bounds are read from it
    # served by the server beside the control plane's own routes, open to anyone
    found = [
        ("GET", "/health"),
        ("GET", "/ca.crt"),
        ("GET", "/openapi.json"),
        ("GET", "/openapi-control.json"),
    ]
    for route in [*plane.routes(), *Dashboard(plane).routes()]:
        if isinstance(route, Route):
            path = _CONVERTOR.sub("}", route.path)  # `{pk:int}` → `{pk}`
            found += [(verb, path) for verb in sorted(route.methods or ()) if verb != "HEAD"]
    return found


def _operation(verb: str, path: str) -> Schema:
    summary, body, status, types = ROUTES[(verb, path)]
    params: list[Schema] = [
        {"name": name, "in": "path", "required": True, "schema": _STR} for name in _path_names(path)
    ]
    params.append(
        {
            "name": "env",
            "in": "query",
            "schema": {"type": "string", "enum": ["sandbox", "production"]},
            "description": "The environment (default: the server's default environment).",
        }
    )
    answer_schema: Schema = _OBJ if path != "/clock" else _CLOCK
    op: Schema = {
        "summary": summary,
        "operationId": f"{verb.lower()}{''.join(p.strip('{}').title() for p in path.split('/'))}",
        "parameters": params,
        "responses": {
            str(status): {
                "description": "Done.",
                "content": {t: {"schema": answer_schema if t == JSON else {"type": "string"}} for t in types},
            },
            "400": _problem("Bad input, naming the first offending field."),
            "401": _problem(
                "Admin key missing or wrong (or a non-loopback caller without a configured key)."
            ),
            "404": _problem("No such snapshot, user or fault rule."),
        },
    }
    if body is not None:
        op["requestBody"] = {"required": False, "content": {JSON: {"schema": body}}}
    return op


def _path_names(path: str) -> list[str]:
    return [part[1 : part.index("}")] for part in path.split("/") if part.startswith("{")]


def _problem(text: str) -> Schema:
    return {"description": text, "content": {JSON: {"schema": _ERROR}}}


@cache
def _document() -> str:
    paths: Schema = {}
    for verb, path in live_routes():
        paths.setdefault(PREFIX + path, {})[verb.lower()] = _operation(verb, path)
    doc: Schema = {
        "openapi": "3.1.0",
        "info": {
            "title": "mock-iovox control plane",
            "version": __version__,
            "description": "The JSON API beside the vendor surface (docs/control-plane.md). With --admin-key "
            "every call needs the X-Mock-Admin-Key header; without one only loopback callers may use it.",
        },
        "servers": [
            {
                "url": "https://{host}:{port}",
                "variables": {"host": {"default": "localhost"}, "port": {"default": "444"}},
            }
        ],
        "security": [{}, {"adminKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"adminKey": {"type": "apiKey", "in": "header", "name": "X-Mock-Admin-Key"}}
        },
    }
    return json.dumps(doc, ensure_ascii=False)


def document() -> Schema:
    data: Schema = json.loads(_document())
    return data


def serve_vendor_document(_: object) -> Any:
    """GET /__mock__/openapi.json (served by server/app.py, open like /health)."""
    from starlette.responses import Response

    from mock_iovox import openapi

    return Response(openapi.compact_json(), media_type=JSON)


def serve_control_document(_: object) -> Any:
    """GET /__mock__/openapi-control.json (served by server/app.py, open like /health)."""
    from starlette.responses import Response

    return Response(_document(), media_type=JSON)
