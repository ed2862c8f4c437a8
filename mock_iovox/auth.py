"""Credentials: header presence, user lookup, constant-time key check, per-user IP ranges.

One answer for every failure (401 `HTTP 401: Unauthorized`): the vendor never says which part failed,
and neither does the mock (DECISIONS.md §2 stage 3).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox import errors
from mock_iovox.db import ApiUser, IpRange
from mock_iovox.errors import ErrorList, IovoxError, VendorError
from mock_iovox.settings import IPNetwork

#: How keys are stored (issue 14 item 7): HMAC-SHA256 of the key under a random per-user salt,
#: `sha256$<salt hex>$<digest hex>`. The vendor's keys are 128-bit random strings, so a fast hash
#: is enough, and it runs on every request (a slow KDF would cost each call milliseconds).
KEY_SCHEME = "sha256"


def hash_key(key: str, salt: bytes | None = None) -> str:
    salt = os.urandom(16) if salt is None else salt
    digest = hmac.new(salt, key.encode(), hashlib.sha256).hexdigest()
    return f"{KEY_SCHEME}${salt.hex()}${digest}"


def is_hashed(stored: str) -> bool:
    return stored.startswith(KEY_SCHEME + "$")


def key_matches(stored: str, key: str) -> bool:
    """Constant time in the key; a stored value that is not a hash matches nothing."""
    scheme, _, rest = stored.partition("$")
    salt_hex, _, digest = rest.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        salt = b""
    ok = scheme == KEY_SCHEME and bool(salt)
    actual = hmac.new(salt, key.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(actual, digest) and ok


# A hash that no key matches, checked when the user is unknown, so that an unknown user and a wrong
# key take the same time.
_DUMMY_HASH = hash_key(os.urandom(16).hex())


def read_credentials(headers: Mapping[str, str]) -> tuple[str, str]:
    """`username` / `secureKey` (header names are case-insensitive: Ruby sends `Securekey`)."""
    username = (headers.get("username") or "").strip()
    key = (headers.get("securekey") or "").strip()
    errs = ErrorList()
    if not username:
        errs.add(errors.USERNAME_EMPTY)
    if not key:
        errs.add(errors.SECURE_KEY_EMPTY)
    errs.raise_if_any()
    return username, key


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Sequence[IPNetwork]) -> str:
    """The socket peer, or the first untrusted hop of X-Forwarded-For when the peer is a trusted
    proxy (walking the header from the right, as each proxy appends the address it saw)."""
    ip = peer or ""
    if not forwarded_for or not _within(ip, trusted):
        return ip
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        ip = hop
        if not _within(hop, trusted):
            break
    return ip


def _within(ip: str, networks: Sequence[IPNetwork]) -> bool:
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr.version == n.version and addr in n for n in networks)


@lru_cache(maxsize=1024)
def _network(cidr: str) -> IPNetwork:
    return ipaddress.ip_network(cidr, strict=False)


class Unauthorized(IovoxError):
    """The vendor's 401; `reason` is for the request log only (the wire never says which part failed)."""

    def __init__(self, reason: str, key: str) -> None:
        super().__init__([VendorError(401, errors.UNAUTHORIZED)])
        self.reason = reason
        self.key = key


@dataclass(frozen=True, slots=True)
class Caller:
    username: str
    account_pk: int


def authenticate(session: Session, username: str, key: str, ip: str) -> Caller:
    """Key and ranges of the user in one plain query (this runs on every request)."""
    rows = session.execute(
        select(ApiUser.account_pk, ApiUser.secure_key, IpRange.cidr)
        .outerjoin(IpRange, IpRange.user_pk == ApiUser.pk)
        .where(ApiUser.username == username)
    ).all()
    key_ok = key_matches(rows[0].secure_key if rows else _DUMMY_HASH, key)
    if not rows:
        raise Unauthorized(f"no user {username!r}", key)
    if not key_ok:
        raise Unauthorized(f"wrong secureKey for {username!r}", key)
    networks = [_network(r.cidr) for r in rows if r.cidr]
    if not _within(ip, networks):
        allowed = ", ".join(str(n) for n in sorted(set(networks), key=lambda n: (n.version, n))) or "none"
        raise Unauthorized(f"IP {ip} is not in the allowed ranges of {username!r} ({allowed})", key)
    return Caller(username, rows[0].account_pk)
