"""Trade-off curves: accuracy against fairness as a re-ranker's strength goes from 0 to 1.

``tradeoff_points`` is pure (candidates in, one point per strength out); ``rerank_curve`` runs it on the
evaluation split of a dataset, with the model tuned as `museion evaluate` tunes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Engine

from museion.encoding import json_ready
from museion.fairness import metrics as fm
from museion.fairness.groups import TIERS, popularity_tiers
from museion.fairness.rerank import PARAMS, RerankContext, RerankError, RerankSpec, rerank
from museion.recommend.evaluation.metrics import ranking_metrics
from museion.recommend.evaluation.run import evaluate_models
from museion.recommend.evaluation.splits import ratio_split
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import content_features, load_interactions


def tradeoff_points(items: np.ndarray, scores: np.ndarray, relevant: csr_matrix, histories: csr_matrix, train: csr_matrix,
                    context: RerankContext, reranker: str, strengths: list[float], k: int,
                    params: dict[str, Any] | None = None, progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """For each strength: NDCG@k and Recall@k, head − tail exposure gap, long-tail share and mean miscalibration
    (``progress`` hears how many points are done after each)."""
    tiers = popularity_tiers(np.bincount(train.indices, minlength=train.shape[1]))
    points = []
    for strength in strengths:
        spec = RerankSpec(reranker, strength, dict(params or {}))
        lists = rerank(spec, items, scores, k, context, histories)
        accuracy = ranking_metrics(lists, relevant, (k,))
        exposure = fm.provider_exposure(lists, tiers, k)
        point = {"strength": float(strength), f"ndcg@{k}": accuracy[f"ndcg@{k}"], f"recall@{k}": accuracy[f"recall@{k}"],
                 "head_tail_exposure_gap": fm.exposure_gap(exposure, TIERS[0], TIERS[2]),
                 "long_tail_share": fm.long_tail_share(lists, tiers != TIERS[0], k),
                 "exposure_shares": {name: row["exposure_share"] for name, row in exposure.items()}}
        if context.genres is not None:
            kl = fm.miscalibration(histories, lists, context.genres, k)
            point["miscalibration_kl"] = float(np.nanmean(kl)) if np.isfinite(kl).any() else None
        points.append(point)
        if progress:
            progress(len(points))
    return points


def headline(points: list[dict[str, Any]], k: int, max_loss: float = 0.10) -> dict[str, Any]:
    """The strongest point within ``max_loss`` relative NDCG loss, and how much of the head–tail gap it removes."""
    base = points[0]
    ndcg = f"ndcg@{k}"
    within = [p for p in points if base[ndcg] and (base[ndcg] - p[ndcg]) / base[ndcg] <= max_loss] or [base]
    best = min(within, key=lambda p: p["head_tail_exposure_gap"])
    gap0 = base["head_tail_exposure_gap"]
    return {"baseline_strength": base["strength"], "max_relative_ndcg_loss": max_loss, "chosen_strength": best["strength"],
            "relative_ndcg_loss": (base[ndcg] - best[ndcg]) / base[ndcg] if base[ndcg] else None,
            "gap_reduction": (gap0 - best["head_tail_exposure_gap"]) / gap0 if gap0 else None}


def check_grid(reranker: str, strengths: list[float], params: dict[str, Any] | None = None) -> None:
    """Refuse a re-ranker and strength grid that cannot run, before the expensive part (or before it is queued)."""
    if reranker not in PARAMS:
        raise RerankError(f"unknown re-ranker {reranker!r}; choose from {', '.join(PARAMS)}")
    if not strengths or sorted(strengths) != list(strengths) or strengths[0] != 0.0:
        raise RerankError("strengths must start at 0 (the model's own lists) and increase, e.g. 0,0.1,0.2")
    for strength in strengths:
        RerankSpec(reranker, strength, dict(params or {}))


def rerank_curve(engine: Engine, *, source: str | None, model: str, reranker: str, strengths: list[float], actor: str,
                 k: int = 10, seed: int = 2024, params: dict[str, Any] | None = None,
                 policy: InteractionPolicy | None = None, progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Tune ``model`` on validation, refit on train+valid, then sweep ``reranker`` over ``strengths`` on the test part
    (``progress(fraction, what)`` hears each stage and each point; a job's reporter may raise to stop it)."""
    report = progress or (lambda _done, _what: None)
    check_grid(reranker, strengths, params)
    policy = policy or InteractionPolicy(min_member_interactions=5, min_work_interactions=5)
    report(0.02, "reading interactions")
    interactions, _events = load_interactions(engine, policy, source=source, actor=actor)
    rows_of_cells, _ = interactions.cells()
    split = ratio_split(rows_of_cells, seed=seed)
    features, genres = content_features(engine, interactions)
    report(0.1, f"tuning {model} on the validation split")
    tuned = evaluate_models(interactions, split, [model], k=k, seed=seed, item_features=features, item_genres=genres)[0]
    train_valid = interactions.select(np.concatenate([split.train, split.valid])).matrix
    test = interactions.select(split.test).matrix
    rows = np.flatnonzero(np.diff(test.indptr))
    depth = RerankSpec(reranker, 0.0, dict(params or {})).depth
    items, scores = tuned.model.recommend(rows, train_valid[rows], max(k, depth))
    context = RerankContext.from_training(train_valid, genres if genres.nnz else None)
    report(0.5, f"sweeping {len(strengths)} strengths")
    started = time.perf_counter()
    points = tradeoff_points(items, scores, test[rows], train_valid[rows], train_valid, context, reranker, list(strengths), k, params,
                             progress=lambda done: report(0.5 + 0.5 * done / len(strengths), f"{done} of {len(strengths)} strengths"))
    seconds = time.perf_counter() - started
    return json_ready({"source": source, "model": model, "model_params": tuned.params, "reranker": reranker,
                       "params": RerankSpec(reranker, 0.0, dict(params or {})).params, "k": k, "seed": seed,
                       "members": int(len(rows)), "works": interactions.n_works, "points": points,
                       "headline": headline(points, k), "sweep_seconds": seconds})
