"""Jobs through the real app (its in-process consumer runs them): starting long work answers 202 with the job's
address at once, the job reports progress and its result, only its starter (or an admin) sees and cancels it, and
other requests are answered while it runs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from jobs_support import GATES, audit_writes, wait_for
from sqlalchemy import Engine

from helpers import auth_headers


def actor_of(client: TestClient, headers: dict[str, str]) -> str:
    return f"account:{client.get('/api/auth/me', headers=headers).json()['account_id']}"


def test_a_dp_release_answers_202_then_its_job_holds_the_counts(client: TestClient, store: Engine) -> None:
    analyst = auth_headers(store, "analyst")
    started = client.post("/api/releases/histogram", headers=analyst, json={"dataset": "t", "by": "genre", "epsilon": 0.4})
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    assert location == f"/api/jobs/{started.json()['id']}" and started.json()["kind"] == "dp_histogram"
    wait_for(store, started.json()["id"], "succeeded", "failed")
    job = client.get(location, headers=analyst).json()
    assert job["status"] == "succeeded" and job["progress"] == 1.0, job
    assert set(job["result"]["counts"]) == {"Comedy", "Drama"} and job["result"]["remaining_epsilon"] == pytest.approx(0.6)
    assert client.get("/api/releases/budgets/t", headers=analyst).json()["spent"] == pytest.approx(0.4)
    refused = client.post("/api/releases/histogram", headers=analyst, json={"dataset": "t", "by": "genre", "epsilon": 0.7})
    assert refused.status_code == 409 and "remain" in refused.json()["detail"]
    unknown = client.post("/api/releases/histogram", headers=analyst, json={"dataset": "nope", "by": "genre", "epsilon": 0.1})
    assert unknown.status_code == 404 and "no privacy budget" in unknown.json()["detail"]


def test_only_the_starter_and_admins_see_or_cancel_a_job(client: TestClient, store: Engine) -> None:
    analyst, other, admin, curator = (auth_headers(store, role) for role in ("analyst", "analyst", "admin", "curator"))
    job_id = client.post("/api/releases/histogram", headers=analyst, json={"dataset": "t", "by": "kind", "epsilon": 0.1}).json()["id"]
    assert client.get(f"/api/jobs/{job_id}", headers=other).status_code == 404
    assert client.post(f"/api/jobs/{job_id}/cancel", headers=other).status_code == 404
    assert client.get(f"/api/jobs/{job_id}", headers=admin).status_code == 200
    assert [j["id"] for j in client.get("/api/jobs", headers=analyst).json()] == [job_id]
    assert client.get("/api/jobs", headers=other).json() == []
    assert job_id in [j["id"] for j in client.get("/api/jobs?all=true", headers=admin).json()]
    assert client.get("/api/jobs?all=true", headers=curator).status_code == 403
    wait_for(store, job_id, "succeeded", "failed")
    finished = client.post(f"/api/jobs/{job_id}/cancel", headers=analyst)
    assert finished.status_code == 409 and "already succeeded" in finished.json()["detail"]


def test_works_are_served_while_a_long_job_runs_and_cancelling_it_keeps_nothing(client: TestClient, store: Engine,
                                                                                   gate: str) -> None:
    analyst = auth_headers(store, "analyst")
    job_id = client.app.state.jobs.submit("test.blocking_write", {"gate": gate}, actor_of(client, analyst))
    wait_for(store, job_id, "running")
    works = client.get("/api/works", headers=analyst)
    assert works.status_code == 200 and works.json()
    assert client.get(f"/api/jobs/{job_id}", headers=analyst).json()["status"] == "running"  # it was running all along
    cancelled = client.post(f"/api/jobs/{job_id}/cancel", headers=analyst)
    assert cancelled.status_code == 200 and cancelled.json()["cancel_requested"]
    assert wait_for(store, job_id, "cancelled", "succeeded")["status"] == "cancelled"
    GATES[gate].set()
    assert audit_writes(store) == 0


def test_training_and_audit_jobs_link_their_results(client: TestClient, store: Engine) -> None:
    analyst = auth_headers(store, "analyst")
    assert client.post("/api/jobs/training", headers=analyst, json={"algorithm": "magic"}).status_code == 400
    trained = client.post("/api/jobs/training", headers=analyst, json={"algorithm": "pop", "source": "t", "evaluate": False})
    assert trained.status_code == 202, trained.text
    job = wait_for(store, trained.json()["id"], "succeeded", "failed")
    assert job["status"] == "succeeded", job
    version = job["result"]["model_version_id"]
    assert client.get(f"/api/jobs/{job['id']}", headers=analyst).json()["links"]["api"] == f"/api/registry/versions/{version}"
    assert client.post("/api/registry/versions/999999/fairness-audits", headers=analyst, json={}).status_code == 404
    audited = client.post(f"/api/registry/versions/{version}/fairness-audits", headers=analyst, json={"scope": "evaluation"})
    assert audited.status_code == 202
    job = wait_for(store, audited.json()["id"], "succeeded", "failed")
    assert job["status"] == "succeeded", job
    link = client.get(f"/api/jobs/{job['id']}", headers=analyst).json()["links"]["api"]
    assert client.get(link, headers=analyst).json()["id"] == job["result"]["audit_id"]


def test_a_curve_is_checked_before_it_is_queued(client: TestClient, store: Engine) -> None:
    analyst = auth_headers(store, "analyst")
    bad_model = client.post("/api/jobs/rerank-curve", headers=analyst, json={"model": "magic", "reranker": "xquad", "strengths": [0]})
    assert bad_model.status_code == 400 and "unknown model" in bad_model.json()["detail"]
    bad_grid = client.post("/api/jobs/rerank-curve", headers=analyst, json={"model": "pop", "reranker": "xquad", "strengths": [1, 0]})
    assert bad_grid.status_code == 400 and "must start at 0" in bad_grid.json()["detail"]
    assert client.get("/api/jobs", headers=analyst).json() == []
    assert client.post("/api/jobs/rerank-curve", headers=auth_headers(store, "curator"),
                       json={"model": "pop", "reranker": "xquad", "strengths": [0]}).status_code == 403
