"""Re-rankers that compose after any model: each re-orders a member's top candidates into a top-k list,
trading some of the model's relevance for calibration, provider exposure, long-tail reach or diversity.

A :class:`RerankSpec` (name, strength λ ∈ [0, 1], parameters) is what a model version stores; λ = 0
returns the model's own order. Pure and deterministic: ties go to the model's better-ranked candidate.
Hand-written because no maintained library implements these four greedy objectives over given
candidate lists (RecBole/Elliot tie them to their own training loops).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from museion.errors import MuseionError
from museion.fairness.groups import encode, popularity_tiers
from museion.fairness.metrics import STECK_ALPHA, genre_mix
from museion.recommend.models.content import normalise_rows

PARAMS: dict[str, dict[str, Any]] = {
    "calibrated": {"depth": 100},
    "xquad": {"depth": 200, "target": "uniform", "saturation": 0.3},
    "longtail": {"depth": 100},
    "mmr": {"depth": 100},
}
"""Every re-ranker's parameters and their defaults; ``depth`` is how many model candidates it re-orders."""
TARGETS = ("uniform", "profile")


class RerankError(MuseionError):
    """A re-ranker spec names an unknown re-ranker, a strength outside [0, 1] or a bad parameter."""


@dataclass(frozen=True)
class RerankSpec:
    """Which re-ranker, how strongly, with which parameters: serialisable with :meth:`as_dict`."""

    name: str
    strength: float
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in PARAMS:
            raise RerankError(f"unknown re-ranker {self.name!r}; choose from {', '.join(PARAMS)}")
        if not isinstance(self.strength, int | float) or not 0.0 <= float(self.strength) <= 1.0:
            raise RerankError(f"re-ranker strength must be a number in [0, 1], got {self.strength!r}")
        unknown = set(self.params) - set(PARAMS[self.name])
        if unknown:
            raise RerankError(f"{self.name} has no parameter(s) {', '.join(sorted(unknown))}; it takes {', '.join(PARAMS[self.name])}")
        merged = {**PARAMS[self.name], **self.params}
        if not isinstance(merged["depth"], int) or not 1 <= merged["depth"] <= 10_000:
            raise RerankError("depth must be an integer between 1 and 10000")
        if self.name == "xquad":
            if merged["target"] not in TARGETS:
                raise RerankError(f"xquad target must be one of {', '.join(TARGETS)}")
            if not isinstance(merged["saturation"], int | float) or not 0.0 < merged["saturation"] <= 1.0:
                raise RerankError("xquad saturation must be in (0, 1]")
        object.__setattr__(self, "strength", float(self.strength))
        object.__setattr__(self, "params", merged)

    @property
    def depth(self) -> int:
        return int(self.params["depth"])

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "strength": self.strength, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, raw: Any) -> RerankSpec:
        if not isinstance(raw, dict) or set(raw) - {"name", "strength", "params"} or "name" not in raw or "strength" not in raw:
            raise RerankError("a re-ranker spec is an object with name, strength and optional params")
        return cls(raw["name"], raw["strength"], dict(raw.get("params") or {}))


@dataclass(frozen=True, eq=False)
class RerankContext:
    """What the re-rankers know about items: provider group codes, popularity and genres (rows = items)."""

    item_groups: np.ndarray
    group_names: list[str]
    popularity: np.ndarray
    genres: csr_matrix | None = None

    @classmethod
    def from_training(cls, train: csr_matrix, genres: csr_matrix | None = None, item_labels: np.ndarray | None = None) -> RerankContext:
        """Groups default to popularity tiers (head / mid / tail) of the training interactions."""
        popularity = np.bincount(csr_matrix(train).indices, minlength=train.shape[1]).astype(np.float64)
        codes, names = encode(popularity_tiers(popularity) if item_labels is None else item_labels)
        return cls(codes, names, popularity, genres)


