"""Issue 14, second part: hierarchical reconciliation, demand by member segment, complementary suppression, the
differentially private release, and the changepoint test — each beside the floor it must beat, in the same run.

    .venv/bin/python benchmarks/insight_hier_bench.py [--horizon 6] [--origins 8] [--epsilon 1.0]

Real data: ml-latest-small ratings as monthly demand, loaded into a fresh SQLite store the way `museion datasets load`
does, read through the privacy gate (purpose analytics, k = 5). Generated data (labelled): the changepoint series.

1. Reconciliation (groups -> total, AutoETS base forecasts at every rolling origin): mean MASE per level for the base
   forecasts (the floor) and BottomUp, MinTrace(ols), MinTrace(wls_struct) (hierarchicalforecast), by release decade
   of the film (era) and by member segment (k-means on genre mix). The choice is used only where it beats the base.
2. Suppression: cells suppressed by the k rule (primary) and added so no cell follows from its period's total
   (secondary), per grouping.
3. DP release at ``--epsilon``: noise scale and error bound, and the sMAPE of forecasts fitted on the released series
   beside forecasts fitted on the k-suppressed series (the floor: no noise), both scored against the published values.
4. Changepoints on generated Poisson series (48 months, yearly wave, level shift in the last 4-10 months): detection
   and false alarms of the PELT + permutation test beside the growth z-score (|z| >= 2) on the same series.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from insight_bench import load  # noqa: E402  (the same loading as the first insight benchmark)

from museion.insight.demand import demand_series, dp_demand_series  # noqa: E402
from museion.insight.forecast import backtest, min_length  # noqa: E402
from museion.insight.forecasting import prepare, run_forecast  # noqa: E402
from museion.insight.series import season_length  # noqa: E402
from museion.insight.trends import CHANGE_P, changepoint_test, growth_z  # noqa: E402
from museion.privacy.releases import set_budget  # noqa: E402

MODELS = ("AutoETS", "AutoTheta", "SeasonalNaive", "Naive")


def reconciliation(engine: object, by: str, horizon: int, origins: int) -> None:
    started = time.perf_counter()
    result = run_forecast(engine, "bench", by=by, horizon=horizon, origins=origins, models=("AutoETS", "SeasonalNaive"),
                          source="movielens", reconcile=True)
    rc = result["reconciliation"]
    base = rc["mase"]["base"]
    print(f"\n#### {by} -> total ({len(result['periods'])} months, {rc['groups']} groups, {rc['origins']} origins x "
          f"horizon {rc['horizon']}; {time.perf_counter() - started:.1f} s)\n")
    print("| method | MASE groups | MASE total | groups vs base | total vs base |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for method, levels in rc["mase"].items():
        mark = " (chosen)" if method == rc["chosen"] else ""
        print(f"| {method}{mark} | {levels['groups']:.3f} | {levels['total']:.3f} | {levels['groups'] / base['groups']:.3f} | "
              f"{levels['total'] / base['total']:.3f} |")
    print(f"\nChosen: {rc['chosen']}" + (" (no method beat the base forecasts: they are kept)" if rc["chosen"] == "base" else ""))


def suppression(engine: object) -> None:
    print("\n### Small-cell suppression: primary (under 5 members) and secondary (complementary)\n")
    print("| grouping | groups | months | cells | primary | secondary | published |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    from museion.privacy.demand import demand_cells
    from museion.insight.groups import work_groups

    with engine.begin() as conn:  # type: ignore[attr-defined]
        for by in ("genre", "era", "work"):
            cells = demand_cells(conn, actor="bench", groups=work_groups(conn, by), source="movielens")
            n = cells.counts.size
            print(f"| {by} | {len(cells.groups)} | {len(cells.periods)} | {n:,} | {cells.suppressed - cells.secondary:,} | "
                  f"{cells.secondary:,} | {int((~np.isnan(cells.counts)).sum()):,} |")


def dp_release(engine: object, epsilon: float, horizon: int, origins: int) -> None:
    """Forecasts fitted on the DP release and on the k-suppressed series, both scored against the k-suppressed
    (published) values of the same genres and origins: sMAPE, scale-free (MASE's scale would come from each input)."""
    with engine.begin() as conn:  # type: ignore[attr-defined]
        set_budget(conn, "movielens", 10.0)
    true = demand_series(engine, "bench", "genre", source="movielens")  # type: ignore[arg-type]
    released = dp_demand_series(engine, "bench", "genre", epsilon=epsilon, source="movielens")  # type: ignore[arg-type]
    assert released.periods == true.periods, "the release spans the same months"
    need = min_length(horizon, origins, horizon)
    inputs, targets, offsets, _ = prepare(true, need)
    noisy = {g: np.maximum(released.row(g)[offsets[g]:], 0.0) for g in inputs}
    season = season_length("month", min(len(y) for y in inputs.values()) - horizon * origins)
    runs = {name: backtest(series, horizon=horizon, origins=origins, season=season, models=MODELS, targets=targets)
            for name, series in (("k-suppressed (floor: no noise)", inputs), (f"DP release, epsilon {epsilon:g}", noisy))}
    dp = released.dp or {}
    print(f"\n### Differentially private release of monthly demand per genre (epsilon {epsilon:g})\n")
    print(f"Noise: discrete Laplace, scale {dp['scale']:.1f} per cell; 95% error bound ±{dp['error_bound']:.1f}; at most "
          f"{dp['max_contributions']} rows per member; median published genre-month "
          f"{np.nanmedian(true.values[true.values > 0]):.0f} events. Scored on the {len(inputs)} genres the k-suppressed "
          f"series can model, against their published values.\n")
    print("| fitted on | " + " | ".join(f"{m} sMAPE" for m in MODELS) + " |")
    print("| --- |" + " ---: |" * len(MODELS))
    floor = next(iter(runs.values())).summary()["models"]
    for name, bt in runs.items():
        models = bt.summary()["models"]
        print(f"| {name} | " + " | ".join(f"{models[m]['smape_mean']:.1f} ({models[m]['smape_mean'] / floor[m]['smape_mean']:.2f}x)"
                                          for m in MODELS) + " |")


def changepoints(n: int = 200) -> None:
    print(f"\n### Changepoints on generated series ({n} per row; labelled generated)\n")
    print("| level shift | PELT + permutation (p < 0.01, recent) | growth z-score (|z| >= 2, window 3) | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    for shift in (0.0, 0.3, 0.6, 1.0):
        hits, z_hits = [], []
        for seed in range(n):
            rng = np.random.default_rng(seed + int(shift * 1000) * 7919)
            at = int(rng.integers(38, 44))
            level = 30 * (1 + 0.15 * np.sin(np.arange(48) * 2 * np.pi / 12))
            level[at:] *= 1 + shift
            y = rng.poisson(level).astype(float)
            found = changepoint_test(y)
            hits.append(found is not None and found.p < CHANGE_P and found.index >= 48 - 12)
            z_hits.append(abs(growth_z(y, 3)[1] or 0.0) >= 2)
        label = "none (false alarms)" if shift == 0 else f"+{shift:.0%}"
        ratio = f"{np.mean(hits) / np.mean(z_hits):.1f}" if np.mean(z_hits) else "–"
        print(f"| {label} | {np.mean(hits):.2f} | {np.mean(z_hits):.2f} | {ratio} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--epsilon", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = load(f"sqlite:///{folder}/bench.db", ["movielens-latest-small"])
        print("### Hierarchical reconciliation on ml-latest-small monthly demand (mean MASE per level, AutoETS base)")
        for by in ("era", "segment"):
            reconciliation(engine, by, args.horizon, args.origins)
        suppression(engine)
        dp_release(engine, args.epsilon, args.horizon, args.origins)
        engine.dispose()
    changepoints()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
