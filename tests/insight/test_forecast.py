"""The forecast core: intervals, rolling-origin backtests with MASE and sMAPE, the honest per-series choice, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from museion.errors import MuseionError
from museion.insight.forecast import MODELS, backtest, forecast, mase_scale, min_length, smape

NAN = float("nan")


def seasonal(n: int, seed: int, trend: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.maximum(0, 100 + trend * t + 30 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, n))


def test_forecast_has_ordered_intervals_for_every_model() -> None:
    found = forecast({"a": seasonal(60, 1)}, horizon=4, season=12)
    assert set(found["a"]) == set(MODELS)
    for f in found["a"].values():
        assert f.mean.shape == (4,)
        assert np.all(f.lower[95] <= f.lower[80] + 1e-9) and np.all(f.lower[80] <= f.mean + 1e-9)
        assert np.all(f.mean <= f.upper[80] + 1e-9) and np.all(f.upper[80] <= f.upper[95] + 1e-9)
    assert found["a"]["SeasonalNaive"].mean.tolist() == pytest.approx(np.maximum(seasonal(60, 1)[48:52], 0).tolist())


def test_metrics() -> None:
    assert mase_scale(np.array([1.0, 2, 3, 4]), 1) == 1.0
    assert np.isnan(mase_scale(np.array([5.0, 5, 5]), 1))  # a flat history has no scale
    assert smape(np.array([0.0, 10]), np.array([0.0, 10])) == 0
    assert smape(np.array([10.0, NAN]), np.array([0.0, 3])) == 200  # the suppressed cell is not scored
    assert min_length(6, 8, 6) == 6 + 6 + 42


def test_backtest_scores_every_model_and_the_models_beat_seasonal_naive_on_a_trend() -> None:
    series = {"up": seasonal(96, 2, trend=2.0), "flat": seasonal(96, 3)}
    bt = backtest(series, horizon=6, origins=4, season=12, models=["AutoETS", "SeasonalNaive", "Naive"])
    assert bt.window_mase.shape == (2, 3, 4) and not np.isnan(bt.mase).any() and bt.season == 12
    up = bt.series.index("up")
    assert bt.mase[up, 0] < bt.mase[up, 1]  # ETS follows the trend that seasonal naive lags behind
    chosen, base = bt.honest()
    assert chosen[up] < base[up]
    summary = bt.summary()
    assert summary["choice_beats_baseline_share"] >= 0.5 and summary["baseline"] == "SeasonalNaive"
    row = bt.table()[up]
    assert row["chosen"] == bt.chosen[up] and set(row["mase"]) == {"AutoETS", "SeasonalNaive", "Naive"}
    assert bt.subset(["flat"]).series == ["flat"] and bt.fit_seconds > 0


def test_suppressed_targets_are_not_scored() -> None:
    y = seasonal(60, 4)
    targets = y.copy()
    targets[-6:] = NAN  # the last window wholly suppressed
    bt = backtest({"s": y}, horizon=6, origins=3, season=12, models=["Naive", "SeasonalNaive"], targets={"s": targets})
    assert np.isnan(bt.window_mase[0, :, -1]).all() and not np.isnan(bt.window_mase[0, :, 0]).any()


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(MuseionError, match="no series to forecast"):
        forecast({}, horizon=3, season=1)
    with pytest.raises(MuseionError, match="the series a is empty"):
        forecast({"a": np.array([])}, horizon=3, season=1)
    with pytest.raises(MuseionError, match="the horizon 12 is longer than the history of a \\(8 periods\\)"):
        forecast({"a": np.arange(8.0)}, horizon=12, season=1)
    with pytest.raises(MuseionError, match="too short to forecast: 3 periods"):
        forecast({"a": np.arange(3.0)}, horizon=2, season=1)
    with pytest.raises(MuseionError, match="needs at least 30"):
        backtest({"a": np.arange(20.0)}, horizon=6, origins=4, season=1)
    with pytest.raises(MuseionError, match="at least 2 origins"):
        backtest({"a": np.arange(40.0)}, horizon=6, origins=1, season=1)
    with pytest.raises(MuseionError, match="unknown model Prophet"):
        forecast({"a": np.arange(40.0)}, horizon=2, season=1, models=["Prophet"])
    with pytest.raises(MuseionError, match="missing values"):
        forecast({"a": np.array([1.0] * 10 + [NAN])}, horizon=2, season=1)
