"""RP3beta: a hand-computed walk, agreement with a dense reference, and properties over random data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.sparse import csr_matrix

from museion.recommend.models import MODELS, RP3beta


def test_registered_with_every_model() -> None:
    assert MODELS["rp3beta"] is RP3beta


@pytest.mark.parametrize(("beta", "expected"), [(0.0, [[0, 0.5, 0], [0.25, 0, 0.25], [0, 0.5, 0]]),
                                                (1.0, [[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]])])
def test_hand_computed_walk(beta: float, expected: list[list[float]]) -> None:
    # members: {0, 1} and {1, 2}; P(u→j) = 1/2 each; P(i→u) = 1 for works 0 and 2, 1/2 for work 1 (two members)
    matrix = csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.float32))
    model = RP3beta(alpha=1.0, beta=beta, neighbours=2).fit(matrix)
    assert model.similarity_.toarray() == pytest.approx(np.array(expected))
    items, scores = model.recommend(np.array([0]), csr_matrix(np.array([[1, 0, 0]], dtype=np.float32)), 2)
    assert items[0].tolist() == [1, 2]
    assert scores[0].tolist() == pytest.approx([expected[0][1], 0.0])  # work 2 is never reached from work 0 alone


def test_alpha_is_an_exponent_on_each_step() -> None:
    matrix = csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.float32))
    model = RP3beta(alpha=2.0, beta=0.0, neighbours=2).fit(matrix)
    # row of work 1: 0.5² · 0.5² to work 0 and to work 2
    assert model.similarity_.toarray()[1] == pytest.approx([0.0625, 0, 0.0625])


def dense_reference(x: np.ndarray, alpha: float, beta: float, neighbours: int) -> np.ndarray:
    """Dacrema et al.'s formulation, dense, written independently of the model."""
    binary = (x > 0).astype(float)
    pui = (x / np.maximum(x.sum(axis=1, keepdims=True), 1e-12)) ** alpha
    piu = (binary.T / np.maximum(binary.sum(axis=0)[:, None], 1e-12)) ** alpha
    w = (piu @ pui) * np.maximum(binary.sum(axis=0), 1.0) ** -beta
    np.fill_diagonal(w, 0.0)
    for row in w:
        row[np.argsort(-row, kind="stable")[neighbours:]] = 0.0
    return w


def test_matches_a_dense_reference(synthetic) -> None:
    matrix = synthetic.interactions.matrix
    model = RP3beta(alpha=0.8, beta=0.4, neighbours=len(matrix.indptr)).fit(matrix)
    reference = dense_reference(matrix.toarray().astype(float), 0.8, 0.4, matrix.shape[1])
    assert model.similarity_.toarray() == pytest.approx(reference, rel=1e-4, abs=1e-7)


def test_explanations_add_up_to_the_score(synthetic) -> None:
    matrix = synthetic.interactions.matrix
    model = RP3beta(neighbours=10).fit(matrix)
    items, scores = model.recommend(np.array([3]), matrix[3], 3)
    contributions = model._contributions(3, matrix[3].indices, matrix[3].data.astype(float), items[0])
    assert contributions.sum(axis=0) == pytest.approx(scores[0], rel=1e-5)


def test_bad_parameters_are_refused() -> None:
    matrix = csr_matrix(np.eye(3, dtype=np.float32))
    for params in ({"alpha": 0.0}, {"beta": -1.0}, {"neighbours": 0}):
        with pytest.raises(ValueError, match="alpha must be positive"):
            RP3beta(**params).fit(matrix)


@settings(max_examples=30, deadline=None)
@given(cells=arrays(np.int8, (12, 9), elements=st.integers(0, 3)), alpha=st.floats(0.1, 2.0),
       beta=st.floats(0.0, 1.0), neighbours=st.integers(1, 10))
def test_properties(cells: np.ndarray, alpha: float, beta: float, neighbours: int) -> None:
    matrix = csr_matrix(cells.astype(np.float32))
    model = RP3beta(alpha=alpha, beta=beta, neighbours=neighbours).fit(matrix)
    rows = np.arange(matrix.shape[0])
    scores = model.score(rows, matrix)
    assert np.isfinite(scores).all() and (scores >= 0).all()
    assert (np.diff(model.similarity_.indptr) <= neighbours).all()
    items, _ = model.recommend(rows, matrix, 4)
    for row in rows:
        assert not set(items[row][items[row] >= 0]) & set(matrix[row].indices)
    again = RP3beta(alpha=alpha, beta=beta, neighbours=neighbours).fit(matrix).recommend(rows, matrix, 4)
    assert np.array_equal(items, again[0])
