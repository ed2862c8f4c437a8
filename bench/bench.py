"""The mock next to a raw ASGI app and a bare Starlette app, over HTTPS, pinned (issue 13).

    python bench/bench.py              # 1M CDRs (seeding takes a while), 5 s per row
    python bench/bench.py --quick      # 100k CDRs, 3 s per row
    python bench/bench.py --workers 2 --server-cpus 0,1   # what a second worker buys

One data directory (the default fixture, 16 more nodes, the generated calls) and one certificate.
Each server runs under uvicorn on 127.0.0.1 with TLS, pinned to --server-cpus (default CPU 0), and
`wrk -t1 -c16` pinned to --client-cpu (default CPU 1) drives it, in turn: mock-iovox first (its
answers are captured), then a raw ASGI app and a bare Starlette route answering each method with the
mock's captured bytes.

The mock runs in each configuration of --mocks, one after the other, each on a copy of the data:
**defaults** is `mock-iovox serve` as a user starts it (sandbox and production served, the request
log at info on stderr, which goes to a file as a terminal's scrollback would, the journal on);
**light** is what this bench measured before issue 24 (`--env sandbox --log-level warning`);
**quiet** is the defaults at `--log-level warning`, so defaults/quiet is what the request log costs.
Every configuration must give the same answers. Rows:

- getNodes: 20 rows (limit=20), XML.
- write mix: createNodes / updateNodes / deleteNodes of one item each, in turn (a node created 64
  rounds earlier is deleted, so every request succeeds).
- getCallData cold: 100 rows, default fields, a different link, period and page on every request.
- getCallData repeated: one identical page.

All the servers run at once (idle but the one measured) and --rounds rounds take turns, each row
on each server in turn, so that a change of the machine's load falls on all of them alike.
Printed: medians of the rounds of req/s, p50 and p99 (ms), and the ratio to the raw app. The machine may
be shared: compare ratios of one run, never absolute figures across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx

from mock_iovox.launcher import free_port

ROOT = Path(__file__).resolve().parent.parent
USER, KEY = "RestUserName", "eb94fd75a6a8c04306dd341953e7e922"
HEADERS = {"username": USER, "secureKey": KEY}
CONNECTIONS = 16
LAG = 64  # the write mix deletes the node created this many rounds earlier

GET_NODES = "/Nodes?" + urlencode({"v": 3, "method": "getNodes", "limit": 20})
WRITE_CREATE = "/Nodes?v=3&method=createNodes"
WRITE_UPDATE = "/Nodes?v=3&method=updateNodes"
WRITE_DELETE = "/Nodes?v=3&method=deleteNodes&node_ids="


def create_body(node_id: str) -> str:
    return (
        f"<request><node><node_id>{node_id}</node_id><node_name>Bench {node_id}</node_name>"
        "<node_type>Bench</node_type></node></request>"
    )


UPDATE_BODY = (
    "<request><node><node_id>bench-fixed</node_id><node_name>Bench Fixed</node_name></node></request>"
)


# --- servers ------------------------------------------------------------------------------------


@contextmanager
def server(
    cmd: list[str], port: int, cpus: str, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[str]:
    """A server pinned to `cpus`; its stderr (the mock's request log) goes to `log`, a file as a
    terminal's scrollback would take it, when given."""
    pinned = ["taskset", "-c", cpus, *cmd] if shutil.which("taskset") else cmd
    stderr = log.open("ab") if log is not None else None
    proc = subprocess.Popen(
        pinned,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}): {' '.join(cmd)}")
            try:
                httpx.get(base + "/__mock__/health", verify=False, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server on {port} did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(20)
        if stderr is not None:
            stderr.close()


def uvicorn_cmd(target: str, port: int, certs: Path) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), target, "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--timeout-keep-alive", "30",
        "--ssl-certfile", str(certs / "server.crt"), "--ssl-keyfile", str(certs / "server.key"),
    ]  # fmt: skip


