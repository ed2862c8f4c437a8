"""bench.py's second baseline: one bare Starlette route answering each method with the mock's
captured bytes (routing, Request and Response objects, nothing else)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_BODIES: dict[str, tuple[int, str, bytes]] = {
    method: (status, ctype, body.encode())
    for method, (status, ctype, body) in json.loads(Path(os.environ["BENCH_BODIES"]).read_text()).items()
}


async def endpoint(request: Request) -> Response:
    await request.body()
    status, ctype, body = _BODIES.get(request.query_params.get("method", ""), (404, "", b""))
    return Response(body if status != 204 else b"", status_code=status, media_type=ctype or None)


app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST", "PUT", "DELETE"])])
