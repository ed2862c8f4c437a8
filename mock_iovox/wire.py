"""A vendor request and its answer as plain values, below every layer that handles them (the
endpoint, the dispatcher, the control plane's hooks), and the vendor's error answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mock_iovox import errors, xmlio
from mock_iovox.errors import VendorError


@dataclass(frozen=True, slots=True)
class Incoming:
    verb: str
    path: str
    query: Sequence[tuple[str, str]]
    headers: Mapping[str, str]  # case-insensitive (Starlette Headers)
    host: str
    peer: str | None
    body: bytes
    #: the query string as sent (the journal keeps it); None: `query` is all there is
    raw_query: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    status: int
    body: bytes = b""
    content_type: str | None = None


def error_response(errs: Sequence[VendorError]) -> Outgoing:
    return Outgoing(errs[0].status, xmlio.render_errors(errs), xmlio.XML_CONTENT_TYPE)


def internal_error() -> Outgoing:
    return error_response([VendorError(500, errors.INTERNAL)])


class Deliberate(Exception):
    """An exception raised on purpose to end a connection (a `drop` fault): logged as its request's
    line only, never as a traceback (by the app, or by uvicorn: server/reqlog.py `QuietDeliberate`)."""
