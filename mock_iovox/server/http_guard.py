"""The HTTP/1.1 protocol the server runs: uvicorn's httptools protocol with bounds (issue 14 item 9).

uvicorn puts no limit on the request line, on the number or size of headers, or on the time a
client takes to send them: a 32 MB header, 100,000 headers and idle or slow-header connections were
all accepted. Here:

- request target longer than MAX_TARGET bytes → 414, headers past MAX_HEADERS or MAX_HEADER_BYTES →
  431, anything httptools cannot parse → 400; each in the vendor's `<errors>` shape, then the
  connection is closed (these requests never reach the application);
- the headers of a request must be complete within HEADER_TIMEOUT seconds of the connection being
  made or of the previous response (which covers idle connections too; uvicorn's keep-alive timer
  only ran after a response and stopped at the first byte). The TLS handshake has asyncio's own
  60-second limit.
"""

from __future__ import annotations

import asyncio
from asyncio import TimerHandle
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_iovox import errors, xmlio
from mock_iovox.errors import VendorError

MAX_TARGET = 64 * 1024
MAX_HEADERS = 100
MAX_HEADER_BYTES = 64 * 1024
HEADER_TIMEOUT = 10.0

_REASONS = {
    400: b"Bad Request",
    408: b"Request Timeout",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
}


class _Refused(Exception):
    """Raised inside a parser callback: httptools turns it into a parse error."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._refusal: VendorError | None = None
        self._header_bytes = 0
        self._header_timer: TimerHandle | None = None

    # --- the headers deadline ---------------------------------------------------------------

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._header_timeout)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._arm_header_timer()

    # --- bounds on the request line and headers ---------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        if self._header_timer is None:  # a pipelined request: its own deadline
            self._arm_header_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_TARGET:
            self._refuse(VendorError(414, errors.URI_TOO_LONG.format(max=MAX_TARGET)))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if len(self.headers) >= MAX_HEADERS or self._header_bytes > MAX_HEADER_BYTES:
            self._refuse(
                VendorError(431, errors.HEADERS_TOO_LARGE.format(count=MAX_HEADERS, size=MAX_HEADER_BYTES))
            )
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def _refuse(self, error: VendorError) -> None:
        self._refusal = error
        raise _Refused(error.message)

    def send_400_response(self, msg: str) -> None:
        """Every request httptools refused (or we did) in the vendor's shape, then close."""
        error = self._refusal or VendorError(400, errors.MALFORMED_REQUEST)
        body = xmlio.render_errors([error])
        head = [b"HTTP/1.1 %d %s\r\n" % (error.status, _REASONS.get(error.status, b"Error"))]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head.append(b"content-type: " + xmlio.XML_CONTENT_TYPE.encode() + b"\r\n")
        head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self.transport.close()
