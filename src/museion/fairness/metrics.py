"""Fairness metrics over top-k lists: provider exposure, member-group accuracy, calibration, data balance.

Pure numpy/scipy. ``recommended`` is (n_members, ≥k) item indices best first, -1 for padding, as in
:mod:`museion.recommend.evaluation.metrics`; item and member groups are label arrays (see :mod:`museion.fairness.groups`).
Exposure weighs rank r by 1/log2(r+1), the NDCG discount, since attention falls with position.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from museion.fairness.groups import encode
from museion.recommend.evaluation.metrics import gini

STECK_ALPHA = 0.01
"""Steck (2018) mixes a little of the history into the list's genre mix so KL stays finite."""


def position_weights(k: int) -> np.ndarray:
    """Attention at ranks 1..k: 1/log2(rank + 1)."""
    return 1.0 / np.log2(np.arange(2, k + 2))


def item_exposure(recommended: np.ndarray, n_items: int, k: int) -> np.ndarray:
    """Position-weighted exposure each item receives over all lists (padding ignored)."""
    lists = recommended[:, :k]
    weights = np.broadcast_to(position_weights(lists.shape[1]), lists.shape)
    valid = lists >= 0
    return np.bincount(lists[valid], weights=weights[valid], minlength=n_items)


def entropy_bits(values: np.ndarray) -> float:
    """Shannon entropy (bits) of the distribution proportional to non-negative ``values``."""
    values = np.asarray(values, dtype=np.float64)
    total = values.sum()
    if total <= 0:
        return 0.0
    p = values[values > 0] / total
    return float(-(p * np.log2(p)).sum())


