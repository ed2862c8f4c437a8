"""The demo portal's pages beside the dashboard (mock_iovox/admin/ui.py): flows drawn as
diagrams, a link's flow with its own values, a call's CDR, recording and path, the controls and
the journal's entries. Server-rendered, no script.

Every control is a POST with the CSRF token, run through the control plane's own operation
functions (mock_iovox/admin/api.py, behind the same key check) and answered by a 303 redirect, so
a refresh never repeats it; a refused input comes back as a message on the controls page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mock_iovox import clock
from mock_iovox.admin import api, diagram, faults, journal, snapshots, traces
from mock_iovox.admin.store import JournalEntry
from mock_iovox.db import Account, Call, CallFlow, Contact, Link, LinkRuleValue, Node, VoxNumber
from mock_iovox.db.engine import Database
from mock_iovox.flows import values as V
from mock_iovox.flows.parse import FlowError
from mock_iovox.flows.store import flow_of
from mock_iovox.handlers.calls import CDR_COLUMNS

if TYPE_CHECKING:
    from mock_iovox.admin.ui import Dashboard

BASE = "/__mock__"
CALLS_SHOWN = 50
#: the most of a journal body a page shows (the journal keeps journal.BODY_BOUND)
BODY_SHOWN = 16 * 1024
CLOCK_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
#: the journal's filters, as the control plane's GET /journal takes them
JOURNAL_FILTERS = ("method", "status", "user")


class Portal:
    def __init__(self, ui: Dashboard) -> None:
        self.ui = ui
        self.plane = ui.plane

    # -- pages -------------------------------------------------------------------------------------

    async def _show(
        self, request: Request, name: str, build: Callable[[Session], dict[str, Any]]
    ) -> Response:
        db = self.ui._allowed_db(request)
        if isinstance(db, Response):
            return db

        def read() -> dict[str, Any]:
            with db.reading() as session:
                context = build(session)
                return {"env": db.env, "clock": clock.read(session).describe(), **context}

        context = await anyio.to_thread.run_sync(read)
        page = self.ui._page(request, name, context)
        if context.get("missing"):
            page.status_code = 404
        return page

    async def flows_page(self, request: Request) -> Response:
        return await self._show(request, "flows.html", flows_listing)

    async def flow_page(self, request: Request) -> Response:
        pk = int(request.path_params["pk"])
        return await self._show(request, "flow.html", lambda s: flow_view(s, pk))

    async def link_page(self, request: Request) -> Response:
        link_id = request.path_params["link_id"]
        return await self._show(request, "link.html", lambda s: link_view(s, link_id))

    async def calls_page(self, request: Request) -> Response:
        return await self._show(request, "calls.html", calls_listing)

    async def call_page(self, request: Request) -> Response:
        call_id = request.path_params["call_id"]
        return await self._show(request, "call.html", lambda s: call_view(s, call_id))

    async def controls_page(self, request: Request) -> Response:
        params = request.query_params
        notes = {"done": params.get("done", ""), "error": params.get("error", "")}
        return await self._show(request, "controls.html", lambda s: {**controls_view(s), **notes})

    async def journal_page(self, request: Request) -> Response:
        ring = self.ui.settings.journal_size
        chosen = {k: request.query_params.get(k, "").strip() for k in JOURNAL_FILTERS}
        return await self._show(request, "journal.html", lambda s: journal_view(s, chosen, ring))

    async def entry_page(self, request: Request) -> Response:
        entry_id = int(request.path_params["id"])
        return await self._show(request, "entry.html", lambda s: entry_view(s, entry_id))

    # -- controls ----------------------------------------------------------------------------------

    def _back(self, env: str, done: str = "", error: str = "") -> Response:
        query = urlencode({"env": env, **({"error": error} if error else {"done": done})})
        return RedirectResponse(f"{BASE}/ui/controls?{query}", status_code=303)

    async def control(self, request: Request) -> Response:
        """One control's POST: its form checked (origin, CSRF), then the control plane's operation."""
        db = self.ui._allowed_db(request)
        if isinstance(db, Response):
            return db
        form = await self.ui._form(request)
        if isinstance(form, Response):
            return form
        action = request.path_params.get("action", "call")
        run = CONTROLS.get(action)
        if run is None:
            return self._back(db.env, error=f"no control {action!r}")
        try:
            done = await anyio.to_thread.run_sync(lambda: run(self.plane, db, form))
        except api.BadInput as exc:
            return self._back(db.env, error=str(exc))
        if done.startswith("/"):  # a page to go to (the new call's)
            return RedirectResponse(done, status_code=303)
        return self._back(db.env, done=done)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/ui/flows", self.flows_page, methods=["GET"]),
            Route("/ui/flows/{pk:int}", self.flow_page, methods=["GET"]),
            Route("/ui/links/{link_id}", self.link_page, methods=["GET"]),
            Route("/ui/calls", self.calls_page, methods=["GET"]),
            Route("/ui/calls/{call_id}", self.call_page, methods=["GET"]),
            Route("/ui/controls", self.controls_page, methods=["GET"]),
            Route("/ui/controls/{action}", self.control, methods=["POST"]),
            Route("/ui/journal", self.journal_page, methods=["GET"]),
            Route("/ui/journal/{id:int}", self.entry_page, methods=["GET"]),
        ]


# -- the controls: form fields -> a control plane operation -------------------------------------------


def _op(plane: api.ControlPlane, db: Database, op: api.Operation, body: Any, **path: str) -> Any:
    call = api.Call(db, {"env": db.env}, path, json.dumps(body).encode(), plane.settings, api.JSON_TYPE)
    result = op(call)
    return result[1] if isinstance(result, tuple) else result


def place(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    body: dict[str, Any] = {
        "link_id": form.get("link_id", ""),
        "from": "".join(form.get("from", "").split()).lstrip("+"),
        "digits": form.get("digits", ""),
        "api": bool(form.get("api")),
    }
    placed = _op(plane, db, api.place_call, body)
    return f"{BASE}/ui/calls/{quote(placed['call_id'])}?env={db.env}"


def advance(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    unit = form.get("unit", "minutes")
    amount = form.get("amount", "").strip()
    if unit not in CLOCK_UNITS:
        raise api.BadInput(f"unit must be one of {', '.join(CLOCK_UNITS)}", "unit")
    if not amount.isdigit() or not 0 < int(amount) <= 100_000:
        raise api.BadInput("amount must be a whole number from 1 to 100000", "amount")
    now = _op(plane, db, api.advance_clock, {"seconds": int(amount) * CLOCK_UNITS[unit]})
    return f"clock advanced {amount} {unit}: now {now['now']}"


def freeze(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    frozen = form.get("frozen") == "1"
    now = _op(plane, db, api.put_clock, {"frozen": frozen})
    return f"clock {'frozen' if frozen else 'running'} at {now['now']}"


def save(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    saved = _op(plane, db, api.save_snapshot, {"name": form.get("name", "")})
    return f"snapshot {saved['name']!r} saved"


def restore(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    name = form.get("name", "").strip()
    if not name:
        raise api.BadInput("choose a snapshot to restore", "name")
    _op(plane, db, api.restore_snapshot, {}, name=name)
    return f"snapshot {name!r} restored"


def reset(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    _op(plane, db, api.reset, {})
    return "state reset to the fixture"


def add_fault(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    body: dict[str, Any] = {"action": form.get("action", "")}
    for name in ("interface", "method", "user", "message"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    for name in ("status", "latency_ms", "times"):
        text = form.get(name, "").strip()
        if text:
            if not text.isdigit():
                raise api.BadInput(f"{name} must be a whole number", name)
            body[name] = int(text)
    added = _op(plane, db, api.add_fault, body)
    return f"fault {added['id']} added ({added['action']})"


def clear_faults(plane: api.ControlPlane, db: Database, form: dict[str, str]) -> str:
    cleared = _op(plane, db, api.clear_faults, {})
    return f"{cleared['deleted']} fault rule(s) cleared"


CONTROLS: dict[str, Callable[[api.ControlPlane, Database, dict[str, str]], str]] = {
    "call": place,
    "advance": advance,
    "freeze": freeze,
    "save": save,
    "restore": restore,
    "reset": reset,
    "fault": add_fault,
    "clear-faults": clear_faults,
}


# -- the pages' data -----------------------------------------------------------------------------


def flows_listing(session: Session) -> dict[str, Any]:
    on_links = dict(
        session.execute(
            select(Link.call_flow_pk, func.count())
            .where(Link.call_flow_pk.is_not(None))
            .group_by(Link.call_flow_pk)
        ).all()
    )
    rows = session.execute(
        select(CallFlow.pk, CallFlow.name, CallFlow.template_type, Account.name)
        .outerjoin(Account, Account.pk == CallFlow.account_pk)
        .where(CallFlow.kind == "CALL")
        .order_by(CallFlow.account_pk.is_(None), Account.name, CallFlow.name)
    ).all()
    flows = [
        {
            "pk": pk,
            "name": name,
            "type": kind,
            "account": account or "(every account)",
            "links": on_links.get(pk, 0),
        }
        for pk, name, kind, account in rows
    ]
    return {"flows": flows}


def _draw(row: CallFlow, link: dict[str, V.Values] | None = None, taken: set[str] | None = None) -> list[Any]:
    try:
        return diagram.tree(flow_of(row), link, taken or set())
    except FlowError:  # a stored flow is valid; a broken one is shown as no diagram, not a 500
        return []


def _flow_links(session: Session, flow_pk: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Link.link_id, Link.link_name, Node.node_name)
        .join(Node, Node.pk == Link.node_pk)
        .where(Link.call_flow_pk == flow_pk)
        .order_by(Link.link_id)
    ).all()
    return [{"link_id": lid, "link_name": name, "node_name": node} for lid, name, node in rows]


def flow_view(session: Session, pk: int) -> dict[str, Any]:
    row = session.get(CallFlow, pk)
    if row is None or row.kind != "CALL":
        return {"missing": f"no call flow {pk}"}
    return {"flow": row, "boxes": _draw(row), "links": _flow_links(session, pk)}


def link_values(session: Session, link: Link) -> dict[str, V.Values]:
    """rule id -> the link's values for its `?` slots (as the call engine reads them)."""
    out: dict[str, V.Values] = {}
    for value, contact_id in session.execute(
        select(LinkRuleValue, Contact.contact_id)
        .outerjoin(Contact, Contact.pk == LinkRuleValue.contact_pk)
        .where(LinkRuleValue.link_pk == link.pk, LinkRuleValue.flow_pk == link.call_flow_pk)
    ):
        values = V.loads(value.values_json)
        if contact_id:
            values[V.CONTACT + "contact_id"] = contact_id
        out[value.rule_id] = values
    return out


