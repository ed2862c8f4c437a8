"""The outbound policy: every request the mock makes on a user's behalf (purchase callbacks, a call
flow's httpRequest rules, anything later) goes through `send`, and nothing else opens a connection.

* **Where.** A destination must match `--outbound-allow` (HOST, HOST:PORT, IP, IP:PORT, [IPv6]:PORT
  or a CIDR; repeatable; MOCK_IOVOX_OUTBOUND_ALLOW as a comma list). Without any entry the default is
  loopback (127.0.0.0/8, ::1, `localhost`, `*.localhost`). Whatever the list says, the mock's own
  listeners (its ports on any address of this machine) are refused: a request to them would let an
  API user drive the control plane, or the mock call itself.
* **Resolved once, pinned.** The name is resolved once (`localhost` and `*.localhost` are loopback
  without asking DNS, RFC 6761), the address checked, and the connection made to that address, so
  a second answer of DNS (rebinding) never decides where the bytes go. TLS still checks the
  certificate against the name.
* **Bounded.** One deadline for the whole request (connect, TLS, send, answer; every socket
  operation gets what is left of it), at most `MAX_READ` bytes read (the status line and headers:
  the body is never needed), redirects reported and never followed.
* **Never inside a transaction.** Callers record what they must send, commit, then send and record
  the outcome (numbering/callbacks.py, calls/httpsend.py).

A refusal reads the same whatever the reason (`REFUSED`), and no connection is tried for it, so the
outcomes of refused destinations say nothing about which ports listen.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from mock_iovox.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: the outcome of every refused destination (one text, so a refusal tells nothing about a port)
REFUSED = "refused: not allowed by the outbound policy"
#: bytes read of an answer at most (its status line and headers)
MAX_READ = 64 * 1024
#: concurrent outbound requests of this process, whatever the number of orders or calls
SLOTS = threading.BoundedSemaphore(8)
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]/]+))(?::(?P<port>[0-9]{1,5}))?$")
_NAME = re.compile(r"^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?$")
#: characters that may not appear in a URL the mock sends (a request line or header split)
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One allowlist entry: a network (any port, or one), or a host name (`*.` = its sub-domains)."""

    network: IPNetwork | None = None
    name: str = ""
    port: int | None = None

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return address in self.network
        if self.name.startswith("*."):
            return host.endswith(self.name[1:])
        return host == self.name


def parse_entry(text: str) -> Entry:
    """`HOST[:PORT]`, `IP[:PORT]`, `[IPv6][:PORT]` or a CIDR (ValueError otherwise)."""
    raw = text.strip()
    if "/" in raw:
        return Entry(network=ipaddress.ip_network(raw, strict=False))
    try:  # a bare IPv6 address
        return Entry(network=ipaddress.ip_network(raw))
    except ValueError:
        pass
    match = _HOST_PORT.match(raw)
    if match is None:
        raise ValueError(f"{text!r} is not HOST[:PORT], IP[:PORT] or a CIDR range")
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"{text!r}: port out of range")
    host = match["v6"] or match["host"]
    try:
        return Entry(network=ipaddress.ip_network(host), port=port)
    except ValueError:
        pass
    if not _NAME.match(host):
        raise ValueError(f"{text!r} is not HOST[:PORT], IP[:PORT] or a CIDR range")
    return Entry(name=host.lower().rstrip("."), port=port)


def parse_entries(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Check a comma list (or a list) of entries; the entries as given, for Settings."""
    items = value.split(",") if isinstance(value, str) else list(value)
    out = tuple(v.strip() for v in items if v.strip())
    for item in out:
        parse_entry(item)
    return out


DEFAULT_ALLOW = (Entry(network=_LOOPBACK[0]), Entry(network=_LOOPBACK[1]))


@dataclass(frozen=True, slots=True)
class Policy:
    allow: tuple[Entry, ...] = DEFAULT_ALLOW
    #: the mock's own listening ports: refused on any local address, whatever `allow` says
    own_ports: frozenset[int] = frozenset({444})

    def permits(self, host: str, address: IPAddress, port: int) -> bool:
        if port in self.own_ports and is_local(address):
            return False
        return any(entry.allows(host, address, port) for entry in self.allow)


_policy = Policy()


def configure(settings: Settings) -> Policy:
    """The process's policy, from `--outbound-allow` and the listening ports (set by create_app)."""
    global _policy
    allow = tuple(parse_entry(e) for e in settings.outbound_allow) or DEFAULT_ALLOW
    own = {settings.port, *((settings.http_port,) if settings.http_port else ())}
    _policy = Policy(allow, frozenset(own))
    return _policy


def policy() -> Policy:
    return _policy


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=256)
def is_local(address: IPAddress) -> bool:
    """An address of this machine (where the mock's listeners are): loopback, "any", or one a
    socket can be bound to."""
    address = _plain(address)
    if address.is_loopback or address.is_unspecified:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(address), 0))
        return True
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class Target:
    """A destination the policy allowed, pinned to one address."""

    scheme: str
    host: str
    port: int
    address: IPAddress
    #: what follows the host: path and query
    target: str
    host_header: str


