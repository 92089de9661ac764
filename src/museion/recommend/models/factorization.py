"""Matrix factorisation models trained by the ``implicit`` library (wrapped, not reimplemented)."""

from __future__ import annotations

import numpy as np
import scipy.linalg
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

from museion.recommend.models.ann import InnerProductIndex
from museion.recommend.models.base import Recommender, as_csr, top_k

ANN_THRESHOLD = 200_000
"""Catalogues with at least this many works are ranked through an approximate index; smaller ones exactly."""


class _Factorization(Recommender):
    """Scores are dot products of learned member and item factors.

    From ``ann_threshold`` works up, :meth:`recommend` looks candidates up in an :class:`InnerProductIndex`
    (built when the model is fitted or loaded) instead of scoring every work; scores stay exact.
    """

    learned = ("user_factors_", "item_factors_")
    user_factors_: np.ndarray
    item_factors_: np.ndarray
    ann_threshold: int

    @property
    def _n_items(self) -> int:
        return self.item_factors_.shape[0]

    @property
    def uses_index(self) -> bool:
        """Whether recommendations come from the approximate index (catalogue at or above the threshold)."""
        return self._n_items >= self.ann_threshold

    def _prepare(self) -> None:
        self._ann = InnerProductIndex(self.item_factors_) if self.uses_index else None

    def recommend(
        self,
        user_rows: np.ndarray,
        user_items: csr_matrix,
        k: int,
        *,
        exclude_seen: bool = True,
        candidates: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`Recommender.recommend`; through the index for large catalogues, exact for rows it cannot fill."""
        if getattr(self, "_ann", None) is None:
            return super().recommend(user_rows, user_items, k, exclude_seen=exclude_seen, candidates=candidates)
        if k < 1:
            raise ValueError("k must be at least 1")
        rows, history = self._check_batch(user_rows, user_items)
        self._check_rows(rows)
        exclude = as_csr(history) if exclude_seen else None
        items, scores, short = self._ann.recommend(self.user_factors_[rows], k, exclude=exclude, candidates=candidates)
        for row in np.flatnonzero(short):
            items[row], scores[row] = (part[0] for part in top_k(
                self._score(rows[row : row + 1], history[row]), k,
                exclude=None if exclude is None else exclude[row], candidates=candidates))
        return items, scores

    def _check_rows(self, user_rows: np.ndarray) -> None:
        if user_rows.size and user_rows.max() >= self.user_factors_.shape[0]:
            raise ValueError("a member row is outside the training matrix; refit to include new members")

    def _score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        self._check_rows(user_rows)
        return (self.user_factors_[user_rows] @ self.item_factors_.T).astype(np.float32, copy=False)


class ALS(_Factorization):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) via ``implicit``; confidence = alpha × weight.

    Fits run under ``threadpool_limits(1, "blas")`` as implicit recommends; results do not depend on
    ``num_threads`` (0 = all cores) because every member and item is solved independently.
    """

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        random_state: int = 0,
        num_threads: int = 0,
        ann_threshold: int = ANN_THRESHOLD,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads
        self.ann_threshold = ann_threshold

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            )
            model.fit(matrix, show_progress=False)
        self.user_factors_ = model.user_factors
        self.item_factors_ = model.item_factors

    def _prepare(self) -> None:
        super()._prepare()
        self._yty = np.zeros((self.item_factors_.shape[1],) * 2)
        for start in range(0, self.item_factors_.shape[0], 65_536):  # no float64 copy of a large catalogue
            chunk = self.item_factors_[start : start + 65_536].astype(np.float64)
            self._yty += chunk.T @ chunk

    def _contributions(
        self, user_row: int, history: np.ndarray, weights: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        """Hu et al. §5, the same formula as implicit's ``AlternatingLeastSquares.explain``.

        Vectorised over the history and over all ``items`` so that one Cholesky factorisation of
        W_u = YᵀY + λI + Σ_j (c_j − 1) y_j y_jᵀ serves a whole top-k list (implicit loops in Python,
        once per item); history items with confidence exactly 1 add nothing to W_u and are skipped.
        """
        seen = self.item_factors_[history].astype(np.float64)
        confidence = self.alpha * weights
        system = self._yty + self.regularization * np.eye(seen.shape[1])
        boosted = confidence != 1.0
        system += seen[boosted].T @ (seen[boosted] * (confidence[boosted] - 1.0)[:, None])
        solved = scipy.linalg.cho_solve(scipy.linalg.cho_factor(system), self.item_factors_[items].astype(np.float64).T)
        return (seen @ solved) * confidence[:, None]


class BPR(_Factorization):
    """Bayesian Personalised Ranking (Rendle et al. 2009) via ``implicit``; only which cells exist matters.

    ``num_threads=1`` by default because implicit's multi-threaded SGD is not reproducible.
    """

    name = "bpr"

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.01,
        regularization: float = 0.01,
        iterations: int = 100,
        random_state: int = 0,
        num_threads: int = 1,
        ann_threshold: int = ANN_THRESHOLD,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads
        self.ann_threshold = ann_threshold

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        with threadpool_limits(1, "blas"):
            model = BayesianPersonalizedRanking(
                factors=self.factors,
                learning_rate=self.learning_rate,
                regularization=self.regularization,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            )
            model.fit(matrix, show_progress=False)
        # implicit appends an item-bias column (the member side holds a constant 1 there).
        self.user_factors_ = model.user_factors
        self.item_factors_ = model.item_factors

    def _contributions(
        self, user_row: int, history: np.ndarray, weights: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        """Approximation: BPR has no exact per-item decomposition, so each history item is credited with
        the dot product of its latent factors and the target's (bias column left out) × its weight."""
        latent = self.item_factors_[:, :-1].astype(np.float64)
        return (latent[history] @ latent[items].T) * weights[:, None]
