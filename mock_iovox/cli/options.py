"""Options and helpers shared by the commands of `mock-iovox` (public: every command module uses them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from mock_iovox.server import certs
from mock_iovox.settings import ENV_PREFIX, from_environ

F = TypeVar("F", bound=Callable[..., Any])
ENVS = click.Choice(["sandbox", "production", "both"])


class CommaList(click.ParamType[str]):
    """A repeatable option whose environment variable is a comma list; `check` validates each item."""

    name = "text"
    envvar_list_splitter = ","

    def __init__(self, check: Any = None, what: str = "value") -> None:
        self.check = check
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        value = str(value).strip()
        if self.check is not None:
            try:
                self.check(value)
            except ValueError:
                self.fail(f"{value!r} is not {self.what}", param, ctx)
        return value

    def split_envvar_value(self, rv: str) -> list[str]:
        return [item.strip() for item in rv.split(",") if item.strip()]


def certs_options(fn: Any) -> Any:
    fn = option(
        "--cert-name",
        "cert_names",
        var="CERT_NAMES",
        multiple=True,
        type=CommaList(certs.check_name, "a DNS name or IP address"),
        help=CERT_NAME_HELP,
    )(fn)
    return option(
        "--certs-dir", var="CERTS_DIR", type=click.Path(file_okay=False, path_type=Path), help=CERTS_DIR_HELP
    )(fn)


def option(*decls: str, var: str, **kwargs: Any) -> Callable[[F], F]:
    """A click option that can also be set as MOCK_IOVOX_<var>, shown in --help."""
    return click.option(*decls, envvar=ENV_PREFIX + var, show_envvar=True, **kwargs)


def settings_from(**flags: Any) -> Any:
    try:
        return from_environ(**flags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def fail(exc: Any) -> NoReturn:
    """A StartupError as a one-line error: exit 2 when the configuration is wrong, 1 otherwise."""
    if exc.usage:
        raise click.UsageError(str(exc)) from exc
    raise click.ClickException(str(exc)) from exc


def data_options(fn: Any) -> Any:
    fn = option(
        "--data-dir",
        var="DATA_DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of the SQLite databases (one per environment).  [default: ./data]",
    )(fn)
    fn = option(
        "--database-url",
        var="DATABASE_URL",
        help="SQLAlchemy URL instead of SQLite files; {env} is replaced by sandbox/production, "
        "e.g. postgresql+psycopg://u:p@localhost/iovox_{env}.",
    )(fn)
    fn = option(
        "--fixture",
        var="FIXTURE",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="YAML fixture loaded into an empty database.  [default: the demo fixture, "
        "mock_iovox/fixtures/default.yaml]",
    )(fn)
    return fn


LOG_LEVELS = click.Choice(["critical", "error", "warning", "info", "debug"])
CERTS_DIR_HELP = (
    "Folder of the local CA (ca.crt: trust it in clients) and the server certificate; both are "
    "created when absent.  [default: ./certs]"
)
CERT_NAME_HELP = "Extra DNS name or IP address for the certificate (repeatable; the variable: a comma list)."
