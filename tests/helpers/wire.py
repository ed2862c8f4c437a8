"""Request and assertion helpers shaped like the real clients (CLIENT-WIRE.md); tests.helpers
re-exports every name."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from lxml import etree

SANDBOX_USER = "RestUserName"
SANDBOX_KEY = "eb94fd75a6a8c04306dd341953e7e922"
PRODUCTION_KEY = "5f0b6a3e9d2c4e71a8b4c6d0e2f19a37"
OTHER_USER = "OtherPartner"
OTHER_SANDBOX_KEY = "3c1c8d1e0f6a4b9b8f0d2e7a5c4b3a21"

#: where every test database's clock stands, frozen: a Wednesday in generated business hours, so
#: the suite runs against the busiest traffic whatever the wall clock says (tests/conftest.py)
PINNED = datetime(2026, 12, 2, 10, 0, 0)

PHP_HEADERS = {"username": SANDBOX_USER, "secureKey": SANDBOX_KEY, "Accept": "*/*"}
#: the second sandbox account (isolation tests)
OTHER = {"username": OTHER_USER, "secureKey": OTHER_SANDBOX_KEY}
#: the header the control-plane client sends with every request (a POST without it, or without a
#: JSON body, is one a web page could send: mock_iovox/admin/guard.py)
CLIENT = {"X-Requested-With": "mock-iovox"}
#: Ruby's prolog: Gyoku writes the encoding in capitals, then a newline
RUBY_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'
RUBY_HEADERS = {"Username": SANDBOX_USER, "Securekey": SANDBOX_KEY, "Accept": "*/*"}


def php_query(method: str, params: Mapping[str, Any] | None = None, output_json: bool = False) -> str:
    """PHP: caller params first, then v=3&method=…[&output=JSON]; RFC 3986 encoding with `;[]` kept
    literal and arrays as k[0]=… (CLIENT-WIRE.md §1.3)."""
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if isinstance(value, list | tuple):
            pairs.extend((f"{key}[{i}]", str(v)) for i, v in enumerate(value))
        else:
            pairs.append((key, str(value)))
    pairs += [("v", "3"), ("method", method)]
    if output_json:
        pairs.append(("output", "JSON"))
    return "&".join(f"{quote(k, safe='[];')}={quote(v, safe=';')}" for k, v in pairs)


def ruby_query(method: str, params: Mapping[str, Any] | None = None) -> str:
    """Ruby: params incl. method sorted, form encoding (space as +), arrays as k%5B%5D, then
    &v=3&output=XML on every call (CLIENT-WIRE.md §2.3)."""
    pairs: list[tuple[str, str]] = []
    for key, value in sorted({**(params or {}), "method": method}.items()):
        if isinstance(value, list | tuple):
            pairs.extend((f"{key}[]", str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs) + "&v=3&output=XML"


def php_body(xml: str) -> dict[str, Any]:
    """PHP sends the XML with no Content-Type of its own: curl labels it form-encoded."""
    return {"content": xml.encode(), "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


def ruby_body(xml: str) -> dict[str, Any]:
    return {"content": xml.encode(), "headers": {"Content-Type": "application/xml"}}


def errors_of(resp: httpx.Response) -> list[tuple[int, str]]:
    root = etree.fromstring(resp.content)
    assert root.tag == "errors", resp.text
    return [(int(e.get("status", "")), e.text or "") for e in root.findall("error")]


def assert_errors(resp: httpx.Response, status: int, messages: Sequence[str]) -> None:
    """Exact status, XML content type, `<errors>` wrapper and messages (in order)."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["content-type"].split(";")[0] == "application/xml"
    assert resp.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert errors_of(resp) == [(status, m) for m in messages], errors_of(resp)


def xml_of(resp: httpx.Response) -> Any:
    assert resp.headers["content-type"].split(";")[0] == "application/xml", resp.text
    return etree.fromstring(resp.content)


def results(resp: httpx.Response) -> list[dict[str, str]]:
    """Rows of a paged XML list, each as element name -> text ("" for empty)."""
    root = xml_of(resp)
    assert root.tag == "response"
    return [{c.tag: (c.text or "") for c in r if len(c) == 0} for r in root.findall("results/result")]


def totals(resp: httpx.Response) -> tuple[int, int, int]:
    root = xml_of(resp)
    return (
        int(root.findtext("current_page")),
        int(root.findtext("total_pages")),
        int(root.findtext("total_results")),
    )


def node_xml(node_id: str, name: str = "N", node_type: str = "T") -> str:
    """A one-line createNodes body for one node."""
    return (
        f"<request><node><node_id>{node_id}</node_id><node_name>{name}</node_name>"
        f"<node_type>{node_type}</node_type></node></request>"
    )


def process_alive(pid: int) -> bool:
    """The process exists and is not a zombie (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def mp3_info(data: bytes) -> Any:
    """mutagen's stream info of MP3 bytes (length, channels, sample_rate); mutagen's own annotations
    type `info` as None, so the tests read it through this one untyped door."""
    from mutagen.mp3 import MP3

    return MP3(io.BytesIO(data)).info
