"""The control plane as a surface a browser can reach: who may call it, and what a web page can't.

Any page a developer opens can send requests to `https://localhost:PORT/__mock__/…`; a browser sends
"simple" requests (a form, `fetch` with `text/plain`, no custom header) cross-site without asking
the server first, and such a request comes from loopback. So:

* **State-changing requests** (every verb but GET and HEAD) are refused (403 JSON) when they carry
  an `Origin` (or `Sec-Fetch-Site`) of another site, and a POST must be non-simple: a Content-Type
  outside the three a form can send, or the `X-Requested-With` / `X-Mock-Admin-Key` header (which
  a browser only sends cross-site after a CORS preflight this server never grants). PUT, PATCH and
  DELETE are preflighted by every browser anyway.
* **The dashboard's forms** are simple by nature, so they carry a CSRF token: a random value in a
  cookie (`Path=/__mock__`, HttpOnly, SameSite=Strict) and the same value in a hidden field
  (double submit: a page of another site can read neither).
* **The admin key** is exchanged once (`POST /__mock__/session`, the dashboard's login form) for a
  session cookie scoped to `/__mock__` (HttpOnly, SameSite=Strict, Secure over TLS). The cookie
  holds an expiry, a nonce and their HMAC under the key, never the key; every worker checks it
  without shared state. The key is never accepted in a URL (it would land in logs and history).
* **Behind a proxy** (`--trusted-proxy`) every caller's socket peer is the proxy, often loopback, so
  loopback trust would admit everyone: the server refuses to start that way without an admin key
  (startup.check_access), and the control plane refuses every caller if it is built so anyway.
* **Bodies** are read up to `--max-body-bytes` (`--max-import-bytes` for a state import; Content-Length
  first, then as they stream): past it, 413 without buffering the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mock_iovox.admin.client import HEADER, REQUEST_HEADER

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from mock_iovox.settings import Settings

SESSION_COOKIE = "mock_iovox_session"
CSRF_COOKIE = "mock_iovox_csrf"
CSRF_FIELD = "csrf"
COOKIE_PATH = "/__mock__"
#: a session's life, in seconds
SESSION_SECONDS = 12 * 3600
#: the media types a cross-site form or a no-CORS fetch can send without a preflight
SIMPLE_TYPES = frozenset({"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})
SAFE_VERBS = frozenset({"GET", "HEAD"})


class Refusal(Exception):
    """Why a request may not go on: `status` and the message of its JSON answer."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def is_loopback(host: str | None) -> bool:
    try:
        addr = ipaddress.ip_address((host or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def foreign_origin(request: Request) -> str | None:
    """The other site a browser says the request comes from, if any."""
    if request.headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site"):
        return request.headers.get("origin") or request.headers["sec-fetch-site"]
    origin = request.headers.get("origin")
    if origin is None:
        return None
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        return origin
    return None if netloc and netloc == request.headers.get("host", "").lower() else origin


def check_cross_site(request: Request, form: bool = False) -> None:
    """A state-changing request must come from this site, and (unless it is one of the dashboard's
    forms, which carry a CSRF token instead) be one a web page cannot send without a preflight."""
    if request.method in SAFE_VERBS:
        return
    origin = foreign_origin(request)
    if origin is not None:
        raise Refusal(403, f"cross-site request refused: Origin {origin!r} is not this server")
    if form or request.method != "POST":
        return
    custom = REQUEST_HEADER in request.headers or HEADER in request.headers
    if media_type(request) in SIMPLE_TYPES and not custom:
        raise Refusal(
            403,
            "a POST to /__mock__ must send Content-Type: application/json (or the "
            "X-Requested-With header): a web page could send this one from another site",
        )


# -- the admin key and its session ----------------------------------------------------------------


def _mac(key: str, text: str) -> str:
    return hmac.new(key.encode(), f"mock-iovox session {text}".encode(), hashlib.sha256).hexdigest()


def new_session(key: str, now: float | None = None) -> str:
    expiry = int((now if now is not None else time.time()) + SESSION_SECONDS)
    text = f"{expiry}.{secrets.token_urlsafe(12)}"
    return f"{text}.{_mac(key, text)}"


def valid_session(key: str, token: str, now: float | None = None) -> bool:
    expiry, _, rest = token.partition(".")
    nonce, _, mac = rest.partition(".")
    if not expiry.isdigit() or not nonce or not mac:
        return False
    if int(expiry) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(mac, _mac(key, f"{expiry}.{nonce}"))


def key_matches(settings: Settings, given: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), settings.admin_key.encode())


def check_access(settings: Settings, request: Request) -> None:
    """Raise Refusal unless the caller may use the control plane."""
    if settings.admin_key:
        given = request.headers.get(HEADER, "")
        if key_matches(settings, given):
            return
        if valid_session(settings.admin_key, request.cookies.get(SESSION_COOKIE, "")):
            return
        what = "missing" if not given else "wrong"
        raise Refusal(401, f"admin key {what}: send the server's --admin-key in the X-Mock-Admin-Key header")
    if settings.trusted_proxies:
        raise Refusal(
            401,
            "with --trusted-proxy every caller reaches this server through the proxy, so loopback "
            "proves nothing: start the server with --admin-key to use /__mock__",
        )
    if is_loopback(request.client.host if request.client else None):
        return
    raise Refusal(
        401,
        "no admin key is configured, so only loopback callers may use /__mock__ "
        "(start the server with --admin-key)",
    )


def set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=not settings.insecure,
    )


# -- CSRF (the dashboard's forms) ----------------------------------------------------------------


def csrf_token(request: Request) -> tuple[str, bool]:
    """The browser's CSRF token, and whether it is new (to be set as a cookie)."""
    have = request.cookies.get(CSRF_COOKIE, "")
    if len(have) >= 32:
        return have, False
    return secrets.token_urlsafe(32), True


def check_csrf(request: Request, form: dict[str, str]) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = form.get(CSRF_FIELD, "")
    if not cookie or not given or not hmac.compare_digest(cookie.encode(), given.encode()):
        raise Refusal(403, "the form's CSRF token is missing or stale: reload the dashboard and try again")


# -- bounded bodies ---------------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) past `limit` bytes before more of it is read."""
    declared = request.headers.get("content-length", "")
    too_large = Refusal(413, f"the body is larger than {limit} bytes (the server's --max-body-bytes)", "body")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
