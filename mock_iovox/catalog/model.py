"""The shape of the method catalogue: plain, frozen data describing every vendor method.

Everything generic (routing, verb checks, parameter coercion, paging, req_fields, order, payload
validation, rendering) is derived from these records; handlers only hold business rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Verb(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    DELETE = "DELETE"


#: Success status per verb (SPEC.md §1, DECISIONS.md §1): the PHP client accepts nothing else.
SUCCESS_STATUS: Mapping[Verb, int] = MappingProxyType(
    {Verb.GET: 200, Verb.POST: 201, Verb.PUT: 204, Verb.DELETE: 204}
)


class PType(StrEnum):
    """Value types of query parameters and payload fields."""

    STRING = "string"
    INTEGER = "integer"  # digits only (leading '-' refused)
    BOOLEAN = "boolean"  # TRUE / FALSE (case-insensitive on input)
    LOWER_BOOLEAN = "lower_boolean"  # true / false (getNodeDetails return_* flags)
    DATETIME = "datetime"  # YYYY-MM-DD[ HH:MM:SS]
    DATE = "date"  # YYYY-MM-DD
    TIME = "time"  # HH:MM
    ENUM = "enum"  # one of `choices` (compared upper-case)


class JsonList(StrEnum):
    """How a repeated child is written in JSON where "one → object, several → list" breaks the PHP
    client's models (PHP-MODELS.md §3); the values are xmlio's ALWAYS_LIST / SPLIT_LIST."""

    ALWAYS = "always"  # a list even with one child: `"days":{"day":["MON"]}`
    SPLIT = "split"  # several children: `"sound_files":[{"sound_file":"a"},{"sound_file":"b"}]`


class Response(StrEnum):
    """What a successful call answers with."""

    LIST = "list"  # paged <response><current_page/>…<results><result/>…</results></response>
    EMPTY = "empty"  # 204 (PUT/DELETE) or 201 with an empty body
    DOCUMENT = "document"  # a handler-built <response> tree (create echoes, purchase, getCallFlow …)
    BINARY = "binary"  # raw bytes (MP3 recordings, sound files)


@dataclass(frozen=True, slots=True)
class Err:
    """One documented method error. `text` may hold str.format fields such as {x}, {y}, {value}."""

    text: str
    status: int = 400


@dataclass(frozen=True, slots=True)
class QueryParam:
    name: str
    type: PType = PType.STRING
    mandatory: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()
    #: key into Method.errors used when a mandatory parameter is missing or empty
    empty_error: str | None = None
    #: key into Method.errors used when the value fails its type / choice check
    invalid_error: str | None = None
    #: accepts the bracket forms name[] and name[0], name[1] … (cat_ids); value becomes a list
    array: bool = False
    doc: str = ""
    #: a DATETIME given as a bare date means the end of that day (23:59:59), e.g. getCallData edt
    end_of_day: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """One response field of a list method, selectable through req_fields and order."""

    abbr: str
    element: str
    default: bool = False  # part of the default req_fields set
    orderable: bool = True
    #: nested group this field belongs to, e.g. "categories/category" for cat_id/cat_lbl/cat_v;
    #: the handler fills groups, the renderer keeps only requested members
    group: str | None = None
    #: key into Method.errors when this field is requested on its own (getCategories `chc`)
    alone_error: str | None = None
    #: leave the element out when its value is empty: dates the PHP models read "" as "now", phones
    #: they read "" as a phantom number (PHP-MODELS.md §3 traps 8-10)
    omit_empty: bool = False


@dataclass(frozen=True, slots=True)
class Extra:
    """An element a row carries that req_fields does not select (so only the OpenAPI document reads
    it): `path` is the element, under a group's items when it starts with the group ("links/link/…")."""

    path: str
    #: an element tree the handler fills, not a text
    tree: bool = False
    #: a wrapped list of the same items as this row-level group (getNodeDetails' link `cats`)
    like: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    fields: tuple[Field, ...]
    default_order: str | None = None  # e.g. "nn_DESC"; None = creation order, oldest first
    limit_max: int = 20000
    #: the bound the out-of-range message names when the vendor's page prints another one than it
    #: accepts (getNodes, getCategories: "between 1 and 5000", sic, while 20000 is accepted)
    limit_text: int | None = None
    paged: bool = True  # page / limit accepted
    selectable: bool = True  # req_fields accepted
    orderable: bool = True  # order accepted
    #: elements a row carries beside its fields that req_fields does not select (getCallMetrics'
    #: `period` and group values, getNodeDetails' link rules), so the OpenAPI document lists them
    extras: tuple[Extra, ...] = ()

    @property
    def default_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.default)

    def by_abbr(self) -> dict[str, Field]:
        return {f.abbr: f for f in self.fields}


