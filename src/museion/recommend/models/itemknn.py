"""Item-based k-nearest-neighbours with cosine similarity, kept sparse.

Hand-written with scipy rather than wrapping implicit's ``CosineRecommender``: implicit's scorer does not
expose the per-history-item contributions that explanations need, and it has no shrinkage. The scoring
rule is the same as implicit's (each history item passes its similarity on to its own top-K neighbours).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix

from museion.recommend.models.base import Recommender

_BLOCK = 1024
"""Items per block when building the similarity matrix: bounds memory to n_items × _BLOCK floats."""


class ItemKNN(Recommender):
    """score(u, j) = Σ_{i in history(u)} x_ui · sim(i, j), keeping only each item i's ``neighbours`` best j.

    sim(i, j) = x_i·x_j / (‖x_i‖‖x_j‖ + shrinkage); the item itself is never its own neighbour.
    """

    name = "itemknn"
    learned = ("similarity_",)
    similarity_: csr_matrix
    """items × items, row i holds item i's top neighbours."""

    def __init__(self, neighbours: int = 100, shrinkage: float = 0.0) -> None:
        self.neighbours = neighbours
        self.shrinkage = shrinkage

    @property
    def _n_items(self) -> int:
        return self.similarity_.shape[0]

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        if self.neighbours < 1 or self.shrinkage < 0:
            raise ValueError("neighbours must be >= 1 and shrinkage >= 0")
        by_item = matrix.T.tocsr()
        norms = np.sqrt(np.asarray(by_item.multiply(by_item).sum(axis=1)).ravel())
        n_items = matrix.shape[1]
        keep = min(self.neighbours, max(n_items - 1, 1))
        rows, cols, sims = [], [], []
        for start in range(0, n_items, _BLOCK):
            block = np.arange(start, min(start + _BLOCK, n_items))
            dots = (by_item[block] @ matrix).toarray()
            dots /= norms[block, None] * norms[None, :] + self.shrinkage + 1e-12
            dots[np.arange(len(block)), block] = 0.0
            best = np.argpartition(-dots, keep - 1, axis=1)[:, :keep]
            values = np.take_along_axis(dots, best, axis=1)
            positive = values > 0
            rows.append(np.repeat(block, keep)[positive.ravel()])
            cols.append(best[positive])
            sims.append(values[positive])
        self.similarity_ = coo_matrix(
            (np.concatenate(sims).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_items, n_items),
        ).tocsr()

    def _prepare(self) -> None:
        self._by_target = csc_matrix(self.similarity_)

    def _score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        return (user_items @ self.similarity_).toarray().astype(np.float32, copy=False)

    def _contributions(
        self, user_row: int, history: np.ndarray, weights: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        return self._by_target[:, items].toarray()[history] * weights[:, None]
