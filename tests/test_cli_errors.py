"""One-line errors instead of tracebacks: exit 2 for usage (the flag or variable named), 1 for runtime;
fixture validation; read-only data; what the banner shows; `mock-iovox health`."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner, Result
from sqlalchemy import text

from mock_iovox.cli import main
from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import FixtureError, prepare, read_fixture
from mock_iovox.server.startup import banner
from mock_iovox.settings import DEFAULT_FIXTURE, Settings
from tests.helpers import OTHER_SANDBOX_KEY, PRODUCTION_KEY, SANDBOX_KEY, Api
from tests.server import Server, free_port, start, stop


def run(args: list[str], **env: str) -> Result:
    return CliRunner().invoke(main, args, env=env)


def error_line(result: Result) -> str:
    """The error, which must be one line, and no traceback anywhere."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


def serve_args(tmp_path: Path, *extra: str, port: bool = True) -> list[str]:
    """serve on a free port (unless `port` is False), certificates in tmp_path."""
    ports = ["--port", str(free_port())] if port else []
    return ["serve", "--host", "127.0.0.1", *ports, "--certs-dir", str(tmp_path / "c"), *extra]


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["--env", "sandbox", "--database-url", "nosuchdb://x"],
            {},
            "Error: --database-url (MOCK_IOVOX_DATABASE_URL): cannot use nosuchdb://x: "
            "Can't load plugin: sqlalchemy.dialects:nosuchdb",
        ),
        (
            ["--trusted-proxy", "bogus"],
            {},
            "Error: Invalid value for '--trusted-proxy' (env var: 'MOCK_IOVOX_TRUSTED_PROXIES'): "
            "'bogus' is not an IP network (CIDR)",
        ),
        (
            [],
            {"MOCK_IOVOX_TRUSTED_PROXIES": "10.0.0.0/8, bogus"},
            "Error: Invalid value for '--trusted-proxy' (env var: 'MOCK_IOVOX_TRUSTED_PROXIES'): "
            "'bogus' is not an IP network (CIDR)",
        ),
        (
            [],
            {"MOCK_IOVOX_LOG_LEVEL": "loud"},
            "Error: Invalid value for '--log-level' (env var: 'MOCK_IOVOX_LOG_LEVEL'): 'loud' is not one of "
            "'critical', 'error', 'warning', 'info', 'debug'.",
        ),
        (
            [],
            {"MOCK_IOVOX_LOG_FORMAT": "xml"},
            "Error: Invalid value for '--log-format' (env var: 'MOCK_IOVOX_LOG_FORMAT'): 'xml' is not one of "
            "'text', 'json'.",
        ),
        (
            [],
            {"MOCK_IOVOX_PORT": "abc"},
            "Error: Invalid value for '--port' (env var: 'MOCK_IOVOX_PORT'): 'abc' is not a valid integer",
        ),
        (
            [],
            {"MOCK_IOVOX_INSECURE": "maybe"},
            "Error: Invalid value for '--insecure' (env var: 'MOCK_IOVOX_INSECURE'): 'maybe' is not a valid "
            "boolean.",
        ),
        (
            [],
            {"MOCK_IOVOX_RECORDING_CAP_SECONDS": "long"},
            "Error: MOCK_IOVOX_RECORDING_CAP_SECONDS=long: invalid literal for int() with base 10: 'long'",
        ),
    ],
    ids=[
        "database-url",
        "trusted-proxy",
        "proxies-var",
        "log-level",
        "log-format",
        "port",
        "insecure",
        "cap",
    ],
)
def test_usage_errors_exit_2_naming_the_flag_or_variable(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    flags = serve_args(tmp_path, "--data-dir", str(tmp_path / "d"), *args, port="MOCK_IOVOX_PORT" not in env)
    result = run(flags, **env)
    assert result.exit_code == 2, result.output
    assert error_line(result).startswith(expected)
    assert not (tmp_path / "d").exists()


def test_bad_certificate_name_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["certs", "--certs-dir", str(tmp_path), "--cert-name", "bad name!"])
    assert result.exit_code == 2
    assert error_line(result) == (
        "Error: Invalid value for '--cert-name' (env var: 'MOCK_IOVOX_CERT_NAMES'): "
        "'bad name!' is not a DNS name or IP address"
    )
    assert not (tmp_path / "ca.crt").exists()


def test_certificate_names_accepted(tmp_path: Path) -> None:
    result = run(
        ["certs", "--certs-dir", str(tmp_path)], MOCK_IOVOX_CERT_NAMES="mock.test, 10.0.0.5,*.dev.test"
    )
    assert result.exit_code == 0, result.output
    assert "mock.test, 10.0.0.5, *.dev.test" in result.output
    assert "sandbox.localhost" in result.output