def _shares(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    sums = np.bincount(codes, weights=np.asarray(values, dtype=np.float64), minlength=n_groups)
    total = sums.sum()
    return sums / total if total > 0 else np.zeros(n_groups)


def provider_exposure(recommended: np.ndarray, item_labels: np.ndarray, k: int, *,
                      merit: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """Per item group: its catalogue share, its share of exposure and, with ``merit`` (per item, e.g. held-out
    relevant counts or interactions), its merit share; ratios > 1 mean over-exposed against that target."""
    return exposure_by_group(item_exposure(recommended, len(item_labels), k), item_labels, merit=merit)


def exposure_by_group(exposure: np.ndarray, item_labels: np.ndarray, *, merit: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """:func:`provider_exposure` from the per-item exposure itself (a sum over members, so it adds across partitions)."""
    codes, names = encode(item_labels)
    catalogue = _shares(np.ones(len(codes)), codes, len(names))
    exposed = _shares(exposure, codes, len(names))
    deserved = None if merit is None else _shares(merit, codes, len(names))
    report: dict[str, dict[str, float]] = {}
    for g, name in enumerate(names):
        row = {"items": int((codes == g).sum()), "catalogue_share": float(catalogue[g]), "exposure_share": float(exposed[g]),
               "exposure_vs_catalogue": _ratio(exposed[g], catalogue[g])}
        if deserved is not None:
            row |= {"merit_share": float(deserved[g]), "exposure_vs_merit": _ratio(exposed[g], deserved[g])}
        report[name] = row
    return report


def exposure_gap(groups: dict[str, dict[str, float]], high: str = "head", low: str = "tail") -> float:
    """Difference of exposure shares between two groups (head minus tail by default)."""
    return groups.get(high, {}).get("exposure_share", 0.0) - groups.get(low, {}).get("exposure_share", 0.0)


def exposure_concentration(recommended: np.ndarray, n_items: int, k: int) -> dict[str, float]:
    """Gini and entropy of position-weighted exposure over the whole catalogue, and the share of items exposed."""
    return concentration_of(item_exposure(recommended, n_items, k))


def concentration_of(exposure: np.ndarray) -> dict[str, float]:
    """:func:`exposure_concentration` from the per-item exposure itself."""
    n_items = len(exposure)
    return {"gini": gini(exposure), "entropy_bits": entropy_bits(exposure),
            "max_entropy_bits": math.log2(n_items) if n_items else 0.0,
            "coverage": float(np.count_nonzero(exposure) / n_items) if n_items else 0.0}


def long_tail_share(recommended: np.ndarray, tail: np.ndarray, k: int) -> float:
    """Share of recommended slots (unweighted) that hold a tail item."""
    lists = recommended[:, :k]
    valid = lists >= 0
    return float(tail[lists[valid]].mean()) if valid.any() else math.nan


def popularity_lift(recommended: np.ndarray, histories: csr_matrix, popularity: np.ndarray, k: int) -> float:
    """Mean over members of (mean popularity recommended − mean popularity in profile) / profile's, after
    Abdollahpouri et al. 2019; members without history or list are skipped."""
    lifts = member_popularity_lift(recommended, histories, popularity, k)
    used = np.isfinite(lifts)
    return float(lifts[used].mean()) if used.any() else math.nan


def member_popularity_lift(recommended: np.ndarray, histories: csr_matrix, popularity: np.ndarray, k: int) -> np.ndarray:
    """Each member's popularity lift (see :func:`popularity_lift`); NaN for members without history or list."""
    lists = recommended[:, :k]
    valid = lists >= 0
    popularity = np.asarray(popularity, dtype=np.float64)
    rec_mean = np.where(valid, popularity[np.where(valid, lists, 0)], 0.0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    binary = csr_matrix(histories, dtype=np.float64, copy=True)
    binary.data[:] = 1.0
    sizes = np.diff(binary.indptr)
    profile_mean = (binary @ popularity) / np.maximum(sizes, 1)
    used = (sizes > 0) & valid.any(axis=1) & (profile_mean > 0)
    lifts = np.full(len(lists), np.nan)
    lifts[used] = (rec_mean[used] - profile_mean[used]) / profile_mean[used]
    return lifts


def bootstrap_ci(values: np.ndarray, *, seed: int, resamples: int = 1000, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (seeded, so the same inputs give the same interval)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (resamples, len(values)))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def member_group_metrics(per_member: dict[str, np.ndarray], member_labels: np.ndarray, *, seed: int,
                         resamples: int = 1000) -> dict[str, Any]:
    """Each metric's mean per member group with a bootstrap 95% interval, and the largest gap between groups."""
    codes, names = encode(member_labels)
    groups: dict[str, dict[str, dict[str, float]]] = {}
    gaps: dict[str, dict[str, Any]] = {}
    for metric, values in per_member.items():
        values = np.asarray(values, dtype=np.float64)
        if len(values) != len(codes):
            raise ValueError(f"{metric}: one value per member expected ({len(codes)}), got {len(values)}")
        rows = {}
        for g, name in enumerate(names):
            part = values[codes == g]
            low, high = bootstrap_ci(part, seed=seed + g, resamples=resamples)
            rows[name] = {"members": int(len(part)), "mean": float(part.mean()) if len(part) else math.nan,
                          "ci_low": low, "ci_high": high}
        groups[metric] = rows
        means = {n: r["mean"] for n, r in rows.items() if not math.isnan(r["mean"])}
        if means:
            best, worst = max(means, key=means.__getitem__), min(means, key=means.__getitem__)
            gaps[metric] = {"highest": best, "lowest": worst, "gap": means[best] - means[worst],
                            "relative_gap": _ratio(means[best] - means[worst], means[best])}
    return {"groups": groups, "largest_gap": gaps}


def genre_mix(weights: csr_matrix, genres: csr_matrix) -> np.ndarray:
    """Rows of ``weights`` (members × items) → genre distributions p(g|u) = Σ_i w_ui p(g|i) / Σ_i w_ui,
    where an item spreads its weight evenly over its genres (Steck 2018). All-zero rows stay zero."""
    per_item = csr_matrix(genres, dtype=np.float64)
    counts = np.asarray(per_item.sum(axis=1)).ravel()
    spread = csr_matrix(per_item.multiply(1.0 / np.maximum(counts, 1)[:, None]))
    mix = np.asarray((csr_matrix(weights, dtype=np.float64) @ spread).todense())
    totals = mix.sum(axis=1, keepdims=True)
    return np.divide(mix, totals, out=np.zeros_like(mix), where=totals > 0)


def list_matrix(recommended: np.ndarray, n_items: int, k: int) -> csr_matrix:
    """Top-k lists as a members × items 0/1 matrix (each listed item weighs 1, as in Steck's evaluation)."""
    lists = recommended[:, :k]
    valid = lists >= 0
    rows = np.repeat(np.arange(len(lists)), valid.sum(axis=1))
    return csr_matrix((np.ones(len(rows)), (rows, lists[valid])), shape=(len(lists), n_items))


def kl_miscalibration(history_mix: np.ndarray, list_mix: np.ndarray, alpha: float = STECK_ALPHA) -> np.ndarray:
    """Steck's C_KL per row: Σ_g p log(p / q̃), q̃ = (1 − α) q + α p; NaN where the history has no genres."""
    p, q = np.asarray(history_mix, dtype=np.float64), np.asarray(list_mix, dtype=np.float64)
    q_tilde = (1 - alpha) * q + alpha * p
    terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0) / np.where(q_tilde > 0, q_tilde, 1.0)), 0.0)
    kl = terms.sum(axis=1)
    kl[p.sum(axis=1) == 0] = np.nan
    return kl


def miscalibration(histories: csr_matrix, recommended: np.ndarray, genres: csr_matrix, k: int,
                   alpha: float = STECK_ALPHA) -> np.ndarray:
    """Per member, KL divergence between the genre mix of their history and of their top-k list."""
    return kl_miscalibration(genre_mix(histories, genres), genre_mix(list_matrix(recommended, genres.shape[0], k), genres), alpha)


def representativeness(item_interactions: np.ndarray, item_labels: np.ndarray) -> dict[str, dict[str, float]]:
    """Per item group: share of training interactions against share of the catalogue (ratio 1 = balanced)."""
    codes, names = encode(item_labels)
    data = _shares(item_interactions, codes, len(names))
    catalogue = _shares(np.ones(len(codes)), codes, len(names))
    return {name: {"items": int((codes == g).sum()), "interaction_share": float(data[g]), "catalogue_share": float(catalogue[g]),
                   "ratio": _ratio(data[g], catalogue[g])} for g, name in enumerate(names)}


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else math.nan
