"""The local CA and server certificate, and the TLS settings uvicorn ends up with."""

from __future__ import annotations

import ssl
from pathlib import Path

import uvicorn
from cryptography import x509

from mock_iovox import certs


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
    config = uvicorn.Config(app=None, ssl_certfile=str(paths.server_cert), ssl_keyfile=str(paths.server_key))
    config.load()
    assert config.ssl is not None
    assert config.ssl.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert config.ssl.maximum_version in (ssl.TLSVersion.MAXIMUM_SUPPORTED, ssl.TLSVersion.TLSv1_3)
