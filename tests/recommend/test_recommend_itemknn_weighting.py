"""Item-kNN's BM25 weighting is implicit's BM25Recommender similarity (bar the item itself, never its own neighbour)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from implicit.nearest_neighbours import BM25Recommender
from scipy.sparse import csr_matrix
from scipy.sparse import random as sparse_random

from museion.recommend.models import ItemKNN


@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (0.3, 0.0), (2.5, 1.0)])
def test_bm25_matches_implicit(k1: float, b: float) -> None:
    matrix = csr_matrix(sparse_random(80, 60, density=0.1, random_state=3, format="csr", dtype=np.float32))
    matrix.data[:] = 1.0
    peer = BM25Recommender(K=61, K1=k1, B=b, num_threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer.fit(matrix, show_progress=False)
    expected = peer.similarity.toarray()
    np.fill_diagonal(expected, 0.0)
    ours = ItemKNN(neighbours=60, weighting="bm25", bm25_k1=k1, bm25_b=b).fit(matrix)
    assert ours.similarity_.toarray() == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_an_unknown_weighting_is_refused() -> None:
    with pytest.raises(ValueError, match="weighting must be one of cosine, bm25"):
        ItemKNN(weighting="jaccard").fit(csr_matrix(np.eye(3, dtype=np.float32)))
