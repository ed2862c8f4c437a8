"""Calls at scale: seeding time, and getCallData / getCallMetrics latency and throughput at 10,000
and 1,000,000 CDRs, next to a bare uvicorn app returning the same bytes (issue 5).

    python bench/calls_bench.py                      # 10k and 1M, 5 s per measurement
    python bench/calls_bench.py --sizes 10000 --seconds 2

Each size gets its own temporary SQLite database holding a benchmark fixture (one account, 50
nodes x 4 links) and the generated calls over the last 90 days. The real server (`mock-iovox serve
--insecure`, one worker) and the bare app run under uvicorn on 127.0.0.1 only; the load comes from
16 concurrent keep-alive connections of an httpx async client in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
USER, KEY = "RestUserName", "eb94fd75a6a8c04306dd341953e7e922"
HEADERS = {"username": USER, "secureKey": KEY}
CONCURRENCY = 16


def fixture_text() -> str:
    lines = [
        "seed: 1",
        "environments:",
        "  sandbox:",
        "    accounts:",
        "      - name: Bench Estates",
        "        users:",
        f"          - {{username: {USER}, secure_key: {KEY}}}",
        "        category_configurations:",
        "          - {category_id: '100', label: Location, type: Tree}",
        "        categories:",
        "          - {category_id: '101', parent_category_id: '100', value: North}",
        "          - {category_id: '102', parent_category_id: '100', value: South}",
        "        nodes:",
    ]
    for n in range(50):
        lines += [
            f"          - node_id: node-{n:02d}",
            f"            node_name: Property {n:02d}",
            "            node_type: Property",
            f"            categories: ['{101 + n % 2}']",
            "            links:",
        ]
        for kind in ("Web", "Newspaper", "Magazine", "Portal"):
            link = f"{{link_id: node-{n:02d}-{kind.lower()}, link_name: {kind}, link_type: {kind}}}"
            lines.append(f"              - {link}")
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(cmd: list[str], port: int, env: dict[str, str]) -> Any:
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"server on {port} did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def seed(data_dir: Path, fixture: Path, count: int) -> float:
    """Load the fixture, then time the generation of `count` calls (what `mock-iovox seed` does)."""
    from mock_iovox.calls.seed import seed_calls
    from mock_iovox.calls.traffic import Window
    from mock_iovox.db.engine import open_databases
    from mock_iovox.fakes.fixtures import prepare
    from mock_iovox.server.dispatch import utcnow
    from mock_iovox.settings import Settings

    settings = Settings(data_dir=data_dir, fixture=fixture, env="sandbox")
    dbs = open_databases(settings)
    prepare(settings, dbs)
    db = dbs["sandbox"]
    started = time.perf_counter()
    with db.writing() as session:
        seed_calls(session, 1, count, Window.days_until(utcnow(), 90), seed=1)
    elapsed = time.perf_counter() - started
    db.dispose()
    return elapsed


def busiest_link(data_dir: Path, since: str) -> tuple[str, int]:
    import sqlite3

    with sqlite3.connect(data_dir / "sandbox.sqlite3") as conn:
        row = conn.execute(
            "SELECT link_id, count(*) n FROM calls WHERE call_start >= ? GROUP BY 1 ORDER BY n DESC LIMIT 1",
            (since,),
        ).fetchone()
    return str(row[0]), int(row[1])


@dataclass
class Figures:
    p50_ms: float
    p99_ms: float
    rps: float
    requests: int
    errors: int = 0


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match[1]) * _WRK_UNITS[match[2]]


def drive_wrk(base: str, path: str, seconds: float, concurrency: int = CONCURRENCY) -> Figures:
    """The same load from wrk (C, one thread): a load generator that needs little CPU, so the
    figures describe the server rather than the client on a 2-core machine."""
    wrk = shutil.which("wrk")
    assert wrk is not None
    headers = [arg for k, v in HEADERS.items() for arg in ("-H", f"{k}: {v}")]
    common = [wrk, "-t1", f"-c{concurrency}", *headers, base + path]
    subprocess.run([*common[:2], *common[2:], "-d1s"], check=True, capture_output=True)  # warm-up
    out = subprocess.run(
        [*common, f"-d{max(1, round(seconds))}s", "--latency"], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path}: wrk saw error responses:\n{out}")
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    total = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Figures(_wrk_ms(pct["50"]), _wrk_ms(pct["99"]), rps, total, errors)


def load(base: str, path: str, seconds: float, concurrency: int = CONCURRENCY) -> Figures:
    if shutil.which("wrk"):
        return drive_wrk(base, path, seconds, concurrency)
    return asyncio.run(drive(base, path, seconds, concurrency))


async def drive(base: str, path: str, seconds: float, concurrency: int = CONCURRENCY) -> Figures:
    """`concurrency` connections asking `path` in a loop for `seconds` (after a 1 s warm-up)."""
    latencies: list[float] = []
    errors: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=HEADERS, limits=limits, timeout=30) as client:

        async def worker(until: float, record: bool) -> None:
            while time.perf_counter() < until:
                t0 = time.perf_counter()
                try:
                    resp = await client.get(path)
                except httpx.TransportError:
                    # a keep-alive connection closed under us: counted, then reconnect
                    errors.append(time.perf_counter() - t0)
                    continue
                t1 = time.perf_counter()
                if resp.status_code != 200:
                    raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:200]}")
                if record:
                    latencies.append(t1 - t0)

        warm = time.perf_counter() + 1.0
        await asyncio.gather(*(worker(warm, False) for _ in range(concurrency)))
        start = time.perf_counter()
        await asyncio.gather(*(worker(start + seconds, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return Figures(
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        rps=len(latencies) / elapsed,
        requests=len(latencies),
        errors=len(errors),
    )


def queries(link: str) -> dict[str, str]:
    from mock_iovox.server.dispatch import utcnow

    today = utcnow().date()
    month = {"sdt": str(today - timedelta(days=30)), "edt": str(today)}
    return {
        "getCallData (1 link, 1 month, 100/page)": "/Calls?"
        + urlencode({"v": 3, "method": "getCallData", "link_id": link, "limit": 100, **month}),
        "getCallMetrics by day (1 link, 1 month)": "/Calls?"
        + urlencode({"v": 3, "method": "getCallMetrics", "group_fields": "cdate", "link_id": link, **month}),
    }


Measured = tuple[str, Figures, Figures, Figures]


def measure(
    size: int, seconds: float, work: Path, fixture: Path, workers: int = 1
) -> tuple[float, str, int, list[Measured]]:
    data_dir = work / f"calls-{size}"
    seeding = seed(data_dir, fixture, size)
    from mock_iovox.server.dispatch import utcnow

    link, month_calls = busiest_link(data_dir, str(utcnow().date() - timedelta(days=30)))
    paths = queries(link)
    out = []
    port = free_port()
    cmd = [
        sys.executable, "-m", "mock_iovox", "serve", "--insecure", "--host", "127.0.0.1", "--port", str(port),
        "--env", "sandbox", "--data-dir", str(data_dir), "--fixture", str(fixture), "--log-level", "warning",
        "--workers", str(workers),
    ]  # fmt: skip
    bodies: dict[str, tuple[str, str]] = {}
    app_figures: dict[str, Figures] = {}
    serial: dict[str, Figures] = {}
    with server(cmd, port, {}) as base:
        for name, path in paths.items():
            resp = httpx.get(base + path, headers=HEADERS)
            assert resp.status_code == 200, resp.text
            bodies[path.split("?", 1)[1]] = (resp.headers["content-type"], resp.content.decode("latin-1"))
            app_figures[name] = load(base, path, seconds)
            # one connection: the service time of a request, without queueing
            serial[name] = load(base, path, seconds / 2, concurrency=1)
    bodies_file = work / f"bodies-{size}.json"
    bodies_file.write_text(json.dumps(bodies))
    port = free_port()
    bare_cmd = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "bare_app:app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--timeout-keep-alive", "30",
    ]  # fmt: skip
    with server(bare_cmd, port, {"BARE_BODIES": str(bodies_file)}) as base:
        for name, path in paths.items():
            out.append((name, app_figures[name], load(base, path, seconds), serial[name]))
    return seeding, link, month_calls, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,1000000", help="comma list of CDR counts")
    parser.add_argument("--seconds", type=float, default=5.0, help="measurement time per row")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn workers of the mock (the bare app has 1)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    driver = (
        "wrk (1 thread)" if shutil.which("wrk") else "httpx async client (install wrk for less client load)"
    )
    print(
        f"calls bench: {os.cpu_count()} CPUs, {CONCURRENCY} connections, {args.seconds:g} s per row, "
        f"{args.workers} mock worker(s), load from {driver}"
    )
    rows: list[tuple[int, str, Figures, Figures, Figures]] = []
    with tempfile.TemporaryDirectory(prefix="calls-bench-") as tmp:
        work = Path(tmp)
        fixture = work / "bench.yaml"
        fixture.write_text(fixture_text())
        for size in sizes:
            seeding, link, month_calls, figures = measure(size, args.seconds, work, fixture, args.workers)
            print(f"  {size:>9,} CDRs seeded in {seeding:6.1f} s ({size / seeding:,.0f}/s); "
                  f"queried link {link}: {month_calls:,} calls in the month")  # fmt: skip
            rows += [(size, name, app, bare, one) for name, app, bare, one in figures]
    header = f"{'CDRs':>9}  {'query':<42} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7}   {'bare p50':>8} {'bare p99':>8} {'bare req/s':>10}  {'ratio':>5}  {'1-conn p50/p99':>14}"  # noqa: E501
    print()
    print(header)
    print("-" * len(header))
    for size, name, app, bare, one in rows:
        print(
            f"{size:>9,}  {name:<42} {app.p50_ms:7.1f} {app.p99_ms:7.1f} {app.rps:7.0f}   "
            f"{bare.p50_ms:8.1f} {bare.p99_ms:8.1f} {bare.rps:10.0f}  {app.rps / bare.rps:5.2f}  "
            f"{one.p50_ms:6.1f}/{one.p99_ms:6.1f}"
        )
    failed = sum(f.errors for row in rows for f in row[2:])
    if failed:
        print(f"({failed} requests failed on a dropped connection and were retried)")


if __name__ == "__main__":
    main()
