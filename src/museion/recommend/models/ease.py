"""EASE (Steck 2019): a closed-form item–item linear model, strong on small and medium catalogues."""

from __future__ import annotations

import numpy as np
import scipy.linalg
from scipy.sparse import csr_matrix

from museion.recommend.models.base import Recommender


class EASE(Recommender):
    """B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹ and diag(B) = 0; score = X·B.

    Dense in the number of items (n² float32 weights): fine up to roughly 10–20k works.
    """

    name = "ease"
    learned = ("weights_",)
    weights_: np.ndarray
    """items × items float32 matrix B; B[i, j] is how much having i says about j."""

    def __init__(self, l2: float = 500.0) -> None:
        self.l2 = l2

    @property
    def _n_items(self) -> int:
        return self.weights_.shape[0]

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        if self.l2 <= 0:
            raise ValueError("l2 must be positive")
        gram = (matrix.T @ matrix).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        inverse = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
        weights = inverse / -np.diag(inverse)
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights_ = np.ascontiguousarray(weights, dtype=np.float32)  # inv() returns Fortran order

    def _score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        return np.asarray(user_items @ self.weights_, dtype=np.float32)

    def _contributions(
        self, user_row: int, history: np.ndarray, weights: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        return self.weights_[np.ix_(history, items)] * weights[:, None]
