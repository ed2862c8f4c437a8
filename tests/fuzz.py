"""Hypothesis strategies over the catalogue, and the checks every answer must pass (issue 14).

Shared by tests/test_fuzz.py (a bounded run in the suite) and bench/fuzz_long.py (a long run over
TLS against a real multi-worker server). A request is drawn as: a catalogued method (or a broken
route), a verb, query parameters typed from the catalogue or hostile, and a body shaped from the
method's payload or hostile (huge, deep, wide, entities, bad UTF-8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st
from lxml import etree

from mock_iovox.catalog import CATALOG
from mock_iovox.catalog.model import Method, Payload, PField, PType, QueryParam
from mock_iovox.handlers import HANDLERS

METHODS: tuple[Method, ...] = tuple(m for i in CATALOG for m in i.methods if m.key in HANDLERS)
VERBS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "TRACE", "PROPFIND")
IDS = ("westbourne", "leeds-deli", "westbourne-web", "sales-desk", "101", "102", "200", "nope")


@dataclass(frozen=True)
class FuzzRequest:
    verb: str
    path: str
    query: str
    body: bytes
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


# --- values -------------------------------------------------------------------------------------


def rare(one_in: int) -> st.SearchStrategy[bool]:
    """True about once in `one_in + 1` draws. (`integers(0, k) == 0` is not rare: hypothesis favours
    boundary values.)"""
    return st.sampled_from([False] * one_in + [True])


def mostly(
    good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], in_ten: int = 8
) -> st.SearchStrategy[Any]:
    """`good` in `in_ten` draws out of ten, else `bad`."""
    return st.sampled_from([True] * in_ten + [False] * (10 - in_ten)).flatmap(lambda ok: good if ok else bad)


digits = st.text(alphabet="0123456789", min_size=1, max_size=30)
#: numbers of any length, signs, Unicode digits, floats, blanks
hostile_numbers = st.one_of(
    digits,
    st.integers(min_value=18, max_value=6000).map(lambda n: "9" * n),
    st.sampled_from(
        ["-1", "0", "+1", "1.5", "1e9", " 7 ", "", "\u0663", "\uff11", "١٢", "9" * 19, "-" + "9" * 25]
    ),
)
# printable text of any script; control characters come from hostile_text
texty = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
hostile_text = st.one_of(
    texty,
    st.sampled_from(
        ["", " ", "<x>", "&amp;", "%00", "'; DROP TABLE nodes; --", "\u202e", "a" * 300, "☃" * 50]
    ),
    st.integers(min_value=1000, max_value=20000).map(lambda n: "x" * n),
)


def value_for(ptype: PType, choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    typed: st.SearchStrategy[str]
    if ptype is PType.INTEGER:
        typed = digits
    elif ptype in (PType.BOOLEAN, PType.LOWER_BOOLEAN):
        typed = st.sampled_from(["TRUE", "FALSE", "true", "false", "1", "yes"])
    elif ptype is PType.DATETIME:
        typed = st.sampled_from(["2026-01-05 09:00:00", "2026-11-30", "2026-02-30", "9999-12-31 23:59:59"])
    elif ptype is PType.DATE:
        typed = st.sampled_from(["2026-01-05", "2026-13-01", "0000-00-00"])
    elif ptype is PType.TIME:
        typed = st.sampled_from(["09:00", "25:61", "9"])
    elif ptype is PType.ENUM and choices:
        typed = st.sampled_from(list(choices))
    else:
        typed = mostly(st.sampled_from(IDS), texty, 6)
    return mostly(typed, st.one_of(hostile_numbers, hostile_text), 7)


# --- query --------------------------------------------------------------------------------------


@st.composite
def query_for(draw: st.DrawFn, method: Method) -> str:
    pairs: list[tuple[str, str]] = []
    for p in method.params:
        if draw(st.booleans()):
            pairs.extend(draw(param_pairs(p)))
    if method.listing is not None:
        for name in ("page", "limit"):
            if draw(rare(3)):
                pairs.append((name, draw(hostile_numbers)))
        if draw(rare(3)):
            abbrs = [f.abbr for f in method.listing.fields]
            picked = draw(st.lists(st.sampled_from([*abbrs, "zz", ""]), max_size=4))
            pairs.append(("req_fields", ",".join(picked)))
        if draw(rare(4)):
            pairs.append(("order", draw(st.sampled_from(["nn_ASC", "x_DESC", "nn", "_", ""]))))
    if draw(rare(5)):
        pairs.append((draw(st.sampled_from(["x", "cat_ids[", "a[b]", "k[" + "9" * 5000 + "]"])), "1"))
    if draw(rare(6)):
        pairs.append(("output", draw(st.sampled_from(["JSON", "XML", "yaml", ""]))))
    order = draw(st.sampled_from(["php", "ruby"]))
    tail = [
        ("v", draw(mostly(st.just("3"), st.sampled_from(["2", "", "3.0", "03"]), 9))),
        ("method", method.name),
    ]
    pairs = [*pairs, *tail] if order == "php" else [*sorted([*pairs, tail[1]]), tail[0]]
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs)


@st.composite
def param_pairs(draw: st.DrawFn, p: QueryParam) -> list[tuple[str, str]]:
    if p.array:
        values = draw(st.lists(value_for(PType.STRING, ()), max_size=5))
        form = draw(st.sampled_from(["php", "ruby", "plain"]))
        if form == "php":
            return [(f"{p.name}[{i}]", v) for i, v in enumerate(values)]
        if form == "ruby":
            return [(f"{p.name}[]", v) for v in values]
        return [(p.name, ",".join(values))]
    value = draw(value_for(p.type, p.choices))
    if p.name.endswith("_ids") and draw(st.booleans()):
        value = ",".join(draw(st.lists(st.sampled_from(IDS), max_size=6)))
    return [(p.name, value)]


# --- bodies -------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def item_xml(draw: st.DrawFn, fields: tuple[PField, ...], depth: int = 0) -> str:
    parts = []
    for f in fields:
        if draw(rare(4)):
            continue
        if f.nested is not None:
            if depth < 2:
                parts.append(f"<{f.name}>{draw(items_xml(f.nested, depth + 1))}</{f.name}>")
            continue
        value = _esc(draw(value_for(f.type, f.choices)))
        if f.many:
            inner = "".join(f"<{f.name}>{value}</{f.name}>" for _ in range(draw(st.integers(1, 3))))
            parts.append(f"<{f.name}s>{inner}</{f.name}s>")
        elif draw(rare(9)):
            parts.append(f'<{f.name} xsi:nil="true"/>')
        else:
            parts.append(f"<{f.name}>{value}</{f.name}>")
    return "".join(parts)


@st.composite
def items_xml(draw: st.DrawFn, spec: Payload, depth: int = 0) -> str:
    if spec.item is None:
        return draw(item_xml(spec.fields, depth))
    count = draw(st.integers(0, 4))
    items = "".join(f"<{spec.item}>{draw(item_xml(spec.fields, depth))}</{spec.item}>" for _ in range(count))
    if spec.wrapper and draw(st.booleans()):
        return f"<{spec.wrapper}>{items}</{spec.wrapper}>"
    return items


@st.composite
def body_for(draw: st.DrawFn, method: Method) -> bytes:
    spec = method.payload
    if spec is None or draw(rare(5)):
        hostile: bytes = draw(hostile_bodies)
        return hostile
    if spec.raw:
        inner = draw(st.sampled_from(["<callFlow/>", "<callFlow><node type='x'/></callFlow>", "<x>1</x>"]))
    else:
        top = draw(item_xml(spec.top)) if spec.top else ""
        inner = top + draw(items_xml(spec))
    prolog = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n']))
    ns = ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' if draw(st.booleans()) else ""
    return f"{prolog}<request{ns}>{inner}</request>".encode()


hostile_bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"<request>",
            b"<request><node/></request>\xff\xfe",
            b"<?xml version='1.0' encoding='latin-1'?><request>\xe9</request>",
            b"<request>\xc3\x28</request>",
            b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><request>&b;</request>',
            b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><request/>',
            b'<request xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></request>',
            b"<request>&unknown;</request>",
            b"<request><![CDATA[<node/>]]></request>",
            b"<r:request xmlns:r='urn:x'><r:node/></r:request>",
        ]
    ),
    st.integers(1, 2000).map(lambda n: b"<request>" + b"<a>" * n + b"</a>" * n + b"</request>"),
    st.integers(1, 40000).map(lambda n: b"<request>" + b"<node/>" * n + b"</request>"),
    st.integers(1, 5000).map(
        lambda n: b"<request><node " + b" ".join(b'a%d="1"' % i for i in range(n)) + b"/></request>"
    ),
)


# --- whole requests -----------------------------------------------------------------------------


@st.composite
def requests(draw: st.DrawFn, headers: dict[str, str]) -> FuzzRequest:
    method = draw(st.sampled_from(METHODS))
    verb = method.verb.value if not draw(rare(5)) else draw(st.sampled_from(VERBS))
    path = f"/{method.interface}"
    if draw(rare(12)):
        path = draw(st.sampled_from(["/", "/Nope", "/iovox/Nodes/", "//Nodes", "/%4Eodes", "/Nodes%00"]))
    query = draw(query_for(method))
    body = draw(body_for(method)) if verb not in ("GET", "HEAD") or draw(rare(9)) else b""
    sent = dict(headers)
    if draw(rare(15)):
        sent["secureKey"] = draw(st.sampled_from(["", "wrong", "x" * 500]))
    return FuzzRequest(verb, path, query, body, sent)


# --- the checks ---------------------------------------------------------------------------------


def shape_problem(verb: str, status: int, content_type: str, body: bytes) -> str | None:
    """Why an answer is outside the vendor's shape, or None."""
    if status >= 500:
        return f"{status}"
    kind = content_type.split(";")[0].strip()
    if status >= 400:
        if verb == "HEAD":
            return None if kind == "application/xml" else f"HEAD error content-type {kind}"
        if kind != "application/xml":
            return f"error content-type {kind!r}"
        try:
            root = etree.fromstring(body)
        except etree.XMLSyntaxError as exc:
            return f"error body not XML: {exc}"
        errs = root.findall("error")
        if root.tag != "errors" or not errs or len(errs) != len(root):
            return "error body is not <errors><error/>…"
        if any(e.get("status") is None for e in errs) or int(errs[0].get("status", "0")) != status:
            return "error status attribute differs from the HTTP status"
        return None
    if status in (200, 201, 204):
        if not body or verb == "HEAD":
            return None
        if kind == "application/xml":
            try:
                etree.fromstring(body)
            except etree.XMLSyntaxError as exc:
                return f"success body not XML: {exc}"
        elif kind not in ("application/json", "audio/mpeg", "audio/wav", "audio/x-wav"):
            return f"success content-type {kind!r}"
        return None
    return f"unexpected status {status}"


def describe(req: FuzzRequest) -> dict[str, Any]:
    return {"verb": req.verb, "url": req.url[:300], "body": req.body[:300]}
