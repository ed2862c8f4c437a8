"""Schemathesis checks of the vendor's error contract, loaded into `st run` as its hooks module
(SCHEMATHESIS_HOOKS=tests.openapi_checks; tests/test_openapi_fuzz.py, bench/openapi_fuzz.py).

`vendor_errors`: every answer of 400 or more is the vendor's `<errors>` document (tests/fuzz.py's
shape check), and every message in it is one the OpenAPI document lists for that operation, as
written or with its `{placeholders}` filled.

`xml_conformance`: every success answer in XML holds to the document's XML schema for it
(tests/openapi_xml.py; Schemathesis's own response_schema_conformance validates JSON bodies only).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
from lxml import etree

from mock_iovox import errors
from mock_iovox.catalog import find_method
from mock_iovox.openapi import general_errors, method_errors
from tests.fuzz import shape_problem
from tests.openapi_xml import success_schema, xml_problem

#: where the status of each checked answer is tallied (one line per answer), so a test can tell that the check
#: ran; unset: no tally
TALLY_ENV = "MOCK_IOVOX_ST_TALLY"
#: beside it, the statuses of the success answers the XML check held to their schema
XML_TALLY_SUFFIX = ".xml"
_PLACEHOLDER = re.compile(r"\\\{[a-z_]+\\\}")


@cache
def _patterns(path: str) -> tuple[re.Pattern[str], ...]:
    interface, _, method = path.lstrip("/").partition("#method=")
    m = find_method(interface, method)
    assert m is not None, f"no catalogue method for {path}"
    texts = {*general_errors(m).values(), *(e.text for e in m.errors.values())}
    texts |= {t for s in {e.status for e in m.errors.values()} for t in method_errors(m, s).values()}
    # the fixed answers of every operation (components/responses of the document)
    texts |= {errors.UNAUTHORIZED, errors.INTERNAL, errors.URI_TOO_LONG, errors.HEADERS_TOO_LARGE}
    return tuple(re.compile(_PLACEHOLDER.sub(".*", re.escape(t)) + r"\Z", re.S) for t in sorted(texts))


@schemathesis.check
def vendor_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    status = response.status_code
    _tally(status)
    if status < 400:
        return None
    problem = shape_problem(case.method.upper(), status, _content_type(response), response.content)
    if problem is not None and status < 500:
        raise AssertionError(f"not the vendor's <errors> shape: {problem}")
    root = etree.fromstring(response.content)
    patterns = _patterns(case.operation.path)
    for error in root.findall("error"):
        text = error.text or ""
        if not any(p.match(text) for p in patterns):
            raise AssertionError(f"undocumented error text for {case.operation.path}: {text!r}")
    return None


@schemathesis.check
def xml_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    status = response.status_code
    if status >= 400 or "xml" not in _content_type(response):
        return None
    schema = success_schema(case.operation.path, case.method, status)
    if schema is None:
        return None
    problem = xml_problem(response.content, schema)
    _tally(status, XML_TALLY_SUFFIX)
    if problem is not None:
        raise AssertionError(f"the XML answer is not the documented one: {problem}")
    return None


def _content_type(response: Any) -> str:
    value = response.headers.get("content-type", [""])
    return str(value[0] if isinstance(value, list) else value)


def _tally(status: int, suffix: str = "") -> None:
    path = os.environ.get(TALLY_ENV)
    if path:
        with Path(path + suffix).open("a") as out:  # a line is written at once: safe across the CLI's workers
            out.write(f"{status}\n")


#: the checks of every run: no 5xx, documented statuses, content types and JSON bodies, vendor errors
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "vendor_errors",
    "xml_conformance",
)


def st_command(document: Path, url: str, ca: Path, *, examples: int, workers: int, seed: int) -> list[str]:
    """`st run` over TLS with the default sandbox credentials (the fixture's RestUserName)."""
    import sys

    from tests.helpers import SANDBOX_KEY, SANDBOX_USER

    return [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(document),
        "--url",
        url,
        "--tls-verify",
        str(ca),
        "--header",
        f"username:{SANDBOX_USER}",
        "--header",
        f"secureKey:{SANDBOX_KEY}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(examples),
        "--phases",
        "examples,fuzzing",
        "--mode",
        "positive",
        "--workers",
        str(workers),
        "--seed",
        str(seed),
        "--generation-database",
        "none",
        # the call-flow bodies are large schemas: slow to generate, not a fault of the API
        "--suppress-health-check",
        "too_slow,filter_too_much",
        "--no-color",
    ]


_GENERATED = re.compile(r"(\d+) generated, ")
_FAILURES = re.compile(r"(\d+) failures?[, ].* in [0-9.]+s =+\s*$", re.M)


def summary(output: str) -> tuple[int, int]:
    """(cases generated, failures reported) from the run's closing lines."""
    found = _GENERATED.search(output)
    assert found, output[-3000:]
    failures = _FAILURES.search(output)
    return int(found[1]), int(failures[1]) if failures else 0
