"""`mock-iovox call`: place a simulated call through a link's call flow (calls/engine.py) and print
the CDR id and the rules it took. It writes the database directly; a running server sees the call
on its next request."""

from __future__ import annotations

import json
from typing import Any

import click

from mock_iovox.cli.options import data_options, settings_from


@click.command("call")
@click.option("--link", "link_id", required=True, help="The link_id whose VoxNumber is called.")
@click.option("--from", "number", default="", help="The caller's number (empty: withheld).")
@click.option("--digits", default="", help="Keys pressed in menus, one entry per attempt: 1,2")
@click.option("--api", is_flag=True, help="A click-to-call (call_type API): --from is call_destination.")
@click.option("--var", "variables", multiple=True, help="A call variable NAME=VALUE (with --api).")
@click.option("--seed", type=int, help="Seed for the talk times (default: the call's id).")
@click.option("--user", "username", help="The API user whose account owns the link (if ambiguous).")
@click.option("--env", type=click.Choice(["sandbox", "production"]), default="sandbox", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the CDR and trace as JSON.")
@data_options
def call_command(
    link_id: str,
    number: str,
    digits: str,
    api: bool,
    variables: tuple[str, ...],
    seed: int | None,
    username: str | None,
    env: str,
    as_json: bool,
    **flags: Any,
) -> None:
    """Place a call to a link (as a caller dialling its VoxNumber, or a click-to-call with --api)
    and print the CDR id and the trace of the rules it ran."""
    from mock_iovox import outbound
    from mock_iovox.calls import engine, httpsend, simulate
    from mock_iovox.db.engine import open_databases
    from mock_iovox.fakes.fixtures import prepare

    pairs = [v.partition("=") for v in variables]
    if any(not sep for _, sep, _ in pairs):
        raise click.BadParameter("use NAME=VALUE", param_hint="--var")
    req = engine.CallRequest(
        link_id=link_id,
        number=number,
        call_type=engine.API if api else engine.DIRECT,
        digits=[d.strip() for d in digits.split(",") if d.strip()],
        variables={k.strip(): v for k, _, v in pairs},
        seed=seed,
    )
    settings = settings_from(**flags)
    outbound.configure(settings)
    databases = open_databases(settings)
    prepare(settings, databases)
    try:
        with databases[env].writing() as session:
            try:
                outcome = simulate.place(session, req, username)
            except simulate.SimulateError as exc:
                raise click.ClickException(str(exc)) from None
            cdr = simulate.cdr_json(outcome)
            jobs = httpsend.take(session)
        trace = httpsend.run_now(jobs, outcome.trace)  # after the commit: the database is free
    finally:
        for database in databases.values():
            database.dispose()
    if as_json:
        click.echo(json.dumps({"call_id": cdr["call_id"], "cdr": cdr, "trace": trace}, indent=2))
        return
    click.echo(f"call_id {cdr['call_id']}")
    click.echo(
        f"{cdr['call_result']} / {cdr['rule_result'] or '-'}: call {cdr['call_time_sec']}s, "
        f"talk {cdr['talk_time_sec']}s, recording {int(cdr['has_recording'])}, "
        f"voicemail {cdr['voicemail_sec']}s"
    )
    for line in trace:
        click.echo(line)
