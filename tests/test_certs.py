"""The local CA and server certificate, and the TLS settings uvicorn ends up with."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509

from mock_iovox.server import certs


def san_names(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)) | {
        str(i) for i in san.get_values_for_type(x509.IPAddress)
    }


def test_created_once_then_kept(tmp_path: Path) -> None:
    paths, created = certs.ensure(tmp_path)
    assert created
    first = paths.server_cert.read_bytes()
    again, created = certs.ensure(tmp_path)
    assert not created
    assert again.server_cert.read_bytes() == first


def test_extra_names_reissue_from_the_same_ca(tmp_path: Path) -> None:
    paths, _ = certs.ensure(tmp_path)
    ca = paths.ca_cert.read_bytes()
    paths, created = certs.ensure(tmp_path, ("mock.internal", "10.9.8.7"))
    assert created
    assert paths.ca_cert.read_bytes() == ca
    assert {"mock.internal", "10.9.8.7", "localhost", "sandboxapi.iovox.com"} <= san_names(paths.server_cert)
    # the new certificate is issued by the old CA
    leaf = x509.load_pem_x509_certificates(paths.server_cert.read_bytes())[0]
    assert leaf.issuer == x509.load_pem_x509_certificate(ca).subject


def test_force_makes_a_new_ca(tmp_path: Path) -> None:
    paths, _ = certs.ensure(tmp_path)
    ca = paths.ca_cert.read_bytes()
    certs.ensure(tmp_path, force=True)
    assert paths.ca_cert.read_bytes() != ca


def test_uvicorn_refuses_tls_below_12(tmp_path: Path) -> None:
    paths, _ = certs.ensure(tmp_path)
    config = uvicorn.Config(
        app=None,  # type: ignore[arg-type]  # no app: only the TLS files are loaded
        ssl_certfile=str(paths.server_cert),
        ssl_keyfile=str(paths.server_key),
    )
    config.load()
    assert config.ssl is not None
    assert config.ssl.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert config.ssl.maximum_version in (ssl.TLSVersion.MAXIMUM_SUPPORTED, ssl.TLSVersion.TLSv1_3)


# --- issue 14 item 8 ----------------------------------------------------------------------------


def test_ca_is_constrained_and_leaf_is_for_servers_only(tmp_path: Path) -> None:
    from datetime import timedelta

    from cryptography.x509.oid import ExtendedKeyUsageOID

    paths, _ = certs.ensure(tmp_path)
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    leaf = x509.load_pem_x509_certificates(paths.server_cert.read_bytes())[0]
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = {str(g.value) for g in constraints.value.permitted_subtrees or []}
    assert {"localhost", "sandboxapi.iovox.com", "api.iovox.com", "127.0.0.0/8", "::1/128"} <= permitted
    assert "iovox.com" not in permitted
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    assert ca.not_valid_after_utc - ca.not_valid_before_utc <= timedelta(days=5 * 365 + 1)
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= timedelta(days=826)


def test_a_name_outside_the_constraints_gets_a_new_ca(tmp_path: Path) -> None:
    paths, _ = certs.ensure(tmp_path)
    ca = paths.ca_cert.read_bytes()
    certs.ensure(tmp_path, ("mock.internal", "192.168.5.5"))
    assert paths.ca_cert.read_bytes() == ca  # local names: same CA
    certs.ensure(tmp_path, ("mock.example.org",))
    assert paths.ca_cert.read_bytes() != ca
    assert "mock.example.org" in san_names(paths.server_cert)


def test_openssl_verifies_the_chain_for_its_names(tmp_path: Path) -> None:
    paths, _ = certs.ensure(tmp_path)
    _handshake(paths, ssl.create_default_context(cafile=str(paths.ca_cert)), "sandboxapi.iovox.com")


# --- issue 13: EC keys (start-up time) ----------------------------------------------------------


def _handshake(paths: certs.CertPaths, client_ctx: ssl.SSLContext, hostname: str = "localhost") -> str:
    """A TLS handshake with the server certificate for `hostname`; the cipher the client got."""
    import socket
    import threading

    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(paths.server_cert, paths.server_key)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def serve() -> None:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)

        thread = threading.Thread(target=serve)
        thread.start()
        with (
            socket.create_connection(listener.getsockname()) as raw,
            client_ctx.wrap_socket(raw, server_hostname=hostname) as tls,
        ):
            cipher = tls.cipher()
            tls.sendall(b"x")
        thread.join()
    assert cipher is not None
    return cipher[0]


def test_keys_are_ecdsa_p256_and_a_tls12_client_verifies_them(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    paths, _ = certs.ensure(tmp_path)
    for cert_path, key_path in ((paths.ca_cert, paths.ca_key), (paths.server_cert, paths.server_key)):
        public = x509.load_pem_x509_certificate(cert_path.read_bytes()).public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        assert public.curve.name == "secp256r1"
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
    leaf = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_encipherment
    # Ruby's gem pins TLS 1.2: an ECDHE-ECDSA suite, the chain verified against ca.crt
    client = ssl.create_default_context(cafile=str(paths.ca_cert))
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    assert _handshake(paths, client).startswith("ECDHE-ECDSA-")


def test_an_rsa_ca_of_an_earlier_version_is_kept_and_signs_the_new_leaf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    with monkeypatch.context() as patched:  # certificates as an earlier version made them
        patched.setattr(certs, "_new_key", lambda: rsa.generate_private_key(65537, 2048))
        paths, _ = certs.ensure(tmp_path)
    ca = paths.ca_cert.read_bytes()
    assert isinstance(x509.load_pem_x509_certificate(ca).public_key(), rsa.RSAPublicKey)
    paths, created = certs.ensure(tmp_path, ("mock.internal",))
    assert created
    assert paths.ca_cert.read_bytes() == ca  # clients that trust it keep working
    leaf = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
    assert "mock.internal" in san_names(paths.server_cert)
    _handshake(paths, ssl.create_default_context(cafile=str(paths.ca_cert)))
