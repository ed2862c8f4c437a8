"""Schemathesis (a third-party fuzzer) against the real server over TLS, driven by the generated
OpenAPI document: a bounded run of a few hundred cases over every operation (bench/openapi_fuzz.py
is the long one). Checks: no 5xx, documented statuses and content types, JSON bodies matching their
schema, success XML bodies matching theirs (tests/openapi_xml.py), and every error answer in the
vendor's `<errors>` shape with a documented message."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openapi_checks import TALLY_ENV, XML_TALLY_SUFFIX, st_command, summary
from tests.server import Server, start, stop

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
#: cases per operation: 76 operations x 4 ≈ 300 requests, about 45 s here
EXAMPLES = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("openapi-fuzz"))
    yield srv
    stop(srv)


def test_schemathesis_finds_nothing(server: Server, tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    with server.client() as c:  # the document as the server serves it
        resp = c.get("/__mock__/openapi.json")
    assert resp.status_code == 200
    document.write_bytes(resp.content)
    tally = tmp_path / "tally"
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.openapi_checks", TALLY_ENV: str(tally)}
    env["PYTHONPATH"] = str(ROOT)
    cmd = st_command(document, server.url, server.certs / "ca.crt", examples=EXAMPLES, workers=2, seed=1)
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    generated, failures = summary(run.stdout)
    assert run.returncode == 0 and failures == 0, run.stdout[-6000:]
    assert generated >= 250
    # the vendor-error check saw error answers (most random inputs fail a business rule)
    statuses = tally.read_text().split()
    assert statuses.count("400") >= 50
    # and the XML check held success answers to their documented schema
    assert len(Path(str(tally) + XML_TALLY_SUFFIX).read_text().split()) >= 20
