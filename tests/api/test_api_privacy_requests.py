"""Data-subject requests and de-identified releases over HTTP: the ledger (open, list by status, verify,
refuse, complete), the member's self-service copy, DP histograms refused past the budget, k-anonymity."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from helpers import auth_headers, import_views, inspecting, job_outcome
from museion import audit
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import releases, vault
from museion.privacy.models import Event, Member
from museion.server import create_app


@pytest.fixture
def app_engine(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.delenv(vault.ENV_KEY, raising=False)
    import_views(engine, tmp_path, genres=("Comedy", "Drama"), works=6, members=40, skip_every=3)
    return engine


@pytest.fixture
def officer(app_engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(app_engine, tmp_path / "home"), headers=auth_headers(app_engine, "privacy_officer")) as c:
        yield c


def test_the_request_ledger_over_http(officer: TestClient, app_engine: Engine) -> None:
    member = auth_headers(app_engine, member="t:m1")
    opened = officer.post("/api/members/t:m1/requests", json={"kind": "rectification", "channel": "letter"}, headers=member)
    assert opened.status_code == 201 and opened.json()["status"] == "received" and not opened.json()["overdue"]
    request_id = opened.json()["id"]
    assert officer.post("/api/members/t:m2/requests", json={"kind": "access"}, headers=member).status_code == 403
    assert officer.get("/api/requests", headers=member).status_code == 403  # the ledger is for privacy staff
    erasure = officer.post("/api/members/t:m2/requests", json={"kind": "erasure"}).json()["id"]
    assert [r["id"] for r in officer.get("/api/requests?status=received").json()] == [request_id, erasure]
    assert [r["kind"] for r in officer.get("/api/requests?kind=erasure").json()] == ["erasure"]

    early = officer.post(f"/api/requests/{request_id}/complete", json={"profile": {"age": 40}})
    assert early.status_code == 400 and "verify the requester's identity first" in early.json()["detail"]
    assert officer.post(f"/api/requests/{request_id}/verify", json={"how": "letter signed and ID checked"}).json()["status"] == "verified"
    done = officer.post(f"/api/requests/{request_id}/complete", json={"profile": {"age": 40}, "identifiers": {"name": "M One"}})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["outcome"] == {"profile_fields": ["age"], "identifier_fields": ["name"]}
    with app_engine.connect() as conn, inspecting():
        assert conn.scalar(select(Member.age).where(Member.key == "t:m1")) == 40

    refused = officer.post(f"/api/requests/{erasure}/refuse", json={"reason": "a legal hold applies until 2027"})
    assert refused.json()["status"] == "refused" and refused.json()["refusal_reason"] == "a legal hold applies until 2027"
    assert officer.post(f"/api/requests/{erasure}/refuse", json={"reason": "again"}).status_code == 400
    assert officer.get(f"/api/requests/{erasure}").json()["closed_at"] is not None
    assert officer.get("/api/requests/999999").status_code == 404
    with app_engine.connect() as conn, inspecting():
        steps = [(e["target"], e["details"]["status"]) for e in audit.entries(conn, audit.AuditFilter(action="request."))]
    assert steps == [(f"request:{request_id}", "received"), (f"request:{erasure}", "received"),
                     (f"request:{request_id}", "verified"), (f"request:{request_id}", "completed"),
                     (f"request:{erasure}", "refused")]


def test_access_and_erasure_complete_over_http(officer: TestClient, app_engine: Engine) -> None:
    access = officer.post("/api/members/t:m3/requests", json={"kind": "access"}).json()["id"]
    officer.post(f"/api/requests/{access}/verify", json={"how": "account login"})
    copy = officer.post(f"/api/requests/{access}/complete")
    assert copy.status_code == 200 and copy.headers["content-disposition"] == f'attachment; filename="museion-access-{access}.json"'
    body = copy.json()
    assert body["member"]["key"] == "t:m3" and len(body["events"]) == 4 and "recommendations_shown" in body
    erase = officer.post("/api/members/t:m3/requests", json={"kind": "erasure"}).json()["id"]
    officer.post(f"/api/requests/{erase}/verify", json={"how": "account login"})
    erased = officer.post(f"/api/requests/{erase}/complete").json()
    assert erased["member"] is None and erased["outcome"]["events"] == 4
    with app_engine.connect() as conn, inspecting():
        assert conn.scalar(select(func.count()).select_from(Member).where(Member.key == "t:m3")) == 0
        assert conn.scalar(select(func.count()).select_from(Event)) == 40 * 4 - 4


def test_members_download_their_own_data(officer: TestClient, app_engine: Engine) -> None:
    member = auth_headers(app_engine, member="t:m4")
    response = officer.post("/api/members/t:m4/export", headers=member)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    assert response.json()["member"]["key"] == "t:m4"
    assert officer.post("/api/members/t:m5/export", headers=member).status_code == 403
    (logged,) = officer.get("/api/requests?kind=access").json()  # the ledger keeps the proof
    assert (logged["member"], logged["status"], logged["channel"]) == ("t:m4", "completed", "self-service")


def test_dp_histogram_is_refused_past_the_budget(officer: TestClient, app_engine: Engine) -> None:
    analyst = auth_headers(app_engine, "analyst")
    assert officer.get("/api/releases/budgets/t", headers=analyst).status_code == 404
    with app_engine.begin() as conn, inspecting():
        releases.set_budget(conn, "t", 1.0)
    body = {"dataset": "t", "by": "genre", "epsilon": 0.75, "max_contributions": 3}
    made = job_outcome(officer, officer.post("/api/releases/histogram", json=body, headers=analyst), analyst)
    assert made["status"] == "succeeded" and set(made["result"]["counts"]) == {"Comedy", "Drama"}
    assert made["result"]["remaining_epsilon"] == pytest.approx(0.25) and made["result"]["error_bound"] > 0
    refused = officer.post("/api/releases/histogram", json={**body, "epsilon": 0.5}, headers=analyst)
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["title"] == "Privacy budget exceeded" and "only epsilon=0.25" in refused.json()["detail"]
    assert officer.get("/api/releases/budgets/t", headers=analyst).json() == {
        "dataset": "t", "total_epsilon": 1.0, "spent": 0.75, "remaining": 0.25, "releases": 1}
    assert officer.post("/api/releases/histogram", json={**body, "epsilon": -1}, headers=analyst).status_code == 422
    curator = auth_headers(app_engine, "curator")
    assert officer.post("/api/releases/histogram", json=body, headers=curator).status_code == 403
    with app_engine.connect() as conn, inspecting():
        (entry,) = audit.entries(conn, audit.AuditFilter(action="release.dp_histogram"))
    assert entry["target"] == "dataset:t" and entry["details"]["epsilon"] == 0.75


def test_k_anonymous_release(officer: TestClient, app_engine: Engine, tmp_path: Path) -> None:
    creators = tmp_path / "creators.csv"
    creators.write_text("key,name,gender,nationality,birth_year\n" + "".join(
        f"c{i},Person {i},{'Male' if i % 2 else 'Female'},{'French' if i % 3 else 'German'},{1900 + i}\n" for i in range(60)),
        encoding="utf-8")
    import_file(app_engine, ColumnMapping("creators", source="museum"), creators)
    released = officer.post("/api/releases/k-anonymous", json={"source": "museum", "k": 5})
    assert released.status_code == 200, released.text
    report, records = released.json()["report"], released.json()["records"]
    assert report["k"] == 5 and len(records) == report["rows"] - report["suppressed"]
    groups: dict[tuple, int] = {}
    for row in records:
        groups[tuple(row.values())] = groups.get(tuple(row.values()), 0) + 1
    assert min(groups.values()) >= 5 and not any("Person" in str(v) for r in records for v in r.values())
    assert officer.post("/api/releases/k-anonymous", json={"source": "nowhere", "k": 5}).status_code == 400
