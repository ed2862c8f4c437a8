"""One frozen settings object, built from MOCK_IOVOX_* environment variables and CLI flags."""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("sandbox", "production")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def packaged_file(*parts: str) -> Path:
    """A data file shipped inside the package (pyproject's package-data), as a path on disk.

    Read through importlib.resources, so an installed wheel finds it whatever the current folder;
    a zipped install gets a temporary copy that lives as long as the process."""
    resource = files("mock_iovox").joinpath(*parts)
    if isinstance(resource, Path):
        return resource
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return stack.enter_context(as_file(resource))


#: the demo fixture, package data (mock_iovox/fixtures/default.yaml)
DEFAULT_FIXTURE = packaged_file("fixtures", "default.yaml")
ENV_PREFIX = "MOCK_IOVOX_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | tuple[str, ...] | list[str]) -> tuple[IPNetwork, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in items if v.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 444
    #: plain-HTTP listener answering every request with 400 `HTTPS Required`; 0 = off
    http_port: int = 0
    #: which environments this process serves: sandbox, production or both
    env: str = "both"
    #: environment for a Host that does not start with "sandbox" (DECISIONS.md §3)
    default_env: str = "sandbox"
    data_dir: Path = Path("data")
    #: SQLAlchemy URL; "{env}" is replaced by the environment name (each has its own database)
    database_url: str = ""
    fixture: Path = DEFAULT_FIXTURE
    certs_dir: Path = Path("certs")
    #: extra DNS names / IP addresses for the server certificate
    cert_names: tuple[str, ...] = ()
    workers: int = 1
    #: threads running handlers in each worker (more help only when requests wait on a remote database)
    handler_threads: int = 1
    #: proxies whose X-Forwarded-For is believed (CIDR list)
    trusted_proxies: tuple[IPNetwork, ...] = ()
    #: largest request body accepted, in bytes (base64 sound files need room)
    max_body_bytes: int = 20 * 1024 * 1024
    #: largest state import (PUT /__mock__/state), in bytes; other control-plane bodies have
    #: max_body_bytes
    max_import_bytes: int = 128 * 1024 * 1024
    #: serve without TLS on `port` (tests and the PHP client's http:// endpoint); off by default
    insecure: bool = False
    log_level: str = "info"
    #: request log lines as text or one JSON object per line
    log_format: str = "text"
    #: longest rendered call/voicemail recording, in seconds (longer talk times are cut)
    recording_cap_seconds: int = 120
    #: key for the /__mock__ control plane (header X-Mock-Admin-Key); empty = loopback callers only
    admin_key: str = ""
    #: vendor requests kept in each environment's journal (a ring); 0 = no journal
    journal_size: int = 1000
    #: where the mock's own requests (callbacks, httpRequest rules) may go: HOST[:PORT], IP[:PORT]
    #: or CIDR entries; empty = loopback (never the mock's own ports: mock_iovox/outbound.py)
    outbound_allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.env not in (*ENVIRONMENTS, "both"):
            raise ValueError(f"env must be sandbox, production or both, not {self.env!r}")
        if self.default_env not in ENVIRONMENTS:
            raise ValueError(f"default env must be sandbox or production, not {self.default_env!r}")
        if not 0 < self.port < 65536:
            raise ValueError(f"port out of range: {self.port}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.handler_threads < 1:
            raise ValueError("handler threads must be at least 1")
        if self.log_level not in LOG_LEVELS:
            raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")
        if self.log_format not in ("text", "json"):
            raise ValueError(f"log format must be text or json, not {self.log_format!r}")
        if self.journal_size < 0:
            raise ValueError("journal size must be 0 (off) or more")
        from mock_iovox.outbound import parse_entries

        parse_entries(self.outbound_allow)
        if self.max_body_bytes < 1024:
            raise ValueError("max body size must be at least 1024 bytes")
        if self.max_import_bytes < 1024:
            raise ValueError("max import size must be at least 1024 bytes")
        if self.env == "both" and self.database_url and "{env}" not in self.database_url:
            raise ValueError(
                "serving both environments needs a database URL containing {env} "
                "(each environment has its own database), or --env sandbox|production"
            )

    @property
    def environments(self) -> tuple[str, ...]:
        return ENVIRONMENTS if self.env == "both" else (self.env,)

    def url_for(self, env: str) -> str:
        if self.database_url:
            return self.database_url.replace("{env}", env)
        return f"sqlite:///{self.data_dir.resolve() / f'{env}.sqlite3'}"

    def choose_env(self, host: str) -> str:
        """Environment for a request's Host header (DECISIONS.md §3)."""
        if self.env != "both":
            return self.env
        return "sandbox" if host.lower().startswith("sandbox") else self.default_env

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_CONVERTERS: Mapping[str, Any] = {
    "port": int,
    "http_port": int,
    "workers": int,
    "handler_threads": int,
    "max_body_bytes": int,
    "max_import_bytes": int,
    "recording_cap_seconds": int,
    "journal_size": int,
    "data_dir": Path,
    "fixture": Path,
    "certs_dir": Path,
    "cert_names": lambda v: tuple(x.strip() for x in v.split(",") if x.strip()),
    "trusted_proxies": parse_networks,
    "outbound_allow": lambda v: tuple(x.strip() for x in v.split(",") if x.strip()),
    "insecure": lambda v: _boolean(v),
}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _boolean(value: str) -> bool:
    word = value.strip().lower()
    if word not in _TRUE + _FALSE:
        raise ValueError(f"{value!r} is neither true ({'/'.join(_TRUE)}) nor false ({'/'.join(_FALSE)})")
    return word in _TRUE


def from_environ(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from MOCK_IOVOX_<NAME> variables, then explicit overrides (CLI flags) on top."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name = ENV_PREFIX + f.name.upper()
        raw = environ.get(name)
        if raw is not None and raw != "" and overrides.get(f.name) is None:
            try:
                values[f.name] = _CONVERTERS.get(f.name, str)(raw)
            except ValueError as exc:
                raise ValueError(f"{name}={raw}: {exc}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def to_environ(settings: Settings) -> dict[str, str]:
    """The inverse of `from_environ`, used to hand settings to uvicorn worker processes."""
    out: dict[str, str] = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, tuple):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "1" if value else "0"
        out[ENV_PREFIX + f.name.upper()] = str(value)
    return out


__all__ = ["ENVIRONMENTS", "Settings", "from_environ", "parse_networks", "to_environ"]
