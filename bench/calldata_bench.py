"""getCallData cold, in process, at 1M CDRs (issue 13): ms per page, new path next to the old one.

    python bench/calldata_bench.py --data-cache /tmp/iovox-bench          # seeds 1M once (~30 s), reuses it
    python bench/calldata_bench.py --data-cache /tmp/iovox-bench --calls 100000 --pages 300

The database is the default fixture plus `mock-iovox seed --calls N` (as bench/bench.py makes it).
Each round sends the same cold pages (100 rows, default fields, a different link, period and page
on every request, the way bench/bench.py's cold row does) through the dispatcher three times: as
the code was before issue 13's work on it (the filters with two upper bounds on call_start, the
period's end and the clock, and a COUNT of the matching CDRs), with one bound and the COUNT, and as
it is (the total from `call_days`, the page statement built once per shape). Every answer is
checked byte-identical to the first's. Printed: the median over the rounds of each one's ms per
page (the whole dispatch, and the getCallData handler alone), and the ratios. The machine may be
shared: compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
USER, KEY = "RestUserName", "eb94fd75a6a8c04306dd341953e7e922"


def prepare(data: Path, calls: int, cache: Path | None) -> None:
    kept = cache / f"calls-{calls}" if cache else None
    if kept is not None and (kept / "sandbox.sqlite3").exists():
        shutil.copytree(kept, data, dirs_exist_ok=True)
        return
    started = time.perf_counter()
    seed = ["seed", "--calls", str(calls), "--env", "sandbox", "--data-dir", str(data), "--seed", "1"]
    subprocess.run(
        [sys.executable, "-m", "mock_iovox", *seed],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    print(f"seeded {calls:,} calls in {time.perf_counter() - started:.0f} s", flush=True)
    if kept is not None:
        shutil.copytree(data, kept, dirs_exist_ok=True)


def cold_queries(data: Path, today: date, pages: int) -> list[list[tuple[str, str]]]:
    with sqlite3.connect(data / "sandbox.sqlite3") as conn:
        links = [
            r[0] for r in conn.execute("SELECT DISTINCT link_id FROM calls WHERE account_pk = 1 ORDER BY 1")
        ]
    out = []
    for d in range(1, 60):
        for days in range(20, 41):
            for page in (1, 2):
                for link in links:
                    end = today - timedelta(days=d)
                    params = {"v": 3, "method": "getCallData", "link_id": link}
                    params |= {
                        "sdt": str(end - timedelta(days=days)),
                        "edt": str(end),
                        "limit": 100,
                        "page": page,
                    }
                    out.append([(k, str(v)) for k, v in params.items()])
    step = max(1, len(out) // pages)
    return out[::step][:pages]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=200, help="cold pages per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-cache", type=Path, help="keep the seeded database here for later runs")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from sqlalchemy import Select

    from mock_iovox import settings as settings_module
    from mock_iovox.calls import counts, filters
    from mock_iovox.db import Call
    from mock_iovox.db.engine import open_databases
    from mock_iovox.handlers import HANDLERS
    from mock_iovox.handlers import calls as calls_handler
    from mock_iovox.server.dispatch import Dispatcher
    from mock_iovox.wire import Incoming

    handler_seconds = [0.0]
    get_call_data = HANDLERS[("Calls", "getCallData")]

    def timed_handler(ctx: Any) -> Any:
        started = time.perf_counter()
        try:
            return get_call_data(ctx)
        finally:
            handler_seconds[0] += time.perf_counter() - started

    def two_bounds(ctx: Any, stmt: Select[Any], period: Any) -> Select[Any]:
        """filters.filtered as it was: the clock's bound and the period's, both."""
        stmt = stmt.where(Call.account_pk == ctx.account_pk, Call.call_start <= ctx.now)
        if period is not None:
            stmt = stmt.where(Call.call_start >= period.start, Call.call_start <= period.end)
        for name, column in filters.EXACT.items():
            if ctx.params.get(name):
                stmt = stmt.where(column == ctx.params[name])
        return stmt  # (no cat_ids in these queries)

    variants = {
        "before: two bounds + COUNT": (two_bounds, lambda *a: False),
        "one bound + COUNT": (filters.filtered, lambda *a: False),
        "now: call_days + built page": (filters.filtered, counts.applies),
    }

    with tempfile.TemporaryDirectory(prefix="mock-iovox-calldata-") as tmp:
        data = Path(tmp) / "data"
        prepare(data, args.calls, args.data_cache)
        settings = settings_module.from_environ({}, data_dir=data, env="sandbox")
        databases = open_databases(settings)
        started = time.perf_counter()
        with databases["sandbox"].setup():  # what `serve` does first (creates missing tables/indexes)
            pass
        print(f"schema set up in {time.perf_counter() - started:.2f} s (call_days filled if it was missing)")
        dispatcher = Dispatcher(settings, databases)
        headers = {"username": USER, "securekey": KEY}
        queries = cold_queries(data, date.today(), args.pages)

        def run(name: str) -> tuple[float, float, list[bytes]]:
            calls_handler.filtered, calls_handler.counts.applies = variants[name]  # type: ignore[assignment]
            handler_seconds[0] = 0.0
            bodies = []
            started = time.perf_counter()
            for query in queries:
                req = Incoming("GET", "/Calls", query, headers, "sandbox.localhost", "127.0.0.1", b"")
                bodies.append(dispatcher.serve(req).body)
            elapsed = time.perf_counter() - started
            dispatcher.caches["sandbox"] = type(dispatcher.caches["sandbox"])()  # no answer kept
            return elapsed * 1000 / len(queries), handler_seconds[0] * 1000 / len(queries), bodies

        applies = counts.applies
        HANDLERS[("Calls", "getCallData")] = timed_handler
        try:
            run("now: call_days + built page")  # warm the page cache and the statement caches
            figures: dict[str, list[float]] = {name: [] for name in variants}
            handler: dict[str, list[float]] = {name: [] for name in variants}
            reference: list[bytes] = []
            for _ in range(args.rounds):
                for name in variants:
                    ms, in_handler, bodies = run(name)
                    figures[name].append(ms)
                    handler[name].append(in_handler)
                    reference = reference or bodies
                    assert bodies == reference, f"{name} answered differently"
            assert all(b.count(b"<result>") == 100 for b in reference), reference[0][:300]
        finally:
            calls_handler.filtered, counts.applies = filters.filtered, applies
            HANDLERS[("Calls", "getCallData")] = get_call_data
        medians = {name: statistics.median(values) for name, values in figures.items()}
        in_handler = {name: statistics.median(values) for name, values in handler.items()}
        first = next(iter(variants))
        print(
            f"{args.calls:,} CDRs, {len(queries)} cold pages x {args.rounds} rounds; median ms per page, in "
            "process: the whole dispatch (transaction, handler, XML) and the handler alone"
        )
        for name, ms in medians.items():
            print(
                f"  {name:28s} {ms:7.3f} ms {medians[first] / ms:5.1f}x   handler {in_handler[name]:7.3f} ms "
                f"{in_handler[first] / in_handler[name]:5.1f}x"
            )
        for db in databases.values():
            db.dispose()


if __name__ == "__main__":
    main()
