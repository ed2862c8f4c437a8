"""Running the real `mock-iovox serve` in a subprocess for end-to-end tests (uvicorn, TLS, SQLite):
a thin layer over mock_iovox/launcher.py, the launcher the pytest plugin uses too."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from mock_iovox.launcher import Launched, free_port, launch, stop_process

__all__ = ["Server", "free_port", "start", "stop"]


@dataclass
class Server(Launched):
    """The launcher's server (its `client()` trusts the server's CA), with the plain-HTTP port it was
    given and TLS contexts pinned to chosen versions."""

    http_port: int = 0

    def context(self, **versions: ssl.TLSVersion) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.certs / "ca.crt"))
        for attr, value in versions.items():
            setattr(ctx, attr, value)
        return ctx


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
    return Server(up.port, up.certs, up.data, up.proc, up.log, http_port=http_port)


def stop(server: Server) -> None:
    stop_process(server.proc)
