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


@dataclass(frozen=True, eq=False)
class AuditFrame:
    """What an audit knows of all its members at once: training data, groups, k, seed (never the lists)."""

    train: csr_matrix
    k: int
    item_groups: dict[str, np.ndarray]
    member_groups: dict[str, np.ndarray]
    has_relevant: bool
    has_genres: bool
    seed: int = 2024

    @classmethod
    def of(cls, inputs: AuditInputs) -> AuditFrame:
        return cls(inputs.train, inputs.k, inputs.item_groups, inputs.member_groups, inputs.relevant is not None,
                   inputs.genres is not None, inputs.seed)


@dataclass(frozen=True, eq=False)
class AuditPart:
    """Sufficient statistics of an audit over some of its members: per-item sums that add across parts, and
    per-member values kept with the members' positions so parts recombine in the whole audit's order."""

    positions: np.ndarray
    exposure: np.ndarray
    """Position-weighted exposure per item."""
    merit: np.ndarray | None
    """Held-out relevant members per item (evaluation scope)."""
    tail_slots: int
    valid_slots: int
    per_member: dict[str, np.ndarray]
    """Popularity lift, and NDCG/recall/miscalibration where the audit has them; NaN = no value for that member."""


def audit_part(recommended: np.ndarray, histories: csr_matrix, train: csr_matrix, k: int, *, positions: np.ndarray,
               relevant: csr_matrix | None = None, genres: csr_matrix | None = None) -> AuditPart:
    """The statistics of some members' lists (rows of ``recommended``, ``histories``, ``relevant``)."""
    n_items = train.shape[1]
    pop = popularity(train)
    tail = popularity_tiers(pop) != TIERS[0]
    lists = recommended[:, :k]
    valid = lists >= 0
    per_member = {"popularity_lift": fm.member_popularity_lift(recommended, histories, pop, k)}
    if relevant is not None:
        evaluated = np.diff(csr_matrix(relevant).indptr) > 0
        scored = per_member_metrics(recommended, relevant, k)
        for name in (f"ndcg@{k}", f"recall@{k}"):
            values = np.full(len(evaluated), np.nan)
            values[evaluated] = scored[name]
            per_member[name] = values
    if genres is not None:
        per_member["miscalibration_kl"] = fm.miscalibration(histories, recommended, genres, k)
    return AuditPart(np.asarray(positions, dtype=np.int64), fm.item_exposure(recommended, n_items, k),
                     None if relevant is None else popularity(relevant), int(tail[lists[valid]].sum()), int(valid.sum()),
                     per_member)


def combine_parts(parts: list[AuditPart]) -> AuditPart:
    """One part from many: sums added, per-member values concatenated and put back in position order (exact)."""
    if not parts:
        raise ValueError("an audit needs at least one part")
    positions = np.concatenate([p.positions for p in parts])
    order = np.argsort(positions, kind="stable")
    merit = None if parts[0].merit is None else np.sum([p.merit for p in parts], axis=0)
    return AuditPart(positions[order], np.sum([p.exposure for p in parts], axis=0), merit,
                     sum(p.tail_slots for p in parts), sum(p.valid_slots for p in parts),
                     {name: np.concatenate([p.per_member[name] for p in parts])[order] for name in parts[0].per_member})


def run_audit(inputs: AuditInputs) -> dict[str, Any]:
    """Provider exposure per item group (against catalogue and merit), concentration, long-tail share and
    popularity lift; accuracy and miscalibration per member group with bootstrap CIs; data representativeness."""
    part = audit_part(inputs.recommended, inputs.histories, inputs.train, inputs.k, positions=np.arange(len(inputs.recommended)),
                      relevant=inputs.relevant, genres=inputs.genres)
    return finish_audit(AuditFrame.of(inputs), part)


def finish_audit(frame: AuditFrame, part: AuditPart) -> dict[str, Any]:
    """The audit record from the combined statistics of all its members."""
    k, n_items = frame.k, frame.train.shape[1]
    pop = popularity(frame.train)
    tiers = popularity_tiers(pop)
    item_groups = {"popularity_tier": tiers, **frame.item_groups}
    merit = part.merit if part.merit is not None else pop
    provider = {name: fm.exposure_by_group(part.exposure, labels, merit=merit) for name, labels in item_groups.items()}
    lifts = part.per_member["popularity_lift"]
    result: dict[str, Any] = {
        "k": k, "members": int(len(part.positions)), "items": int(n_items),
        "merit": "held-out relevant items" if frame.has_relevant else "training interactions",
        "provider": {
            "groups": provider,
            "head_tail_exposure_gap": fm.exposure_gap(provider["popularity_tier"], TIERS[0], TIERS[2]),
            "concentration": fm.concentration_of(part.exposure),
            "long_tail_share": part.tail_slots / part.valid_slots if part.valid_slots else math.nan,
            "popularity_lift": float(lifts[np.isfinite(lifts)].mean()) if np.isfinite(lifts).any() else math.nan,
        },
        "data": {name: fm.representativeness(pop, labels) for name, labels in item_groups.items()},
    }
    per_member = {name: values for name, values in part.per_member.items() if name != "popularity_lift"}
    if "miscalibration_kl" in per_member:
        kl = per_member["miscalibration_kl"]
        result["miscalibration"] = {"mean_kl": _nanmean(kl), "median_kl": float(np.nanmedian(kl)) if np.isfinite(kl).any() else math.nan,
                                    "members": int(np.isfinite(kl).sum()), "alpha": fm.STECK_ALPHA}
    if per_member:
        result["overall"] = {name: _nanmean(values) for name, values in per_member.items()}
        result["member"] = {attribute: _member_groups(per_member, labels, frame.seed)
                            for attribute, labels in frame.member_groups.items()}
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

