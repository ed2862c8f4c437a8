"""Request logs: one line per vendor request, as text or JSON, and the logging set-up shared with uvicorn.

The dispatcher fills one plain dict per request (`Note`): environment, username, client IP,
`Interface.method`, status, the vendor error strings and, for a 401, the reason that the wire never
reveals. The HTTP layer adds the duration and emits it on the `mock_iovox.requests` logger: INFO for
successes, WARNING for refused requests and for requests a fault rule fired on (its id, action and
message), ERROR with the traceback for faults (500). A `drop` fault is that one line: the exception
that closes its connection (`Deliberate`) is never logged with a traceback.

Control-plane requests (/__mock__) get a line of their own on `mock_iovox.control`: method, path,
status, milliseconds; INFO for the ones that change something, DEBUG for reads (the dashboard's
pages, Docker's health checks every few seconds).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from mock_iovox.wire import Deliberate

REQUESTS = logging.getLogger("mock_iovox.requests")
CONTROL = logging.getLogger("mock_iovox.control")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

#: A request's facts, filled as they become known: env, user, ip, host, method, status, errors, reason, ms.
Note = dict[str, Any]

_TEXT_ORDER = ("env", "user", "ip", "method", "status")
#: added at --log-level debug
_DEBUG_KEYS = ("query", "bytes")


def method_label(path: str, query: Any) -> str:
    """`Interface.method` as the request named them (known even when routing refuses them)."""
    segments = [s for s in path.split("/") if s]
    method = ""
    for key, value in query:
        if key == "method":
            method = value
            break
    return f"{segments[-1] if segments else ''}.{method}"


def level_for(status: int) -> int:
    if status >= 500 and status != 501:
        return logging.ERROR
    return logging.WARNING if status >= 400 else logging.INFO


class QuietDeliberate(logging.Filter):
    """On uvicorn's error logger: drops its "Exception in ASGI application" for a `Deliberate`."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, Deliberate)


def emit(note: Note, exc_info: BaseException | None = None) -> None:
    """Log one request; the dict is the record's `request` attribute (formatters read it)."""
    level = level_for(int(note.get("status", 500)))
    if note.get("fault_id") is not None:
        level = max(level, logging.WARNING)  # shown at --log-level warning, as faults are
    if REQUESTS.isEnabledFor(level):
        sink = _sink(level) if exc_info is None else None
        if sink is not None:  # the line alone, as the record would have given it (issue 24)
            sink.add(sink.request_line(level, note))
            return
        # made and handled directly: Logger.log would look for its caller in the stack (findCaller,
        # the dearest part of a line, issue 24), and the caller here is always this function
        exc = (type(exc_info), exc_info, exc_info.__traceback__) if exc_info is not None else None
        record = REQUESTS.makeRecord(
            REQUESTS.name, level, __file__, 0, "request", (), exc, "emit", {"request": note}
        )
        REQUESTS.handle(record)


def _sink(level: int) -> TurnBufferedHandler | None:
    """`serve`'s own handler when a request line goes to it alone (log_config: no other handler,
    no filter, one of our formatters), so the line needs no LogRecord; else None."""
    if REQUESTS.handlers or REQUESTS.filters or not REQUESTS.propagate:
        return None
    parent = REQUESTS.parent
    if parent is None or parent.propagate or parent.filters or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if type(handler) is not TurnBufferedHandler or handler.filters or level < handler.level:
        return None
    return handler if type(handler.formatter) in (TextFormatter, JsonFormatter) else None


def emit_control(verb: str, path: str, status: int, ms: float) -> None:
    """One control-plane request: INFO when it may change something, DEBUG for a read."""
    level = logging.DEBUG if verb in ("GET", "HEAD") else logging.INFO
    if CONTROL.isEnabledFor(level):
        fields = {"verb": verb, "path": path, "status": status, "ms": ms}
        CONTROL.log(level, f"{verb} {path} {status} {ms:.1f}ms", extra={"control": fields})


_SECOND: list[Any] = [None, ""]  # the last whole second stamped, and its text up to the "."


def _stamp(record: logging.LogRecord) -> str:
    return _stamp_at(record.created)


