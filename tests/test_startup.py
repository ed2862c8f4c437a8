"""Issue 13, what a start costs: the fixture parsed once, libraries a start does not need left
unimported, dialling codes without loading every region's metadata."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mock_iovox.fakes.fixtures import read_fixture
from tests.helpers import process_alive

FIXTURE = """\
seed: 7
environments:
  sandbox:
    accounts:
      - {name: Sand Account, users: [{username: SandUser, secure_key: s3cret}]}
"""


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
        "import mock_iovox.cli, mock_iovox.server.serve, mock_iovox.server.startup, mock_iovox.server.app\n"
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


def test_a_reused_faker_gives_the_data_of_a_new_one(tmp_path: Path) -> None:
    """One Faker per thread, seeded again by each load: production's generated contacts are the
    same after sandbox's load used it as from a thread whose Faker is new."""
    import threading

    from sqlalchemy import select

    from mock_iovox.db import Contact
    from mock_iovox.db.engine import open_databases
    from mock_iovox.fakes.fixtures import prepare
    from mock_iovox.settings import Settings

    fixture = tmp_path / "fixture.yaml"
    account = "{name: A, users: [{username: U, secure_key: k}], generate: {contacts: 5}}"
    fixture.write_text(
        f"seed: 3\nenvironments:\n  sandbox:\n    accounts: [{account}]\n"
        f"  production:\n    accounts: [{account}]\n"
    )

    def contacts(data: Path, env: str) -> list[tuple[str, ...]]:
        settings = Settings(data_dir=data, fixture=fixture, env=env)
        dbs = open_databases(settings)
        prepare(settings, dbs)
        with dbs["production"].sessions() as session:
            rows = session.execute(
                select(Contact.first_name, Contact.last_name, Contact.company, Contact.mobile_phone)
            ).all()
        for db in dbs.values():
            db.dispose()
        return [tuple(r) for r in rows]

    after_sandbox = contacts(tmp_path / "both", "both")
    alone: list[list[tuple[str, ...]]] = []
    thread = threading.Thread(target=lambda: alone.append(contacts(tmp_path / "alone", "production")))
    thread.start()
    thread.join()
    assert len(after_sandbox) == 5
    assert alone == [after_sandbox]


# --- workers forked from the master (serve --workers N) -----------------------------------------

needs_proc = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def _caught(pid: int) -> int:
    """The signals whose handler is not the default (the SigCgt mask of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    raise AssertionError("no SigCgt")


@pytest.mark.e2e
@needs_proc
def test_workers_are_forked_share_the_data_and_end_with_the_master(tmp_path: Path) -> None:
    import signal
    import time

    from tests.helpers import PHP_HEADERS
    from tests.server import start

    srv = start(tmp_path, extra=("--workers", "2"), plain_http=False)
    try:
        workers = _children(srv.proc.pid)
        assert len(workers) == 2
        master_cmd = Path(f"/proc/{srv.proc.pid}/cmdline").read_bytes()
        for pid in workers:  # forked: the master's command line, not multiprocessing's spawn_main
            assert Path(f"/proc/{pid}/cmdline").read_bytes() == master_cmd
            # the supervisor's handlers stayed with it: SIGHUP and SIGUSR1 are the default again
            for sig in (signal.SIGHUP, signal.SIGUSR1):
                assert _caught(srv.proc.pid) & (1 << (sig - 1))
                assert not _caught(pid) & (1 << (sig - 1))
        body = "<request><node><node_id>forked</node_id><node_name>F</node_name><node_type>T</node_type>"
        with srv.client() as c:
            created = c.post(
                "/Nodes?v=3&method=createNodes", content=f"{body}</node></request>", headers=PHP_HEADERS
            )
            assert created.status_code == 201
        for _ in range(6):  # fresh connections land on either worker: each sees the node
            with srv.client() as c:
                resp = c.get("/Nodes?v=3&method=getNodes&node_id=forked", headers=PHP_HEADERS)
                assert resp.status_code == 200 and b"<node_id>forked</node_id>" in resp.content
    finally:
        srv.proc.kill()  # kill -9: the workers end by themselves (mock_iovox/server/lifeline.py)
        srv.proc.wait()
    deadline = time.monotonic() + 15
    while any(process_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(process_alive(p) for p in workers)


@pytest.mark.e2e
@needs_proc
def test_with_the_plain_http_listener_thread_workers_are_spawned(tmp_path: Path) -> None:
    from tests.server import start, stop

    srv = start(tmp_path, extra=("--workers", "2", "--env", "sandbox"))
    try:
        workers = _children(srv.proc.pid)
        assert len(workers) >= 2
        for pid in workers:
            assert b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
    finally:
        stop(srv)
