"""Attacks on serving and member reads (issue 21, items 5, 8, 14, 15): reads while another process holds the write
lock, staff previews counted as shown, an export triggered by a GET, and which refusals and staff reads leave a trace."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from helpers import approve_and_deploy, auth_headers, import_views, inspecting
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import served
from museion.privacy.models import AccessRecord, ServedEntry
from museion.recommend.training import train
from museion.security.auth import issue_token, member_account
from museion.server import create_app
from museion.store.engine import sqlite_file

RECS = "/api/members/t:m0/recommendations?k=3"


@pytest.fixture
def home(engine: Engine, tmp_path: Path) -> Path:
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    approve_and_deploy(engine, home, train(engine, home, "itemknn", source="t", actor="t").id)
    return home


@contextmanager
def write_lock(engine: Engine) -> Iterator[None]:
    """Another connection holds the write lock: the whole SQLite file, or the served-list log on PostgreSQL."""
    if (path := sqlite_file(engine)) is not None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with engine.connect() as other, inspecting():
        other.exec_driver_sql("LOCK TABLE served_lists, access_records IN EXCLUSIVE MODE")  # reads go on, writes wait
        yield
        other.rollback()


def served_rows(engine: Engine) -> int:
    with engine.connect() as conn, inspecting():
        return conn.scalar(select(func.count()).select_from(ServedEntry)) or 0


def staff_reads(engine: Engine) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AccessRecord.actor, AccessRecord.purpose, AccessRecord.details)).all()
    return [(a, p, d) for a, p, d in rows if "staff_read" in d]


def test_recommendations_are_served_while_another_process_holds_the_write_lock(engine: Engine, home: Path) -> None:
    member, admin = auth_headers(engine, member="t:m0"), auth_headers(engine)
    with TestClient(create_app(engine, home)) as client:
        assert client.get(RECS, headers=member).status_code == 200  # the model is loaded before the lock
        served.flush_deferred(engine)  # the first list is written before the lock; the lock must hold back the rest
        with write_lock(engine):
            for _ in range(3):
                answer = client.get(RECS, headers=member)
                assert answer.status_code == 200, answer.text
            assert client.get(RECS, headers=admin).status_code == 200
            if engine.dialect.name == "sqlite":  # deriving interests records its read in the request: 503, never 500
                interests = client.get("/api/members/t:m0/interests", headers=member)
                assert interests.status_code in (200, 503), interests.text
                if interests.status_code == 503:
                    assert int(interests.headers["retry-after"]) > 0
            assert served_rows(engine) == 1  # the three lists wait in the log's queue
    assert served_rows(engine) == 4  # flushed when the app shut down
    assert len(staff_reads(engine)) == 1


def test_a_log_full_while_the_store_stays_locked_answers_503_with_retry_after(engine: Engine, home: Path) -> None:
    member = auth_headers(engine, member="t:m0")
    with TestClient(create_app(engine, home)) as client:
        assert client.get(RECS, headers=member).status_code == 200
        served.flush_deferred(engine)  # the first list is written before the lock, however slowly the log's thread runs
        with write_lock(engine):
            served.stop_deferred(engine)
            served._DEFERRED[engine] = served.DeferredLog(engine, capacity=1)
            assert client.get(RECS, headers=member).status_code == 200
            full = client.get(RECS, headers=member)
            assert full.status_code == 503 and full.headers["retry-after"] == str(served.RETRY_AFTER)
            assert full.headers["content-type"].startswith("application/problem+json")
    assert served_rows(engine) == 2


def test_no_5xx_while_an_ingest_runs(engine: Engine, home: Path, tmp_path: Path) -> None:
    member = auth_headers(engine, member="t:m0")
    done, failed = threading.Event(), []

    def ingest() -> None:  # three imports of 4,800 events by new members, each one transaction holding the write lock
        try:
            for round_ in range(3):
                views = tmp_path / f"more{round_}.csv"
                views.write_text("member,work,kind\n" + "".join(f"r{round_}n{m},w{w},view\n" for m in range(400) for w in range(12)),
                                 encoding="utf-8")
                import_file(engine, ColumnMapping("events", source="t"), views, keep_member_ids=True)
        except Exception as exc:
            failed.append(exc)
        finally:
            done.set()

    with TestClient(create_app(engine, home)) as client:
        client.get(RECS, headers=member)
        writer = threading.Thread(target=ingest)
        writer.start()

        def hammer(_: int) -> list[int]:
            statuses = []
            while not done.is_set() or not statuses:
                statuses.append(client.get(RECS, headers=member).status_code)
            return statuses

        with ThreadPoolExecutor(4) as pool:
            statuses = [s for batch in pool.map(hammer, range(4)) for s in batch]
        writer.join()
    assert not failed and statuses and {s for s in statuses if s >= 500} == set()
    assert served_rows(engine) == len(statuses) + 1


def test_staff_previews_are_staff_reads_never_lists_shown_to_the_member(engine: Engine, home: Path) -> None:
    member, admin, analyst = auth_headers(engine, member="t:m0"), auth_headers(engine), auth_headers(engine, "analyst")
    with TestClient(create_app(engine, home)) as client:
        for staff in (admin, analyst):
            answer = client.get(RECS, headers=staff)
            assert answer.status_code in (200, 403)
        assert client.get("/recommendations?member=t:m0", headers=admin).status_code == 200  # the web preview
        assert client.get("/members/t:m0/recommendations", headers=admin).status_code == 200  # the member's page, as staff
        assert client.get(RECS, headers=member).status_code == 200
        copy = client.post("/api/members/t:m0/export", headers=member).json()
    assert len(copy["recommendations_shown"]) == 1
    assert served_rows(engine) == 1
    reads = staff_reads(engine)
    shown = [(p, d) for _a, p, d in reads if d["staff_read"] == "recommendations"]
    assert len(shown) >= 3 and {p for p, _d in shown} == {"personalisation"}
    assert all(isinstance(d["member_id"], int) for _a, _p, d in reads)
    # the member's page, seen by staff, also shows the member's flags: read under the member-rights purpose
    assert {(p, d["staff_read"]) for _a, p, d in reads} == {("personalisation", "recommendations"), ("member_rights", "feedback")}
    assert all(actor.startswith("account:") for actor, _p, _d in reads)


def test_the_export_is_a_post_protected_from_cross_site_requests(engine: Engine, home: Path) -> None:
    with engine.begin() as conn:
        token = issue_token(conn, member_account(conn, "t:m0", actor="test"), actor="test").token
    with TestClient(create_app(engine, home), follow_redirects=False) as client:
        assert client.get("/api/members/t:m0/export", headers={"Authorization": f"Bearer {token}"}).status_code == 405
        form = client.get("/login").text
        csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/login", data={"csrf_token": csrf, "token": token, "next": "/"}).status_code == 303
        page = client.get("/members/t:m0/privacy").text
        assert 'action="/api/members/t:m0/export"' in page and 'href="/api/members/t:m0/export"' not in page
        session_csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/api/members/t:m0/export").status_code == 403  # what a cross-site form could send
        download = client.post("/api/members/t:m0/export", data={"csrf_token": session_csrf})
        assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment")
        assert download.json()["member"]["key"] == "t:m0"


def test_staff_reads_of_consents_and_settings_are_recorded_members_own_are_not(engine: Engine, home: Path) -> None:
    member, officer = auth_headers(engine, member="t:m0"), auth_headers(engine, "privacy_officer")
    with TestClient(create_app(engine, home)) as client:
        for path in ("consents", "personalisation"):
            assert client.get(f"/api/members/t:m0/{path}", headers=member).status_code == 200
        assert staff_reads(engine) == []
        for path in ("consents", "personalisation"):
            assert client.get(f"/api/members/t:m1/{path}", headers=officer).status_code == 200
        assert client.get("/members/t:m1/privacy", headers=officer).status_code == 200
    reads = staff_reads(engine)
    assert sorted(d["staff_read"] for _a, _p, d in reads if d["staff_read"] != "feedback") == [
        "consents", "consents", "personalisation", "personalisation"]  # and the member's flags on the privacy page
    assert {p for _a, p, _d in reads} == {"member_rights"}


def test_refusals_and_invalid_tokens_are_logged_at_most_once_a_minute(engine: Engine, home: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    member = auth_headers(engine, member="t:m0")
    with TestClient(create_app(engine, home)) as client, caplog.at_level(logging.WARNING, logger="museion.security"):
        for _ in range(3):
            assert client.get("/api/members/t:m1/consents", headers=member).status_code == 403
            assert client.get("/api/works", headers={"Authorization": "Bearer mus_not-a-token"}).status_code == 401
            assert client.get("/api/works").status_code == 401  # no credentials: a sign-in prompt, not an event
        refused = [r for r in caplog.records if r.getMessage() == "refused"]
        invalid = [r for r in caplog.records if r.getMessage() == "invalid credentials"]
        assert len(refused) == 1 and refused[0].fields["route"] == "/api/members/{member}/consents"  # type: ignore[attr-defined]
        assert len(invalid) == 1 and invalid[0].fields["credentials"] == "bearer"  # type: ignore[attr-defined]
        assert "not-a-token" not in caplog.text and "t:m1" not in caplog.text
        refusals = client.app.state.refusals  # type: ignore[attr-defined]
        refusals.period = 0.0  # the next one, a period later, says how many were held back
        client.get("/api/members/t:m1/consents", headers=member)
        assert [r for r in caplog.records if r.getMessage() == "refused"][-1].fields["held_back"] == 2  # type: ignore[attr-defined]
    with engine.connect() as conn:  # nothing was written to the store for a refusal
        assert conn.scalar(select(func.count()).select_from(AccessRecord).where(AccessRecord.actor.like("%not-a-token%"))) == 0
