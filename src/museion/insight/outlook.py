"""New-work outlook (pure core): a forecast of a work's first-year demand — events in the 365 days after it first
appears — from its metadata and comparable works: the ``k`` earlier works nearest in genre mix and in age at entry
(years between the work's own year and its first demand), whose median first-year demand is the forecast and whose
quartiles are the range. Evaluated on a time split (works that entered before the cut-off year train, later ones are
forecast) against the genre-mean baseline (the mean first-year demand of earlier works sharing a genre) and, for
honesty, the overall median."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from museion.errors import MuseionError

YEAR = 365 * 86400.0
K = 40
MAX_AGE = 80.0


@dataclass(frozen=True, slots=True)
class Histories:
    """Works with demand: labels (genres…), own year (NaN unknown), first event time, first-year events and members."""

    work_ids: np.ndarray
    labels: list[frozenset[str]]
    year: np.ndarray
    first: np.ndarray
    demand: np.ndarray
    members: np.ndarray

    def take(self, mask: np.ndarray) -> Histories:
        idx = np.flatnonzero(mask)
        return Histories(self.work_ids[idx], [self.labels[i] for i in idx], self.year[idx], self.first[idx],
                         self.demand[idx], self.members[idx])


def histories(work_ids: np.ndarray, member_ids: np.ndarray, timestamps: np.ndarray,
              labels: dict[int, Sequence[str]], years: dict[int, float | None]) -> Histories:
    """First-year demand of every work with timed events whose first year is over by the data's last event."""
    t = np.asarray(timestamps, float)
    ok = np.isfinite(t)
    w, m, t = np.asarray(work_ids, np.int64)[ok], np.asarray(member_ids, np.int64)[ok], t[ok]
    if not len(t):
        raise MuseionError("there are no timed events to learn first-year demand from")
    works, at = np.unique(w, return_inverse=True)
    first = np.full(len(works), np.inf)
    np.minimum.at(first, at, t)
    early = t < first[at] + YEAR
    demand = np.bincount(at[early], minlength=len(works)).astype(float)
    pairs = np.unique(np.stack([at[early], m[early]]), axis=1)[0]
    members = np.bincount(pairs, minlength=len(works))
    done = first <= t.max() - YEAR
    h = Histories(works, [frozenset(labels.get(int(x), ())) for x in works],
                  np.array([np.nan if years.get(int(x)) is None else float(years[int(x)]) for x in works]), first,
                  demand, members)
    return h.take(done)


def _age(year: np.ndarray, first: np.ndarray) -> np.ndarray:
    entry = 1970 + np.asarray(first, float) / (365.2425 * 86400)
    age = np.where(np.isfinite(year), entry - year, np.nan)
    return np.clip(np.nan_to_num(age, nan=np.nanmedian(age) if np.isfinite(age).any() else 0.0), 0, MAX_AGE)


def _features(labels: Sequence[frozenset[str]], vocab: list[str], age: np.ndarray) -> np.ndarray:
    column = {g: i for i, g in enumerate(vocab)}
    x = np.zeros((len(labels), len(vocab) + 1))
    for row, ls in enumerate(labels):
        for g in ls:
            if g in column:
                x[row, column[g]] = 1.0
    x[:, :-1] /= np.maximum(np.linalg.norm(x[:, :-1], axis=1, keepdims=True), 1.0)
    x[:, -1] = np.log1p(age) / np.log1p(MAX_AGE)
    return x


@dataclass(frozen=True, slots=True)
class Outlook:
    expected: float  # median first-year demand of the comparables
    low: float  # their lower quartile
    high: float  # their upper quartile
    comparables: np.ndarray  # indices into the training histories, nearest first
    distance: np.ndarray
    genre_mean: float  # the baseline's forecast


def genre_means(train: Histories) -> dict[str, float]:
    """Mean first-year demand of the training works carrying each label."""
    sums: dict[str, list[float]] = {}
    for ls, d in zip(train.labels, train.demand, strict=True):
        for g in ls:
            sums.setdefault(g, []).append(float(d))
    return {g: float(np.mean(v)) for g, v in sums.items()}


def genre_mean(means: dict[str, float], labels: frozenset[str], fallback: float) -> float:
    """The baseline: the mean over the work's genres of their mean first-year demand (the overall mean without one)."""
    found = [means[g] for g in sorted(labels) if g in means]
    return float(np.mean(found)) if found else fallback


def forecast(train: Histories, labels: frozenset[str], year: float | None, at: float, *, k: int = K) -> Outlook:
    """The outlook of one work with ``labels`` and own ``year``, entering at epoch ``at``."""
    if len(train.demand) < 5:
        raise MuseionError("only %(n)s earlier works have a known first year: too few to compare with", n=len(train.demand))
    vocab = sorted({g for ls in train.labels for g in ls})
    x = _features(train.labels, vocab, _age(train.year, train.first))
    q = _features([labels], vocab, _age(np.array([np.nan if year is None else year]), np.array([at])))
    distance = np.sqrt(((x - q) ** 2).sum(axis=1))
    near = np.argsort(distance, kind="stable")[:k]
    d = train.demand[near]
    return Outlook(float(np.median(d)), float(np.quantile(d, 0.25)), float(np.quantile(d, 0.75)), near, distance[near],
                   genre_mean(genre_means(train), labels, float(train.demand.mean())))


@dataclass(frozen=True, slots=True)
class Evaluation:
    cutoff_year: int
    train: int
    test: int
    mae: float
    mae_genre_mean: float
    mae_median: float
    mae_log: float
    mae_log_genre_mean: float
    better_share: float  # test works where the outlook's error is smaller than the genre mean's


def evaluate(h: Histories, *, test_share: float = 0.2, k: int = K) -> Evaluation:
    """Time split: the latest ``test_share`` of works (by first appearance) are forecast from works whose first year
    ended before the cut-off."""
    if len(h.demand) < 20:
        raise MuseionError("only %(n)s works have a complete first year: too few for a time split", n=len(h.demand))
    cut = float(np.quantile(h.first, 1 - test_share))
    train, test = h.take(h.first + YEAR <= cut), h.take(h.first >= cut)
    if len(train.demand) < 5 or not len(test.demand):
        raise MuseionError("the time split leaves too few works on one side")
    vocab = sorted({g for ls in train.labels for g in ls})
    x = _features(train.labels, vocab, _age(train.year, train.first))
    q = _features(test.labels, vocab, _age(test.year, test.first))
    pred = np.empty(len(test.demand))
    for i in range(0, len(q), 512):  # blocks keep the distance matrix small
        block = ((q[i:i + 512, None, :] - x[None, :, :]) ** 2).sum(axis=2)
        near = np.argsort(block, axis=1, kind="stable")[:, :k]
        pred[i:i + 512] = np.median(train.demand[near], axis=1)
    means, overall = genre_means(train), float(train.demand.mean())
    base = np.array([genre_mean(means, ls, overall) for ls in test.labels])
    y = test.demand
    err, err_base = np.abs(pred - y), np.abs(base - y)
    return Evaluation(int(1970 + cut / (365.2425 * 86400)), len(train.demand), len(y), float(err.mean()),
                      float(err_base.mean()), float(np.abs(np.median(train.demand) - y).mean()),
                      float(np.abs(np.log1p(pred) - np.log1p(y)).mean()), float(np.abs(np.log1p(base) - np.log1p(y)).mean()),
                      float((err < err_base).mean()))
