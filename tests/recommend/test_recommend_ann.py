"""The approximate index for large catalogues: recall against exact scoring, seen works and exclusions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from museion.recommend.models import ALS, BPR
from museion.recommend.models.ann import InnerProductIndex


def factors(n_items: int = 3_000, n_members: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray, csr_matrix]:
    """Generated factors with cluster structure and 30 seen works per member."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, 16)).astype(np.float32)
    items = centres[rng.integers(0, 20, n_items)] + 0.5 * rng.normal(size=(n_items, 16)).astype(np.float32)
    members = centres[rng.integers(0, 20, n_members)] + 0.5 * rng.normal(size=(n_members, 16)).astype(np.float32)
    seen = np.sort(rng.choice(n_items, (n_members, 30)), axis=1)
    history = csr_matrix((np.ones(seen.size, dtype=np.float32), seen.ravel(), np.arange(0, seen.size + 1, 30)),
                         shape=(n_members, n_items))
    history.sum_duplicates()
    return items, members, history


def restored(threshold: int, cls: type = ALS) -> tuple[ALS, csr_matrix]:
    items, members, history = factors()
    model = cls.restore(cls(factors=16, ann_threshold=threshold).get_params(),
                        {"user_factors_": members, "item_factors_": items})
    return model, history


def test_index_only_from_the_threshold_up() -> None:
    assert not restored(10_000)[0].uses_index
    assert restored(3_000)[0].uses_index


@pytest.mark.parametrize("cls", [ALS, BPR])
def test_recall_against_exact_scoring(cls: type) -> None:
    exact, history = restored(10_000, cls)
    approximate, _ = restored(1_000, cls)
    rows = np.arange(history.shape[0])
    want, want_scores = exact.recommend(rows, history, 10)
    got, got_scores = approximate.recommend(rows, history, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(want, got, strict=True)])
    assert recall >= 0.95
    same = (want == got).all(axis=1)
    assert np.allclose(want_scores[same], got_scores[same])  # scores are exact, not approximations


def test_seen_works_and_non_candidates_are_never_returned() -> None:
    model, history = restored(1_000)
    rows = np.arange(history.shape[0])
    allowed = np.zeros(history.shape[1], dtype=bool)
    allowed[::3] = True
    items, scores = model.recommend(rows, history, 10, candidates=allowed)
    for row in rows:
        assert not set(items[row]) & set(history[row].indices)
        assert allowed[items[row]].all() and (items[row] >= 0).all()
        assert (np.diff(scores[row]) <= 0).all()
    kept, _ = model.recommend(rows, history, 10, exclude_seen=False)
    exact, _ = restored(10_000)[0].recommend(rows, history, 10, exclude_seen=False)
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(kept, exact, strict=True)]) >= 0.95


def test_rows_the_index_cannot_fill_are_scored_exactly() -> None:
    model, history = restored(1_000)
    rare = np.zeros(history.shape[1], dtype=bool)
    rare[[5, 700, 2_999]] = True  # three candidates in 3,000: a tiny share the walk may not reach
    items, _ = model.recommend(np.array([0]), history[0], 5, candidates=rare)
    expected = sorted(set(np.flatnonzero(rare)) - set(history[0].indices))
    assert sorted(items[0][items[0] >= 0].tolist()) == expected and (items[0][len(expected):] == -1).all()


def test_search_pads_and_orders() -> None:
    items, _, _ = factors(200)
    index = InnerProductIndex(items)
    found = index.search(items[:2], 5)
    assert found.shape == (2, 5)
    brute = np.argsort(-(items[:2] @ items.T), axis=1)[:, :5]
    assert (found[:, 0] == brute[:, 0]).all()
    assert index.memory_bytes > items.nbytes
