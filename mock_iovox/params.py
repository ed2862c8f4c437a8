"""Stage 6 of the checks (DECISIONS.md §2): query parameters against the catalogue.

Collects every problem rather than stopping at the first; the caller raises them together with the
payload's problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from mock_iovox import errors
from mock_iovox.catalog.model import DEFAULT_MAX_ITEMS, Field, Listing, Method, PType, QueryParam
from mock_iovox.errors import ErrorList

# ASCII digits only: `\d` would take Arabic-Indic and other Unicode digits as numbers (issue 14).
# At most 18 of them: every integer the mock accepts fits a 64-bit SQL integer.
_INT = re.compile(r"[0-9]{1,18}")
_SIGNED = re.compile(r"-?[0-9]+")
_BRACKET = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<index>[0-9]*)\]$")
#: the largest page asked for: (page - 1) * limit stays far inside a 64-bit OFFSET
MAX_PAGE = 10**12


@dataclass(frozen=True, slots=True)
class View:
    """What a list call asked for: which fields, in which order, which page."""

    fields: tuple[Field, ...]
    order: Field | None
    descending: bool
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def wants(self, abbr: str) -> bool:
        return any(f.abbr == abbr for f in self.fields)


def group_query(items: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Query items → name → values, folding the bracket forms `k[]` and `k[0]` into `k`
    (CLIENT-WIRE.md §3.1: PHP sends cat_ids[0], Ruby cat_ids[], others a plain cat_ids)."""
    out: dict[str, list[str]] = {}
    indexed: dict[str, list[tuple[tuple[int, str], str]]] = {}
    for key, value in items:
        m = _BRACKET.match(key)
        if m and m["index"]:
            # ordered as numbers without int(): an index may have thousands of digits
            index = m["index"].lstrip("0")
            indexed.setdefault(m["name"], []).append(((len(index), index), value))
            continue
        out.setdefault(m["name"] if m else key, []).append(value)
    for name, pairs in indexed.items():
        out.setdefault(name, []).extend(v for _, v in sorted(pairs, key=lambda p: p[0]))
    return out


def parse_datetime(value: str, end_of_day: bool = False) -> datetime | None:
    """`YYYY-MM-DD[ HH:MM:SS]`; a missing time part is 00:00:00 (or 23:59:59 for an end bound)."""
    value = value.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end_of_day:
            parsed = parsed.replace(hour=23, minute=59, second=59)
        return parsed
    return None


def parse_date(value: str) -> date | None:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def parse_time(value: str) -> time | None:
    try:
        return datetime.strptime(value.strip(), "%H:%M").time()
    except ValueError:
        return None


def coerce(ptype: PType, value: str, choices: Sequence[str] = ()) -> tuple[bool, Any]:
    """Check one non-empty value against its type; returns (ok, converted value)."""
    if ptype is PType.INTEGER:
        return (bool(_INT.fullmatch(value)), value)
    if ptype is PType.BOOLEAN:
        upper = value.upper()
        return (upper in ("TRUE", "FALSE"), upper == "TRUE")
    if ptype is PType.LOWER_BOOLEAN:
        lower = value.lower()
        return (lower in ("true", "false"), lower == "true")
    if ptype is PType.DATETIME:
        dt = parse_datetime(value)
        return (dt is not None, dt)
    if ptype is PType.DATE:
        d = parse_date(value)
        return (d is not None, d)
    if ptype is PType.TIME:
        t = parse_time(value)
        return (t is not None, t)
    if ptype is PType.ENUM:
        upper = value.upper()
        return (upper in {c.upper() for c in choices}, upper)
    return (True, value)


def _param_error(method: Method, key: str | None, fallback: str, errs: ErrorList, name: str) -> None:
    if key and key in method.errors:
        err = method.errors[key]
        errs.add(err.text, err.status)
    else:
        errs.add(fallback, label=name)


def read_params(method: Method, query: dict[str, list[str]], errs: ErrorList) -> dict[str, Any]:
    """Declared parameters, coerced; defaults applied; absent optional ones are None."""
    out: dict[str, Any] = {}
    for p in method.params:
        out[p.name] = _read_param(method, p, query.get(p.name, []), errs)
    return out


