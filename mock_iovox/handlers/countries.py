"""Countries (SPEC.md §5.9): every country with its international dialling code.

The list is static library data (phonenumbers + pycountry, ~240 rows), not a table: it is paged
from memory.
"""

from __future__ import annotations

from mock_iovox.context import Ctx, ListResult
from mock_iovox.handlers.registry import handles
from mock_iovox.numbering.countries import all_countries


@handles("Countries", "getCountries")
def get_countries(ctx: Ctx) -> ListResult:
    assert ctx.view is not None
    countries = all_countries()
    page = countries[ctx.view.offset : ctx.view.offset + ctx.view.limit]
    rows = [{"code": c.code, "name": c.name} for c in page]
    return ListResult(rows, len(countries), ctx.view.page, ctx.view.limit)
