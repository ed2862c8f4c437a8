"""The in-process client shaped like the PHP client (or one over a real server), and the databases
made with the mock's clock frozen before the fixture loads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from starlette.testclient import TestClient

from mock_iovox import clock
from mock_iovox.db.engine import open_databases
from mock_iovox.fakes.fixtures import prepare
from mock_iovox.server.app import create_app
from mock_iovox.settings import Settings
from tests.helpers.wire import PHP_HEADERS, PINNED, php_query
from tests.server import Server


def prepare_pinned(settings: Settings, at: datetime = PINNED) -> Settings:
    """Create the databases with the clock frozen at `at`, then load the fixture."""
    dbs = open_databases(settings)
    for db in dbs.values():
        db.create_schema()
        with db.writing() as session:
            clock.freeze(session, at)
    prepare(settings, dbs)
    for db in dbs.values():
        db.dispose()
    return settings


class Api:
    """A client shaped like the PHP client by default; `ip` sets the caller's address."""

    def __init__(
        self,
        settings: Settings,
        ip: str = "127.0.0.1",
        host: str = "sandboxapi.iovox.com",
        remote: Server | None = None,
    ) -> None:
        self.settings = settings
        self.dbs = open_databases(settings)
        self.client: httpx.Client
        if remote is None:
            self.client = TestClient(
                create_app(settings, self.dbs), base_url=f"https://{host}:444", client=(ip, 50000)
            )
        else:
            # the real server over TLS, reading and writing the same SQLite files as self.dbs
            self.client = remote.client()

    def request(self, verb: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**PHP_HEADERS, **kwargs.pop("headers", {})}
        return self.client.request(verb, url, headers=headers, **kwargs)

    def call(
        self, verb: str, interface: str, method: str, params: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        json_out = kwargs.pop("output_json", False)
        return self.request(verb, f"/{interface}?{php_query(method, params, json_out)}", **kwargs)

    def get(
        self, interface: str, method: str, params: dict[str, Any] | None = None, **kw: Any
    ) -> httpx.Response:
        return self.call("GET", interface, method, params, **kw)

    def post(self, interface: str, method: str, xml: str, **kw: Any) -> httpx.Response:
        return self.call("POST", interface, method, content=xml.encode(), **kw)

    def put(self, interface: str, method: str, xml: str, **kw: Any) -> httpx.Response:
        return self.call("PUT", interface, method, content=xml.encode(), **kw)

    def delete(self, interface: str, method: str, params: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.call("DELETE", interface, method, params, **kw)

    def close(self) -> None:
        self.client.close()
        for db in self.dbs.values():
            db.dispose()
