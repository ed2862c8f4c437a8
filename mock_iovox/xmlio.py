"""The only module that touches lxml: hardened request parsing, XML and JSON rendering.

Requests are parsed into a small neutral tree (`XNode`) so nothing else depends on lxml. Parsing
never loads a DTD, never resolves an entity, never touches the network, refuses any DOCTYPE, and keeps
libxml2's default depth and size limits (XML_PARSE_HUGE stays off).

Responses are plain Python data (see `Tree`) rendered either as the vendor's XML or as its JSON mirror
(DECISIONS.md §1): every scalar a string, one repeated element an object, several a list, an empty
value "", a record with no fields `{}` (and a lone one `[{}]`); the catalogue can ask for a list
where the PHP models need one (`shapes`).
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


#: Bounds on a request body's shape (issue 14). The largest body the item cap allows — 1,000
#: contacts of 26 fields — has about 28,000 elements; below SQLite's 32,766 bound parameters, so no
#: `IN (…)` list built from a body can overflow. The clients write at most one attribute (`xsi:nil`).
MAX_ELEMENTS = 32_000
MAX_ATTRIBUTES = 64


def _attributes(el: Any) -> dict[str, str]:
    # `el.attrib.items()` (and `.values()`) look every value up by name again: quadratic in the
    # number of attributes (100,000 took a minute). XPath's `@*` walks the list once.
    if not el.attrib:
        return {}
    return {_local(a.attrname): str(a) for a in el.xpath("@*")}


def _convert(el: Any) -> XNode:
    node = XNode(_local(el.tag), _attributes(el), el.text or "", line=el.sourceline or 0)
    for child in el:
        if isinstance(child.tag, str):  # skip comments, processing instructions, entity refs
            node.children.append(_convert(child))
    return node


def _check_shape(root: Any) -> None:
    """Element and attribute bounds, counted by libxml2 before any Python object is made."""
    elements = int(root.xpath("count(descendant-or-self::*)"))
    if elements > MAX_ELEMENTS:
        raise IovoxError.one(errors.XML_TOO_MANY_ELEMENTS, max=MAX_ELEMENTS)
    crowded = root.xpath(f"descendant-or-self::*[count(@*) > {MAX_ATTRIBUTES}][1]")
    if crowded:
        el = crowded[0]
        raise IovoxError.one(
            errors.XML_TOO_MANY_ATTRIBUTES, tag=_local(el.tag), max=MAX_ATTRIBUTES, line=el.sourceline or 0
        )


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


class XmlParseError(IovoxError):
    """A body that is not well-formed XML (or is refused as such): `XML parse error. …`, which a
    method whose vendor page documents a bare text answers with that text instead (`Payload.parse_error`)."""


def _parse_error(err: Any) -> XmlParseError:
    message = (err.message or "").strip()
    return XmlParseError.one(errors.XML_PARSE, message=message, line=err.line, column=err.column)


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
    raise XmlParseError.one(
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
    # every element needs a `<` (two unless empty): more than that many means too many elements,
    # known before libxml2 builds a node
    if body.count(b"<") > 2 * MAX_ELEMENTS + 2:
        raise IovoxError.one(errors.XML_TOO_MANY_ELEMENTS, max=MAX_ELEMENTS)
    if _PROLOG_DOCTYPE.match(body):
        # refused before libxml2 sees it: no entity declaration is ever read
        raise XmlParseError.one(errors.XML_PARSE, message=errors.DOCTYPE_FORBIDDEN, line=1, column=1)
    strict = _parser(recover=False, huge_text=huge_text)
    try:
        root = etree.fromstring(body, strict)
    except etree.XMLSyntaxError as exc:
        # the parser's own log: the exception's log also carries earlier parses of this thread
        log: list[Any] = list(cast(Iterable[Any], strict.error_log))
        if not log:
            raise XmlParseError.one(errors.XML_PARSE, message=str(exc.msg), line=1, column=1) from exc
        if huge_text and "depth" in (log[0].message or ""):
            _reparse_error(body)  # the usual depth limit, as without huge_text
        if not all(e.domain_name == "NAMESPACE" for e in log):
            raise _parse_error(log[0]) from exc
        root = etree.fromstring(body, _parser(recover=True, huge_text=huge_text))
        if root is None:  # pragma: no cover - recover mode always yields a root for such input
            raise _parse_error(log[0]) from exc
    doctype = getattr(root.getroottree().docinfo, "doctype", "")
    if doctype:
        raise XmlParseError.one(errors.XML_PARSE, message=errors.DOCTYPE_FORBIDDEN, line=1, column=1)
    if huge_text and _depth_over(root, MAX_DEPTH):
        # XML_PARSE_HUGE also lifts libxml2's depth limit: keep the usual one (and its message)
        _reparse_error(body)
    # every element needs a `<` and every attribute a `=`: a body with few enough of both is
    # within the bounds without asking libxml2 to count (most bodies; the counts are C loops)
    if body.count(b"<") > MAX_ELEMENTS or body.count(b"=") > MAX_ATTRIBUTES:
        _check_shape(root)
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


def write_node(node: XNode) -> str:
    """Serialise a parsed element back to XML, children in document order (stored call flows).

    Its names did come from a request, but they passed lxml's parser, so they are well-formed names.
    """
    attrs = "".join(f' {k}="{_escape_attr(v)}"' for k, v in node.attrib.items())
    inner = "".join(write_node(c) for c in node.children) if node.children else _escape(node.text.strip())
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>" if inner else f"<{node.tag}{attrs}/>"


def _write(out: list[str], name: str, value: Any) -> None:
    """Serialise one element. Element names come from the catalogue, never from a request."""
    kind = type(value)
    if kind is XNode:  # a stored document (getCallFlow), written as it was read
        out.append(write_node(value))
    elif kind is str:
        out.append(f"<{name}>{_escape(value)}</{name}>" if value else f"<{name}/>")
    elif kind is list or kind is tuple or kind is JsonList:
        for item in value:
            _write(out, name, item)
    elif isinstance(value, Mapping):
        flat = _flat(name, value)
        if flat is not None:
            out.append(flat)
            return
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


#: key tuples of records -> whether none is an attribute or text key
_PLAIN_KEYS: dict[tuple[str, ...], bool] = {}


def _flat(name: str, record: Mapping[str, Any]) -> str | None:
    """A record of plain string leaves with nothing to escape (a row of a listing, the common case)
    in one pass: one search for special characters over all its values instead of one per leaf
    (getCallData's 100 rows: 0.60 -> 0.37 ms). None: `_write` takes it leaf by leaf."""
    keys = tuple(record)
    plain = _PLAIN_KEYS.get(keys)
    if plain is None:
        plain = not any(k[:1] in ("@", "#") for k in keys)
        if len(_PLAIN_KEYS) < 4096:
            _PLAIN_KEYS[keys] = plain
    if not plain or not keys:
        return None
    try:
        joined = "".join(record.values())  # TypeError: a value that is not a string
    except TypeError:
        return None
    if _SPECIAL.search(joined):
        return None
    inner = "".join([f"<{k}>{v}</{k}>" if v else f"<{k}/>" for k, v in record.items()])
    return f"<{name}>{inner}</{name}>"


def render_xml(root: str, tree: Tree | None = None) -> bytes:
    out: list[str] = []
    _write(out, root, tree or {})
    return XML_DECLARATION + "".join(out).encode("utf-8")


def render_errors(errs: Sequence[VendorError]) -> bytes:
    return render_xml("errors", {"error": [{"@status": e.status, "#text": e.message} for e in errs]})


#: `shapes` values (catalogue `Method.json_lists`, keyed "wrapper/child"): how a repeated child is
#: written in JSON where the mirror's "one → object, several → list" breaks the PHP models
#: (PHP-MODELS.md §3 traps 5 and 6)
ALWAYS_LIST = "always"  # the child is a list even with one item (`"days":{"day":["MON"]}`)
SPLIT_LIST = "split"  # several children: the wrapper is a list of one-child objects (sound_files)


def _jsonable(value: Any, name: str = "", shapes: Mapping[str, str] | None = None) -> Any:
    if isinstance(value, Mapping):
        if not shapes:  # the common case: no shape rule anywhere in the answer
            return {k.lstrip("@"): _jsonable_member(v) for k, v in value.items() if not _empty_list(v)} or ""
        out: dict[str, Any] = {}
        for key, child in value.items():
            if _empty_list(child):
                continue
            shape = shapes.get(f"{name}/{key}")
            if shape == SPLIT_LIST and isinstance(child, list | tuple) and len(child) > 1 and len(value) == 1:
                return [{key: _record(item, key, shapes)} for item in child]
            out[key.lstrip("@")] = _jsonable_member(child, key, shapes, shape == ALWAYS_LIST)
        return out or ""
    return _text(value)


def _empty_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and not value


def _record(value: Any, name: str, shapes: Mapping[str, str] | None) -> Any:
    """One item of a repeated element: a record with no fields is `{}`, never `""` (a row asked
    with `req_fields=` empty; PHP reads `{}` in a list as a row of nulls, `""` as a TypeError)."""
    if isinstance(value, Mapping):
        return _jsonable(value, name, shapes) or {}
    return _text(value)


def _jsonable_member(
    value: Any, name: str = "", shapes: Mapping[str, str] | None = None, always_list: bool = False
) -> Any:
    if isinstance(value, list | tuple):
        items = [_record(v, name, shapes) for v in value]
        # a lone empty record stays in a list: PHP drops a bare `{}` (PHP-MODELS.md §3 trap 1)
        if len(items) == 1 and not always_list and type(value) is not JsonList and items[0] != {}:
            return items[0]
        return items
    if always_list:  # a lone child given without a list
        return [_record(value, name, shapes)]
    return _jsonable(value, name, shapes)


def to_json_data(
    root: str, tree: Tree | None = None, shapes: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The JSON mirror of `render_xml(root, tree)` as Python data; `shapes` ("wrapper/child" →
    ALWAYS_LIST or SPLIT_LIST) overrides how some repeated children are written."""
    return {root: _jsonable(tree or {}, root, shapes)}


def render_json(root: str, tree: Tree | None = None, shapes: Mapping[str, str] | None = None) -> bytes:
    data = to_json_data(root, tree, shapes)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
