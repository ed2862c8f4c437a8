"""Opening and preparing the databases before serving, with one-line errors instead of tracebacks,
and what the start-up banner shows (what is really loaded)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.engine import make_url

from mock_iovox.auth import key_matches
from mock_iovox.db import Account, ApiUser
from mock_iovox.db.engine import Database, open_databases
from mock_iovox.fakes.fixtures import META_FIXTURE, FixtureError, declared_users, prepare
from mock_iovox.settings import Settings


class StartupError(Exception):
    """A problem that stops the start; `usage` = the configuration itself is wrong (exit 2)."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return url


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_access(settings: Settings) -> None:
    """`--trusted-proxy` without `--admin-key` does not start: every caller then reaches the server
    through the proxy, often from loopback, which the control plane would trust (admin/guard.py).
    A warning scrolls past in a container's log; a refusal is read before anyone is exposed."""
    if settings.trusted_proxies and not settings.admin_key:
        raise StartupError(
            "--trusted-proxy needs --admin-key: behind a proxy every caller comes from the proxy's "
            "address, so /__mock__ cannot tell this machine's callers from anyone else's",
            True,
        )


def open_checked(settings: Settings) -> dict[str, Database]:
    """The databases of `settings`, engines created (nothing connected yet)."""
    source = "--database-url (MOCK_IOVOX_DATABASE_URL)" if settings.database_url else "--data-dir"
    try:
        return open_databases(settings)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as exc:
        raise StartupError(f"{source}: cannot use {_shown(settings.url_for('{env}'))}: {exc}", True) from exc
    except ImportError as exc:
        raise StartupError(
            f"{source}: the driver for {_shown(settings.url_for('{env}'))} is not installed ({exc.name}); "
            "for PostgreSQL: pip install 'mock-iovox[postgres]'",
            True,
        ) from exc
    except OSError as exc:
        raise StartupError(f"{source}: {settings.data_dir}: {exc.strerror}") from exc


def prepare_checked(settings: Settings, databases: dict[str, Database]) -> list[str]:
    """Schema, fixture and a write probe on every database; returns the fixture warnings."""
    for db in databases.values():
        _check_sqlite_writable(db)
    try:
        warnings = prepare(settings, databases)
    except FixtureError as exc:
        raise StartupError(f"--fixture (MOCK_IOVOX_FIXTURE): {exc}") from exc
    except sa_exc.OperationalError as exc:
        raise StartupError(_db_problem(databases, exc)) from exc
    except sa_exc.DatabaseError as exc:
        raise StartupError(_db_problem(databases, exc)) from exc
    for db in databases.values():
        try:
            db.check_writable()
        except sa_exc.DBAPIError as exc:
            raise StartupError(
                f"{_shown(db.url)}: cannot write ({_first_line(exc)}): the data folder or database must "
                "be writable by this user"
            ) from exc
    return warnings


def _check_sqlite_writable(db: Database) -> None:
    """SQLite writes beside the file too (journal, WAL): the folder and the file must be writable."""
    if db.engine.dialect.name != "sqlite" or not db.engine.url.database:
        return
    path = Path(db.engine.url.database)
    for target in (path.parent, path):
        if target.exists() and not os.access(target, os.W_OK):
            raise StartupError(
                f"--data-dir: {target} is not writable by this user (uid {os.getuid()}): "
                "mount or chown it writable, or choose another --data-dir"
            )


def _db_problem(databases: dict[str, Database], exc: sa_exc.DBAPIError) -> str:
    """Which database failed is not in the exception: find the first that does not answer."""
    for db in databases.values():
        try:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1 FROM mock_meta WHERE 1 = 0")
        except sa_exc.DBAPIError as probe:
            problem = _first_line(probe)
            return f"{_shown(db.url)}: {problem}{_advice(db, problem)}"
    return f"database error: {_first_line(exc)}"


def _advice(db: Database, problem: str) -> str:
    if db.engine.dialect.name == "sqlite" and "not a database" in problem:
        return " (not an SQLite database? move the file away to start afresh)"
    return ""


@dataclass(frozen=True, slots=True)
class Loaded:
    env: str
    fixture: str
    #: (username, secureKey, account name) of every API user, in creation order; the database holds
    #: only salted hashes, so the key shown is the fixture's own when it still matches
    users: tuple[tuple[str, str, str], ...]


def _declared_keys(fixture: Path, env: str) -> dict[str, list[str]]:
    """username -> the secure keys the fixture declares in clear for `env`."""
    try:
        users = declared_users(fixture, env)
    except FixtureError:
        return {}
    keys: dict[str, list[str]] = {}
    for username, key in users:
        keys.setdefault(username, []).append(key)
    return keys


def _shown_key(stored: str, declared: list[str]) -> str:
    for key in declared:
        if key_matches(stored, key):
            return key
    return "(set since the load: not shown)"


def loaded(databases: dict[str, Database], fixture: Path, limit: int = 5) -> list[Loaded]:
    out = []
    for env, db in databases.items():
        declared = _declared_keys(fixture, env)
        with db.sessions() as session:
            rows = session.execute(
                select(ApiUser.username, ApiUser.secure_key, Account.name)
                .join(Account, Account.pk == ApiUser.account_pk)
                .order_by(ApiUser.pk)
                .limit(limit)
            ).all()
        users = tuple((r[0], _shown_key(r[1], declared.get(r[0], [])), r[2]) for r in rows)
        out.append(Loaded(env, db.get_meta(META_FIXTURE) or "-", users))
    return out


def banner(settings: Settings, version: str, databases: dict[str, Database]) -> list[str]:
    scheme = "http" if settings.insecure else "https"
    shown_host = "localhost" if settings.host in ("0.0.0.0", "::") else settings.host
    lines = [f"mock-iovox {version}: {scheme}://{shown_host}:{settings.port}/"]
    if not settings.insecure:
        lines.append(f"  trust this CA in clients: {settings.certs_dir / 'ca.crt'}")
    for info in loaded(databases, settings.fixture):
        lines.append(f"  {info.env}: {_reached_by(settings, info.env)}")
        lines.append(f"    data: {_shown(settings.url_for(info.env))}; loaded from {info.fixture}")
        for username, key, account in info.users:
            lines.append(f"    username {username}  secureKey {key}  (account {account})")
    return lines


def _reached_by(settings: Settings, env: str) -> str:
    if settings.env != "both":
        return "every request"
    if env == "sandbox":
        hosts = "Host starting with 'sandbox' (sandboxapi.iovox.com, sandbox.localhost)"
        return hosts + (", and every other Host" if settings.default_env == "sandbox" else "")
    if settings.default_env == "production":
        return "every Host not starting with 'sandbox' (localhost, api.iovox.com)"
    return "not reachable: every Host selects sandbox; add --default-env production to reach it"


__all__ = ["StartupError", "banner", "check_access", "open_checked", "prepare_checked"]
