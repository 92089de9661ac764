"""Model cards: complete plain-language text in both languages for every algorithm, hashing, Markdown."""

from __future__ import annotations

import inspect

import pytest

from museion.errors import MuseionError
from museion.fairness.rerank import PARAMS as RERANK_PARAMS
from museion.recommend.models import MODELS
from museion.registry import cards, texts

FACTS = {"id": 7, "algorithm": "ease", "params": {"l2": 200.0}, "policy": {"rating_threshold": 3.0, "kinds": ["rating"]},
         "source": "movielens", "data_fingerprint": "f" * 64, "evaluation": {"protocol": "ratio-811",
                                                                           "metrics": {"ndcg@10": 0.31, "recall@10": 0.2}},
         "artifact_sha256": "a" * 64, "n_members": 600, "n_works": 3000}


def test_every_algorithm_reranker_and_parameter_is_explained_in_both_languages() -> None:
    assert set(texts.ALGORITHMS) == set(MODELS)
    assert set(texts.RERANKERS) == set(RERANK_PARAMS)
    for about in texts.ALGORITHMS.values():
        assert set(about) == set(texts.LANGS)
        assert all(about[lang][part] for lang in texts.LANGS for part in ("name", "principle", "mechanism"))
    parameters = {name for cls in MODELS.values() for name in inspect.signature(cls).parameters}
    parameters |= {name for spec in RERANK_PARAMS.values() for name in spec}
    assert parameters <= set(texts.PARAMETERS), parameters - set(texts.PARAMETERS)
    for table in (texts.PARAMETERS, texts.CATEGORIES, texts.STANDARD, texts.HEADINGS, texts.RERANKERS):
        assert all(set(entry) == set(texts.LANGS) and all(entry.values()) for entry in table.values())


def test_a_card_says_what_the_version_is_in_both_languages() -> None:
    card = cards.build_card(FACTS, editable={"limitations": "Ratings from 1996-2018 only.\n\n", "contact": "ai@museum.example",
                                             "purpose_notes": None},
                            categories=["activity"], fairness={"id": 3, "scope": "evaluation", "created_at": "2026-11-29",
                                                               "summary": {"exposure_gap": 0.25}})
    en, zh = card["text"]["en"], card["text"]["zh-Hans"]
    assert en.keys() == zh.keys()
    assert en["name"].startswith("Work-to-work weights") and zh["name"].startswith("作品间权重")
    assert [p["name"] for p in en["parameters"]] == ["kinds", "l2", "rating_threshold"]
    assert "Regularisation" in en["parameters"][1]["why"] and "正则化" in zh["parameters"][1]["why"]
    assert en["data_categories"] == [texts.CATEGORIES["activity"]["en"]]
    assert "ndcg@10 0.3100" in en["evaluation"] and "exposure_gap 0.2500" in en["audit"] and "#3" in zh["audit"]
    assert en["limitations"][-1] == "Ratings from 1996-2018 only." and en["contact"] == "ai@museum.example"
    assert "No re-ranking" in en["reranker"]
    markdown = cards.render_markdown(card, "zh-Hans")
    assert "## 基本原理" in markdown and "`l2`" in markdown and "ai@museum.example" in markdown
    with pytest.raises(MuseionError, match="unknown language 'fr'"):
        cards.render_markdown(card, "fr")


def test_the_card_hash_covers_every_field_and_the_reranker_is_described() -> None:
    base = cards.build_card(FACTS, editable={}, categories=["activity"], fairness=None)
    assert cards.card_hash(base) == cards.card_hash(cards.build_card(FACTS, editable={}, categories=["activity"], fairness=None))
    edited = cards.build_card(FACTS, editable={"contact": "x"}, categories=["activity"], fairness=None)
    assert cards.card_hash(edited) != cards.card_hash(base)
    reranked = cards.build_card({**FACTS, "params": {"l2": 200.0, "rerank": {"name": "xquad", "strength": 0.5,
                                                                              "params": {"depth": 100}}}},
                                editable={}, categories=["activity"], fairness=None)
    assert reranked["reranker"]["name"] == "xquad" and "Provider fairness" in reranked["text"]["en"]["reranker"]
    assert "strength=0.5" in reranked["text"]["zh-Hans"]["reranker"]
    assert [p["name"] for p in reranked["text"]["en"]["parameters"]] == ["kinds", "l2", "rating_threshold"]
    with pytest.raises(MuseionError, match="no plain-language description of algorithm 'magic'"):
        cards.build_card({**FACTS, "algorithm": "magic"}, editable={}, categories=[], fairness=None)


def test_the_card_states_the_interaction_policy_in_both_languages() -> None:
    policy = {"kinds": {"borrow": 1.0, "visit": 0.3}, "rating_threshold": 3.0, "time_decay_half_life_days": 180.0,
              "min_member_interactions": 2, "min_work_interactions": 2, "auto_core": {"largest": 5, "share": 0.8}}
    card = cards.build_card({**FACTS, "policy": policy}, editable={}, categories=["activity"], fairness=None)
    en, zh = card["text"]["en"], card["text"]["zh-Hans"]
    assert "borrow 1, visit 0.3" in en["policy"] and "Other kinds of events are not used" in en["policy"]
    assert "fewer than 2" in en["policy"] and "from 5 down to 1" in en["policy"] and "80%" in en["policy"]
    assert "every 180 days" in en["policy"]
    assert "借阅 1, 参观 0.3" in zh["policy"] and "少于 2 次" in zh["policy"] and "80%" in zh["policy"] and "180 天" in zh["policy"]
    parameters = {p["name"]: p for p in en["parameters"]}
    assert parameters["kinds"]["value"] == "borrow=1, visit=0.3" and parameters["kinds"]["why"]
    assert parameters["time_decay_half_life_days"]["value"] == 180.0
    assert parameters["min_member_interactions"]["value"] == 2
    assert "## Interaction policy" in cards.render_markdown(card, "en") and "## 互动策略" in cards.render_markdown(card, "zh-Hans")
    fixed = cards.build_card({**FACTS, "policy": {**policy, "auto_core": None, "time_decay_half_life_days": None}},
                             editable={}, categories=["activity"], fairness=None)["text"]["en"]
    assert "chosen from the data" not in fixed["policy"] and "do not lose weight" in fixed["policy"]
    assert "time_decay_half_life_days" not in {p["name"] for p in fixed["parameters"]}


def test_versions_recorded_before_kind_weights_read_as_weight_one() -> None:
    card = cards.build_card(FACTS, editable={}, categories=["activity"], fairness=None)  # FACTS lists its kinds
    assert "rating 1" in card["text"]["en"]["policy"]
    assert {p["name"]: p["value"] for p in card["text"]["en"]["parameters"]}["kinds"] == "rating=1"
    frozen_before = {**card, "text": {lang: {k: v for k, v in t.items() if k != "policy"} for lang, t in card["text"].items()}}
    assert "## Interaction policy" not in cards.render_markdown(frozen_before, "en")
