"""What the control plane costs a vendor request: the dispatcher alone, then with the fault check,
then with the fault check and the journal row (in process, one thread, SQLite files).

    .venv/bin/python bench/control_bench.py [requests]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from starlette.datastructures import Headers

from mock_iovox.admin.hooks import VendorHooks
from mock_iovox.app import open_databases
from mock_iovox.dispatch import Dispatcher, Incoming
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.settings import DEFAULT_FIXTURE, Settings

HEADERS = Headers({"username": "RestUserName", "securekey": "eb94fd75a6a8c04306dd341953e7e922"})
QUERY = [("v", "3"), ("method", "getNodes"), ("node_id", "westbourne")]


def run(fn: object, n: int) -> float:
    req = Incoming("GET", "/Nodes", QUERY, HEADERS, "sandboxapi.iovox.com", "127.0.0.1", b"")
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn(req)  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    data = Path(tempfile.mkdtemp())
    for size in (0, 1000):
        settings = Settings(data_dir=data, fixture=DEFAULT_FIXTURE, journal_size=size)
        dbs = open_databases(settings)
        prepare(settings, dbs)
        dispatcher = Dispatcher(settings, dbs)
        hooks = VendorHooks(settings, dbs, dispatcher)
        if size == 0:
            print(f"dispatcher alone:            {run(dispatcher.handle, n):.3f} ms median")
            print(f"+ fault check, journal off:  {run(hooks.handle, n):.3f} ms median")
        else:
            print(f"+ fault check + journal row: {run(hooks.handle, n):.3f} ms median")
        for db in dbs.values():
            db.dispose()


if __name__ == "__main__":
    main()
