"""`mock-iovox admin …`: the control plane's twin on the command line, talking to a running server
over HTTPS (mock_iovox/admin/client.py). Every command prints the server's JSON answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mock_iovox.cli.clock import parse_duration, parse_time


def _out(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


@click.group("admin")
@click.option(
    "--url",
    envvar="MOCK_IOVOX_ADMIN_URL",
    default="https://localhost:444",
    show_default=True,
    help="The running server (env MOCK_IOVOX_ADMIN_URL).",
)
@click.option(
    "--ca-file",
    envvar="MOCK_IOVOX_ADMIN_CA_FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CA to trust.  [default: certs/ca.crt when it exists]",
)
@click.option("--admin-key", envvar="MOCK_IOVOX_ADMIN_KEY", default="", help="The server's --admin-key.")
@click.option("--env", type=click.Choice(["sandbox", "production"]), default="sandbox", show_default=True)
@click.pass_context
def admin(ctx: click.Context, url: str, ca_file: Path | None, admin_key: str, env: str) -> None:
    """Drive a running server's /__mock__ control plane: clock, state, users, journal, faults."""
    from mock_iovox.admin.client import Control

    if ca_file is None and Path("certs/ca.crt").exists():
        ca_file = Path("certs/ca.crt")
    control = Control(url, ca_file=ca_file, admin_key=admin_key, env=env)
    ctx.call_on_close(control.close)
    ctx.obj = control