def rerank(spec: RerankSpec, items: np.ndarray, scores: np.ndarray, k: int, context: RerankContext,
           histories: csr_matrix | None = None) -> np.ndarray:
    """Re-order each row's candidates (``items``, best first, -1 padding; ``scores`` aligned) into top-``k``.

    ``histories`` (rows = members, columns = items) is needed by ``calibrated`` and by ``xquad`` with the
    ``profile`` target.
    """
    items = np.asarray(items, dtype=np.int64)[:, :spec.depth]
    scores = np.asarray(scores)[:, :spec.depth]
    if spec.strength == 0.0 or items.shape[1] == 0:
        return _pad(items[:, :k], k)
    relevance = _relevance(items, np.asarray(scores, dtype=np.float64))
    lam = spec.strength
    if spec.name == "longtail":
        return _longtail(items, relevance, k, lam, context)
    if spec.name in ("calibrated", "mmr") and context.genres is None:
        raise RerankError(f"the {spec.name} re-ranker needs item genres (a term matrix)")
    needs_history = spec.name == "calibrated" or (spec.name == "xquad" and spec.params["target"] == "profile")
    if needs_history and (histories is None or histories.shape[0] != len(items)):
        raise RerankError(f"the {spec.name} re-ranker needs the members' histories, one row per list")
    out = np.full((len(items), k), -1, dtype=np.int64)
    if spec.name == "calibrated":
        assert context.genres is not None and histories is not None
        target = genre_mix(histories, context.genres)
        for row in range(len(items)):
            out[row] = _greedy_calibrated(items[row], relevance[row], k, lam, target[row], context.genres)
    elif spec.name == "mmr":
        assert context.genres is not None
        unit = normalise_rows(csr_matrix(context.genres, dtype=np.float64))
        for row in range(len(items)):
            out[row] = _greedy_mmr(items[row], relevance[row], k, lam, unit)
    else:
        weights = _group_targets(spec, context, histories, len(items))
        for row in range(len(items)):
            out[row] = _greedy_xquad(items[row], relevance[row], k, lam, context.item_groups, weights[row],
                                     float(spec.params["saturation"]))
    return out


def _pad(items: np.ndarray, k: int) -> np.ndarray:
    return items if items.shape[1] >= k else np.pad(items, ((0, 0), (0, k - items.shape[1])), constant_values=-1)


