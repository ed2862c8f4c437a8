"""A small client of the /__mock__ control plane (the CLI's `mock-iovox admin` and the pytest plugin
use it). Give it a base URL and CA file for a running server, or any httpx client (e.g. Starlette's
TestClient for the in-process mode)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a client is made: the server imports this module for HEADER
    import httpx

#: the header carrying the admin key (mock_iovox/admin/api.py)
HEADER = "x-mock-admin-key"
#: sent with every request: a header a web page cannot add cross-site without a preflight, so the
#: server knows a POST comes from a client like this one (mock_iovox/admin/guard.py)
REQUEST_HEADER = "x-requested-with"
REQUEST_HEADER_VALUE = "mock-iovox"


class ControlError(RuntimeError):
    """The control plane refused: `status`, and the `field` it named (if any)."""

    def __init__(self, status: int, message: str, field: str | None) -> None:
        super().__init__(f"{status}: {message}" + (f" (field: {field})" if field else ""))
        self.status = status
        self.field = field


class Control:
    def __init__(
        self,
        base_url: str = "",
        *,
        ca_file: Path | str | None = None,
        admin_key: str = "",
        env: str = "sandbox",
        client: httpx.Client | None = None,
        timeout: float = 30,
    ) -> None:
        self.env = env
        self._own = client is None
        headers = {REQUEST_HEADER: REQUEST_HEADER_VALUE, **({HEADER: admin_key} if admin_key else {})}
        if client is None:
            import httpx

            verify: Any = ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
            client = httpx.Client(base_url=base_url, verify=verify, timeout=timeout)
        self.http = client
        self.headers = headers

    def close(self) -> None:
        if self._own:
            self.http.close()

    def for_env(self, env: str) -> Control:
        other = Control(client=self.http, env=env)
        other.headers = self.headers
        return other

    def request(self, verb: str, path: str, json: Any = None, **params: Any) -> Any:
        query = {"env": self.env, **{k: v for k, v in params.items() if v is not None}}
        resp = self.http.request(verb, f"/__mock__{path}", params=query, json=json, headers=self.headers)
        try:
            data = resp.json()
        except ValueError:
            raise ControlError(resp.status_code, resp.text[:200] or "not JSON", None) from None
        if resp.status_code >= 400:
            raise ControlError(resp.status_code, data.get("error", ""), data.get("field"))
        return data

    # clock
    def clock(self) -> dict[str, Any]:
        return dict(self.request("GET", "/clock"))

    def set_clock(
        self, now: str | None = None, frozen: bool | None = None, real: bool = False
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if now is not None:
            body["now"] = now
        if frozen is not None:
            body["frozen"] = frozen
        if real:
            body["real"] = True
        return dict(self.request("PUT", "/clock", json=body))

    def advance(self, seconds: float) -> dict[str, Any]:
        return dict(self.request("POST", "/clock/advance", json={"seconds": seconds}))

    # state
    def reset(self) -> dict[str, Any]:
        return dict(self.request("POST", "/reset"))

    def snapshots(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/snapshots")["snapshots"])

    def save(self, name: str) -> dict[str, Any]:
        return dict(self.request("POST", "/snapshots", json={"name": name}))

    def restore(self, name: str) -> dict[str, Any]:
        return dict(self.request("POST", f"/snapshots/{name}/restore"))

    def delete_snapshot(self, name: str) -> dict[str, Any]:
        return dict(self.request("DELETE", f"/snapshots/{name}"))

    def export(self, name: str | None = None) -> dict[str, Any]:
        return dict(self.request("GET", f"/snapshots/{name}" if name else "/state"))

    def import_(self, data: Any, save: str | None = None) -> dict[str, Any]:
        return dict(self.request("PUT", "/state", json=data, save=save))

    def export_sqlite(self, name: str | None = None) -> bytes:
        """The current state (or snapshot `name`) as a SQLite file."""
        path = f"/__mock__/snapshots/{name}" if name else "/__mock__/state"
        resp = self.http.get(path, params={"env": self.env, "format": "sqlite"}, headers=self.headers)
        if resp.status_code >= 400:
            body = resp.json()
            raise ControlError(resp.status_code, body.get("error", ""), body.get("field"))
        return resp.content

    def import_sqlite(self, blob: bytes, save: str | None = None) -> dict[str, Any]:
        params = {"env": self.env, **({"save": save} if save else {})}
        headers = {**self.headers, "content-type": "application/vnd.sqlite3"}
        resp = self.http.put("/__mock__/state", params=params, content=blob, headers=headers)
        body = resp.json()
        if resp.status_code >= 400:
            raise ControlError(resp.status_code, body.get("error", ""), body.get("field"))
        return dict(body)

    # users
    def users(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/users")["users"])

    def create_user(self, **fields: Any) -> dict[str, Any]:
        return dict(self.request("POST", "/users", json=fields))

    def update_user(self, username: str, **fields: Any) -> dict[str, Any]:
        return dict(self.request("PATCH", f"/users/{username}", json=fields))

    def delete_user(self, username: str) -> dict[str, Any]:
        return dict(self.request("DELETE", f"/users/{username}"))

    # journal
    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.request("GET", "/journal", **filters)["entries"])

    def clear_journal(self) -> int:
        return int(self.request("DELETE", "/journal")["deleted"])

    # faults
    def faults(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/faults")["faults"])

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        return dict(self.request("POST", "/faults", json=rule))

    def delete_fault(self, rule_id: int | None = None) -> int:
        path = "/faults" if rule_id is None else f"/faults/{rule_id}"
        answer = self.request("DELETE", path)
        return int(answer["deleted"]) if rule_id is None else 1

    # outbox
    def outbox(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/outbox")["messages"])

    # calls
    def seed_calls(self, count: int, **options: Any) -> dict[str, Any]:
        return dict(self.request("POST", "/calls/seed", json={"count": count, **options}))

    def place_call(self, link_id: str, **options: Any) -> dict[str, Any]:
        """A simulated call through the link's flow: `from`, `digits`, `api`, `variables`, `seed`."""
        return dict(self.request("POST", "/calls", json={"link_id": link_id, **options}))
