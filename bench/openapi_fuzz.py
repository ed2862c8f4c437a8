"""The long Schemathesis run of issue 22: the generated OpenAPI document (GET /__mock__/openapi.json)
fed to Schemathesis against a real `mock-iovox serve --workers 2` over TLS, with the default sandbox
credentials and the checks of tests/test_openapi_fuzz.py (no 5xx, documented statuses, content types,
JSON bodies and success XML bodies against their schemas, every error in the vendor's `<errors>` shape
with a documented message).

    python bench/openapi_fuzz.py                        # 300 cases per operation (≈ 22,800 requests)
    python bench/openapi_fuzz.py --examples 20 --out /tmp/st.json

Prints (and writes as JSON with --out) the requests answered (tallied by the check on every answer),
their statuses, the 5xx among them, the cases Schemathesis generated, the unique failures it reported
(schema violations and any other check), and the time taken. The run's whole output is kept in --log.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.openapi_checks import TALLY_ENV, XML_TALLY_SUFFIX, st_command, summary  # noqa: E402
from tests.server import start, stop  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="cases per operation")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--st-workers", type=int, default=4, help="Schemathesis's concurrent workers")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--log", type=Path, help="keep Schemathesis's output here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mock-iovox-st-"))
    server = start(tmp, extra=("--workers", str(args.server_workers)), plain_http=False)
    try:
        with server.client() as c:
            document = tmp / "openapi.json"
            document.write_bytes(c.get("/__mock__/openapi.json").content)
        tally = tmp / "tally"
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.openapi_checks", TALLY_ENV: str(tally)}
        env["PYTHONPATH"] = str(ROOT)
        cmd = st_command(
            document,
            server.url,
            server.certs / "ca.crt",
            examples=args.examples,
            workers=args.st_workers,
            seed=args.seed,
        )
        started = time.monotonic()
        run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.monotonic() - started
    finally:
        stop(server)
    tracebacks = server.log.read_text(errors="replace").count("Traceback")
    if args.log:
        args.log.write_text(run.stdout + run.stderr)
    statuses = collections.Counter(int(s) for s in tally.read_text().split()) if tally.exists() else {}
    xml_tally = Path(str(tally) + XML_TALLY_SUFFIX)
    xml_checked = len(xml_tally.read_text().split()) if xml_tally.exists() else 0
    generated, failures = summary(run.stdout)
    figures = {
        "requests": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "xml_answers_schema_checked": xml_checked,
        "cases_generated": generated,
        "failures_reported": failures,
        "schemathesis_exit": run.returncode,
        "server_tracebacks": tracebacks,
        "seconds": round(seconds, 1),
        "server_workers": args.server_workers,
    }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    sys.exit(0 if run.returncode == 0 and figures["5xx"] == 0 else 1)


if __name__ == "__main__":
    main()