def _relevance(items: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Scores min-max scaled to [0, 1] within each row's valid candidates; invalid ones get NaN."""
    valid = (items >= 0) & np.isfinite(scores)
    masked = np.where(valid, scores, np.nan)
    with np.errstate(all="ignore"):
        low, high = np.nanmin(masked, axis=1, keepdims=True), np.nanmax(masked, axis=1, keepdims=True)
        span = np.where(high > low, high - low, 1.0)
        relevance = np.where(high > low, (masked - low) / span, 1.0)
    return np.where(valid, relevance, np.nan)


def _longtail(items: np.ndarray, relevance: np.ndarray, k: int, lam: float, context: RerankContext) -> np.ndarray:
    """Re-score with novelty 1 − log(1 + pop) / log(1 + max pop) and sort (stable: model order breaks ties)."""
    top = math.log1p(context.popularity.max(initial=0.0)) or 1.0
    novelty = 1.0 - np.log1p(context.popularity[np.where(items >= 0, items, 0)]) / top
    objective = np.where(np.isnan(relevance), -np.inf, (1 - lam) * np.nan_to_num(relevance) + lam * novelty)
    order = np.argsort(-objective, axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(items, order, axis=1)
    chosen[np.take_along_axis(objective, order, axis=1) == -np.inf] = -1
    return _pad(chosen, k)


def _group_targets(spec: RerankSpec, context: RerankContext, histories: csr_matrix | None, n_rows: int) -> np.ndarray:
    """P(group | member): uniform over groups, or each member's own history mix (xQuAD's personalised form)."""
    n_groups = len(context.group_names)
    if spec.params["target"] == "uniform":
        return np.full((n_rows, n_groups), 1.0 / n_groups)
    assert histories is not None
    membership = csr_matrix((np.ones(len(context.item_groups)), (np.arange(len(context.item_groups)), context.item_groups)),
                            shape=(len(context.item_groups), n_groups))
    return genre_mix(histories, membership)


def _greedy_xquad(items: np.ndarray, relevance: np.ndarray, k: int, lam: float, groups: np.ndarray,
                  target: np.ndarray, saturation: float) -> np.ndarray:
    """xQuAD over item groups (Santos et al. 2010; Abdollahpouri et al. 2019 for popularity groups):
    (1 − λ) rel(i) + λ P(g_i | u) · cover(g_i), where each pick of group g multiplies cover(g) by
    (1 − saturation); saturation 1 is the binary original, smaller values keep rewarding a group."""
    valid = np.flatnonzero(~np.isnan(relevance))
    cand, rel, grp = items[valid], relevance[valid], groups[np.maximum(items[valid], 0)]
    cover = np.ones(len(target))
    taken = np.zeros(len(cand), dtype=bool)
    chosen = []
    for _ in range(min(k, len(cand))):
        objective = np.where(taken, -np.inf, (1 - lam) * rel + lam * target[grp] * cover[grp])
        best = int(np.argmax(objective))
        taken[best] = True
        chosen.append(cand[best])
        cover[grp[best]] *= 1.0 - saturation
    return np.array(chosen + [-1] * (k - len(chosen)), dtype=np.int64)


def _greedy_mmr(items: np.ndarray, relevance: np.ndarray, k: int, lam: float, unit: csr_matrix) -> np.ndarray:
    """Maximal marginal relevance (Carbonell & Goldstein 1998): (1 − λ) rel(i) − λ max_{j ∈ S} cos(i, j)."""
    valid = np.flatnonzero(~np.isnan(relevance))
    cand, rel = items[valid], relevance[valid]
    vectors = unit[cand]
    similarity = np.asarray((vectors @ vectors.T).todense())
    closest = np.zeros(len(cand))
    taken = np.zeros(len(cand), dtype=bool)
    chosen = []
    for _ in range(min(k, len(cand))):
        best = int(np.argmax(np.where(taken, -np.inf, (1 - lam) * rel - lam * closest)))
        taken[best] = True
        chosen.append(cand[best])
        closest = np.maximum(closest, similarity[best])
    return np.array(chosen + [-1] * (k - len(chosen)), dtype=np.int64)


def _greedy_calibrated(items: np.ndarray, relevance: np.ndarray, k: int, lam: float, target: np.ndarray,
                       genres: csr_matrix) -> np.ndarray:
    """Steck (2018): greedily maximise (1 − λ) Σ rel − λ KL(p ‖ q̃) of the list built so far."""
    valid = np.flatnonzero(~np.isnan(relevance))
    cand, rel = items[valid], relevance[valid]
    mix = genre_mix(csr_matrix((np.ones(len(cand)), (np.arange(len(cand)), cand)), shape=(len(cand), genres.shape[0])), genres)
    described = target > 0
    p = target[described]
    mix = mix[:, described]
    acc = np.zeros(described.sum())
    taken = np.zeros(len(cand), dtype=bool)
    chosen: list[int] = []
    for step in range(min(k, len(cand))):
        q = (acc + mix) / (step + 1)
        q_tilde = (1 - STECK_ALPHA) * q + STECK_ALPHA * p
        kl = (p * np.log(p / q_tilde)).sum(axis=1) if len(p) else np.zeros(len(cand))
        best = int(np.argmax(np.where(taken, -np.inf, (1 - lam) * rel - lam * kl)))
        taken[best] = True
        chosen.append(cand[best])
        acc += mix[best]
    return np.array(chosen + [-1] * (k - len(chosen)), dtype=np.int64)
