"""The only module that touches lxml: hardened request parsing, XML and JSON rendering.

Requests are parsed into a small neutral tree (`XNode`) so nothing else depends on lxml. Parsing
never loads a DTD, never resolves an entity, never touches the network, refuses any DOCTYPE, and keeps
libxml2's default depth and size limits (XML_PARSE_HUGE stays off).

Responses are plain Python data (see `Tree`) rendered either as the vendor's XML or as its JSON mirror
(DECISIONS.md §1): every scalar a string, one repeated element an object, several a list, an empty
value "".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeAlias, cast

from lxml import etree

from mock_iovox import errors
from mock_iovox.errors import IovoxError, VendorError

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
XML_CONTENT_TYPE = "application/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"

#: A response tree: element name -> text (str/int/None) | subtree | list of repeated elements.
#: Keys starting with "@" are attributes of the enclosing element.
Tree: TypeAlias = Mapping[str, Any]


class JsonList(list[Any]):
    """Repeated elements that stay a JSON list even when there is only one (PHP-MODELS.md §3:
    a time frame's `days.day`); in XML they are written like any list."""


@dataclass(slots=True)
class XNode:
    """One element of a parsed request body."""

    tag: str
    attrib: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[XNode] = field(default_factory=list)
    line: int = 0

    @property
    def nil(self) -> bool:
        """`xsi:nil="true"` (Ruby's Gyoku for nil values): treated as not supplied."""
        return self.attrib.get("nil", "").lower() == "true"

    @property
    def value(self) -> str:
        """The stripped text of a leaf; "" for nil or container elements."""
        if self.nil:
            return ""
        return self.text.strip()

    def find_all(self, tag: str) -> list[XNode]:
        return [c for c in self.children if c.tag == tag]

    def find(self, tag: str) -> XNode | None:
        for c in self.children:
            if c.tag == tag:
                return c
        return None


def _local(name: str) -> str:
    # "{ns}tag" -> "tag"; "xsi:nil" (recovered undeclared prefix) -> "nil"
    if name.startswith("{"):
        name = name.split("}", 1)[1]
    return name.rsplit(":", 1)[-1]


def _convert(el: Any) -> XNode:
    node = XNode(
        _local(el.tag), {_local(k): v for k, v in el.attrib.items()}, el.text or "", line=el.sourceline or 0
    )
    for child in el:
        if isinstance(child.tag, str):  # skip comments, processing instructions, entity refs
            node.children.append(_convert(child))
    return node


def _parser(recover: bool, huge_text: bool) -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not shareable across threads, and a fresh error log
    # keeps messages from earlier requests out of this one.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_text,
        recover=recover,
    )


def _parse_error(err: Any) -> IovoxError:
    message = (err.message or "").strip()
    return IovoxError.one(errors.XML_PARSE, message=message, line=err.line, column=err.column)


# A DOCTYPE can only stand in the prolog: an optional declaration, comments and PIs before it.
_PROLOG_DOCTYPE = re.compile(rb"^\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE", re.S)


#: libxml2's element depth limit without XML_PARSE_HUGE (kept when `huge_text` lifts the rest)
MAX_DEPTH = 256


def _depth_over(root: Any, limit: int) -> bool:
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > limit:
            return True
    return False


def _reparse_error(body: bytes) -> NoReturn:
    """Raise the error libxml2 gives `body` under its default limits."""
    strict = _parser(recover=False, huge_text=False)
    try:
        etree.fromstring(body, strict)
    except etree.XMLSyntaxError as exc:
        log: list[Any] = list(cast(Iterable[Any], strict.error_log))
        if log:
            raise _parse_error(log[0]) from exc
    raise IovoxError.one(
        errors.XML_PARSE, message=f"Excessive depth in document: {MAX_DEPTH}", line=1, column=1
    )


