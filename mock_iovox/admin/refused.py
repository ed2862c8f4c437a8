"""The dashboard's 401 as a page a person can act on: which key is wanted and how to give it (the
sign-in form at /__mock__/ui/login, which exchanges it for a session cookie; scripts send the
X-Mock-Admin-Key header), and, without a configured key, why Docker's port mapping shuts the browser
out (its requests never come from loopback) and how to set one. The JSON API keeps its JSON 401."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from mock_iovox.admin.client import HEADER
from mock_iovox.settings import Settings

_WITH_KEY = (
    "This server has an admin key (--admin-key, or MOCK_IOVOX_ADMIN_KEY in Docker) and the request "
    "{what}. Sign in once at <code>/__mock__/ui/login</code> with the admin key: a session cookie (never "
    "the key) is kept for 12 hours. Scripts send it in the <code>{header}</code> header."
)
_WITHOUT_KEY = (
    "This server has no admin key, so only loopback callers may use /__mock__, and this request "
    "came from {peer}. Behind Docker's port mapping every request comes from the bridge, never from "
    "loopback: start the container with an admin key, <code>docker run -e MOCK_IOVOX_ADMIN_KEY=&lt;a "
    "secret&gt; …</code> (or the server with --admin-key), then sign in at "
    "<code>/__mock__/ui/login</code> with that secret."
)


def refusal_page(settings: Settings, request: Request) -> HTMLResponse:
    page = escape(str(request.url.path))
    if settings.admin_key:
        given = request.headers.get(HEADER)
        what = "gave a wrong key" if given else "gave none"
        advice = _WITH_KEY.format(what=what, page=page, header=HEADER)
    else:
        peer = escape(request.client.host if request.client else "an unknown address")
        advice = _WITHOUT_KEY.format(peer=peer, page=page)
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mock-iovox: admin key '
        f"needed</title></head><body><h1>401: the dashboard needs the admin key</h1><p>{advice}</p>"
        "</body></html>"
    )
    return HTMLResponse(body, status_code=401)
