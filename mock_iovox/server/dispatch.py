"""The single vendor endpoint: staged checks -> handler in one transaction -> rendered answer.

Stages (DECISIONS.md §2): headers, authentication, routing, verb, parameters and payload, business
rules. Each stage reports all of its own problems at once; later stages do not run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from mock_iovox import auth, errors, xmlio
from mock_iovox.catalog import find_interface
from mock_iovox.catalog.model import Method, Response, Verb
from mock_iovox.clock import ClockState
from mock_iovox.context import Binary, Ctx, HandlerResult, ListResult
from mock_iovox.db import effects, generations
from mock_iovox.db.engine import Database
from mock_iovox.errors import ErrorList, IovoxError
from mock_iovox.handlers import HANDLERS
from mock_iovox.params import group_query, read_output, read_params, read_view
from mock_iovox.payload import read_body
from mock_iovox.server import answers
from mock_iovox.server.reqlog import Note, method_label
from mock_iovox.settings import Settings
from mock_iovox.wire import Incoming, Outgoing, error_response, internal_error

log = logging.getLogger("mock_iovox")
T = TypeVar("T")
#: called in a writing transaction just before it commits, with the answer (Dispatcher.run)
BeforeCommit = Callable[[Session, "Outgoing"], None]
#: routed requests kept by `Dispatcher._route`
ROUTES_KEPT = 4096
#: one request of a batch of writes: the request, its body, its log note, its journal hook
Write = tuple["Admitted", bytes, Note, BeforeCommit | None]
_SAVEPOINT = "SAVEPOINT mock_iovox_request"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT mock_iovox_request"
_RELEASE = "RELEASE SAVEPOINT mock_iovox_request"


@dataclass(frozen=True, slots=True)
class Admitted:
    """A request past stages 1-5 (headers, authentication, routing, verb): its body may be read."""

    req: Incoming
    db: Database
    caller: auth.Caller
    method: Method
    query: dict[str, list[str]]
    state: generations.State

    @property
    def wants_body(self) -> bool:
        return self.method.payload is not None


class Dispatcher:
    def __init__(self, settings: Settings, databases: Mapping[str, Database]) -> None:
        self.settings = settings
        self.databases = databases
        self.caches = {env: answers.Cache() for env in databases}
        self._routes: dict[tuple[str, str] | None, tuple[dict[str, list[str]], Method]] = {}

    def database(self, req: Incoming) -> Database:
        """The request's environment (chosen by its Host header)."""
        return self.databases[self.settings.choose_env(req.host)]

    def admit_known(
        self, req: Incoming, db: Database, state: generations.State, note: Note
    ) -> Admitted | Outgoing | None:
        """Stages 1-5 without touching the database, for the event loop: a caller already in memory
        for `state` is admitted (and a GET whose current answer is kept is answered from memory),
        a request the stages refuse gets its answer. None: the caller must be looked up (or was
        refused, whose log line names the reason only after a look-up) — `admit` does that."""

        def admit(n: Note) -> Admitted | Outgoing | None:
            try:
                admitted = self._admit(req, n, db, state, look_up=False)
            except auth.Unauthorized:
                return None
            if admitted is None or admitted.method.verb is not Verb.GET:
                return admitted
            key = answer_key(admitted.caller, admitted.method, admitted.query)
            hit: Outgoing | None = self.caches[db.env].answer(key, state)
            return admitted if hit is None else hit

        return self._guarded(req, note, admit)

    def serve(self, req: Incoming, note: Note | None = None) -> Outgoing:
        """The endpoint's path (server/app.py) in the calling thread, without the journal, for
        callers that have no event loop (bench/): admit, then a GET or a method that runs alone by
        `run`, any other write as a batch of one (`run_batch`)."""
        note = {} if note is None else note
        admitted = self.admit(req, note)
        if not isinstance(admitted, Admitted):
            return admitted
        if admitted.method.verb is Verb.GET or admitted.method.alone:
            return self.run(admitted, req.body, note)
        return self.run_batch([(admitted, req.body, note, None)])[0]

    def admit(self, req: Incoming, note: Note | None = None) -> Admitted | Outgoing:
        """Stages 1-5 from the headers alone, so that the HTTP layer reads a body only for a caller
        who may send one (issue 14: bodies were buffered before authentication). A request whose
        method takes no body is answered at once."""

        def admit(n: Note) -> Admitted | Outgoing:
            admitted = self._admit(req, n)
            assert admitted is not None
            return admitted if admitted.wants_body else self._run(admitted, b"")

        return self._guarded(req, note, admit)

    def run(
        self,
        admitted: Admitted,
        body: bytes,
        note: Note | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> Outgoing:
        """Stage 6 and the handler, for an admitted request and its body. `before_commit` runs in a
        writing method's transaction once its answer is made (the control plane's journal writes
        its row there: one commit for both), not when the transaction fails."""
        return self._guarded(admitted.req, note, lambda n: self._run(admitted, body, before_commit))

    def _guarded(self, req: Incoming, note: Note | None, step: Callable[[Note], T]) -> T | Outgoing:
        caller_logs = note is not None
        note = {} if note is None else note
        note.setdefault("method", method_label(req.path, req.query))
        try:
            result = step(note)
        except IovoxError as exc:
            note["errors"] = [e.message for e in exc.errors]
            if isinstance(exc, auth.Unauthorized):
                note["reason"] = self._explain(exc, note)
            out = error_response(exc.errors)
        except Exception as exc:
            if not caller_logs:  # otherwise the HTTP layer logs it with the request line
                log.exception("unexpected fault in %s %s", req.verb, req.path)
            note["fault"] = exc
            note["errors"] = [errors.INTERNAL]
            out = internal_error()
        else:
            if isinstance(result, Outgoing):
                note["status"] = result.status
            return result
        note["status"] = out.status
        return out

    def _explain(self, exc: auth.Unauthorized, note: Note) -> str:
        """The reason of a 401 for the log (never on the wire), naming the other environment when
        the credentials belong there. Runs only for refused requests."""
        env = note.get("env", "")
        others = {e: db for e, db in self.databases.items() if e != env}
        for other, db in others.items():
            with db.sessions() as session:
                try:
                    auth.authenticate(session, note.get("user", ""), exc.key, note.get("ip", ""))
                except auth.Unauthorized:
                    continue
            host = note.get("host", "")
            return f"{exc.reason}; these are {other} credentials, but Host {host!r} selects {env}"
        return exc.reason

    def _admit(
        self,
        req: Incoming,
        note: Note,
        db: Database | None = None,
        state: generations.State | None = None,
        look_up: bool = True,
    ) -> Admitted | None:
        """Stages 1-5; None when the caller is not in memory and `look_up` is off."""
        note["host"] = req.host
        username, key = auth.read_credentials(req.headers)
        note["user"] = username
        if db is None:
            db = self.database(req)
        note["env"] = db.env
        ip = auth.client_ip(req.peer, req.headers.get("x-forwarded-for"), self.settings.trusted_proxies)
        note["ip"] = ip
        if state is None:
            state = generations.read_state(db.engine)
        kept = self.caches[db.env]
        caller = kept.caller((username, key, ip), state)
        if caller is None:
            if not look_up:
                return None
            with db.reading() as session:
                caller = auth.authenticate(session, username, key, ip)
            kept.keep_caller((username, key, ip), state, caller)
        query, method = self._route(req)
        check_verb(method, req.verb)
        return Admitted(req, db, caller, method, query, state)

    def _route(self, req: Incoming) -> tuple[dict[str, list[str]], Method]:
        """The grouped query and the method (stage 4), kept per (path, query string) as sent: a
        client repeats the same few requests (the grouped query is never changed by its users)."""
        memo_key = (req.path, req.raw_query) if req.raw_query is not None else None
        found = self._routes.get(memo_key) if memo_key is not None else None
        if found is not None:
            return found
        query = group_query(req.query)
        method = route(req.path, query)
        if memo_key is not None:
            if len(self._routes) >= ROUTES_KEPT:
                self._routes.clear()
            self._routes[memo_key] = (query, method)
        return query, method

    def _run(self, admitted: Admitted, body: bytes, before_commit: BeforeCommit | None = None) -> Outgoing:
        method, db, caller = admitted.method, admitted.db, admitted.caller
        reading = method.verb is Verb.GET
        kept = self.caches[db.env]
        key = answer_key(caller, method, admitted.query) if reading else None
        if key is not None:
            hit: Outgoing | None = kept.answer(key, admitted.state)
            if hit is not None:
                return hit
        # A method that writes takes the database's write lock before its first read, so that
        # its existence checks still hold when it writes (issue 14: races with --workers 2 turned
        # into UNIQUE / FOREIGN KEY 500s).
        with db.reading() if reading else db.writing() as session:
            # a reader's clock is the one read with the generations; a writer's, the one it locked
            now = admitted.state.clock.now() if reading else generations.read_state_in(session).clock.now()
            return self._handle(admitted, body, session, now, before_commit, key)

    def _handle(
        self,
        admitted: Admitted,
        body: bytes,
        session: Session,
        now: datetime,
        before_commit: BeforeCommit | None,
        key: tuple[object, ...] | None = None,
    ) -> Outgoing:
        """Stage 6, the handler and the answer, in the caller's transaction."""
        method, db, caller = admitted.method, admitted.db, admitted.caller
        ctx = Ctx(
            method=method,
            env=db.env,
            session=session,
            account_pk=caller.account_pk,
            username=caller.username,
            settings=self.settings,
            now=now,
        )
        read_request(ctx, admitted.query, body)
        handler = HANDLERS.get(method.key)
        if handler is None:
            raise IovoxError.one(errors.NOT_IMPLEMENTED, status=501, method=method.name)
        result = handler(ctx)
        out = render(ctx, result)
        if before_commit is not None and method.verb is not Verb.GET:
            before_commit(session, out)
        if key is not None and out.status < 300:
            self.caches[db.env].keep_answer(
                key, answer_entry(ctx, admitted.state.generation, out), len(out.body)
            )
        return out

    def run_batch(self, writes: Sequence[Write]) -> list[Outgoing]:
        """Writing requests of one database that queued together, in one transaction (issue 13):
        one BEGIN, one COMMIT and one hop of the event loop for all of them. Each runs in its own
        SAVEPOINT, in arrival order: one that fails is rolled back to it and answers its error,
        the others are untouched, exactly as if each had had its own transaction (the write lock
        is held throughout, so nobody sees between them). The answers are sent after the COMMIT.

        A failure of the batch itself (its BEGIN or COMMIT, or a fault that ended the whole
        transaction, such as a failed ORM flush) runs every request again, each in its own
        transaction: nothing of the batch was committed or answered. So a method batched must
        have no effect outside the database (the catalogue's `Method.alone` says it has one; db/effects.py
        refuses one in a batch)."""
        if len(writes) == 1:
            return [self.run(*writes[0])]
        saved = [dict(note) for _, _, note, _ in writes]
        try:
            return self._batch(writes)
        except Exception:
            log.debug("a batch of %d writes failed as a whole: each runs alone", len(writes), exc_info=True)
        for (_, _, note, _), before in zip(writes, saved, strict=True):
            note.clear()
            note.update(before)
        return [self.run(*write) for write in writes]

    def _batch(self, writes: Sequence[Write]) -> list[Outgoing]:
        outs: list[Outgoing] = []
        with writes[0][0].db.writing(requests=len(writes)) as session:
            session.info[effects.BATCHED] = True
            conn = session.connection()
            raw: Any = conn.connection.driver_connection
            clock = generations.read_state_in(session).clock
            for write in writes:
                raw.execute(_SAVEPOINT)
                out, failed = self._in_savepoint(session, clock, write)
                outs.append(out)
                if failed:
                    # raises when the whole transaction is gone (the batch then runs again)
                    raw.execute(_ROLLBACK_TO)
                    if not session.is_active:
                        raise BatchBroken("the session's transaction ended inside a request")
                    session.expunge_all()  # what the failed handler loaded or changed in memory
                    generations.forget_bumps(conn)  # its generation bump went with it
                raw.execute(_RELEASE)
        return outs

    def _in_savepoint(self, session: Session, clock: ClockState, write: Write) -> tuple[Outgoing, bool]:
        """One request of a batch: its answer, and whether it failed (its savepoint is then
        rolled back by the caller)."""
        admitted, body, note, before_commit = write
        failed = False

        def step(_: Note) -> Outgoing:
            nonlocal failed
            try:
                out = self._handle(admitted, body, session, clock.now(), before_commit)
                session.flush()  # an ORM write fails here, inside its own savepoint
                return out
            except BaseException:
                failed = True
                raise

        return self._guarded(admitted.req, note, step), failed


class BatchBroken(Exception):
    """A batch's transaction ended before its COMMIT (Dispatcher.run_batch)."""


def answer_key(caller: auth.Caller, method: Method, query: Mapping[str, list[str]]) -> tuple[object, ...]:
    """What a GET's answer depends on besides the data: the caller, the method and the parameters
    (sorted by name; the values of one name keep their order)."""
    return (
        caller.account_pk,
        caller.username,
        method.key,
        tuple(sorted((k, tuple(v)) for k, v in query.items())),
    )


def answer_entry(ctx: Ctx, generation: str, out: Outgoing) -> answers.Entry:
    """An answer that depends on the clock holds for its day, until the account's next hidden call."""
    if not ctx.method.clock_bound:
        return answers.Entry(generation, out)
    until = answers.next_hidden_call(ctx.session, ctx.account_pk, ctx.now)
    return answers.Entry(generation, out, ctx.now.date(), until)


def route(path: str, query: Mapping[str, list[str]]) -> Method:
    """Stage 4: interface from the last path segment (so a path prefix is tolerated, and so is a
    trailing slash), method and version from the query."""
    segments = [s for s in path.split("/") if s]
    interface_name = segments[-1] if segments else ""
    method_name = (query.get("method") or [""])[0].strip()
    version = (query.get("v") or [""])[0].strip()
    errs = ErrorList()
    interface = None
    if not interface_name:
        errs.add(errors.INTERFACE_EMPTY)
    else:
        interface = find_interface(interface_name)
        if interface is None:
            errs.add(errors.INTERFACE_UNKNOWN, interface=interface_name)
    method = None
    if not method_name:
        errs.add(errors.METHOD_EMPTY)
    elif interface is not None:
        method = interface.method(method_name)
        if method is None:
            errs.add(errors.METHOD_INVALID, method=method_name, interface=interface.name)
    if not version:
        errs.add(errors.VERSION_EMPTY)
    elif version != "3":
        errs.add(errors.VERSION_INVALID)
    errs.raise_if_any()
    assert method is not None
    return method


def check_verb(method: Method, verb: str) -> None:
    """Stage 5. HEAD is served as GET by the HTTP layer."""
    actual = "GET" if verb == "HEAD" else verb
    if actual != method.verb.value:
        raise IovoxError.one(errors.WRONG_VERB, expected=method.verb.value, actual=actual)


def read_request(ctx: Ctx, query: dict[str, list[str]], body: bytes) -> None:
    """Stage 6: every parameter and payload problem, reported together."""
    method = ctx.method
    errs = ErrorList()
    ctx.output = read_output(query, errs)
    if method.listing is not None:
        ctx.view = read_view(method, method.listing, query, errs)
    ctx.params = read_params(method, query, errs)
    if method.payload is not None:
        if not body.strip():
            errs.add(errors.XML_EMPTY)
        else:
            try:
                root = xmlio.parse(body, huge_text=method.payload.huge_text)
            except xmlio.XmlParseError as exc:
                if method.payload.parse_error:
                    errs.add(method.payload.parse_error)
                else:
                    errs.extend(exc.errors)
            except IovoxError as exc:
                errs.extend(exc.errors)
            else:
                parsed = read_body(root, method.payload, errs)
                ctx.items, ctx.top, ctx.raw = parsed.items, parsed.top, parsed.raw
    errs.raise_if_any()


def render(ctx: Ctx, result: HandlerResult) -> Outgoing:
    method = ctx.method
    status = method.success_status
    if isinstance(result, Binary):
        return Outgoing(status, result.data, result.content_type)
    if status == 204 or method.response is Response.EMPTY or result is None:
        return Outgoing(status)
    tree = result.envelope(method.listing) if isinstance(result, ListResult) else result
    if method.json and ctx.output == "JSON":
        body = xmlio.render_json("response", tree, method.json_lists)
        return Outgoing(status, body, xmlio.JSON_CONTENT_TYPE)
    return Outgoing(status, xmlio.render_xml("response", tree), xmlio.XML_CONTENT_TYPE)
