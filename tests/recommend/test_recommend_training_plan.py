"""Training with a parameter search and catalogue routing, from the store, the CLI and the card."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import grant_personalisation, require_dataset
from museion.cli.main import app as cli
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.recommend.models import capacity
from museion.recommend.models.capacity import CatalogueTooLarge
from museion.recommend.training import plan_training, train
from museion.registry import cards
from museion.registry.models import ModelVersion


@pytest.fixture
def movielens(engine: Engine) -> Engine:
    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"))
    grant_personalisation(engine)
    return engine


def test_a_tuned_version_records_its_search_and_its_card_states_it(movielens: Engine, tmp_path: Path) -> None:
    plan = plan_training(movielens, "rp3beta", {"neighbours": 50}, source="movielens", actor="test", tune=True, trials=3)
    search = plan.evaluation["search"]
    assert search["trials"] == 3 and search["chosen_on"] == "validation" and search["space"] == ["alpha", "beta"]
    assert plan.params["neighbours"] == 50 and set(plan.params) == {"alpha", "beta", "neighbours"}
    assert plan.evaluation["metrics"]["ndcg@10"] > 0 and "routing" not in plan.evaluation
    version = train(movielens, tmp_path, plan.algorithm, source="movielens", actor="test", params=plan.params,
                    evaluation=plan.evaluation)
    assert version.algorithm == "rp3beta" and version.evaluation["search"]["trials"] == 3
    with movielens.connect() as conn:
        card = cards.draft_card(conn, tmp_path, version.id)
    assert "3 trials" in card["text"]["en"]["evaluation"] and "3 次试验" in card["text"]["zh-Hans"]["evaluation"]
    assert card["text"]["en"]["name"].startswith("Random walks between works")


def test_too_little_memory_routes_auto_to_als_and_refuses_ease(movielens: Engine, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capacity, "available_memory", lambda: 10**6)  # a machine with 1 MB free
    with pytest.raises(CatalogueTooLarge, match="train als"):
        plan_training(movielens, "ease", source="movielens", actor="test", evaluate=False)
    with pytest.raises(CatalogueTooLarge):
        train(movielens, tmp_path, "ease", source="movielens", actor="test")
    with movielens.connect() as conn:
        assert conn.scalar(select(ModelVersion.id)) is None  # nothing was recorded
    plan = plan_training(movielens, "auto", source="movielens", actor="test", evaluate=False)
    assert plan.algorithm == "als" and "ALS was trained instead" in plan.evaluation["routing"]["reason"]
    version = train(movielens, tmp_path, "auto", source="movielens", actor="test", params={"factors": 16, "iterations": 3})
    assert version.algorithm == "als" and version.evaluation["routing"]["chosen"] == "als"


def test_the_cli_prints_the_search_and_the_routing(movielens: Engine, museion_env: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capacity, "available_memory", lambda: 10**6)
    result = CliRunner().invoke(cli, ["train", "--model", "auto", "--source", "movielens", "--tune", "--trials", "2",
                                      "-p", "factors=16", "-p", "iterations=3", "--no-evaluate"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # the console wraps long lines
    assert "ALS was trained instead" in output
    assert "parameter search (optuna-tpe, on validation only): 2 trials" in output
    refused = CliRunner().invoke(cli, ["train", "--model", "ease", "--source", "movielens", "--no-evaluate"])
    refusal = " ".join(refused.output.split())
    assert refused.exit_code == 1 and "train als" in refusal and "Traceback" not in refusal
