"""The write mix in process (issue 13): `Dispatcher.serve` (the endpoint's path: admit, then run or
a batch of one) on createNodes / updateNodes / deleteNodes of one item, in turn, next to baselines
measured in the same run.

    python bench/write_bench.py --cpu              # 7 rounds of 600 writes (200 of each), CPU time
    python bench/write_bench.py --rounds 11 --writes 900
    python bench/write_bench.py --profile          # cProfile of one round, top 30 by own time

A temporary SQLite data directory holds the default fixture (clock frozen, as the tests do). Each
round runs the three requests in turn (the node created LAG requests earlier is deleted, so every
request succeeds; the update names a fixed node with the values it already has), then the baselines:
a getNodes through the same dispatcher with its answer cache emptied before each request (the whole
request pipeline and one read transaction), a SQLAlchemy write (a session's BEGIN IMMEDIATE, one
INSERT or DELETE, COMMIT: the mock's engine and hooks), and the same two statements through the
sqlite3 module on the same file (a reference no code of the mock touches, comparable across versions).
Printed: microseconds per request (median of the rounds) and the ratios to the baselines. --cpu
times with this process's CPU time, steadier on a shared machine. Compare ratios within one run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mock_iovox import clock  # noqa: E402
from mock_iovox.db.engine import open_databases  # noqa: E402
from mock_iovox.fakes.fixtures import prepare  # noqa: E402
from mock_iovox.server.dispatch import Dispatcher  # noqa: E402
from mock_iovox.settings import DEFAULT_FIXTURE, Settings  # noqa: E402
from mock_iovox.wire import Incoming  # noqa: E402

USER, KEY = "RestUserName", "eb94fd75a6a8c04306dd341953e7e922"
HEADERS = {"username": USER, "securekey": KEY, "content-type": "application/xml"}
HOST = "sandboxapi.iovox.com"
LAG = 8
UPDATE_BODY = (
    b"<request><node><node_id>bench-fixed</node_id><node_name>Bench Fixed</node_name></node></request>"
)


def create_body(node_id: str) -> bytes:
    return (
        f"<request><node><node_id>{node_id}</node_id><node_name>Bench {node_id}</node_name>"
        "<node_type>Bench</node_type></node></request>"
    ).encode()


def query(text: str) -> list[tuple[str, str]]:
    return [tuple(p.split("=", 1)) for p in text.split("&")]  # type: ignore[misc]


def request(verb: str, q: str, body: bytes = b"") -> Incoming:
    return Incoming(verb, "/Nodes", query(q), HEADERS, HOST, "127.0.0.1", body)


class Bench:
    def __init__(self, data: Path) -> None:
        settings = Settings(data_dir=data, fixture=DEFAULT_FIXTURE)
        dbs = open_databases(settings)
        for db in dbs.values():
            db.create_schema()
            with db.writing() as session:
                clock.freeze(session, datetime(2026, 11, 2, 10, 0, 0))
        prepare(settings, dbs)
        self.db = dbs["sandbox"]
        # a reference that no code of the mock touches: the sqlite3 module on the same file
        self.raw = sqlite3.connect(data / "sandbox.sqlite3", isolation_level=None)
        self.dispatcher = Dispatcher(settings, dbs)
        self.n = 0
        self.expect(request("POST", "v=3&method=createNodes", create_body("bench-fixed")), 201)
        for _ in range(LAG):
            self.create()

    def expect(self, req: Incoming, status: int) -> None:
        out = self.dispatcher.serve(req)
        if out.status != status:
            raise RuntimeError(f"{req.query}: {out.status} {out.body[:300]!r}")

    def create(self) -> None:
        self.n += 1
        self.expect(request("POST", "v=3&method=createNodes", create_body(f"bw-{self.n}")), 201)

    def update(self) -> None:
        self.expect(request("PUT", "v=3&method=updateNodes", UPDATE_BODY), 204)

    def delete(self) -> None:
        self.expect(request("DELETE", f"v=3&method=deleteNodes&node_ids=bw-{self.n - LAG}"), 204)

    def get_nodes(self) -> None:
        for kept in self.dispatcher.caches.values():
            kept._answers.clear()
        self.expect(request("GET", "v=3&method=getNodes&limit=20"), 200)

    def core_write(self) -> None:
        from sqlalchemy import text

        with self.db.writing() as session:
            session.execute(
                text("INSERT INTO mock_meta (key, value) VALUES ('bench', '1') ON CONFLICT (key) DO NOTHING")
            )
        with self.db.writing() as session:
            session.execute(text("DELETE FROM mock_meta WHERE key = 'bench'"))

    def sqlite_write(self) -> None:
        raw = self.raw
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO mock_meta (key, value) VALUES ('bench', '1')")
        raw.execute("COMMIT")
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("DELETE FROM mock_meta WHERE key = 'bench'")
        raw.execute("COMMIT")


#: the clock of the measurements: wall time, or with --cpu this process's CPU time (steadier on a
#: shared machine; SQLite's file writes are in the page cache either way)
timer = time.perf_counter


def timed(fn: Callable[[], None], count: int) -> float:
    started = timer()
    for _ in range(count):
        fn()
    return (timer() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--writes", type=int, default=600, help="write requests per round")
    parser.add_argument("--cpu", action="store_true", help="time with this process's CPU time")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (--profile)")
    parser.add_argument("--top", type=int, default=30, help="rows printed (--profile)")
    args = parser.parse_args()
    global timer
    if args.cpu:
        timer = time.process_time
    with tempfile.TemporaryDirectory(prefix="write-bench-") as tmp:
        bench = Bench(Path(tmp))
        per = max(1, args.writes // 3)

        def mix() -> None:
            for _ in range(per):
                bench.create()
                bench.update()
                bench.delete()

        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(mix)
            pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
            return
        mix()  # warm-up
        rows: dict[str, list[float]] = {
            k: [] for k in ("create", "update", "delete", "mix", "getNodes", "core", "sqlite3")
        }
        for _ in range(args.rounds):
            parts = {"create": 0.0, "update": 0.0, "delete": 0.0}
            for _ in range(per):
                for name, fn in (
                    ("create", bench.create),
                    ("update", bench.update),
                    ("delete", bench.delete),
                ):
                    t0 = timer()
                    fn()
                    parts[name] += timer() - t0
            for name, total in parts.items():
                rows[name].append(total / per * 1e6)
            rows["mix"].append(sum(parts.values()) / (3 * per) * 1e6)
            rows["getNodes"].append(timed(bench.get_nodes, per))
            rows["core"].append(timed(bench.core_write, per) / 2)
            rows["sqlite3"].append(timed(bench.sqlite_write, per) / 2)
        med = {k: statistics.median(v) for k, v in rows.items()}
        print(f"{'request':<36}{'us/req':>9}{'/getNodes':>11}{'/core':>7}{'/sqlite3':>10}")
        labels = {
            "create": "createNodes (1 item)",
            "update": "updateNodes (1 item)",
            "delete": "deleteNodes (1 id)",
            "mix": "write mix (mean of the three)",
            "getNodes": "baseline: getNodes 20 rows, no cache",
            "core": "baseline: SQLAlchemy write + COMMIT",
            "sqlite3": "reference: sqlite3 write + COMMIT",
        }
        for key, label in labels.items():
            us = med[key]
            ratios = f"{us / med['getNodes']:>11.2f}{us / med['core']:>7.2f}{us / med['sqlite3']:>10.2f}"
            print(f"{label:<36}{us:>9.0f}{ratios}")
        timing = "CPU time" if args.cpu else "wall time"
        print(f"({args.rounds} rounds of {3 * per} writes; medians; {timing})")


if __name__ == "__main__":
    main()
