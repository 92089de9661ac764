"""RP3beta (Christoffel et al. 2015; Paudel et al. 2017): three-step random walks with a popularity penalty.

A walk goes item → member → item; transition probabilities are raised to ``alpha`` and the arrival item's
score is divided by its popularity to the power ``beta``, so that popular works stop dominating every list.
Dacrema et al. (2019) found it among the strongest simple baselines on MovieLens-style data. Kept sparse.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix, diags

from museion.recommend.models.base import Recommender

_BLOCK = 1024
"""Items per block when building the walk matrix: bounds memory to n_items × _BLOCK floats."""


class RP3beta(Recommender):
    """W[i, j] = Σ_u P(i→u)^α · P(u→j)^α / pop(j)^β, keeping each item's ``neighbours`` largest j; score = X·W.

    P(u→j) is the member's interaction weight on j over the member's total; P(i→u) is 1 over the number of
    members of item i; pop(j) is how many members interacted with j. An item is never its own neighbour.
    """

    name = "rp3beta"
    learned = ("similarity_",)
    similarity_: csr_matrix
    """items × items, row i holds the walk weights from item i to its kept neighbours."""

    def __init__(self, alpha: float = 1.0, beta: float = 0.5, neighbours: int = 100) -> None:
        self.alpha = alpha
        self.beta = beta
        self.neighbours = neighbours

    @property
    def _n_items(self) -> int:
        return self.similarity_.shape[0]

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        if self.alpha <= 0 or self.beta < 0 or self.neighbours < 1:
            raise ValueError("alpha must be positive, beta >= 0 and neighbours >= 1")
        weights = csr_matrix(matrix, dtype=np.float64)
        weights.data = np.abs(weights.data)
        weights.eliminate_zeros()
        member_totals = np.asarray(weights.sum(axis=1)).ravel()
        to_item = csr_matrix(diags(1.0 / np.where(member_totals > 0, member_totals, 1.0)) @ weights)
        to_item.data **= self.alpha
        present = weights.copy()
        present.data[:] = 1.0
        popularity = np.asarray(present.sum(axis=0)).ravel()
        to_member = csr_matrix(diags(1.0 / np.where(popularity > 0, popularity, 1.0)) @ present.T.tocsr())
        to_member.data **= self.alpha
        penalty = np.where(popularity > 0, popularity, 1.0) ** -self.beta
        n_items = matrix.shape[1]
        keep = min(self.neighbours, max(n_items - 1, 1))
        rows, cols, sims = [], [], []
        for start in range(0, n_items, _BLOCK):
            block = np.arange(start, min(start + _BLOCK, n_items))
            walks = (to_member[block] @ to_item).toarray() * penalty[None, :]
            walks[np.arange(len(block)), block] = 0.0
            best = np.argpartition(-walks, keep - 1, axis=1)[:, :keep]
            values = np.take_along_axis(walks, best, axis=1)
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
