"""bench.py's baseline: a raw ASGI app answering each method with the mock's captured bytes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

_BODIES: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
for _method, (_status, _ctype, _body) in json.loads(Path(os.environ["BENCH_BODIES"]).read_text()).items():
    _data = _body.encode()
    _headers = [(b"content-length", str(len(_data)).encode())]
    if _ctype:
        _headers.insert(0, (b"content-type", _ctype.encode()))
    _BODIES[_method] = (_status, _headers, _data)
_UNKNOWN = (404, [(b"content-length", b"0")], b"")
_METHOD = re.compile(rb"method=(\w+)")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # the body is read, as the mock reads it
        message = await receive()
        more = message.get("more_body", False)
    match = _METHOD.search(scope["query_string"])
    status, headers, body = _BODIES.get(match[1].decode(), _UNKNOWN) if match else _UNKNOWN
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
