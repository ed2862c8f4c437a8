"""The demo dashboard under /__mock__/ui: server-rendered (Starlette + Jinja2 templates beside this
module), no script, no CDN, no build step.

Access is the control plane's (mock_iovox/admin/guard.py): loopback, or the admin key, which a
browser gives once in the login form (`/__mock__/ui/login`) for a session cookie scoped to
/__mock__. Every form carries a CSRF token (double submit: the same random value in a SameSite=Strict
cookie and in a hidden field).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mock_iovox import clock
from mock_iovox.admin import guard, journal
from mock_iovox.admin.api import ControlPlane, problem
from mock_iovox.admin.client import HEADER
from mock_iovox.admin.refused import refusal_page
from mock_iovox.calls.audio import render_mp3
from mock_iovox.db import Account, ApiUser, Call, Link, Node, Recording, VoxNumber
from mock_iovox.db.engine import Database

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

BASE = guard.COOKIE_PATH
#: largest dashboard form (or session request) body, in bytes
FORM_BYTES = 64 * 1024
RECENT_CALLS = 20
RECENT_REQUESTS = 20


@cache
def templates() -> Jinja2Templates:
    """The templates, made at the first page (Jinja2's import is not paid by a server start)."""
    from starlette.templating import Jinja2Templates

    made = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    from mock_iovox.admin.look import phone  # phonenumbers loads with the first page

    made.env.filters["phone"] = phone  # one number format on every page
    return made


class Dashboard:
    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.settings = plane.settings

    def _refused(self, request: Request) -> Response | None:
        try:
            guard.check_access(self.settings, request)
        except guard.Refusal as exc:
            if self.settings.admin_key and request.method == "GET":  # a browser: to the login form
                return RedirectResponse(f"{BASE}/ui/login", status_code=303)
            if request.method == "GET":  # a browser without a key to give: a page saying what to do
                return refusal_page(self.settings, request)
            return problem(exc.status, str(exc), exc.field)
        return None

    def _db(self, request: Request) -> Database | Response:
        env = request.query_params.get("env") or next(
            e for e in (self.settings.default_env, *self.plane.databases) if e in self.plane.databases
        )
        if env not in self.plane.databases:
            return problem(400, f"env must be one of {', '.join(sorted(self.plane.databases))}", "env")
        return self.plane.databases[env]

    def _allowed_db(self, request: Request) -> Database | Response:
        """The environment's database for a caller with the key, else the refusal to send."""
        refused = self._refused(request)
        return refused if refused is not None else self._db(request)

    def _page(self, request: Request, name: str, context: dict[str, Any]) -> Response:
        token, new = guard.csrf_token(request)
        response = templates().TemplateResponse(
            request,
            name,
            {
                "base": BASE,
                "environments": sorted(self.plane.databases),
                "csrf": token,
                "csrf_field": guard.CSRF_FIELD,
                **context,
            },
        )
        if new:
            guard.set_cookie(response, self.settings, guard.CSRF_COOKIE, token, None)
        return response

    async def _form(self, request: Request) -> dict[str, str] | Response:
        """A dashboard form's fields, once its origin and CSRF token are checked (bounded body)."""
        try:
            guard.check_cross_site(request, form=True)
            raw = await guard.read_body(request, FORM_BYTES)
            form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            guard.check_csrf(request, form)
        except guard.Refusal as exc:
            return problem(exc.status, str(exc), exc.field)
        return form

    async def login_page(self, request: Request) -> Response:
        return self._page(request, "login.html", {"env": "", "clock": None, "failed": False})

    async def login(self, request: Request) -> Response:
        """The admin key, once, for a session cookie: the login form (urlencoded, CSRF token) or a
        client (JSON `{"key": …}` or the X-Mock-Admin-Key header)."""
        if not self.settings.admin_key:
            return problem(400, "no admin key is configured: there is no session to open", "key")
        is_form = guard.media_type(request) == "application/x-www-form-urlencoded"
        if is_form:
            form = await self._form(request)
            if isinstance(form, Response):
                return form
            given = form.get("key", "")
        else:
            try:
                guard.check_cross_site(request)
                raw = await guard.read_body(request, FORM_BYTES)
            except guard.Refusal as exc:
                return problem(exc.status, str(exc), exc.field)
            given = request.headers.get(HEADER, "")
            if not given and raw.strip():
                try:
                    data = json.loads(raw)
                except ValueError:
                    return problem(400, "the body is not JSON", "body")
                given = str(data.get("key", "")) if isinstance(data, dict) else ""
        if not guard.key_matches(self.settings, given):
            if is_form:
                page = self._page(request, "login.html", {"env": "", "clock": None, "failed": True})
                page.status_code = 401
                return page
            return problem(401, "admin key wrong: give the server's --admin-key", "key")
        answer: Response = (
            RedirectResponse(f"{BASE}/ui", status_code=303)
            if is_form
            else Response(
                json.dumps({"session": "open", "expires_in": guard.SESSION_SECONDS}),
                media_type="application/json",
            )
        )
        session = guard.new_session(self.settings.admin_key)
        guard.set_cookie(answer, self.settings, guard.SESSION_COOKIE, session, guard.SESSION_SECONDS)
        return answer

    async def logout(self, request: Request) -> Response:
        try:
            guard.check_cross_site(request)
        except guard.Refusal as exc:
            return problem(exc.status, str(exc), exc.field)
        answer = Response(json.dumps({"session": "closed"}), media_type="application/json")
        guard.set_cookie(answer, self.settings, guard.SESSION_COOKIE, "", 0)
        return answer

    async def dashboard(self, request: Request) -> Response:
        db = self._allowed_db(request)
        if isinstance(db, Response):
            return db
        context = await anyio.to_thread.run_sync(overview, db, self.settings.journal_size)
        return self._page(request, "dashboard.html", context)

    async def analytics_page(self, request: Request) -> Response:
        # imported at the first page: a server start pays for none of phonenumbers (tests/test_startup.py)
        from mock_iovox.admin import analytics

        db = self._allowed_db(request)
        if isinstance(db, Response):
            return db
        query = request.query_params
        account, period = query.get("account") or None, query.get("period") or analytics.DEFAULT_PERIOD
        context = await anyio.to_thread.run_sync(analytics.page, db, account, period)
        page = self._page(request, "analytics.html", context)
        if context["error"]:
            page.status_code = 400
        return page

    async def recording(self, request: Request) -> Response:
        db = self._allowed_db(request)
        if isinstance(db, Response):
            return db
        pk = int(request.path_params["pk"])
        cap = self.settings.recording_cap_seconds
        mp3 = await anyio.to_thread.run_sync(lambda: call_recording(db, pk, cap))
        if mp3 is None:
            return problem(404, f"call {pk} has no recording (or is later than the clock)", "pk")
        return Response(mp3, media_type="audio/mpeg")

    def routes(self) -> list[BaseRoute]:
        from mock_iovox.admin.portal import Portal  # at the first app: its libraries load with the pages

        portal = Portal(self)  # the portal's pages build on this class's helpers
        return [
            Route("/ui", self.dashboard, methods=["GET"]),
            # the dashboard's "place a call" form: the portal's control, answered by a redirect
            Route("/ui/call", portal.control, methods=["POST"]),
            Route("/ui/login", self.login_page, methods=["GET"]),
            Route("/session", self.login, methods=["POST"]),
            Route("/session", self.logout, methods=["DELETE"]),
            Route("/ui/analytics", self.analytics_page, methods=["GET"]),
            *portal.routes(),
            Route("/ui/recordings/{pk:int}.mp3", self.recording, methods=["GET"]),
        ]


def recent(db: Database, limit: int, ring: int) -> dict[str, Any]:
    with db.reading() as session:
        entries = journal.query(session, {"limit": str(limit)}, ring)
        return {"env": db.env, "clock": clock.read(session).describe(), "journal": list(reversed(entries))}


def overview(db: Database, ring: int) -> dict[str, Any]:
    from mock_iovox.admin.portal import latest_calls as portal_calls

    context = recent(db, RECENT_REQUESTS, ring)
    with db.reading() as session:
        numbers: dict[int, list[str]] = {}
        for link_pk, number in session.execute(
            select(VoxNumber.link_pk, VoxNumber.number)
            .where(VoxNumber.link_pk.is_not(None))
            .order_by(VoxNumber.number)
        ):
            if link_pk is not None:
                numbers.setdefault(link_pk, []).append(number)
        accounts = []
        for account in session.scalars(select(Account).order_by(Account.pk)):
            users = session.scalars(
                select(ApiUser.username).where(ApiUser.account_pk == account.pk).order_by(ApiUser.pk)
            ).all()
            nodes = []
            for node in session.scalars(select(Node).where(Node.account_pk == account.pk).order_by(Node.pk)):
                links = [
                    {
                        "link_id": link.link_id,
                        "link_name": link.link_name,
                        "link_type": link.link_type,
                        "numbers": numbers.get(link.pk, []),
                    }
                    for link in session.scalars(select(Link).where(Link.node_pk == node.pk).order_by(Link.pk))
                ]
                nodes.append(
                    {
                        "node_id": node.node_id,
                        "node_name": node.node_name,
                        "node_type": node.node_type,
                        "links": links,
                    }
                )
            accounts.append({"name": account.name, "users": users, "nodes": nodes})
        calls = [
            {
                "pk": call.pk,
                "call_id": call.call_id,
                "account": account_name,
                "call_start": call.call_start.isoformat(" "),
                "call_origin": call.call_origin,
                "voxnumber": call.voxnumber,
                "node_name": call.node_name,
                "link_name": call.link_name,
                "call_result": call.call_result,
                "talk_time_sec": call.talk_time_sec,
                "has_recording": call.has_recording,
            }
            for call, account_name in portal_calls(session, RECENT_CALLS)
        ]
    # the first recording loads with the page (a demo can play it at once); the others on demand
    first = next((c["pk"] for c in calls if c["has_recording"]), None)
    return {**context, "accounts": accounts, "calls": calls, "first_recording": first}


def call_recording(db: Database, pk: int, cap: int) -> bytes | None:
    """The call's recording, the same bytes getCallRecording answers (rendered and kept on first use)."""
    with db.reading() as session:
        now = clock.now(session)
        call = session.scalar(select(Call).where(Call.pk == pk, Call.call_start <= now))
        if call is None or not call.has_recording:
            return None
        cached = session.scalar(
            select(Recording.mp3).where(Recording.call_pk == pk, Recording.kind == "call")
        )
        if cached is not None:
            return cached
        call_id, talk = call.call_id, call.talk_time_sec
    mp3 = render_mp3(f"call:{call_id}", max(1, min(talk, cap)))
    try:
        with db.writing() as session:
            session.add(Recording(call_pk=pk, kind="call", mp3=mp3, created_at=now))
    except IntegrityError:
        pass  # kept by another request meanwhile: the same bytes
    return mp3


__all__ = ["Dashboard"]
