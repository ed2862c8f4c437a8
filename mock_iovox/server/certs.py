"""The local CA and server certificate (DECISIONS.md §4).

On first start, when certs/ holds no certificate, a CA (`ca.crt`, `ca.key`) and a server certificate
(`server.crt`, `server.key`) are created. The server certificate is issued again from the same CA when
the configured names change, so clients that trust ca.crt keep working — unless a new name lies
outside what the CA may sign.

Issue 14 item 8: the CA is constrained (nameConstraints) to the names it was made for and lives five
years; the leaf is for TLS servers only (EKU serverAuth) and lives 825 days, renewed 30 days before
it ends; private keys are created 0600.

Issue 13: keys are ECDSA P-256 (a pair takes well under a millisecond, an RSA-2048 pair tens of
milliseconds of the first start); PHP's curl and Ruby's Net::HTTP (OpenSSL) accept them. A CA made
with an RSA key by an earlier version is kept, and signs the new leaf.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: browsers and Apple platforms refuse leaf certificates valid for longer than 825 days
LEAF_LIFETIME = timedelta(days=825)
CA_LIFETIME = timedelta(days=5 * 365)
RENEW_BEFORE = timedelta(days=30)
#: what the CA may sign besides the names it is made for: local host names and private addresses
LOCAL_DNS = ("localhost", "internal", "local", "test", "lan", "home.arpa", "localdomain")
LOCAL_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
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
    now = datetime.now(UTC)
    ca = _load_ca(paths) if not force else None
    if ca is None or not _ca_covers(ca[0], names) or ca[0].not_valid_after_utc - now < LEAF_LIFETIME:
        # a new CA: the first start, --force, a name outside the old CA's constraints, or an old CA
        # that would expire before the leaf (clients must trust the new ca.crt)
        ca = _make_ca(names, now)
        paths.ca_cert.write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
        _write_secret(paths.ca_key, _pem_key(ca[1]))
    cert, key = _issue(ca[0], ca[1], names, now)
    paths.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_secret(paths.server_key, _pem_key(key))
    paths.names_file.write_text(wanted)
    return paths, True


#: the keys this module makes (EC), and a CA key of an earlier version (RSA)
Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _general_names(names: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def _subtrees(names: list[str]) -> list[x509.GeneralName]:
    """nameConstraints' permitted subtrees: each name the CA is made for (a DNS name with its
    subdomains, an IP alone) and the local space (LOCAL_SUBTREES), so that a later --cert-name of a
    private address or an internal host name is issued by the same CA."""
    out: list[x509.GeneralName] = []
    for general in _general_names([*names, *LOCAL_DNS]):
        if isinstance(general, x509.IPAddress):
            out.append(x509.IPAddress(ipaddress.ip_network(general.value)))
            continue
        # a wildcard name is covered by its parent domain (a constraint may not hold `*`)
        general = x509.DNSName(general.value.removeprefix("*."))
        if general not in out:
            out.append(general)
    out.extend(x509.IPAddress(ipaddress.ip_network(n)) for n in LOCAL_NETWORKS)
    return out


def _make_ca(names: list[str], now: datetime) -> tuple[x509.Certificate, Key]:
    key = _new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mock-iovox local CA"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"mock-iovox local CA {now:%Y-%m-%d %H:%M:%S}"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # the CA signs only the names it was made for: a leaked ca.key cannot vouch for anything else
        .add_extension(
            x509.NameConstraints(permitted_subtrees=_subtrees(names), excluded_subtrees=None), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _issue(
    ca: x509.Certificate, ca_key: Key, names: list[str], now: datetime
) -> tuple[x509.Certificate, Key]:
    key = _new_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mock-iovox"),
                    x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(min(now + LEAF_LIFETIME, ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,  # RSA key transport: not for an EC key (ECDHE signs)
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _load_ca(paths: CertPaths) -> tuple[x509.Certificate, Key] | None:
    if not (paths.ca_cert.exists() and paths.ca_key.exists()):
        return None
    try:
        cert = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
        key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
    except ValueError:
        return None
    return (cert, key) if isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) else None


def _ca_covers(ca: x509.Certificate, names: list[str]) -> bool:
    """Whether the CA may sign every name (a CA without nameConstraints, from an earlier version,
    is replaced)."""
    try:
        constraints = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return False
    permitted = constraints.permitted_subtrees or []
    dns = [g.value for g in permitted if isinstance(g, x509.DNSName)]
    nets = [g.value for g in permitted if isinstance(g, x509.IPAddress)]
    networks = [n for n in nets if isinstance(n, ipaddress.IPv4Network | ipaddress.IPv6Network)]
    for general in _general_names(names):
        if isinstance(general, x509.IPAddress):
            addr = general.value
            if not any(n.version == addr.version and addr in n for n in networks):
                return False
        elif not any(general.value.removeprefix("*.") == d or general.value.endswith("." + d) for d in dns):
            return False
    return True


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
