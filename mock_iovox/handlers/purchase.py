"""Purchase (SPEC.md §5.9, §8): regions on sale, buying VoxNumbers from the environment's stock,
order details, and the callback to `callback_url` once an order has committed.

A purchase is all or nothing: every item is checked (region, quantity, purchase details, stock)
before a single number changes hands.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from mock_iovox import xmlio
from mock_iovox.context import Ctx, ListResult, run_listing
from mock_iovox.db import PurchaseOrder, VoxNumber
from mock_iovox.db.engine import database_of
from mock_iovox.db.numbering import NumberRegion
from mock_iovox.handlers.registry import handles
from mock_iovox.numbering import callbacks
from mock_iovox.numbering.plans import normalise_area_code
from mock_iovox.numbering.postcodes import locate
from mock_iovox.xmlio import Tree

COMPLETED = "COMPLETED"
PARTIAL = "PARTIAL"
#: order references start with the environment, so sandbox and production ones never look alike
REFERENCE_PREFIX = {"sandbox": "SBX", "production": "PRD"}


def _regions(ctx: Ctx) -> ListResult:
    stmt = select(NumberRegion.pk)
    if ctx.params.get("number_type"):
        stmt = stmt.where(NumberRegion.number_type == ctx.params["number_type"])
    if ctx.params.get("country_code"):
        stmt = stmt.where(NumberRegion.country_code == ctx.params["country_code"].lstrip("0"))
    if ctx.params.get("area_code"):
        stmt = stmt.where(NumberRegion.area_code == normalise_area_code(ctx.params["area_code"]))
    columns = {
        "ac": NumberRegion.area_code,
        "cc": NumberRegion.country_code,
        "con": NumberRegion.country_name,
        "stn": NumberRegion.state,
        "cin": NumberRegion.city,
        "rpi": NumberRegion.require_purchase_info,
        "ct": NumberRegion.cost,
    }
    return run_listing(ctx, stmt, columns, [NumberRegion.pk])


@handles("Purchase", "getVoxnumberRegions")
def get_voxnumber_regions(ctx: Ctx) -> ListResult:
    return _regions(ctx)


@handles("Purchase", "getRegionForNumberType")
def get_region_for_number_type(ctx: Ctx) -> ListResult:
    return _regions(ctx)


def _find_region(ctx: Ctx, item: Mapping[str, Any]) -> NumberRegion | None:
    country_code = str(item["country_code"]).lstrip("0")
    if item.get("area_code"):
        area = normalise_area_code(str(item["area_code"]))
    else:
        alpha2s = ctx.session.scalars(
            select(NumberRegion.alpha2).where(NumberRegion.country_code == country_code).distinct()
        ).all()
        districts = [d for a in alpha2s if (d := locate(a, str(item["postcode"]))) is not None]
        if not districts or not districts[0].area_code:
            return None
        area = districts[0].area_code
    return ctx.session.scalars(
        select(NumberRegion).where(
            NumberRegion.country_code == country_code,
            NumberRegion.number_type == item["number_type"],
            NumberRegion.area_code == area,
        )
    ).first()


def _has_details(item: Mapping[str, Any]) -> bool:
    return any(v for info in item.get("additional_information") or [] for v in info.values())


def _stock(region: NumberRegion) -> Any:
    """The region's numbers still in stock, never-sold ones first, then the longest released."""
    return (
        select(VoxNumber)
        .where(
            VoxNumber.account_pk.is_(None),
            VoxNumber.country_code == region.country_code,
            VoxNumber.number_type == region.number_type,
            VoxNumber.area_code == region.area_code,
        )
        .order_by(VoxNumber.released_at.is_not(None), VoxNumber.released_at, VoxNumber.number)
    )


def order_document(order: PurchaseOrder) -> Tree:
    """purchaseVoxNumbers' answer (SPEC.md §5.9); also getOrderDetails' and the callback's body."""
    numbers: list[dict[str, str]] = json.loads(order.numbers_json)
    # no empty leaf: PHP's simplexml path reads `<area_code/>` as [] and throws (PHP-MODELS.md §4)
    document: dict[str, Any] = {
        "order_reference": order.reference,
        "order_status": order.status,
        "voxnumbers": {"voxnumber": [{k: v for k, v in n.items() if v} for n in numbers]},
    }
    return {k: v for k, v in document.items() if v}


