"""Clis.deleteClis (doc only): the fixture's CLI, item errors, in use by a call flow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from mock_iovox.db import Account, CallFlow
from mock_iovox.db.flows import Cli
from tests.helpers import OTHER, Api, assert_errors

FIXTURE_CLI = "441632960555"


def clis(api: Api) -> list[str]:
    with api.dbs["sandbox"].reading() as session:
        return list(session.scalars(select(Cli.cli).order_by(Cli.pk)))


def test_delete_cli(api: Api) -> None:
    assert clis(api) == [FIXTURE_CLI]
    # another account cannot see it
    resp = api.delete("Clis", "deleteClis", {"clis": FIXTURE_CLI}, headers=OTHER)
    assert_errors(resp, 400, ["Cli 1 of 1 does not exist"])
    assert api.delete("Clis", "deleteClis", {"clis": "+" + FIXTURE_CLI}).status_code == 204
    assert clis(api) == []


def test_delete_cli_errors(api: Api) -> None:
    resp = api.delete("Clis", "deleteClis", {"clis": f",12ab,441632960000,{FIXTURE_CLI}"})
    assert_errors(resp, 400, ["Cli 1 of 4 Empty", "Cli 2 of 4 not an integer", "Cli 3 of 4 does not exist"])
    assert_errors(api.delete("Clis", "deleteClis", {"clis": ""}), 400, ["Clis Empty"])
    resp = api.delete("Clis", "deleteClis", {"clis": FIXTURE_CLI, "rm_if_in_use": "maybe"})
    assert_errors(resp, 400, ["rm_if_in_use Invalid"])
    assert clis(api) == [FIXTURE_CLI]


def test_cli_in_use_by_a_call_flow(api: Api) -> None:
    with api.dbs["sandbox"].writing() as session:
        account = session.scalar(select(Account).where(Account.name == "Demo Estates"))
        assert account is not None
        session.add(
            CallFlow(
                account_pk=account.pk,
                kind="CALL",
                name="Presented",
                template_type="CUSTOM",
                xml=f'<callFlow name="Presented"><call id="c" label="Call" cli="+{FIXTURE_CLI}"/></callFlow>',
                created_at=datetime(2026, 1, 5),
            )
        )
    resp = api.delete("Clis", "deleteClis", {"clis": FIXTURE_CLI})
    assert_errors(resp, 400, ["Cli 1 of 1 in use"])
    assert clis(api) == [FIXTURE_CLI]
    resp = api.delete("Clis", "deleteClis", {"clis": FIXTURE_CLI, "rm_if_in_use": "TRUE"})
    assert resp.status_code == 204
    assert clis(api) == []
