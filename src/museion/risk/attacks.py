"""Shilling attack generator (pure core): fake rating profiles of the standard attack models, for evaluation only.

The models follow Lam & Riedl (2004), Mobasher et al. (2007, "Toward trustworthy recommender systems", ACM TOIT 7(4)):
each fake profile rates the target item(s) at the top of the scale (push) or the bottom (nuke), a small *selected*
set chosen by the model, and *filler* items drawn at random from the catalogue:

- ``random``: filler ratings ~ N(global mean, global sd);
- ``average``: filler item j ~ N(mean_j, sd_j) (the attacker knows each item's mean);
- ``bandwagon``: the most popular items are the selected set, rated at the top; filler as ``random``;
- ``segment``: the selected set is a segment of items liked by the target's audience, rated at the top; filler at
  the bottom.

Filler is drawn uniformly from the catalogue by default; ``filler_from="popular"`` draws it from the most rated tenth
of the catalogue in proportion to popularity, as an informed attacker does to look like real members to popularity
features such as DegreeSAD's and to RDMA (popular items' means are stable, so deviations stay small).

Profiles are only ever *returned* (with labels) or stacked under a copy of a matrix by :func:`inject`; nothing here
writes anywhere. Attack size is the share of genuine profiles added (1–10 %), filler size the share of items
(1–5 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.sparse import csr_matrix, vstack

from museion.errors import MuseionError

ATTACK_TYPES = ("random", "average", "bandwagon", "segment")
INTENTS = ("push", "nuke")
FILLER_FROM = ("random", "popular")
POPULAR_SHARE = 0.10
"""Popular filler comes from this most-rated share of the catalogue."""
AttackType = Literal["random", "average", "bandwagon", "segment"]
Intent = Literal["push", "nuke"]
SELECTED = 5
"""Items in a bandwagon's or segment's selected set (Mobasher et al. use a handful of very popular items)."""


class AttackRejected(MuseionError):
    """An attack's parameters are outside what the generator models."""


@dataclass(frozen=True)
class Scale:
    """The rating scale: lowest, highest and step (MovieLens: 0.5 to 5 by 0.5)."""

    low: float = 0.5
    high: float = 5.0
    step: float = 0.5

    def snap(self, values: np.ndarray) -> np.ndarray:
        snapped = np.round((np.asarray(values, dtype=np.float64) - self.low) / self.step) * self.step + self.low
        return np.clip(snapped, self.low, self.high)


@dataclass(frozen=True)
class Attack:
    """Fake profiles (one CSR row each, same columns as the attacked matrix) and what they were built to do."""

    kind: str
    intent: str
    targets: np.ndarray
    profiles: csr_matrix
    times: np.ndarray | None
    """Epoch seconds aligned with ``profiles.data`` (all inside one burst window), when asked for."""


def check(kind: str, intent: str, size: float, filler: float, filler_from: str = "random") -> None:
    """Refuse parameters outside the modelled ranges, naming the field."""
    if filler_from not in FILLER_FROM:
        raise AttackRejected("filler_from: %(value)s is not random or popular", value=filler_from)
    if kind not in ATTACK_TYPES:
        raise AttackRejected("type: %(kind)s is not one of %(known)s", kind=kind, known=", ".join(ATTACK_TYPES))
    if intent not in INTENTS:
        raise AttackRejected("intent: %(intent)s is not push or nuke", intent=intent)
    if not 0.01 <= size <= 0.10:
        raise AttackRejected("size: %(size)s is outside 0.01–0.10 (share of profiles)", size=size)
    if not 0.01 <= filler <= 0.05:
        raise AttackRejected("filler: %(filler)s is outside 0.01–0.05 (share of items)", filler=filler)


