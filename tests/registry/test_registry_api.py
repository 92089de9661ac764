"""The registry over HTTP: the review flow by role, deployment, refusals as problem+json, and the public disclosure."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import approve_and_deploy, auth_headers, grant_personalisation, job_outcome, sign_assessment
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train
from museion.registry import cards
from museion.registry.disclosure import CARD_FIELDS
from museion.server import create_app

POLICY = InteractionPolicy(rating_threshold=0.0, min_member_interactions=1, min_work_interactions=1)


@pytest.fixture
def setup(sample_catalogue: Engine, tmp_path: Path) -> tuple[Engine, Path, TestClient]:
    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"
    app = create_app(sample_catalogue, home)
    with TestClient(app) as client:
        yield sample_catalogue, home, client


def test_review_flow_over_http_and_serving_follows_deployment(setup: tuple[Engine, Path, TestClient]) -> None:
    engine, home, client = setup
    admin = auth_headers(engine, "admin")
    version = train(engine, home, "ease", source=None, actor="test", params={"l2": 10.0}, policy=POLICY).id
    problem = client.get("/api/members/demo:m1/recommendations", headers=admin)
    assert problem.status_code == 503 and "no model version is deployed" in problem.json()["detail"]
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/disclosure").status_code == 404

    analyst = auth_headers(engine, "analyst")
    listed = client.get("/api/registry/versions", headers=analyst).json()
    assert [(v["id"], v["status"], v["card_hash"]) for v in listed] == [(version, "draft", None)]
    edited = client.patch(f"/api/registry/versions/{version}/card", json={"contact": "ai@museum.example"}, headers=analyst)
    assert edited.status_code == 200 and edited.json()["contact"] == "ai@museum.example"
    unaudited = client.post(f"/api/registry/versions/{version}/submit", headers=analyst)
    assert unaudited.status_code == 409 and unaudited.headers["content-type"].startswith("application/problem+json")
    assert f"POST /api/registry/versions/{version}/fairness-audits" in unaudited.json()["detail"]
    assert client.get("/api/registry/versions", headers=analyst).json()[0]["status"] == "draft"
    audited = job_outcome(client, client.post(f"/api/registry/versions/{version}/fairness-audits", json={"scope": "evaluation"},
                                              headers=analyst), analyst)
    assert audited["status"] == "succeeded", audited
    submitted = client.post(f"/api/registry/versions/{version}/submit", headers=analyst)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    card = client.get(f"/api/registry/versions/{version}/card", headers=analyst).json()
    assert card["frozen"] and card["fairness_audit"]["id"] == audited["result"]["audit_id"]
    frozen = client.patch(f"/api/registry/versions/{version}/card", json={"contact": "x"}, headers=analyst)
    assert frozen.status_code == 409 and "frozen" in frozen.json()["detail"]
    markdown = client.get(f"/api/registry/versions/{version}/card", params={"format": "markdown", "lang": "zh-Hans"}, headers=analyst)
    assert markdown.headers["content-type"].startswith("text/markdown") and "## 主要运行机制" in markdown.text

    reviewers = [auth_headers(engine, "algorithm_reviewer") for _ in range(4)]
    assert client.post(f"/api/registry/versions/{version}/review", headers=analyst).status_code == 403
    assert client.post(f"/api/registry/versions/{version}/review", headers=reviewers[0]).json()["round"] == 1
    capacities = ("domain_expert", "member_representative", "privacy_officer", "external_reviewer")
    for headers, capacity in zip(reviewers, capacities, strict=True):
        answer = client.post(f"/api/registry/versions/{version}/reviews", headers=headers,
                             json={"capacity": capacity, "decision": "approve", "findings": f"fine as {capacity}"})
        assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "approved"
    again = client.post(f"/api/registry/versions/{version}/reviews", headers=reviewers[0],
                        json={"capacity": "domain_expert", "decision": "approve", "findings": "again"})
    assert again.status_code == 409
    assert client.post(f"/api/registry/versions/{version}/deploy", headers=reviewers[0]).status_code == 403
    assert client.get("/api/members/demo:m1/recommendations", headers=admin).status_code == 503  # approved is not deployed
    with engine.begin() as conn:
        sign_assessment(conn, version)
    deployed = client.post(f"/api/registry/versions/{version}/deploy", headers=admin, json={"reason": "first release"})
    assert deployed.json() == {"deployed": version, "retired": None}

    served = client.get("/api/members/demo:m1/recommendations", headers=admin).json()
    assert served["model_version"] == version and served["disclosure_url"] == "/api/disclosure"
    steps = client.get(f"/api/registry/versions/{version}/transitions", headers=analyst).json()
    assert [s["to_status"] for s in steps] == ["submitted", "under_review", "approved", "deployed"]
    assert steps[-1]["reason"] == "first release" and steps[-1]["actor"].startswith("account:")
    assert len(client.get(f"/api/registry/versions/{version}/reviews", headers=analyst).json()) == 4
    assert client.get("/api/registry/due", headers=analyst).json() == []
    assert client.get("/api/registry/policy", headers=analyst).json()["min_approvals"] == 4
    assert client.get("/api/registry/policy", headers=analyst).json()["name"] == "standard"

    retired = client.post(f"/api/registry/versions/{version}/retire", headers=admin, json={"reason": "withdrawn"})
    assert retired.json()["status"] == "retired"
    after = client.get("/api/members/demo:m1/recommendations", headers=admin)
    assert after.status_code == 503 and "no model version is deployed" in after.json()["detail"]
    bad = client.post(f"/api/registry/versions/{version}/deploy", headers=admin)
    assert bad.status_code == 409 and "only an approved version can be deployed" in bad.json()["detail"]
    assert client.get("/api/registry/versions/424242/card", headers=analyst).status_code == 404


def test_public_disclosure_matches_the_deployed_card_in_both_languages(setup: tuple[Engine, Path, TestClient]) -> None:
    engine, home, client = setup
    version = train(engine, home, "itemknn", source=None, actor="test", policy=POLICY).id
    approve_and_deploy(engine, home, version)
    with engine.connect() as conn:
        card = cards.card_for(conn, home, version)
    for lang in ("en", "zh-Hans"):
        page = client.get("/api/disclosure", params={"lang": lang})  # no credentials: public
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["version_id"] == version and body["card_hash"] == card["card_hash"]
        assert {name: body[name] for name in CARD_FIELDS} == {name: card["text"][lang][name] for name in CARD_FIELDS}
        assert body["review"]["approvals"] == 4 and not body["review"]["demo_approval"]
        assert body["organisation"] is None  # named with `museion init --org` (see test_registry_policies)
    assert client.get("/api/disclosure", params={"lang": "zh-Hans"}).json()["title"] == "我们的推荐如何运作"
    assert client.get("/api/disclosure", params={"lang": "fr"}).status_code == 422
