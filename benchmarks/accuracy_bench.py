"""Accuracy at parity: each Museion model, tuned by its own budgeted search, against a directly tuned peer.

Usage: ``.venv/bin/python benchmarks/accuracy_bench.py [--data DIR] [--markdown]``. Same data and split as
``recommend_bench.py`` (ml-latest-small through Museion's ingest, ratings >= 3, 5-core, ratio-811 seed 2024).
Museion: ``evaluate_models(..., trials=BUDGETS)`` (Optuna TPE on validation only). Peers are tuned on their own,
with wide grids over validation, refit on train+valid and scored on test by the same metrics module:
a direct count (pop), implicit's CosineRecommender and BM25Recommender (item-kNN), implicit ALS, a direct
numpy EASE closed form and a direct dense numpy RP3beta (Dacrema et al.'s formulation). BLAS single-threaded.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import implicit
import numpy as np
from implicit.cpu.als import AlternatingLeastSquares
from implicit.nearest_neighbours import BM25Recommender, CosineRecommender
from recommend_bench import SEED, default_data_dir, load_from_store, table
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

from museion.recommend.evaluation.metrics import ranking_metrics
from museion.recommend.evaluation.run import Holdout, evaluate_models
from museion.recommend.evaluation.search import BUDGETS
from museion.recommend.evaluation.splits import ratio_split
from museion.recommend.models import top_k

K = 10
MODELS = ("pop", "itemknn", "ease", "als", "rp3beta")


class DirectPop:
    """How many members interacted with each work, counted directly on the training matrix."""

    def fit(self, matrix: csr_matrix, show_progress: bool = False) -> None:
        self.counts = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32)

    def recommend(self, rows: np.ndarray, user_items: csr_matrix, N: int, **_: Any) -> tuple[np.ndarray, None]:
        return top_k(np.tile(self.counts, (len(rows), 1)), N, exclude=user_items)[0], None


class DirectEASE:
    """Steck's closed form in plain numpy: B = I − P/diag(P), P = (XᵀX + λI)⁻¹, diag(B) = 0."""

    def __init__(self, l2: float) -> None:
        self.l2 = l2

    def fit(self, matrix: csr_matrix, show_progress: bool = False) -> None:
        gram = (matrix.T @ matrix).toarray().astype(np.float64) + self.l2 * np.eye(matrix.shape[1])
        inverse = np.linalg.inv(gram)
        self.weights = (inverse / -np.diag(inverse)).astype(np.float32)
        np.fill_diagonal(self.weights, 0.0)

    def recommend(self, rows: np.ndarray, user_items: csr_matrix, N: int, **_: Any) -> tuple[np.ndarray, None]:
        return top_k(np.asarray(user_items @ self.weights), N, exclude=user_items)[0], None


class DirectRP3beta:
    """Dense numpy RP3beta as in Dacrema et al.'s reference code: W = Piu^α Pui^α · deg^−β, top-K per row."""

    def __init__(self, alpha: float, beta: float, neighbours: int) -> None:
        self.alpha, self.beta, self.neighbours = alpha, beta, neighbours

    def fit(self, matrix: csr_matrix, show_progress: bool = False) -> None:
        x = matrix.toarray().astype(np.float64)
        binary = (x > 0).astype(np.float64)
        pui = (x / np.maximum(x.sum(axis=1, keepdims=True), 1e-12)) ** self.alpha
        piu = (binary.T / np.maximum(binary.sum(axis=0)[:, None], 1e-12)) ** self.alpha
        w = (piu @ pui) * np.maximum(binary.sum(axis=0), 1.0) ** -self.beta
        np.fill_diagonal(w, 0.0)
        cut = np.argpartition(-w, self.neighbours - 1, axis=1)[:, self.neighbours:]
        np.put_along_axis(w, cut, 0.0, axis=1)
        self.weights = w.astype(np.float32)

    def recommend(self, rows: np.ndarray, user_items: csr_matrix, N: int, **_: Any) -> tuple[np.ndarray, None]:
        return top_k(np.asarray(user_items @ self.weights), N, exclude=user_items)[0], None


@dataclass(frozen=True)
class Peer:
    name: str
    pairs_with: str
    factories: dict[str, Callable[[], Any]]
    """Grid point label → a fresh unfitted peer model."""


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    names = list(axes)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*axes.values())]


def peers() -> list[Peer]:
    """Each peer's own grid: the ranges where the libraries' users and published tunings find their best."""
    als = grid(factors=[64, 128, 256], regularization=[0.01, 0.1, 1.0, 10.0, 100.0], alpha=[1.0, 5.0, 20.0, 50.0])
    knn = [("cosine", {"K": k}) for k in (10, 20, 50, 100, 200, 500)] + [
        ("bm25", p) for p in grid(K=[20, 50, 100, 200, 500], K1=[0.6, 1.2, 2.0], B=[0.25, 0.5, 0.75, 1.0])]
    rp3 = grid(alpha=[0.5, 0.75, 1.0, 1.25], beta=[0.2, 0.35, 0.5, 0.65, 0.8], neighbours=[50, 100, 200, 500])
    ease = [float(v) for v in np.logspace(0, 5, 16)]

    def knn_model(kind: str, p: dict[str, Any]) -> Any:
        return CosineRecommender(K=p["K"]) if kind == "cosine" else BM25Recommender(**p)

    return [
        Peer("direct count", "pop", {"count": DirectPop}),
        Peer("implicit Cosine/BM25", "itemknn",
             {f"{kind} {p}": (lambda kind=kind, p=p: knn_model(kind, p)) for kind, p in knn}),
        Peer("numpy EASE", "ease", {f"l2={v:.4g}": (lambda v=v: DirectEASE(v)) for v in ease}),
        Peer("implicit ALS", "als", {str(p): (lambda p=p: AlternatingLeastSquares(**p, iterations=15, random_state=SEED))
                                     for p in als}),
        Peer("numpy RP3beta", "rp3beta", {str(p): (lambda p=p: DirectRP3beta(**p)) for p in rp3}),
    ]


