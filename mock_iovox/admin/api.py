"""The /__mock__ control plane: a JSON API beside the vendor surface (which it never changes).

Every route takes `?env=sandbox|production` (default: the server's default environment) and works
on that environment's database, so every worker and instance sees the same state. Bad input gets a
400 `{"error": …, "field": …}`; a missing or wrong admin key a 401 `{"error": …}`. docs/control-plane.md
lists the routes.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mock_iovox import clock
from mock_iovox.admin import faults, guard, journal, snapshots, traces
from mock_iovox.admin.setup import ensure
from mock_iovox.auth import hash_key
from mock_iovox.db import Account, ApiUser, CallbackDelivery, IpRange, PurchaseOrder
from mock_iovox.db.engine import Database
from mock_iovox.fakes.fixtures import DEFAULT_ALLOWED, read_fixture
from mock_iovox.fakes.fixtures import reset as reset_db
from mock_iovox.settings import Settings

JSON_TYPE = "application/json"


class BadInput(ValueError):
    def __init__(self, message: str, field: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def reply(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, indent=None), status_code=status, media_type=JSON_TYPE)


def problem(status: int, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return reply(body, status)


@dataclass
class Call:
    """One control-plane request, as the operation functions see it."""

    db: Database
    params: Mapping[str, str]
    path: Mapping[str, Any]
    raw: bytes
    settings: Settings
    content_type: str = ""
    _json: Any = field(default=None)

    def json(self) -> Any:
        if self._json is None:
            if not self.raw.strip():
                return {}
            try:
                self._json = json.loads(self.raw)
            except ValueError as exc:
                raise BadInput(f"the body is not JSON: {exc}", "body") from None
        return self._json

    def obj(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise BadInput("the body must be a JSON object", "body")
        return data


Operation = Callable[[Call], Any]


class ControlPlane:
    def __init__(self, settings: Settings, databases: Mapping[str, Database]) -> None:
        self.settings = settings
        self.databases = databases
        for db in databases.values():
            ensure(db)

    def env_db(self, params: Mapping[str, str]) -> Database:
        default = (
            self.settings.default_env
            if self.settings.default_env in self.databases
            else next(iter(self.databases))
        )
        env = params.get("env") or default
        if env not in self.databases:
            raise BadInput(f"env must be one of {', '.join(sorted(self.databases))}", "env")
        return self.databases[env]

    def endpoint(self, op: Operation, limit: int | None = None) -> Callable[[Request], Awaitable[Response]]:
        """`limit`: the largest body (default --max-body-bytes)."""
        most = limit or self.settings.max_body_bytes

        async def run(request: Request) -> Response:
            try:
                guard.check_access(self.settings, request)
                guard.check_cross_site(request)
                raw = await guard.read_body(request, most)
            except guard.Refusal as exc:
                return problem(exc.status, str(exc), exc.field)
            try:
                call = Call(
                    self.env_db(request.query_params),
                    request.query_params,
                    request.path_params,
                    raw,
                    self.settings,
                    guard.media_type(request),
                )
                result = await anyio.to_thread.run_sync(op, call)
            except BadInput as exc:
                return problem(exc.status, str(exc), exc.field)
            if isinstance(result, Response):
                return result
            if isinstance(result, tuple):
                return reply(result[1], result[0])
            return reply(result)

        return run

    def routes(self) -> list[BaseRoute]:
        e = self.endpoint
        return [
            Route("/clock", e(get_clock), methods=["GET"]),
            Route("/clock", e(put_clock), methods=["PUT"]),
            Route("/clock/advance", e(advance_clock), methods=["POST"]),
            Route("/reset", e(reset), methods=["POST"]),
            Route("/snapshots", e(list_snapshots), methods=["GET"]),
            Route("/snapshots", e(save_snapshot), methods=["POST"]),
            Route("/snapshots/{name}/restore", e(restore_snapshot), methods=["POST"]),
            Route("/snapshots/{name}", e(export_snapshot), methods=["GET"]),
            Route("/snapshots/{name}", e(delete_snapshot), methods=["DELETE"]),
            Route("/state", e(export_state), methods=["GET"]),
            Route("/state", e(import_state, self.settings.max_import_bytes), methods=["PUT"]),
            Route("/users", e(list_users), methods=["GET"]),
            Route("/users", e(create_user), methods=["POST"]),
            Route("/users/{username}", e(update_user), methods=["PATCH"]),
            Route("/users/{username}", e(delete_user), methods=["DELETE"]),
            Route("/journal", e(get_journal), methods=["GET"]),
            Route("/journal", e(clear_journal), methods=["DELETE"]),
            Route("/faults", e(list_faults), methods=["GET"]),
            Route("/faults", e(add_fault), methods=["POST"]),
            Route("/faults", e(clear_faults), methods=["DELETE"]),
            Route("/faults/{id}", e(delete_fault), methods=["DELETE"]),
            Route("/outbox", e(outbox), methods=["GET"]),
            Route("/calls/seed", e(seed_calls), methods=["POST"]),
            Route("/calls", e(place_call), methods=["POST"]),
        ]


# -- clock -----------------------------------------------------------------------------------------


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadInput(f"{name} must be an ISO-8601 time such as 2026-12-02T10:00:00Z", name)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name} must be an ISO-8601 time such as 2026-12-02T10:00:00Z", name) from None


def get_clock(call: Call) -> Any:
    with call.db.reading() as session:
        return clock.read(session).describe()


def put_clock(call: Call) -> Any:
    """`{"now": ISO-8601, "frozen": bool}`; without `now` the clock freezes or resumes where it
    stands; `{"real": true}` puts it back on the wall clock."""
    data = call.obj()
    unknown = sorted(set(data) - {"now", "frozen", "real"})
    if unknown:
        raise BadInput(f"unknown field {unknown[0]!r}", unknown[0])
    frozen = data.get("frozen")
    if frozen is not None and not isinstance(frozen, bool):
        raise BadInput("frozen must be true or false", "frozen")
    real = data.get("real", False)
    if not isinstance(real, bool):
        raise BadInput("real must be true or false", "real")
    at = _parse_time(data["now"], "now") if data.get("now") is not None else None
    if not real and at is None and frozen is None:
        raise BadInput("give now, frozen or real", "now")
    with call.db.writing() as session:
        if real:
            state = clock.real(session)
        elif at is not None:
            state = clock.set_time(session, at, bool(frozen))
        elif frozen:
            state = clock.freeze(session)
        else:
            state = clock.resume(session)
        return state.describe()


def advance_clock(call: Call) -> Any:
    seconds = call.obj().get("seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds <= 10 * 366 * 86400
    ):
        raise BadInput("seconds must be a number from 0 to ten years", "seconds")
    with call.db.writing() as session:
        return clock.advance(session, seconds).describe()


# -- state -----------------------------------------------------------------------------------------


def reset(call: Call) -> Any:
    """Back to the fixture (the clock stays where it is; journal, faults and snapshots stay)."""
    reset_db(call.db, read_fixture(call.settings.fixture))
    with call.db.writing() as session:  # mock_meta was made anew: say again how many rules exist
        faults.publish(session)
    return {"env": call.db.env, "fixture": str(call.settings.fixture)}


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 128 or "/" in value:
        raise BadInput("name must be a non-empty string of at most 128 characters without '/'", "name")
    return value.strip()


def list_snapshots(call: Call) -> Any:
    with call.db.reading() as session:
        return {"schema": snapshots.schema_version(), "snapshots": snapshots.listing(session)}


def save_snapshot(call: Call) -> Any:
    name = _name(call.obj().get("name"))
    with call.db.writing() as session:
        row = snapshots.save(session, name, call.db.env)
        return 201, {"name": row.name, "schema": row.schema, "created_at": row.created_at.isoformat()}


def restore_snapshot(call: Call) -> Any:
    name = call.path["name"]
    try:
        found = snapshots.restore(call.db, name)
    except snapshots.SnapshotError as exc:
        raise BadInput(str(exc), exc.field) from None
    if not found:
        raise BadInput(f"no snapshot named {name!r}", "name", status=404)
    return {"restored": name, "env": call.db.env}


def _as_format(call: Call, data: dict[str, Any], name: str) -> Any:
    """JSON, or `?format=sqlite` for a SQLite file."""
    wanted = call.params.get("format", "json")
    if wanted == "json":
        return data
    if wanted != "sqlite":
        raise BadInput("format must be json or sqlite", "format")
    return Response(
        snapshots.to_sqlite(data),
        media_type=snapshots.SQLITE_TYPE,
        headers={"content-disposition": f'attachment; filename="{name}.sqlite3"'},
    )


def export_snapshot(call: Call) -> Any:
    with call.db.reading() as session:
        data = snapshots.export(session, call.path["name"])
    if data is None:
        raise BadInput(f"no snapshot named {call.path['name']!r}", "name", status=404)
    return _as_format(call, data, call.path["name"])


def delete_snapshot(call: Call) -> Any:
    with call.db.writing() as session:
        if not snapshots.remove(session, call.path["name"]):
            raise BadInput(f"no snapshot named {call.path['name']!r}", "name", status=404)
    return {"deleted": call.path["name"]}


def export_state(call: Call) -> Any:
    with call.db.reading() as session:
        data = snapshots.dump(session.connection(), call.db.env)
    return _as_format(call, data, f"mock-iovox-{call.db.env}")


def import_state(call: Call) -> Any:
    """Replace the environment's state by an exported one, JSON or (Content-Type
    application/vnd.sqlite3) a SQLite file; all checked first, so a refused import changes nothing.
    `?save=NAME` also keeps it as a named snapshot."""
    try:
        if call.content_type in (snapshots.SQLITE_TYPE, "application/x-sqlite3"):
            rows = snapshots.check(snapshots.from_sqlite(call.raw))
        else:
            rows = snapshots.check(call.json())
    except snapshots.SnapshotError as exc:
        raise BadInput(str(exc), exc.field) from None
    try:
        with call.db.writing() as session:
            snapshots.load(session.connection(), rows)
            if call.params.get("save"):
                snapshots.save(session, _name(call.params["save"]), call.db.env)
    except (IntegrityError, DataError) as exc:  # what only this database refuses: nothing changed
        raise BadInput(
            f"the import does not fit the database: {str(exc.orig).splitlines()[0]}", "tables"
        ) from None
    return {"imported": sum(len(r) for r in rows.values()), "env": call.db.env}


# -- users -----------------------------------------------------------------------------------------


def _user_json(session: Session, user: ApiUser, key: str | None = None) -> dict[str, Any]:
    """A user as the API shows it. Keys are stored as salted hashes (mock_iovox/auth.py), so a key
    is shown only in the answer to the request that set it."""
    account = session.get(Account, user.account_pk)
    out: dict[str, Any] = {"username": user.username, "account": account.name if account else None}
    if key is not None:
        out["secure_key"] = key
    out["allowed_ips"] = sorted(r.cidr for r in user.ip_ranges)
    return out


def _cidrs(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise BadInput("allowed_ips must be a non-empty list of CIDR ranges", "allowed_ips")
    out = []
    for item in value:
        try:
            out.append(str(ipaddress.ip_network(str(item), strict=False)))
        except ValueError:
            raise BadInput(
                f"allowed_ips: {item!r} is not an IP range such as 10.0.0.0/8", "allowed_ips"
            ) from None
    return sorted(set(out))


def _key(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise BadInput("secure_key must be a non-empty string of at most 255 characters", "secure_key")
    return value.strip()


def list_users(call: Call) -> Any:
    with call.db.reading() as session:
        users = session.scalars(select(ApiUser).order_by(ApiUser.pk)).all()
        return {"users": [_user_json(session, u) for u in users]}


def create_user(call: Call) -> Any:
    data = call.obj()
    unknown = sorted(set(data) - {"account", "username", "secure_key", "allowed_ips"})
    if unknown:
        raise BadInput(f"unknown field {unknown[0]!r}", unknown[0])
    username = data.get("username")
    if not isinstance(username, str) or not username.strip() or len(username) > 255:
        raise BadInput("username must be a non-empty string of at most 255 characters", "username")
    key = _key(data.get("secure_key"))
    cidrs = _cidrs(data["allowed_ips"]) if "allowed_ips" in data else list(DEFAULT_ALLOWED)
    if not isinstance(data.get("account"), str):
        raise BadInput("account must be the name of an account", "account")
    with call.db.writing() as session:
        account = session.scalar(select(Account).where(Account.name == data["account"]))
        if account is None:
            raise BadInput(f"no account named {data['account']!r}", "account")
        if session.scalar(select(ApiUser.pk).where(ApiUser.username == username.strip())) is not None:
            raise BadInput(f"user {username.strip()!r} already exists", "username", status=409)
        user = ApiUser(account_pk=account.pk, username=username.strip(), secure_key=hash_key(key))
        user.ip_ranges = [IpRange(cidr=c) for c in cidrs]
        session.add(user)
        session.flush()
        return 201, _user_json(session, user, key)


def _find_user(session: Session, username: str) -> ApiUser:
    user = session.scalar(select(ApiUser).where(ApiUser.username == username))
    if user is None:
        raise BadInput(f"no user named {username!r}", "username", status=404)
    return user


def update_user(call: Call) -> Any:
    data = call.obj()
    unknown = sorted(set(data) - {"secure_key", "allowed_ips"})
    if unknown:
        raise BadInput(f"unknown field {unknown[0]!r}", unknown[0])
    key = _key(data["secure_key"]) if "secure_key" in data else None
    cidrs = _cidrs(data["allowed_ips"]) if "allowed_ips" in data else None
    with call.db.writing() as session:
        user = _find_user(session, call.path["username"])
        if key is not None:
            user.secure_key = hash_key(key)
        if cidrs is not None:
            user.ip_ranges.clear()
            session.flush()
            user.ip_ranges.extend(IpRange(cidr=c) for c in cidrs)
        session.flush()
        return _user_json(session, user, key)


def delete_user(call: Call) -> Any:
    with call.db.writing() as session:
        session.delete(_find_user(session, call.path["username"]))
    return {"deleted": call.path["username"]}


# -- journal, faults, outbox -------------------------------------------------------------------


def get_journal(call: Call) -> Any:
    with call.db.reading() as session:
        try:
            entries = journal.query(session, call.params, call.settings.journal_size)
        except journal.FilterError as exc:
            raise BadInput(str(exc), exc.field) from None
    return {"size": call.settings.journal_size, "entries": entries}


def clear_journal(call: Call) -> Any:
    with call.db.writing() as session:
        return {"deleted": journal.clear(session, call.settings.journal_size)}


def list_faults(call: Call) -> Any:
    with call.db.reading() as session:
        return {"faults": faults.listing(session)}


def add_fault(call: Call) -> Any:
    try:
        rule = faults.parse(call.json())
    except faults.RuleError as exc:
        raise BadInput(str(exc), exc.field) from None
    with call.db.writing() as session:
        session.add(rule)
        session.flush()
        faults.publish(session)
        return 201, faults.as_json(rule)


def clear_faults(call: Call) -> Any:
    with call.db.writing() as session:
        return {"deleted": faults.remove(session, None)}


def delete_fault(call: Call) -> Any:
    raw = call.path["id"]
    if not str(raw).isdigit():
        raise BadInput("id must be a fault rule's number", "id")
    with call.db.writing() as session:
        if not faults.remove(session, int(raw)):
            raise BadInput(f"no fault rule {raw}", "id", status=404)
    return {"deleted": int(raw)}


def outbox(call: Call) -> Any:
    """Purchase orders that asked for a callback, each with its delivery attempts (oldest first)."""
    with call.db.reading() as session:
        orders = session.execute(
            select(PurchaseOrder, Account.name)
            .join(Account, Account.pk == PurchaseOrder.account_pk)
            .where(PurchaseOrder.callback_url != "")
            .order_by(PurchaseOrder.pk)
        ).all()
        out = []
        for order, account in orders:
            deliveries = session.scalars(
                select(CallbackDelivery)
                .where(CallbackDelivery.order_pk == order.pk)
                .order_by(CallbackDelivery.pk)
            ).all()
            out.append(
                {
                    "kind": "purchase_callback",
                    "account": account,
                    "reference": order.reference,
                    "status": order.status,
                    "url": order.callback_url,
                    "created_at": order.created_at.isoformat(),
                    "deliveries": [
                        {
                            "attempt": d.attempt,
                            "status_code": d.status_code,
                            "error": d.error,
                            "sent_at": d.sent_at.isoformat(),
                            "payload": d.payload,
                        }
                        for d in deliveries
                    ],
                }
            )
    return {"messages": out}


def place_call(call: Call) -> Any:
    """A simulated call through the link's call flow (calls/engine.py), as `mock-iovox call` places
    it: `{"link_id", "from"? ("" = withheld; with "api": the click-to-call destination), "digits"?
    (["1", "2"] or "1,2": keys per menu attempt), "api"? (false), "variables"? ({name: value}),
    "seed"?, "user"?}` → 201 `{"call_id", "cdr", "trace"}`."""
    from mock_iovox.calls import engine, httpsend, simulate

    data = call.obj()
    unknown = sorted(set(data) - {"link_id", "from", "digits", "api", "variables", "seed", "user"})
    if unknown:
        raise BadInput(f"unknown field {unknown[0]!r}", unknown[0])
    link_id, number, user = data.get("link_id"), data.get("from", ""), data.get("user")
    if not isinstance(link_id, str) or not link_id.strip():
        raise BadInput("link_id must be a link's id", "link_id")
    if not isinstance(number, str):
        raise BadInput("from must be a phone number as a string", "from")
    digits = data.get("digits", [])
    if isinstance(digits, str):
        digits = [d for d in digits.split(",") if d.strip()]
    if not isinstance(digits, list) or not all(isinstance(d, str) for d in digits):
        raise BadInput('digits must be a list of key sequences such as ["1", "2"]', "digits")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise BadInput("variables must be an object of strings", "variables")
    api = data.get("api", False)
    if not isinstance(api, bool):
        raise BadInput("api must be true or false", "api")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise BadInput("seed must be an integer", "seed")
    if user is not None and not isinstance(user, str):
        raise BadInput("user must be a username", "user")
    req = engine.CallRequest(
        link_id=link_id.strip(),
        number=number.strip(),
        call_type=engine.API if api else engine.DIRECT,
        digits=[d.strip() for d in digits],
        variables={str(k): v for k, v in variables.items()},
        seed=seed,
    )
    with call.db.writing() as session:
        try:
            outcome = simulate.place(session, req, user)
        except simulate.SimulateError as exc:
            raise BadInput(str(exc), "link_id") from None
        cdr = simulate.cdr_json(outcome)
        traces.keep(session, outcome)  # the path it took, for the portal's call page
        jobs = httpsend.take(session)
    # the flow's httpRequest rules go out after the commit, with the write lock released
    trace = httpsend.run_now(jobs, outcome.trace)
    return 201, {"call_id": outcome.call_id, "cdr": cdr, "trace": trace}


def seed_calls(call: Call) -> Any:
    """Generated calls, as `mock-iovox seed` makes them: `{"count", "days"? (90), "seed"? (0),
    "account"? (the first), "anchor"? (YYYY-MM-DD; default the clock's day)}`."""
    from datetime import date

    from mock_iovox.calls.seed import seed_calls as generate
    from mock_iovox.calls.traffic import Window

    data = call.obj()
    unknown = sorted(set(data) - {"count", "days", "seed", "account", "anchor"})
    if unknown:
        raise BadInput(f"unknown field {unknown[0]!r}", unknown[0])
    limits = {"count": (1, 1_000_000, None), "days": (1, 3660, 90), "seed": (0, 2**31 - 1, 0)}
    numbers: dict[str, int] = {}
    for name, (low, high, default) in limits.items():
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BadInput(f"{name} must be an integer from {low} to {high}", name)
        numbers[name] = value
    anchor = None
    if data.get("anchor") is not None:
        try:
            anchor = date.fromisoformat(str(data["anchor"]))
        except ValueError:
            raise BadInput("anchor must be a date such as 2026-12-02", "anchor") from None
    with call.db.writing() as session:
        query = select(Account).order_by(Account.pk)
        if data.get("account") is not None:
            query = query.where(Account.name == data["account"])
        account = session.scalars(query.limit(1)).first()
        if account is None:
            raise BadInput(f"no account named {data.get('account')!r}", "account")
        window = Window.whole_days(anchor or clock.now(session).date(), numbers["days"])
        written = generate(session, account.pk, numbers["count"], window, numbers["seed"])
        return 201, {
            "account": account.name,
            "written": written,
            "from": window.start.isoformat(),
            "to": window.end.isoformat(),
        }