def _read_param(method: Method, p: QueryParam, raw: list[str], errs: ErrorList) -> Any:
    values = [v.strip() for v in raw if v.strip()]
    if not values:
        if p.mandatory:
            _param_error(method, p.empty_error, errors.TOP_EMPTY, errs, p.name)
            return None
        if p.default is None:
            return [] if p.array else None
        values = [p.default]
    if p.array:
        if len(values) > DEFAULT_MAX_ITEMS:
            errs.add(errors.TOO_MANY_ITEMS, max=DEFAULT_MAX_ITEMS)
            return []
        return values
    value = values[0]
    ok, converted = coerce(p.type, value, p.choices)
    if not ok:
        fallback = errors.PARAM_NOT_INTEGER if p.type is PType.INTEGER else errors.PARAM_INVALID
        _param_error(method, p.invalid_error, fallback, errs, p.name)
        return None
    if p.end_of_day and p.type is PType.DATETIME:
        return parse_datetime(value, end_of_day=True)
    return converted


def read_output(query: dict[str, list[str]], errs: ErrorList) -> str:
    raw = (query.get("output") or [""])[0].strip().upper()
    if raw in ("", "XML"):
        return "XML"
    if raw == "JSON":
        return "JSON"
    errs.add(errors.OUTPUT_INVALID)
    return "XML"


def read_view(method: Method, listing: Listing, query: dict[str, list[str]], errs: ErrorList) -> View:
    page = 1
    limit = listing.limit_max
    if listing.paged:
        raw_page = (query.get("page") or [""])[0].strip()
        if raw_page:
            if _INT.fullmatch(raw_page) and 1 <= int(raw_page) <= MAX_PAGE:
                page = int(raw_page)
            else:
                errs.add(errors.PAGE_NOT_INTEGER)
        raw_limit = (query.get("limit") or [""])[0].strip()
        if raw_limit:
            if not _SIGNED.fullmatch(raw_limit):
                errs.add(errors.LIMIT_NOT_INTEGER)
            elif len(raw_limit) > 12 or not 1 <= int(raw_limit) <= listing.limit_max:
                errs.add(errors.LIMIT_RANGE, max=listing.limit_text or listing.limit_max)
            else:
                limit = int(raw_limit)

    by_abbr = listing.by_abbr()
    fields = listing.default_fields
    given = listing.selectable and "req_fields" in query
    raw_fields = (query["req_fields"] or [""])[0].strip() if given else ""
    if given and not raw_fields.replace(",", "").strip():
        # present but empty: rows with no fields, as the vendor answers (PHP-MODELS.md §2
        # Categories, `response-without-fields.json` is `"result":[{},{},{}]`)
        fields = ()
    elif raw_fields:
        names = [n.strip() for n in raw_fields.split(",") if n.strip()]
        bad = [n for n in names if n not in by_abbr]
        if bad:
            errs.add(errors.REQ_FIELDS_INVALID, fields=",".join(bad))
        else:
            chosen = {by_abbr[n].abbr for n in names}
            # keep the catalogue's field order, not the caller's (element order is the vendor's)
            fields = tuple(f for f in listing.fields if f.abbr in chosen)
            if len(fields) == 1 and fields[0].alone_error:
                key = fields[0].alone_error
                if key in method.errors:
                    errs.add(method.errors[key].text, method.errors[key].status)

    order: Field | None = None
    descending = False
    raw_order = (query.get("order") or [""])[0].strip() if listing.orderable else ""
    spec = raw_order or listing.default_order or ""
    if spec:
        name, _, direction = spec.rpartition("_")
        if not name or spec in by_abbr:  # no "_DIR" suffix at all
            name, direction = spec, ""
        field = by_abbr.get(name)
        if field is None or not field.orderable:
            errs.add(errors.ORDER_FIELD_INVALID)
        else:
            order = field
        if direction.upper() not in ("ASC", "DESC"):
            errs.add(errors.ORDER_DIRECTION_INVALID)
        descending = direction.upper() == "DESC"
    return View(fields, order, descending, page, limit)