def link_view(session: Session, link_id: str) -> dict[str, Any]:
    link = session.scalars(select(Link).where(Link.link_id == link_id).order_by(Link.pk).limit(1)).first()
    if link is None:
        return {"missing": f"no link {link_id!r}"}
    node = session.get(Node, link.node_pk)
    numbers = session.scalars(select(VoxNumber.number).where(VoxNumber.link_pk == link.pk)).all()
    flow = session.get(CallFlow, link.call_flow_pk) if link.call_flow_pk else None
    boxes = _draw(flow, link_values(session, link)) if flow is not None else []
    calls = _calls(session, 10, link)
    return {"link": link, "node": node, "numbers": numbers, "flow": flow, "boxes": boxes, "calls": calls}


def latest_calls(session: Session, limit: int, link: Link | None = None) -> list[tuple[Call, str]]:
    """The newest `limit` calls before the clock (of one link, or of every account), with their
    account's name. Asked account by account: each question walks the (account, start) or
    (account, link, start) index backwards, where one question over every account sorted the
    whole table (0.75 s at 100k calls)."""
    now = clock.now(session)
    accounts = session.execute(
        select(Account.pk, Account.name).where(Account.pk == link.account_pk)
        if link is not None
        else select(Account.pk, Account.name)
    ).all()
    found: list[tuple[Call, str]] = []
    for pk, name in accounts:
        stmt = select(Call).where(Call.account_pk == pk, Call.call_start <= now)
        if link is not None:
            stmt = stmt.where(Call.link_id == link.link_id)
        stmt = stmt.order_by(Call.call_start.desc(), Call.pk.desc()).limit(limit)
        found.extend((call, name) for call in session.scalars(stmt))
    found.sort(key=lambda pair: (pair[0].call_start, pair[0].pk), reverse=True)
    return found[:limit]


