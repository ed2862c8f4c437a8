"""Control-plane requests as its client sends them, and the JSON answer they expect."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers.api import Api
from tests.helpers.wire import CLIENT


def admin(api: Api, verb: str, path: str, **kw: Any) -> httpx.Response:
    """A control-plane request as the client sends it (with its X-Requested-With header)."""
    kw["headers"] = {**CLIENT, **kw.get("headers", {})}
    return api.client.request(verb, f"/__mock__{path}", **kw)


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/json"
    return resp.json()
