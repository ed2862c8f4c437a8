"""mock_iovox/server/threads.py: the handler threads behind the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from mock_iovox.server.threads import HandlerThreads


def test_work_runs_off_the_loop_and_hands_back_its_value() -> None:
    threads = HandlerThreads(1)

    async def main() -> tuple[str, str]:
        name = await threads.run(lambda: threading.current_thread().name)
        return name, threading.current_thread().name

    worker, loop_thread = asyncio.run(main())
    assert worker.startswith("mock-iovox-handler") and worker != loop_thread
    threads.close()


def test_an_exception_reaches_the_awaiting_request() -> None:
    threads = HandlerThreads(1)

    def boom() -> None:
        raise ValueError("boom")

    async def main() -> None:
        await threads.run(boom)

    with pytest.raises(ValueError, match="boom"):
        asyncio.run(main())
    threads.close()


def test_a_cancelled_request_leaves_the_threads_working() -> None:
    threads = HandlerThreads(1)

    async def main() -> int:
        slow = asyncio.ensure_future(threads.run(time.sleep, 0.05))
        await asyncio.sleep(0.01)
        slow.cancel()  # its answer arrives later, to a future already done
        return await threads.run(lambda: 42)

    assert asyncio.run(main()) == 42
    threads.close()


def test_every_job_runs_when_several_threads_share_them() -> None:
    threads = HandlerThreads(2)
    seen: list[int] = []

    async def main() -> None:
        await asyncio.gather(*(threads.run(seen.append, n) for n in range(50)))

    asyncio.run(main())
    assert sorted(seen) == list(range(50))
    threads.close()