# --- load ---------------------------------------------------------------------------------------


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def lua_requests(requests: list[tuple[str, str, str | None]]) -> str:
    """A wrk script cycling through fixed (verb, path, body) requests."""
    items = ",\n".join(
        f"  {{{json.dumps(verb)}, {json.dumps(path)}, {json.dumps(body) if body else 'nil'}}}"
        for verb, path, body in requests
    )
    return (
        textwrap.dedent(
            """\
        local reqs = {
        %s
        }
        local i = 0
        request = function()
          i = i + 1
          local r = reqs[(i - 1) %% #reqs + 1]
          return wrk.format(r[1], r[2], nil, r[3])
        end
        """
        )
        % items
    )


def lua_writes(prefix: str = "bw") -> str:
    return textwrap.dedent(
        f"""\
        local i = 0
        local n = 0
        request = function()
          local step = i % 3
          i = i + 1
          if step == 0 then
            n = n + 1
            return wrk.format("POST", "{WRITE_CREATE}", nil,
              "<request><node><node_id>{prefix}-" .. (n + {LAG}) ..
              "</node_id><node_name>Bench</node_name><node_type>Bench</node_type></node></request>")
          elseif step == 1 then
            return wrk.format("PUT", "{WRITE_UPDATE}", nil, {json.dumps(UPDATE_BODY)})
          end
          return wrk.format("DELETE", "{WRITE_DELETE}{prefix}-" .. n, nil, nil)
        end
        """
    )


