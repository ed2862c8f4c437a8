"""The demo dashboard under /__mock__/ui: server-rendered (Starlette + Jinja2 templates beside this
module), no script, no CDN, no build step.

Access is the control plane's (mock_iovox/admin/api.py): loopback, or the admin key, which a browser
may give once as `?key=…` (it is then kept in a cookie for the session).
"""

from __future__ import annotations

import hmac
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mock_iovox import clock
from mock_iovox.admin import journal
from mock_iovox.admin.api import ControlPlane, denied, problem
from mock_iovox.admin.refused import refusal_page
from mock_iovox.calls import engine, simulate
from mock_iovox.calls.audio import render_mp3
from mock_iovox.db import Account, ApiUser, Call, Link, Node, Recording, VoxNumber
from mock_iovox.db.engine import Database

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

COOKIE = "mock_iovox_admin_key"
RECENT_CALLS = 20
RECENT_REQUESTS = 20


@cache
def templates() -> Jinja2Templates:
    """The templates, made at the first page (Jinja2's import is not paid by a server start)."""
    from starlette.templating import Jinja2Templates

    return Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class Dashboard:
    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.settings = plane.settings

    def _refused(self, request: Request) -> Response | None:
        key = self.settings.admin_key
        if key:
            given = request.query_params.get("key") or request.cookies.get(COOKIE, "")
            if given and hmac.compare_digest(given.encode(), key.encode()):
                return None
        if denied(self.settings, request) is None:
            return None
        return refusal_page(self.settings, request)

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
        response = templates().TemplateResponse(
            request,
            name,
            {"base": "/__mock__", "environments": sorted(self.plane.databases), **context},
        )
        key = request.query_params.get("key")
        if (
            key
            and self.settings.admin_key
            and hmac.compare_digest(key.encode(), self.settings.admin_key.encode())
        ):
            response.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=True)
        return response

    async def dashboard(self, request: Request) -> Response:
        db = self._allowed_db(request)
        if isinstance(db, Response):
            return db
        context = await anyio.to_thread.run_sync(overview, db, self.settings.journal_size)
        return self._page(request, "dashboard.html", context)

    async def journal_page(self, request: Request) -> Response:
        db = self._allowed_db(request)
        if isinstance(db, Response):
            return db
        context = await anyio.to_thread.run_sync(recent, db, 200, self.settings.journal_size)
        return self._page(request, "journal.html", context)

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

    async def place_call(self, request: Request) -> Response:
        """The dashboard's "place a call" form (urlencoded): the call engine through the link's flow,
        then back to the dashboard showing the new CDR and the rules it took."""
        db = self._allowed_db(request)
        if isinstance(db, Response):
            return db
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        req = engine.CallRequest(
            link_id=form.get("link_id", "").strip(),
            number=form.get("from", "").strip(),
            call_type=engine.API if form.get("api") else engine.DIRECT,
            digits=[d.strip() for d in form.get("digits", "").split(",") if d.strip()],
        )

        def place() -> dict[str, Any]:
            with db.transaction(write=True) as session:
                outcome = simulate.place(session, req)
                return {"cdr": simulate.cdr_json(outcome), "trace": outcome.trace}

        try:
            placed = await anyio.to_thread.run_sync(place)
        except simulate.SimulateError as exc:
            placed = {"error": str(exc)}
        context = await anyio.to_thread.run_sync(overview, db, self.settings.journal_size)
        return self._page(request, "dashboard.html", {**context, "placed": placed, "form": form})

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/ui", self.dashboard, methods=["GET"]),
            Route("/ui/call", self.place_call, methods=["POST"]),
            Route("/ui/journal", self.journal_page, methods=["GET"]),
            Route("/ui/recordings/{pk:int}.mp3", self.recording, methods=["GET"]),
        ]


def recent(db: Database, limit: int, ring: int) -> dict[str, Any]:
    with db.transaction() as session:
        entries = journal.query(session, {"limit": str(limit)}, ring)
        return {"env": db.env, "clock": clock.read(session).describe(), "journal": list(reversed(entries))}


def overview(db: Database, ring: int) -> dict[str, Any]:
    context = recent(db, RECENT_REQUESTS, ring)
    with db.transaction() as session:
        now = clock.now(session)
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
            for call, account_name in session.execute(
                select(Call, Account.name)
                .join(Account, Account.pk == Call.account_pk)
                .where(Call.call_start <= now)
                .order_by(Call.call_start.desc(), Call.pk.desc())
                .limit(RECENT_CALLS)
            )
        ]
    # the first recording loads with the page (a demo can play it at once); the others on demand
    first = next((c["pk"] for c in calls if c["has_recording"]), None)
    return {**context, "accounts": accounts, "calls": calls, "first_recording": first}


def call_recording(db: Database, pk: int, cap: int) -> bytes | None:
    """The call's recording, the same bytes getCallRecording answers (rendered and kept on first use)."""
    with db.transaction() as session:
        now = clock.now(session)
        call = session.scalar(select(Call).where(Call.pk == pk, Call.call_start <= now))
        if call is None or not call.has_recording:
            return None
        cached = session.scalar(
            select(Recording.mp3).where(Recording.call_pk == pk, Recording.kind == "call")
        )
        if cached is not None:
            return cached
        mp3 = render_mp3(f"call:{call.call_id}", max(1, min(call.talk_time_sec, cap)))
        try:
            with session.begin_nested():
                session.add(Recording(call_pk=pk, kind="call", mp3=mp3, created_at=now))
        except IntegrityError:
            pass
        return mp3


__all__ = ["Dashboard"]
