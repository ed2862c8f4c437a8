"""The rows written after a request has answered, from a thread, queue on the write lock like every
writer (issue 20 item 6): an httpRequest rule's outcome (calls/httpsend.py) and a purchase callback's
delivery row (numbering/callbacks.py). Before, they wrote through a plain Session on the engine and
went past a held lock."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from mock_iovox import clock
from mock_iovox.calls import engine, httpsend, outbox
from mock_iovox.db import Account, PurchaseOrder
from mock_iovox.db.numbering import CallbackDelivery
from mock_iovox.numbering import callbacks
from tests.helpers import Api
from tests.helpers.flows import CALLER, use_flow
from tests.helpers.numbering import php, purchase_item

#: refused by the outbound policy (not loopback): nothing leaves the machine, an outcome is written
REMOTE_HOOK = "http://example.com/hook"
HELD_SECONDS = 0.5


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    return threading.Thread(target=run), done


def _demo_pk(api: Api) -> int:
    with api.dbs["sandbox"].reading() as s:
        return int(s.scalar(select(Account.pk).where(Account.name == "Demo Estates")) or 0)


def _http_statuses(api: Api) -> list[str]:
    with api.dbs["sandbox"].reading() as s:
        return [str(m["status"]) for m in outbox.outbox_messages(s, _demo_pk(api), kind=outbox.HTTP)]


def test_an_http_request_outcome_waits_for_a_held_write_lock(api: Api) -> None:
    use_flow(api, f'<httpRequest id="remote" label="Remote" url="{REMOTE_HOOK}" method="GET"/>')
    db = api.dbs["sandbox"]
    with db.writing() as s:
        req = engine.CallRequest("westbourne-web", CALLER, engine.DIRECT, [], seed=7)
        engine.place_call(s, _demo_pk(api), req, clock.now(s))
        jobs = httpsend.take(s)  # sent below, by hand, instead of from the commit's thread
    assert len(jobs) == 1 and _http_statuses(api) == [httpsend.QUEUED]
    sender, done = _in_thread(lambda: httpsend.run(jobs))
    with db.writing():
        sender.start()
        assert not done.wait(HELD_SECONDS), "the outcome was written while another writer held the lock"
        assert _http_statuses(api) == [httpsend.QUEUED]
    sender.join(30)
    assert done.is_set()
    assert _http_statuses(api) not in ([httpsend.QUEUED], [httpsend.SENDING])


def _deliveries(api: Api) -> int:
    with api.dbs["sandbox"].reading() as s:
        return int(s.scalar(select(func.count()).select_from(CallbackDelivery)) or 0)


def test_a_callback_delivery_row_waits_for_a_held_write_lock(api: Api) -> None:
    request = {"items": {"item": [purchase_item()]}}
    assert php(api, "POST", "Purchase", "purchaseVoxNumbers", request).status_code == 201
    db = api.dbs["sandbox"]
    with db.reading() as s:
        order_pk = int(s.scalar(select(func.max(PurchaseOrder.pk))) or 0)
    job = callbacks.Job(db, _demo_pk(api), order_pk, "http://127.0.0.1:9/", b"<response/>")
    writer, done = _in_thread(lambda: callbacks.record(job, 1, None, "refused"))
    with db.writing():
        writer.start()
        assert not done.wait(HELD_SECONDS), "the delivery row was written while another writer held the lock"
        assert _deliveries(api) == 0
    writer.join(30)
    assert done.is_set() and _deliveries(api) == 1
