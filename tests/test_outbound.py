"""The outbound policy (mock_iovox/outbound.py) against loopback listeners of the test's own."""

from __future__ import annotations

import ipaddress
import socket
import time
from typing import Any

import pytest

from mock_iovox import outbound
from mock_iovox.outbound import REFUSED, Entry, Policy, parse_entry, send
from mock_iovox.settings import Settings
from tests.outbound_listeners import answering, dripping, endless, listening, redirecting, silent

OWN = 8444
DEFAULT = Policy(own_ports=frozenset({OWN}))


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("10.0.0.0/8", Entry(network=ipaddress.ip_network("10.0.0.0/8"))),
        ("127.0.0.1:9000", Entry(network=ipaddress.ip_network("127.0.0.1/32"), port=9000)),
        ("[::1]:9000", Entry(network=ipaddress.ip_network("::1/128"), port=9000)),
        ("::1", Entry(network=ipaddress.ip_network("::1/128"))),
        ("Hooks.Example.TEST:8080", Entry(name="hooks.example.test", port=8080)),
        ("*.example.test", Entry(name="*.example.test")),
    ],
)
def test_entries(text: str, entry: Entry) -> None:
    assert parse_entry(text) == entry


@pytest.mark.parametrize("text", ["", "http://x", "host:99999", "a b", "10.0.0.0/33", "[::1"])
def test_bad_entries(text: str) -> None:
    with pytest.raises(ValueError):
        parse_entry(text)


def test_settings_take_the_list_from_the_environment() -> None:
    from mock_iovox.settings import from_environ

    settings = from_environ({"MOCK_IOVOX_OUTBOUND_ALLOW": "10.0.0.0/8, hooks.test:8080"})
    assert settings.outbound_allow == ("10.0.0.0/8", "hooks.test:8080")
    with pytest.raises(ValueError, match="HOST"):
        Settings(outbound_allow=("not a host",))
    policy = outbound.configure(Settings(port=8444, http_port=8080, outbound_allow=("10.0.0.0/8",)))
    assert policy.own_ports == frozenset({8444, 8080})
    outbound.configure(Settings())


@pytest.mark.parametrize(
    "url",
    [
        f"http://127.0.0.1:{OWN}/__mock__/reset",
        f"https://localhost:{OWN}/__mock__/reset",
        f"http://127.0.0.2:{OWN}/",  # any loopback address
        f"http://0.0.0.0:{OWN}/",  # "any" reaches the listener too
        f"http://[::ffff:127.0.0.1]:{OWN}/",
        f"http://[::1]:{OWN}/",
        f"http://anything.localhost:{OWN}/",
        "http://example.com/hook",  # not loopback: not in the default list
        "ftp://127.0.0.1/x",
        "http://user:pw@127.0.0.1:9/",
        "http://127.0.0.1:9/a\r\nX-Injected: 1",
        "http:///nohost",
    ],
)
def test_refused_destinations_are_never_connected(url: str) -> None:
    started = time.monotonic()
    result = send(url, rules=DEFAULT)
    assert (result.status, result.outcome, result.sent) == (None, REFUSED, False)
    assert time.monotonic() - started < 0.5


def test_the_mock_own_ports_are_refused_whatever_the_list_says() -> None:
    everything = Policy(allow=(Entry(network=ipaddress.ip_network("0.0.0.0/0")),), own_ports=frozenset({OWN}))
    assert send(f"http://127.0.0.1:{OWN}/", rules=everything).outcome == REFUSED
    with listening(answering(204)) as hook:
        assert send(hook.url(), rules=everything).outcome == "HTTP 204"


def test_a_refusal_says_nothing_about_the_port_behind_it() -> None:
    """Beyond the allowlist an open port and a closed one read alike, and neither is connected."""
    with listening(answering(200)) as allowed, listening(answering(200)) as other:
        closed = socket.create_server(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
        closed.close()
        narrow = Policy(allow=(parse_entry(f"127.0.0.1:{allowed.port}"),), own_ports=frozenset({OWN}))
        outcomes = {
            send(other.url(), rules=narrow).outcome,
            send(f"http://127.0.0.1:{closed_port}/", rules=narrow).outcome,
            send(f"http://127.0.0.1:{OWN}/", rules=narrow).outcome,
        }
        assert outcomes == {REFUSED}
        assert other.connections == 0
        assert send(allowed.url(), rules=narrow).outcome == "HTTP 200"


def test_the_name_is_resolved_once_and_the_address_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the check and the connection use the one answer (a later one never counts)."""
    with listening(answering(204)) as hook:
        answers = iter([("127.0.0.1", hook.port), ("10.9.9.9", hook.port)])
        asked: list[str] = []

        def fake_dns(host: str, port: Any, *args: Any, **kw: Any) -> list[Any]:
            asked.append(host)
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]

        monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
        result = send(f"http://hooks.partner.test:{hook.port}/x", rules=DEFAULT)
        assert result.outcome == "HTTP 204" and asked == ["hooks.partner.test"]
        assert b"Host: hooks.partner.test:" in hook.seen[0]


def test_a_name_with_one_address_refused_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_dns(host: str, port: Any, *args: Any, **kw: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 9)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", OWN)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    assert send(f"http://twofaced.test:{OWN}/", rules=DEFAULT).outcome == REFUSED


def test_localhost_names_are_loopback_without_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("DNS asked"))
    with listening(answering(204)) as hook:
        assert send(f"http://hook.app.localhost:{hook.port}/", rules=DEFAULT).outcome == "HTTP 204"


def test_redirects_are_reported_not_followed() -> None:
    with listening(answering(204)) as target, listening(redirecting("http://127.0.0.1:1/")) as hop:
        hop_url = hop.url()
        result = send(hop_url, rules=DEFAULT)
        assert (result.status, result.outcome) == (302, "HTTP 302 (redirect not followed)")
        assert target.connections == 0


@pytest.mark.parametrize(
    ("behaviour", "outcome"),
    [(silent, "error: no answer within 1.5 s"), (dripping, "error: no answer within 1.5 s")],
)
def test_one_deadline_for_the_whole_request(behaviour: Any, outcome: str) -> None:
    """A byte every 0.5 s kept the old per-read timeout waiting for ever; the deadline is total."""
    with listening(behaviour) as slow:
        started = time.monotonic()
        result = send(slow.url(), timeout=1.5, rules=DEFAULT)
        took = time.monotonic() - started
    assert result.outcome == outcome
    assert 1.4 < took < 2.5


def test_an_answer_head_is_read_up_to_the_cap() -> None:
    with listening(endless) as huge:
        started = time.monotonic()
        result = send(huge.url(), rules=DEFAULT)
    assert result.outcome == f"error: answer head larger than {outbound.MAX_READ} bytes"
    assert time.monotonic() - started < 2.5


def test_a_post_carries_its_body_and_type() -> None:
    with listening(answering(201)) as hook:
        result = send(hook.url("/in?q=1"), "POST", b"<r/>", content_type="application/xml", rules=DEFAULT)
        assert result.outcome == "HTTP 201" and result.ok
        request = hook.seen[0]
        assert request.startswith(b"POST /in?q=1 HTTP/1.1\r\n")
        assert b"Content-Type: application/xml\r\n" in request and request.endswith(b"\r\n\r\n<r/>")


def test_connection_refused_on_an_allowed_port() -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    assert send(f"http://127.0.0.1:{port}/", rules=DEFAULT).outcome == "error: connection refused"
