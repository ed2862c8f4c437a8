"""The request log as `serve` sets it up (issue 24): a line made without a LogRecord is the same text
as the record's, and lines made on the event loop are written together, in order, soon after."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from mock_iovox.server import reqlog
from mock_iovox.server.reqlog import JsonFormatter, TextFormatter, TurnBufferedHandler

NOTE: dict[str, Any] = {
    "env": "production",
    "user": "Ann",
    "ip": "10.0.0.7",
    "host": "api.iovox.com",
    "method": "Links.getLinks",
    "status": 401,
    "ms": 2.345,
    "errors": ["HTTP 401: Unauthorized"],
    "reason": "no user 'Ann'",
}
MOMENT = 1_800_000_000.25


@pytest.fixture
def sink(request: pytest.FixtureRequest) -> Iterator[tuple[TurnBufferedHandler, io.StringIO]]:
    """`mock_iovox`'s logger as log_config leaves it (one TurnBufferedHandler on a stream, at DEBUG),
    put back as it was afterwards."""
    fmt = getattr(request, "param", "text")
    logger = logging.getLogger("mock_iovox")
    saved = (logger.handlers[:], logger.level, logger.propagate, reqlog.REQUESTS.level)
    stream = io.StringIO()
    handler = TurnBufferedHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    reqlog.REQUESTS.setLevel(logging.NOTSET)
    yield handler, stream
    logger.handlers[:], level, logger.propagate, requests_level = saved
    logger.setLevel(level)
    reqlog.REQUESTS.setLevel(requests_level)


def only(handler: TurnBufferedHandler) -> None:
    """The handler alone on `mock_iovox` (pytest adds its capture to it for the test's call)."""
    logging.getLogger("mock_iovox").handlers[:] = [handler]


class Clock:
    @staticmethod
    def time() -> float:
        return MOMENT


@pytest.mark.parametrize("sink", ["text", "json"], indirect=True)
def test_a_line_without_a_record_is_the_records_text(
    sink: tuple[TurnBufferedHandler, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, stream = sink
    only(handler)
    monkeypatch.setattr(reqlog, "time", Clock)
    reqlog.emit(dict(NOTE))  # off any event loop: written at once
    record = logging.LogRecord("mock_iovox.requests", logging.WARNING, __file__, 1, "request", (), None)
    record.created = MOMENT
    record.request = dict(NOTE)
    assert handler.formatter is not None
    assert stream.getvalue() == handler.formatter.format(record) + "\n"
    if isinstance(handler.formatter, TextFormatter):
        assert stream.getvalue() == (
            "2027-01-15T08:00:00.250Z WARNING production Ann 10.0.0.7 Links.getLinks 401 2.3ms "
            'host=api.iovox.com errors="HTTP 401: Unauthorized" reason="no user \'Ann\'"\n'
        )


def test_another_handler_gets_a_record_and_a_fault_its_traceback(
    sink: tuple[TurnBufferedHandler, io.StringIO],
) -> None:
    """Anything beside serve's own handler (a test's capture, a user's handler) sees records, and
    a 500's traceback takes the record's way too."""
    handler, stream = sink
    only(handler)
    seen: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.emit = seen.append  # type: ignore[method-assign, assignment]
    reqlog.REQUESTS.addHandler(capture)
    try:
        reqlog.emit({**NOTE, "status": 200})
    finally:
        reqlog.REQUESTS.removeHandler(capture)
    assert [r.request["status"] for r in seen] == [200]  # type: ignore[attr-defined]
    try:
        raise ZeroDivisionError("deliberate")
    except ZeroDivisionError as exc:
        reqlog.emit({**NOTE, "status": 500}, exc)
    lines = stream.getvalue().splitlines()
    assert " INFO production Ann " in lines[0] and " ERROR production Ann " in lines[1]
    assert "ZeroDivisionError: deliberate" in stream.getvalue()


def test_lines_made_on_the_loop_are_written_together_in_order(
    sink: tuple[TurnBufferedHandler, io.StringIO],
) -> None:
    handler, stream = sink
    only(handler)
    writes: list[str] = []
    real_write = stream.write

    def write(text: str) -> int:
        writes.append(text)
        return real_write(text)

    stream.write = write  # type: ignore[method-assign]

    async def turns() -> tuple[str, str]:
        for n in range(5):
            reqlog.emit({**NOTE, "status": 200, "user": f"u{n}"})
        waiting = stream.getvalue()
        await asyncio.sleep(handler.WAIT * 10)
        return waiting, stream.getvalue()

    waiting, written = asyncio.run(turns())
    assert waiting == ""  # nothing written on the request's path
    assert [line.split()[3] for line in written.splitlines()] == ["u0", "u1", "u2", "u3", "u4"]
    assert len(writes) == 1


def test_a_line_off_the_loop_keeps_the_order_and_flush_writes_what_waits(
    sink: tuple[TurnBufferedHandler, io.StringIO],
) -> None:
    handler, stream = sink
    only(handler)

    async def mixed() -> str:
        reqlog.emit({**NOTE, "status": 200, "user": "loop"})
        thread = threading.Thread(target=reqlog.emit, args=({**NOTE, "status": 200, "user": "thread"},))
        thread.start()
        thread.join()
        before_flush = stream.getvalue()
        handler.flush()  # as logging.shutdown does when the server stops
        return before_flush

    assert asyncio.run(mixed()) == ""  # the thread's line waits behind the loop's
    assert [line.split()[3] for line in stream.getvalue().splitlines()] == ["loop", "thread"]
    reqlog.emit({**NOTE, "status": 200, "user": "alone"})  # nothing waits: at once
    assert stream.getvalue().splitlines()[-1].split()[3] == "alone"
