"""The mock's own cost per request, without sockets or TLS: the ASGI app called in process, next to a
raw ASGI app answering the same bytes called the same way (one event loop, one request at a time).

    .venv/bin/python bench/asgi_bench.py                 # getNodes and the write mix, journal on and off
    .venv/bin/python bench/asgi_bench.py --rounds 5 --requests 3000

Prints microseconds per request (median of the rounds) and the difference to the raw app: what the
mock adds to what uvicorn and TLS cost anyway (bench.py measures those too, over the wire). The
"x16" row sends the write mix from 16 clients at once: writes that queue together share a
transaction (Dispatcher.run_batch).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.server.app import create_app
from mock_iovox.server.reqlog import log_config
from mock_iovox.settings import DEFAULT_FIXTURE, Settings

USER, KEY = b"RestUserName", b"eb94fd75a6a8c04306dd341953e7e922"
Request = tuple[str, str, str, bytes]  # verb, path, query, body
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

GET_NODES: Request = ("GET", "/Nodes", "v=3&method=getNodes&limit=20", b"")


def write_mix(n: int) -> list[Request]:
    """createNodes, updateNodes, deleteNodes of one item each, in turn (every one succeeds)."""
    out: list[Request] = []
    for i in range(n):
        node = f"ab-{i}"
        item = f"<node_id>{node}</node_id><node_name>B</node_name><node_type>B</node_type>"
        body = f"<request><node>{item}</node></request>"
        upd = f"<request><node><node_id>{node}</node_id><node_name>C</node_name></node></request>"
        out += [
            ("POST", "/Nodes", "v=3&method=createNodes", body.encode()),
            ("PUT", "/Nodes", "v=3&method=updateNodes", upd.encode()),
            ("DELETE", "/Nodes", f"v=3&method=deleteNodes&node_ids={node}", b""),
        ]
    return out


async def call(app: App, req: Request) -> int:
    verb, path, query, body = req
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": verb,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [
            (b"host", b"127.0.0.1:8444"),
            (b"username", USER),
            (b"securekey", KEY),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8444),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b"x" * 4500
    headers = [(b"content-type", b"application/xml"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def timed(app: App, requests: list[Request]) -> float:
    """Microseconds per request; every answer must be a success."""
    started = time.perf_counter()
    for req in requests:
        status = await call(app, req)
        if status >= 300:
            raise RuntimeError(f"{req[0]} {req[2]} answered {status}")
    return (time.perf_counter() - started) / len(requests) * 1e6


async def timed_streams(app: App, requests: list[Request], streams: int) -> float:
    """Microseconds per request with `streams` clients at once, each sending its share in order (a
    node's create, update and delete stay in one stream): writes then queue into shared
    transactions (Dispatcher.run_batch), as under bench.py's 16 connections."""
    triples = [requests[i : i + 3] for i in range(0, len(requests), 3)]

    async def stream(k: int) -> None:
        for triple in triples[k::streams]:
            for req in triple:
                status = await call(app, req)
                if status >= 300:
                    raise RuntimeError(f"{req[0]} {req[2]} answered {status}")

    started = time.perf_counter()
    await asyncio.gather(*(stream(k) for k in range(streams)))
    return (time.perf_counter() - started) / len(requests) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    n = args.requests
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="asgi-bench-") as tmp:
        logs = request_log(Path(tmp) / "requests.log")
        apps: dict[str, App] = {"raw": raw_app}
        for size in (1000, 0):
            settings = Settings(data_dir=Path(tmp) / str(size), fixture=DEFAULT_FIXTURE, journal_size=size)
            dbs = open_databases(settings)
            prepare(settings, dbs)
            apps[f"journal {size}"] = create_app(settings, dbs)
        for app in apps.values():
            await timed(app, [GET_NODES] * 200)  # warm: caches, statements
        for r in range(args.rounds):
            for name, app in apps.items():
                rows.setdefault(f"getNodes      {name}", []).append(await timed(app, [GET_NODES] * n))
                if name == "journal 1000":  # the same with the request log at info, as `serve` sets it
                    logs.setLevel(logging.INFO)
                    rows.setdefault(f"getNodes      {name} log", []).append(await timed(app, [GET_NODES] * n))
                    logs.setLevel(logging.WARNING)
                if name != "raw":
                    mix = [
                        (v, p, q.replace("ab-", f"ab{r}-"), b.replace(b"ab-", f"ab{r}-".encode()))
                        for v, p, q, b in write_mix(n // 10)
                    ]
                    rows.setdefault(f"write mix     {name}", []).append(await timed(app, mix))
                    mix = [(v, p, q.replace("ab", "ac"), b.replace(b"ab", b"ac")) for v, p, q, b in mix]
                    rows.setdefault(f"write mix x16 {name}", []).append(await timed_streams(app, mix, 16))
    raw = statistics.median(rows["getNodes      raw"])
    print(f"{'request':<32} {'us/req':>8} {'+raw us':>8}")
    for name, values in rows.items():
        med = statistics.median(values)
        print(f"{name:<32} {med:8.1f} {med - raw:8.1f}")
    on, off = (statistics.median(rows[f"getNodes      journal 1000{s}"]) for s in (" log", ""))
    print(f"the request log line at info (to a file): {on - off:.1f} us, {on / off - 1:.1%} of getNodes")


def request_log(path: Path) -> logging.Logger:
    """`serve`'s logging set-up with its stderr in `path` (as a terminal's scrollback would take the
    lines); the mock's loggers at WARNING until a row turns them on."""
    stderr, sys.stderr = sys.stderr, path.open("a")
    try:
        logging.config.dictConfig(log_config("info", "text"))
    finally:
        sys.stderr = stderr
    logger = logging.getLogger("mock_iovox")
    logger.setLevel(logging.WARNING)
    return logger


if __name__ == "__main__":
    try:
        import uvloop  # the loop uvicorn runs the mock on, when installed
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
