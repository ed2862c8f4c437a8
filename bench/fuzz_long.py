"""The long fuzz run of issue 14: the catalogue strategies of tests/fuzz.py over real TLS against a
real `mock-iovox serve --workers 2` on 127.0.0.1, then the hostile bodies of items 2, 3 and 6.

    python bench/fuzz_long.py                          # 100,000 requests from 4 client processes
    python bench/fuzz_long.py --requests 20000 --clients 2
    python bench/fuzz_long.py --hostile-only
    python bench/fuzz_long.py --postgres postgresql+psycopg://postgres@127.0.0.1:55432   # on PostgreSQL

Prints (and writes as JSON with --out) the number of requests, 5xx answers, answers outside the
vendor shape, the slowest answer, and the peak resident memory of the server's processes (master and
workers, sampled every 100 ms from /proc). Examples of the first problems are kept for replay.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz import FuzzRequest, describe, shape_problem  # noqa: E402
from tests.helpers import PHP_HEADERS  # noqa: E402

# --- the server and its memory ------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _family(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(p) for p in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
        for kid in kids:
            found.extend(_family(kid))
    return found


class Memory:
    """Peak RSS of the server's processes: per process and all together."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_total = 0
        self.peak_process = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [_rss_kib(p) for p in _family(self.pid)]
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_process = max(self.peak_process, max(sizes, default=0))
            time.sleep(0.1)

    def reset(self) -> None:
        self.peak_total = self.peak_process = 0

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def postgres_database(base: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server at `base` (dropped after): its SQLAlchemy URL."""
    import psycopg

    name = f"mock_iovox_fuzz_{os.getpid()}"
    admin = base.replace("postgresql+psycopg://", "postgresql://").rstrip("/") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{base.rstrip('/')}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def server(workers: int, database_url: str = "") -> Iterator[tuple[str, Path, int]]:
    tmp = Path(tempfile.mkdtemp(prefix="mock-iovox-fuzz-"))
    port = _free_port()
    cmd = [
        sys.executable, "-m", "mock_iovox", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--data-dir", str(tmp / "data"), "--certs-dir", str(tmp / "certs"), "--workers", str(workers),
        "--log-level", "error", "--env", "sandbox",
        *(("--database-url", database_url) if database_url else ()),
    ]  # fmt: skip
    log = (tmp / "server.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCK_IOVOX_")}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    url = f"https://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp / "server.log").read_text())
            try:
                ctx = ssl.create_default_context(cafile=str(tmp / "certs" / "ca.crt"))
                if httpx.get(f"{url}/__mock__/health", verify=ctx).status_code == 200:
                    break
            except (httpx.TransportError, OSError, ssl.SSLError):
                time.sleep(0.2)
        yield url, tmp / "certs" / "ca.crt", proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        tracebacks = (tmp / "server.log").read_text(errors="replace").count("Traceback")
        print(f"server log: {tracebacks} tracebacks ({tmp / 'server.log'})")
        if not tracebacks:
            shutil.rmtree(tmp, ignore_errors=True)


# --- the fuzz clients ---------------------------------------------------------------------------


def _client_run(url: str, ca: str, count: int, seed: int, results: Any) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed

    from tests.fuzz import requests

    stats: dict[str, Any] = {
        "requests": 0, "5xx": 0, "shape": 0, "slowest": 0.0, "examples": [], "errors": 0, "unsendable": 0,
    }  # fmt: skip
    client = httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=ca), timeout=60)

    @with_seed(seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(req=requests(PHP_HEADERS))
    def run(req: FuzzRequest) -> None:
        started = time.perf_counter()
        try:
            resp = client.request(req.verb, req.url, content=req.body, headers=req.headers)
        except httpx.InvalidURL:
            stats["unsendable"] += 1  # e.g. a URL over httpx's own 64 KiB limit: never sent
            return
        except httpx.TransportError as exc:
            stats["errors"] += 1
            if len(stats["examples"]) < 5:
                stats["examples"].append({"transport": repr(exc), **describe(req)})
            return
        took = time.perf_counter() - started
        stats["requests"] += 1
        stats["slowest"] = max(stats["slowest"], took)
        problem = shape_problem(
            req.verb, resp.status_code, resp.headers.get("content-type", ""), resp.content
        )
        if problem is not None:
            stats["5xx" if resp.status_code >= 500 else "shape"] += 1
            if len(stats["examples"]) < 5:
                stats["examples"].append({"problem": problem, **describe(req), "answer": resp.text[:300]})

    try:
        run()
    except Exception as exc:  # a bug of this script: report it with the figures so far
        stats["examples"].append({"client_crash": repr(exc)[:500]})
    client.close()
    results.put(stats)


def fuzz(url: str, ca: Path, total: int, clients: int) -> dict[str, Any]:
    queue: Any = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_client_run, args=(url, str(ca), total // clients, 1000 + i, queue))
        for i in range(clients)
    ]
    started = time.monotonic()
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    out: dict[str, Any] = {
        "requests": sum(p["requests"] for p in parts),
        "5xx": sum(p["5xx"] for p in parts),
        "shape_violations": sum(p["shape"] for p in parts),
        "transport_errors": sum(p["errors"] for p in parts),
        "unsendable_by_httpx": sum(p["unsendable"] for p in parts),
        "slowest_s": round(max(p["slowest"] for p in parts), 3),
        "seconds": round(time.monotonic() - started, 1),
        "examples": [e for p in parts for e in p["examples"]][:10],
    }
    return out


# --- the hostile bodies of items 2, 3 and 6 -----------------------------------------------------


def hostile(url: str, ca: Path, memory: Memory) -> dict[str, Any]:
    ctx = ssl.create_default_context(cafile=str(ca))
    create = "/Nodes?v=3&method=createNodes"
    out: dict[str, Any] = {}

    def timed(name: str, body: bytes, headers: dict[str, str]) -> None:
        memory.reset()
        started = time.perf_counter()
        with httpx.Client(base_url=url, verify=ctx, timeout=120) as c:
            resp = c.post(create, content=body, headers=headers)
        time.sleep(0.3)
        out[name] = {
            "status": resp.status_code,
            "seconds": round(time.perf_counter() - started, 3),
            "answer_bytes": len(resp.content),
            "peak_rss_mib": round(memory.peak_total / 1024, 1),
            "peak_rss_mib_process": round(memory.peak_process / 1024, 1),
            "message": resp.text[resp.text.find("<error") : resp.text.find("<error") + 120],
        }

    attrs = b"<request><node " + b" ".join(b'a%d="1"' % i for i in range(100_000)) + b"/></request>"
    timed("100k_attributes_1MB", attrs, PHP_HEADERS)
    nodes = b"<request>" + b"<node/>" * 748_982 + b"</request>"
    timed("748982_empty_nodes_5MB", nodes, PHP_HEADERS)

    memory.reset()
    big = b"<request>" + b"x" * (19 * 1024 * 1024) + b"</request>"
    bad = {**PHP_HEADERS, "secureKey": "wrong"}
    started = time.perf_counter()

    def one(_: int) -> int:
        with httpx.Client(base_url=url, verify=ctx, timeout=120) as c:
            try:
                return c.post(create, content=big, headers=bad).status_code
            except httpx.TransportError:
                return -1  # the server answered 401 and closed before the whole body went out

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, range(16)))
    time.sleep(0.3)
    out["16x19MB_bad_key"] = {
        "statuses": sorted(set(statuses)),
        "seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mib": round(memory.peak_total / 1024, 1),
        "peak_rss_mib_process": round(memory.peak_process / 1024, 1),
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hostile-only", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a fresh database of this PostgreSQL server (SQLite otherwise)",
    )
    args = parser.parse_args()
    report: dict[str, Any] = {
        "workers": args.workers,
        "database": "postgresql" if args.postgres else "sqlite",
    }
    with ExitStack() as stack:
        database_url = stack.enter_context(postgres_database(args.postgres)) if args.postgres else ""
        run(args, report, database_url)
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text)


def run(args: argparse.Namespace, report: dict[str, Any], database_url: str) -> None:
    with server(args.workers, database_url) as (url, ca, pid), Memory(pid) as memory:
        memory.reset()
        base = sum(_rss_kib(p) for p in _family(pid))
        report["idle_rss_mib"] = round(base / 1024, 1)
        if not args.hostile_only:
            report["fuzz"] = fuzz(url, ca, args.requests, args.clients)
            report["fuzz"]["peak_rss_mib_total"] = round(memory.peak_total / 1024, 1)
            report["fuzz"]["peak_rss_mib_process"] = round(memory.peak_process / 1024, 1)
        report["hostile"] = hostile(url, ca, memory)
        with httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=str(ca))) as c:
            report["healthy_after"] = c.get("/__mock__/health").status_code == 200


if __name__ == "__main__":
    main()
