"""Shared test helpers (no tests here; a test module imports only from this package, tests/server.py,
and the small support modules beside it; never from another test module or conftest).

tests.helpers        the request and assertion helpers shaped like the real clients (wire.py) and the
                     in-process client `Api` (api.py), re-exported here
tests.helpers.X      one module per subject: numbering, calls, flows, admin, soundfiles, fixtures,
                     concurrency
"""

from __future__ import annotations

from tests.helpers.api import Api, prepare_pinned
from tests.helpers.wire import (
    CLIENT,
    OTHER,
    OTHER_SANDBOX_KEY,
    OTHER_USER,
    PHP_HEADERS,
    PINNED,
    PRODUCTION_KEY,
    RUBY_HEADERS,
    RUBY_PROLOG,
    SANDBOX_KEY,
    SANDBOX_USER,
    assert_errors,
    errors_of,
    mp3_info,
    node_xml,
    php_body,
    php_query,
    process_alive,
    results,
    ruby_body,
    ruby_query,
    totals,
    xml_of,
)

__all__ = [
    "CLIENT",
    "OTHER",
    "OTHER_SANDBOX_KEY",
    "OTHER_USER",
    "PHP_HEADERS",
    "PINNED",
    "PRODUCTION_KEY",
    "RUBY_HEADERS",
    "RUBY_PROLOG",
    "SANDBOX_KEY",
    "SANDBOX_USER",
    "Api",
    "assert_errors",
    "errors_of",
    "mp3_info",
    "node_xml",
    "php_body",
    "php_query",
    "prepare_pinned",
    "process_alive",
    "results",
    "ruby_body",
    "ruby_query",
    "totals",
    "xml_of",
]