def generate(
    ratings: csr_matrix,
    targets: np.ndarray,
    *,
    kind: str = "average",
    intent: str = "push",
    size: float = 0.05,
    filler: float = 0.03,
    scale: Scale | None = None,
    seed: int = 0,
    burst: tuple[int, int] | None = None,
    filler_from: str = "random",
) -> Attack:
    """``round(size × members)`` fake profiles against ``targets`` (item columns) of a members × items rating matrix.

    ``burst`` = (start, seconds) stamps every fake rating inside that window (for time-window features).
    """
    check(kind, intent, size, filler, filler_from)
    scale = scale or Scale()
    matrix = csr_matrix(ratings, dtype=np.float64)
    n_users, n_items = matrix.shape
    targets = np.unique(np.asarray(targets, dtype=np.int64))
    if targets.size == 0 or targets.min() < 0 or targets.max() >= n_items:
        raise AttackRejected("target: items must be columns 0–%(last)s", last=n_items - 1)
    rng = np.random.default_rng(seed)
    n_fake = max(1, round(size * n_users))
    n_filler = max(1, round(filler * n_items))
    counts = np.diff(matrix.tocsc().indptr)
    sums = np.asarray(matrix.sum(axis=0)).ravel()
    squares = np.asarray(matrix.multiply(matrix).sum(axis=0)).ravel()
    global_mean = float(matrix.data.mean()) if matrix.nnz else (scale.low + scale.high) / 2
    global_sd = float(matrix.data.std()) if matrix.nnz else 1.0
    item_mean = np.where(counts > 0, sums / np.maximum(counts, 1), global_mean)
    item_sd = np.sqrt(np.maximum(np.where(counts > 1, squares / np.maximum(counts, 1) - item_mean**2, global_sd**2), 0))
    top, bottom = (scale.high, scale.low) if intent == "push" else (scale.low, scale.high)
    selected = _selected(kind, matrix, counts, targets, rng)
    pool = np.setdiff1d(np.arange(n_items), np.concatenate([targets, selected]))
    weights = None
    if filler_from == "popular":
        pool = pool[np.argsort(-counts[pool], kind="stable")][:max(n_filler, round(POPULAR_SHARE * n_items))]
        weights = (counts[pool] + 1) / (counts[pool] + 1).sum()  # + 1: never fewer drawable items than filler
    rows, cols, vals = [], [], []
    for row in range(n_fake):
        fill = rng.choice(pool, size=min(n_filler, pool.size), replace=False, p=weights)
        if kind == "average":
            values = rng.normal(item_mean[fill], item_sd[fill])
        elif kind == "segment":
            values = np.full(fill.size, bottom)
        else:
            values = rng.normal(global_mean, global_sd, fill.size)
        items = np.concatenate([targets, selected, fill])
        values = np.concatenate([np.full(targets.size, top), np.full(selected.size, scale.high), scale.snap(values)])
        rows.append(np.full(items.size, row))
        cols.append(items)
        vals.append(values)
    profiles = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_fake, n_items))
    profiles.sort_indices()
    times = None
    if burst is not None:
        start, seconds = burst
        times = start + rng.integers(0, max(1, seconds), profiles.nnz)
    return Attack(kind, intent, targets, profiles, times)


def _selected(kind: str, matrix: csr_matrix, counts: np.ndarray, targets: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """The bandwagon's most popular items, or the segment: items most co-rated highly with the targets."""
    if kind == "bandwagon":
        order = np.argsort(-counts, kind="stable")
        return order[~np.isin(order, targets)][:SELECTED]
    if kind == "segment":
        liked = matrix.multiply(matrix >= 4).tocsr()
        fans = np.unique(liked[:, targets].nonzero()[0])
        source = liked[fans] if fans.size else liked
        scores = np.asarray((source > 0).sum(axis=0)).ravel().astype(np.float64)
        scores[targets] = -1
        return np.argsort(-scores, kind="stable")[:SELECTED]
    return np.zeros(0, dtype=np.int64)


def inject(ratings: csr_matrix, attack: Attack) -> tuple[csr_matrix, np.ndarray]:
    """A new matrix with the fake profiles stacked below the genuine ones, and labels (True = fake); input untouched."""
    stacked = vstack([csr_matrix(ratings, dtype=np.float64), attack.profiles], format="csr")
    labels = np.zeros(stacked.shape[0], dtype=bool)
    labels[ratings.shape[0]:] = True
    return stacked, labels