def wrk(base: str, script: str, seconds: float, cpu: str, work: Path, warm: float = 1.0) -> Figures:
    lua = work / f"wrk-{abs(hash(script))}.lua"
    lua.write_text(script)
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", "-s", str(lua), "--latency", "--timeout", "10s"]
    cmd += [arg for k, v in HEADERS.items() for arg in ("-H", f"{k}: {v}")]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", cpu, *cmd]
    if warm:
        subprocess.run([*cmd, f"-d{max(1, round(warm))}s", base + "/"], check=True, capture_output=True)
    out = subprocess.run(
        [*cmd, f"-d{max(1, round(seconds))}s", base + "/"], check=True, capture_output=True, text=True
    ).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    # wrk may drop a generated request when a connection starts over (then a later delete of that
    # node fails): a few in a thousand are tolerated, more mean a broken server
    if failed and int(failed[1]) > max(3, total // 200):
        raise RuntimeError(f"wrk saw error responses:\n{out}")
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    if "50" not in pct:  # every request timed out
        return Figures(rps, float("nan"), float("nan"))
    return Figures(rps, _ms(pct["50"]), _ms(pct["99"]))


# --- data ---------------------------------------------------------------------------------------


def mock(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "mock_iovox", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )


def prepare_data(data: Path, calls: int, cache: Path | None) -> None:
    """The default fixture and `calls` generated calls (copied from `cache` when it has them)."""
    kept = cache / f"calls-{calls}" if cache else None
    if kept is not None and (kept / "sandbox.sqlite3").exists():
        shutil.copytree(kept, data, dirs_exist_ok=True)
        return
    started = time.perf_counter()
    mock("seed", "--calls", str(calls), "--env", "sandbox", "--data-dir", str(data), "--seed", "1")
    print(f"seeded {calls:,} calls in {time.perf_counter() - started:.0f} s", flush=True)
    if kept is not None:
        shutil.copytree(data, kept, dirs_exist_ok=True)


def call_queries(data: Path, today: date) -> tuple[str, list[str]]:
    """One repeated getCallData page, and many different ones (link x period x page)."""
    with sqlite3.connect(data / "sandbox.sqlite3") as conn:
        links = [
            r[0] for r in conn.execute("SELECT DISTINCT link_id FROM calls WHERE account_pk = 1 ORDER BY 1")
        ]

    def query(link: str, end: date, days: int, page: int) -> str:
        params = {"v": 3, "method": "getCallData", "link_id": link, "sdt": str(end - timedelta(days=days))}
        params |= {"edt": str(end), "limit": 100, "page": page}
        return "/Calls?" + urlencode(params)

    repeated = query(links[0], today - timedelta(days=1), 30, 1)
    # never the same query twice in a row (tens of thousands before one comes back)
    cold = [
        query(link, today - timedelta(days=d), days, page)
        for d in range(1, 60)
        for days in range(20, 41)
        for page in (1, 2)
        for link in links
    ]
    return repeated, cold


# --- the mock's configurations -----------------------------------------------------------------

#: extra `serve` flags of each configuration of the mock; "defaults" is `mock-iovox serve` as a user
#: starts it (both environments, the request log at info, the journal on)
MOCKS: dict[str, list[str]] = {
    "defaults": [],
    "quiet": ["--log-level", "warning"],  # the defaults without the request log: what a line costs
    "light": ["--env", "sandbox", "--log-level", "warning"],  # what bench.py measured before issue 24
    # the defaults with two workers (the last --workers wins): beside "defaults" with --server-cpus 0,1
    "defaults-2w": ["--workers", "2"],
}


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100k calls and 3 s per row")
    parser.add_argument("--calls", type=int, help="generated calls (default 1,000,000; 100,000 with --quick)")
    parser.add_argument("--seconds", type=float, help="measurement per row (default 5; 3 with --quick)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the mock")
    parser.add_argument("--server-cpus", default="0", help="CPUs of the servers (taskset list)")
    parser.add_argument("--client-cpu", default="1", help="CPU of wrk")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every row (medians printed)")
    parser.add_argument("--data-cache", type=Path, help="keep the seeded database here for later runs")
    parser.add_argument("--only", default="raw,bare,mock", help="servers to measure (mock is always run)")
    parser.add_argument(
        "--mocks",
        default="defaults,light",
        help=f"configurations of the mock, in turn: {', '.join(MOCKS)}",
    )
    parser.add_argument(
        "--scaleout",
        action="store_true",
        help="then the scale-out row (bench/scaleout.py: three instances on one PostgreSQL behind haproxy, "
        "next to one SQLite instance; needs haproxy and PostgreSQL)",
    )
    parser.add_argument(
        "--postgres", help="with --scaleout: a PostgreSQL server URL (default: a throwaway cluster)"
    )
    args = parser.parse_args()
    calls = args.calls or (100_000 if args.quick else 1_000_000)
    seconds = args.seconds or (3.0 if args.quick else 5.0)
    if not shutil.which("wrk"):
        sys.exit("bench.py needs wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="mock-iovox-bench-") as tmp:
        work = Path(tmp)
        data, certs = work / "data", work / "certs"
        prepare_data(data, calls, args.data_cache)
        from mock_iovox.server import certs as certs_module

        certs_module.ensure(certs)
        today = date.today()
        repeated, cold = call_queries(data, today)
        bodies: dict[str, tuple[int, str, str]] = {}  # method -> status, content type, body
        bases: dict[str, str] = {}
        with contextlib.ExitStack() as stack:
            for config in args.mocks.split(","):
                copy = work / f"data-{config}"  # each configuration writes on a copy of its own
                shutil.copytree(data, copy)
                port = free_port()
                cmd = [
                    sys.executable, "-m", "mock_iovox", "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--data-dir", str(copy), "--certs-dir", str(certs), "--workers", str(args.workers),
                    *MOCKS[config],
                ]  # fmt: skip
                base = stack.enter_context(server(cmd, port, args.server_cpus, log=work / f"{config}.log"))
                answers = capture(base, repeated, args.rounds)
                if bodies and answers != bodies:
                    raise RuntimeError(f"mock {config} answers differently from the first configuration")
                bodies, bases[f"mock {config}"] = answers, base
            (work / "bodies.json").write_text(json.dumps(bodies))
            env = {"BENCH_BODIES": str(work / "bodies.json")}
            for name, target in [("raw ASGI", "raw_app:app"), ("bare Starlette", "starlette_app:app")]:
                if name.split()[0] in args.only:
                    port = free_port()
                    cmd = uvicorn_cmd(target, port, certs)
                    bases[name] = stack.enter_context(server(cmd, port, args.server_cpus, env))
            # every server is up (the others idle) while one is measured: the rounds take turns,
            # so a change in the machine's load falls on all of them alike; medians of the rounds
            runs: dict[str, dict[str, list[Figures]]] = {name: {} for name in bases}
            for r in range(args.rounds):
                for row, script, warm in scripts(repeated, cold, r, args.rounds):
                    for name, base in bases.items():
                        got = wrk(base, script, seconds, args.client_cpu, work, warm)
                        runs[name].setdefault(row, []).append(got)
        rows = {name: {row: median(f) for row, f in by_row.items()} for name, by_row in runs.items()}
    print_table(rows, calls, seconds, args)
    if args.scaleout:
        sys.path.insert(0, str(ROOT / "bench"))
        import scaleout

        print("\nscale-out (bench/scaleout.py):")
        print(scaleout.table(scaleout.scale_out(args.postgres, max(seconds, 5.0), 0)))


def capture(base: str, repeated: str, rounds: int) -> dict[str, tuple[int, str, str]]:
    """Creates the bench's nodes (the first LAG deleted by each round's write mix), then sends one
    of each measured request: method -> status, content type, body."""
    bodies: dict[str, tuple[int, str, str]] = {}
    with httpx.Client(base_url=base, headers=HEADERS, verify=False) as client:
        ids = [f"bench-{n:02d}" for n in range(16)] + ["bench-fixed"]
        ids += [f"bw{r}-{n}" for r in range(rounds) for n in range(1, LAG + 1)]
        items = "".join(create_body(i)[9:-10] for i in ids)
        resp = client.post(WRITE_CREATE, content=f"<request>{items}</request>")
        assert resp.status_code == 201, resp.text
        for path, verb, body in [
            (GET_NODES, "GET", None),
            (repeated, "GET", None),
            (WRITE_CREATE, "POST", create_body("bench-probe")),
            (WRITE_UPDATE, "PUT", UPDATE_BODY),
            (WRITE_DELETE + "bench-probe", "DELETE", None),
        ]:
            resp = client.request(verb, path, content=body)
            assert resp.status_code < 300, (path, resp.status_code, resp.text)
            method = re.search(r"method=(\w+)", path)[1]  # type: ignore[index]
            bodies[method] = (resp.status_code, resp.headers.get("content-type", ""), resp.text)
    assert bodies["getNodes"][2].count("<result>") == 20, bodies["getNodes"][2][:500]
    assert bodies["getCallData"][2].count("<result>") == 100, bodies["getCallData"][2][:500]
    return bodies


def scripts(repeated: str, cold: list[str], r: int, rounds: int) -> list[tuple[str, str, float]]:
    """Round r's rows: name, wrk script, warm-up seconds (its own nodes to write, its own share of
    the cold pages)."""
    shift = len(cold) * r // rounds
    return [
        ("getNodes (20 rows)", lua_requests([("GET", GET_NODES, None)]), 1.0),
        ("write mix (create/update/delete 1)", lua_writes(f"bw{r}"), 0.0),
        (
            "getCallData cold (100 rows)",
            lua_requests([("GET", q, None) for q in cold[shift:] + cold[:shift]]),
            0.0,
        ),
        ("getCallData repeated (100 rows)", lua_requests([("GET", repeated, None)]), 1.0),
    ]


def median(figures: list[Figures]) -> Figures:
    return Figures(*(statistics.median(getattr(f, k) for f in figures) for k in ("rps", "p50_ms", "p99_ms")))


def print_table(
    rows: dict[str, dict[str, Figures]], calls: int, seconds: float, args: argparse.Namespace
) -> None:
    print(
        f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"server CPUs {args.server_cpus}, wrk CPU {args.client_cpu}; "
        f"{CONNECTIONS} connections, {seconds:g} s per row; {calls:,} calls; "
        f"mock workers {args.workers}; HTTPS; medians of {args.rounds} rounds taking turns"
    )
    header = f"{'row':<36} {'server':<15} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x raw':>6}"
    print(header)
    print("-" * len(header))
    raw = rows.get("raw ASGI", {})
    order = [n for n in ("raw ASGI", "bare Starlette") if n in rows] + [
        n for n in rows if n.startswith("mock")
    ]
    rows = {n: rows[n] for n in order}
    for row in next(iter(rows.values())):
        for name in rows:
            f = rows[name][row]
            ratio = f"{f.rps / raw[row].rps:6.2f}" if row in raw else "     -"
            print(f"{row:<36} {name:<15} {f.rps:8.0f} {f.p50_ms:8.2f} {f.p99_ms:8.2f} {ratio}")
    if "mock defaults" in rows and "mock quiet" in rows:
        print("\nthe request log line (defaults at info next to quiet, its req/s lost):")
        for row, quiet in rows["mock quiet"].items():
            print(f"  {row:<36} {1 - rows['mock defaults'][row].rps / quiet.rps:6.1%}")


if __name__ == "__main__":
    main()
