"""Fairness audits of stored model versions on real MovieLens data: evaluation and served scopes, records,
the audit chain, re-ranked versions at serving, and the API and CLI around them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import approve_and_deploy, auth_headers, grant_personalisation, import_views, job_outcome, require_dataset
from museion.audit.models import AuditEntry
from museion.cli.main import app as cli
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.errors import NotFound
from museion.fairness.groups import popularity_tiers
from museion.fairness.rerank import RerankSpec
from museion.fairness.service import AuditError, get_audit, list_audits, member_demographics, reranked_version, run_version_audit
from museion.fairness.serving import open_recommender
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import consent, gate
from museion.privacy.served import log_served
from museion.recommend.training import train
from museion.server import create_app


@pytest.fixture
def movielens(engine: Engine) -> Engine:
    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"))
    grant_personalisation(engine)
    return engine


def test_audits_of_a_version_and_its_reranked_twin(movielens: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    base = train(movielens, home, "ease", source="movielens", actor="test", params={"l2": 200.0})
    record = run_version_audit(movielens, home, base.id, scope="evaluation", actor="test")
    metrics, summary = record["metrics"], record["summary"]
    assert summary["members"] > 500 and 0.1 < summary["ndcg@10"] < 0.5
    assert record["groups"] == {"item": ["popularity_tier", "era"], "member": ["activity_level"]}
    tiers = metrics["provider"]["groups"]["popularity_tier"]
    assert tiers["head"]["exposure_share"] > tiers["head"]["catalogue_share"] and tiers["head"]["exposure_vs_merit"] > 1
    assert sum(g["exposure_share"] for g in metrics["provider"]["groups"]["era"].values()) == pytest.approx(1.0)
    gap = metrics["member"]["activity_level"]["largest_gap"]["ndcg@10"]
    groups = metrics["member"]["activity_level"]["groups"]["ndcg@10"]
    assert gap["gap"] == pytest.approx(groups[gap["highest"]]["mean"] - groups[gap["lowest"]]["mean"])
    assert all(g["ci_low"] <= g["mean"] <= g["ci_high"] for g in groups.values())
    assert metrics["data"]["popularity_tier"]["head"]["ratio"] > 1 > metrics["data"]["popularity_tier"]["tail"]["ratio"]
    with movielens.connect() as conn:
        entry = conn.execute(select(AuditEntry.action, AuditEntry.target).where(AuditEntry.action == "fairness.audit")).one()
    assert entry.target == f"model_version:{base.id}"

    # the provider-fairness re-ranker, stored as a version of its own, changes what is served and what is audited
    fair = reranked_version(movielens, base.id, RerankSpec("xquad", 0.9), actor="test")
    approve_and_deploy(movielens, home, base.id)
    plain = open_recommender(movielens, home, base.id)
    first = plain.recommend("movielens:1", 10, actor="test", log=False)
    lists = {m: [i.work_id for i in plain.recommend(f"movielens:{m}", 10, actor="test", log=False).items] for m in (1, 2, 3)}
    approve_and_deploy(movielens, home, fair.id)
    second = open_recommender(movielens, home, fair.id).recommend("movielens:1", 10, actor="test", log=False)
    tier = popularity_tiers(plain.interactions.matrix.getnnz(axis=0))
    column = {int(w): i for i, w in enumerate(plain.interactions.work_ids)}
    tail_items = lambda served: sum(tier[column[i.work_id]] != "head" for i in served.items)  # noqa: E731
    assert second.personalised and tail_items(second) > tail_items(first)
    assert all(item.reason.startswith("Because you") for item in second.items)  # explanations still come from the model
    fair_record = run_version_audit(movielens, home, fair.id, scope="evaluation", actor="test")
    assert fair_record["metrics"]["rerank"]["name"] == "xquad"
    assert fair_record["summary"]["head_tail_exposure_gap"] < 0.8 * summary["head_tail_exposure_gap"]

    # what was actually served: the served-list log (the lists above were previews, not logged)
    with pytest.raises(AuditError, match="nothing has been served"):
        run_version_audit(movielens, home, base.id, scope="served", actor="test")
    with movielens.begin() as conn:
        for m in (1, 2, 3):
            member = gate.member_id_for(conn, f"movielens:{m}", purpose=gate.PERSONALISATION, actor="test")
            log_served(conn, member_id=member, model_version_id=base.id, personalised=True, not_personalised_because=None,
                       work_ids=lists[m])
    served = run_version_audit(movielens, home, base.id, scope="served", actor="test")
    assert served["scope"] == "served" and served["summary"]["members"] == 3 and "ndcg@10" not in served["summary"]
    assert served["metrics"]["provider"]["groups"]["popularity_tier"]["head"]["exposure_share"] > 0

    assert [a["id"] for a in list_audits(movielens, base.id)] == [served["id"], record["id"]]
    assert get_audit(movielens, base.id, record["id"])["metrics"] == metrics
    with pytest.raises(NotFound):
        get_audit(movielens, fair.id, record["id"])
    with pytest.raises(AuditError, match="scope"):
        run_version_audit(movielens, home, base.id, scope="everything", actor="test")


def test_api_and_cli(movielens: Engine, museion_env: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    version = train(movielens, home, "itemknn", source="movielens", actor="test")
    with TestClient(create_app(movielens, home)) as client:  # entered: the app's job consumer runs the audits
        audit_over_api(client, movielens, version.id)

    runner = CliRunner()
    out_json, out_html = tmp_path / "audit.json", tmp_path / "audit.html"
    result = runner.invoke(cli, ["audit", "fairness", str(version.id), "--json", str(out_json), "--html", str(out_html)])
    assert result.exit_code == 0, result.output
    assert "head_tail_exposure_gap" in result.output
    assert json.loads(out_json.read_text())["model_version_id"] == version.id
    html = out_html.read_text()
    assert "Plotly.newPlot" in html and "plotly.js v" in html and "<script src" not in html  # plotly.js inlined: opens offline
    result = runner.invoke(cli, ["audit", "fairness", "999999"])
    assert result.exit_code == 1 and "no model version 999999" in result.output
    result = runner.invoke(cli, ["rerank-version", str(version.id), "--reranker", "longtail", "--strength", "0.5"])
    assert result.exit_code == 0 and f"model version {version.id + 1}: version {version.id}'s itemknn model + longtail" in result.output
    result = runner.invoke(cli, ["rerank-version", str(version.id), "--reranker", "fair"])
    assert result.exit_code == 1 and "unknown re-ranker 'fair'" in result.output

    curve_json, curve_html = tmp_path / "curve.json", tmp_path / "curve.html"
    result = runner.invoke(cli, ["rerank-curve", "--source", "movielens", "--model", "pop", "--reranker", "longtail",
                                 "--strengths", "0,0.5,1", "--json", str(curve_json), "--html", str(curve_html)])
    assert result.exit_code == 0, result.output
    curve = json.loads(curve_json.read_text())
    assert [p["strength"] for p in curve["points"]] == [0.0, 0.5, 1.0]
    assert curve["points"][2]["long_tail_share"] > curve["points"][0]["long_tail_share"]
    assert "Plotly.newPlot" in curve_html.read_text()
    result = runner.invoke(cli, ["rerank-curve", "--source", "movielens", "--strengths", "0.5,1"])
    assert result.exit_code == 1 and "must start at 0" in result.output


def audit_over_api(client: TestClient, movielens: Engine, version_id: int) -> None:
    """Audits start as jobs (202); the job links the stored audit, and a failing one says why."""
    reviewer, curator = auth_headers(movielens, "algorithm_reviewer"), auth_headers(movielens, "curator")
    url = f"/api/registry/versions/{version_id}/fairness-audits"
    assert client.post(url, json={"scope": "evaluation"}, headers=curator).status_code == 403
    created = job_outcome(client, client.post(url, json={"scope": "evaluation", "k": 5}, headers=reviewer), reviewer)
    assert created["status"] == "succeeded", created
    body = client.get(created["links"]["api"], headers=reviewer).json()
    assert body["summary"]["k"] == 5 and "recall@5" in body["metrics"]["overall"]
    listed = client.get(url, headers=reviewer).json()
    assert [a["id"] for a in listed] == [body["id"]] and "metrics" not in listed[0]
    assert client.get(f"{url}/{body['id']}", headers=reviewer).json()["metrics"] == body["metrics"]
    page = client.get(f"{url}/{body['id']}/report", headers=reviewer)
    assert page.status_code == 200 and "data-chart" in page.text and "head_tail_exposure_gap" in page.text
    assert client.get("/api/registry/versions/999999/fairness-audits", headers=reviewer).status_code == 404
    problem = job_outcome(client, client.post(url, json={"scope": "served"}, headers=reviewer), reviewer)
    assert problem["status"] == "failed" and "nothing has been served" in problem["error"]



def test_provider_groups_come_from_the_catalogue(sample_catalogue: Engine) -> None:
    from museion.catalog.models import Work
    from museion.fairness.service import item_groups

    with sample_catalogue.connect() as conn:
        ids = {key: i for i, key in conn.execute(select(Work.id, Work.key))}
        order = [ids["demo:1"], ids["demo:2"], ids["demo:3"]]
        groups = item_groups(conn, order)
    assert groups["era"].tolist() == ["1990s", "1960s", "1920s"]
    assert groups["creator_gender"].tolist() == ["Male", "Female", "unknown"]
    assert "creator_region" not in groups  # no creator has a region: the attribute is left out


def _with_demographics(engine: Engine, folder: Path, people: list[tuple[int, str]]) -> np.ndarray:
    """Members t:m0… as imported with (age, gender) each; returns their ids in that order."""
    members = folder / "members.csv"
    members.write_text("key,age,gender\n" + "".join(f"m{m},{age},{gender}\n" for m, (age, gender) in enumerate(people)),
                       encoding="utf-8")
    import_file(engine, ColumnMapping("members", source="t"), members, keep_member_ids=True)
    with engine.begin() as conn:
        return np.array([gate.member_id_for(conn, f"t:m{m}", purpose=gate.RIGHTS, actor="test") for m in range(len(people))])


def test_member_demographics_only_for_members_who_shared_them(engine: Engine, tmp_path: Path) -> None:
    """Gender and age groups come through the privacy gate: members without the separate demographics
    consent for fairness audits are "not shared", whatever the store holds about them."""
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=30, skip_every=4)
    ids = _with_demographics(engine, tmp_path, [(16 + 2 * m, "FM"[m % 2]) for m in range(30)])
    with engine.begin() as conn:
        purpose = consent.current_purpose(conn, "fairness_audit")
        for m in range(0, 30, 3):  # a third of the members share their demographics for audits
            consent.record(conn, int(ids[m]), purpose, granted=True, notice_version="1", source="web", category="demographics")
        groups = member_demographics(conn, ids, actor="test")
    shared = np.arange(30) % 3 == 0
    assert set(groups["gender"][~shared]) == {"not shared"} and set(groups["age_band"][~shared]) == {"not shared"}
    assert groups["gender"][shared].tolist() == ["FM"[m % 2] for m in range(0, 30, 3)]
    assert groups["age_band"][0] == "under 18" and groups["age_band"][3] == "18-24" and groups["age_band"][27] == "65+"

    home = tmp_path / "home"
    version = train(engine, home, "itemknn", source="t", actor="test")
    record = run_version_audit(engine, home, version.id, scope="evaluation", actor="test")
    assert record["groups"]["member"] == ["activity_level", "gender", "age_band"]
    assert "not shared" in record["metrics"]["member"]["gender"]["groups"]["ndcg@10"]


def test_no_demographic_groups_when_nobody_shared(engine: Engine, tmp_path: Path) -> None:
    import_views(engine, tmp_path, genres=("Drama", "Comedy"), works=8, members=10, skip_every=3)
    ids = _with_demographics(engine, tmp_path, [(30, "F")] * 10)  # held, but nobody consented to its use
    with engine.begin() as conn:
        assert member_demographics(conn, ids, actor="test") == {}
