"""The portal's analytics page (/__mock__/ui/analytics, issue 23 item 1): its figures, read from its
own tables with lxml, equal getCallMetrics' answers over the API for the same account, period and
filters (per link, node, category, number and caller, per day and weekday); a bad period is a 400
page, a caller without a session goes to the sign-in form, an empty period says "no calls"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from lxml import html
from sqlalchemy import delete, select

from mock_iovox.db import ApiUser, Call, Category, Link
from mock_iovox.settings import Settings
from tests.helpers import PINNED, SANDBOX_USER, Api, results, totals

PAGE = "/__mock__/ui/analytics"
#: the columns of every per-dimension table, after its first (the row's name)
COLUMNS = ["calls", "answered", "voicemail", "missed", "rate", "talk"]


def account_pk(api: Api) -> int:
    with api.dbs["sandbox"].reading() as session:
        pk = session.scalar(select(ApiUser.account_pk).where(ApiUser.username == SANDBOX_USER))
    assert pk is not None
    return pk


def page(api: Api, **params: str) -> Any:
    resp = api.client.get(PAGE, params=params)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/html")
    return html.fromstring(resp.text)


def table(doc: Any, table_id: str) -> dict[str, dict[str, str]]:
    """A per-dimension table: row key -> {column: text} (a "no calls" row gives nothing)."""
    out = {}
    for tr in doc.xpath(f'//table[@id="{table_id}"]/tbody/tr[@data-key]'):
        cells = [td.text_content().strip() for td in tr.xpath("./td")]
        out[tr.get("data-key")] = dict(zip(COLUMNS, cells, strict=True))
    return out


def metrics(api: Api, period: tuple[str, str], **params: Any) -> list[dict[str, str]]:
    """Every row of getCallMetrics (all its pages)."""
    rows: list[dict[str, str]] = []
    page_no = 1
    while True:
        query = {"sdt": period[0], "edt": period[1], "limit": "1000", "page": str(page_no), **params}
        resp = api.get("Calls", "getCallMetrics", query)
        assert resp.status_code == 200, resp.text
        rows += results(resp)
        current, pages, total = totals(resp)
        if current >= pages:
            assert total == len(rows)
            return rows
        page_no += 1


def span(choice: str) -> tuple[str, str]:
    """The period the page shows, as getCallMetrics' sdt/edt (the clock cuts the end in both)."""
    days = 1 if choice == "today" else int(choice)
    first = PINNED.date() - timedelta(days=days - 1)
    return f"{first} 00:00:00", f"{PINNED.date()} 23:59:59"


def by_result(api: Api, period: tuple[str, str], group: str | None, **filters: Any) -> dict[str, list[int]]:
    """group value -> [calls, answered, voicemail, missed] from getCallMetrics grouped by the group
    field and call_res."""
    fields = f"{group},call_res" if group else "call_res"
    out: dict[str, list[int]] = {}
    for row in metrics(api, period, group_fields=fields, req_fields="tc", **filters):
        key = row[_element(group)] if group else "all"
        counts = out.setdefault(key, [0, 0, 0, 0])
        n = int(row["total_calls"])
        counts[0] += n
        slot = {"ANSWERED": 1, "ANSWERED [MACHINE DETECTED]": 2}.get(row["call_result"], 3)
        counts[slot] += n
    return out


def _element(group: str | None) -> str:
    return {"lid": "link_id", "nid": "node_id", "vn": "voxnumber", "co": "call_origin"}[group or ""]


def talk(api: Api, period: tuple[str, str], group: str | None, **filters: Any) -> dict[str, str]:
    """group value -> ave_talk_time (HH:MM:SS) from getCallMetrics."""
    extra = {"group_fields": group} if group else {}
    rows = metrics(api, period, req_fields="tc,att", **extra, **filters)
    return {(row[_element(group)] if group else "all"): row["ave_talk_time"] for row in rows}


