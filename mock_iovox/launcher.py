"""`mock-iovox serve` in a subprocess, waited for until it answers: the one launcher of the pytest
plugin (`iovox_server`) and of the project's own end-to-end tests (tests/server.py).

Ready means: the process is alive, its CA file exists and GET /__mock__/health answers 200 over TLS
with that CA. The wait polls every 0.1 s; the process is killed when it fails to come up, so a
failed start leaves no server behind.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

#: how long a start may take before it counts as failed (a cold first start loads the fixture)
START_SECONDS = 60.0
#: how long SIGINT has to stop the server before it is killed
STOP_SECONDS = 15.0
HEALTH = "/__mock__/health"


def free_port() -> int:
    """A TCP port free on the loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Launched:
    """A running `mock-iovox serve` on 127.0.0.1 (its TLS certificate names localhost)."""

    port: int
    certs: Path
    data: Path
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.certs / "ca.crt"

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts the server's own CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def client(self, timeout: float = 30, headers: Mapping[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.ssl_context(), timeout=timeout, headers=headers)

    def stop(self) -> None:
        stop_process(self.proc)


def launch(
    folder: Path,
    args: Sequence[str] = (),
    *,
    port: int | None = None,
    data_dir: Path | None = None,
    certs_dir: Path | None = None,
    log: Path | None = None,
    timeout: float = START_SECONDS,
) -> Launched:
    """Start `mock-iovox serve` on 127.0.0.1 with its data and certificates under `folder` (unless
    given) and `args` after the launcher's own options (a later option wins), then wait until it is
    ready. The child gets no MOCK_IOVOX_* variable of this process: what it does is what `args` say."""
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    data = data_dir or folder / "data"
    certs = certs_dir or folder / "certs"
    log = log or folder / f"server-{port}.log"
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
        str(data),
        "--certs-dir",
        str(certs),
        "--log-level",
        "warning",
        *args,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCK_IOVOX_")}
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Launched(port, certs, data, proc, log)
    try:
        _wait_until_ready(server, timeout)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return server


def _wait_until_ready(server: Launched, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"mock-iovox exited: {server.log.read_text()}")
        if server.ca_file.exists() and _healthy(server):
            return
        time.sleep(0.1)
    raise RuntimeError(f"mock-iovox did not start: {server.log.read_text()}")


def _healthy(server: Launched) -> bool:
    try:
        with server.client(timeout=10) as http:
            return http.get(HEALTH).status_code == 200
    except (httpx.TransportError, ssl.SSLError):
        return False


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT (a graceful shutdown), then SIGKILL if it takes longer than STOP_SECONDS."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