def _stamp_at(created: float) -> str:
    """`_moment(created)`, the date and time text made once a second (many lines share it)."""
    whole = int(created)
    micro = round((created - whole) * 1_000_000)  # as datetime.fromtimestamp rounds it
    if micro >= 1_000_000 or created < 0:
        return _moment(created)
    if _SECOND[0] != whole:
        _SECOND[:] = [whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S.")]
    return f"{_SECOND[1]}{micro // 1000:03d}Z"


def _moment(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def json_line(level: str, message: str, **fields: Any) -> str:
    """A line printed outside logging (the start banner, start-up warnings) in --log-format json:
    the same shape as a log record's."""
    out = {"time": _moment(time.time()), "level": level, "logger": "mock_iovox", "message": message}
    return json.dumps({**out, **fields}, ensure_ascii=False, default=str)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`<time> <LEVEL> <env> <user> <ip> <Interface.method> <status> <ms>ms errors=… reason=…`."""

    def format(self, record: logging.LogRecord) -> str:
        note: Note | None = getattr(record, "request", None)
        if note is None:
            line = f"{_stamp(record)} {record.levelname} {record.getMessage()}"
        else:
            line = self.line(record.created, record.levelname, note)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line

    @staticmethod
    def line(created: float, levelname: str, note: Note) -> str:
        """A request's line (without a traceback)."""
        get = note.get
        parts = [
            f"{_stamp_at(created)} {levelname} {get('env') or '-'} {get('user') or '-'} {get('ip') or '-'} "
            f"{get('method') or '-'} {get('status') or '-'} {get('ms', 0):.1f}ms"
        ]
        if get("host"):
            parts.append(f"host={note['host']}")
        if get("fault_id") is not None:
            parts.append(f"fault={note['fault_id']}:{get('fault_action', '')}")
        if get("errors"):
            parts.append("errors=" + _quote(" | ".join(note["errors"])))
        if get("reason"):
            parts.append("reason=" + _quote(note["reason"]))
        parts.extend(f"{k}={_quote(str(note[k]))}" for k in _DEBUG_KEYS if k in note)
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, and the request's fields (or `message`)."""

    def format(self, record: logging.LogRecord) -> str:
        note: Note | None = getattr(record, "request", None)
        if note is not None and not record.exc_info:
            return self.line(record.created, record.levelname, note)
        out: dict[str, Any] = {"time": _stamp(record), "level": record.levelname.lower()}
        if note is None:
            out["logger"] = record.name
            out["message"] = record.getMessage()
            out.update(getattr(record, "control", None) or {})
        else:
            out.update(note)
        if record.exc_info and record.exc_info[1] is not None:
            out["traceback"] = "".join(traceback.format_exception(record.exc_info[1]))
        return json.dumps(out, ensure_ascii=False, default=str)

    @staticmethod
    def line(created: float, levelname: str, note: Note) -> str:
        """A request's line (without a traceback)."""
        return json.dumps(
            {"time": _stamp_at(created), "level": levelname.lower(), **note}, ensure_ascii=False, default=str
        )


class TurnBufferedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler whose lines made on a running event loop are written together, WAIT seconds
    after the first of them (one write and flush for all the requests answered meanwhile), instead
    of a write and a flush each (issue 24: the request log at info cost a quarter of getNodes).

    Lines are written in the order they were made; a line made off the loop (a handler thread, the
    start-up) while none waits is written at once. `flush` (logging.shutdown, a stopping server)
    writes what is left; a process killed with SIGKILL loses at most its last WAIT seconds of lines."""

    #: lines kept before they are written anyway (a turn answering very many requests)
    LIMIT = 256
    #: seconds the first line waits for others (a write of one line per request, one at a time,
    #: cost ~8 us of the loop's ~160 in process: bench/asgi_bench.py); no person sees 2 ms
    WAIT = 0.002

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:  # called under self.lock (Handler.handle)
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._add(line)

    def request_line(self, level: int, note: Note) -> str:
        """A request's line as `format` would make it of its record (reqlog.emit: no record)."""
        formatter: Any = self.formatter
        return str(formatter.line(time.time(), logging.getLevelName(level), note))

    def add(self, line: str) -> None:
        """A line made without a record (`request_line`)."""
        self.acquire()
        try:
            self._add(line)
        finally:
            self.release()

    def _add(self, line: str) -> None:
        try:
            loop = asyncio.get_running_loop() if not self._lines else None
        except RuntimeError:  # not on an event loop: written now
            self._lines.append(line)
            self._write()
            return
        self._lines.append(line)
        if loop is not None:
            loop.call_later(self.WAIT, self.flush)
        elif len(self._lines) >= self.LIMIT:
            self._write()

    def _write(self) -> None:
        lines, self._lines = self._lines, []
        if lines:
            self.stream.write(self.terminator.join(lines) + self.terminator)
            self.stream.flush()

    def flush(self) -> None:
        self.acquire()
        try:
            if self.stream is not None and hasattr(self.stream, "flush"):
                self._write()
        finally:
            self.release()


def log_config(level: str, fmt: str) -> dict[str, Any]:
    """A logging.dictConfig for uvicorn (it applies it in every worker) and mock-iovox's loggers."""
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "filters": {"deliberate": {"()": f"{QuietDeliberate.__module__}.{QuietDeliberate.__qualname__}"}},
        "handlers": {
            "default": {
                "()": f"{TurnBufferedHandler.__module__}.{TurnBufferedHandler.__qualname__}",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper, "filters": ["deliberate"]},
            # replaced by the request lines above, which say more
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "mock_iovox": {"handlers": ["default"], "level": upper, "propagate": False},
        },
    }


__all__ = [
    "CONTROL",
    "LOG_FORMATS",
    "LOG_LEVELS",
    "REQUESTS",
    "Note",
    "emit",
    "emit_control",
    "json_line",
    "log_config",
    "method_label",
]