def _calls(session: Session, limit: int, link: Link | None = None) -> list[dict[str, Any]]:
    return [
        {
            "pk": c.pk,
            "call_id": c.call_id,
            "account": account,
            "call_start": c.call_start.isoformat(" ", "seconds"),
            "call_origin": c.call_origin,
            "voxnumber": c.voxnumber,
            "node_name": c.node_name,
            "link_id": c.link_id,
            "link_name": c.link_name,
            "call_result": c.call_result,
            "rule_result": c.rule_result,
            "talk_time_sec": c.talk_time_sec,
            "has_recording": c.has_recording,
        }
        for c, account in latest_calls(session, limit, link)
    ]


def calls_listing(session: Session) -> dict[str, Any]:
    return {"calls": _calls(session, CALLS_SHOWN)}


#: the CDR fields that are phone numbers (shown with the one number format)
PHONE_FIELDS = frozenset({"co", "coe", "vn", "cd"})


def call_view(session: Session, call_id: str) -> dict[str, Any]:
    now = clock.now(session)
    call = session.scalars(
        select(Call).where(Call.call_id == call_id, Call.call_start <= now).limit(1)
    ).first()
    if call is None:
        return {"missing": f"no call {call_id!r} before the clock"}
    row = session.execute(
        select(*[expr.label(abbr) for abbr, expr in CDR_COLUMNS.items()]).where(Call.pk == call.pk)
    ).one()
    fields = []
    for abbr, value in row._mapping.items():
        if abbr in ("cs", "ce") and isinstance(value, str):
            value = value[:19]
        fields.append({"abbr": abbr, "value": value, "phone": abbr in PHONE_FIELDS})
    lines = traces.lines_of(session, call)
    link = session.get(Link, call.link_pk) if call.link_pk else None
    flow = session.get(CallFlow, link.call_flow_pk) if link is not None and link.call_flow_pk else None
    boxes = []
    if flow is not None:
        boxes = _draw(flow, link_values(session, link) if link else None, traces.taken(lines or []))
    return {"call": call, "fields": fields, "trace": lines, "flow": flow, "boxes": boxes}


