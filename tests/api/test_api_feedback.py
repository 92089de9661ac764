"""Members' voice over the API: a member flags an item of their list and sees its status change when the review round
closes; bad input is refused as problem+json with nothing written; only the member, never staff, may speak for them;
posting is rate-limited; reviewers read the feedback; the public disclosure counts it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import approve_and_deploy, auth_headers, import_views
from museion.http import member_voice
from museion.recommend.training import train
from museion.registry import lifecycle, review
from museion.registry.policy import load_policy
from museion.security.auth import create_account, issue_member_token
from museion.server import create_app

MEMBER = "t:m0"
FLAGS = f"/api/members/{MEMBER}/flags"


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    version = train(engine, home, "itemknn", source="t", actor="t").id
    approve_and_deploy(engine, home, version)
    with TestClient(create_app(engine, home), headers=auth_headers(engine, member=MEMBER)) as c:
        c.version, c.home = version, home  # type: ignore[attr-defined]
        yield c


def shown(client: TestClient, member: str = MEMBER, headers: dict[str, str] | None = None) -> list[dict]:
    response = client.get(f"/api/members/{member}/recommendations?k=3", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def problem(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()["detail"]


def my_flags(client: TestClient) -> list[dict]:
    return client.get(FLAGS).json()["flags"]


def test_a_member_flags_a_recommendation_and_sees_it_considered(client: TestClient) -> None:
    item = shown(client)[0]
    made = client.post(FLAGS, json={"work": item["work_id"], "reason": "seems_biased", "comment": "Call me on +44 20 7946 0018"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["work_key"], body["reason"], body["model_version"]) == (item["key"], "seems_biased", client.version)  # type: ignore[attr-defined]
    assert "7946" not in body["text"] and body["considered_round"] is None
    assert [f["id"] for f in my_flags(client)] == [body["id"]]
    assert "already flagged" in problem(client.post(FLAGS, json={"work": item["key"], "reason": "seems_biased"}), 409)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    reviewer = auth_headers(engine, "algorithm_reviewer")
    evidence = client.get("/api/feedback", headers=reviewer).json()
    assert evidence["counts"]["seems_biased"] == 1 and evidence["works"][0]["key"] == item["key"]
    policy, tag = load_policy(client.home), uuid.uuid4().hex[:6]  # type: ignore[attr-defined]
    with engine.begin() as conn:  # the deployed version's periodic re-review, approved
        lifecycle.start_review(conn, client.version, actor="test")  # type: ignore[attr-defined]
        for n, capacity in enumerate(list(policy.required_capacities) or list(policy.capacities)[:1]):
            account = create_account(conn, f"rev-{tag}-{n}", "algorithm_reviewer", actor="test")
            state = review.record_review(conn, client.home, client.version, reviewer_account_id=account,  # type: ignore[attr-defined]
                                         capacity=capacity, decision="approve", findings="read the flags", actor="test")
    flag = my_flags(client)[0]
    assert (flag["considered_round"], flag["considered_decision"]) == (state["round"], "approved")
    assert flag["status"] == f"considered in review round {state['round']} (approved)"
    assert client.get("/api/feedback", headers=reviewer).json()["flags"] == []
    assert len(client.get("/api/feedback?all_rounds=true", headers=reviewer).json()["flags"]) == 1


def test_bad_flags_are_refused_and_nothing_is_written(client: TestClient) -> None:
    items = shown(client)
    listed = {i["work_id"] for i in items}
    unseen = next(w for w in range(1, 100) if w not in listed)
    assert "reason" in problem(client.post(FLAGS, json={"work": items[0]["work_id"], "reason": "boring"}), 422)
    assert "never recommended to you" in problem(client.post(FLAGS, json={"work": unseen, "reason": "offensive"}), 400)
    long = "x" * 501
    problem(client.post(FLAGS, json={"work": items[0]["work_id"], "reason": "offensive", "comment": long}), 422)
    problem(client.post(FLAGS, json={"work": items[0]["work_id"], "reason": "offensive", "extra": 1}), 422)
    assert my_flags(client) == []


def test_only_the_member_speaks_for_themselves(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    item = shown(client)[0]
    body = {"work": item["work_id"], "reason": "offensive"}
    assert client.post("/api/members/t:m1/flags", json=body).status_code == 403  # another member
    officer = auth_headers(engine, "privacy_officer")
    assert "on a member's behalf" in problem(client.post(FLAGS, json=body, headers=officer), 403)
    with engine.begin() as conn:
        minted = {"Authorization": f"Bearer {issue_member_token(conn, MEMBER, actor='account:1').token}"}
    assert "on a member's behalf" in problem(client.post(FLAGS, json=body, headers=minted), 403)
    assert "on a member's behalf" in problem(client.post("/api/disclosure/comments", json={"text": "hi"}, headers=officer), 403)
    assert client.get(FLAGS, headers=officer).status_code == 200  # the officer may read them (a staff read, recorded)
    assert client.get(FLAGS, headers=auth_headers(engine, "analyst")).status_code == 403
    assert client.get("/api/feedback").status_code == 403  # members do not read the board's evidence
    assert my_flags(client) == []


def test_comments_on_the_disclosure_are_counted_never_shown(client: TestClient) -> None:
    made = client.post("/api/disclosure/comments", json={"text": "Why so many dramas? Mail ada@example.org"})
    assert made.status_code == 201 and made.json()["text"] == "Why so many dramas? Mail <EMAIL_ADDRESS>"
    assert made.json()["model_version"] == client.version  # type: ignore[attr-defined]
    problem(client.post("/api/disclosure/comments", json={"text": ""}), 422)
    assert "empty" in problem(client.post("/api/disclosure/comments", json={"text": "   "}), 400)
    anonymous = TestClient(client.app)
    assert anonymous.post("/api/disclosure/comments", json={"text": "hello"}).status_code == 401
    public = anonymous.get("/api/disclosure").json()["member_feedback"]
    assert public["comments"] is None and public["flags"]["offensive"] == 0  # one comment: too few to publish
    assert "dramas" not in anonymous.get("/api/disclosure").text
    assert client.get(FLAGS).json()["comments"][0]["id"] == made.json()["id"]


def test_posting_is_rate_limited_per_member(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(member_voice, "POSTS", 3)
    member_voice._BUCKETS.pop(client.app, None)
    for _ in range(3):
        client.post("/api/disclosure/comments", json={"text": "   "})  # refused attempts count too
    limited = client.post("/api/disclosure/comments", json={"text": "a fair question"})
    problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    other = auth_headers(client.app.state.engine, member="t:m1")  # type: ignore[attr-defined]
    assert client.post("/api/disclosure/comments", json={"text": "mine"}, headers=other).status_code == 201
