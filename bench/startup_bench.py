"""Time to the first answer after `mock-iovox serve` (issue 13: < 1 s on an empty data dir).

    python bench/startup_bench.py              # 7 runs of each case, medians
    python bench/startup_bench.py --runs 11 --workers 2
    python bench/startup_bench.py --compare /work/main   # the same cases of another checkout, interleaved

Each run spawns `python -m mock_iovox serve` on 127.0.0.1, a free port and temporary folders, and
polls it with a short-timeout TLS client (the certificate verified against the generated CA, the
fixture's sandbox username/secureKey headers) until `GET /Nodes?v=3&method=getNodes` answers 200.
Cases, each the median of --runs:

- empty: a fresh data dir and certs dir (the CA, the certificate, the schema and the fixture are made);
- restart: the same folders again (everything kept);
- raw: the baseline, `python -m uvicorn` with TLS on a trivial ASGI app (raw_app.py answering fixed
  bytes), same certificate, same poll.

With --compare DIR, the empty and restart cases also run from another checkout (its .venv's python,
its folder as working directory), interleaved with this one's, so that a change is measured against
its baseline under the same load.

Printed: ms from exec to the banner's first line on stdout (raw: none) and to the first 200, the CPU
time the server used (its processes, until it was stopped just after the first 200), and the ratio
of the first 200 to raw's in this run. The machine may be shared: compare ratios of one run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from mock_iovox.launcher import free_port

ROOT = Path(__file__).resolve().parent.parent
USER, KEY = "RestUserName", "eb94fd75a6a8c04306dd341953e7e922"
PATH = "/Nodes?v=3&method=getNodes"
POLL_SECONDS = 0.005
GIVE_UP_SECONDS = 60.0


@dataclass
class Run:
    banner_ms: float | None
    first_200_ms: float
    cpu_ms: float


def _ask(port: int, ca: Path) -> int | None:
    """One request; the status, or None when the server is not there yet (or the CA not written)."""
    if not ca.exists():
        return None
    try:
        context = ssl.create_default_context(cafile=str(ca))
    except (ssl.SSLError, OSError):
        return None  # the CA file is being written
    conn = http.client.HTTPSConnection("localhost", port, timeout=0.5, context=context)
    try:
        conn.request("GET", PATH, headers={"username": USER, "secureKey": KEY})
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], port: int, ca: Path, cwd: Path, env: dict[str, str]) -> Run:
    """ms from exec to the first stdout line and to the first 200; the server is stopped after."""
    banner: list[float] = []
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )

    def read_stdout() -> None:
        assert proc.stdout is not None
        for _ in proc.stdout:
            if not banner:
                banner.append(time.perf_counter())

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    try:
        while True:
            status = _ask(port, ca)
            if status == 200:
                done = time.perf_counter()
                break
            if status is not None:
                raise RuntimeError(f"first answer {status}: {' '.join(cmd)}")
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"server exited ({proc.returncode}): {' '.join(cmd)}\n{err}")
            if time.perf_counter() - start > GIVE_UP_SECONDS:
                raise RuntimeError(f"no 200 within {GIVE_UP_SECONDS} s: {' '.join(cmd)}")
            time.sleep(POLL_SECONDS)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(20)
        reader.join(5)
    cpu_ms = (_children_cpu() - cpu) * 1000
    return Run((banner[0] - start) * 1000 if banner else None, (done - start) * 1000, cpu_ms)


def mock_cmd(python: str, port: int, data: Path, certs: Path, workers: int) -> list[str]:
    return [
        python, "-m", "mock_iovox", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--data-dir", str(data), "--certs-dir", str(certs), "--log-level", "warning",
        "--workers", str(workers),
    ]  # fmt: skip


def raw_cmd(port: int, certs: Path) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "raw_app:app", "--host",
        "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--ssl-certfile", str(certs / "server.crt"), "--ssl-keyfile", str(certs / "server.key"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="runs of each case (the median is shown)")
    parser.add_argument("--workers", type=int, default=1, help="the mock's --workers")
    parser.add_argument("--compare", type=Path, help="another checkout (with its .venv) to measure alike")
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE as inherited: with it set, every start compiles the package",
    )
    args = parser.parse_args()

    checkouts = [("", ROOT, sys.executable)]
    if args.compare:
        other = args.compare.resolve()
        checkouts.append((f"@{other.name}", other, str(other / ".venv" / "bin" / "python")))
    runs: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        work = Path(tmp)
        bodies = work / "bodies.json"
        bodies.write_text(json.dumps({"getNodes": [200, "application/xml", "<response/>"]}))
        env = {**os.environ, "BENCH_BODIES": str(bodies)}
        if not args.cold_bytecode:
            # bytecode as an installed package (pip compiles it) or a second start has it: written
            # by a warm-up start into a folder of this run, never into the checkouts
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        bytecode = "cold (compiled at every start)" if env.get("PYTHONDONTWRITEBYTECODE") else "warm"

        warm = work / "warm"
        for _, cwd, python in checkouts:  # the warm-ups, not counted
            port = free_port()
            timed(mock_cmd(python, port, warm, warm / "certs", 1), port, warm / "certs" / "ca.crt", cwd, env)
        port = free_port()
        timed(raw_cmd(port, warm / "certs"), port, warm / "certs" / "ca.crt", ROOT, env)
        shutil.rmtree(warm)
        for i in range(args.runs):
            for suffix, cwd, python in checkouts:
                data, certs = work / f"data{i}{suffix}", work / f"certs{i}{suffix}"
                for case in ("empty", "restart"):
                    port = free_port()
                    cmd = mock_cmd(python, port, data, certs, args.workers)
                    runs.setdefault(case + suffix, []).append(timed(cmd, port, certs / "ca.crt", cwd, env))
                shutil.rmtree(data)
            port = free_port()
            raw_run = timed(raw_cmd(port, certs), port, certs / "ca.crt", ROOT, env)
            runs.setdefault("raw", []).append(raw_run)
            print(
                f"run {i + 1}/{args.runs}: "
                + "  ".join(f"{case} {r[-1].first_200_ms:.0f} ms" for case, r in runs.items()),
                file=sys.stderr,
            )
    raw = statistics.median(r.first_200_ms for r in runs["raw"])
    print(
        f"first answer after exec, median of {args.runs} (workers={args.workers}, bytecode {bytecode}); "
        "ratio to raw's first 200"
    )
    print(f"{'case':<16}{'banner ms':>11}{'first 200 ms':>14}{'min':>8}{'max':>8}{'cpu ms':>8}{'x raw':>8}")
    for case, rs in runs.items():
        first = [r.first_200_ms for r in rs]
        banners = [r.banner_ms for r in rs if r.banner_ms is not None]
        shown = f"{statistics.median(banners):.0f}" if banners else "-"
        median = statistics.median(first)
        cpu = statistics.median(r.cpu_ms for r in rs)
        print(
            f"{case:<16}{shown:>11}{median:>14.0f}{min(first):>8.0f}{max(first):>8.0f}"
            f"{cpu:>8.0f}{median / raw:>8.2f}"
        )


if __name__ == "__main__":
    main()
