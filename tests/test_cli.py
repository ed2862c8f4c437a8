"""The command line: help on every command, clear failures, reset."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from mock_iovox.cli import main
from mock_iovox.db import Node
from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.settings import DEFAULT_FIXTURE, Settings, from_environ


@pytest.mark.parametrize("command", [[], ["serve"], ["certs"], ["reset"], ["coverage"]])
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_serve_help_lists_every_setting() -> None:
    out = CliRunner().invoke(main, ["serve", "--help"]).output
    for flag in (
        "--host",
        "--port",
        "--http-port",
        "--env",
        "--data-dir",
        "--database-url",
        "--fixture",
        "--certs-dir",
        "--workers",
    ):
        assert flag in out


def test_serve_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp_path)]
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert not (tmp_path / "sandbox.sqlite3").exists()


def test_both_envs_need_env_placeholder_in_url() -> None:
    result = CliRunner().invoke(main, ["serve", "--database-url", "sqlite:////tmp/x.db"])
    assert result.exit_code == 2
    assert "{env}" in result.output


def test_environment_variables_configure_settings(tmp_path: Path) -> None:
    s = from_environ(
        {"MOCK_IOVOX_PORT": "8444", "MOCK_IOVOX_ENV": "sandbox", "MOCK_IOVOX_DATA_DIR": str(tmp_path)}
    )
    assert (s.port, s.env, s.data_dir) == (8444, "sandbox", tmp_path)
    assert s.url_for("sandbox") == f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"
    lists = from_environ(
        {"MOCK_IOVOX_CERT_NAMES": "a.test, 10.0.0.5", "MOCK_IOVOX_TRUSTED_PROXIES": "10.0.0.0/8,::1"}
    )
    assert lists.cert_names == ("a.test", "10.0.0.5")
    assert [str(n) for n in lists.trusted_proxies] == ["10.0.0.0/8", "::1/128"]


def test_reset_reloads_the_fixture(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, fixture=DEFAULT_FIXTURE)
    dbs = open_databases(settings)
    prepare(settings, dbs)
    with dbs["sandbox"].writing() as s:
        s.execute(delete(Node))
    result = CliRunner().invoke(main, ["reset", "--env", "sandbox", "--data-dir", str(tmp_path), "--yes"])
    assert result.exit_code == 0, result.output
    with dbs["sandbox"].sessions() as s:
        assert (s.scalar(select(func.count()).select_from(Node)) or 0) > 0
    for db in dbs.values():
        db.dispose()


def test_prepare_twice_keeps_data(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, fixture=DEFAULT_FIXTURE)
    dbs = open_databases(settings)
    prepare(settings, dbs)
    with dbs["sandbox"].writing() as s:
        s.execute(delete(Node).where(Node.node_id == "westbourne"))
    prepare(settings, dbs)
    with dbs["sandbox"].sessions() as s:
        assert s.scalar(select(Node.pk).where(Node.node_id == "westbourne")) is None
    for db in dbs.values():
        db.dispose()
