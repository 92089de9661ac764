"""Large catalogues: EASE is routed to ALS (auto) or refused (asked for) when its matrix does not fit."""

from __future__ import annotations

import pytest

from museion.recommend.models.capacity import (
    AUTO,
    CatalogueTooLarge,
    available_memory,
    choose_algorithm,
    ease_peak_bytes,
)
from museion.registry.cards import _evaluation_summary

GB = 10**9


def test_small_catalogues_keep_ease() -> None:
    assert choose_algorithm("ease", 3_000, available=16 * GB).algorithm == "ease"
    assert choose_algorithm("ease", 3_000, available=16 * GB).reason is None
    chosen = choose_algorithm(AUTO, 3_000, available=16 * GB)
    assert chosen.algorithm == "ease" and "EASE chosen" in chosen.reason


def test_seventy_thousand_works_go_to_als_with_the_reason() -> None:
    assert ease_peak_bytes(70_000) > 90 * GB
    chosen = choose_algorithm(AUTO, 70_000, available=128 * GB)
    assert chosen.algorithm == "als"
    assert "70,000 × 70,000" in chosen.reason and "ALS was trained instead" in chosen.reason
    assert chosen.record()["requested"] == AUTO and chosen.record()["chosen"] == "als"


def test_an_explicit_ease_is_refused_with_the_alternatives() -> None:
    with pytest.raises(CatalogueTooLarge, match="train als .* rp3beta or itemknn"):
        choose_algorithm("ease", 70_000, available=128 * GB)


def test_the_limit_follows_the_memory_available() -> None:
    assert choose_algorithm("ease", 20_000, available=64 * GB).algorithm == "ease"
    with pytest.raises(CatalogueTooLarge):
        choose_algorithm("ease", 20_000, available=8 * GB)
    assert available_memory() > 0


@pytest.mark.parametrize("name", ["pop", "itemknn", "als", "bpr", "rp3beta", "content", "trending"])
def test_other_models_pass_through(name: str) -> None:
    assert choose_algorithm(name, 10_000_000, available=1 * GB).algorithm == name


def test_the_card_states_the_routing_and_the_search_in_both_languages() -> None:
    routing = choose_algorithm(AUTO, 70_000, available=128 * GB).record()
    evaluation = {"protocol": "ratio-811", "metrics": {"ndcg@10": 0.25}, "routing": routing,
                  "search": {"method": "optuna-tpe", "trials": 30, "seconds": 41.5, "chosen_on": "validation"}}
    english = _evaluation_summary(evaluation, "en")
    assert "auto was asked for, als was trained" in english and "70000 works" in english
    assert "validation part only (optuna-tpe): 30 trials in 41.5 s" in english
    chinese = _evaluation_summary(evaluation, "zh-Hans")
    assert "实际训练的是 als" in chinese and "共 30 次试验" in chinese
