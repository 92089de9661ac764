"""Serving: personalised lists with explanations, labelled fallbacks, filters, batch scoring."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from museion.recommend.models import EASE, ItemKNN, MostPopular, Trending
from museion.recommend.serve import Fallback, recommend_all, recommend_for_member


@pytest.fixture(scope="module")
def models(synthetic):
    matrix = synthetic.interactions.matrix
    return {
        "itemknn": ItemKNN(neighbours=10).fit(matrix),
        "ease": EASE(l2=10.0).fit(matrix),
        "pop": MostPopular().fit(matrix),
    }


def title(index: int) -> str:
    return f"Work #{index}"


def test_personalised_list_is_unseen_explained_and_labelled(models, synthetic) -> None:
    data = synthetic.interactions
    fallback = Fallback.from_model(models["pop"])
    result = recommend_for_member(models["itemknn"], data, 3, 5, fallback=fallback, title=title, verb="watched")
    assert result.personalised and result.rule is None and result.member_row == 3
    assert len(result.items) == 5
    seen = set(data.matrix[3].indices.tolist())
    expected, _ = models["itemknn"].recommend(np.array([3]), data.matrix[3], 5)
    assert [r.item for r in result.items] == expected[0].tolist()
    for rec in result.items:
        assert rec.item not in seen and rec.work_id == data.work_ids[rec.item]
        assert rec.explanation.model == "itemknn" and rec.explanation.contributions
        first = rec.explanation.contributions[0][0]
        assert rec.explanation.reason.startswith(f"Because you watched {title(first)}")


def test_members_without_history_or_consent_get_the_labelled_fallback(models, synthetic) -> None:
    data = synthetic.interactions
    fallback = Fallback.from_model(models["pop"])
    assert fallback.rule == "popular"
    nobody = csr_matrix((1, data.n_works), dtype=np.float32)
    np.testing.assert_array_equal(fallback.items[:4], models["pop"].recommend(np.array([0]), nobody, 4)[0][0])
    for result in (
        recommend_for_member(models["ease"], data, None, 4, fallback=fallback),
        recommend_for_member(models["ease"], data, 3, 4, fallback=fallback, personalise=False),
    ):
        assert not result.personalised and result.rule == "popular"
        assert [r.item for r in result.items] == fallback.items[:4].tolist()
        assert all(r.score is None and r.explanation.reason == "Popular with members" for r in result.items)
    # with personalisation off the history is not even used to drop seen works
    off = recommend_for_member(models["ease"], data, 3, 40, fallback=fallback, personalise=False)
    assert set(data.matrix[3].indices) <= {r.item for r in off.items}


def test_empty_history_falls_back_and_editorial_lists_work(models, synthetic) -> None:
    data = synthetic.interactions.select(np.arange(10))  # only member 0 keeps any history
    editorial = Fallback("editorial", np.array([7, 2, 9]))
    result = recommend_for_member(models["itemknn"], data, 5, 2, fallback=editorial)
    assert not result.personalised and [r.item for r in result.items] == [7, 2]
    assert result.items[0].explanation.reason == "Picked by our curators"


def test_candidates_filter_both_paths(models, synthetic) -> None:
    data = synthetic.interactions
    allowed = np.zeros(data.n_works, dtype=bool)
    allowed[::2] = True
    fallback = Fallback.from_model(models["pop"])
    personal = recommend_for_member(models["ease"], data, 1, 6, fallback=fallback, candidates=allowed)
    generic = recommend_for_member(models["ease"], data, None, 6, fallback=fallback, candidates=allowed)
    assert personal.items and generic.items
    assert all(r.item % 2 == 0 for r in personal.items + generic.items)


def test_rule_based_main_model_is_not_called_personalised(models, synthetic) -> None:
    data = synthetic.interactions
    result = recommend_for_member(models["pop"], data, 2, 3, fallback=Fallback.from_model(models["pop"]))
    assert not result.personalised and result.rule == "popular"
    assert not set(r.item for r in result.items) & set(data.matrix[2].indices.tolist())
    with pytest.raises(ValueError, match="rule-based"):
        Fallback.from_model(models["ease"])


def test_trending_fallback(synthetic) -> None:
    data = synthetic.interactions
    fallback = Fallback.from_model(Trending().fit(data.matrix, timestamps=data.last_timestamp))
    assert fallback.rule == "trending" and sorted(fallback.items.tolist()) == list(range(data.n_works))


def test_recommend_all_matches_single_calls_and_reports_progress(models, synthetic) -> None:
    data = synthetic.interactions
    done: list[int] = []
    items, scores = recommend_all(models["ease"], data, 4, batch_size=25, progress=done.append)
    assert done == [25, 50, data.n_members]
    expected = models["ease"].recommend(np.arange(data.n_members), data.matrix, 4)
    np.testing.assert_array_equal(items, expected[0])
    np.testing.assert_allclose(scores, expected[1], rtol=1e-6)
