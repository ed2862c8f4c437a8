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
