"""Training from the store, serving with reasons, and the API/CLI around them, on real MovieLens data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import approve_and_deploy, auth_headers, grant_personalisation, require_dataset
from museion.cli.main import app as cli
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.errors import NotFound
from museion.fairness.serving import open_recommender
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import gate
from museion.recommend.training import train
from museion.registry.lifecycle import NoModel
from museion.registry.models import ModelVersion
from museion.server import create_app


@pytest.fixture
def movielens(engine: Engine) -> Engine:
    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"))
    grant_personalisation(engine)
    return engine


def test_train_serve_explain_and_reproduce(movielens: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with pytest.raises(NoModel, match="museion train"):
        open_recommender(movielens, home)
    first = train(movielens, home, "als", source="movielens", actor="test", params={"factors": 32, "iterations": 5})
    second = train(movielens, home, "als", source="movielens", actor="test", params={"factors": 32, "iterations": 5})
    assert first.data_fingerprint == second.data_fingerprint and first.id != second.id
    assert (home / first.artifact / "model" / "manifest.json").is_file()

    approve_and_deploy(movielens, home, first.id)  # only the deployed version serves: review and deploy each in turn
    a = open_recommender(movielens, home, first.id).recommend("movielens:1", 10, actor="test")
    service = open_recommender(movielens, home, first.id)
    approve_and_deploy(movielens, home, second.id)
    b = open_recommender(movielens, home, second.id).recommend("movielens:1", 10, actor="test")
    assert [i.work_id for i in a.items] == [i.work_id for i in b.items]  # same data + same seed
    assert a.personalised and len(a.items) == 10
    for item in a.items:
        assert item.model == "als" and item.reason.startswith("Because you rated ") and item.because
    with movielens.connect() as conn:
        row = service._row[gate.member_id_for(conn, "movielens:1", purpose=gate.PERSONALISATION, actor="test")]
    history = {int(service.interactions.work_ids[c]) for c in service.interactions.history(row).indices}
    assert len(history) > 10 and not history & {i.work_id for i in a.items}  # what they have is never offered

    with pytest.raises(NotFound, match="no member with key or reference 'movielens:999999'"):
        service.recommend("movielens:999999", 10, actor="test")


def test_member_without_history_gets_a_labelled_popular_list(movielens: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    approve_and_deploy(movielens, home, train(movielens, home, "ease", source="movielens", actor="test", params={"l2": 200.0}).id)
    newcomer = tmp_path / "members.csv"
    newcomer.write_text("key,age\nnewcomer,30\n", encoding="utf-8")
    import_file(movielens, ColumnMapping("members", source="movielens"), newcomer, keep_member_ids=True)
    served = open_recommender(movielens, home).recommend("movielens:newcomer", 10, actor="test")
    assert not served.personalised and served.rule == "popular" and len(served.items) == 10
    assert all(i.rule == "popular" and i.score is None and i.because == [] for i in served.items)
    assert "Popular" in served.items[0].reason


def test_api_and_cli(movielens: Engine, museion_env: str, tmp_path: Path) -> None:
    home = Path(tmp_path / "home")
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--model", "itemknn", "--source", "movielens", "--no-evaluate"])
    assert result.exit_code == 0, result.output
    assert "model version" in result.output
    with movielens.connect() as conn:
        assert conn.scalar(select(ModelVersion.algorithm)) == "itemknn"
        version = int(conn.scalar(select(ModelVersion.id)))
    refused = runner.invoke(cli, ["recommend", "movielens:1", "--version", str(version)])
    assert refused.exit_code == 1 and f"model version {version} is draft, not deployed" in refused.output
    approve_and_deploy(movielens, home, version)
    result = runner.invoke(cli, ["recommend", "movielens:1", "-k", "3", "--json"])
    body = json.loads(result.output)
    assert result.exit_code == 0 and len(body["items"]) == 3 and body["personalised"]
    result = runner.invoke(cli, ["recommend", "movielens:nobody"])
    assert result.exit_code == 1 and "no member with key or reference 'movielens:nobody'" in result.output
    result = runner.invoke(cli, ["recommend", "movielens:1", "--no-personalise"])
    assert result.exit_code == 0 and "NOT personalised: popular works" in result.output
    lists = tmp_path / "all.jsonl"
    result = runner.invoke(cli, ["recommend", "--all", "-k", "5", "--output", str(lists)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in lists.read_text().splitlines()]
    assert len(rows) == 608 and all(len(r["works"]) == 5 for r in rows)
    assert runner.invoke(cli, ["recommend", "--all"]).exit_code == 1

    with TestClient(create_app(movielens, home), headers=auth_headers(movielens, "admin")) as client:
        response = client.get("/api/members/movielens:1/recommendations", params={"k": 5})
        assert response.status_code == 200
        items = response.json()["items"]
        assert len(items) == 5 and all(i["reason"] and i["model"] == "itemknn" for i in items)
        missing = client.get("/api/members/movielens:nobody/recommendations")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        assert client.get("/api/members/movielens:1/recommendations", params={"k": 0}).status_code == 422
        off = client.get("/api/members/movielens:1/recommendations", params={"personalise": "false"}).json()
        assert off["personalised"] is False and off["rule"] == "popular"
        off = client.get("/api/members/movielens:1/recommendations", params={"personalise": "false"}).json()
        assert off["personalised"] is False and off["rule"] == "popular"


def test_evaluate_command_writes_json_and_split(movielens: Engine, museion_env: str, tmp_path: Path) -> None:
    out, split_dir = tmp_path / "eval.json", tmp_path / "split"
    result = CliRunner().invoke(cli, ["evaluate", "--dataset", "movielens-latest-small", "--models", "pop,itemknn",
                                      "--json", str(out), "--save-split", str(split_dir)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["protocol"] == "ratio-811" and report["sizes"]["members"] == 608
    assert [m["name"] for m in report["models"]] == ["pop", "itemknn"]
    assert report["models"][1]["metrics"]["ndcg@10"] > report["models"][0]["metrics"]["ndcg@10"]
    rows = {part: (split_dir / f"{part}.csv").read_text().splitlines() for part in ("train", "valid", "test")}
    assert rows["train"][0].startswith("member,work,timestamp")
    assert sum(len(r) - 1 for r in rows.values()) == report["sizes"]["interactions"]
    bad = CliRunner().invoke(cli, ["evaluate", "--source", "movielens", "--models", "magic"])
    assert bad.exit_code == 1 and "unknown model(s) magic" in bad.output


def test_recommendations_page(movielens: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with TestClient(create_app(movielens, home), headers=auth_headers(movielens, "admin")) as client:
        assert "no model version has been trained" in client.get("/recommendations", params={"member": "movielens:1"}).text
    approve_and_deploy(movielens, home, train(movielens, home, "ease", source="movielens", actor="test", params={"l2": 200.0}).id)
    with TestClient(create_app(movielens, home), headers=auth_headers(movielens, "admin")) as client:
        page = client.get("/recommendations", params={"member": "movielens:1", "k": 3}).text
        assert "Personalised for movielens:1" in page and page.count("Because you rated") == 3
        assert client.get("/recommendations", params={"member": "movielens:x"}).status_code == 404
