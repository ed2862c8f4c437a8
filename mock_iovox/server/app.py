"""create_app(settings) -> an ASGI app; the HTTP layer around the dispatcher, and nothing else."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_iovox import auth, errors, outbound, xmlio
from mock_iovox.admin import journal
from mock_iovox.admin.hooks import Before, Reply, VendorHooks, dropped
from mock_iovox.catalog.model import Verb
from mock_iovox.db import generations
from mock_iovox.db.engine import Database, open_databases
from mock_iovox.errors import VendorError
from mock_iovox.server import reqlog
from mock_iovox.server.dispatch import ROUTES_KEPT, Admitted, Dispatcher
from mock_iovox.server.threads import Batches, HandlerThreads
from mock_iovox.settings import Settings
from mock_iovox.wire import Deliberate, Incoming, Outgoing, error_response, internal_error

log = logging.getLogger("mock_iovox")


class BodyTooLarge(Exception):
    pass


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
        except Deliberate:
            raise  # a drop fault: its request line says so; uvicorn closes the connection
        except Exception:
            log.exception("fault outside the dispatcher in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await to_response(internal_error())(scope, receive, send)


class ClientGone(Exception):
    """The client closed the connection before its request's body arrived."""


async def receive_body(receive: Receive, headers: Mapping[str, str], limit: int) -> bytes:
    """The raw body whatever its Content-Type (DECISIONS.md §1), refused past `limit` bytes."""
    declared = headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_out(send: Send, out: Outgoing, head: bool) -> None:
    """The answer as Starlette's Response would send it (content-type, then content-length)."""
    body = b"" if head else out.body
    headers = [(b"content-type", out.content_type.encode("latin-1"))] if out.content_type else []
    if not (out.status < 200 or out.status in (204, 304)):
        headers.append((b"content-length", str(len(body)).encode("latin-1")))
    await send({"type": "http.response.start", "status": out.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class VendorEndpoint:
    """Every vendor request, as plain ASGI (no router, no Request/Response objects): the fault
    rules (where any exist), the answer (kept in memory, or admitted on the event loop when the
    caller is known, then one thread hop for the handler), the journal row, the log line.

    The hot path of issue 13: a kept GET answer costs at most one read of the database's
    generations and clock (none while no other connection has committed), dictionary look-ups and
    its share of a journal commit, all on the event loop."""

    def __init__(self, settings: Settings, dispatcher: Dispatcher, hooks: VendorHooks) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        self.hooks = hooks
        self.threads = HandlerThreads(settings.handler_threads)
        # writes of one database that queue together share a transaction (Dispatcher.run_batch)
        self.batches = {env: Batches(self.threads, dispatcher.run_batch) for env in dispatcher.databases}
        weakref.finalize(self, self.threads.close)  # an app dropped without its lifespan (tests)
        # the event loop's own connections (SQLite files): the state read, the journal rows
        self.views = {env: generations.LoopView.open(db.engine) for env, db in dispatcher.databases.items()}
        # the loop's journal commits (and, for a SQLite file, WAL checkpoints in a thread)
        self.journals: dict[str, journal.GroupCommit | None] = {}
        for env, view in self.views.items():
            db = dispatcher.databases[env]
            self.journals[env] = (
                None
                if view is None
                else journal.GroupCommit(
                    view, db.write_lock, settings.journal_size, db.checkpoint_in_background()
                )
            )
        # query strings as sent -> their items (a client repeats the same few; never changed by users)
        self._queries: dict[str, list[tuple[str, str]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        note: reqlog.Note = {}
        headers: dict[str, str] = {}  # lower-case names, the first of repeated ones (as Starlette's get)
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        client = scope.get("client")
        raw_query = scope["query_string"].decode("latin-1")
        query = self._queries.get(raw_query)
        if query is None:
            query = parse_qsl(raw_query, keep_blank_values=True)
            if len(self._queries) >= ROUTES_KEPT:
                self._queries.clear()
            self._queries[raw_query] = query
        incoming = Incoming(
            verb=scope["method"],
            path=scope.get("root_path", "") + scope["path"],
            query=query,
            headers=headers,
            host=headers.get("host", ""),
            peer=client[0] if client else None,
            body=b"",
            raw_query=raw_query,
        )
        try:
            reply = await self.answer(incoming, receive, note)
        except ClientGone:
            note.update(status=499, reason="the client closed the connection before sending its body")
            reply = None
        note["ms"] = round((time.perf_counter() - started) * 1000, 1)
        if reply is not None and reqlog.REQUESTS.isEnabledFor(logging.DEBUG):
            note.update(query=raw_query, bytes=len(reply.out.body))
        reqlog.emit(note, note.pop("fault", None))
        if reply is None:
            return
        if reply.delay:
            await anyio.sleep(reply.delay)
        if reply.drop:
            await dropped()(scope, receive, send)
        else:
            await send_out(send, reply.out, incoming.verb == "HEAD")

    async def answer(self, incoming: Incoming, receive: Receive, note: reqlog.Note) -> Reply:
        dispatcher, hooks, threads = self.dispatcher, self.hooks, self.threads
        db = dispatcher.database(incoming)
        view = self.views[db.env]
        try:
            state: generations.State | None = (
                generations.read_state(db.engine) if view is None else view.state()
            )
        except Exception:
            state = None  # the stages in the thread read it again and answer what they find
        if state is None or state.faults != 0:
            before = await threads.run(hooks.before, incoming)
        else:
            before = hooks.unchecked(incoming, db)
        body = b""
        journaled = False
        reply = before.reply
        if reply is None:
            admitted = None if state is None else dispatcher.admit_known(incoming, db, state, note)
            if admitted is None:  # the caller is looked up (and a bodiless method answered) in a thread
                admitted = await threads.run(dispatcher.admit, incoming, note)
            if isinstance(admitted, Outgoing):
                out = admitted
            else:
                out, body, journaled = await self.run(admitted, before, receive, note)
            reply = Reply(out, before.delay)
        else:
            self.note_fault_reply(incoming, before, reply, note)
        if before.fired is not None:
            note.update(fault_id=before.fired.id, fault_action=before.fired.action)
        if self.settings.journal_size > 0 and not journaled:
            row = hooks.row(before, incoming, body, reply, note.get("reason") or "")
            group = self.journals[db.env]
            if group is None or not await group.write(row):
                await threads.run(hooks.write, db, row)
        return reply

    def note_fault_reply(self, incoming: Incoming, before: Before, reply: Reply, note: reqlog.Note) -> None:
        """The log line's fields for a request a fault answered (the dispatcher never saw it): who
        asked, from where, and the fault's own message."""
        peer = auth.client_ip(
            incoming.peer, incoming.headers.get("x-forwarded-for"), self.settings.trusted_proxies
        )
        note.update(
            env=before.db.env,
            user=before.username or None,
            ip=peer,
            host=incoming.host or None,
            method=reqlog.method_label(incoming.path, incoming.query),
            status=reply.out.status,
        )
        fired = before.fired
        if fired is not None and fired.action == "error" and fired.message:
            note["errors"] = [fired.message]
        elif fired is not None and fired.action == "internal":
            note["errors"] = [errors.INTERNAL]
        elif reply.drop:
            note["reason"] = "drop fault: the connection was closed without an answer"

    async def run(
        self, admitted: Admitted, before: Before, receive: Receive, note: reqlog.Note
    ) -> tuple[Outgoing, bytes, bool]:
        """The handler in a thread: the answer, the body read, and whether the journal row was
        written (in the method's own transaction, for a method that writes)."""
        body = b""
        if admitted.wants_body:  # read only now: the caller may send one (issue 14)
            try:
                body = await receive_body(receive, admitted.req.headers, self.settings.max_body_bytes)
            except BodyTooLarge:
                err = VendorError(400, errors.BODY_TOO_LARGE.format(limit=self.settings.max_body_bytes))
                note.update(status=400, errors=[err.message])
                return error_response([err]), b"", False
        # the answer whose row was written in its transaction: a batch that failed as a whole runs its
        # requests again (Dispatcher.run_batch), so a row of an earlier try counts for nothing
        recorded: Outgoing | None = None

        def record(session: Session, out: Outgoing) -> None:
            nonlocal recorded
            self.hooks.write_in(session, self.hooks.row(before, admitted.req, body, Reply(out, before.delay)))
            recorded = out

        journal_here = record if self.settings.journal_size > 0 else None
        env = admitted.db.env
        if admitted.method.verb is Verb.GET or admitted.method.alone:
            out = await self.threads.run(self.dispatcher.run, admitted, body, note, journal_here)
        else:
            out = await self.batches[env].run((admitted, body, note, journal_here))
        group = self.journals[env]
        if group is not None and admitted.method.verb is not Verb.GET:
            group.touch(asyncio.get_running_loop())  # its commit counts for the WAL's checkpoints
        # a transaction that failed after the row was made committed neither (its answer is a 500)
        return out, body, recorded is out and out.status != 500


class MockApp:
    """The whole server: vendor requests go straight to `VendorEndpoint`; the control plane
    (`/__mock__/…`) and the lifespan to a Starlette app."""

    def __init__(self, vendor: ASGIApp, control: Starlette) -> None:
        self.vendor = vendor
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.control(scope, receive, send)  # the lifespan
        elif scope["path"] in BROWSER_NOISE:
            await send_out(send, NOTHING, False)
        elif not scope["path"].startswith("/__mock__/"):
            await self.vendor(scope, receive, send)
        else:
            await self.logged_control(scope, receive, send)

    async def logged_control(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A /__mock__ request, and its log line (method, path, status, ms: reqlog.emit_control)."""
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.control(scope, receive, sending)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            reqlog.emit_control(scope["method"], scope["path"], status, ms)


#: what browsers ask any site for on their own (a dashboard view, a URL typed in): answered 204
#: here, never a vendor request, never journaled (issue 21)
BROWSER_NOISE = frozenset(
    {
        "/favicon.ico",
        "/apple-touch-icon.png",
        "/apple-touch-icon-precomposed.png",
        "/robots.txt",
        "/.well-known/appspecific/com.chrome.devtools.json",
    }
)
NOTHING = Outgoing(204)


def create_app(settings: Settings, databases: Mapping[str, Database] | None = None) -> MockApp:
    """The vendor API for the environments in `settings`; databases must already be prepared
    (schema + fixture: see mock_iovox.fakes.fixtures.prepare)."""
    dbs = dict(databases) if databases is not None else open_databases(settings)
    outbound.configure(settings)  # where this process's own requests may go (its ports: never)
    dispatcher = Dispatcher(settings, dbs)
    # the control plane (mock_iovox/admin): faults before the dispatcher, the journal after it
    from mock_iovox.admin import control_routes

    hooks = VendorHooks(settings, dbs)
    vendor = VendorEndpoint(settings, dispatcher, hooks)

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

    async def ca_certificate(_: Request) -> Response:
        """The local CA's certificate (public, like the server's own): for CI services whose files
        cannot be copied out (a GitLab service), fetched once with verification off, then trusted."""
        ca = settings.certs_dir / "ca.crt"
        if settings.insecure or not ca.is_file():
            body = json.dumps({"error": "no CA here: the server runs without TLS (--insecure)"})
            return Response(body, status_code=404, media_type="application/json")
        return Response(ca.read_bytes(), media_type="application/x-pem-file")

    async def openapi_document(request: Request) -> Response:
        """The OpenAPI documents (mock_iovox/openapi.py, openapi_control.py): public descriptions, open
        like /health, so that tools (Schemathesis, client generators) can fetch them without a key."""
        from mock_iovox import openapi_control

        serve = (
            openapi_control.serve_control_document
            if request.url.path.endswith("openapi-control.json")
            else openapi_control.serve_vendor_document
        )
        answer: Response = await anyio.to_thread.run_sync(serve, request)
        return answer

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        vendor.threads.close()
        for view in vendor.views.values():
            if view is not None:
                view.close()
        for db in dbs.values():
            db.dispose()

    control = Starlette(
        routes=[
            Route("/__mock__/health", health, methods=["GET"]),
            Route("/__mock__/ca.crt", ca_certificate, methods=["GET"]),
            Route("/__mock__/openapi.json", openapi_document, methods=["GET"]),
            Route("/__mock__/openapi-control.json", openapi_document, methods=["GET"]),
            Mount("/__mock__", routes=control_routes(settings, dbs)),
        ],
        middleware=[Middleware(FaultBarrier)],
        lifespan=lifespan,
    )
    return MockApp(FaultBarrier(vendor), control)


def _pairs(query: str) -> list[tuple[str, str]]:
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
