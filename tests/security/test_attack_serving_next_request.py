"""Changes that must bind the very next recommendations request while others are being served (issue 19): a revoked
token is refused, a withdrawn consent or switched-off personalisation gives the labelled non-personalised list.

Threads keep requesting the member's list through the real app while the change is made through the API; every
request that starts after the change has answered must see it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import approve_and_deploy, auth_headers, import_views
from museion.recommend.training import train
from museion.security.auth import issue_token, member_account
from museion.server import create_app

MEMBER = "t:m0"
RECS = f"/api/members/{MEMBER}/recommendations?k=3"
HAMMERS = 4
REFUSED = {401, 429}
Outcome = tuple[float, int, bool | None]  # when the request started, its status, whether the list was personalised


@pytest.fixture
def home(engine: Engine, tmp_path: Path) -> Path:
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    approve_and_deploy(engine, home, train(engine, home, "itemknn", source="t", actor="t").id)
    return home


@contextmanager
def hammering(client: TestClient, headers: dict[str, str]) -> Iterator[list[Outcome]]:
    """Threads requesting the member's list without pause until the block ends; yields what each request saw."""
    seen: list[Outcome] = []
    stop, lock = threading.Event(), threading.Lock()

    def hammer() -> None:
        while not stop.is_set():
            started = time.monotonic()
            answer = client.get(RECS, headers=headers)
            with lock:
                seen.append((started, answer.status_code, answer.json()["personalised"] if answer.status_code == 200 else None))

    with ThreadPoolExecutor(HAMMERS) as pool:
        running = [pool.submit(hammer) for _ in range(HAMMERS)]
        # a hammer that failed ends the waits (its error is raised below); waits count requests, never time windows,
        # which a loaded machine may never fill
        try:
            while len(seen) < 3 * HAMMERS and not any(r.done() for r in running):  # the load is under way before the change
                time.sleep(0.01)
            yield seen
            resumed = time.monotonic()
            while sum(1 for s in list(seen) if s[0] >= resumed) < HAMMERS and not any(r.done() for r in running):
                time.sleep(0.01)  # and goes on after it
        finally:
            stop.set()
        for done in running:
            done.result()


def after(seen: list[Outcome], changed: float) -> list[Outcome]:
    return [s for s in seen if s[0] >= changed]


def changed_under_load(client: TestClient, member: dict[str, str], change: Callable[[], None]) -> tuple[list[Outcome], float]:
    """Make ``change`` while the member's list is requested in parallel; returns every outcome and when it answered."""
    with hammering(client, member) as seen:
        change()
        changed = time.monotonic()
        time.sleep(0.2)
    assert [s for s in seen if s[0] < changed and s[1] == 200], "no request was served before the change"
    assert after(seen, changed), "no request started after the change"
    return seen, changed


def test_a_revoked_token_is_refused_from_the_next_request_under_load(engine: Engine, home: Path) -> None:
    with engine.begin() as conn:
        account_id = member_account(conn, MEMBER, actor="test")
        issued = issue_token(conn, account_id, actor="test")
    member, admin = {"Authorization": f"Bearer {issued.token}"}, auth_headers(engine)
    with TestClient(create_app(engine, home)) as client:
        seen, changed = changed_under_load(client, member, lambda: client.delete(
            f"/api/accounts/{account_id}/tokens/{issued.id}", headers=admin).raise_for_status())
        # refused: 401, or 429 once the address has sent too many bad tokens (museion.http.authz)
        assert {status for _, status, _ in after(seen, changed)} <= REFUSED
        assert client.get(RECS, headers=member).status_code in REFUSED
    assert {status for _, status, _ in seen} <= {200, *REFUSED}  # nothing else, not even while it changed


def test_a_withdrawn_consent_unpersonalises_the_next_request_under_load(engine: Engine, home: Path) -> None:
    member = auth_headers(engine, member=MEMBER)
    body = {"purpose": "personalisation", "granted": False, "notice_version": "v2", "source": "web"}
    with TestClient(create_app(engine, home)) as client:
        assert client.get(RECS, headers=member).json()["personalised"] is True
        seen, changed = changed_under_load(
            client, member, lambda: client.post(f"/api/members/{MEMBER}/consents", json=body, headers=member).raise_for_status())
        assert {(status, personalised) for _, status, personalised in after(seen, changed)} == {(200, False)}
        answer = client.get(RECS, headers=member).json()
        assert (answer["personalised"], answer["not_personalised_because"]) == (
            False, "the member has not consented to personalisation")
    assert {status for _, status, _ in seen} == {200}


def test_switched_off_personalisation_binds_the_next_request_under_load(engine: Engine, home: Path) -> None:
    member = auth_headers(engine, member=MEMBER)
    with TestClient(create_app(engine, home)) as client:
        seen, changed = changed_under_load(client, member, lambda: client.put(
            f"/api/members/{MEMBER}/personalisation", json={"personalise": False}, headers=member).raise_for_status())
        assert {(status, personalised) for _, status, personalised in after(seen, changed)} == {(200, False)}
        assert client.get(RECS, headers=member).json()["not_personalised_because"] == "the member switched personalisation off"
    assert {status for _, status, _ in seen} == {200}
