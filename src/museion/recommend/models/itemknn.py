"""Item-based k-nearest-neighbours with cosine similarity, kept sparse.

Hand-written with scipy rather than wrapping implicit's ``CosineRecommender``: implicit's scorer does not
expose the per-history-item contributions that explanations need, and it has no shrinkage. The scoring
rule is the same as implicit's (each history item passes its similarity on to its own top-K neighbours).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix

from museion.recommend.models.base import Recommender

_BLOCK = 1024
"""Items per block when building the similarity matrix: bounds memory to n_items × _BLOCK floats."""


WEIGHTINGS = ("cosine", "bm25")


def bm25_weight(by_item: csr_matrix, k1: float, b: float) -> csr_matrix:
    """BM25 over items × members: idf per member (log n_items − log(1 + the member's items)), length per item."""
    weighted = csr_matrix(by_item, dtype=np.float64, copy=True)
    n_items = weighted.shape[0]
    idf = np.log(n_items) - np.log1p(np.bincount(weighted.indices, minlength=weighted.shape[1]))
    lengths = np.asarray(weighted.sum(axis=1)).ravel()
    length_norm = (1.0 - b) + b * lengths / max(lengths.mean(), 1e-12)
    rows = np.repeat(np.arange(n_items), np.diff(weighted.indptr))
    weighted.data = weighted.data * (k1 + 1.0) / (k1 * length_norm[rows] + weighted.data) * idf[weighted.indices]
    return weighted


def neighbour_graph(n_items: int, neighbours: int, block_scores: Callable[[np.ndarray], np.ndarray]) -> csr_matrix:
    """items × items keeping each row's ``neighbours`` largest positive scores, never the item itself. ``block_scores``
    gives a block of rows' dense scores against every item, so memory stays at n_items × _BLOCK floats."""
    keep = min(neighbours, max(n_items - 1, 1))
    rows, cols, sims = [], [], []
    for start in range(0, n_items, _BLOCK):
        block = np.arange(start, min(start + _BLOCK, n_items))
        scores = block_scores(block)
        scores[np.arange(len(block)), block] = 0.0
        best = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        values = np.take_along_axis(scores, best, axis=1)
        positive = values > 0
        rows.append(np.repeat(block, keep)[positive.ravel()])
        cols.append(best[positive])
        sims.append(values[positive])
    return coo_matrix(
        (np.concatenate(sims).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
    ).tocsr()


class NeighbourModel(Recommender):
    """A model that scores through an item × item neighbour graph: score = X·similarity_, each recommended work
    explained by the history items that lead to it."""

    learned = ("similarity_",)
    similarity_: csr_matrix
    """items × items, row i holds item i's kept neighbours and their weights."""

    @property
    def _n_items(self) -> int:
        return self.similarity_.shape[0]

    def _prepare(self) -> None:
        self._by_target = csc_matrix(self.similarity_)

    def _score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        return (user_items @ self.similarity_).toarray().astype(np.float32, copy=False)

    def _contributions(
        self, user_row: int, history: np.ndarray, weights: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        return self._by_target[:, items].toarray()[history] * weights[:, None]


class ItemKNN(NeighbourModel):
    """score(u, j) = Σ_{i in history(u)} x_ui · sim(i, j), keeping only each item i's ``neighbours`` best j.

    ``weighting="cosine"``: sim(i, j) = x_i·x_j / (‖x_i‖‖x_j‖ + shrinkage). ``weighting="bm25"``: sim(i, j) = w_i·w_j
    with each item's member vector BM25-weighted (``bm25_k1``, ``bm25_b``; members with many items count less),
    the same weighting as implicit's ``BM25Recommender``. The item itself is never its own neighbour.
    """

    name = "itemknn"

    def __init__(self, neighbours: int = 100, shrinkage: float = 0.0, weighting: str = "cosine", bm25_k1: float = 1.2,
                 bm25_b: float = 0.75) -> None:
        self.neighbours = neighbours
        self.shrinkage = shrinkage
        self.weighting = weighting
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        if self.neighbours < 1 or self.shrinkage < 0:
            raise ValueError("neighbours must be >= 1 and shrinkage >= 0")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}")
        by_item = matrix.T.tocsr()
        if self.weighting == "bm25":
            by_item = bm25_weight(by_item, self.bm25_k1, self.bm25_b)
            matrix = by_item.T.tocsr()
        norms = np.sqrt(np.asarray(by_item.multiply(by_item).sum(axis=1)).ravel())
        n_items = matrix.shape[1]

        def block_scores(block: np.ndarray) -> np.ndarray:
            dots = (by_item[block] @ matrix).toarray()
            if self.weighting == "cosine":
                dots /= norms[block, None] * norms[None, :] + self.shrinkage + 1e-12
            return dots

        self.similarity_ = neighbour_graph(n_items, self.neighbours, block_scores)
