"""Content-based recommendations from work descriptors (genres, subjects, tags); works for cold works."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, diags

from museion.recommend.models.base import Contributions, Recommender, strongest


def tfidf_profiles(features: csr_matrix) -> csr_matrix:
    """Row-normalised TF-IDF of an items × terms count matrix (smooth idf = ln((1+n)/(1+df)) + 1)."""
    counts = csr_matrix(features, dtype=np.float64)
    n_items = counts.shape[0]
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n_items) / (1.0 + document_frequency)) + 1.0
    return normalise_rows(counts @ diags(idf)).astype(np.float32)


def normalise_rows(matrix: csr_matrix) -> csr_matrix:
    """Scale each row to unit L2 norm; all-zero rows stay zero."""
    matrix = csr_matrix(matrix)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return csr_matrix(diags(1.0 / np.where(norms > 0, norms, 1.0)) @ matrix)


class ContentBased(Recommender):
    """score(u, j) = cosine(profile_u, tfidf_j) with profile_u the weighted mean of the member's items.

    Needs ``item_features`` (items × terms, counts or 0/1) at fit; every item with descriptors can be
    recommended, including works nobody has interacted with yet.
    """

    name = "content"
    learned = ("item_profiles_",)
    item_profiles_: csr_matrix
    """items × terms, row-normalised TF-IDF."""

    def __init__(self) -> None:
        pass

    @property
    def _n_items(self) -> int:
        return self.item_profiles_.shape[0]

    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        if item_features is None:
            raise ValueError("ContentBased needs item_features (items × terms) at fit")
        if item_features.shape[0] != matrix.shape[1]:
            raise ValueError("item_features must have one row per item of the interactions")
        self.item_profiles_ = tfidf_profiles(item_features)

    def _member_profiles(self, user_items: csr_matrix) -> csr_matrix:
        """Unit-length member profiles; the mean and the sum have the same direction."""
        return normalise_rows(user_items @ self.item_profiles_)

    def _score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        profiles = self._member_profiles(user_items)
        return (profiles @ self.item_profiles_.T).toarray().astype(np.float32, copy=False)

    def _contributions(
        self, user_row: int, history: np.ndarray, weights: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        profiles = self.item_profiles_
        return (profiles[history] @ profiles[items].T).toarray() * weights[:, None]

    def explain_terms(self, user_items: csr_matrix, item: int, top: int = 3) -> Contributions:
        """Terms (index, weight) shared by the member's profile and ``item``, weight = share of the cosine."""
        self._check_batch(np.zeros(1), user_items)
        profile = self._member_profiles(csr_matrix(user_items, dtype=np.float32)).toarray().ravel()
        target = self.item_profiles_[item].toarray().ravel()
        return strongest(np.arange(len(target)), (profile * target)[:, None], top)[0]