def peer_ndcg(model: Any, known: csr_matrix, held_out: csr_matrix) -> float:
    rows = np.flatnonzero(np.diff(held_out.indptr))
    with warnings.catch_warnings():  # implicit's kNN models warn about their own COO hand-off
        warnings.filterwarnings("ignore", message="Method expects CSR input")
        model.fit(known, show_progress=False)
        ids, _ = model.recommend(rows, known[rows], N=K, filter_already_liked_items=True)
    return ranking_metrics(np.asarray(ids, dtype=np.int64), held_out[rows], (K,))[f"ndcg@{K}"]


def tune_peer(peer: Peer, holdout: Holdout) -> tuple[str, float, int, float]:
    """(chosen grid point, test NDCG@10 after refit on train+valid, grid size, tuning seconds)."""
    started = time.perf_counter()
    scores = {label: peer_ndcg(make(), holdout.train.matrix, holdout.valid.matrix)
              for label, make in peer.factories.items()}
    chosen = max(scores, key=lambda label: scores[label])
    seconds = time.perf_counter() - started
    return chosen, peer_ndcg(peer.factories[chosen](), holdout.train_valid.matrix, holdout.test.matrix), len(scores), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir(), help="MovieLens latest-small folder")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {','.join(MODELS)}")
    args = parser.parse_args()
    if not (args.data / "ratings.csv").is_file():
        print(f"{args.data}: no ratings.csv; pass --data or set MUSEION_DATASETS_DIR", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        interactions, _features, genres, _titles = load_from_store(args.data, Path(workdir))
    split = ratio_split(interactions.cells()[0], seed=SEED)
    holdout = Holdout.from_split(interactions, split)
    chosen_models = [m for m in args.models.split(",") if m]
    reports = {}
    for name in chosen_models:
        reports[name] = evaluate_models(interactions, split, [name], k=K, seed=SEED, trials=BUDGETS, item_genres=genres)[0]
        print(f"museion {name}: NDCG@10 {reports[name].metrics[f'ndcg@{K}']:.4f}, {reports[name].params}, "
              f"search {reports[name].search}", file=sys.stderr, flush=True)
    rows, checks, best_peer = [], [], ("", 0.0)
    for peer in [p for p in peers() if p.pairs_with in chosen_models]:
        chosen, ndcg, size, seconds = tune_peer(peer, holdout)
        print(f"{peer.name}: NDCG@10 {ndcg:.4f} at {chosen} ({size} points, {seconds:.0f} s)", file=sys.stderr, flush=True)
        ours = reports[peer.pairs_with]
        ratio = ours.metrics[f"ndcg@{K}"] / ndcg
        best_peer = max(best_peer, (peer.name, ndcg), key=lambda p: p[1])
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in ours.params.items()
                           if k not in ("random_state", "num_threads", "ann_threshold"))
        rows.append([f"museion {ours.name}", f"{ours.metrics[f'ndcg@{K}']:.4f}",
                     f"{ours.search['trials']} trials, {ours.search['seconds']:.0f} s", params or "-",
                     peer.name, f"{ndcg:.4f}", f"{size} points, {seconds:.0f} s", chosen, f"{ratio:.3f}"])
        checks.append([f"museion {ours.name} ≥ 0.99 × {peer.name}", f"{ratio:.3f}", "met" if ratio >= 0.99 else "MISSED"])
    best = max(reports.values(), key=lambda r: r.metrics[f"ndcg@{K}"])
    ours_best = best.metrics[f"ndcg@{K}"]
    checks.append([f"best museion ({best.name}) ≥ best peer ({best_peer[0]})", f"{ours_best:.4f} vs {best_peer[1]:.4f} "
                   f"({ours_best / best_peer[1]:.3f}×)", "met" if ours_best >= best_peer[1] else "MISSED"])
    m = interactions.matrix
    context = (f"MovieLens latest-small, ratings ≥ 3, 5-core: {m.shape[0]} members × {m.shape[1]} works, {m.nnz} "
               f"positives; ratio-811 seed {SEED}: {len(split.train)}/{len(split.valid)}/{len(split.test)}; implicit "
               f"{implicit.__version__}; wall time {time.perf_counter() - started:.0f} s")
    header = ["model", "NDCG@10", "search (validation)", "chosen", "peer", "peer NDCG@10", "peer tuning",
              "peer chosen", "ratio"]
    for markdown in (False, True) if args.markdown else (False,):
        print("\n" + context + "\n")
        print(table(header, rows, markdown) + "\n")
        print(table(["target", "value", "status"], checks, markdown))
    return 0


if __name__ == "__main__":
    with threadpool_limits(1, "blas"):
        sys.exit(main())
