"""Issue 13, the first start: the fixture loads of new SQLite files run side by side (a forked
helper loads the later environments), with the outcome of the serial load in every case — the same
rows, the same one-line errors, nothing committed by the helper when the first environment fails."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mock_iovox.fakes.fixtures import read_fixture

#: runs prepare_checked as `serve` does (a process without threads) and says what happened
SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from mock_iovox import startup
    from mock_iovox.fakes import fixtures
    from mock_iovox.settings import Settings

    loaded = []
    real_load = fixtures.load_into
    def spy(session, env, fixture):
        loaded.append(env)
        return real_load(session, env, fixture)
    fixtures.load_into = spy
    forks = []
    real_fork = os.fork
    def fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid
    os.fork = fork
    if sys.argv[3] == "serial":
        startup._prepare_in_parallel = fixtures.prepare
    settings = Settings(data_dir=Path(sys.argv[1]), fixture=Path(sys.argv[2]))
    dbs = startup.open_checked(settings)
    try:
        warnings, error = startup.prepare_checked(settings, dbs), None
    except startup.StartupError as exc:
        warnings, error = [], str(exc)
    print(json.dumps({"forks": len(forks), "loaded": loaded, "warnings": warnings, "error": error}))
    """
)

FIXTURE = """\
seed: 7
epoch: 2026-01-05 09:00:00
environments:
  sandbox:
    accounts:
      - name: Sand Account
        users:
          - {username: SandUser, secure_key: s3cret}
        category_configurations:
          - {category_id: "100", label: Location}
        categories:
          - {category_id: "101", parent_category_id: "100", value: Leeds}
        nodes:
          - node_id: n1
            node_name: NODE_NAME_1
            node_type: Shop
            categories: ["101"]
            links:
              - {link_id: l1, link_name: Web, link_type: Web}
        generate: {contacts: 3}
  production:
    accounts:
      - name: Prod Account
        users:
          - {username: ProdUser, secure_key: pr0d}
        nodes:
          - {node_id: p1, node_name: NODE_NAME_2, node_type: Office}
        generate: {contacts: 4}
"""


def run(data: Path, fixture: Path, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data), str(fixture), mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the salted key hashes and the generations left out), sorted."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for table in sorted(tables):
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            shown = [c for c in columns if not (table == "api_users" and c == "secure_key")]
            quoted = ", ".join(f'"{c}"' for c in shown)
            rows = conn.execute(f'SELECT {quoted} FROM "{table}"').fetchall()
            if table == "mock_meta":  # generations start at random (mock_iovox/cache.py)
                rows = [r for r in rows if r[0] not in ("generation", "auth_generation")]
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


def both(tmp_path: Path, text: str) -> tuple[dict[str, Any], dict[str, Any], Path, Path]:
    fixture = tmp_path / "fixture.yaml"
    fixture.write_text(text)
    parallel, serial = tmp_path / "parallel", tmp_path / "serial"
    return run(parallel, fixture, "parallel"), run(serial, fixture, "serial"), parallel, serial


def test_a_first_start_loads_the_later_environment_in_a_helper_with_the_same_rows(tmp_path: Path) -> None:
    parallel, serial, pdir, sdir = both(tmp_path, FIXTURE)
    assert parallel == {"forks": 1, "loaded": ["sandbox"], "warnings": [], "error": None}
    assert serial == {"forks": 0, "loaded": ["sandbox", "production"], "warnings": [], "error": None}
    for env in ("sandbox", "production"):
        rows = dump(pdir / f"{env}.sqlite3")
        assert rows == dump(sdir / f"{env}.sqlite3")
        assert len(rows["contacts"]) == (3 if env == "sandbox" else 4)
    # the helper's keys were hashed as the parent's are: both users authenticate
    conn = sqlite3.connect(f"file:{pdir / 'production.sqlite3'}?mode=ro", uri=True)
    assert conn.execute("SELECT username FROM api_users").fetchall() == [("ProdUser",)]
    conn.close()


def test_when_the_first_environment_fails_the_helper_commits_nothing(tmp_path: Path) -> None:
    broken = FIXTURE.replace("node_name: NODE_NAME_1", "node_name: ''")
    parallel, serial, pdir, sdir = both(tmp_path, broken)
    assert parallel["forks"] == 1
    assert parallel["error"] == serial["error"]
    assert "sandbox: accounts[1].nodes[1]: 'node_name' is required" in serial["error"]
    assert parallel["loaded"] == serial["loaded"] == ["sandbox"]
    for env in ("sandbox", "production"):
        assert dump(pdir / f"{env}.sqlite3") == dump(sdir / f"{env}.sqlite3")
    assert "accounts" not in dump(pdir / "production.sqlite3")  # not loaded: the next start loads it


def test_when_the_helper_fails_this_process_loads_again_and_reports_as_usual(tmp_path: Path) -> None:
    broken = FIXTURE.replace("node_name: NODE_NAME_2", "node_name: ''")
    parallel, serial, pdir, sdir = both(tmp_path, broken)
    assert parallel["forks"] == 1
    assert parallel["error"] == serial["error"]
    assert "production: accounts[1].nodes[1]: 'node_name' is required" in serial["error"]
    assert parallel["loaded"] == serial["loaded"] == ["sandbox", "production"]
    for env in ("sandbox", "production"):
        assert dump(pdir / f"{env}.sqlite3") == dump(sdir / f"{env}.sqlite3")


def test_a_restart_loads_nothing_and_forks_nothing(tmp_path: Path) -> None:
    parallel, _, pdir, _ = both(tmp_path, FIXTURE)
    assert parallel["forks"] == 1
    again = run(pdir, tmp_path / "fixture.yaml", "parallel")
    assert again == {"forks": 0, "loaded": [], "warnings": [], "error": None}


@pytest.mark.parametrize("edit", [False, True])
def test_a_parsed_fixture_is_reused_until_the_file_changes(tmp_path: Path, edit: bool) -> None:
    path = tmp_path / "fixture.yaml"
    path.write_text(FIXTURE)
    first = read_fixture(path)
    if edit:
        path.write_text(FIXTURE.replace("seed: 7", "seed: 8"))
    again = read_fixture(path)
    assert (again is first) is not edit
    assert again.seed == (8 if edit else 7)


def test_the_serving_modules_leave_libraries_of_loads_and_pages_unimported() -> None:
    """Faker (fixture loads), phonenumbers/pycountry (countries), Jinja2 (dashboard pages), httpx
    (the control client) and mutagen (uploaded sounds) are imported when first used, not by every
    start."""
    code = (
        "import json, sys\n"
        "import mock_iovox.cli, mock_iovox.serve, mock_iovox.startup, mock_iovox.app\n"
        "import mock_iovox.admin.api, mock_iovox.admin.ui, mock_iovox.admin.hooks\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    imported = set(json.loads(done.stdout))
    assert "sqlalchemy" in imported
    assert not imported & {"faker", "jinja2", "httpx", "phonenumbers", "pycountry", "mutagen"}


def test_dialling_codes_from_the_code_table_match_each_regions_metadata() -> None:
    import phonenumbers

    from mock_iovox.numbering.countries import region_codes

    codes = region_codes()
    assert set(codes) == set(phonenumbers.SUPPORTED_REGIONS)
    assert codes == {r: phonenumbers.country_code_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS}
    assert codes["GB"] == 44 and codes["US"] == codes["CA"] == 1
