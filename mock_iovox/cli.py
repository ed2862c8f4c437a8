"""The `mock-iovox` command line: serve, certs, reset, coverage."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import DBAPIError

from mock_iovox import __version__, certs
from mock_iovox.settings import ENV_PREFIX, from_environ, parse_networks

F = TypeVar("F", bound=Callable[..., Any])
_ENVS = click.Choice(["sandbox", "production", "both"])


class _CommaList(click.ParamType[str]):
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


def _certs_options(fn: Any) -> Any:
    fn = _option(
        "--cert-name",
        "cert_names",
        var="CERT_NAMES",
        multiple=True,
        type=_CommaList(certs.check_name, "a DNS name or IP address"),
        help=_CERT_NAME_HELP,
    )(fn)
    return _option(
        "--certs-dir", var="CERTS_DIR", type=click.Path(file_okay=False, path_type=Path), help=_CERTS_DIR_HELP
    )(fn)


def _option(*decls: str, var: str, **kwargs: Any) -> Callable[[F], F]:
    """A click option that can also be set as MOCK_IOVOX_<var>, shown in --help."""
    return click.option(*decls, envvar=ENV_PREFIX + var, show_envvar=True, **kwargs)


def _settings(**flags: Any) -> Any:
    try:
        return from_environ(**flags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _fail(exc: Any) -> NoReturn:
    """A StartupError as a one-line error: exit 2 when the configuration is wrong, 1 otherwise."""
    if exc.usage:
        raise click.UsageError(str(exc)) from exc
    raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mock-iovox")
def main() -> None:
    """mock-iovox: a local, stateful sandbox of the IOVOX Enterprise REST API v3.0.

    Every option can also be set as an environment variable MOCK_IOVOX_<OPTION> (each command's
    --help names them), e.g. MOCK_IOVOX_PORT=8444; flags win over variables.
    """


def _data_options(fn: Any) -> Any:
    fn = _option(
        "--data-dir",
        var="DATA_DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of the SQLite databases (one per environment).  [default: ./data]",
    )(fn)
    fn = _option(
        "--database-url",
        var="DATABASE_URL",
        help="SQLAlchemy URL instead of SQLite files; {env} is replaced by sandbox/production, "
        "e.g. postgresql+psycopg://u:p@localhost/iovox_{env}.",
    )(fn)
    fn = _option(
        "--fixture",
        var="FIXTURE",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="YAML fixture loaded into an empty database.  [default: fixtures/default.yaml]",
    )(fn)
    return fn


_LOG_LEVELS = click.Choice(["critical", "error", "warning", "info", "debug"])
_CERTS_DIR_HELP = (
    "Folder of the local CA (ca.crt: trust it in clients) and the server certificate; both are "
    "created when absent.  [default: ./certs]"
)
_CERT_NAME_HELP = "Extra DNS name or IP address for the certificate (repeatable; the variable: a comma list)."


@main.command()
@_option("--host", var="HOST", help="Address to listen on.  [default: 0.0.0.0]")
@_option("--port", var="PORT", type=click.IntRange(1, 65535), help="HTTPS port.  [default: 444]")
@_option(
    "--http-port",
    var="HTTP_PORT",
    type=click.IntRange(1, 65535),
    help="Also listen for plain HTTP here; it answers 400 HTTPS Required.",
)
@_option(
    "--env", var="ENV", type=_ENVS, help="Environments served: chosen per request by Host.  [default: both]"
)
@_option(
    "--default-env",
    var="DEFAULT_ENV",
    type=click.Choice(["sandbox", "production"]),
    help="Environment for hosts not starting with 'sandbox'.  [default: sandbox]",
)
@_data_options
@_certs_options
@_option(
    "--workers",
    var="WORKERS",
    type=click.IntRange(min=1),
    help="Worker processes (they share the databases).  [default: 1]",
)
@_option(
    "--handler-threads",
    var="HANDLER_THREADS",
    type=click.IntRange(min=1),
    help="Threads running requests in each worker; more help only with a remote database.  [default: 1]",
)
@_option(
    "--trusted-proxy",
    "trusted_proxies",
    var="TRUSTED_PROXIES",
    multiple=True,
    type=_CommaList(parse_networks, "an IP network (CIDR)"),
    help="CIDR whose X-Forwarded-For is believed (repeatable; the variable: a comma list).",
)
@_option(
    "--max-body-bytes",
    var="MAX_BODY_BYTES",
    type=click.IntRange(min=1024),
    help="Largest request body accepted.  [default: 20 MiB]",
)
@_option(
    "--insecure",
    var="INSECURE",
    is_flag=True,
    default=None,
    help="Serve plain HTTP on --port (no TLS).",
)
@_option(
    "--log-level",
    var="LOG_LEVEL",
    type=_LOG_LEVELS,
    help="info: a line per request; warning: refused requests and faults only; debug: uvicorn's "
    "details too.  [default: info]",
)
@_option(
    "--log-format",
    var="LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    help="Request log lines as text, or one JSON object per line.  [default: text]",
)
@_option(
    "--admin-key",
    var="ADMIN_KEY",
    help="Key for the /__mock__ control plane (header X-Mock-Admin-Key); without one, loopback callers only.",
)
@_option(
    "--journal-size",
    var="JOURNAL_SIZE",
    type=click.IntRange(min=0),
    help="Vendor requests kept in each environment's journal; 0 = off.  [default: 1000]",
)
def serve(**flags: Any) -> None:
    """Serve the IOVOX API over HTTPS (port 444 by default).

    On first start this creates the local CA and server certificate in certs/, creates the
    databases and loads the fixture; later starts keep the data. Trust certs/ca.crt in clients.
    The recording length cap is set by MOCK_IOVOX_RECORDING_CAP_SECONDS (120).
    """
    from mock_iovox import serve as serving
    from mock_iovox import startup

    flags["cert_names"] = tuple(flags.get("cert_names") or ()) or None
    proxies = flags.pop("trusted_proxies", ()) or ()
    settings = _settings(**flags)
    if proxies:
        settings = settings.with_overrides(trusted_proxies=parse_networks(list(proxies)))
    try:
        serving.check_port(settings.host, settings.port)
        if settings.http_port:
            serving.check_port(settings.host, settings.http_port)
    except serving.ListenError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        databases = startup.open_checked(settings)
        warnings = startup.prepare_checked(settings, databases)
    except startup.StartupError as exc:
        _fail(exc)
    if not settings.insecure:
        try:
            certs.ensure(settings.certs_dir, settings.cert_names)
        except OSError as exc:
            raise click.ClickException(f"--certs-dir {settings.certs_dir}: {exc.strerror}") from exc
    for line in startup.banner(settings, __version__, databases):
        click.echo(line)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    try:
        serving.run(settings, databases)
    except serving.ListenError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("certs")
@_certs_options
@click.option("--force", is_flag=True, help="Make a new CA and certificate even if they exist.")
def certs_command(certs_dir: Path | None, cert_names: tuple[str, ...], force: bool) -> None:
    """Create (or renew) the local CA and the server certificate."""
    settings = _settings(certs_dir=certs_dir, cert_names=cert_names or None)
    try:
        paths, created = certs.ensure(settings.certs_dir, settings.cert_names, force=force)
    except OSError as exc:
        raise click.ClickException(f"--certs-dir {settings.certs_dir}: {exc.strerror}") from exc
    click.echo(
        ("created" if created else "kept")
        + f" {paths.server_cert} for: "
        + ", ".join(certs.names_for(settings.cert_names))
    )
    click.echo(f"CA to trust: {paths.ca_cert}")


@main.command()
@_option("--env", var="ENV", type=_ENVS, help="Which environment to reset.  [default: both]")
@_data_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")
def reset(yes: bool, **flags: Any) -> None:
    """Drop all data and load the fixture again."""
    from mock_iovox import startup
    from mock_iovox.fakes.fixtures import FixtureError, read_fixture
    from mock_iovox.fakes.fixtures import reset as reset_db

    settings = _settings(**flags)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "reset erases all data: pass --yes to confirm (there is no terminal to ask on)"
            )
        click.confirm(f"Erase all data of {', '.join(settings.environments)}?", abort=True)
    try:
        fixture = read_fixture(settings.fixture)
    except FixtureError as exc:
        raise click.ClickException(f"--fixture (MOCK_IOVOX_FIXTURE): {exc}") from exc
    try:
        databases = startup.open_checked(settings)
    except startup.StartupError as exc:
        _fail(exc)
    for env, db in databases.items():
        try:
            reset_db(db, fixture)
        except DBAPIError as exc:
            raise click.ClickException(
                f"{env}: cannot reset: {str(exc.orig).strip().splitlines()[0]}"
            ) from exc
        finally:
            db.dispose()
        click.echo(f"{env}: reset to {settings.fixture}")


@main.command()
@_option("--host", var="HOST", help="Address the server listens on.  [default: 0.0.0.0, asked as localhost]")
@_option("--port", var="PORT", type=click.IntRange(1, 65535), help="Its port.  [default: 444]")
@_option(
    "--certs-dir", var="CERTS_DIR", type=click.Path(file_okay=False, path_type=Path), help=_CERTS_DIR_HELP
)
@_option("--insecure", var="INSECURE", is_flag=True, default=None, help="The server speaks plain HTTP.")
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait for an answer.")
def health(timeout: float, **flags: Any) -> None:
    """Ask a running server whether it is ready (its databases answer): exit 0 if so, 1 if not.

    Reads the same settings as `serve` (port, certificates, --insecure), so that a container's
    HEALTHCHECK follows its configuration.
    """
    import json
    import ssl
    import urllib.error
    import urllib.request

    settings = _settings(**flags)
    host = "localhost" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    url = f"{'http' if settings.insecure else 'https'}://{host}:{settings.port}/__mock__/health"
    context = None
    if not settings.insecure:
        context = ssl.create_default_context(cafile=str(settings.certs_dir / "ca.crt"))
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise click.ClickException(
            f"{url}: {exc.code} {exc.read().decode(errors='replace').strip()}"
        ) from exc
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(f"cannot reach {url}: {reason}") from exc
    click.echo(f"{url}: {body.get('status')} ({', '.join(body.get('environments', []))})")


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 if a page is not up to date instead of writing it.")
@click.option(
    "--docs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    show_default=True,
)
def coverage(check: bool, docs_dir: Path) -> None:
    """Write docs/coverage.md (every method, implemented or not) and docs/guesses.md (where the
    mock guesses), both generated from the catalogue."""
    from mock_iovox.coverage import render_coverage, render_guesses

    pages = {docs_dir / "coverage.md": render_coverage(), docs_dir / "guesses.md": render_guesses()}
    stale = [p for p, text in pages.items() if not p.exists() or p.read_text() != text]
    if check:
        if stale:
            raise click.ClickException(f"stale: {', '.join(map(str, stale))}: run `mock-iovox coverage`")
        click.echo("docs pages are up to date")
        return
    docs_dir.mkdir(parents=True, exist_ok=True)
    for path, text in pages.items():
        path.write_text(text)
        click.echo(f"wrote {path}")


__all__ = ["ENV_PREFIX", "main"]

from mock_iovox.cli_seed import seed  # noqa: E402  (the command module imports this one)

main.add_command(seed)
from mock_iovox.cli_clock import clock_command  # noqa: E402

main.add_command(clock_command)
from mock_iovox.cli_admin import admin  # noqa: E402

main.add_command(admin)
from mock_iovox.cli_call import call_command  # noqa: E402

main.add_command(call_command)
from mock_iovox.cli_openapi import openapi_command  # noqa: E402

main.add_command(openapi_command)
