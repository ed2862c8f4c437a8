"""Shared helpers of the numbering tests: request bodies shaped like each client's serializer, and
calls shaped like each client's requests (CLIENT-WIRE.md §1.6, §2.3, §2.6). No tests here."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import select

from mock_iovox.db import Account, VoxNumber
from tests.helpers import RUBY_HEADERS, Api, php_body, php_query, results, ruby_query

Tree = Mapping[str, Any]

#: sandbox numbers owned by Demo Estates in the default fixture (all UNASSIGNED)
DEMO_POOL = ["442079460040", "442079460085", "441134960013", "33199000580"]
#: the numbers the fixture puts on Demo Estates' links with traffic, by link
DEMO_ON_LINKS = {
    "westbourne-web": "442079460148",
    "westbourne-paper": "442079460153",
    "leeds-deli-web": "441134960045",
    "paris-bistro-guide": "33199000758",
}


def free_link_numbers(api: Api) -> None:
    """Give the numbers on Demo Estates' links back to IOVOX's stock: the numbering tests start
    from an account whose links have no number and whose only numbers are DEMO_POOL (UNASSIGNED,
    then `ON (No Rules)` once attached, or `ON (Active)` on a link that runs one of the fixture's
    call flows)."""
    with api.dbs["sandbox"].writing() as s:
        for number in s.scalars(select(VoxNumber).where(VoxNumber.number.in_(DEMO_ON_LINKS.values()))):
            assert number.link_pk is not None
            number.account_pk = number.link_pk = number.purchased_at = None
        assert len(DEMO_ON_LINKS) == 4


#: Other Partner's numbers: one on other-link (OFF), one spare
OTHER_ON_LINK = "441614960017"
OTHER_SPARE = "441614960039"


def _php_lines(name: str, value: Any, depth: int) -> list[str]:
    pad = "  " * depth
    if value is None:  # PHP drops nulls (remove_empty_tags)
        return []
    if isinstance(value, list):
        return [line for v in value for line in _php_lines(name, v, depth)]
    if isinstance(value, Mapping):
        if not value:
            return [f"{pad}<{name}/>\n"]
        inner = [line for k, v in value.items() for line in _php_lines(k, v, depth + 1)]
        return [f"{pad}<{name}>\n", *inner, f"{pad}</{name}>\n"]
    text = str(value)
    if any(c in text for c in "&<>"):
        text = f"<![CDATA[{text}]]>"
    return [f"{pad}<{name}>{text}</{name}>\n"]


def php_xml(request: Tree) -> str:
    """PHP's Symfony serializer: prolog, 2-space indentation, nulls dropped, CDATA for & < >."""
    return '<?xml version="1.0" encoding="utf-8"?>\n' + "".join(_php_lines("request", request, 0))


def _ruby(name: str, value: Any) -> str:
    if value is None:
        return f'<{name} xsi:nil="true"/>'
    if isinstance(value, list):
        return "".join(_ruby(name, v) for v in value)
    if isinstance(value, Mapping):
        return f"<{name}>" + "".join(_ruby(k, v) for k, v in value.items()) + f"</{name}>"
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<{name}>{text}</{name}>"


def ruby_xml(request: Tree) -> str:
    """Gyoku: one line after the `UTF-8` prolog, xsi:nil for nil, a trailing newline."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _ruby("request", request) + "\n"


def php(
    api: Api,
    verb: str,
    interface: str,
    method: str,
    request: Tree | None = None,
    params: Mapping[str, Any] | None = None,
    output_json: bool = False,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    kwargs: dict[str, Any] = php_body(php_xml(request)) if request is not None else {"headers": {}}
    kwargs["headers"] = {**kwargs["headers"], **(headers or {})}
    return api.request(verb, f"/{interface}?{php_query(method, params, output_json)}", **kwargs)


def ruby(
    api: Api,
    verb: str,
    interface: str,
    method: str,
    request: Tree | None = None,
    params: Mapping[str, Any] | None = None,
) -> httpx.Response:
    url = f"/{interface}?{ruby_query(method, params)}"
    if request is None:
        return api.client.request(verb, url, headers=RUBY_HEADERS)
    headers = {**RUBY_HEADERS, "Content-Type": "application/xml"}
    return api.client.request(verb, url, headers=headers, content=ruby_xml(request).encode())


def voxnumbers(api: Api, params: Mapping[str, Any] | None = None, **kw: Any) -> list[dict[str, str]]:
    resp = api.get("Voxnumbers", "getVoxnumbers", dict(params or {}), **kw)
    assert resp.status_code == 200, resp.text
    return results(resp)


def row_of(api: Api, number: str) -> dict[str, str]:
    rows = voxnumbers(api, {"voxnumber": number, "req_fields": "lid,as,cs,vn"})
    assert len(rows) == 1, rows
    return rows[0]


def stock_numbers(api: Api, country_code: str, area_code: str, env: str = "sandbox") -> list[str]:
    with api.dbs[env].reading() as db:
        return list(
            db.scalars(
                select(VoxNumber.number)
                .where(
                    VoxNumber.account_pk.is_(None),
                    VoxNumber.country_code == country_code,
                    VoxNumber.area_code == area_code,
                )
                .order_by(VoxNumber.number)
            )
        )


def owner_of(api: Api, number: str, env: str = "sandbox") -> str | None:
    with api.dbs[env].reading() as db:
        return db.scalar(
            select(Account.name)
            .join(VoxNumber, VoxNumber.account_pk == Account.pk)
            .where(VoxNumber.number == number)
        )


def purchase_item(
    country_code: str = "44",
    area_code: str | None = "20",
    number_type: str = "GEOGRAPHIC",
    quantity: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    """One basket item in PHP's property order (country_code, area_code, post_code, city_name, …)."""
    item: dict[str, Any] = {"country_code": country_code, "area_code": area_code}
    item["post_code"] = extra.pop("post_code", None)
    item["city_name"] = extra.pop("city_name", None)
    item.update(number_type=number_type, quantity=quantity)
    item.update(extra)
    return item


FRENCH_DETAILS = {
    "firstname": "N/A",
    "lastname": "N/A",
    "company": "N/A",
    "street": "N/A",
    "building_number": 1,
    "city": "N/A",
    "zipcode": "N/A",
}


class Receiver:
    """A local HTTP listener (loopback only) that records POSTs and answers the given statuses."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[str, str, bytes]] = []
        self.event = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append((self.path, self.headers.get("Content-Type", ""), body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status < 300:
                    outer.event.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/iovox/cb"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
