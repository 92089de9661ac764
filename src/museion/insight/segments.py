"""Audience segments (pure core): members clustered on their taste vectors — the genre mix of the works they engaged
with, from the public catalogue, never demographics — with k-means (scikit-learn).

The number of segments is chosen by a stated criterion: the k in ``ks`` with the highest silhouette among those whose
clustering is stable across seeds (mean adjusted Rand index between the seeds' labelings ≥ ``min_ari``); when no k is
stable, the most stable one. Segments with fewer than ``k_min`` members are merged into the nearest larger segment, so
no published profile describes fewer than ``k_min`` people. Profiles are aggregates: size, the genres (and subjects)
over-represented against everyone, activity and recency medians."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from threadpoolctl import threadpool_limits

from museion.errors import MuseionError

SEEDS = (0, 1, 2, 3, 4)
MIN_ARI = 0.8
K_MIN = 5  # members: no segment smaller than this is published
SILHOUETTE_SAMPLE = 5000


@dataclass(frozen=True, slots=True)
class Tastes:
    """One row per member: share of each genre in what they engaged with, their events and last event time."""

    members: np.ndarray  # member ids (kept in the service, never published)
    genres: list[str]
    shares: np.ndarray  # (n_members, n_genres), rows sum to 1
    events: np.ndarray  # events per member
    last_seen: np.ndarray  # epoch seconds of each member's latest event (NaN when unknown)


def tastes(member_ids: np.ndarray, work_ids: np.ndarray, timestamps: np.ndarray,
           labels: Mapping[int, Sequence[str]]) -> Tastes:
    """Taste vectors from events: each event splits one unit over its work's genres; works without one are skipped."""
    genres = sorted({g for ls in labels.values() for g in ls})
    column = {g: i for i, g in enumerate(genres)}
    members, member_at = np.unique(np.asarray(member_ids, np.int64), return_inverse=True)
    counts = np.zeros((len(members), len(genres)))
    for row, work in zip(member_at, np.asarray(work_ids, np.int64), strict=True):
        ls = labels.get(int(work))
        if ls:
            for g in ls:
                counts[row, column[g]] += 1.0 / len(ls)
    events = np.bincount(member_at, minlength=len(members)).astype(float)
    last = np.full(len(members), -np.inf)
    t = np.asarray(timestamps, float)
    np.maximum.at(last, member_at, np.where(np.isfinite(t), t, -np.inf))
    last[~np.isfinite(last)] = np.nan
    keep = counts.sum(axis=1) > 0
    shares = counts[keep] / counts[keep].sum(axis=1, keepdims=True)
    return Tastes(members[keep], genres, shares, events[keep], last[keep])


def _fit(x: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    with threadpool_limits(1):  # many small fits: threads only contend (measured 30x slower on a busy machine)
        # scikit-learn is imported where it is used (here and below): it takes seconds, which every command would pay
        from sklearn.cluster import KMeans

        model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x)
    return model.labels_, model.cluster_centers_


def stability(x: np.ndarray, k: int, seeds: Sequence[int] = SEEDS) -> tuple[float, float, list[np.ndarray]]:
    """Mean and least adjusted Rand index between the labelings of every pair of seeds, and the labelings."""
    from sklearn.metrics import adjusted_rand_score

    runs = [_fit(x, k, s)[0] for s in seeds]
    scores = [adjusted_rand_score(a, b) for a, b in combinations(runs, 2)] or [1.0]
    return float(np.mean(scores)), float(np.min(scores)), runs


@dataclass(frozen=True, slots=True)
class Candidate:
    k: int
    silhouette: float
    ari: float
    ari_min: float


@dataclass(frozen=True, slots=True)
class Profile:
    segment: int
    size: int
    top_genres: list[tuple[str, float, float]]  # genre, share in the segment, lift against everyone
    events_median: float
    recency_days_median: float | None  # days between a member's last event and the data's last event
    top_subjects: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Segmentation:
    k: int
    criterion: str
    candidates: list[Candidate]
    ari: float  # mean pairwise ARI across the seeds at the chosen k
    ari_min: float
    seeds: tuple[int, ...]
    labels: np.ndarray  # per member of ``Tastes.members`` (service-side only)
    profiles: list[Profile]
    merged: int  # small segments merged into a larger one


def _features(t: Tastes) -> np.ndarray:
    return np.sqrt(t.shares)  # Hellinger: Euclidean distance between sqrt-shares suits compositions


