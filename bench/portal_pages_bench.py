"""The portal's pages at scale: each page's render time (median of N, in process through the app,
so server side) and weight, on the demo fixture plus generated calls (issue 23: < 300 ms at 100k).

    python bench/portal_pages_bench.py                 # 100,000 calls, 20 renders a page
    python bench/portal_pages_bench.py --calls 10000 --runs 5
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from starlette.testclient import TestClient

from mock_iovox import clock
from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.server.app import create_app
from mock_iovox.settings import DEFAULT_FIXTURE, Settings

PINNED = datetime(2026, 12, 2, 10, 0, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data", fixture=DEFAULT_FIXTURE, certs_dir=Path(tmp) / "certs"
        )
        dbs = open_databases(settings)
        for db in dbs.values():
            db.create_schema()
            with db.writing() as session:
                clock.freeze(session, PINNED)
        prepare(settings, dbs)
        client = TestClient(
            create_app(settings, dbs), base_url="https://localhost:444", client=("127.0.0.1", 50000)
        )
        started = time.perf_counter()
        seeded = client.post("/__mock__/calls/seed?env=sandbox", json={"count": args.calls, "days": 90})
        assert seeded.status_code == 201, seeded.text
        print(f"seeded {seeded.json()['written']} calls in {time.perf_counter() - started:.1f} s")
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/__mock__/ui/controls").text)
        assert csrf is not None
        placed = client.post(
            "/__mock__/ui/controls/call?env=sandbox",
            data={
                "csrf": csrf.group(1),
                "link_id": "westbourne-paper",
                "from": "447700900123",
                "digits": "1",
            },
            follow_redirects=False,
        )
        call_page = placed.headers["location"]
        flow = re.search(r"/ui/flows/(\d+)", client.get("/__mock__/ui/flows?env=sandbox").text)
        assert flow is not None
        entry = re.search(r"/ui/journal/(\d+)", client.get("/__mock__/ui/journal?env=sandbox").text)
        pages = {
            "dashboard": "/__mock__/ui?env=sandbox",
            "flows": "/__mock__/ui/flows?env=sandbox",
            "flow": f"/__mock__/ui/flows/{flow.group(1)}?env=sandbox",
            "link": "/__mock__/ui/links/westbourne-paper?env=sandbox",
            "calls": "/__mock__/ui/calls?env=sandbox",
            "call": call_page,
            "controls": "/__mock__/ui/controls?env=sandbox",
            "journal": "/__mock__/ui/journal?env=sandbox",
            "journal (filtered)": "/__mock__/ui/journal?env=sandbox&status=200&method=getCallData",
        }
        if entry is not None:
            pages["journal entry"] = f"/__mock__/ui/journal/{entry.group(1)}?env=sandbox"
        print(f"{'page':<20} {'median ms':>10} {'max ms':>8} {'KiB':>7}")
        for name, url in pages.items():
            times, size = [], 0
            for _ in range(args.runs):
                t0 = time.perf_counter()
                resp = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200, (url, resp.status_code)
                size = len(resp.content)
            print(f"{name:<20} {statistics.median(times):>10.1f} {max(times):>8.1f} {size / 1024:>7.1f}")
        for db in dbs.values():
            db.dispose()


if __name__ == "__main__":
    main()
