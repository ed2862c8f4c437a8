"""Issue 13, what a start costs: the fixture parsed once, libraries a start does not need left
unimported, dialling codes without loading every region's metadata."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mock_iovox.fakes.fixtures import read_fixture

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


def test_a_reused_faker_gives_the_data_of_a_new_one(tmp_path: Path) -> None:
    """One Faker per thread, seeded again by each load: production's generated contacts are the
    same after sandbox's load used it as from a thread whose Faker is new."""
    import threading

    from sqlalchemy import select

    from mock_iovox.app import open_databases
    from mock_iovox.db import Contact
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
