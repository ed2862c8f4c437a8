"""The JSON answers as the PHP client's models read them (../shared/iovox-api/PHP-MODELS.md).

One table row per JSON list method: which keys are nested containers (`wrapper.child`), which are
"1"/"0" flags, which are dates or phones that must be left out rather than sent empty. Every method
is asked for many, one and no results, with empty optional groups and with `req_fields=` empty; a
small decoder that follows the models' rules (§1.3-§1.6) reads the JSON, and the rows it gets must
be exactly the rows of the same request in XML. A sweep fails when a JSON method has no row here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from mock_iovox import xmlio
from mock_iovox.catalog import all_methods
from mock_iovox.catalog.model import Response
from mock_iovox.db.numbering import PurchaseOrder
from mock_iovox.handlers import HANDLERS
from mock_iovox.handlers.purchase import order_document
from tests.helpers import Api, xml_of

WIDE = {"sdt": "2000-01-01", "edt": "2099-12-31"}
CDR_GROUPS = {
    "categories": "category",
    "call_categories": "call_category",
    "node_categories": "node_category",
    "contact_categories": "contact_category",
}
ALL_CDR_GROUPS = ",".join(
    f"{p}_{s}" for p in ("cat", "call_cat", "node_cat", "contact_cat") for s in ("id", "lbl", "v")
)


class PhpError(AssertionError):
    """What the PHP client would throw (TypeError, Exception) or lose silently."""


@dataclass(frozen=True)
class Model:
    """What one row model reads (PHP-MODELS.md §2)."""

    #: wrapper -> child of nested lists read with the container rule, and the model of their items
    containers: dict[str, tuple[str, Model | None]] = field(default_factory=dict)
    #: flags that must be "1"/"0" (`""` reads as true for has_recording/email_sent)
    flags: frozenset[str] = frozenset()
    #: dates parsed by DateTimeImmutable: a valid date or left out ("" reads as "now")
    dates: frozenset[str] = frozenset()
    #: keys that must never be "" (getContactDetails business_phone: "" becomes [""])
    not_empty: frozenset[str] = frozenset()
    #: keys every row carries whatever req_fields asked (getCallMetrics `period`)
    always: frozenset[str] = frozenset()
    #: wrapper -> child whose child must be a JSON list even with one item
    lists: dict[str, str] = field(default_factory=dict)
    #: flags that must be "YES"/"NO" (`advanced`)
    yes_no: frozenset[str] = frozenset()
    #: keys holding one object read by a sub-model (`links` of a blocked-number rule)
    objects: dict[str, Model] = field(default_factory=dict)
    #: key -> the key that must come with it (SoundFile `created` needs `content_length`)
    requires: dict[str, str] = field(default_factory=dict)
    #: when set, the only keys the model reads: the others may have any shape (they pass untyped)
    only: frozenset[str] | None = None


CAT = Model()
#: caller_message/called_message: an object or absent; its `sound_files` is read raw here
MESSAGE = Model(only=frozenset())
#: Nodes\RuleModel reads three strings and three objects; a rule's other children are not read
RULE = Model(
    only=frozenset({"rule_id", "rule_type", "rule_label", "contact", "caller_message", "called_message"}),
    objects={"contact": Model(), "caller_message": MESSAGE, "called_message": MESSAGE},
)
LINK = Model(containers={"cats": ("cat", CAT), "rules": ("rule", RULE)})
TEMPLATE = Model(dates=frozenset({"created"}), yes_no=frozenset({"advanced"}))
TIME_FRAME = Model(lists={"days": "day"}, containers={"days": ("day", None)})
BLOCKED_RULE = Model(objects={"links": Model()})
PENDING: dict[str, dict[str, Any]] = {
    "all": {},
    "first": {"limit": 1},
    "none": {"page": 9999},
    "no fields": {"req_fields": ""},
}


@dataclass(frozen=True)
class Case:
    method: tuple[str, str]
    model: Model
    #: name -> query parameters; "many" (unless `single`), "one" and "none" for every method
    queries: dict[str, dict[str, Any]]
    #: the method answers one row at most (getNodeDetails, getContactDetails, getCategoryId)
    single: bool = False
    #: implemented on another branch (call flows, sound files, rules): skipped until its handler
    #: exists, and its fixture data is not known here, so only "none" has a count to meet
    pending: bool = False


CASES = [
    Case(
        ("Nodes", "getNodes"),
        Model(),
        {
            "many": {},
            "one": {"node_id": "leeds-deli"},
            "none": {"node_id": "no-such-node"},
            "node without links": {"node_id": "empty-node"},
            "no fields": {"req_fields": ""},
            "no fields, one": {"req_fields": "", "node_id": "leeds-deli"},
        },
    ),
    Case(
        ("Nodes", "getNodeDetails"),
        Model(containers={"links": ("link", LINK), "cats": ("cat", CAT)}),
        {
            "many links": {"node_id": "westbourne"},
            "one": {"node_id": "leeds-deli"},
            "none": {"node_id": "westbourne", "page": 2},
            "empty groups": {"node_id": "empty-node"},
            "one link": {"node_id": "westbourne", "link_id": "westbourne-paper"},
            "no fields": {"node_id": "westbourne", "req_fields": ""},
            "no fields, no rule names": {
                "node_id": "westbourne",
                "req_fields": "",
                "return_rule_name": "false",
            },
            "link fields only": {"node_id": "leeds-deli", "req_fields": "lid,cid"},
        },
        single=True,
    ),
    Case(
        ("Links", "getLinks"),
        Model(containers={"cats": ("cat", CAT)}, flags=frozenset({"click_to_call"})),
        {
            "many": {"req_fields": "nid,lid,vn,rn,c2c,cid,cl,cv"},
            "one": {"link_id": "westbourne-web", "req_fields": "lid,c2c,cid,cl,cv"},
            "two categories": {"link_id": "paris-bistro-guide", "req_fields": "lid,cid,cl,cv"},
            "no categories": {"link_id": "westbourne-paper", "req_fields": "lid,cid,cl,cv"},
            "none": {"link_id": "no-such-link"},
            "no fields": {"req_fields": ""},
        },
    ),
    Case(
        ("Categories", "getCategories"),
        Model(),
        {
            "many": {},
            "one": {"parent_category_id": "102"},
            "none": {"parent_category_id": "103"},
            "no fields": {"req_fields": ""},
            "no fields, one": {"req_fields": "", "parent_category_id": "102"},
        },
    ),
    Case(
        ("Categories", "getCategoryId"),
        Model(),
        {
            "one": {"label": "Location", "value": "London"},
            "wide limit": {"label": "Location", "value": "London", "limit": 20000},
            "none": {"label": "Location", "value": "Atlantis"},
        },
        single=True,
    ),
    Case(
        ("Contacts", "getContacts"),
        Model(),
        {
            "many": {},
            "one": {"contact_id": "sales-desk"},
            "none": {"contact_id": "nobody"},
            "no fields": {"req_fields": ""},
        },
    ),
    Case(
        ("Contacts", "getContactDetails"),
        Model(not_empty=frozenset({"business_phone"})),
        {
            "one": {"contact_id": "sales-desk"},
            "another": {"contact_id": "leeds-manager"},
            "none": {"contact_id": "sales-desk", "page": 2},
        },
        single=True,
    ),
    Case(
        ("Voxnumbers", "getVoxnumbers"),
        Model(dates=frozenset({"purchase_date"})),
        {
            "many": {"req_fields": "nid,nname,lid,lname,as,cs,cc,vn,vnt,vnco,vnci,vnpd"},
            "one": {"limit": 1},
            "none": {"voxnumber": "1"},
            "no fields": {"req_fields": ""},
        },
    ),
    Case(
        ("Purchase", "getVoxnumberRegions"),
        Model(flags=frozenset({"require_purchase_info"})),
        {
            "many": {"country_code": "44"},
            "one": {"country_code": "44", "area_code": "20"},
            "none": {"country_code": "44", "area_code": "9999"},
            "no fields": {"country_code": "33", "req_fields": ""},
        },
    ),
    Case(
        ("Purchase", "getRegionForNumberType"),
        Model(flags=frozenset({"require_purchase_info"})),
        {
            "many": {"country_code": "44", "number_type": "GEOGRAPHIC"},
            "one": {"country_code": "44", "number_type": "GEOGRAPHIC", "limit": 1},
            "none": {"country_code": "44", "number_type": "GEOGRAPHIC", "page": 99},
            "no fields": {"country_code": "44", "number_type": "GEOGRAPHIC", "req_fields": ""},
        },
    ),
    Case(
        ("Countries", "getCountries"),
        Model(),
        {"many": {}, "one": {"limit": 1}, "none": {"page": 9999}},
    ),
    Case(
        ("Calls", "getCallData"),
        Model(
            containers={wrapper: (child, CAT) for wrapper, child in CDR_GROUPS.items()},
            flags=frozenset({"has_recording", "email_sent"}),
        ),
        {
            "many": {"limit": 300, **WIDE},
            "one": {"limit": 1, **WIDE},
            "none": {"sdt": "2001-01-01", "edt": "2001-01-31"},
            "groups": {"limit": 500, "req_fields": f"id,has_rec,es,{ALL_CDR_GROUPS}", **WIDE},
            "one row of groups": {"limit": 1, "req_fields": f"id,{ALL_CDR_GROUPS}", **WIDE},
            "no fields": {"limit": 3, "req_fields": "", **WIDE},
            "no fields, one": {"limit": 1, "req_fields": "", **WIDE},
        },
    ),
    Case(
        ("Calls", "getCallMetrics"),
        Model(dates=frozenset({"call_date"}), always=frozenset({"period"})),
        {
            "one": WIDE,
            "many": {"group_fields": "cdate,lid", **WIDE},
            "none": {"group_fields": "cdate", "sdt": "2001-01-01", "edt": "2001-01-31"},
            "empty period": {"sdt": "2001-01-01", "edt": "2001-01-31"},
            "no fields": {"req_fields": "", **WIDE},
            "no fields, grouped": {"req_fields": "", "group_fields": "ltype", **WIDE},
        },
    ),
    # methods of the parallel branches (PHP-MODELS.md §2 Rules, CallFlow, SoundFiles)
    Case(("Rules", "getRuleTemplates"), TEMPLATE, PENDING, pending=True),
    Case(("CallFlow", "getCallFlows"), TEMPLATE, PENDING, pending=True),
    Case(("Flow", "getFlows"), TEMPLATE, PENDING, pending=True),  # the documented alias family
    Case(
        ("SoundFiles", "getSoundFiles"),
        Model(dates=frozenset({"created", "updated"}), requires={"created": "content_length"}),
        PENDING,
        pending=True,
    ),
    Case(
        ("Rules", "getTimeTemplates"),
        Model(containers={"time_frames": ("time_frame", TIME_FRAME)}),
        PENDING,
        pending=True,
    ),
    Case(
        ("Rules", "getBlockedNumbers"),
        Model(containers={"rules": ("rule", BLOCKED_RULE)}),
        PENDING,
        pending=True,
    ),
]


# ---------------------------------------------------------------------------------------------
# The models' reading rules


def container(value: Any, child: str, where: str) -> list[Any]:
    """PHP-MODELS.md §1.4 container rule; raises where PHP throws or loses data silently."""
    if value is None or value == "" or value == {} or value == []:
        return []
    if isinstance(value, list):
        raise PhpError(f"{where}: a bare list is read as empty (silent loss)")
    if not isinstance(value, dict):
        raise PhpError(f"{where}: {value!r} is not an object")
    items = value.get(child)
    if items is None:
        return []
    if isinstance(items, str):
        raise PhpError(f"{where}.{child}: a string child throws a TypeError")
    if items == {}:
        raise PhpError(f"{where}.{child}: an empty object child is read as no item (silent loss)")
    if isinstance(items, dict):
        return [items]
    if not all(isinstance(i, dict) for i in items):
        raise PhpError(f"{where}.{child}: every item must be an object")
    return list(items)


def read_row(row: Any, model: Model, where: str) -> None:
    if not isinstance(row, dict):
        raise PhpError(f"{where}: a row must be an object, got {row!r}")
    for key, value in row.items():
        if model.only is not None and key not in model.only:
            continue
        if key in model.objects:
            if value not in ("", None) and not isinstance(value, dict):
                raise PhpError(f"{where}.{key}: must be one object")
            read_row(value or {}, model.objects[key], f"{where}.{key}")
            continue
        if key in model.containers:
            child, inner = model.containers[key]
            if key in model.lists and isinstance(value, dict) and not isinstance(value.get(child), list):
                raise PhpError(f"{where}.{key}.{child} must be a list")
            if inner is None and isinstance(value, dict) and isinstance(value.get(child), list | str):
                items = value[child] if isinstance(value[child], list) else [value[child]]
                if not all(isinstance(i, str) for i in items):  # a list of scalars (days.day)
                    raise PhpError(f"{where}.{key}.{child}: scalars must be strings")
                continue
            for i, item in enumerate(container(value, child, f"{where}.{key}")):
                read_row(item, inner or Model(), f"{where}.{key}.{child}[{i}]")
            continue
        if not isinstance(value, str):
            raise PhpError(f"{where}.{key}: {value!r} is not a string (TypeError in a ?string property)")
        if key in model.flags and value not in ("0", "1"):
            raise PhpError(f"{where}.{key}: flag {value!r} is not '1'/'0'")
        if key in model.dates:
            if value == "":
                raise PhpError(f"{where}.{key}: an empty date reads as now; leave the key out")
            datetime.fromisoformat(value)
        if key in model.not_empty and value == "":
            raise PhpError(f"{where}.{key}: must be left out rather than empty")
        if key in model.yes_no and value not in ("YES", "NO"):
            raise PhpError(f"{where}.{key}: {value!r} is not 'YES'/'NO'")
        if key in model.requires and model.requires[key] not in row:
            raise PhpError(f"{where}: {key} without {model.requires[key]} (a PHP warning)")
    missing = model.always - set(row)
    if missing:
        raise PhpError(f"{where}: {sorted(missing)} missing")


def php_rows(body: Any, model: Model) -> list[dict[str, Any]]:
    """`Get*Model::create` + `AbstractModel::formatResult` (PHP-MODELS.md §1.3, §1.4)."""
    response = body["response"]
    if not isinstance(response, dict):
        raise PhpError("response must be an object")
    for key in ("current_page", "total_pages", "total_results"):
        if not isinstance(response[key], str) or not response[key].isdigit():
            raise PhpError(f"{key}: {response[key]!r}")
    results = response.get("results")
    if results is None or isinstance(results, str) or results in ({}, []):
        return []
    if isinstance(results, list):
        raise PhpError("results as a bare list: 0 rows, silently")
    result = results.get("result")
    if result is None or result in ({}, []):
        return []
    if isinstance(result, str):
        raise PhpError("result as a string: TypeError")
    rows = [result] if isinstance(result, dict) else result
    for i, row in enumerate(rows):
        read_row(row, model, f"result[{i}]")
    return rows


def xml_rows(api: Api, method: tuple[str, str], params: dict[str, Any]) -> list[Any]:
    resp = api.get(*method, params)
    assert resp.status_code == 200, resp.text
    return list(xml_of(resp).findall("results/result"))


def same_as_xml(json_row: dict[str, Any], xml_row: Any, model: Model) -> None:
    """Every element of the XML row is in the JSON row (keys and nested item counts)."""
    names = [c.tag for c in xml_row]
    assert sorted(set(names)) == sorted(json_row), (names, json_row)
    for wrapper, (child, inner) in model.containers.items():
        xml_items = xml_row.findall(f"{wrapper}/{child}")
        value = json_row.get(wrapper)
        if inner is None and isinstance(value, dict) and isinstance(value.get(child), list | str):
            scalars = value[child] if isinstance(value[child], list) else [value[child]]
            assert scalars == [x.text or "" for x in xml_items], wrapper  # days.day
            continue
        json_items = container(value, child, wrapper)
        assert len(json_items) == len(xml_items), wrapper
        for j, x in zip(json_items, xml_items, strict=True):
            same_as_xml(j, x, inner or Model())


PARAMS = [
    pytest.param(case, name, id=f"{case.method[1]}-{name.replace(' ', '-').replace(',', '')}")
    for case in CASES
    for name in case.queries
]


@pytest.mark.parametrize(("case", "name"), PARAMS)
def test_php_models_read_every_row(api: Api, case: Case, name: str) -> None:
    if case.pending and case.method not in HANDLERS:
        pytest.skip(f"{case.method[1]} is not implemented on this branch")
    params = case.queries[name]
    resp = api.get(*case.method, params, output_json=True)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/json"
    rows = php_rows(resp.json(), case.model)
    expected = xml_rows(api, case.method, params)
    assert len(rows) == len(expected)
    for row, xml_row in zip(rows, expected, strict=True):
        same_as_xml(row, xml_row, case.model)
    wanted = {"many": lambda n: n > 1, "one": lambda n: n == 1, "none": lambda n: n == 0}
    if name in wanted:
        assert wanted[name](len(rows)), (name, len(rows))
    if name.startswith("no fields"):
        # rows with no fields (getNodeDetails keeps its links, getCallMetrics period and groups)
        kept = {"getNodeDetails": {"links"}, "getCallMetrics": {"period", "link_type"}}.get(
            case.method[1], set()
        )
        assert (rows or case.pending) and all(set(r) <= kept for r in rows), rows[:3]


def test_every_json_list_method_has_a_row() -> None:
    listed = {case.method for case in CASES}
    json_lists = {
        m.key for m in all_methods() if m.json and m.response is Response.LIST and m.key in HANDLERS
    }
    assert json_lists - listed == set()
    for case in CASES:
        wanted = {"none"} if case.pending else {"one", "none"} | (set() if case.single else {"many"})
        assert wanted <= set(case.queries), case.method


def test_vendor_fixture_without_fields(api: Api) -> None:
    """`response-without-fields.json` of the PHP client: `"result":[{},{},{}]`."""
    body = api.get("Categories", "getCategories", {"req_fields": ""}, output_json=True).json()
    assert body["response"]["results"] == {"result": [{}, {}, {}, {}, {}]}
    one = api.get("Categories", "getCategories", {"req_fields": "", "limit": 1}, output_json=True).json()
    assert one["response"]["results"] == {"result": [{}]}  # a bare {} would be read as no row
    xml = xml_of(api.get("Categories", "getCategories", {"req_fields": " "}))
    assert [len(r) for r in xml.findall("results/result")] == [0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("value", "rows"),
    [
        ({"result": [{"a": "1"}, {"a": "2"}]}, 2),
        ({"result": {"a": "1"}}, 1),
        ({"result": [{}]}, 1),
        ({"result": {}}, 0),
        ("", 0),
    ],
)
def test_decoder_counts_like_php(value: Any, rows: int) -> None:
    body = {"response": {"current_page": "1", "total_pages": "1", "total_results": "1", "results": value}}
    assert len(php_rows(body, Model())) == rows


@pytest.mark.parametrize(
    ("row", "model"),
    [
        ({"a": 1}, Model()),
        ({"a": {}}, Model()),
        ({"cats": {"cat": ""}}, LINK),
        ({"cats": [{"cat": {}}]}, LINK),
        ({"cats": {"cat": {}}}, LINK),
        ({"f": ""}, Model(flags=frozenset({"f"}))),
        ({"d": ""}, Model(dates=frozenset({"d"}))),
        ({"p": ""}, Model(not_empty=frozenset({"p"}))),
        ({}, Model(always=frozenset({"period"}))),
        ({"days": {"day": "MON"}}, TIME_FRAME),
        ({"days": {"day": [1]}}, TIME_FRAME),
        ({"advanced": ""}, TEMPLATE),
        ({"created": ""}, TEMPLATE),
        ({"created": "2026-01-05 09:00:00"}, Model(requires={"created": "content_length"})),
        (
            {"rules": {"rule": {"links": {"link_id": ["a", "b"]}}}},
            Model(containers={"rules": ("rule", BLOCKED_RULE)}),
        ),
        ({"rules": {"rule": {"links": ["a"]}}}, Model(containers={"rules": ("rule", BLOCKED_RULE)})),
    ],
)
def test_decoder_refuses_what_php_cannot_read(row: dict[str, Any], model: Model) -> None:
    with pytest.raises(PhpError):
        read_row(row, model, "row")


@pytest.mark.parametrize(
    ("row", "model"),
    [
        ({"days": {"day": ["MON"]}, "date_from": ""}, TIME_FRAME),
        ({"days": ""}, TIME_FRAME),
        ({"advanced": "NO", "created": "2026-01-05 09:00:00"}, TEMPLATE),
        (
            {"rules": {"rule": [{"links": {"link_id": "a"}}, {"links": ""}]}},
            Model(containers={"rules": ("rule", BLOCKED_RULE)}),
        ),
    ],
)
def test_decoder_reads_what_php_reads(row: dict[str, Any], model: Model) -> None:
    read_row(row, model, "row")


def test_purchase_answer_has_no_empty_leaf() -> None:
    """purchaseVoxNumbers/getOrderDetails are read with simplexml: an empty leaf becomes [] and
    throws (PHP-MODELS.md §4), so a leaf without a value is left out."""
    numbers = [
        {"full_voxnumber": "443069990001", "area_code": "", "country_code": "44"},
        {"full_voxnumber": "442079460001", "area_code": "20", "country_code": "44"},
    ]
    order = PurchaseOrder(reference="SBX-1", status="", numbers_json=json.dumps(numbers))
    xml = xmlio.render_xml("response", order_document(order)).decode()
    assert xml.endswith(
        "<response><order_reference>SBX-1</order_reference><voxnumbers>"
        "<voxnumber><full_voxnumber>443069990001</full_voxnumber><country_code>44</country_code></voxnumber>"
        "<voxnumber><full_voxnumber>442079460001</full_voxnumber><area_code>20</area_code>"
        "<country_code>44</country_code></voxnumber></voxnumbers></response>"
    )
