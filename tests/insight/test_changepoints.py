"""The changepoint test measured on generated series (labelled as such): Poisson demand with and without a level
shift in its recent periods. Detection is the share of shifted series whose most recent changepoint is recent and
significant (p < 0.01); false alarms the share of unshifted ones flagged. Growth z-scores are measured beside it."""

from __future__ import annotations

import numpy as np

from museion.insight.trends import CHANGE_P, assess, changepoint_test, growth_z

N, LENGTH, WINDOW = 120, 48, 3


def generated(shift: float, seed: int) -> tuple[np.ndarray, int]:
    """Monthly Poisson demand around 30 with a yearly wave; from a random recent month on, ``shift`` more."""
    rng = np.random.default_rng(seed)
    at = int(rng.integers(LENGTH - 10, LENGTH - 4))
    level = 30 * (1 + 0.15 * np.sin(np.arange(LENGTH) * 2 * np.pi / 12))
    level[at:] *= 1 + shift
    return rng.poisson(level).astype(float), at


def flagged(y: np.ndarray) -> bool:
    found = changepoint_test(y)
    return found is not None and found.p < CHANGE_P and found.index >= LENGTH - 4 * WINDOW


def test_a_recent_level_shift_is_detected_and_placed() -> None:
    shifted = [generated(1.0, seed) for seed in range(N)]  # demand doubles (measured 2026-11-30: 0.86; +60%: 0.74)
    hits = [flagged(y) for y, _ in shifted]
    placed = [abs(changepoint_test(y).index - at) <= 2 for (y, at), hit in zip(shifted, hits, strict=True) if hit]
    z_hits = [abs(growth_z(y, WINDOW)[1] or 0) >= 2 for y, _ in shifted]
    assert np.mean(hits) >= 0.8, f"detection {np.mean(hits):.2f}"
    assert np.mean(placed) >= 0.8, f"placed within 2 periods {np.mean(placed):.2f}"
    assert np.mean(hits) > np.mean(z_hits)  # the shift test sees what a 3-period growth z-score misses


def test_few_false_alarms_on_series_without_a_shift() -> None:
    alarms = [flagged(generated(0.0, 10_000 + seed)[0]) for seed in range(N)]  # measured: 0.07 (the yearly wave)
    assert np.mean(alarms) <= 0.1, f"false alarms {np.mean(alarms):.2f}"


def test_a_recent_significant_change_makes_a_trend_significant() -> None:
    y, _ = generated(0.8, 7)
    trend = assess("g", y[:-WINDOW], y[-WINDOW:], y[-WINDOW:], np.zeros(WINDOW), np.full(WINDOW, 1e6))
    assert trend.breaches == 0 and trend.changepoint_p is not None and trend.changepoint_p < CHANGE_P
    assert trend.significant and trend.shift > 0.4
