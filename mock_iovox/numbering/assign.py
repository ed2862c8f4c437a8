"""Giving a link a VoxNumber of its account: BY AREA, BY VOXNUMBER or BY POSTCODE (SPEC.md §5.2, §6).

Shared by attachVoxnumberToLink and by the `assign_voxnumber` element of createNodeFull /
createLinksFull: every method whose catalogue entry includes ASSIGN_VOXNUMBER_ERRORS can call
`assign_voxnumber`. Only numbers of the caller's account that are on no link are candidates; the
oldest matching number (purchase order) is taken, so answers are deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from mock_iovox.context import Ctx
from mock_iovox.db import Link, VoxNumber
from mock_iovox.db.numbering import NumberRegion
from mock_iovox.numbering.countries import find_country
from mock_iovox.numbering.plans import GEOGRAPHIC, normalise_area_code
from mock_iovox.numbering.postcodes import distance_km, locate

#: the elements each method needs (reported by `Method x of y is missing …` when absent)
METHOD_FIELDS = {
    "BY AREA": ("voxnumber_idd", "area_code"),
    "BY VOXNUMBER": ("full_voxnumber",),
    "BY POSTCODE": ("voxnumber_country", "postcode"),
}


def free_numbers(ctx: Ctx) -> Select[Any]:
    """The account's numbers that are on no link, oldest first."""
    return (
        select(VoxNumber)
        .where(VoxNumber.account_pk == ctx.account_pk, VoxNumber.link_pk.is_(None))
        .order_by(VoxNumber.pk)
    )


def attach(number: VoxNumber, link: Link) -> None:
    number.link_pk = link.pk
    # a number starts ON on every link; OFF then persists until setCallStatus ON (SPEC.md §6)
    number.call_on = True


def assign_voxnumber(ctx: Ctx, link: Link, spec: Mapping[str, Any], x: int, y: int) -> VoxNumber | None:
    """Attach the number `spec` asks for to `link`; on failure add the error to `ctx` and return None.

    The caller checks beforehand that the link has no number (a link holds one, SPEC.md §6).
    """
    method = spec.get("method") or ""
    missing = [name for name in METHOD_FIELDS.get(method, ()) if not spec.get(name)]
    if missing:
        ctx.add("method_fields_missing", x=x, y=y, fields=", ".join(missing))
        return None
    number: VoxNumber | None
    if method == "BY AREA":
        idd, area = str(spec["voxnumber_idd"]), normalise_area_code(str(spec["area_code"]))
        number = ctx.session.scalars(
            free_numbers(ctx).where(VoxNumber.country_code == idd, VoxNumber.area_code == area).limit(1)
        ).first()
        if number is None:
            ctx.add("no_voxnumber_area", x=x, y=y, area_code=spec["area_code"], idd=idd)
            return None
    elif method == "BY VOXNUMBER":
        number = ctx.session.scalars(
            free_numbers(ctx).where(VoxNumber.number == str(spec["full_voxnumber"]))
        ).first()
        if number is None:
            ctx.add("voxnumber_unavailable", x=x, y=y)
            return None
    else:
        number = _by_postcode(ctx, str(spec["voxnumber_country"]), str(spec["postcode"]), spec)
        if number is None:
            ctx.add("no_voxnumber_postcode", x=x, y=y, postcode=spec["postcode"])
            return None
    attach(number, link)
    ctx.session.flush()
    return number


def _by_postcode(ctx: Ctx, country_name: str, postcode: str, spec: Mapping[str, Any]) -> VoxNumber | None:
    """A geographic number whose area covers the postcode, else the nearest area's within
    fallback_area_distance km (default 0: no fallback)."""
    country = find_country(country_name)
    district = locate(country.alpha2, postcode) if country is not None else None
    if country is None or district is None:
        return None
    local = free_numbers(ctx).where(
        VoxNumber.country_code == country.code, VoxNumber.number_type == GEOGRAPHIC
    )
    if district.area_code:
        number: VoxNumber | None = ctx.session.scalars(
            local.where(VoxNumber.area_code == district.area_code).limit(1)
        ).first()
        if number is not None:
            return number
    reach = int(spec.get("fallback_area_distance") or 0)
    if reach <= 0:
        return None
    # the distinct areas where the account has a free number: a handful of rows at most
    areas = ctx.session.execute(
        select(NumberRegion.area_code, NumberRegion.lat, NumberRegion.lon)
        .where(
            NumberRegion.country_code == country.code,
            NumberRegion.number_type == GEOGRAPHIC,
            NumberRegion.lat.is_not(None),
            NumberRegion.area_code.in_(local.with_only_columns(VoxNumber.area_code).order_by(None)),
        )
        .order_by(NumberRegion.area_code)
    ).all()
    best: tuple[float, str] | None = None
    for area_code, lat, lon in areas:
        assert lat is not None and lon is not None
        km = distance_km(district.lat, district.lon, lat, lon)
        if km <= reach and (best is None or km < best[0]):
            best = (km, area_code)
    if best is None:
        return None
    nearest: VoxNumber | None = ctx.session.scalars(
        local.where(VoxNumber.area_code == best[1]).limit(1)
    ).first()
    return nearest
