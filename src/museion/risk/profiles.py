"""Profile features for shilling detection (pure core): one row of numbers per member from a members × items matrix.

Generic features (Chirita, Nejdl & Zamfir 2005; Burke et al. 2006, "Classification features for attack detection in
collaborative recommender systems", KDD '06):

- ``rdma`` Rating Deviation from Mean Agreement: Σ_i |r_ui − r̄_i| / n_i over the profile, divided by its length;
- ``wdma`` Weighted Deviation from Mean Agreement: the same with n_i², so rarely rated items weigh more;
- ``degsim`` Degree of Similarity: mean Pearson correlation (co-rated items, at least ``MIN_OVERLAP``) with the
  member's k most similar members;
- ``length_var`` Length Variance: how far the profile's length is from the mean length, over the total variance.

Model-specific features (Williams, Mobasher & Burke 2007, "Defending recommender systems: detection of profile
injection attacks", SOCA): the profile split into its presumed target (items rated at the profile's maximum) and its
filler (the rest):

- ``mean_var`` Filler Mean Variance: mean of (r_uj − r̄_j)² over the filler;
- ``fmtd`` Filler Mean Target Difference: |mean rating of target − mean rating of filler|.

Popularity features after DegreeSAD (Li et al. 2016, "Shilling attack detection in recommender systems via selecting
patterns analysis", IEICE Trans. Inf. & Syst. E99-D(11)): the mean and spread of log item degree over the profile
(fillers drawn at random from the catalogue are far less popular than what real members rate).

Time-window feature (when times are given): ``co_burst``, the most other members who rated the same item in the same
window as one of the member's ratings (attack profiles are injected together and share the target).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, diags

FEATURES = ("rdma", "wdma", "degsim", "length_var", "mean_var", "fmtd", "degree_mean", "degree_sd")
SUSPICIOUS: dict[str, int] = {"rdma": 1, "wdma": 1, "degsim": 1, "length_var": 1, "mean_var": -1, "fmtd": 1,
                              "degree_mean": -1, "degree_sd": 1, "co_burst": 1}
"""Feature → the direction in which attack profiles differ (+1: higher is suspicious, −1: lower is)."""
MIN_OVERLAP = 5
"""Co-rated items below which two members' Pearson correlation counts as 0 (too little evidence)."""
NEIGHBOURS = 25
BLOCK = 1024
"""Members per block of the DegSim correlations (memory: block × reference members floats, four times)."""
SAMPLE = 4000
"""Above this many members DegSim compares each member with a uniform sample of this many (see :func:`degsim`)."""


@dataclass(frozen=True)
class Profiles:
    """Features (members × ``names``), and each member's profile length."""

    names: tuple[str, ...]
    values: np.ndarray
    lengths: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]


def features(ratings: csr_matrix, *, times: np.ndarray | None = None, window: int = 86_400,
             neighbours: int = NEIGHBOURS, sample: int | None = SAMPLE, similarity: np.ndarray | None = None) -> Profiles:
    """Every feature for every member; ``times`` (epoch seconds aligned with ``ratings.data``) adds ``co_burst``;
    ``similarity``: DegSim already computed (e.g. over member partitions by museion.scale)."""
    matrix = csr_matrix(ratings, dtype=np.float64)
    matrix.sort_indices()
    n_users, _ = matrix.shape
    lengths = np.diff(matrix.indptr)
    counts = np.diff(matrix.tocsc().indptr).astype(np.float64)
    item_mean = np.asarray(matrix.sum(axis=0)).ravel() / np.maximum(counts, 1)
    rows = np.repeat(np.arange(n_users), lengths)
    deviation = np.abs(matrix.data - item_mean[matrix.indices])
    safe = np.maximum(lengths, 1)
    rdma = np.bincount(rows, deviation / counts[matrix.indices], n_users) / safe
    wdma = np.bincount(rows, deviation / counts[matrix.indices] ** 2, n_users) / safe
    mean_length = lengths.mean() if n_users else 0.0
    length_var = np.abs(lengths - mean_length) / max(float(((lengths - mean_length) ** 2).sum()), 1e-12)
    mean_var, fmtd = _target_filler(matrix, rows, item_mean, n_users)
    log_degree = np.log1p(counts)[matrix.indices]
    degree_mean = np.bincount(rows, log_degree, n_users) / safe
    degree_sd = np.sqrt(np.maximum(np.bincount(rows, log_degree**2, n_users) / safe - degree_mean**2, 0))
    columns = [rdma, wdma, degsim(matrix, neighbours, sample=sample) if similarity is None else similarity, length_var, mean_var, fmtd, degree_mean, degree_sd]
    names = FEATURES
    if times is not None:
        columns.append(co_burst(matrix, rows, np.asarray(times, dtype=np.int64), window))
        names = (*FEATURES, "co_burst")
    return Profiles(names, np.column_stack(columns), lengths)


def _target_filler(matrix: csr_matrix, rows: np.ndarray, item_mean: np.ndarray,
                   n_users: int) -> tuple[np.ndarray, np.ndarray]:
    """Filler Mean Variance and Filler Mean Target Difference, the target being the items rated at the profile's max."""
    top = np.full(n_users, -np.inf)
    np.maximum.at(top, rows, matrix.data)
    is_target = matrix.data == top[rows]
    filler = ~is_target
    n_filler = np.bincount(rows, filler, n_users)
    n_target = np.bincount(rows, is_target, n_users)
    squared = (matrix.data - item_mean[matrix.indices]) ** 2
    mean_var = np.bincount(rows, squared * filler, n_users) / np.maximum(n_filler, 1)
    target_mean = np.bincount(rows, matrix.data * is_target, n_users) / np.maximum(n_target, 1)
    filler_mean = np.bincount(rows, matrix.data * filler, n_users) / np.maximum(n_filler, 1)
    fmtd = np.where(n_filler > 0, np.abs(target_mean - filler_mean), 0.0)
    return mean_var, fmtd


