"""The `mock-iovox` group and its core commands: serve, certs, reset, health, coverage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from mock_iovox import __version__
from mock_iovox.cli.options import (
    CERTS_DIR_HELP,
    ENVS,
    LOG_LEVELS,
    CommaList,
    certs_options,
    data_options,
    fail,
    option,
    settings_from,
)
from mock_iovox.server import certs
from mock_iovox.settings import ENV_PREFIX, parse_networks


def _outbound_entry(value: str) -> None:
    from mock_iovox.outbound import parse_entry

    parse_entry(value)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mock-iovox")
def main() -> None:
    """mock-iovox: a local, stateful sandbox of the IOVOX Enterprise REST API v3.0.

    Every option can also be set as an environment variable MOCK_IOVOX_<OPTION> (each command's
    --help names them), e.g. MOCK_IOVOX_PORT=8444; flags win over variables.
    """


@main.command()
@option("--host", var="HOST", help="Address to listen on.  [default: 0.0.0.0]")
@option("--port", var="PORT", type=click.IntRange(1, 65535), help="HTTPS port.  [default: 444]")
@option(
    "--http-port",
    var="HTTP_PORT",
    type=click.IntRange(1, 65535),
    help="Also listen for plain HTTP here; it answers 400 HTTPS Required.",
)
@option(
    "--env", var="ENV", type=ENVS, help="Environments served: chosen per request by Host.  [default: both]"
)
@option(
    "--default-env",
    var="DEFAULT_ENV",
    type=click.Choice(["sandbox", "production"]),
    help="Environment for hosts not starting with 'sandbox'.  [default: sandbox]",
)
@data_options
@certs_options
@option(
    "--workers",
    var="WORKERS",
    type=click.IntRange(min=1),
    help="Worker processes (they share the databases).  [default: 1]",
)
@option(
    "--handler-threads",
    var="HANDLER_THREADS",
    type=click.IntRange(min=1),
    help="Threads running requests in each worker; more help only with a remote database.  [default: 1]",
)
@option(
    "--trusted-proxy",
    "trusted_proxies",
    var="TRUSTED_PROXIES",
    multiple=True,
    type=CommaList(parse_networks, "an IP network (CIDR)"),
    help="CIDR whose X-Forwarded-For is believed (repeatable; the variable: a comma list).",
)
@option(
    "--max-body-bytes",
    var="MAX_BODY_BYTES",
    type=click.IntRange(min=1024),
    help="Largest request body accepted.  [default: 20 MiB]",
)
@option(
    "--max-import-bytes",
    var="MAX_IMPORT_BYTES",
    type=click.IntRange(min=1024),
    help="Largest state import (PUT /__mock__/state) accepted.  [default: 128 MiB]",
)
@option(
    "--insecure",
    var="INSECURE",
    is_flag=True,
    default=None,
    help="Serve plain HTTP on --port (no TLS).",
)
@option(
    "--log-level",
    var="LOG_LEVEL",
    type=LOG_LEVELS,
    help="info: a line per request; warning: refused requests and faults only; debug: uvicorn's "
    "details too.  [default: info]",
)
@option(
    "--log-format",
    var="LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    help="Request log lines as text, or one JSON object per line.  [default: text]",
)
@option(
    "--admin-key",
    var="ADMIN_KEY",
    help="Key for the /__mock__ control plane (header X-Mock-Admin-Key); without one, loopback callers only.",
)
@option(
    "--outbound-allow",
    "outbound_allow",
    var="OUTBOUND_ALLOW",
    multiple=True,
    type=CommaList(_outbound_entry, "HOST[:PORT], IP[:PORT] or a CIDR range"),
    help="Where the mock's own requests (purchase callbacks, httpRequest rules) may go: HOST[:PORT], "
    "IP[:PORT] or CIDR (repeatable; the variable: a comma list). The mock's own ports are always "
    "refused.  [default: loopback]",
)
@option(
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
    from mock_iovox.server import serve as serving
    from mock_iovox.server import startup

    flags["cert_names"] = tuple(flags.get("cert_names") or ()) or None
    proxies = flags.pop("trusted_proxies", ()) or ()
    flags["outbound_allow"] = tuple(flags.get("outbound_allow") or ()) or None
    settings = settings_from(**flags)
    if proxies:
        settings = settings.with_overrides(trusted_proxies=parse_networks(list(proxies)))
    try:
        serving.check_port(settings.host, settings.port)
        if settings.http_port:
            serving.check_port(settings.host, settings.http_port)
    except serving.ListenError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        startup.check_access(settings)
        databases = startup.open_checked(settings)
        warnings = startup.prepare_checked(settings, databases)
    except startup.StartupError as exc:
        fail(exc)
    if not settings.insecure:
        try:
            certs.ensure(settings.certs_dir, settings.cert_names)
        except OSError as exc:
            raise click.ClickException(f"--certs-dir {settings.certs_dir}: {exc.strerror}") from exc
    _print_banner(settings, databases, warnings)
    try:
        serving.run(settings, databases)
    except serving.ListenError as exc:
        raise click.ClickException(str(exc)) from exc


def _print_banner(settings: Any, databases: Any, warnings: list[str]) -> None:
    """The start banner and start-up warnings: text, or in --log-format json one JSON line each
    (so that `docker logs` is JSON throughout)."""
    from mock_iovox.server import startup
    from mock_iovox.server.reqlog import json_line

    lines = startup.banner(settings, __version__, databases)
    if settings.log_format == "json":
        click.echo(json_line("info", lines[0], banner=[line.strip() for line in lines[1:]]))
        for warning in warnings:
            click.echo(json_line("warning", warning), err=True)
        return
    for line in lines:
        click.echo(line)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


@main.command("certs")
@certs_options
@click.option("--force", is_flag=True, help="Make a new CA and certificate even if they exist.")
def certs_command(certs_dir: Path | None, cert_names: tuple[str, ...], force: bool) -> None:
    """Create (or renew) the local CA and the server certificate."""
    settings = settings_from(certs_dir=certs_dir, cert_names=cert_names or None)
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
@option("--env", var="ENV", type=ENVS, help="Which environment to reset.  [default: both]")
@data_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")
def reset(yes: bool, **flags: Any) -> None:
    """Drop all data and load the fixture again."""
    from mock_iovox.fakes.fixtures import FixtureError, read_fixture
    from mock_iovox.fakes.fixtures import reset as reset_db
    from mock_iovox.server import startup

    settings = settings_from(**flags)
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
        fail(exc)
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
@option("--host", var="HOST", help="Address the server listens on.  [default: 0.0.0.0, asked as localhost]")
@option("--port", var="PORT", type=click.IntRange(1, 65535), help="Its port.  [default: 444]")
@option("--certs-dir", var="CERTS_DIR", type=click.Path(file_okay=False, path_type=Path), help=CERTS_DIR_HELP)
@option("--insecure", var="INSECURE", is_flag=True, default=None, help="The server speaks plain HTTP.")
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

    settings = settings_from(**flags)
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
