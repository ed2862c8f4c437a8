"""SMS.sendSms (the outbox), User.userPortalLogin and JsApi action keys (issue 10, invented shapes
recorded in the catalogue's guesses)."""

from __future__ import annotations

from sqlalchemy import func, select

from mock_iovox.calls import outbox
from mock_iovox.db.calls import OutboxMessage
from tests.helpers import OTHER, Api, assert_errors, xml_of


def sms(origin: str = "Shop", extra: str = "") -> str:
    return (
        f"<request><origin>{origin}</origin><destination>447700900123</destination>"
        f"<message>Your viewing is at 10:00</message>{extra}</request>"
    )


def test_send_sms_lands_in_the_outbox(api: Api) -> None:
    resp = api.post("SMS", "sendSms", sms())
    assert resp.status_code == 201
    activity = xml_of(resp).findtext("sms_activity_id")
    with api.dbs["sandbox"].reading() as s:
        (message,) = outbox.outbox_messages(s, kind=outbox.SMS)
    assert int(activity) == 8_000_000_000 + message["id"]
    assert (message["from"], message["to"], message["body"], message["status"]) == (
        "Shop",
        "447700900123",
        "Your viewing is at 10:00",
        "queued",
    )
    assert message["created"] == "2026-12-02 10:00:00"


def test_send_sms_refusals_write_nothing(api: Api) -> None:
    assert_errors(
        api.post("SMS", "sendSms", sms(extra="<c2c_failover_link_id>nope</c2c_failover_link_id>")),
        400,
        ["C2C Failover Link ID does not exist"],
    )
    assert_errors(api.post("SMS", "sendSms", sms(origin="")), 400, ["Origin Empty"])
    with api.dbs["sandbox"].reading() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_user_portal_login(api: Api) -> None:
    resp = api.get("User", "userPortalLogin", {"username": "RestUserName"})
    assert resp.status_code == 200
    url = xml_of(resp).findtext("login_url")
    assert url.startswith("https://portal.mock-iovox.test/login?token=") and len(url) > 50
    assert_errors(
        api.get("User", "userPortalLogin", {"username": "OtherPartner"}), 400, ["Username does not exist"]
    )
    assert_errors(api.get("User", "userPortalLogin"), 400, ["Username Empty"])


def test_action_keys(api: Api) -> None:
    assert_errors(
        api.get("JsApi", "getActionKey", {"link_id": "westbourne-web"}), 400, ["Action Key does not exist"]
    )
    body = "<request><link_id>westbourne-web</link_id></request>"
    first = xml_of(api.post("JsApi", "createActionKey", body)).findtext("action_key")
    assert len(first) == 32
    got = api.get("JsApi", "getActionKey", {"link_id": "westbourne-web", "action": "initiateCall"})
    assert xml_of(got).findtext("action_key") == first
    second = xml_of(api.post("JsApi", "createActionKey", body)).findtext("action_key")
    assert second != first
    assert (
        xml_of(api.get("JsApi", "getActionKey", {"link_id": "westbourne-web"})).findtext("action_key")
        == second
    )
    assert_errors(
        api.post("JsApi", "createActionKey", "<request><link_id>nope</link_id></request>"),
        400,
        ["Link ID does not exist"],
    )
    # another account's link does not exist for this one
    other = api.get("JsApi", "getActionKey", {"link_id": "westbourne-web"}, headers=OTHER)
    assert_errors(other, 400, ["Link ID does not exist"])
    assert_errors(api.get("JsApi", "getActionKey"), 400, ["Link ID Empty"])
