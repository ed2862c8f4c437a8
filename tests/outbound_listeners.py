"""Loopback listeners of a test's own, for the outbound policy's tests: one that answers, one that
never answers, one that drips a byte at a time, one whose answer never ends, one that redirects."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Listener:
    port: int
    #: the first bytes of every request it received
    seen: list[bytes] = field(default_factory=list)
    connections: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


Behaviour = Callable[[socket.socket], None]


@contextmanager
def listening(behaviour: Behaviour) -> Iterator[Listener]:
    server = socket.create_server(("127.0.0.1", 0))
    listener = Listener(server.getsockname()[1])
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                listener.seen.append(conn.recv(65536))
                behaviour(conn)
            except OSError:
                pass

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            listener.connections += 1
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join(5)
        server.close()


def answering(status: int = 204, extra: str = "") -> Behaviour:
    def behave(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n{extra}\r\n".encode())

    return behave


def silent(conn: socket.socket) -> None:
    """Reads the request, never answers (until the client gives up)."""
    while conn.recv(1024):
        pass


def dripping(conn: socket.socket) -> None:
    """One byte of a never-finished answer every 0.5 s (each read is short; the whole is not)."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
        conn.sendall(bytes([byte]))
        time.sleep(0.5)


def endless(conn: socket.socket) -> None:
    """An answer head that never ends: header lines as fast as the client reads them."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Filler: " + b"f" * 1000 + b"\r\n"
    for _ in range(1_000_000):
        conn.sendall(line)


def redirecting(location: str) -> Behaviour:
    return answering(302, f"Location: {location}\r\n")