def expected(counts: list[int], average: str) -> dict[str, str]:
    calls, answered, voicemail, missed = counts
    rate = f"{100 * answered / calls:.1f}%"
    return dict(
        zip(COLUMNS, [str(calls), str(answered), str(voicemail), str(missed), rate, average], strict=True)
    )


@pytest.mark.parametrize("choice", ["today", "7", "30", "90"])
def test_the_figures_are_getcallmetrics_answers(api: Api, choice: str) -> None:
    check_figures(api, choice)


def test_the_figures_agree_on_postgresql(postgres_settings: Settings) -> None:
    api = Api(postgres_settings)
    try:
        check_figures(api, "30")
    finally:
        api.close()


def check_figures(api: Api, choice: str) -> None:
    doc = page(api, env="sandbox", account=str(account_pk(api)), period=choice)
    period = span(choice)
    assert doc.xpath('//select[@id="period"]/option[@selected]/@value') == [choice]

    # totals and the share
    whole = by_result(api, period, None)["all"]
    assert int(by_id(doc, "an-total").text) == whole[0] > 0
    assert [int(by_id(doc, i).text) for i in ("an-answered", "an-voicemail", "an-missed")] == whole[1:]
    assert by_id(doc, "an-talk").text == talk(api, period, None)["all"]

    # per link, node, number and the top callers: every column
    for table_id, group in [("an-links-table", "lid"), ("an-nodes-table", "nid"), ("an-numbers-table", "vn")]:
        counts, averages = by_result(api, period, group), talk(api, period, group)
        assert table(doc, table_id) == {k: expected(v, averages[k]) for k, v in counts.items()}, table_id
    sources = table(doc, "an-sources-table")
    assert 0 < len(sources) <= 10
    callers = by_result(api, period, "co")
    busiest = sorted(c[0] for c in callers.values())[-len(sources) :]
    assert sorted(int(row["calls"]) for row in sources.values()) == busiest
    for number, row in list(sources.items())[:3]:  # the API's own filter agrees, caller by caller
        caller = by_result(api, period, None, call_origin=number)["all"]
        assert row == expected(caller, talk(api, period, None, call_origin=number)["all"])

    # per category: getCallMetrics filtered by cat_ids (sub-categories included)
    with api.dbs["sandbox"].reading() as session:
        category_ids = session.scalars(
            select(Category.category_id).where(Category.account_pk == account_pk(api))
        ).all()
    categories = table(doc, "an-categories-table")
    assert sorted(categories) == sorted(category_ids)
    for cid in category_ids:
        in_category = by_result(api, period, None, cat_ids=cid).get("all")
        if in_category is None:
            assert categories[cid]["calls"] == "0"
        else:
            assert categories[cid] == expected(in_category, talk(api, period, None, cat_ids=cid)["all"]), cid

    # per day (days without calls shown as 0) and per weekday (the heat map's rows summed)
    days = {
        tr.xpath("./th")[0].text: int(tr.xpath("./td")[0].text)
        for tr in doc.xpath('//table[@id="an-days-table"]/tbody/tr')
    }
    api_days = {
        r["call_date"]: int(r["total_calls"])
        for r in metrics(api, period, group_fields="cdate", req_fields="tc")
    }
    assert len(days) == (1 if choice == "today" else int(choice))
    assert {d: n for d, n in days.items() if n} == api_days
    week = {
        tr.get("data-key"): int(tr.xpath("./td")[-1].text)
        for tr in doc.xpath('//table[@id="an-week-table"]/tbody/tr')
    }
    api_week = {
        r["call_weekday"]: int(r["total_calls"])
        for r in metrics(api, period, group_fields="cweekd", req_fields="tc")
    }
    assert {d: n for d, n in week.items() if n} == api_week


