"""Demand forecasts: rolling-origin backtests of AutoETS, AutoTheta, AutoARIMA and Naive beside SeasonalNaive, the
per-series model choice against SeasonalNaive, and statsforecast's own fit time beside Museion's end-to-end time.

    .venv/bin/python benchmarks/insight_bench.py [--horizon 6] [--origins 8] [--tate-top 12]

Real data only, loaded into a fresh SQLite store the way `museion datasets load` does: ml-latest-small ratings as
monthly demand per genre (1996-03 to 2018-09), read through the privacy gate (purpose analytics, cells describing
fewer than 5 members suppressed; series with more than half their cells suppressed are not modelled), and the Tate
collection's acquisitions per year by medium (the main material of the free-text medium; public catalogue counts).
Each model is refitted at ``--origins`` rolling origins ``--horizon`` periods apart and scored on the next
``--horizon`` periods: MASE (scaled by the in-sample seasonal-naive error up to the origin) and sMAPE, on published
cells only. "Choice" picks, for each series and origin, the model with the lowest MASE on the earlier origins and is
scored on that origin (so the choice is never scored on the data it was chosen on); SeasonalNaive is scored on the same
origins. Museion's end-to-end time includes the gate read, preparation, the backtest and the final forecast with
intervals; statsforecast's time is its own cross_validation and forecast calls within it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.insight.forecasting import run_forecast
from museion.store.engine import make_engine
from museion.store.migrate import upgrade

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load(url: str, names: list[str]) -> Any:
    engine = make_engine(url)
    upgrade(engine)
    for name in names:
        dataset = get_dataset(name)
        started = time.perf_counter()
        load_dataset(engine, dataset, dataset.locate(DATA), actor="bench")
        print(f"loaded {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return engine


def report(title: str, result: dict[str, Any]) -> None:
    print(f"\n### {title}\n")
    t = result["timings"]
    n = {level: s["series"] for level, s in result["levels"].items()}
    print(f"{result['origins']} origins x horizon {result['horizon']} (step {result['step']}), seasonal period "
          f"{result['season']}; series modelled per level: {n}; not modelled: {len(result['skipped'])} "
          f"({', '.join(sorted(result['skipped']))})\n")
    print("| level | model | mean MASE | median MASE | median MASE / SeasonalNaive | mean sMAPE |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for level, s in result["levels"].items():
        base = s["models"]["SeasonalNaive"]["mase_median"]
        for model, m in s["models"].items():
            ratio = f"{m['mase_median'] / base:.2f}" if base and m["mase_median"] is not None else "–"
            print(f"| {level} | {model} | {m['mase_mean']:.3f} | {m['mase_median']:.3f} | {ratio} | {m['smape_mean']:.1f} |")
        share = s["choice_beats_baseline_share"]
        print(f"| {level} | **per-series choice** (chosen on earlier origins) | | {s['choice_mase_median']:.3f} | "
              f"{s['choice_mase_median'] / s['baseline_mase_median']:.2f} | beats SeasonalNaive on **{share:.0%}** of "
              f"{s['series']} series (SeasonalNaive median on the same origins {s['baseline_mase_median']:.3f}) |")
    print(f"\nTime: gate/catalogue read {t['read_seconds']:.2f} s; statsforecast (backtest refits + final forecast) "
          f"{t['statsforecast_seconds']:.1f} s; Museion end to end {t['total_seconds']:.1f} s "
          f"(x{t['total_seconds'] / t['statsforecast_seconds']:.2f} of statsforecast's own time).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--tate-top", type=int, default=12, help="Tate: the mediums with the most acquisitions.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = load(f"sqlite:///{folder}/bench.db", ["movielens-latest-small", "tate"])
        movielens = run_forecast(engine, "bench", by="genre", period="month", top=None, horizon=args.horizon,
                                 origins=args.origins, source="movielens")
        report("ml-latest-small: monthly ratings per genre (through the gate)", movielens)
        tate = run_forecast(engine, "bench", measure="acquisitions", by="medium", period="year", top=args.tate_top,
                            horizon=args.horizon, origins=args.origins, source="tate")
        report(f"Tate: acquisitions per year by medium (top {args.tate_top} mediums)", tate)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
