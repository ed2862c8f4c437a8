"""The handler threads: blocking work (transactions, handlers) off the event loop.

A plain queue and N daemon threads, each answer handed back with `call_soon_threadsafe`: a hop costs
~40 us here where anyio's `to_thread.run_sync` (capacity limiter, context copy, cancellation
checks) cost ~60 (bench/asgi_bench.py; issue 13). Handlers are CPU-bound Python: more threads than a
few only fight over the GIL (bench/calls_bench.py: 1 thread gave twice the throughput of 40).

`Batches` gathers the items that queue while one of its jobs runs into the next job (writes that
share a transaction: Dispatcher.run_batch)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
#: (loop, future, fn, args); loop and future are None for a job nobody awaits (`post`)
_Job = tuple[
    asyncio.AbstractEventLoop | None, "asyncio.Future[Any] | None", Callable[..., Any], tuple[Any, ...]
]
log = logging.getLogger("mock_iovox")


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
            if loop is None or future is None:
                try:
                    fn(*args)
                except BaseException:  # a posted job handles its own failures: this is a bug
                    log.exception("a handler-thread job failed")
                continue
            try:
                value, failed = fn(*args), False
            except BaseException as exc:  # handed to the awaiting request, as to_thread would
                value, failed = exc, True
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle, future, value, failed)

    def _start(self) -> None:
        if not self._started:
            with self._lock:
                if not self._started:
                    for thread in self._threads:
                        thread.start()
                    self._started = True

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """`fn(*args)` in a handler thread, after the jobs queued before it; nobody awaits it."""
        self._start()
        self._jobs.put((None, None, fn, args))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a handler thread; its value (or exception) here."""
        self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, fn, args))
        return await future

    def close(self) -> None:
        """Let the threads end once the queued jobs are done."""
        if self._started:
            for _ in self._threads:
                self._jobs.put(None)


def _settle_all(settled: list[tuple[asyncio.Future[Any], Any, bool]]) -> None:
    for future, value, failed in settled:
        _settle(future, value, failed)


class Batches(Generic[T, R]):
    """Items that queue while a batch runs go together into the next one: `run_batch(items)`, one
    handler-thread job, gives their results in order (Dispatcher.run_batch: writes that share a
    transaction, issue 13). An item that finds no batch running starts one at once, so a lone
    request waits for nothing; under load a batch holds what arrived while the previous one ran.
    A next batch queues behind the jobs posted meanwhile (reads are not starved by writes)."""

    def __init__(
        self, threads: HandlerThreads, run_batch: Callable[[list[T]], list[R]], limit: int = 32
    ) -> None:
        self._threads = threads
        self._run_batch = run_batch
        self._limit = limit
        self._lock = threading.Lock()
        self._pending: list[tuple[T, asyncio.AbstractEventLoop, asyncio.Future[R]]] = []
        self._running = False

    async def run(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        with self._lock:
            self._pending.append((item, loop, future))
            start = not self._running
            self._running = True
        if start:
            self._threads.post(self._next)
        return await future

    def _next(self) -> None:
        with self._lock:
            batch = self._pending[: self._limit]
            del self._pending[: self._limit]
        try:
            results: list[Any] = list(self._run_batch([item for item, _, _ in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} gave {len(results)} results")
            failed = False
        except BaseException as exc:  # every request of the batch gets it, as `run` would give it
            results, failed = [exc] * len(batch), True
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, bool]]] = {}
        for (_, loop, future), result in zip(batch, results, strict=True):
            by_loop.setdefault(loop, []).append((future, result, failed))
        for loop, settled in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle_all, settled)
        with self._lock:
            if self._pending:
                self._threads.post(self._next)
            else:
                self._running = False