@dataclass(frozen=True, slots=True)
class PField:
    """One element of a payload item (or a top-level element of <request>)."""

    name: str
    #: human label used in item-indexed messages: "<label> x of y Empty"
    label: str
    type: PType = PType.STRING
    required: bool = False
    choices: tuple[str, ...] = ()
    #: other spellings accepted on input (PHP's email2 for email_2, post_code for postcode …)
    aliases: tuple[str, ...] = ()
    #: a repeated scalar (several <link_id> under <link_ids>): value becomes a list of strings
    many: bool = False
    #: a nested list of items (categories/category, links/link, rules_variable/rule …)
    nested: Payload | None = None
    #: message for a value that fails its type/choice check; default "{label} {x} of {y} Invalid"
    invalid: str | None = None
    #: longest value accepted, in characters (None: no limit)
    max_length: int | None = None
    #: an element sent blank (`<node_name/>`, not `xsi:nil`) is `<label> x of y Empty` rather than
    #: "not supplied": updateNodes' vendor table says "add node_name … or remove node_name from the XML"
    blank_is_empty: bool = False
    #: (many) a blank item inside the list is kept as "" for the handler to report (transferVoxnumbers'
    #: `voxnumber x of y is empty`) instead of being skipped
    keep_blank: bool = False


#: Items per request where the vendor documents no maximum (it documents one only for
#: deleteVoxnumbersFromAccount: 100): request bodies, comma lists and repeated query parameters alike.
DEFAULT_MAX_ITEMS = 1000


#: Longest text of a payload field without its own `max_length`, in characters: the vendor documents
#: no lengths; 255 is the usual column size, and a longer value must be a vendor 400, not a
#: database error (PostgreSQL refuses index entries over 2,704 bytes). Fields known to carry long
#: text are listed with their own bound (None: no bound; the body size bounds them).
DEFAULT_MAX_TEXT = 255
LONG_TEXT: Mapping[str, int | None] = MappingProxyType(
    {
        "notes": 4000,
        "message": 4000,
        "cc_list": 4000,
        "callback_url_headers": 4000,
        "sound_file": None,
        "sound_files": None,
    }
)


def text_limit(f: PField) -> int | None:
    """The longest value `f` takes (integers and choices are bounded by their own checks)."""
    if f.max_length is not None:
        return f.max_length
    if f.type is not PType.STRING:
        return None
    return LONG_TEXT.get(f.name, DEFAULT_MAX_TEXT)


@dataclass(frozen=True, slots=True)
class Payload:
    """How a request body is read into items.

    Items are the elements named `item` found under `wrapper` (itself under <request>, possibly
    repeated: PHP sends one wrapper per item) or, without a wrapper, directly under <request>.
    For a nested Payload, `wrapper` is the element inside the parent item (e.g. "categories").
    """

    item: str | None
    wrapper: str | None = None
    fields: tuple[PField, ...] = ()
    #: scalar elements directly under <request> (rm_rules, call_status, template_name …)
    top: tuple[PField, ...] = ()
    #: the handler receives the raw element tree instead (call-flow XML)
    raw: bool = False
    #: at least one item is required (else `Request Empty`)
    require_items: bool = True
    max_items: int | None = None
    #: keep unknown child elements of an item as extra string values (initiateCall call_variables)
    open_fields: bool = False
    #: one text node may exceed libxml2's 10 MB limit (base64 audio; see xmlio.parse)
    huge_text: bool = False
    #: what a malformed body answers when the vendor's page prints a bare text (setCallStatus,
    #: transferVoxnumbers: `XML Parse Error`) instead of `XML parse error. x at line y, column z`
    parse_error: str | None = None


@dataclass(frozen=True, slots=True)
class Method:
    interface: str
    name: str
    verb: Verb
    summary: str
    params: tuple[QueryParam, ...] = ()
    listing: Listing | None = None
    payload: Payload | None = None
    response: Response = Response.EMPTY
    #: output=JSON honoured (otherwise output is accepted and ignored, DECISIONS.md §1)
    json: bool = False
    #: documented method-specific errors, by a short key used by handlers and param checks
    errors: Mapping[str, Err] = field(default_factory=dict)
    #: which sources know the method (SPEC.md §4 last column) and notes on what the mock guesses
    sources: str = ""
    guesses: tuple[str, ...] = ()
    #: JSON shape of repeated children, keyed "wrapper/child" (e.g. "days/day": JsonList.ALWAYS)
    json_lists: Mapping[str, JsonList] = field(default_factory=dict)
    #: a writing method whose effect reaches outside the database (a thread, a callback, a flow's
    #: HTTP request): it never shares a batch's transaction with other requests (a batch may run
    #: its requests twice); anything else that tries such an effect in a batch fails loudly
    alone: bool = False
    #: its answer depends on the mock's clock (calls become visible as it advances): a kept answer
    #: holds for the clock's day, until the account's next hidden call starts
    clock_bound: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.interface, self.name)

    @property
    def success_status(self) -> int:
        return SUCCESS_STATUS[self.verb]


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    methods: tuple[Method, ...]
    #: documented by the vendor but used by neither public client (Flow, Clis, SMS)
    doc_only: bool = False

    def method(self, name: str) -> Method | None:
        for m in self.methods:
            if m.name == name:
                return m
        return None