def _check_callback_url(ctx: Ctx) -> str:
    url = ctx.top.get("callback_url") or ""
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            ctx.add("callback_url_invalid")
    return str(url)


@handles("Purchase", "purchaseVoxNumbers")
def purchase_voxnumbers(ctx: Ctx) -> Tree:
    total = len(ctx.items)
    callback_url = _check_callback_url(ctx)
    regions: list[NumberRegion | None] = []
    for x, item in enumerate(ctx.items, 1):
        region = None
        if not item["area_code"] and not item["postcode"]:
            ctx.add("area_code_empty", x=x, y=total)
        else:
            region = _find_region(ctx, item)
            if region is None:
                ctx.add("basket_item_incorrect", x=x, y=total)
            elif region.require_purchase_info and not _has_details(item):
                ctx.add("additional_information_empty", x=x, y=total)
        if item["quantity"] is not None and int(item["quantity"]) < 1:
            ctx.add("quantity_invalid", x=x, y=total)
        regions.append(region)
    ctx.check()

    dynamic = bool(ctx.top.get("dynamic_quantity"))
    wanted: list[int] = []
    left: dict[int, int] = {}
    for x, (item, region) in enumerate(zip(ctx.items, regions, strict=True), 1):
        assert region is not None
        if region.pk not in left:
            left[region.pk] = (
                ctx.session.scalar(select(func.count()).select_from(_stock(region).order_by(None).subquery()))
                or 0
            )
        quantity = int(item["quantity"])
        if quantity > left[region.pk] and not dynamic:
            ctx.add("not_enough_stock", x=x, y=total)
        take = min(quantity, left[region.pk])
        left[region.pk] -= take
        wanted.append(take)
    ctx.check()

    order = PurchaseOrder(
        account_pk=ctx.account_pk,
        reference="",
        status=COMPLETED,
        callback_url=callback_url,
        cc_list=ctx.top.get("cc_list") or "",
        dynamic_quantity=dynamic,
        items_json=json.dumps(_items_record(ctx.items)),
        created_at=ctx.now,
    )
    ctx.session.add(order)
    ctx.session.flush()
    order.reference = f"{REFERENCE_PREFIX.get(ctx.env, ctx.env[:3].upper())}-{order.pk:08d}"
    bought: list[dict[str, str]] = []
    for x, (item, region, take) in enumerate(zip(ctx.items, regions, wanted, strict=True), 1):
        assert region is not None
        # rows another transaction is buying right now are skipped (PostgreSQL; SQLite serialises
        # writers anyway), so two concurrent orders never get the same number
        numbers = (
            ctx.session.scalars(_stock(region).limit(take).with_for_update(skip_locked=True)).all()
            if take
            else []
        )
        if len(numbers) < take and not dynamic:
            ctx.fail("not_enough_stock", x=x, y=total)
        if len(numbers) < int(item["quantity"]):
            order.status = PARTIAL
        for number in numbers:
            number.account_pk = ctx.account_pk
            number.purchased_at = ctx.now
            number.order_pk = order.pk
            number.released_at = None
            number.call_on = True
            bought.append(
                {
                    "full_voxnumber": number.number,
                    "area_code": number.area_code,
                    "country_code": number.country_code,
                }
            )
        ctx.session.flush()
    order.numbers_json = json.dumps(bought)
    document = order_document(order)
    if callback_url:
        job = callbacks.Job(
            database_of(ctx.session),
            ctx.account_pk,
            order.pk,
            callback_url,
            xmlio.render_xml("response", document),
        )
        callbacks.schedule_after_commit(ctx.session, job)
    return document


def _items_record(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    keys = ("country_code", "area_code", "postcode", "city_name", "number_type", "quantity")
    return [{k: item.get(k) for k in keys} for item in items]


@handles("Purchase", "getOrderDetails")
def get_order_details(ctx: Ctx) -> Tree:
    order = ctx.session.scalars(
        select(PurchaseOrder).where(
            PurchaseOrder.account_pk == ctx.account_pk,
            PurchaseOrder.reference == ctx.params["order_reference"],
        )
    ).first()
    if order is None:
        ctx.fail("order_reference_not_found")
    return order_document(order)
