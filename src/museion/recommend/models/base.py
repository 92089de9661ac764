"""The one contract every Museion recommender follows: scikit-learn style parameters, implicit style batch calls."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np
from scipy.sparse import csr_matrix

from museion.errors import MuseionError

Contributions = list[tuple[int, float]]
"""(history item index, weight) pairs, largest weight first."""


class NotFitted(MuseionError):
    """A model was asked to score, explain or be saved before it was trained."""


class Recommender(ABC):
    """Parameters only in ``__init__``; ``fit`` sets learned attributes ending in ``_``; calls are pure.

    ``user_items`` always has one CSR row per entry of ``user_rows`` (the members' histories, all items
    as columns); rankings are over the full catalogue.
    """

    name: ClassVar[str]
    """Registry key (``"itemknn"``…), written into artifacts and explanations."""
    rule: ClassVar[str | None] = None
    """Non-personalised models name the rule that explains them (``"popular"``, ``"trending"``)."""
    learned: ClassVar[tuple[str, ...]]
    """Learned attributes (numpy arrays or CSR matrices) that make up a saved model."""

    @property
    def n_items(self) -> int:
        """Number of items (matrix columns) the fitted model ranks."""
        self._check_fitted()
        return self._n_items

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters by name, like scikit-learn's ``get_params(deep=False)``."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def fit(
        self,
        interactions: csr_matrix,
        *,
        item_features: csr_matrix | None = None,
        timestamps: np.ndarray | None = None,
    ) -> Self:
        """Learn from a members × items matrix; ``timestamps`` (epoch seconds) align with its ``data``."""
        matrix = as_csr(interactions, np.float32)
        if not matrix.has_canonical_format:
            if timestamps is not None:
                raise ValueError("with timestamps, interactions must be canonical CSR (sorted, no duplicates)")
            matrix = matrix.copy()
            matrix.sum_duplicates()
        if timestamps is not None and len(timestamps) != matrix.nnz:
            raise ValueError("timestamps must have one entry per stored cell of the interactions")
        self._fit(matrix, item_features, timestamps)
        self._prepare()
        return self

    def score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        """Dense float32 scores of shape (len(user_rows), n_items); higher is better."""
        rows, items = self._check_batch(user_rows, user_items)
        return self._score(rows, items)

    def recommend(
        self,
        user_rows: np.ndarray,
        user_items: csr_matrix,
        k: int,
        *,
        exclude_seen: bool = True,
        candidates: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k item indices (int64) and scores per member; see :func:`top_k` for ties and padding."""
        scores = self.score(user_rows, user_items)
        exclude = as_csr(user_items) if exclude_seen else None
        return top_k(scores, k, exclude=exclude, candidates=candidates)

    def explain(self, user_row: int, user_items: csr_matrix, item: int, top: int = 3) -> Contributions:
        """The member's history items that contributed most to ``item``'s score (positive ones only)."""
        return self.explain_many(user_row, user_items, np.array([item]), top)[0]

    def explain_many(
        self, user_row: int, user_items: csr_matrix, items: np.ndarray, top: int = 3
    ) -> list[Contributions]:
        """:meth:`explain` for several items, sharing the per-member work (e.g. ALS's Cholesky factor)."""
        self._check_fitted()
        row = as_csr(user_items)
        if row.shape != (1, self._n_items):
            raise ValueError(f"user_items must be one row of {self._n_items} items, got {row.shape}")
        order = np.argsort(row.indices, kind="stable")
        history, weights = row.indices[order].astype(np.int64), row.data[order].astype(np.float64)
        items = np.asarray(items, dtype=np.int64)
        return strongest(history, self._contributions(int(user_row), history, weights, items), top)

    def learned_state(self) -> dict[str, np.ndarray | csr_matrix]:
        """The learned attributes, for :mod:`museion.recommend.artifacts`."""
        self._check_fitted()
        return {name: getattr(self, name) for name in self.learned}

    @classmethod
    def restore(cls, params: Mapping[str, Any], state: Mapping[str, np.ndarray | csr_matrix]) -> Self:
        """Rebuild a fitted model from its parameters and :meth:`learned_state`."""
        model = cls(**params)
        for name in cls.learned:
            setattr(model, name, state[name])
        model._prepare()
        return model

    # -- what each model supplies ------------------------------------------------------------------

    @abstractmethod
    def _fit(self, matrix: csr_matrix, item_features: csr_matrix | None, timestamps: np.ndarray | None) -> None:
        """Set the learned attributes from a canonical float32 CSR matrix."""

    @abstractmethod
    def _score(self, user_rows: np.ndarray, user_items: csr_matrix) -> np.ndarray:
        """Dense float32 scores for validated inputs."""

    @property
    @abstractmethod
    def _n_items(self) -> int:
        """Number of items the fitted model ranks."""

    def _contributions(
        self, user_row: int, history: np.ndarray, weights: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        """(len(history), len(items)) contribution of each history item to each item's score.

        Rule-based models keep this default: nothing in the history explains them.
        """
        return np.zeros((len(history), len(items)))

    def _prepare(self) -> None:
        """Derive caches (never saved) from the learned attributes after ``fit`` or ``restore``."""

    # -- shared checks -----------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not all(hasattr(self, name) for name in self.learned):
            raise NotFitted(f"{type(self).__name__} has not been trained yet; call fit first")

    def _check_batch(self, user_rows: np.ndarray, user_items: csr_matrix) -> tuple[np.ndarray, csr_matrix]:
        self._check_fitted()
        rows = np.atleast_1d(np.asarray(user_rows, dtype=np.int64))
        items = as_csr(user_items, np.float32)
        if items.shape != (len(rows), self._n_items):
            raise ValueError(
                f"user_items must have shape ({len(rows)}, {self._n_items}), got {items.shape}"
            )
        return rows, items


def candidate_mask(candidates: np.ndarray, n_items: int) -> np.ndarray:
    """Boolean mask over items from either a boolean mask or an array of item indices."""
    candidates = np.asarray(candidates)
    if candidates.dtype == np.bool_:
        if candidates.shape != (n_items,):
            raise ValueError(f"a candidate mask needs one entry per item ({n_items})")
        return candidates
    mask = np.zeros(n_items, dtype=bool)
    mask[candidates.astype(np.int64)] = True
    return mask


def top_k(
    scores: np.ndarray,
    k: int,
    *,
    exclude: csr_matrix | None = None,
    candidates: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` items per row: score descending, ties broken by the lower item index.

    Items in ``exclude`` (same rows as ``scores``) or outside ``candidates`` are never returned; rows
    with fewer than ``k`` eligible items are padded with index -1 and score -inf.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    scores = np.array(scores, dtype=np.float32)
    scores[np.isnan(scores)] = -np.inf
    n_rows, n_items = scores.shape
    if exclude is not None:
        rows = np.repeat(np.arange(n_rows), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = -np.inf
    if candidates is not None:
        scores[:, ~candidate_mask(candidates, n_items)] = -np.inf
    kept = min(k, n_items)
    if kept < n_items:
        chosen = _lowest_index_ties(scores, np.argpartition(-scores, kept - 1, axis=1)[:, :kept])
    else:
        chosen = np.tile(np.arange(n_items), (n_rows, 1))
    chosen.sort(axis=1)
    values = np.take_along_axis(scores, chosen, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    items = np.take_along_axis(chosen, order, axis=1).astype(np.int64)
    values = np.take_along_axis(values, order, axis=1)
    items[np.isneginf(values)] = -1
    if k > kept:
        items = np.pad(items, ((0, 0), (0, k - kept)), constant_values=-1)
        values = np.pad(values, ((0, 0), (0, k - kept)), constant_values=-np.inf)
    return items, values


def _lowest_index_ties(scores: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Make the cut at the k-th score deterministic: among tied items keep the lowest indices."""
    kept = chosen.shape[1]
    threshold = np.take_along_axis(scores, chosen, axis=1).min(axis=1)
    spills = (scores >= threshold[:, None]).sum(axis=1) > kept
    for row in np.flatnonzero(spills & np.isfinite(threshold)):
        above = np.flatnonzero(scores[row] > threshold[row])
        tied = np.flatnonzero(scores[row] == threshold[row])[: kept - len(above)]
        chosen[row] = np.concatenate([above, tied])
    return chosen


def strongest(keys: np.ndarray, contributions: np.ndarray, top: int) -> list[Contributions]:
    """Per column of ``contributions`` (len(keys) × n), the ``top`` positive entries as (key, value),
    largest first; equal values keep ascending key order (a tie at the cut is settled deterministically
    by numpy's partition)."""
    if top < 1:
        raise ValueError("top must be at least 1")
    by_column = np.ascontiguousarray(np.asarray(contributions).T)  # one contiguous row per column
    n_columns, n_keys = by_column.shape
    if n_keys > top:  # partial selection first: histories can hold thousands of items
        chosen = np.argpartition(-by_column, top - 1, axis=1)[:, :top]
        chosen.sort(axis=1)
    else:
        chosen = np.tile(np.arange(n_keys), (n_columns, 1))
    values = np.take_along_axis(by_column, chosen, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    chosen, values = np.take_along_axis(chosen, order, axis=1), np.take_along_axis(values, order, axis=1)
    return [
        [(int(keys[c]), float(v)) for c, v in zip(chosen[j], values[j], strict=True) if v > 0]
        for j in range(n_columns)
    ]


def as_csr(matrix: csr_matrix, dtype: type | None = None) -> csr_matrix:
    """The matrix itself when it already is CSR (of ``dtype``), else a converted copy; avoids
    per-request copies on the serving path."""
    if isinstance(matrix, csr_matrix) and (dtype is None or matrix.dtype == dtype):
        return matrix
    return csr_matrix(matrix, dtype=dtype)
