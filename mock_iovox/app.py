"""create_app(settings) -> Starlette; the HTTP layer around the dispatcher, and nothing else."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_iovox import errors, reqlog, xmlio
from mock_iovox.db.engine import Database
from mock_iovox.dispatch import Dispatcher, Incoming, Outgoing, error_response, internal_error
from mock_iovox.errors import VendorError
from mock_iovox.settings import Settings, from_environ


class AnyVerb:
    """An endpoint for every HTTP method (TRACE, PROPFIND …): the dispatcher answers a verb the
    method does not take in the vendor's shape (`Request Method must be …`), where a Route with a
    method list would answer Starlette's plain-text 405 (issue 14 item 11)."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.app = request_response(endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


log = logging.getLogger("mock_iovox")


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body whatever its Content-Type (DECISIONS.md §1), refused past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def to_response(out: Outgoing, head: bool = False) -> Response:
    headers = {"content-type": out.content_type} if out.content_type else None
    return Response(b"" if head else out.body, status_code=out.status, headers=headers)


class FaultBarrier:
    """Outermost ASGI middleware: any fault that escaped becomes the vendor's XML 500, never a
    traceback (when the response has not started yet)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("fault outside the dispatcher in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await to_response(internal_error())(scope, receive, send)


def create_app(settings: Settings, databases: Mapping[str, Database] | None = None) -> Starlette:
    """The vendor API for the environments in `settings`; databases must already be prepared
    (schema + fixture: see mock_iovox.fakes.fixtures.prepare)."""
    dbs = dict(databases) if databases is not None else open_databases(settings)
    dispatcher = Dispatcher(settings, dbs)
    # Handlers are CPU-bound Python: more threads than this only fight over the GIL (measured in
    # bench/calls_bench.py: 1 thread gave twice the throughput of anyio's default 40).
    limiter = anyio.CapacityLimiter(settings.handler_threads)
    # the control plane (mock_iovox/admin): faults before the dispatcher, the journal after it
    from mock_iovox.admin import control_routes
    from mock_iovox.admin.hooks import Reply, VendorHooks, dropped

    hooks = VendorHooks(settings, dbs)

    async def vendor(request: Request) -> Response:
        started = time.perf_counter()
        note: reqlog.Note = {}
        response = await answer(request, note)
        note["ms"] = round((time.perf_counter() - started) * 1000, 1)
        if reqlog.REQUESTS.isEnabledFor(logging.DEBUG):  # --log-level debug: the query and answer size
            note.update(query=request.url.query, bytes=len(response.body))
        reqlog.emit(note, note.pop("fault", None))
        return response

    async def answer(request: Request, note: reqlog.Note) -> Response:
        head = request.method == "HEAD"
        incoming = Incoming(
            verb=request.method,
            path=request.url.path,
            query=request.query_params.multi_items(),
            headers=request.headers,
            host=request.headers.get("host", ""),
            peer=request.client.host if request.client else None,
            body=b"",
        )
        if hooks.may_fault(incoming):
            before = await anyio.to_thread.run_sync(hooks.before, incoming, limiter=limiter)
        else:
            before = hooks.unchecked(incoming)
        body = b""
        reply = before.reply
        if reply is None:
            kept = dispatcher.cached(incoming)  # a current answer in memory: no transaction
            if kept is not None:
                note.update(method=reqlog.method_label(incoming.path, incoming.query), status=kept.status)
                out = kept
            else:
                out, body = await dispatch(request, incoming, note, head)
            reply = Reply(out, before.delay)
        else:
            note.update(method=reqlog.method_label(incoming.path, incoming.query), status=reply.out.status)
        if settings.journal_size > 0:
            await anyio.to_thread.run_sync(hooks.after, before, incoming, body, reply, limiter=limiter)
        if reply.delay:
            await anyio.sleep(reply.delay)
        return dropped() if reply.drop else to_response(reply.out, head)

    async def dispatch(
        request: Request, incoming: Incoming, note: reqlog.Note, head: bool
    ) -> tuple[Outgoing, bytes]:
        # authenticated from the headers first: a body is read only for a caller who may send one
        admitted = await anyio.to_thread.run_sync(dispatcher.admit, incoming, note, limiter=limiter)
        if isinstance(admitted, Outgoing):
            return admitted, b""
        try:
            body = await read_body(request, settings.max_body_bytes)
        except BodyTooLarge:
            err = VendorError(400, errors.BODY_TOO_LARGE.format(limit=settings.max_body_bytes))
            note.update(status=400, errors=[err.message])
            return error_response([err]), b""
        out = await anyio.to_thread.run_sync(dispatcher.run, admitted, body, note, limiter=limiter)
        return out, body

    def check_databases() -> dict[str, str]:
        problems = {}
        for env, db in dbs.items():
            try:
                db.ping()
            except Exception as exc:
                problems[env] = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return problems

    async def health(_: Request) -> Response:
        """Readiness: every database answers (and holds its fixture); 503 naming the ones that do not."""
        problems = await anyio.to_thread.run_sync(check_databases)
        body: dict[str, object] = {"status": "unavailable" if problems else "ok", "environments": sorted(dbs)}
        if problems:
            body["problems"] = problems
        return Response(json.dumps(body), status_code=503 if problems else 200, media_type="application/json")

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        for db in dbs.values():
            db.dispose()

    return Starlette(
        routes=[
            Route("/__mock__/health", health, methods=["GET"]),
            Mount("/__mock__", routes=control_routes(settings, dbs)),
            Route("/{path:path}", AnyVerb(vendor)),
        ],
        middleware=[Middleware(FaultBarrier)],
        lifespan=lifespan,
    )


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def https_required_app() -> ASGIApp:
    """The optional plain-HTTP listener: every request gets 400 `HTTPS Required`."""
    body = xmlio.render_errors([VendorError(400, errors.HTTPS_REQUIRED)])

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        response = Response(
            body, status_code=400, media_type=None, headers={"content-type": xmlio.XML_CONTENT_TYPE}
        )
        await response(scope, receive, send)
        client = scope.get("client")
        query = scope.get("query_string", b"").decode("latin-1")
        note: reqlog.Note = {
            "ip": client[0] if client else None,
            "method": reqlog.method_label(scope.get("path", ""), _pairs(query)),
            "status": 400,
            "errors": [errors.HTTPS_REQUIRED],
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        reqlog.emit(note)

    return app


def open_databases(settings: Settings) -> dict[str, Database]:
    return {env: Database(env, settings.url_for(env)) for env in settings.environments}


def app_from_environ() -> Starlette:
    """Factory for uvicorn workers: settings travel in MOCK_IOVOX_* variables."""
    from mock_iovox.lifeline import exit_with_parent

    exit_with_parent()
    return create_app(from_environ())
