"""Every writer waits its turn on the database's write lock, the control plane's included (issue 20,
issue 25 item 8: a snapshot save or a reset beside another write answered 500 `database is locked`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.helpers import Api
from tests.helpers.admin import admin, ok


def _snapshot(api: Api) -> None:
    ok(admin(api, "POST", "/snapshots", json={"name": "kept"}), 201)


def _user(api: Api) -> None:
    body = {"account": "Demo Estates", "username": "lockme", "secure_key": "k1"}
    ok(admin(api, "POST", "/users", json=body), 201)


def _fault(api: Api) -> None:
    ok(admin(api, "POST", "/faults", json=FAULT), 201)


def _state(api: Api) -> dict[str, Any]:
    return dict(ok(admin(api, "GET", "/state")))


#: a valid fault rule
FAULT = {"method": "getNodes", "action": "error", "status": 503, "message": "Service Unavailable"}

#: (verb, path, body or a function of the prepared value, preparation, the status of success)
WRITERS: list[tuple[str, str, Any, Callable[[Api], Any] | None, int]] = [
    ("PUT", "/clock", {"frozen": True}, None, 200),
    ("POST", "/clock/advance", {"seconds": 60}, None, 200),
    ("POST", "/reset", {}, None, 200),
    ("POST", "/snapshots", {"name": "s1"}, None, 201),
    ("POST", "/snapshots/kept/restore", {}, _snapshot, 200),
    ("DELETE", "/snapshots/kept", None, _snapshot, 200),
    ("PUT", "/state", lambda state: state, _state, 200),
    ("POST", "/users", {"account": "Demo Estates", "username": "u2", "secure_key": "k2"}, None, 201),
    ("PATCH", "/users/lockme", {"secure_key": "k3"}, _user, 200),
    ("DELETE", "/users/lockme", None, _user, 200),
    ("POST", "/faults", FAULT, None, 201),
    ("DELETE", "/faults", None, _fault, 200),
    ("DELETE", "/journal", None, None, 200),
    ("POST", "/calls", {"link_id": "westbourne-paper", "from": "+447700900123"}, None, 201),
    ("POST", "/calls/seed", {"count": 5}, None, 201),
]


@pytest.mark.parametrize(
    ("verb", "path", "body", "prepare", "status"), WRITERS, ids=[f"{w[0]} {w[1]}" for w in WRITERS]
)
def test_a_control_plane_writer_waits_for_the_write_lock(
    api: Api, verb: str, path: str, body: Any, prepare: Callable[[Api], Any] | None, status: int
) -> None:
    """While another writer holds the lock, the control-plane request does not run; once the lock
    is free it runs and succeeds. (A writer that skipped the lock would answer at once.)"""
    prepared = prepare(api) if prepare else None
    payload = body(prepared) if callable(body) else body
    answers: list[httpx.Response] = []
    done = threading.Event()

    def send() -> None:
        kwargs = {} if payload is None else {"json": payload}
        answers.append(admin(api, verb, path, **kwargs))
        done.set()

    sender = threading.Thread(target=send)
    with api.dbs["sandbox"].writing():
        sender.start()
        assert not done.wait(0.5), f"{verb} {path} ran while another writer held the lock"
    sender.join(60)
    assert answers, f"{verb} {path} never answered"
    assert answers[0].status_code == status, answers[0].text