def parse(body: bytes, *, huge_text: bool = False) -> XNode:
    """Parse a request body or raise the vendor's `XML parse error. …` (400).

    An undeclared namespace prefix (`xsi:nil` from the Ruby client) is a namespace error, not a
    well-formedness error, so such a document is read again in recover mode; every other error is
    reported with libxml2's own message, line and column.

    `huge_text` lifts libxml2's 10 MB limit on one text node, for the methods whose payload carries
    base64 audio (the body stays bounded by --max-body-bytes), so that an oversized sound file is
    told as the vendor's `Exceeds maximum allowed filesize` rather than as a parser limit. The
    depth limit stays the usual 256 (XML_PARSE_HUGE would lift it too, past Python's recursion).
    """
    if _PROLOG_DOCTYPE.match(body):
        # refused before libxml2 sees it: no entity declaration is ever read
        raise IovoxError.one(errors.XML_PARSE, message=errors.DOCTYPE_FORBIDDEN, line=1, column=1)
    strict = _parser(recover=False, huge_text=huge_text)
    try:
        root = etree.fromstring(body, strict)
    except etree.XMLSyntaxError as exc:
        # the parser's own log: the exception's log also carries earlier parses of this thread
        log: list[Any] = list(cast(Iterable[Any], strict.error_log))
        if not log:
            raise IovoxError.one(errors.XML_PARSE, message=str(exc.msg), line=1, column=1) from exc
        if huge_text and "depth" in (log[0].message or ""):
            _reparse_error(body)  # the usual depth limit, as without huge_text
        if not all(e.domain_name == "NAMESPACE" for e in log):
            raise _parse_error(log[0]) from exc
        root = etree.fromstring(body, _parser(recover=True, huge_text=huge_text))
        if root is None:  # pragma: no cover - recover mode always yields a root for such input
            raise _parse_error(log[0]) from exc
    doctype = getattr(root.getroottree().docinfo, "doctype", "")
    if doctype:
        raise IovoxError.one(errors.XML_PARSE, message=errors.DOCTYPE_FORBIDDEN, line=1, column=1)
    if huge_text and _depth_over(root, MAX_DEPTH):
        # XML_PARSE_HUGE also lifts libxml2's depth limit: keep the usual one (and its message)
        _reparse_error(body)
    return _convert(root)


# ---------------------------------------------------------------------------------------------
# Rendering


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


# Characters XML 1.0 cannot carry at all are dropped; markup characters are escaped exactly as
# libxml2 escapes them (so the bytes equal what lxml would write).
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile('[&<>"\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def _escape(text: str) -> str:
    if not _SPECIAL.search(text):  # the common case: nothing to do
        return text
    text = _INVALID.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _escape_attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


def _write(out: list[str], name: str, value: Any) -> None:
    """Serialise one element. Element names come from the catalogue, never from a request."""
    kind = type(value)
    if kind is str:
        out.append(f"<{name}>{_escape(value)}</{name}>" if value else f"<{name}/>")
    elif kind is list or kind is tuple or kind is JsonList:
        for item in value:
            _write(out, name, item)
    elif isinstance(value, Mapping):
        attrs: list[str] = []
        body: list[str] = []
        for key, child in value.items():
            if type(child) is str and key[0] not in "@#":  # the common leaf, inlined
                body.append(f"<{key}>{_escape(child)}</{key}>" if child else f"<{key}/>")
            elif key[0] == "@":
                attrs.append(f' {key[1:]}="{_escape_attr(_text(child))}"')
            elif key == "#text":
                body.append(_escape(_text(child)))
            else:
                _write(body, key, child)
        head = name + "".join(attrs)
        out.append(f"<{head}>{''.join(body)}</{name}>" if body else f"<{head}/>")
    else:
        _write(out, name, _text(value))


def render_xml(root: str, tree: Tree | None = None) -> bytes:
    out: list[str] = []
    _write(out, root, tree or {})
    return XML_DECLARATION + "".join(out).encode("utf-8")


def render_errors(errs: Sequence[VendorError]) -> bytes:
    return render_xml("errors", {"error": [{"@status": e.status, "#text": e.message} for e in errs]})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k.lstrip("@"): _jsonable_member(v) for k, v in value.items() if not _empty_list(v)} or ""
    return _text(value)


def _empty_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and not value


def _jsonable_member(value: Any) -> Any:
    if isinstance(value, list | tuple):
        items = [_jsonable(v) for v in value]
        return items[0] if len(items) == 1 and type(value) is not JsonList else items
    return _jsonable(value)


def to_json_data(root: str, tree: Tree | None = None) -> dict[str, Any]:
    """The JSON mirror of `render_xml(root, tree)` as Python data."""
    return {root: _jsonable(tree or {})}


def render_json(root: str, tree: Tree | None = None) -> bytes:
    return json.dumps(to_json_data(root, tree), ensure_ascii=False, separators=(",", ":")).encode()