def _run(ctx: click.Context, fn: Any) -> None:
    import httpx

    from mock_iovox.admin.client import ControlError

    try:
        _out(fn(ctx.obj))
    except ControlError as exc:
        raise click.ClickException(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach the server: {exc}") from exc


# -- clock -----------------------------------------------------------------------------------------


@admin.group("clock")
def clock_group() -> None:
    """Show or move the server's clock."""


@clock_group.command("show")
@click.pass_context
def clock_show(ctx: click.Context) -> None:
    _run(ctx, lambda c: c.clock())


@clock_group.command("set")
@click.argument("time")
@click.option("--frozen", is_flag=True, help="Hold it still there.")
@click.pass_context
def clock_set(ctx: click.Context, time: str, frozen: bool) -> None:
    """Move the clock to TIME (ISO-8601)."""
    at = parse_time(time).isoformat()
    _run(ctx, lambda c: c.set_clock(now=at, frozen=frozen))


@clock_group.command("freeze")
@click.pass_context
def clock_freeze(ctx: click.Context) -> None:
    _run(ctx, lambda c: c.set_clock(frozen=True))


@clock_group.command("resume")
@click.pass_context
def clock_resume(ctx: click.Context) -> None:
    _run(ctx, lambda c: c.set_clock(frozen=False))


@clock_group.command("real")
@click.pass_context
def clock_real(ctx: click.Context) -> None:
    _run(ctx, lambda c: c.set_clock(real=True))


@clock_group.command("advance")
@click.argument("duration")
@click.pass_context
def clock_advance(ctx: click.Context, duration: str) -> None:
    """Move the clock forward by DURATION (90, 15m, 2h, 1d)."""
    seconds = parse_duration(duration)
    _run(ctx, lambda c: c.advance(seconds))


# -- state -----------------------------------------------------------------------------------------


@admin.command("reset")
@click.pass_context
def reset(ctx: click.Context) -> None:
    """Back to the fixture (the clock stays)."""
    _run(ctx, lambda c: c.reset())


@admin.group("snapshot")
def snapshot_group() -> None:
    """Named snapshots, export and import."""


@snapshot_group.command("list")
@click.pass_context
def snapshot_list(ctx: click.Context) -> None:
    _run(ctx, lambda c: c.snapshots())


@snapshot_group.command("save")
@click.argument("name")
@click.pass_context
def snapshot_save(ctx: click.Context, name: str) -> None:
    _run(ctx, lambda c: c.save(name))


@snapshot_group.command("restore")
@click.argument("name")
@click.pass_context
def snapshot_restore(ctx: click.Context, name: str) -> None:
    _run(ctx, lambda c: c.restore(name))


@snapshot_group.command("delete")
@click.argument("name")
@click.pass_context
def snapshot_delete(ctx: click.Context, name: str) -> None:
    _run(ctx, lambda c: c.delete_snapshot(name))


@snapshot_group.command("export")
@click.argument("name", required=False)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
@click.option("--sqlite", is_flag=True, help="A SQLite file instead of JSON (needs --output).")
@click.pass_context
def snapshot_export(ctx: click.Context, name: str | None, output: Path | None, sqlite: bool) -> None:
    """Export the current state (or snapshot NAME) as JSON or a SQLite file."""
    if sqlite and output is None:
        raise click.UsageError("--sqlite needs --output FILE")

    def go(c: Any) -> Any:
        if sqlite:
            assert output is not None
            output.write_bytes(c.export_sqlite(name))
            return {"written": str(output)}
        data = c.export(name)
        if output is None:
            return data
        output.write_text(json.dumps(data))
        return {"written": str(output)}

    _run(ctx, go)


@snapshot_group.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--save", help="Also keep it as the named snapshot SAVE.")
@click.pass_context
def snapshot_import(ctx: click.Context, file: Any, save: str | None) -> None:
    """Replace the state by an exported snapshot, JSON or SQLite (FILE, or - for stdin)."""
    raw = file.read()
    if raw.startswith(b"SQLite format 3"):
        _run(ctx, lambda c: c.import_sqlite(raw, save=save))
        return
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise click.ClickException(f"{file.name}: not JSON: {exc}") from exc
    _run(ctx, lambda c: c.import_(data, save=save))


# -- users -----------------------------------------------------------------------------------------


@admin.group("users")
def users_group() -> None:
    """API users, their keys and allowed IP ranges."""


@users_group.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    _run(ctx, lambda c: c.users())


@users_group.command("add")
@click.argument("username")
@click.option("--account", required=True, help="Name of the account the user belongs to.")
@click.option("--secure-key", required=True)
@click.option("--allow", "allowed_ips", multiple=True, help="CIDR range (repeatable; default: local ranges).")
@click.pass_context
def users_add(
    ctx: click.Context, username: str, account: str, secure_key: str, allowed_ips: tuple[str, ...]
) -> None:
    fields: dict[str, Any] = {"account": account, "username": username, "secure_key": secure_key}
    if allowed_ips:
        fields["allowed_ips"] = list(allowed_ips)
    _run(ctx, lambda c: c.create_user(**fields))


@users_group.command("update")
@click.argument("username")
@click.option("--secure-key")
@click.option("--allow", "allowed_ips", multiple=True, help="CIDR range (repeatable); replaces the ranges.")
@click.pass_context
def users_update(
    ctx: click.Context, username: str, secure_key: str | None, allowed_ips: tuple[str, ...]
) -> None:
    fields: dict[str, Any] = {}
    if secure_key:
        fields["secure_key"] = secure_key
    if allowed_ips:
        fields["allowed_ips"] = list(allowed_ips)
    _run(ctx, lambda c: c.update_user(username, **fields))


@users_group.command("delete")
@click.argument("username")
@click.pass_context
def users_delete(ctx: click.Context, username: str) -> None:
    _run(ctx, lambda c: c.delete_user(username))


# -- journal, faults, outbox -----------------------------------------------------------------------


@admin.command("journal")
@click.option("--method", help="Interface.method or just method.")
@click.option("--interface")
@click.option("--status", type=int)
@click.option("--user")
@click.option("--since", help="ISO-8601.")
@click.option("--until", help="ISO-8601.")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--clear", is_flag=True, help="Empty the journal instead.")
@click.pass_context
def journal(ctx: click.Context, /, clear: bool, **filters: Any) -> None:
    """Vendor requests the server received (oldest first)."""
    if clear:
        _run(ctx, lambda c: {"deleted": c.clear_journal()})
    else:
        _run(ctx, lambda c: c.journal(**filters))


@admin.group("faults")
def faults_group() -> None:
    """Fault rules that make the vendor API fail on purpose."""


@faults_group.command("list")
@click.pass_context
def faults_list(ctx: click.Context) -> None:
    _run(ctx, lambda c: c.faults())


@faults_group.command("add")
@click.argument("action", type=click.Choice(["latency", "error", "internal", "malformed", "drop"]))
@click.option("--interface")
@click.option("--method")
@click.option("--user")
@click.option("--status", type=int, help="HTTP status of an error fault.")
@click.option("--message", help="The vendor's exact error string of an error fault.")
@click.option("--latency-ms", type=int)
@click.option("--probability", type=float)
@click.option("--seed", type=int)
@click.option("--times", type=int, help="Fire at most this many times.")
@click.pass_context
def faults_add(ctx: click.Context, /, **rule: Any) -> None:
    """Add a rule: ACTION is latency, error, internal (a 500), malformed or drop."""
    body = {k: v for k, v in rule.items() if v is not None}
    _run(ctx, lambda c: c.add_fault(**body))


@faults_group.command("delete")
@click.argument("rule_id", type=int)
@click.pass_context
def faults_delete(ctx: click.Context, rule_id: int) -> None:
    _run(ctx, lambda c: {"deleted": c.delete_fault(rule_id)})


@faults_group.command("clear")
@click.pass_context
def faults_clear(ctx: click.Context) -> None:
    _run(ctx, lambda c: {"deleted": c.delete_fault()})


@admin.command("outbox")
@click.pass_context
def outbox(ctx: click.Context) -> None:
    """Purchase callbacks and their delivery attempts."""
    _run(ctx, lambda c: c.outbox())


@admin.command("seed")
@click.option("--calls", "count", type=int, required=True)
@click.option("--days", type=int)
@click.option("--seed", type=int)
@click.option("--account")
@click.option("--anchor", help="Last day (YYYY-MM-DD).  [default: the clock's day]")
@click.pass_context
def seed(ctx: click.Context, /, count: int, **options: Any) -> None:
    """Generate calls on the running server (as `mock-iovox seed` does on the files)."""
    body = {k: v for k, v in options.items() if v is not None}
    _run(ctx, lambda c: c.seed_calls(count, **body))


@admin.command("call")
@click.option("--link", "link_id", required=True, help="The link_id whose VoxNumber is called.")
@click.option("--from", "number", default="", help="The caller's number (empty: withheld).")
@click.option("--digits", default="", help="Keys pressed in menus, one entry per attempt: 1,2")
@click.option("--api", is_flag=True, help="A click-to-call: --from is the call_destination.")
@click.option("--seed", type=int, help="Seed for the talk times (default: the call's id).")
@click.pass_context
def call(ctx: click.Context, /, link_id: str, number: str, digits: str, api: bool, seed: int | None) -> None:
    """Place a simulated call on the running server (as `mock-iovox call` does on the files)."""
    body: dict[str, Any] = {"from": number, "digits": digits, "api": api}
    if seed is not None:
        body["seed"] = seed
    _run(ctx, lambda c: c.place_call(link_id, **body))


__all__ = ["admin"]
