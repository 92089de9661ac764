"""Non-personalised baselines: what most members engaged with, overall or recently."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

from museion.recommend.interactions import SECONDS_PER_DAY
from museion.recommend.models.base import Recommender


class _PopularityScores(Recommender):
    """Shared scoring for models whose score is one learned number per item."""

    learned = ("popularity_",)
    popularity_: np.ndarray

    @property
    def _n_items(self) -> int:
        return len(self.popularity_)

    def _score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        return np.tile(self.popularity_.astype(np.float32), (len(user_rows), 1))


class MostPopular(_PopularityScores):
    """Ranks works by how many members interacted with them (each member counts once)."""

    name = "pop"
    rule = "popular"

    def __init__(self) -> None:
        pass

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        self.popularity_ = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32)


class Trending(_PopularityScores):
    """Popularity where each member's latest interaction counts ``0.5 ** (age_days / half_life_days)``.

    Needs ``timestamps`` at fit. Ages are measured from ``reference_time`` (epoch seconds), by default
    the latest timestamp seen in training so that refits on the same data give the same ranking.
    """

    name = "trending"
    rule = "trending"

    def __init__(self, half_life_days: float = 30.0, reference_time: float | None = None) -> None:
        self.half_life_days = half_life_days
        self.reference_time = reference_time

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        if timestamps is None:
            raise ValueError("Trending needs the timestamps of the interactions (fit(..., timestamps=...))")
        if self.half_life_days <= 0:
            raise ValueError("half_life_days must be positive")
        stamps = np.asarray(timestamps, dtype=np.float64)
        reference = self.reference_time if self.reference_time is not None else stamps.max(initial=0.0)
        age_days = np.maximum(reference - stamps, 0.0) / SECONDS_PER_DAY
        decayed = 0.5 ** (age_days / self.half_life_days)
        self.popularity_ = np.bincount(matrix.indices, weights=decayed, minlength=matrix.shape[1]).astype(
            np.float32
        )
