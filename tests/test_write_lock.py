"""db.engine.WriteLock: writers queue on it, threads and processes alike, before SQLite's lock."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from mock_iovox.db.engine import WriteLock


def _hold(lock: WriteLock, held: object, release: object) -> None:
    with lock:  # the parent's object, inherited by the fork
        held.set()  # type: ignore[attr-defined]
        release.wait()  # type: ignore[attr-defined]


def test_another_process_holding_it_keeps_this_one_out(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite3-writers")
    lock = WriteLock(path)
    assert lock.acquire(blocking=False)  # the parent opens its file before the fork
    lock.release()
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    child = context.Process(target=_hold, args=(lock, held, release))
    child.start()
    released = False
    got_it_after_release: list[bool] = []

    def blocking_writer() -> None:
        with lock:  # a blocking acquire waits for the other process
            got_it_after_release.append(released)

    try:
        held.wait()  # untimed waits only: the test holds under faketime too
        assert not lock.acquire(blocking=False)  # its own file description, not the parent's
        writer = threading.Thread(target=blocking_writer)
        writer.start()
        released = True
        release.set()
        writer.join()
        assert got_it_after_release == [True]
    finally:
        release.set()
        child.join()


def test_threads_queue_and_the_owner_may_enter_again(tmp_path: Path) -> None:
    lock = WriteLock(str(tmp_path / "db.sqlite3-writers"))
    with lock, lock:  # reentrant
        outcome: list[bool] = []
        other = threading.Thread(target=lambda: outcome.append(lock.acquire(blocking=False)))
        other.start()
        other.join()
        assert outcome == [False]
    assert lock.acquire(blocking=False)
    lock.release()


def test_without_a_file_only_threads_queue() -> None:
    lock = WriteLock(None)  # PostgreSQL: its writers queue on an advisory lock as well
    with lock:
        assert lock.acquire(blocking=False)  # the same thread
        lock.release()
