"""The baseline of bench/calls_bench.py: a bare ASGI app answering each known query string with
bytes captured from the real app, so only the mock's own work differs between the two."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

_BODIES: dict[str, tuple[str, bytes]] = {
    query: (content_type, body.encode("latin-1"))
    for query, (content_type, body) in json.loads(Path(os.environ["BARE_BODIES"]).read_text()).items()
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    content_type, body = _BODIES.get(scope["query_string"].decode(), ("text/plain", b"unknown query"))
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
