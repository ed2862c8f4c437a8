"""Scale-out on PostgreSQL (issue 24): three mock-iovox instances sharing one PostgreSQL behind
Debian's haproxy, next to the same load on one SQLite instance.

    python bench/scaleout.py                                 # a throwaway PostgreSQL cluster, 10 s of load
    python bench/scaleout.py --postgres postgresql+psycopg://postgres@127.0.0.1:55432 --seconds 20

Needs `wrk`, `haproxy` (apt-get install wrk haproxy) and, without --postgres, PostgreSQL's server
binaries (/usr/lib/postgresql/*/bin; apt-get install postgresql), run as root (the cluster runs as the
`postgres` user, as .ci/run starts it).

What runs:
- PostgreSQL: two fresh databases (sandbox, production) that the three instances share through
  `--database-url`; the first instance loads the default fixture, the others find it loaded.
- Three `mock-iovox serve` instances (defaults otherwise: the journal on, the request log at info,
  sent to a file as a terminal would take it), one certificate directory shared, so one CA is trusted
  whichever instance answers.
- haproxy in TCP mode (TLS passes through to the instances, which serve it themselves as they do for
  a user; haproxy needs no certificate and adds no TLS hop), round robin per connection.
- The load: `wrk -t1 -c64` through haproxy, a mix of reads (getNodes of 20 rows, getLinks) and writes
  (createNodes / updateNodes / deleteNodes of one node) half and half. Every answer must be 2xx.
- Meanwhile a visibility check: a node created through one instance, then read at once
  (getNodeDetails) through the next one, and through haproxy on a new connection; a read that does
  not see the write is counted. Every write must be seen.
- Then the same load and check on one SQLite instance (its own data directory) for comparison.

Printed: req/s in total and per instance (each instance's share from its own request log), p50/p99,
errors, the visibility misses, and each server process's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mock_iovox.launcher import Launched, free_port, launch

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {"username": "RestUserName", "secureKey": "eb94fd75a6a8c04306dd341953e7e922"}
CONNECTIONS = 64
LAG = 512  # the mix deletes the node created this many rounds earlier (64 connections in flight)


# --- PostgreSQL -----------------------------------------------------------------------------------


@contextmanager
def postgres_cluster(work: Path) -> Iterator[str]:
    """A throwaway cluster on a free port, trust auth, run as `postgres`."""
    bins = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")]
    )
    if not bins:
        sys.exit("no PostgreSQL server binaries (apt-get install postgresql), or pass --postgres URL")
    pgbin, pgdir, port = bins[-1], work / "pg", free_port()
    pgdir.mkdir()
    shutil.chown(pgdir, "postgres")

    def as_postgres(cmd: str) -> None:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", cmd], check=True, stdout=subprocess.DEVNULL)

    as_postgres(f"{pgbin}/initdb -D {pgdir}/data -A trust -U postgres")
    opts = f"-p {port} -k {pgdir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on"
    as_postgres(f"{pgbin}/pg_ctl -D {pgdir}/data -w -l {pgdir}/log -o '{opts}' start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        as_postgres(f"{pgbin}/pg_ctl -D {pgdir}/data -m fast stop")


def fresh_databases(url: str) -> str:
    """Two new databases; the `--database-url` naming them with `{env}`."""
    import psycopg

    base = f"mock_iovox_scaleout_{os.getpid()}_"
    admin = url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        for env in ("sandbox", "production"):
            conn.execute(f"DROP DATABASE IF EXISTS {base}{env} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {base}{env}")
    return f"{url}/{base}{{env}}"


# --- servers --------------------------------------------------------------------------------------


_VENDOR_LINE = re.compile(r" (?:Nodes|Links)\.\w+ \d{3} ")


def requests_served(server: Launched) -> int:
    """Vendor requests in its request log (one line each at info)."""
    return len(_VENDOR_LINE.findall(server.log.read_text(errors="replace")))


@contextmanager
def instance(work: Path, name: str, certs: Path, extra: tuple[str, ...]) -> Iterator[Launched]:
    """`mock-iovox serve` with the defaults (the request log at info, to its log file), `extra` after."""
    server = launch(work / name, ("--log-level", "info", *extra), certs_dir=certs, timeout=180)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def haproxy(work: Path, backends: list[Launched]) -> Iterator[int]:
    port = free_port()
    servers = "\n".join(f"    server s{i} 127.0.0.1:{b.port}" for i, b in enumerate(backends))
    cfg = work / "haproxy.cfg"
    cfg.write_text(
        textwrap.dedent(
            f"""\
            global
                maxconn 4096
            defaults
                mode tcp
                timeout connect 5s
                timeout client 60s
                timeout server 60s
            frontend mock
                bind 127.0.0.1:{port}
                default_backend instances
            backend instances
                balance roundrobin
            """
        )
        + servers
        + "\n"
    )
    proc = subprocess.Popen(
        ["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def peak_rss_mb(pid: int) -> dict[int, float]:
    """VmHWM of the process and its children (uvicorn's workers), in MB."""
    out: dict[int, float] = {}
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            out[p] = int(found[1]) / 1024
    return out


# --- load -----------------------------------------------------------------------------------------


def lua_mix() -> str:
    """Reads and writes half and half: getNodes, create, getLinks, update, getNodes, delete."""
    return textwrap.dedent(
        f"""\
        local i = 0
        local n = 0
        request = function()
          local step = i % 6
          i = i + 1
          if step == 0 or step == 4 then
            return wrk.format("GET", "/Nodes?v=3&method=getNodes&limit=20")
          elseif step == 2 then
            return wrk.format("GET", "/Links?v=3&method=getLinks&limit=20")
          elseif step == 1 then
            n = n + 1
            return wrk.format("POST", "/Nodes?v=3&method=createNodes", nil,
              "<request><node><node_id>so-" .. (n + {LAG}) .. "</node_id><node_name>Scale</node_name>" ..
              "<node_type>Bench</node_type></node></request>")
          elseif step == 3 then
            return wrk.format("PUT", "/Nodes?v=3&method=updateNodes", nil,
              "<request><node><node_id>so-fixed</node_id><node_name>Scale fixed</node_name></node></request>")
          end
          return wrk.format("DELETE", "/Nodes?v=3&method=deleteNodes&node_ids=so-" .. n)
        end
        """
    )


def _node(node_id: str) -> str:
    return (
        f"<node><node_id>{node_id}</node_id><node_name>Scale</node_name><node_type>Bench</node_type></node>"
    )


def prepare_nodes(base: str, ca: Path) -> None:
    """The nodes the mix deletes first (so-1 … so-LAG) and the one it updates: every request succeeds."""
    ids = ["so-fixed", *(f"so-{n}" for n in range(1, LAG + 1))]
    with httpx.Client(verify=str(ca), headers=HEADERS, timeout=60) as client:
        for at in range(0, len(ids), 50):
            body = "<request>" + "".join(_node(i) for i in ids[at : at + 50]) + "</request>"
            made = client.post(base + "/Nodes?v=3&method=createNodes", content=body)
            if made.status_code != 201:
                raise RuntimeError(f"createNodes {made.status_code}: {made.text[:300]}")


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    output: str


def run_wrk(url: str, seconds: float, work: Path) -> Load:
    lua = work / "mix.lua"
    lua.write_text(lua_mix())
    cmd = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        "-s",
        str(lua),
        "--latency",
        "--timeout",
        "10s",
        f"-d{round(seconds)}s",
    ]
    cmd += [arg for k, v in HEADERS.items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run([*cmd, url + "/"], check=True, capture_output=True, text=True).stdout
    total = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(failed[1]) if failed else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    return Load(rps, _ms(pct.get("50", "nan")), _ms(pct.get("99", "nan")), total, errors, out)


def _ms(text: str) -> float:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(found[1]) * units[found[2]] if found else float("nan")


@dataclass
class Visibility:
    writes: int = 0
    misses: int = 0
    errors: list[str] = field(default_factory=list)


def check_visibility(bases: list[str], lb: str, ca: Path, stop: threading.Event) -> Visibility:
    """Create through instance k, read through instance k+1 and through haproxy, each on a new
    connection: every read must see the node."""
    seen = Visibility()
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(verify=str(ca), headers=HEADERS, timeout=30, limits=no_reuse) as client:
        k = 0
        while not stop.is_set():
            node = f"vis-{os.getpid()}-{k}"
            body = f"<request>{_node(node)}</request>"
            made = client.post(bases[k % len(bases)] + "/Nodes?v=3&method=createNodes", content=body)
            if made.status_code != 201:
                seen.errors.append(f"create {made.status_code} {made.text[:200]}")
                k += 1
                continue
            seen.writes += 1
            for reader in (bases[(k + 1) % len(bases)], lb):
                got = client.get(reader + f"/Nodes?v=3&method=getNodeDetails&node_id={node}")
                if got.status_code != 200 or f"<node_id>{node}</node_id>" not in got.text:
                    seen.misses += 1
                    seen.errors.append(f"read via {reader}: {got.status_code} {got.text[:200]}")
            k += 1
    return seen


def measure(instances: list[Launched], lb: str, ca: Path, seconds: float, work: Path) -> dict[str, Any]:
    prepare_nodes(instances[0].url, ca)
    before = [requests_served(i) for i in instances]
    stop = threading.Event()
    result: dict[str, Visibility] = {}
    checker = threading.Thread(
        target=lambda: result.setdefault("v", check_visibility([i.url for i in instances], lb, ca, stop))
    )
    checker.start()
    try:
        load = run_wrk(lb, seconds, work)
    finally:
        stop.set()
        checker.join()
    time.sleep(0.5)  # the last log lines
    served = [requests_served(i) - b for i, b in zip(instances, before, strict=True)]
    share = sum(served) or 1
    vis = result["v"]
    return {
        "total_rps": round(load.rps),
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "requests": load.requests,
        "errors": load.errors,
        "wrk": load.output.splitlines(),
        "per_instance_rps": [round(load.rps * n / share) for n in served],
        "visibility_writes": vis.writes,
        "visibility_misses": vis.misses,
        "visibility_errors": vis.errors[:5],
        "peak_rss_mb": {f"instance{j}": peak_rss_mb(i.proc.pid) for j, i in enumerate(instances)},
    }


# --- main -----------------------------------------------------------------------------------------


def scale_out(postgres: str | None, seconds: float, calls: int) -> dict[str, Any]:
    """Both rows' figures: three instances on PostgreSQL behind haproxy, one SQLite instance."""
    for tool in ("wrk", "haproxy"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install {tool})")
    work = Path(tempfile.mkdtemp(prefix="mock-iovox-scaleout-"))
    certs = work / "certs"
    figures: dict[str, Any] = {"connections": CONNECTIONS, "seconds": seconds}
    with ExitStack() as stack:
        url = postgres or stack.enter_context(postgres_cluster(work))
        database = fresh_databases(url)
        common = ("--database-url", database)
        first = stack.enter_context(instance(work, "pg0", certs, common))
        others = [stack.enter_context(instance(work, f"pg{n}", certs, common)) for n in (1, 2)]
        pg = [first, *others]
        lb = stack.enter_context(haproxy(work, pg))
        figures["postgres_3_instances"] = measure(
            pg, f"https://127.0.0.1:{lb}", certs / "ca.crt", seconds, work
        )
    with ExitStack() as stack:
        if calls:
            subprocess.run(
                [sys.executable, "-m", "mock_iovox", "seed", "--calls", str(calls), "--env", "sandbox",
                 "--data-dir", str(work / "sqlite" / "data"), "--seed", "1"],
                check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        one = stack.enter_context(instance(work, "sqlite", certs, ()))
        lb = stack.enter_context(haproxy(work, [one]))
        row = measure([one], f"https://127.0.0.1:{lb}", certs / "ca.crt", seconds, work)
        row["calls"] = calls
        figures["sqlite_1_instance"] = row
    shutil.rmtree(work, ignore_errors=True)
    return figures


def table(figures: dict[str, Any]) -> str:
    lines = [
        f"{CONNECTIONS} connections through haproxy (TCP, TLS to the instances), reads/writes 50/50, "
        f"{figures['seconds']:.0f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        f"{'row':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  {'per instance':<22}"
        f"{'writes seen':>12}  peak RSS MB",
    ]
    for name, label in (
        ("postgres_3_instances", "3 instances, PostgreSQL"),
        ("sqlite_1_instance", "1 instance, SQLite"),
    ):
        row = figures[name]
        rss = ", ".join(f"{v:.0f}" for pids in row["peak_rss_mb"].values() for v in pids.values())
        seen = f"{row['visibility_writes'] - row['visibility_misses']}/{row['visibility_writes']}"
        lines.append(
            f"{label:<28}{row['total_rps']:>8}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['errors']:>8}  "
            f"{'/'.join(str(x) for x in row['per_instance_rps']):<22}{seen:>12}  {rss}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: a throwaway cluster)")
    parser.add_argument("--seconds", type=float, default=10, help="load per row")
    parser.add_argument("--calls", type=int, default=0, help="calls generated into the SQLite instance first")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = scale_out(args.postgres, args.seconds, args.calls)
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    bad = [
        name
        for name in ("postgres_3_instances", "sqlite_1_instance")
        if figures[name]["errors"] or figures[name]["visibility_misses"]
    ]
    if bad:
        print(f"FAILED: errors or unseen writes in {', '.join(bad)}", file=sys.stderr)
        print(json.dumps({n: figures[n]["visibility_errors"] for n in bad}, indent=2), file=sys.stderr)
    return figures


if __name__ == "__main__":
    sys.exit(
        1
        if (f := main())
        and any(
            f[n]["errors"] or f[n]["visibility_misses"] for n in ("postgres_3_instances", "sqlite_1_instance")
        )
        else 0
    )
