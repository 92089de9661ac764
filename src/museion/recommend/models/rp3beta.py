"""RP3beta (Christoffel et al. 2015; Paudel et al. 2017): three-step random walks with a popularity penalty.

A walk goes item → member → item; transition probabilities are raised to ``alpha`` and the arrival item's
score is divided by its popularity to the power ``beta``, so that popular works stop dominating every list.
Dacrema et al. (2019) found it among the strongest simple baselines on MovieLens-style data. Kept sparse.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, diags

from museion.recommend.models.itemknn import NeighbourModel, neighbour_graph

class RP3beta(NeighbourModel):
    """W[i, j] = Σ_u P(i→u)^α · P(u→j)^α / pop(j)^β, keeping each item's ``neighbours`` largest j; score = X·W.

    P(u→j) is the member's interaction weight on j over the member's total; P(i→u) is 1 over the number of
    members of item i; pop(j) is how many members interacted with j. An item is never its own neighbour.
    """

    name = "rp3beta"

    def __init__(self, alpha: float = 1.0, beta: float = 0.5, neighbours: int = 100) -> None:
        self.alpha = alpha
        self.beta = beta
        self.neighbours = neighbours

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
        self.similarity_ = neighbour_graph(
            n_items, self.neighbours, lambda block: (to_member[block] @ to_item).toarray() * penalty[None, :])
