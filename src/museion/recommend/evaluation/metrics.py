"""Every offline metric Museion reports, over full rankings, vectorised with numpy.

Inputs: ``recommended`` is (n_members, ≥k) item indices best first, -1 for "nothing" (padding);
``relevant`` is an (n_members, n_items) sparse matrix whose non-zero cells are the held-out items.
Relevance is binary. Ranking metrics are averaged over members with at least one relevant item and
match ``ranx`` (names included, e.g. ``"ndcg@10"``); in particular MAP@k divides by the member's
number of relevant items |R| as ranx and trec_eval do, not by min(|R|, k) as RecBole does.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix

from museion.recommend.models.content import normalise_rows

RANKING_METRICS = ("precision", "recall", "ndcg", "map", "mrr", "hit_rate")
LONG_TAIL_HEAD_SHARE = 0.2
"""The short head is the top 20% of items by training popularity; everything else is the long tail."""


def hits(recommended: np.ndarray, relevant: csr_matrix) -> np.ndarray:
    """Boolean matrix shaped like ``recommended``: is the item at each rank relevant for that member."""
    relevant = csr_matrix(relevant, copy=True)
    relevant.eliminate_zeros()
    relevant.sum_duplicates()
    n_members, n_items = relevant.shape
    if recommended.shape[0] != n_members:
        raise ValueError("recommended and relevant must have one row per member")
    rows = np.repeat(np.arange(n_members, dtype=np.int64), np.diff(relevant.indptr))
    keys = rows * n_items + relevant.indices  # sorted: canonical CSR is ordered by (row, column)
    queries = np.arange(n_members, dtype=np.int64)[:, None] * n_items + recommended
    if len(keys) == 0:
        return np.zeros(recommended.shape, dtype=bool)
    found = np.clip(np.searchsorted(keys, queries), 0, len(keys) - 1)
    return (keys[found] == queries) & (recommended >= 0)


def per_member_metrics(recommended: np.ndarray, relevant: csr_matrix, k: int) -> dict[str, np.ndarray]:
    """Ranking metrics @k for each member with ≥1 relevant item (in row order), keyed like ranx."""
    if recommended.shape[1] < k:
        raise ValueError(f"need at least {k} recommendations per member, got {recommended.shape[1]}")
    n_relevant = np.diff(csr_matrix(relevant).indptr)
    evaluated = n_relevant > 0
    hit = hits(recommended[:, :k], relevant)[evaluated].astype(np.float64)
    n_rel = n_relevant[evaluated].astype(np.float64)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discount)[np.minimum(n_rel, k).astype(np.int64) - 1]
    found = hit.sum(axis=1)
    first = hit.argmax(axis=1)
    precision_at_rank = np.cumsum(hit, axis=1) / np.arange(1, k + 1)
    return {
        f"precision@{k}": found / k,
        f"recall@{k}": found / n_rel,
        f"ndcg@{k}": (hit @ discount) / ideal,
        f"map@{k}": (precision_at_rank * hit).sum(axis=1) / n_rel,
        f"mrr@{k}": np.where(found > 0, 1.0 / (first + 1), 0.0),
        f"hit_rate@{k}": (found > 0).astype(np.float64),
    }


def ranking_metrics(recommended: np.ndarray, relevant: csr_matrix, ks: tuple[int, ...] = (10,)) -> dict[str, float]:
    """Mean of :func:`per_member_metrics` for each k; NaN when no member has a relevant item."""
    means: dict[str, float] = {}
    for k in ks:
        for name, values in per_member_metrics(recommended, relevant, k).items():
            means[name] = float(values.mean()) if len(values) else math.nan
    return means


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 = perfectly even, → 1 = all on one entry."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(ordered), ordered.sum()
    if n == 0 or total == 0:
        return 0.0
    return float(((2 * np.arange(1, n + 1) - n - 1) @ ordered) / (n * total))


def long_tail_mask(item_popularity: np.ndarray) -> np.ndarray:
    """True for long-tail items: outside the top ``LONG_TAIL_HEAD_SHARE`` of items by popularity
    (ties broken by lower index; items nobody interacted with are always tail)."""
    n_items = len(item_popularity)
    head_size = math.ceil(LONG_TAIL_HEAD_SHARE * n_items)
    head = np.argsort(-np.asarray(item_popularity, dtype=np.float64), kind="stable")[:head_size]
    tail = np.ones(n_items, dtype=bool)
    tail[head[np.asarray(item_popularity)[head] > 0]] = False
    return tail


def beyond_accuracy(
    recommended: np.ndarray,
    *,
    k: int,
    item_popularity: np.ndarray,
    n_members: int,
    item_genres: csr_matrix | None = None,
) -> dict[str, float]:
    """Catalogue-level and list-level metrics @k of the given lists.

    ``item_popularity`` counts training members per item and ``n_members`` is the number of training
    members. ``coverage`` = share of the catalogue recommended at least once; ``gini`` = inequality of
    exposure over the whole catalogue; ``arp`` = mean training popularity of recommended items;
    ``aplt`` = share of long-tail items (:func:`long_tail_mask`); ``novelty`` = mean self-information
    −log2((pop + 1) / (n_members + 1)) (add-one smoothing keeps unseen items finite); ``ild`` (with
    ``item_genres``, items × genres) = 1 − mean pairwise cosine of genre vectors, an item without
    genres counting as dissimilar to all. List metrics average over members with ≥1 (ild: ≥2) items.
    """
    lists = recommended[:, :k]
    valid = lists >= 0
    safe = np.where(valid, lists, 0)
    n_items = len(item_popularity)
    popularity = np.asarray(item_popularity, dtype=np.float64)
    exposure = np.bincount(lists[valid], minlength=n_items)
    self_information = -np.log2((popularity + 1.0) / (n_members + 1.0))
    result = {
        f"coverage@{k}": float(np.count_nonzero(exposure) / n_items) if n_items else 0.0,
        f"gini@{k}": gini(exposure),
        f"arp@{k}": _list_mean(popularity[safe], valid),
        f"aplt@{k}": _list_mean(long_tail_mask(popularity)[safe].astype(np.float64), valid),
        f"novelty@{k}": _list_mean(self_information[safe], valid),
    }
    if item_genres is not None:
        result[f"ild@{k}"] = intra_list_diversity(lists, item_genres)
    return result


def intra_list_diversity(lists: np.ndarray, item_genres: csr_matrix) -> float:
    """Mean over lists (≥2 items) of 1 − mean pairwise cosine between the items' genre vectors.

    Uses Σ_{i<j} cos(g_i, g_j) = (‖Σ g_i‖² − Σ ‖g_i‖²) / 2 for unit vectors g, so no pairs are built.
    """
    valid = lists >= 0
    sizes = valid.sum(axis=1)
    rows = np.repeat(np.arange(len(lists)), sizes)
    chosen = csr_matrix((np.ones(len(rows)), (rows, lists[valid])), shape=(len(lists), item_genres.shape[0]))
    unit = normalise_rows(csr_matrix(item_genres, dtype=np.float64))
    has_genres = np.asarray(unit.multiply(unit).sum(axis=1)).ravel() > 0.5
    summed = chosen @ unit
    squared_norm_of_sum = np.asarray(summed.multiply(summed).sum(axis=1)).ravel()
    described = chosen @ has_genres.astype(np.float64)
    pairs = sizes * (sizes - 1) / 2.0
    scored = pairs > 0
    if not scored.any():
        return math.nan
    mean_similarity = (squared_norm_of_sum - described)[scored] / 2.0 / pairs[scored]
    return float(np.mean(1.0 - mean_similarity))


def evaluate_rankings(
    recommended: np.ndarray,
    relevant: csr_matrix,
    *,
    k: int,
    item_popularity: np.ndarray,
    n_members: int,
    item_genres: csr_matrix | None = None,
) -> dict[str, float]:
    """Ranking metrics and beyond-accuracy metrics @k, both over members with ≥1 relevant item."""
    evaluated = np.diff(csr_matrix(relevant).indptr) > 0
    return ranking_metrics(recommended, relevant, (k,)) | beyond_accuracy(
        recommended[evaluated], k=k, item_popularity=item_popularity, n_members=n_members, item_genres=item_genres
    )


def _list_mean(values: np.ndarray, valid: np.ndarray) -> float:
    """Mean over lists of the mean over each list's valid entries; NaN when no list has any."""
    sizes = valid.sum(axis=1)
    has_items = sizes > 0
    if not has_items.any():
        return math.nan
    per_list = np.where(valid, values, 0.0).sum(axis=1)[has_items] / sizes[has_items]
    return float(per_list.mean())