def pearson(matrix: csr_matrix, rows: np.ndarray | None = None, against: np.ndarray | None = None) -> np.ndarray:
    """Pearson correlation over co-rated items (member means over the whole profile) of ``rows`` (default: all) with
    the members ``against`` (default: all); 0 with oneself and wherever fewer than ``MIN_OVERLAP`` items are
    co-rated."""
    n_users = matrix.shape[0]
    return _correlate(_centred(matrix), np.arange(n_users) if rows is None else rows,
                      np.arange(n_users) if against is None else against)


def _centred(matrix: csr_matrix) -> tuple[csr_matrix, csr_matrix, csr_matrix]:
    """(ratings centred on each member's mean, the rated-cell mask, the centred ratings squared), computed once."""
    lengths = np.diff(matrix.indptr)
    means = np.asarray(matrix.sum(axis=1)).ravel() / np.maximum(lengths, 1)
    centred = matrix.copy()
    centred.data = centred.data - np.repeat(means, lengths)
    mask = matrix.copy()
    mask.data = np.ones_like(mask.data)
    return centred, mask, centred.multiply(centred).tocsr()


def _correlate(parts: tuple[csr_matrix, csr_matrix, csr_matrix], rows: np.ndarray, against: np.ndarray) -> np.ndarray:
    centred, mask, squared = parts
    other_centred, other_mask = centred[against].T.tocsc(), mask[against].T.tocsc()
    numerator = (centred[rows] @ other_centred).toarray()
    left = (squared[rows] @ other_mask).toarray()
    right = (mask[rows] @ squared[against].T).toarray()
    overlap = (mask[rows] @ other_mask).toarray()
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = numerator / np.sqrt(left * right)
    corr[~np.isfinite(corr) | (overlap < MIN_OVERLAP)] = 0.0
    corr[rows[:, None] == against[None, :]] = 0.0
    return corr


def degsim(matrix: csr_matrix, neighbours: int = NEIGHBOURS, block: int = BLOCK, sample: int | None = SAMPLE,
           seed: int = 0) -> np.ndarray:
    """Mean correlation with each member's ``neighbours`` most correlated members, ``block`` members at a time.

    Exact DegSim compares every pair (quadratic). Above ``sample`` members, each member is compared with a fixed
    uniform sample of ``sample`` reference members instead, and its ``neighbours`` × sample / members best among them
    (at least 3) are averaged: the same quantile of its correlations, estimated. Time and memory then grow linearly
    with members (block × sample floats at a time); the features are only ever compared across members, and every
    member is measured against the same reference set, so the ranking the detector uses is kept (measured in
    benchmarks/risk_bench.py against exact DegSim)."""
    return degsim_rows(matrix, np.arange(matrix.shape[0]), neighbours, block, sample, seed)


def degsim_rows(matrix: csr_matrix, rows: np.ndarray, neighbours: int = NEIGHBOURS, block: int = BLOCK,
                sample: int | None = SAMPLE, seed: int = 0) -> np.ndarray:
    """:func:`degsim` of the members at ``rows`` only (against the same reference members), so the members can be
    split into partitions whose results put together equal the whole."""
    n_users = matrix.shape[0]
    rows = np.asarray(rows, dtype=np.int64)
    if n_users < 2:
        return np.zeros(len(rows))
    against = np.arange(n_users)
    k = min(neighbours, n_users - 1)
    if sample is not None and n_users > sample:
        against = np.sort(np.random.default_rng(seed).choice(n_users, sample, replace=False))
        k = max(3, min(k, round(neighbours * sample / n_users)))
    parts = _centred(csr_matrix(matrix))
    out = np.zeros(len(rows))
    for start in range(0, len(rows), block):
        corr = _correlate(parts, rows[start:start + block], against)
        out[start:start + block] = (-np.partition(-corr, k - 1, axis=1)[:, :k]).mean(axis=1)
    return out


def co_burst(matrix: csr_matrix, rows: np.ndarray, times: np.ndarray, window: int) -> np.ndarray:
    """Per member: the largest number of other members who rated one of its items in the same time window."""
    if times.shape != matrix.data.shape:
        raise ValueError("times must align with the ratings' stored cells")
    bucket = times // max(window, 1)
    keys = matrix.indices.astype(np.int64) * (int(bucket.max(initial=0)) + 1) + bucket
    _, inverse, cells = np.unique(keys, return_inverse=True, return_counts=True)
    shared = cells[inverse] - 1
    out = np.zeros(matrix.shape[0])
    np.maximum.at(out, rows, shared.astype(np.float64))
    return out


def zscores(ratings: csr_matrix) -> csr_matrix:
    """Each member's ratings as z-scores over their own profile (missing stays 0): PCA-VarSelect's input."""
    matrix = csr_matrix(ratings, dtype=np.float64)
    lengths = np.diff(matrix.indptr)
    means = np.asarray(matrix.sum(axis=1)).ravel() / np.maximum(lengths, 1)
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel() / np.maximum(lengths, 1)
    sds = np.sqrt(np.maximum(squares - means**2, 0))
    out = matrix.copy()
    out.data = out.data - np.repeat(means, lengths)
    return csr_matrix(diags(np.where(sds > 0, 1 / np.where(sds > 0, sds, 1), 0.0)) @ out)