def test_corrupt_sqlite_file_is_a_runtime_error(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "sandbox.sqlite3").write_bytes(b"this is not a database" * 100)
    result = run(serve_args(tmp_path, "--env", "sandbox", "--data-dir", str(data)))
    assert result.exit_code == 1
    assert error_line(result) == (
        f"Error: sqlite:///{data.resolve() / 'sandbox.sqlite3'}: file is not a database "
        "(not an SQLite database? move the file away to start afresh)"
    )


def test_unreachable_postgresql_is_a_runtime_error(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://mock:secret@127.0.0.1:{port}/iovox"
    result = run(serve_args(tmp_path, "--env", "sandbox", "--database-url", url))
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith(f"Error: postgresql+psycopg://mock:***@127.0.0.1:{port}/iovox: connection failed")
    assert "secret" not in result.output


def test_invalid_fixture_yaml_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("environments:\n  sandbox: [\n")
    result = run(serve_args(tmp_path, "--data-dir", str(tmp_path / "d"), "--fixture", str(bad)))
    assert result.exit_code == 1
    assert error_line(result).startswith(f"Error: --fixture (MOCK_IOVOX_FIXTURE): {bad}: not valid YAML: ")
    assert "at line 3, column 1" in error_line(result)


def test_port_conflict_is_reported_before_the_banner(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert error_line(result).startswith(f"Error: cannot listen on 127.0.0.1:{port}")
    assert "mock-iovox 0" not in result.output and "secureKey" not in result.output


def test_reset_without_a_terminal_asks_for_yes(tmp_path: Path) -> None:
    result = run(["reset", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert error_line(result) == (
        "Error: reset erases all data: pass --yes to confirm (there is no terminal to ask on)"
    )


def test_every_setting_option_names_its_variable() -> None:
    not_settings = {
        "help",
        "version",
        "yes",
        "force",
        "check",
        "docs_dir",
        "timeout",
        "count",
        "days",
        "seed",
    }
    not_settings |= {"account_name", "anchor"}
    # mock-iovox call: what to place, not how to serve
    not_settings |= {"link_id", "number", "digits", "api", "variables", "username", "as_json"}
    # mock-iovox openapi: which document and where, not how to serve
    not_settings |= {"fmt", "control", "output"}
    seen = 0
    for name, command in main.commands.items():
        if name == "admin":  # a client of a running server: its options are not server settings
            continue
        for param in command.params:
            if not isinstance(param, click.Option) or param.name in not_settings:
                continue
            if name in ("seed", "call") and param.name == "env":
                continue  # the command's own --env (default sandbox), not the server's
            assert param.show_envvar and param.envvar == f"MOCK_IOVOX_{param.name.upper()}", (
                name,
                param.name,
            )
            assert param.help, (name, param.name)
            seen += 1
    assert seen >= 25
    help_text = " ".join(run(["serve", "--help"]).output.split())
    assert "env var: MOCK_IOVOX_CERTS_DIR" in help_text and "ca.crt" in help_text
    assert "MOCK_IOVOX_RECORDING_CAP_SECONDS" in help_text


# ---- fixtures


def edited_fixture(tmp_path: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load(DEFAULT_FIXTURE.read_text())
    data["environments"]["sandbox"]["accounts"][0].update(change)
    path = tmp_path / "fixture.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_unknown_fixture_keys_are_refused_with_their_path(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_FIXTURE.read_text())
    account = data["environments"]["sandbox"]["accounts"][0]
    account["nodez"] = account.pop("nodes")
    data["environments"]["production"]["accounts"][0]["nodes"][0]["links"][0]["link_nam"] = "x"
    data["environments"]["staging"] = {}
    data["seeds"] = 3
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(FixtureError) as caught:
        read_fixture(path)
    assert str(caught.value) == (
        # in the order of the file (safe_dump sorts keys)
        f"{path}: unknown keys: seeds, environments.staging, "
        "environments.production.accounts[1].nodes[1].links[1].link_nam, "
        "environments.sandbox.accounts[1].nodez"
    )
    result = run(serve_args(tmp_path, "--data-dir", str(tmp_path / "d"), "--fixture", str(path)))
    assert result.exit_code == 1
    assert "environments.sandbox.accounts[1].nodez" in error_line(result)


def test_fixture_edited_after_loading_warns_and_suggests_reset(tmp_path: Path) -> None:
    fixture = edited_fixture(tmp_path, {})
    settings = Settings(data_dir=tmp_path / "d", fixture=fixture)
    dbs = open_databases(settings)
    try:
        assert prepare(settings, dbs) == []
        assert prepare(settings, dbs) == []
        edited_fixture(tmp_path, {"name": "Renamed Estates"})
        assert prepare(settings, dbs) == [
            f"{env}: the data was loaded from {fixture}, and {fixture} was edited since it was loaded; "
            f"the database keeps its data: run `mock-iovox reset --env {env}` to load {fixture}"
            for env in ("sandbox", "production")
        ]
    finally:
        for db in dbs.values():
            db.dispose()


# ---- the banner: what is really loaded


def test_banner_shows_the_loaded_users_and_how_to_reach_each_environment(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", fixture=DEFAULT_FIXTURE, port=8444)
    dbs = open_databases(settings)
    try:
        prepare(settings, dbs)
        lines = banner(settings, "9.9", dbs)
        text = "\n".join(lines)
        assert lines[0] == "mock-iovox 9.9: https://localhost:8444/"
        assert f"username RestUserName  secureKey {SANDBOX_KEY}  (account Demo Estates)" in text
        assert f"username OtherPartner  secureKey {OTHER_SANDBOX_KEY}  (account Other Partner)" in text
        assert f"username RestUserName  secureKey {PRODUCTION_KEY}  (account Demo Estates)" in text
        assert "  production: not reachable: every Host selects sandbox; add --default-env production" in text
        prod = banner(settings.with_overrides(default_env="production"), "9.9", dbs)
        assert "  production: every Host not starting with 'sandbox' (localhost, api.iovox.com)" in prod
    finally:
        for db in dbs.values():
            db.dispose()


def test_banner_for_one_environment_shows_only_its_credentials(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", fixture=DEFAULT_FIXTURE, env="production", insecure=True)
    dbs = open_databases(settings)
    try:
        prepare(settings, dbs)
        text = "\n".join(banner(settings, "9.9", dbs))
    finally:
        for db in dbs.values():
            db.dispose()
    assert text.startswith("mock-iovox 9.9: http://localhost:444/\n  production: every request")
    assert PRODUCTION_KEY in text and SANDBOX_KEY not in text and "ca.crt" not in text


# ---- a read-only data folder, refused at start (a real read-only mount in a private namespace)


def test_read_only_data_dir_is_refused_at_start(tmp_path: Path) -> None:
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("no mount namespaces here (unshare -m): needs root")
    data = tmp_path / "data"
    reset = run(["reset", "--yes", "--env", "sandbox", "--data-dir", str(data)])
    assert reset.exit_code == 0, reset.output
    serve = " ".join(
        [
            sys.executable,
            "-m",
            "mock_iovox",
            *serve_args(tmp_path, "--env", "sandbox", "--data-dir", str(data)),
        ]
    )
    script = f"mount --bind {data} {data} && mount -o remount,bind,ro {data} && exec {serve}"
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.strip() == (
        f"Error: --data-dir: {data.resolve()} is not writable by this user (uid 0): "
        "mount or chown it writable, or choose another --data-dir"
    )
    assert proc.stdout == ""


# ---- `mock-iovox health` against the real server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> object:
    srv = start(tmp_path_factory.mktemp("health"), extra=("--env", "sandbox"))
    yield srv
    stop(srv)


def test_health_command_follows_port_and_certs(server: Server) -> None:
    env = {"MOCK_IOVOX_PORT": str(server.port), "MOCK_IOVOX_CERTS_DIR": str(server.certs)}
    result = run(["health"], **env)
    assert result.exit_code == 0, result.output
    assert result.output == f"https://localhost:{server.port}/__mock__/health: ok (sandbox)\n"


def test_health_command_fails_when_nothing_answers(tmp_path: Path) -> None:
    port = free_port()
    result = run(["health", "--port", str(port), "--insecure"])
    assert result.exit_code == 1
    assert error_line(result).startswith(f"Error: cannot reach http://localhost:{port}/__mock__/health: ")


def test_health_endpoint_checks_the_databases(api: Api) -> None:
    ok = api.client.get("/__mock__/health")
    assert (ok.status_code, ok.json()) == (200, {"status": "ok", "environments": ["production", "sandbox"]})
    with api.dbs["production"].reading() as session:
        session.execute(text("DROP TABLE mock_meta"))
    down = api.client.get("/__mock__/health")
    assert down.status_code == 503
    body = down.json()
    assert (body["status"], list(body["problems"])) == ("unavailable", ["production"])
    assert "mock_meta" in body["problems"]["production"]


def test_serve_warns_when_the_fixture_changed_since_loading(tmp_path: Path) -> None:
    fixture = edited_fixture(tmp_path, {})
    data = tmp_path / "data"
    first = start(tmp_path / "one", data_dir=data, extra=("--env", "sandbox", "--fixture", str(fixture)))
    stop(first)
    assert "warning:" not in first.log.read_text()
    edited_fixture(tmp_path, {"name": "Renamed Estates"})
    second = start(tmp_path / "two", data_dir=data, extra=("--env", "sandbox", "--fixture", str(fixture)))
    stop(second)
    log = second.log.read_text()
    assert (
        f"warning: sandbox: the data was loaded from {fixture}, and {fixture} was edited since it was "
        f"loaded; the database keeps its data: run `mock-iovox reset --env sandbox` to load {fixture}"
    ) in log
    assert "(account Demo Estates)" in log  # the banner shows what is really loaded
