"""Fairness audits of every evaluated model on ml-latest-small, the provider-fairness re-ranker's trade-off
curve, and the time of a full audit.

Usage: ``.venv/bin/python benchmarks/fairness_bench.py [--data DIR] [--json FILE]``. The data goes through
Museion's own ingest into a scratch SQLite store (as in recommend_bench.py) and is read back through the
privacy gate. Protocol as `museion evaluate`: ratings >= 3, 5-core, ratio 8:1:1 split (seed 2024), each
model tuned on validation and refit on train+valid; audits cover the test members' top-10 lists.
Provider groups: popularity tier (head/mid/tail by interaction mass 20/60/20) and release era (decade);
member groups: activity level (tertiles of training interactions).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from museion.catalog.features import term_matrix
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.encoding import json_ready
from museion.fairness.audit import AuditInputs, run_audit
from museion.fairness.curve import headline, tradeoff_points
from museion.fairness.groups import activity_levels
from museion.fairness.rerank import RerankContext
from museion.fairness.service import item_groups
from museion.privacy import consent
from museion.recommend.evaluation.run import evaluate_models
from museion.recommend.evaluation.splits import ratio_split
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import content_features, load_interactions
from museion.store.engine import make_engine
from museion.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
SEED, K = 2024, 10
MODELS = ("pop", "itemknn", "als", "ease")
STRENGTHS = [round(0.1 * i, 1) for i in range(11)]
FINE_STRENGTHS = [round(0.025 * i, 3) for i in range(41)]
"""The provider-fairness re-ranker gets a finer grid: its useful range is narrow (λ ≈ 0.7–0.9)."""
CURVE_MODEL, CURVE_RERANKERS = "ease", ("xquad", "longtail", "calibrated", "mmr")
AUDIT_REPEATS = 5


def default_data_dir() -> Path:
    root = os.environ.get("MUSEION_DATASETS_DIR")
    return (Path(root) if root else REPO.parent / "shared" / "data") / "movielens-latest-small"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir(), help="MovieLens latest-small folder")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no MovieLens data at {args.data}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as workdir, threadpool_limits(1, "blas"):
        engine = make_engine(f"sqlite:///{Path(workdir) / 'bench.db'}")
        upgrade(engine)
        load_dataset(engine, get_dataset("movielens-latest-small"), args.data)
        with engine.begin() as conn:
            consent.grant_to_undecided(conn, "movielens", "personalisation", notice_version="benchmark", channel="benchmark",
                                       actor="benchmark")
        policy = InteractionPolicy(rating_threshold=3.0, min_member_interactions=5, min_work_interactions=5)
        interactions, _ = load_interactions(engine, policy, source="movielens", actor="benchmark")
        features, genres = content_features(engine, interactions)
        with engine.connect() as conn:
            groups = item_groups(conn, interactions.work_ids)
            genre_matrix, _ = term_matrix(conn, interactions.work_ids, ("genre",))
        rows_of_cells, _ = interactions.cells()
        split = ratio_split(rows_of_cells, seed=SEED)
        reports = evaluate_models(interactions, split, MODELS, k=K, seed=SEED, item_features=features, item_genres=genres)
        known = interactions.select(np.concatenate([split.train, split.valid])).matrix
        test = interactions.select(split.test).matrix
        rows = np.flatnonzero(np.diff(test.indptr))
        activity = activity_levels(np.diff(known.indptr))
        era = {"era": groups["era"]}

        audits, table = {}, []
        for report in reports:
            lists, _ = report.model.recommend(rows, known[rows], K)
            result = json_ready(run_audit(AuditInputs(lists, known[rows], known, K, era, {"activity_level": activity[rows]},
                                                      relevant=test[rows], genres=genre_matrix, seed=SEED)))
            audits[report.name] = result
            table.append(_row(report.name, result))
        print(f"ml-latest-small: {len(rows)} test members × {interactions.n_works} works, top-{K}\n")
        print(_markdown(table))

        # a full audit: every member's top-10 (with test relevance where they have some)
        everyone = np.arange(interactions.n_members)
        ease = next(r for r in reports if r.name == CURVE_MODEL)
        started = time.perf_counter()
        lists, _ = ease.model.recommend(everyone, known, K)
        list_seconds = time.perf_counter() - started
        full = AuditInputs(lists, known, known, K, era, {"activity_level": activity}, relevant=test, genres=genre_matrix, seed=SEED)
        seconds = []
        for _ in range(AUDIT_REPEATS):
            started = time.perf_counter()
            run_audit(full)
            seconds.append(time.perf_counter() - started)
        print(f"\nfull audit of {interactions.n_members} members × top-{K}: median {np.median(seconds):.3f} s "
              f"(min {min(seconds):.3f}, {AUDIT_REPEATS} runs); computing the {CURVE_MODEL} lists first took {list_seconds:.3f} s\n")

        items, scores = ease.model.recommend(rows, known[rows], 200)
        context = RerankContext.from_training(known, genre_matrix)
        curves = {}
        for reranker in CURVE_RERANKERS:
            started = time.perf_counter()
            grid = FINE_STRENGTHS if reranker == "xquad" else STRENGTHS
            points = tradeoff_points(items, scores, test[rows], known[rows], known, context, reranker, grid, K)
            curves[reranker] = {"points": json_ready(points), "headline": json_ready(headline(points, K)),
                                "seconds": time.perf_counter() - started}
            print(f"{CURVE_MODEL} + {reranker} ({curves[reranker]['seconds']:.1f} s for {len(grid)} strengths)")
            shown = [p for p in points if abs(p["strength"] * 10 - round(p["strength"] * 10)) < 1e-9 or 0.7 <= p["strength"] <= 0.9]
            print(_curve_markdown(shown))
            h = curves[reranker]["headline"]
            print(f"  within 10% NDCG loss: strength {h['chosen_strength']}, gap cut {_pct(h['gap_reduction'])}, "
                  f"NDCG loss {_pct(h['relative_ndcg_loss'])}\n")
    if args.json:
        figures = {"audits": audits, "full_audit_seconds": seconds, "list_seconds": list_seconds, "curves": curves}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _row(name: str, a: dict) -> dict:
    tiers = a["provider"]["groups"]["popularity_tier"]
    ndcg = a["member"]["activity_level"]["groups"][f"ndcg@{K}"]
    return {"model": name, f"NDCG@{K}": a["overall"][f"ndcg@{K}"],
            "exposure head/mid/tail": "/".join(f"{tiers[t]['exposure_share']:.2f}" for t in ("head", "mid", "tail")),
            "head−tail gap": a["provider"]["head_tail_exposure_gap"], "long-tail share": a["provider"]["long_tail_share"],
            "exposure Gini": a["provider"]["concentration"]["gini"], "popularity lift": a["provider"]["popularity_lift"],
            "era exposure/catalogue (max, min)": _era_extremes(a["provider"]["groups"]["era"]),
            "NDCG low/med/high activity [95% CI]": " · ".join(
                f"{ndcg[g]['mean']:.3f} [{ndcg[g]['ci_low']:.3f}, {ndcg[g]['ci_high']:.3f}]" for g in ("low", "medium", "high")),
            "miscalibration KL": a["miscalibration"]["mean_kl"]}


def _era_extremes(eras: dict) -> str:
    ratios = {name: row["exposure_vs_catalogue"] for name, row in eras.items() if row["items"] >= 20 and row["exposure_vs_catalogue"] is not None}
    high, low = max(ratios, key=ratios.__getitem__), min(ratios, key=ratios.__getitem__)
    return f"{high} {ratios[high]:.2f}, {low} {ratios[low]:.2f}"


def _markdown(rows: list[dict]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        lines.append("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")
    return "\n".join(lines)


def _curve_markdown(points: list[dict]) -> str:
    rows = [{"λ": p["strength"], f"NDCG@{K}": p[f"ndcg@{K}"], "head−tail gap": p["head_tail_exposure_gap"],
             "long-tail share": p["long_tail_share"], "miscalibration KL": p.get("miscalibration_kl")} for p in points]
    return _markdown(rows)


if __name__ == "__main__":
    sys.exit(main())