class Refused(Exception):
    pass


def _addresses(host: str, port: int) -> list[IPAddress]:
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    try:
        return [_plain(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [_plain(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])) for info in infos]


def resolve(url: str, rules: Policy | None = None) -> Target:
    """The URL's destination, resolved once and checked (Refused when the policy says no)."""
    rules = rules or _policy
    if _UNSAFE.search(url):
        raise Refused(REFUSED)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(REFUSED) from None
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise Refused(REFUSED)
    found = _addresses(host, port)
    # every address the name has must be allowed: a name pointing at a listener of the mock among
    # others is refused, whichever address would have come first
    if not found or not all(rules.permits(host, a, port) for a in found):
        raise Refused(REFUSED)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    shown = f"[{host}]" if ":" in host else host
    default = 443 if parts.scheme == "https" else 80
    host_header = shown if port == default else f"{shown}:{port}"
    return Target(parts.scheme, host, port, found[0], target, host_header)


@dataclass(slots=True)
class Result:
    """What one request came to: the answer's status, or why there is none (`outcome` says both)."""

    status: int | None
    outcome: str
    seconds: float = 0.0
    sent: bool = field(default=False)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


def _request_bytes(method: str, target: Target, body: bytes | None, content_type: str) -> bytes:
    lines = [
        f"{method} {target.target} HTTP/1.1",
        f"Host: {target.host_header}",
        "User-Agent: mock-iovox",
        "Accept: */*",
        "Connection: close",
    ]
    if body is not None:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + (body or b"")


_STATUS = re.compile(rb"^HTTP/1\.[01] ([0-9]{3})[ \r\n]")


def _read_status(sock: socket.socket, deadline: _Deadline) -> int:
    """The answer's status code, from at most MAX_READ bytes of its head."""
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head:
        if len(head) >= MAX_READ:
            raise _TooLarge
        sock.settimeout(deadline.left())
        chunk = sock.recv(min(4096, MAX_READ - len(head)))
        if not chunk:
            break
        head += chunk
    match = _STATUS.match(head)
    if match is None:
        raise _NotHttp
    return int(match[1])


class _TooLarge(Exception):
    pass


class _NotHttp(Exception):
    pass


def _exchange(target: Target, payload: bytes, deadline: _Deadline) -> int:
    # to the pinned address itself (create_connection would resolve it again)
    family = socket.AF_INET6 if target.address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(deadline.left())
        sock.connect((str(target.address), target.port))
        if target.scheme == "https":
            context = ssl.create_default_context()
            sock.settimeout(deadline.left())
            sock = context.wrap_socket(sock, server_hostname=target.host)
        sock.settimeout(deadline.left())
        sock.sendall(payload)
        return _read_status(sock, deadline)
    finally:
        sock.close()


def send(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timeout: float = 2.0,
    rules: Policy | None = None,
) -> Result:
    """One request under the policy; never raises. The deadline covers all of it."""
    started = time.monotonic()
    try:
        target = resolve(url, rules)
    except Refused:
        return Result(None, REFUSED)
    deadline = _Deadline(timeout)
    payload = _request_bytes(method.upper(), target, body, content_type)
    try:
        status = _exchange(target, payload, deadline)
    except TimeoutError:
        outcome = f"error: no answer within {timeout:.1f} s"
    except _TooLarge:
        outcome = f"error: answer head larger than {MAX_READ} bytes"
    except _NotHttp:
        outcome = "error: not an HTTP answer"
    except ssl.SSLError as exc:
        outcome = f"error: TLS: {exc.reason or type(exc).__name__}"
    except ConnectionRefusedError:
        outcome = "error: connection refused"
    except OSError as exc:
        outcome = f"error: {exc.strerror or type(exc).__name__}"
    else:
        seconds = time.monotonic() - started
        text = f"HTTP {status}" + (" (redirect not followed)" if 300 <= status < 400 else "")
        return Result(status, text, seconds, sent=True)
    return Result(None, outcome, time.monotonic() - started, sent=True)


__all__ = ["REFUSED", "Entry", "Policy", "Result", "configure", "parse_entries", "parse_entry", "send"]
