"""One fairness audit of a set of top-k lists: provider, member and data side in one JSON-ready dict.

Pure: the service (:mod:`museion.fairness.service`) gathers the arrays from the store and a model version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from museion.fairness import metrics as fm
from museion.fairness.groups import TIERS, popularity_tiers
from museion.recommend.evaluation.metrics import per_member_metrics


@dataclass(frozen=True, eq=False)
class AuditInputs:
    """Everything an audit reads. Rows of ``recommended``, ``histories`` and ``relevant`` are the same members."""

    recommended: np.ndarray
    """(members, ≥k) item indices best first, -1 padding."""
    histories: csr_matrix
    """members × items: what each member interacted with before the lists (their profile)."""
    train: csr_matrix
    """All training interactions (members × items), for popularity tiers and data representativeness."""
    k: int
    item_groups: dict[str, np.ndarray] = field(default_factory=dict)
    """Attribute name → one label per item (era, creator gender…); the popularity tier is always added."""
    member_groups: dict[str, np.ndarray] = field(default_factory=dict)
    """Attribute name → one label per member row (activity level, consented demographics)."""
    relevant: csr_matrix | None = None
    """Held-out items per member (evaluation scope); None for served lists, which have no ground truth."""
    genres: csr_matrix | None = None
    """items × genres, for miscalibration."""
    seed: int = 2024


def popularity(train: csr_matrix) -> np.ndarray:
    """Members per item in the training data."""
    return np.bincount(csr_matrix(train).indices, minlength=train.shape[1]).astype(np.float64)


def run_audit(inputs: AuditInputs) -> dict[str, Any]:
    """Provider exposure per item group (against catalogue and merit), concentration, long-tail share and
    popularity lift; accuracy and miscalibration per member group with bootstrap CIs; data representativeness."""
    k, n_items = inputs.k, inputs.train.shape[1]
    pop = popularity(inputs.train)
    tiers = popularity_tiers(pop)
    item_groups = {"popularity_tier": tiers, **inputs.item_groups}
    merit = popularity(inputs.relevant) if inputs.relevant is not None else pop
    provider = {name: fm.provider_exposure(inputs.recommended, labels, k, merit=merit) for name, labels in item_groups.items()}
    result: dict[str, Any] = {
        "k": k, "members": int(len(inputs.recommended)), "items": int(n_items),
        "merit": "held-out relevant items" if inputs.relevant is not None else "training interactions",
        "provider": {
            "groups": provider,
            "head_tail_exposure_gap": fm.exposure_gap(provider["popularity_tier"], TIERS[0], TIERS[2]),
            "concentration": fm.exposure_concentration(inputs.recommended, n_items, k),
            "long_tail_share": fm.long_tail_share(inputs.recommended, tiers != TIERS[0], k),
            "popularity_lift": fm.popularity_lift(inputs.recommended, inputs.histories, pop, k),
        },
        "data": {name: fm.representativeness(pop, labels) for name, labels in item_groups.items()},
    }
    per_member: dict[str, np.ndarray] = {}
    if inputs.relevant is not None:
        evaluated = np.diff(csr_matrix(inputs.relevant).indptr) > 0
        scored = per_member_metrics(inputs.recommended, inputs.relevant, k)
        for name in (f"ndcg@{k}", f"recall@{k}"):
            values = np.full(len(evaluated), np.nan)
            values[evaluated] = scored[name]
            per_member[name] = values
    if inputs.genres is not None:
        kl = fm.miscalibration(inputs.histories, inputs.recommended, inputs.genres, k)
        per_member["miscalibration_kl"] = kl
        result["miscalibration"] = {"mean_kl": _nanmean(kl), "median_kl": float(np.nanmedian(kl)) if np.isfinite(kl).any() else math.nan,
                                    "members": int(np.isfinite(kl).sum()), "alpha": fm.STECK_ALPHA}
    if per_member:
        result["overall"] = {name: _nanmean(values) for name, values in per_member.items()}
        result["member"] = {attribute: _member_groups(per_member, labels, inputs.seed)
                            for attribute, labels in inputs.member_groups.items()}
    return result


def _member_groups(per_member: dict[str, np.ndarray], labels: np.ndarray, seed: int) -> dict[str, Any]:
    """Group statistics of each metric over the members that have a value for it (NaN = not evaluated)."""
    merged: dict[str, Any] = {"groups": {}, "largest_gap": {}}
    for name, values in per_member.items():
        known = np.isfinite(values)
        block = fm.member_group_metrics({name: values[known]}, np.asarray(labels)[known], seed=seed)
        merged["groups"][name] = block["groups"][name]
        if name in block["largest_gap"]:
            merged["largest_gap"][name] = block["largest_gap"][name]
    return merged


def _nanmean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan

