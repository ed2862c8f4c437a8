"""The demo portal's pages at 100k calls, in process (issue 23): ms per GET and page weight.

    python bench/portal_bench.py --data-cache /tmp/iovox-bench           # seeds 100k once, then reuses it
    python bench/portal_bench.py --data-cache /tmp/iovox-bench --rounds 15 --calls 1000000

The data directory is the default fixture plus `mock-iovox seed --calls N` on the first account
(the same directory bench/calldata_bench.py and bench/bench.py make, so one `--data-cache` serves
all three). The ASGI app is called in process (Starlette's TestClient: no socket, no TLS) from
loopback, so the time is the server's: routing, the access check, the queries, the template. Each
URL of `URLS` is fetched once to warm up, then `--rounds` times; printed per page: the median and the
max wall ms, the median CPU ms of the process (the machine is shared: wall time includes waiting for
a core) and the page's bytes. The analytics pages keep their figures while the data and the visible
calls are unchanged (admin/analytics.py `KEPT`): they are timed twice, `cold` (emptied before every
GET: the queries run) and `kept`. Add a page by adding its path to `URLS`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from calldata_bench import prepare  # the same seeded data directory (bench/ is this script's folder)

ROOT = Path(__file__).resolve().parent.parent

#: the portal's pages, as paths under the server (the other portal pages join this list)
URLS = [
    "/__mock__/ui?env=sandbox",
    "/__mock__/ui/journal?env=sandbox",
    "/__mock__/ui/analytics?env=sandbox&period=today",
    "/__mock__/ui/analytics?env=sandbox&period=7",
    "/__mock__/ui/analytics?env=sandbox&period=30",
    "/__mock__/ui/analytics?env=sandbox&period=90",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--data-cache", type=Path, help="keep the seeded database here for later runs")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from starlette.testclient import TestClient

    from mock_iovox import settings as settings_module
    from mock_iovox.admin import analytics
    from mock_iovox.db.engine import open_databases
    from mock_iovox.server.app import create_app

    with tempfile.TemporaryDirectory(prefix="mock-iovox-portal-") as tmp:
        data = Path(tmp) / "data"
        prepare(data, args.calls, args.data_cache)
        settings = settings_module.from_environ({}, data_dir=data, env="sandbox")
        databases = open_databases(settings)
        with databases["sandbox"].setup():  # what `serve` does first
            pass
        app = create_app(settings, databases)
        print(f"{args.calls:,} calls; {args.rounds} rounds per page after one warm-up; in process, loopback")
        print(f"  {'page':60s} {'median ms':>10s} {'max ms':>8s} {'CPU ms':>8s} {'bytes':>9s}")
        with TestClient(app, base_url="https://localhost:444", client=("127.0.0.1", 1)) as client:
            for url in URLS:
                first = client.get(url)
                assert first.status_code == 200, (url, first.status_code, first.text[:300])
                for cold in [True, False] if "/analytics" in url else [False]:
                    times, cpu = [], []
                    for _ in range(args.rounds):
                        if cold:
                            analytics.KEPT = analytics.Kept()
                        started, cpu_started = time.perf_counter(), time.process_time()
                        resp = client.get(url)
                        times.append((time.perf_counter() - started) * 1000)
                        cpu.append((time.process_time() - cpu_started) * 1000)
                        assert resp.status_code == 200
                    name = f"{url} ({'cold' if cold else 'kept'})" if "/analytics" in url else url
                    print(
                        f"  {name:60s} {statistics.median(times):10.1f} {max(times):8.1f} "
                        f"{statistics.median(cpu):8.1f} {len(resp.content):9,d}",
                        flush=True,
                    )
        for db in databases.values():
            db.dispose()


if __name__ == "__main__":
    main()