def controls_view(session: Session) -> dict[str, Any]:
    links = session.execute(
        select(Link.link_id, Link.link_name, Account.name)
        .join(Account, Account.pk == Link.account_pk)
        .where(Link.pk.in_(select(VoxNumber.link_pk).where(VoxNumber.link_pk.is_not(None))))
        .order_by(Account.name, Link.link_id)
    ).all()
    return {
        "links": [{"link_id": i, "link_name": n, "account": a} for i, n, a in links],
        "snapshots": snapshots.listing(session),
        "faults": faults.listing(session),
        "actions": faults.ACTIONS,
        "units": list(CLOCK_UNITS),
    }


def journal_view(session: Session, chosen: dict[str, str], ring: int) -> dict[str, Any]:
    params = {k: v for k, v in chosen.items() if v}
    try:
        entries = journal.query(session, {**params, "limit": "200"}, ring)
        error = ""
    except journal.FilterError as exc:
        entries, error = [], str(exc)
    methods = session.scalars(select(JournalEntry.method).distinct().order_by(JournalEntry.method)).all()
    users = session.scalars(select(JournalEntry.username).distinct().order_by(JournalEntry.username)).all()
    return {
        "journal": list(reversed(entries)),
        "chosen": chosen,
        "filter_error": error,
        "methods": methods,
        "users": [u for u in users if u],
        "live": not params,
    }


def entry_view(session: Session, entry_id: int) -> dict[str, Any]:
    row = session.get(JournalEntry, entry_id)
    if row is None:
        return {"missing": f"no journal entry {entry_id}"}
    entry = journal.as_json(row)
    shown = entry["body"][:BODY_SHOWN]
    answer = entry["response"][:BODY_SHOWN]
    answer_cut = not answer.startswith("(") and entry["response_bytes"] > len(answer.encode())
    return {
        "entry": entry,
        "body": shown,
        "truncated": entry["body_bytes"] > len(shown.encode()),
        "response": answer,
        "response_truncated": answer_cut,
    }
