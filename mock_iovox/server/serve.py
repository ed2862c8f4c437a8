"""Running the app under uvicorn: TLS listener, optional plain-HTTP listener, workers."""

from __future__ import annotations

import gc
import os
import socket
import sys
import threading
from typing import Any

import uvicorn

from mock_iovox.db.engine import Database, open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.server import certs
from mock_iovox.server.app import MockApp, create_app, https_required_app
from mock_iovox.server.http_guard import GuardedHttpToolsProtocol
from mock_iovox.server.lifeline import MASTER_PID_VARIABLE
from mock_iovox.server.reqlog import log_config
from mock_iovox.settings import Settings, from_environ, to_environ


def _http_listener(settings: Settings) -> threading.Thread:
    config = uvicorn.Config(
        https_required_app(),
        host=settings.host,
        port=settings.http_port,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level, settings.log_format),
        access_log=False,
        lifespan="off",
        **HARDENING,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="http-listener", daemon=True)
    thread.start()
    return thread


#: uvicorn settings every listener gets (issue 14). uvicorn's own proxy-header handling is off: it
#: trusts X-Forwarded-For from loopback by default, which let a local caller pick its address past
#: the users' IP ranges. The one implementation is ours (auth.client_ip, `--trusted-proxy`).
#: The HTTP protocol bounds the request line, the headers and the time to send them
#: (mock_iovox/server/http_guard.py).
HARDENING: dict[str, Any] = {
    "proxy_headers": False,
    "forwarded_allow_ips": "",
    "http": GuardedHttpToolsProtocol,
    "timeout_keep_alive": 5,
}


def _fork_workers() -> None:
    """Workers forked from this process, which has imported everything they run, instead of
    uvicorn's spawned interpreters that import it all again (issue 13: ~0.5 s of CPU per worker
    before its first answer). Only on Linux (macOS's system libraries are not fork-safe) and from
    a process without threads (a thread's locks would be copied held: --http-port's listener runs
    in one); uvicorn's spawn otherwise. Each worker opens its own databases (app_from_environ; this
    process's were disposed of, unused) and starts with the signal handlers of a new interpreter."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return
    import gc
    import multiprocessing.context
    import signal
    from types import SimpleNamespace

    from uvicorn import _subprocess
    from uvicorn.supervisors.multiprocess import SIGNALS

    class ForkedWorker(multiprocessing.context.ForkProcess):
        def run(self) -> None:
            # the supervisor's handlers (they queue signals for its loop) are not the worker's
            for sig in SIGNALS:
                signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
            super().run()

    gc.freeze()  # the workers' collections then leave the inherited objects' pages shared
    setattr(_subprocess, "spawn", SimpleNamespace(Process=ForkedWorker))  # noqa: B010


class ListenError(RuntimeError):
    pass


def check_port(host: str, port: int) -> None:
    """Fail early, with advice, when the port cannot be bound (before any data is touched)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except PermissionError as exc:
            raise ListenError(
                f"cannot listen on {host}:{port}: permission denied (ports below 1024 need root or "
                "CAP_NET_BIND_SERVICE); use --port 8444, for example"
            ) from exc
        except OSError as exc:
            raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def run(settings: Settings, databases: dict[str, Database] | None = None) -> None:
    """Prepare databases (unless given, prepared) and certificates, then serve until interrupted."""
    if databases is None:
        check_port(settings.host, settings.port)
        if settings.http_port:
            check_port(settings.host, settings.http_port)
        databases = open_databases(settings)
        prepare(settings, databases)
    ssl_args: dict[str, str] = {}
    if not settings.insecure:
        paths, _ = certs.ensure(settings.certs_dir, settings.cert_names)
        ssl_args = {"ssl_certfile": str(paths.server_cert), "ssl_keyfile": str(paths.server_key)}
    if settings.http_port:
        _http_listener(settings)
    common = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "log_config": log_config(settings.log_level, settings.log_format),
        "access_log": False,
        "server_header": False,
        **HARDENING,
        **ssl_args,
    }
    if settings.workers > 1:
        for db in databases.values():
            db.dispose()
        os.environ.update(to_environ(settings))
        os.environ[MASTER_PID_VARIABLE] = str(os.getpid())  # workers end with this process
        _fork_workers()
        uvicorn.run(
            "mock_iovox.server.serve:app_from_environ", factory=True, workers=settings.workers, **common
        )
    else:
        app = create_app(settings, databases)
        settle()
        uvicorn.run(app, **common)


def settle() -> None:
    """After start-up, before the first request: what exists now (modules, the catalogue, SQLAlchemy's
    mappers and compiled statements, the fixture's objects) lives as long as the process, so the
    garbage collector's full passes leave it alone (gc.freeze); a full pass over all of it cost
    tens of milliseconds in the middle of a request (issue 13: getCallData's p99). (No collection
    first: it cost ~60 ms before the first answer, for the little garbage start-up leaves.)"""
    gc.freeze()


def app_from_environ() -> MockApp:
    """Factory for uvicorn workers: settings travel in MOCK_IOVOX_* variables."""
    from mock_iovox.server.lifeline import exit_with_parent

    exit_with_parent()
    app = create_app(from_environ())
    settle()
    return app
