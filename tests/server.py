"""Running the real `mock-iovox serve` in a subprocess for end-to-end tests (uvicorn, TLS, SQLite):
a thin layer over mock_iovox/launcher.py, the launcher the pytest plugin uses too."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from mock_iovox.launcher import free_port, launch, stop_process

__all__ = ["Server", "free_port", "start", "stop"]


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
    http_port = http_port or free_port()
    plain = ("--http-port", str(http_port)) if plain_http else ()
    up = launch(tmp, (*plain, *extra), port=port, data_dir=data_dir, timeout=30)
    return Server(up.port, http_port, up.certs, up.data, up.proc, up.log)


def stop(server: Server) -> None:
    stop_process(server.proc)
