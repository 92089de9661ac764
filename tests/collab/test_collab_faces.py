"""The queue from its three faces: the API (permissions, visibility, refusals as problem details), the web pages in
English and Chinese (deciding with an edit, refusals in the page's language), and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers
from museion.cli.main import app as cli
from museion.collab.queue import proposal_row
from museion.collab.review import Reviewer, decide
from museion.security.auth import issue_token
from museion.server import create_app

Queue = Callable[..., list[int]]


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(engine, tmp_path / "home"), follow_redirects=False) as c:
        yield c


def bearer(engine: Engine, reviewer: Reviewer) -> dict[str, str]:
    with engine.begin() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, reviewer.account_id, actor='test').token}"}


def test_api_claim_decide_and_visibility(client: TestClient, engine: Engine, queue: Queue, reviewers: dict) -> None:
    first, second = queue(2)
    curator, analyst = bearer(engine, reviewers["cur1"]), bearer(engine, reviewers["ana"])
    assert client.post("/api/queue/claim-next", headers=curator).json() == {"proposal_id": first}
    shown = client.get(f"/api/queue/{first}", headers=curator).json()
    assert shown["payload"] == {"subjects": ["sea", "s0"]} and shown["reviews"][0]["name"] == "cur1"
    assert client.get(f"/api/queue/{first}", headers=analyst).status_code == 404  # not the analyst's to see
    assert client.get("/api/queue?status=open", headers=analyst).json() == []
    assert len(client.get("/api/queue", headers=auth_headers(engine, "auditor")).json()) == 2  # oversight sees all
    done = client.post(f"/api/queue/{first}/decide", headers=curator,
                       json={"decision": "edit", "final": {"subjects": ["sea", "harbour"]}, "reason": "s0 is wrong"})
    assert done.json() == {"proposal_id": first, "status": "decided"}
    twice = client.post(f"/api/queue/{first}/decide", headers=curator, json={"decision": "accept"})
    assert twice.status_code == 409 and "already decided" in twice.json()["detail"]
    bare = client.post(f"/api/queue/{second}/decide", headers=curator, json={"decision": "reject"})
    assert bare.status_code == 400 and "needs a reason" in bare.json()["detail"]
    odd = client.post(f"/api/queue/{second}/decide", headers=curator, json={"decision": "maybe"})
    assert odd.status_code == 422
    assert client.post(f"/api/queue/{second}/decide", headers=auth_headers(engine, "member"), json={}).status_code in (401, 403)


def test_api_batch_policy_metrics_and_outside_proposals(client: TestClient, engine: Engine, queue: Queue,
                                                        reviewers: dict) -> None:
    ids = queue(3)
    curator = bearer(engine, reviewers["cur1"])
    assert client.post("/api/queue/decide-batch", headers=curator, json={"ids": ids, "decision": "accept"}).json() == {"decided": 3}
    policy = client.get("/api/queue/policy", headers=curator).json()
    assert {k["kind"] for k in policy["kinds"]} >= {"work.subjects", "risk.alert", "insight.plan"}
    found = client.get("/api/queue/metrics", headers=curator).json()
    assert found["figures"][0]["group"] == "work.subjects" and found["figures"][0]["acceptance_rate"] == 1.0
    calibration = found["calibration"][0]  # confidence 0.5 for all three, all accepted: a gap of 0.5
    assert calibration["decisions"] == 3 and calibration["ece"] == pytest.approx(0.5)
    page = client.get("/queue/metrics?lang=en", headers=curator).text
    assert "expected calibration error 0.500" in page and 'id="data-collab-1"' in page and "Decisions per kind" in page
    made = client.post("/api/queue", headers=auth_headers(engine, "analyst"),
                       json={"kind": "risk.alert", "subject": "work:t:1", "payload": {"text": "sudden ratings"},
                             "confidence": 0.7, "risk": "medium"})
    assert made.status_code == 201 and made.json()["status"] == "open"
    assert client.post("/api/queue", headers=curator, json={"kind": "risk.alert", "subject": "x", "payload": {}}).status_code == 403
    unknown = client.post("/api/queue", headers=auth_headers(engine, "analyst"),
                          json={"kind": "nobody.decides", "subject": "x", "payload": {}})
    assert unknown.status_code == 400 and "does not name it" in unknown.json()["detail"]


def test_web_review_with_an_edit_in_both_languages(client: TestClient, engine: Engine, queue: Queue, reviewers: dict) -> None:
    first, second = queue(2)
    curator = bearer(engine, reviewers["cur1"])
    page = client.get("/queue", headers=curator).text
    assert "AI proposals" in page and f'href="/queue/{first}"' in page and "Claim the next proposal" in page
    chinese = client.get("/queue?lang=zh-Hans", headers=curator).text
    assert "作品主题建议" in chinese and "AI proposals" not in chinese
    banana = client.get("/queue?kind=banana&lang=en", headers=curator)  # an unknown filter is named, not ignored
    assert banana.status_code == 422 and "no proposal kind &#39;banana&#39;" in banana.text and "work.subjects" in banana.text
    claimed = client.post("/queue/claim-next", headers=curator, data={"kind": ""})
    assert claimed.headers["location"] == f"/queue/{first}"
    shown = client.get(f"/queue/{first}?lang=en", headers=curator).text
    assert "sea\ns0" in shown and "neighbours" in shown and 'id="accept"' in shown
    edited = client.post(f"/queue/{first}/decide", headers=curator,
                         data={"decision": "edit", "field.subjects": "sea\nharbour\n", "then_next": "true"})
    assert edited.status_code == 303 and edited.headers["location"] == f"/queue/{second}"  # straight on to the next
    assert "harbour" in client.get(f"/queue/{first}", headers=curator).text
    other = bearer(engine, reviewers["cur2"])
    refused = client.post(f"/queue/{second}/decide?lang=zh-Hans", headers=other, data={"decision": "accept"})
    assert refused.status_code == 409 and "另一位审核人" in refused.text  # in the page's language
    for path in ("/queue/policy", "/queue/metrics", "/queue/metrics?by=team"):
        assert client.get(path + ("&" if "?" in path else "?") + "lang=zh-Hans", headers=curator).status_code == 200


def test_web_disputes_go_to_the_senior_role(client: TestClient, engine: Engine, queue: Queue, reviewers: dict) -> None:
    pid, = queue(kind="insight.plan", risk="medium")
    with engine.begin() as conn:
        decide(conn, reviewers["alg1"], pid, "accept")
        decide(conn, reviewers["alg2"], pid, "reject", reason="over-exposes one label")
    admin = bearer(engine, reviewers["adm"])
    page = client.get(f"/queue/{pid}", headers=admin).text
    assert "settling a disagreement" in page
    done = client.post(f"/queue/{pid}/decide", headers=admin, data={"decision": "resolve-reject", "reason": "agreed with alg2"})
    assert done.status_code == 303
    metrics = client.get("/api/queue/metrics", headers=admin).json()["agreement"]
    plan = next(a for a in metrics if a["kind"] == "insight.plan")
    assert plan["pairs"][0]["items"] == 1 and plan["pairs"][0]["observed"] == 0


def test_cli_claim_decide_policy_and_metrics(museion_env: str, queue: Queue, reviewers: dict, tmp_path: Path) -> None:
    first, second = queue(2)
    run = CliRunner().invoke
    listed = run(cli, ["queue", "list", "--json"])
    assert listed.exit_code == 0 and f'"id": {first}' in listed.stdout
    assert f"claimed proposal {first}" in run(cli, ["queue", "claim", "--as", "cur1"]).stdout
    decided = run(cli, ["queue", "decide", str(first), "edit", "--as", "cur1", "--final", '{"subjects": ["sea"]}'])
    assert decided.exit_code == 0 and "decided" in decided.stdout
    refused = run(cli, ["queue", "decide", str(first), "accept", "--as", "cur1"])
    assert refused.exit_code == 1 and "already decided" in refused.stderr
    wrong_role = run(cli, ["queue", "decide", str(second), "accept", "--as", "ana"])
    assert wrong_role.exit_code == 1 and "curator role" in wrong_role.stderr
    assert "work.subjects" in run(cli, ["queue", "policy"]).stdout
    draft = tmp_path / "draft.toml"
    draft.write_text('[kinds."k"]\nreviewers = 1\n')
    bad = run(cli, ["queue", "policy", "--check", str(draft)])
    assert bad.exit_code == 1 and "no decider" in bad.stderr
    assert "work.subjects" in run(cli, ["queue", "metrics"]).stdout
    assert f"proposal {first}" in run(cli, ["queue", "show", str(first)]).stdout


def test_guide_and_practice_read_only(client: TestClient, engine: Engine, queue: Queue, reviewers: dict) -> None:
    curator = bearer(engine, reviewers["cur1"])
    assert "No decided proposal" in client.get("/queue/practice?lang=en", headers=curator).text
    first, = queue()
    with engine.begin() as conn:
        decide(conn, reviewers["cur2"], first, "reject", reason="these subjects belong to the print's pair")
    guide = client.get("/queue/guide?lang=en", headers=curator).text
    assert "Your role decides these proposals." in guide and 'id="guide-work.subjects"' in guide and "reject 1" in guide
    page = client.get("/queue/practice?lang=en", headers=curator).text
    assert f'name="proposal" value="{first}"' in page
    result = client.get(f"/queue/practice?lang=en&proposal={first}&choice=accept", headers=curator).text
    assert "decided differently" in result and "belong to the print" in result
    chinese = client.get(f"/queue/practice?lang=zh-Hans&proposal={first}&choice=reject", headers=curator).text
    assert "您的决定与有经验的审核人一致" in chinese
    assert client.get(f"/queue/practice?proposal={first}&choice=accept", headers=auth_headers(engine, "analyst")).status_code == 404
    with engine.connect() as conn:
        assert proposal_row(conn, first).decision == "reject"  # practice changed nothing