def test_numbers_are_e164_with_a_plus_grouped(api: Api) -> None:
    doc = page(api, period="90")
    numbers = [th.text.strip() for th in doc.xpath('//table[@id="an-numbers-table"]/tbody/tr/th')]
    assert numbers and all(n.startswith("+") and " " in n for n in numbers), numbers
    link_names = [th.text.strip() for th in doc.xpath('//table[@id="an-links-table"]/tbody/tr/th')]
    with api.dbs["sandbox"].reading() as session:
        names = set(session.scalars(select(Link.link_name)))
    assert set(link_names) <= names


def test_defaults_first_env_first_account_30_days(api: Api) -> None:
    doc = page(api)
    assert doc.xpath('//select[@id="period"]/option[@selected]/@value') == ["30"]
    assert [o.text for o in doc.xpath('//select[@id="period"]/option')] == [
        "Today",
        "7 days",
        "30 days",
        "90 days",
    ]
    assert doc.xpath('//label[@for="period"]/text()') == ["Period"]
    assert doc.xpath('//form[@method="get"]//button[@type="submit"]/text()') == ["Show"]
    assert any("Analytics" in h.text_content() for h in doc.xpath("//h1"))
    first = doc.xpath('//select[@id="account"]/option')[0]
    assert first.get("selected") is not None
    assert doc.xpath('//select[@id="env"]/option[@selected]/@value') == ["sandbox"]
    svgs = doc.xpath("//svg")
    assert len(svgs) >= 4 and all(s.get("role") == "img" and s.get("aria-label") for s in svgs)
    assert all(s.xpath("./title") and s.xpath("./desc") for s in svgs)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "365"}, "period must be one of today, 7, 30, 90"),
        ({"period": "x<script>"}, "period must be one of today, 7, 30, 90"),
        ({"account": "999"}, "account must be one of"),
    ],
)
def test_a_bad_choice_is_a_400_page(api: Api, params: dict[str, str], message: str) -> None:
    resp = api.client.get(PAGE, params=params)
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("text/html")
    doc = html.fromstring(resp.text)
    assert message in by_id(doc, "an-error").text_content()
    assert doc.xpath('//select[@id="period"]')  # the form is there to choose again
    assert "<script>" not in resp.text


def by_id(doc: Any, element_id: str) -> Any:
    return doc.get_element_by_id(element_id)


def test_an_empty_period_says_no_calls(api: Api) -> None:
    with api.dbs["sandbox"].writing() as session:
        session.execute(delete(Call).where(Call.call_start >= PINNED.replace(hour=0)))
    doc = page(api, period="today")
    assert by_id(doc, "an-empty").text == "no calls in this period"
    assert by_id(doc, "an-total").text == "0"
    assert by_id(doc, "an-rate").text == "–"
    assert [tr.text_content().strip() for tr in doc.xpath('//table[@id="an-links-table"]/tbody/tr')] == [
        "no calls"
    ]


def test_without_a_session_the_login_form(settings: Settings) -> None:
    lan = Api(settings.with_overrides(admin_key="s3cret"), ip="192.0.2.10")
    try:
        signs_in(lan)
    finally:
        lan.close()


def signs_in(lan: Api) -> None:
    resp = lan.client.get(PAGE, params={"period": "7"}, follow_redirects=False)
    assert (resp.status_code, resp.headers["location"]) == (303, "/__mock__/ui/login")
    done = lan.client.post(
        "/__mock__/session", json={"key": "s3cret"}, headers={"X-Requested-With": "mock-iovox"}
    )
    assert done.status_code == 200, done.text
    assert lan.client.get(PAGE, params={"period": "7"}).status_code == 200


def test_the_dashboard_links_to_the_analytics(api: Api) -> None:
    doc = html.fromstring(api.client.get("/__mock__/ui?env=production").text)
    assert doc.xpath('//nav//a[text()="Analytics"]/@href') == [PAGE + "?env=production"]
    assert page(api, env="production").xpath('//select[@id="env"]/option[@selected]/@value') == ["production"]
