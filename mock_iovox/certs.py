"""The local CA and server certificate (DECISIONS.md §4), made with trustme.

On first start, when certs/ holds no certificate, a CA (`ca.crt`, `ca.key`) and a server certificate
(`server.crt` with the chain, `server.key`) are created. The server certificate is issued again from
the same CA when the configured names change, so clients that trust ca.crt keep working.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme
from cryptography import x509

#: browsers and Apple platforms refuse leaf certificates valid for longer than 825 days
LEAF_LIFETIME = timedelta(days=825)
RENEW_BEFORE = timedelta(days=30)
BASE_NAMES = ("localhost", "sandbox.localhost", "127.0.0.1", "::1", "api.iovox.com", "sandboxapi.iovox.com")


@dataclass(frozen=True, slots=True)
class CertPaths:
    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"

    @property
    def names_file(self) -> Path:
        return self.directory / "server.names"


_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def check_name(name: str) -> None:
    """An IP address or a DNS name (a leading `*.` allowed); raises ValueError otherwise."""
    try:
        ipaddress.ip_address(name)
        return
    except ValueError:
        pass
    labels = name.removeprefix("*.").rstrip(".").split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{name!r} is neither a DNS name nor an IP address")


def names_for(extra: tuple[str, ...]) -> list[str]:
    names = list(BASE_NAMES)
    names.extend(n for n in extra if n not in names)
    return names


def ensure(directory: Path, extra_names: tuple[str, ...] = (), force: bool = False) -> tuple[CertPaths, bool]:
    """Make sure certificates for the configured names exist; returns (paths, created_anything)."""
    paths = CertPaths(directory)
    names = names_for(extra_names)
    wanted = "\n".join(names)
    have_server = paths.server_cert.exists() and paths.server_key.exists()
    same_names = paths.names_file.exists() and paths.names_file.read_text() == wanted
    if have_server and same_names and paths.ca_cert.exists() and not force and not _expiring(paths):
        return paths, False
    directory.mkdir(parents=True, exist_ok=True)
    if paths.ca_cert.exists() and paths.ca_key.exists() and not force:
        ca = trustme.CA.from_pem(paths.ca_cert.read_bytes(), paths.ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="mock-iovox local CA", key_type=trustme.KeyType.RSA)
        ca.cert_pem.write_to_path(str(paths.ca_cert))
        _write_secret(paths.ca_key, ca.private_key_pem.bytes())
    now = datetime.now(UTC)
    leaf = ca.issue_cert(
        *names,
        organization_name="mock-iovox",
        not_before=now - timedelta(days=1),
        not_after=now + LEAF_LIFETIME,
        key_type=trustme.KeyType.RSA,
    )
    with paths.server_cert.open("wb") as fh:
        for blob in leaf.cert_chain_pems:
            fh.write(blob.bytes())
    _write_secret(paths.server_key, leaf.private_key_pem.bytes())
    paths.names_file.write_text(wanted)
    return paths, True


def _write_secret(path: Path, data: bytes) -> None:
    """A private key, created 0600 (issue 14 item 8: ca.key sat at 0644 for 100 ms)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _expiring(paths: CertPaths) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    except ValueError:
        return True
    return cert.not_valid_after_utc - datetime.now(UTC) < RENEW_BEFORE
