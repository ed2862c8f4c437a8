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
        REQUESTS.log(level, "request", extra={"request": note}, exc_info=exc_info)


def emit_control(verb: str, path: str, status: int, ms: float) -> None:
    """One control-plane request: INFO when it may change something, DEBUG for a read."""
    level = logging.DEBUG if verb in ("GET", "HEAD") else logging.INFO
    if CONTROL.isEnabledFor(level):
        fields = {"verb": verb, "path": path, "status": status, "ms": ms}
        CONTROL.log(level, f"{verb} {path} {status} {ms:.1f}ms", extra={"control": fields})


def _stamp(record: logging.LogRecord) -> str:
    return _moment(record.created)


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
        head = f"{_stamp(record)} {record.levelname}"
        if note is None:
            line = f"{head} {record.getMessage()}"
        else:
            parts = [head, *(str(note.get(k) or "-") for k in _TEXT_ORDER), f"{note.get('ms', 0):.1f}ms"]
            if note.get("host"):
                parts.append(f"host={note['host']}")
            if note.get("fault_id") is not None:
                parts.append(f"fault={note['fault_id']}:{note.get('fault_action', '')}")
            if note.get("errors"):
                parts.append("errors=" + _quote(" | ".join(note["errors"])))
            if note.get("reason"):
                parts.append("reason=" + _quote(note["reason"]))
            parts.extend(f"{k}={_quote(str(note[k]))}" for k in _DEBUG_KEYS if k in note)
            line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, and the request's fields (or `message`)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"time": _stamp(record), "level": record.levelname.lower()}
        note: Note | None = getattr(record, "request", None)
        if note is None:
            out["logger"] = record.name
            out["message"] = record.getMessage()
            out.update(getattr(record, "control", None) or {})
        else:
            out.update(note)
        if record.exc_info and record.exc_info[1] is not None:
            out["traceback"] = "".join(traceback.format_exception(record.exc_info[1]))
        return json.dumps(out, ensure_ascii=False, default=str)


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
                "class": "logging.StreamHandler",
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
