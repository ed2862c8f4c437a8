"""Call flows and calls as the tests make them: a flow put on a link, a call rule, the menu the
engine tests walk, a click-to-call in PHP's shape, sound files of the Demo Estates account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from mock_iovox.calls import magic
from mock_iovox.db import Account, SoundFile
from tests.helpers.api import Api
from tests.helpers.wire import php_body, xml_of

CALLER = "447700900123"
ALL_FIELDS = (
    "id,cs,ce,co,coe,col,vn,cd,detail,ct,cts,tt,tts,ctype,call_res,rule_res,"
    "nid,nname,ntype,lid,lname,ltype,has_rec,es,direction"
)
FLOW_HEAD = '<request><callFlow name="{name}" notes="engine test">'


def use_flow(api: Api, rules: str, link: str = "westbourne-web", name: str = "Engine") -> None:
    """Create a flow (PHP shape) and put it on the link."""
    body = FLOW_HEAD.format(name=name) + rules + "</callFlow></request>"
    resp = api.post("CallFlow", "createCallFlow", body)
    assert resp.status_code == 201, resp.text
    attach = (
        f"<request><template_name>{name}</template_name><overwrite_existing>TRUE</overwrite_existing>"
        f"<link_ids><link_id>{link}</link_id></link_ids></request>"
    )
    resp = api.put("Links", "attachRuleTemplateToLinks", attach)
    assert resp.status_code == 204, resp.text


def call_rule(dest: str, extra: str = "", inner: str = "", rule_id: str = "c1") -> str:
    return (
        f'<call id="{rule_id}" label="Call" destinationPhoneNumber="{dest}" destinationContactId="?" '
        f'record="true" sendCallAlert="NONE" timeout="20"{extra}>{inner}</call>'
    )


MENU = (
    '<play id="welcome" label="Welcome"><soundFile soundLabel="Welcome" soundGroup="IVR"/></play>'
    '<messageKeypress id="menu" label="Menu" captureKeypress="false" timeout="{timeout}">'
    '<play id="prompt" label="Options"><soundFile soundLabel="Welcome" soundGroup="IVR"/></play>'
    "<eventHandlers>"
    '<keyEvent action="onMatchKeypressSequence" keypressSequence="1">'
    + call_rule(magic.MAGIC_ANSWER, rule_id="sales")
    + "</keyEvent>"
    '<keyEvent action="onMatchKeypressSequence" keypressSequence="2">'
    + call_rule(magic.MAGIC_BUSY, rule_id="support")
    + "</keyEvent>"
    '<failure id="nochoice" label="No choice" attempts="{attempts}">'
    '<play id="bye" label="Bye"><soundFile soundLabel="Welcome" soundGroup="IVR"/></play></failure>'
    "</eventHandlers></messageKeypress>"
)


PHP_PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n'


def body(link: str, variables: str) -> str:
    return f"<request><link_id>{link}</link_id><call_variables>{variables}</call_variables></request>"


def php_call(api: Api, link: str, variables: str) -> Any:
    return api.post("Calling", "initiateCall", PHP_PROLOG + body(link, variables), **_php())


def _php() -> dict[str, Any]:
    extra = php_body("")
    return {"headers": extra["headers"]}


def call_id_of(resp: Any) -> str:
    assert resp.status_code == 201, resp.text
    root = xml_of(resp)
    assert root.tag == "response" and [c.tag for c in root] == ["call_id"]
    return str(root.findtext("call_id"))


FIXED_TIME = datetime(2026, 1, 5, 9, 0, 0)


def add_sound_files(api: Api, *labels: str) -> None:
    """Sound files of the Demo Estates account (the SoundFiles API is another branch's work)."""
    with api.dbs["sandbox"].writing() as s:
        account = s.scalars(select(Account).where(Account.name == "Demo Estates")).one()
        for label in labels:
            s.add(
                SoundFile(
                    account_pk=account.pk,
                    sound_group="Greetings",
                    sound_label=label,
                    data=b"ID3",
                    created_at=FIXED_TIME,
                    updated_at=FIXED_TIME,
                )
            )
