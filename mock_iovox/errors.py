"""The vendor's error table and the exception that carries vendor errors to the renderer.

General (interface-independent) messages live here, as overview.txt and SPEC.md §1.1 list them.
Method-specific messages live with their method in the catalogue (`Method.errors`). No error string
is written inline at a raise site.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self

# --- General errors (overview.txt "General Errors"; DECISIONS.md §2 for the order of stages) ---
UNAUTHORIZED = "HTTP 401: Unauthorized"
HTTPS_REQUIRED = "HTTPS Required"
USERNAME_EMPTY = "Username Empty"
SECURE_KEY_EMPTY = "Secure Key Empty"
INTERFACE_EMPTY = "Interface Name Empty"
INTERFACE_UNKNOWN = "Interface does not exist: {interface}"
METHOD_EMPTY = "Method Empty"
METHOD_INVALID = "Method Invalid: {method} in interface {interface}"
VERSION_EMPTY = "API Version Empty"
# overview.txt's wording wins over the per-page "API Version Invalid" (DECISIONS.md §2 stage 4)
VERSION_INVALID = "Invalid API Version"
INTERNAL = "Internal Server Error"

# --- Common per-method errors (SPEC.md §1.1) ---
WRONG_VERB = "Request Method must be {expected}. {actual} attempted"
PAGE_NOT_INTEGER = "Page Number not an integer"
LIMIT_NOT_INTEGER = "Limit not an integer"
LIMIT_RANGE = "Limit must be between 1 and {max}"
OUTPUT_INVALID = "Output Type Invalid"
REQ_FIELDS_INVALID = "Required Fields Invalid: {fields}"
ORDER_FIELD_INVALID = "Order Field Invalid"
ORDER_DIRECTION_INVALID = "Order Direction Invalid"
XML_EMPTY = "XML Empty"
XML_PARSE = "XML parse error. {message} at line {line}, column {column}"
REQUEST_EMPTY = "Request Empty"

# --- Item-indexed payload messages: "<Field> x of y <Problem>" (SPEC.md §1.1) ---
ITEM_EMPTY = "{label} {x} of {y} Empty"
ITEM_INVALID = "{label} {x} of {y} Invalid"
ITEM_NOT_INTEGER = "{label} {x} of {y} not an integer"
ITEM_TOO_LONG = "{label} {x} of {y} too long"
# a top-level scalar of <request> (no item index)
TOP_EMPTY = "{label} Empty"
TOP_INVALID = "{label} Invalid"

# --- Where the vendor is silent: the mock's own wording (listed in docs/guesses.md) ---
DOCTYPE_FORBIDDEN = "Document type declarations are not allowed"
BODY_TOO_LARGE = "Request Too Large: the body exceeds {limit} bytes"
NOT_IMPLEMENTED = "Method not implemented in mock-iovox: {method}"
PARAM_NOT_INTEGER = "{label} not an integer"
PARAM_INVALID = "{label} Invalid"
XML_TOO_MANY_ELEMENTS = "Request Too Large: the XML has more than {max} elements"
XML_TOO_MANY_ATTRIBUTES = "XML Invalid: element {tag} has more than {max} attributes at line {line}"
# phrased like the vendor's one documented cap (deleteVoxnumbersFromAccount, 100 numbers)
TOO_MANY_ITEMS = "You can only send a maximum of {max} items in a single request"
TOO_MANY_ERRORS = "Too Many Errors: {more} more not shown"
# answered by the HTTP layer (mock_iovox/server/http_guard.py) before a request reaches the application
URI_TOO_LONG = "Request URI Too Long: at most {max} bytes"
HEADERS_TOO_LARGE = "Request Header Fields Too Large: at most {count} headers, {size} bytes in all"
MALFORMED_REQUEST = "Bad Request: the HTTP request could not be parsed"


#: At most this many `<error>` elements in one answer, the last one summarising the rest.
MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True, slots=True)
class VendorError:
    """One `<error status="…">message</error>` element."""

    status: int
    message: str


class IovoxError(Exception):
    """Raised anywhere in request handling; rendered as the vendor's `<errors>` body.

    The HTTP status of the response is the status of the first error (DECISIONS.md §1).
    """

    def __init__(self, errors: Iterable[VendorError]) -> None:
        self.errors = tuple(errors)
        if not self.errors:
            raise ValueError("IovoxError needs at least one error")
        if len(self.errors) > MAX_REPORTED_ERRORS:
            # the vendor shape allows a final summarising error; a body of 1,000 bad items stays small
            shown = self.errors[: MAX_REPORTED_ERRORS - 1]
            more = len(self.errors) - len(shown)
            self.errors = (*shown, VendorError(400, TOO_MANY_ERRORS.format(more=more)))
        super().__init__("; ".join(e.message for e in self.errors))

    @property
    def status(self) -> int:
        return self.errors[0].status

    @classmethod
    def one(cls, template: str, /, status: int = 400, **fields: Any) -> Self:
        return cls([VendorError(status, format_fields(template, fields))])


class ErrorList:
    """Collects every problem of one stage so that they are reported together (DECISIONS.md §2)."""

    def __init__(self) -> None:
        self.items: list[VendorError] = []

    def add(self, template: str, /, status: int = 400, **fields: Any) -> None:
        self.items.append(VendorError(status, format_fields(template, fields)))

    def extend(self, other: Iterable[VendorError]) -> None:
        self.items.extend(other)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise IovoxError(self.items)


def format_fields(template: str, fields: Mapping[str, Any]) -> str:
    return template.format(**fields) if fields else template