def choose(t: Tastes, ks: Sequence[int] = range(2, 9), *, seeds: Sequence[int] = SEEDS, min_ari: float = MIN_ARI,
           k_min: int = K_MIN, subjects: np.ndarray | None = None, subject_names: Sequence[str] = (),
           progress: Callable[[float, str], None] | None = None) -> Segmentation:
    """Choose k, cluster, merge segments under ``k_min`` members and profile each segment; ``progress`` (a job's
    reporter, which raises to cancel) hears of each k tried."""
    n = len(t.members)
    ks = [k for k in ks if 2 <= k and k * k_min <= n]
    if not ks:
        raise MuseionError("%(n)s members with a taste vector are too few to segment (at least %(least)s)",
                           n=n, least=2 * k_min)
    from sklearn.metrics import silhouette_score

    x = _features(t)
    found: list[Candidate] = []
    labelings: dict[int, np.ndarray] = {}
    for done, k in enumerate(ks):
        if progress:
            progress(done / len(ks), f"k = {k}: clustering across {len(seeds)} seeds")
        mean, least, runs = stability(x, k, seeds)
        labels = runs[0]
        if len(set(labels.tolist())) < 2:
            continue
        sil = float(silhouette_score(x, labels, sample_size=min(n, SILHOUETTE_SAMPLE), random_state=0))
        found.append(Candidate(k, sil, mean, least))
        labelings[k] = labels
    if not found:
        raise MuseionError("the members' tastes do not separate into segments")
    stable = [c for c in found if c.ari >= min_ari]
    best = max(stable, key=lambda c: (c.silhouette, -c.k)) if stable else max(found, key=lambda c: c.ari)
    criterion = (f"highest silhouette among k with mean ARI ≥ {min_ari} across {len(seeds)} seeds" if stable
                 else f"no k reached ARI {min_ari}: the most stable k")
    labels, merged = merge_small(x, labelings[best.k], k_min)
    return Segmentation(len(set(labels.tolist())), criterion, found, best.ari, best.ari_min, tuple(seeds), labels,
                        profiles(t, labels, subjects, subject_names), merged)


def merge_small(x: np.ndarray, labels: np.ndarray, k_min: int) -> tuple[np.ndarray, int]:
    """Members of segments under ``k_min`` go to the nearest centroid of a segment that is large enough; ids renumbered
    0.. by size, largest first."""
    labels = labels.copy()
    sizes = np.bincount(labels)
    big = np.flatnonzero(sizes >= k_min)
    small = np.flatnonzero((sizes > 0) & (sizes < k_min))
    if len(big) == 0:
        raise MuseionError("every segment is smaller than %(k)s members: too few members to segment", k=k_min)
    if len(small):
        centres = np.stack([x[labels == b].mean(axis=0) for b in big])
        moving = np.isin(labels, small)
        distance = ((x[moving][:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels[moving] = big[np.argmin(distance, axis=1)]
    order = np.argsort(-np.bincount(labels, minlength=labels.max() + 1), kind="stable")
    rename = np.empty_like(order)
    rename[order] = np.arange(len(order))
    return rename[labels], int(len(small))


def profiles(t: Tastes, labels: np.ndarray, subjects: np.ndarray | None = None,
             subject_names: Sequence[str] = (), top: int = 5) -> list[Profile]:
    """Aggregate profile per segment (segments are at least k_min members by construction)."""
    overall = t.shares.mean(axis=0)
    end = np.nanmax(t.last_seen) if np.isfinite(t.last_seen).any() else np.nan
    out = []
    for s in range(int(labels.max()) + 1):
        mask = labels == s
        if not mask.any():
            continue
        mix = t.shares[mask].mean(axis=0)
        lift = np.divide(mix, overall, out=np.zeros_like(mix), where=overall > 0)
        order = np.argsort(-(mix * np.log1p(lift)), kind="stable")[:top]
        recency = (end - t.last_seen[mask]) / 86400 if np.isfinite(end) else np.array([np.nan])
        subject_mix: list[tuple[str, float]] = []
        if subjects is not None and len(subject_names):
            sm = subjects[mask].mean(axis=0)
            subject_mix = [(subject_names[i], float(sm[i])) for i in np.argsort(-sm, kind="stable")[:top] if sm[i] > 0]
        out.append(Profile(s, int(mask.sum()), [(t.genres[i], float(mix[i]), float(lift[i])) for i in order],
                           float(np.median(t.events[mask])),
                           None if not np.isfinite(recency).any() else float(np.nanmedian(recency)), subject_mix))
    return out
