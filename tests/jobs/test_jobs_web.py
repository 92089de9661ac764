"""The jobs pages: my jobs, one job with its progress bar, result or error, and a cancel button that needs the
session's CSRF token; in English and Simplified Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobs_support import wait_for
from sqlalchemy import Engine

from museion.config import get_settings
from museion.jobs import records
from museion.security.auth import create_account, issue_token
from museion.server import create_app


def sign_in(client: TestClient, engine: Engine, role: str) -> str:
    """Sign in through the login form as a new ``role`` account; returns its actor."""
    with engine.begin() as conn:
        account = create_account(conn, f"web-{role}", role, actor="test")
        token = issue_token(conn, account, actor="test").token
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post("/login", data={"csrf_token": csrf, "token": token, "next": "/"}).status_code == 303
    return f"account:{account}"


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_my_jobs_and_one_job_page(client: TestClient, store: Engine, gate: str) -> None:
    actor = sign_in(client, store, "analyst")
    job_id = client.app.state.jobs.submit("test.blocking_write", {"gate": gate}, actor)
    records.request_cancel(store, job_id)
    wait_for(store, job_id, "cancelled")
    other = client.app.state.jobs.submit("test.echo", {}, "account:999")  # someone else's
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200 and 'data-status="cancelled"' in page.text and "job-cancel" not in page.text
    assert client.get(f"/jobs/{other}").status_code == 404
    listing = client.get("/jobs").text
    assert f'href="/jobs/{job_id}"' in listing and f'href="/jobs/{other}"' not in listing

    running = client.app.state.jobs.submit("test.echo", {}, actor)
    wait_for(store, running, "succeeded")
    done = client.get(f"/jobs/{running}").text
    assert 'data-status="succeeded"' in done and '<progress id="job-progress" max="1" value="1.0"' in done
    assert 'http-equiv="refresh"' not in done


def test_cancel_button_needs_the_csrf_token(store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: str) -> None:
    monkeypatch.setenv("MUSEION_JOBS_WORKERS", "0")  # no consumer: the job stays queued until cancelled
    get_settings.cache_clear()
    with TestClient(create_app(store, tmp_path / "home"), follow_redirects=False) as client:
        cancel_with_csrf(client, store, gate)


def cancel_with_csrf(client: TestClient, store: Engine, gate: str) -> None:
    actor = sign_in(client, store, "auditor")
    job_id = client.app.state.jobs.submit("test.blocking_write", {"gate": gate}, actor)
    page = client.get(f"/jobs/{job_id}")
    assert 'http-equiv="refresh"' in page.text and 'id="job-cancel"' in page.text
    assert client.post(f"/jobs/{job_id}/cancel").status_code == 403
    assert records.get(store, job_id)["status"] == "queued"
    done = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == f"/jobs/{job_id}"
    assert records.get(store, job_id)["status"] == "cancelled"
    again = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 303


def test_failed_jobs_say_why_in_both_languages(client: TestClient, store: Engine) -> None:
    actor = sign_in(client, store, "analyst")
    job_id = client.app.state.jobs.submit("test.refuse", {}, actor)
    wait_for(store, job_id, "failed")
    english = client.get(f"/jobs/{job_id}?lang=en").text
    assert "The job failed:" in english and "no budget left for this test" in english
    chinese = client.get(f"/jobs/{job_id}?lang=zh-Hans").text
    assert "任务失败" in chinese and "The job failed" not in chinese and "Status" not in chinese
    assert "任务" in client.get("/jobs?lang=zh-Hans").text


def test_every_job_kind_has_a_name_on_the_pages() -> None:
    from museion.jobs_kinds import KINDS
    from museion.web.job_pages import KIND_LABELS

    assert set(KINDS) == set(KIND_LABELS)
