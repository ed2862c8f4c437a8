"""Running the real `mock-iovox serve` in a subprocess for end-to-end tests (uvicorn, TLS, SQLite)."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    http_port: int
    certs: Path
    data: Path
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def context(self, **versions: ssl.TLSVersion) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.certs / "ca.crt"))
        for attr, value in versions.items():
            setattr(ctx, attr, value)
        return ctx

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.context(), timeout=10)


def start(
    tmp: Path,
    port: int | None = None,
    http_port: int | None = None,
    extra: tuple[str, ...] = (),
    data_dir: Path | None = None,
    plain_http: bool = True,
) -> Server:
    """`plain_http=False`: no --http-port listener (its thread makes serve spawn its workers)."""
    port = port or free_port()
    http_port = http_port or free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    log = tmp / f"server-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "mock_iovox",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir or tmp / "data"),
        "--certs-dir",
        str(tmp / "certs"),
        "--log-level",
        "warning",
        *(("--http-port", str(http_port)) if plain_http else ()),
        *extra,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCK_IOVOX_")}
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(port, http_port, tmp / "certs", data_dir or tmp / "data", proc, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if (server.certs / "ca.crt").exists():
                with server.client() as c:
                    if c.get("/__mock__/health").status_code == 200:
                        return server
        except (httpx.TransportError, ssl.SSLError):
            pass
        time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"server did not start: {log.read_text()}")


def stop(server: Server) -> None:
    server.proc.send_signal(signal.SIGINT)
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
