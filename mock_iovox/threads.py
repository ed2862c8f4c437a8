"""The handler threads: blocking work (transactions, handlers) off the event loop.

A plain queue and N daemon threads, each answer handed back with `call_soon_threadsafe`: a hop costs
~40 us here where anyio's `to_thread.run_sync` (capacity limiter, context copy, cancellation
checks) cost ~60 (bench/asgi_bench.py; issue 13). Handlers are CPU-bound Python: more threads than a
few only fight over the GIL (bench/calls_bench.py: 1 thread gave twice the throughput of 40)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


def _settle(future: asyncio.Future[Any], value: Any, failed: bool) -> None:
    if future.done():  # the request was cancelled meanwhile
        return
    if failed:
        future.set_exception(value)
    else:
        future.set_result(value)


class HandlerThreads:
    def __init__(self, count: int, name: str = "mock-iovox-handler") -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"{name}-{n}", daemon=True)
            for n in range(max(1, count))
        ]
        self._started = False
        self._lock = threading.Lock()

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            loop, future, fn, args = job
            try:
                value, failed = fn(*args), False
            except BaseException as exc:  # handed to the awaiting request, as to_thread would
                value, failed = exc, True
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle, future, value, failed)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a handler thread; its value (or exception) here."""
        if not self._started:
            with self._lock:
                if not self._started:
                    for thread in self._threads:
                        thread.start()
                    self._started = True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, fn, args))
        return await future

    def close(self) -> None:
        """Let the threads end once the queued jobs are done."""
        if self._started:
            for _ in self._threads:
                self._jobs.put(None)
