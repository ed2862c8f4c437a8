"""The `mock-iovox` command line: serve, certs, reset, coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mock_iovox import __version__, certs
from mock_iovox.settings import ENV_PREFIX, from_environ

_ENVS = click.Choice(["sandbox", "production", "both"])


def _settings(**flags: Any) -> Any:
    try:
        return from_environ(**flags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mock-iovox")
def main() -> None:
    """mock-iovox: a local, stateful sandbox of the IOVOX Enterprise REST API v3.0.

    Every option can also be set as an environment variable MOCK_IOVOX_<OPTION>, e.g.
    MOCK_IOVOX_PORT=8444.
    """


def _data_options(fn: Any) -> Any:
    fn = click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of the SQLite databases (one per environment).  [default: ./data]",
    )(fn)
    fn = click.option(
        "--database-url",
        help="SQLAlchemy URL instead of SQLite files; {env} is replaced by sandbox/production, "
        "e.g. postgresql+psycopg://u:p@localhost/iovox_{env}.",
    )(fn)
    fn = click.option(
        "--fixture",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="YAML fixture loaded into an empty database.  [default: fixtures/default.yaml]",
    )(fn)
    return fn


@main.command()
@click.option("--host", help="Address to listen on.  [default: 0.0.0.0]")
@click.option("--port", type=int, help="HTTPS port.  [default: 444]")
@click.option("--http-port", type=int, help="Also listen for plain HTTP here; it answers 400 HTTPS Required.")
@click.option("--env", type=_ENVS, help="Environments served: chosen per request by Host.  [default: both]")
@click.option(
    "--default-env",
    type=click.Choice(["sandbox", "production"]),
    help="Environment for hosts not starting with 'sandbox'.  [default: sandbox]",
)
@_data_options
@click.option("--certs-dir", type=click.Path(file_okay=False, path_type=Path), help="[default: ./certs]")
@click.option("--cert-name", "cert_names", multiple=True, help="Extra DNS name or IP for the certificate.")
@click.option("--workers", type=int, help="Worker processes (they share the databases).  [default: 1]")
@click.option(
    "--handler-threads",
    type=int,
    help="Threads running requests in each worker; more help only with a remote database.  [default: 1]",
)
@click.option(
    "--trusted-proxy", "trusted_proxies", multiple=True, help="CIDR whose X-Forwarded-For is believed."
)
@click.option("--max-body-bytes", type=int, help="Largest request body accepted.  [default: 20 MiB]")
@click.option("--insecure", is_flag=True, default=None, help="Serve plain HTTP on --port (no TLS).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(**flags: Any) -> None:
    """Serve the IOVOX API over HTTPS (port 444 by default).

    On first start this creates the local CA and server certificate in certs/, creates the
    databases and loads the fixture; later starts keep the data. Trust certs/ca.crt in clients.
    """
    from mock_iovox import serve as serving

    flags["cert_names"] = tuple(flags.get("cert_names") or ()) or None
    proxies = flags.pop("trusted_proxies", ()) or ()
    settings = _settings(**flags)
    if proxies:
        from mock_iovox.settings import parse_networks

        settings = settings.with_overrides(trusted_proxies=parse_networks(list(proxies)))
    scheme = "http" if settings.insecure else "https"
    shown_host = "localhost" if settings.host in ("0.0.0.0", "::") else settings.host
    click.echo(f"mock-iovox {__version__}: {scheme}://{shown_host}:{settings.port}/")
    if not settings.insecure:
        click.echo(f"  trust this CA in clients: {settings.certs_dir / 'ca.crt'}")
    click.echo(f"  environments: {', '.join(settings.environments)} (Host starting 'sandbox' -> sandbox)")
    from mock_iovox.db.engine import masked_url
    from mock_iovox.fakes.fixtures import first_users

    # the fixture's own users (it declares them in clear), never a key read back from a database
    for env, username, key in first_users(settings.fixture, settings.environments):
        click.echo(f"  credentials from the fixture: username {username}, secureKey {key} ({env})")
    click.echo(f"  data: {masked_url(settings.url_for('{env}'))}; fixture: {settings.fixture}")
    try:
        serving.run(settings)
    except serving.ListenError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("certs")
@click.option("--certs-dir", type=click.Path(file_okay=False, path_type=Path), help="[default: ./certs]")
@click.option("--cert-name", "cert_names", multiple=True, help="Extra DNS name or IP for the certificate.")
@click.option("--force", is_flag=True, help="Make a new CA and certificate even if they exist.")
def certs_command(certs_dir: Path | None, cert_names: tuple[str, ...], force: bool) -> None:
    """Create (or renew) the local CA and the server certificate."""
    settings = _settings(certs_dir=certs_dir, cert_names=cert_names or None)
    paths, created = certs.ensure(settings.certs_dir, settings.cert_names, force=force)
    click.echo(
        ("created" if created else "kept")
        + f" {paths.server_cert} for: "
        + ", ".join(certs.names_for(settings.cert_names))
    )
    click.echo(f"CA to trust: {paths.ca_cert}")


@main.command()
@click.option("--env", type=_ENVS, help="Which environment to reset.  [default: both]")
@_data_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(yes: bool, **flags: Any) -> None:
    """Drop all data and load the fixture again."""
    from mock_iovox.app import open_databases
    from mock_iovox.fakes.fixtures import read_fixture
    from mock_iovox.fakes.fixtures import reset as reset_db

    settings = _settings(**flags)
    if not yes:
        click.confirm(f"Erase all data of {', '.join(settings.environments)}?", abort=True)
    fixture = read_fixture(settings.fixture)
    for env, db in open_databases(settings).items():
        reset_db(db, fixture)
        db.dispose()
        click.echo(f"{env}: reset to {settings.fixture}")


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
from mock_iovox.cli_call import call_command  # noqa: E402

main.add_command(call_command)
