"""Emerging trends and catalogue gaps from demand series (pure core).

A trend is a series whose recent ``window`` periods left the 95% prediction interval of a forecast made just before
them, or whose growth over that window is significant against its own history: the growth z-score compares the log
growth of the last window (recent mean against the window before) with every earlier window's growth of the same
series. A changepoint test says when the level moved and whether that is more than noise: PELT (``ruptures``) finds
the breaks of the mean of log(1 + y) with a penalty scaled to the series' own noise, and the most recent break is
tested by permutation (the likelihood-ratio statistic of one mean shift in the stretch since the break before, against the same
statistic over shuffles of that stretch, so searching for the split is paid for in the p-value). Every trend carries
the evidence a person can check: the baseline, the recent level, the change, the interval, the breaches and the
changepoint's p-value and size.
A catalogue gap is a group whose share of forecast demand outgrows its share of the catalogue's works.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from museion.errors import MuseionError

CHANGE_P = 0.01  # permutation p-value under which a recent changepoint counts as significant
PERMUTATIONS = 499
Z_SIGNIFICANT = 2.0  # |z| at which growth counts as significant against the series' own history
GAP_RATIO = 1.5  # demand share / supply share at which a group is reported as a catalogue gap


@dataclass(frozen=True, slots=True)
class Trend:
    """One series' recent movement, with its evidence."""

    group: str
    direction: str  # "up" or "down"
    score: float  # what the list is ranked by: the larger of |z| and the breach size in interval widths
    significant: bool  # |z| >= Z_SIGNIFICANT or at least one interval breach
    baseline: float  # mean of the window before the recent one
    recent: float  # mean of the recent window (published cells)
    change: float  # recent / baseline - 1 (None-like NaN when the baseline is 0)
    z: float | None  # growth z-score against the series' own history (None when too short)
    breaches: int  # recent periods outside the 95% interval
    breach_size: float  # largest distance outside the interval, in interval widths
    changepoint: int | None  # index (into the series) where the level most likely moved last
    changepoint_p: float | None  # its permutation p-value (None when the series is too short to test)
    shift: float | None  # mean after the changepoint / mean before it - 1
    lower: list[float]  # the 95% interval over the recent window
    upper: list[float]
    expected: list[float]  # the forecast over the recent window
    actual: list[float | None]

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in found.items()}


def growth_z(y: np.ndarray, window: int) -> tuple[float, float | None]:
    """(log growth of the last window over the one before, its z-score against every earlier window's growth)."""
    y = np.asarray(y, dtype=float)
    if window < 1 or len(y) < 2 * window:
        raise MuseionError("a growth test over %(window)s periods needs at least %(need)s periods, not %(n)s",
                           window=window, need=2 * window, n=len(y))
    means = np.convolve(y, np.ones(window) / window, mode="valid")  # means[i] = mean(y[i:i+window])
    growth = np.log1p(means[window:]) - np.log1p(means[:-window])
    last, history = float(growth[-1]), growth[:-window]  # earlier growths that do not overlap the last window
    if len(history) < 4 or float(np.std(history)) == 0:
        return last, None
    return last, float((last - np.mean(history)) / np.std(history))


@dataclass(frozen=True, slots=True)
class Changepoint:
    index: int  # first period of the new level
    p: float  # permutation p-value of the change in the stretch since the break before
    shift: float  # mean after / mean before - 1 (NaN when the mean before is 0)
    breaks: list[int]  # every break PELT found (the last one tested)


def _cusum_stat(x: np.ndarray, min_size: int) -> np.ndarray:
    """The likelihood-ratio statistic of one mean shift, per row of ``x`` (one stretch per row): the largest
    |CUSUM_k| / sqrt(k (n - k) / n) over admissible splits k, over the stretch's standard deviation. The weighting
    keeps power for a change near either end, where the plain CUSUM has little."""
    n = x.shape[-1]
    k = np.arange(min_size, n - min_size + 1)
    centred = x - x.mean(axis=-1, keepdims=True)
    sums = np.abs(np.cumsum(centred, axis=-1)[..., min_size - 1:n - min_size]) / np.sqrt(k * (n - k) / n)
    return sums.max(axis=-1) / np.maximum(x.std(axis=-1), 1e-9)


def changepoint_test(y: np.ndarray, *, min_size: int = 3, permutations: int = PERMUTATIONS,
                     seed: int = 0) -> Changepoint | None:
    """The most recent change of level and its permutation p-value (see the module), or None when too short."""
    import ruptures

    raw = np.asarray(y, dtype=float)
    if len(raw) < 2 * min_size:
        return None
    z = np.log1p(np.maximum(raw, 0))
    noise = float(np.median(np.abs(np.diff(z) - np.median(np.diff(z))))) / 0.6745 / np.sqrt(2)  # robust sigma
    noise = noise if noise > 0 else max(float(np.std(z)), 1e-6)
    breaks = ruptures.Pelt(model="l2", min_size=min_size, jump=1).fit(z).predict(pen=2 * noise ** 2 * np.log(len(z)))[:-1]
    start = breaks[-2] if len(breaks) >= 2 else 0
    stretch = z[start:]
    if len(stretch) < 2 * min_size:
        return None
    if breaks:
        index = breaks[-1]
    else:  # no break pays its penalty: the best single split, tested all the same
        index = start + int(np.argmax(np.abs(np.cumsum(stretch - stretch.mean())[min_size - 1:len(stretch) - min_size]))) + min_size
    observed = float(_cusum_stat(stretch, min_size))
    shuffled = np.random.default_rng(seed).permuted(np.tile(stretch, (permutations, 1)), axis=1)
    p = (1 + int(np.sum(_cusum_stat(shuffled, min_size) >= observed - 1e-12))) / (1 + permutations)
    before, after = float(np.mean(raw[start:index])), float(np.mean(raw[index:]))
    return Changepoint(int(index), round(p, 4), after / before - 1 if before > 0 else float("nan"), [int(b) for b in breaks])


def breaches(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[int, float, int]:
    """(periods outside the interval, the largest distance outside it in interval widths, +1 above / -1 below / 0)."""
    actual = np.asarray(actual, dtype=float)
    width = np.maximum(np.asarray(upper) - np.asarray(lower), 1e-9)
    above = np.where(~np.isnan(actual), (actual - upper) / width, -np.inf)
    below = np.where(~np.isnan(actual), (lower - actual) / width, -np.inf)
    n = int(np.sum(above > 0) + np.sum(below > 0))
    size = float(max(above.max(initial=-np.inf), below.max(initial=-np.inf), 0.0))
    side = 0 if n == 0 else (1 if above.max(initial=-np.inf) >= below.max(initial=-np.inf) else -1)
    return n, size, side


def assess(group: str, history: np.ndarray, recent: np.ndarray, expected: np.ndarray, lower: np.ndarray,
           upper: np.ndarray) -> Trend:
    """One series' trend evidence: ``history`` before the recent window, the recent published values (NaN where
    suppressed) and the forecast with its 95% interval made at the end of ``history``."""
    window = len(recent)
    whole = np.concatenate([history, np.where(np.isnan(recent), expected, recent)])
    growth, z = growth_z(whole, window)
    n, size, side = breaches(recent, lower, upper)
    base = float(np.mean(history[-window:]))
    now = float(np.nanmean(recent)) if (~np.isnan(recent)).any() else float("nan")
    direction = "up" if (side > 0 or (side == 0 and growth >= 0)) else "down"
    change = changepoint_test(whole)
    recent_change = change is not None and change.p < CHANGE_P and change.index >= len(whole) - 4 * window
    score = max(abs(z) if z is not None else 0.0, size, -np.log10(change.p) if recent_change else 0.0)
    return Trend(group, direction, round(score, 4), (z is not None and abs(z) >= Z_SIGNIFICANT) or n > 0 or recent_change,
                 round(base, 4), round(now, 4), round(now / base - 1, 4) if base > 0 else float("nan"),
                 None if z is None else round(z, 4), n, round(size, 4), None if change is None else change.index,
                 None if change is None else change.p,
                 None if change is None or not np.isfinite(change.shift) else round(change.shift, 4),
                 [round(float(v), 4) for v in lower], [round(float(v), 4) for v in upper],
                 [round(float(v), 4) for v in expected], [None if np.isnan(v) else float(v) for v in recent])


def rank(trends: Sequence[Trend], *, only_significant: bool = False, direction: str | None = None) -> list[Trend]:
    """Most striking first: significant before not, then by score; optionally one direction only."""
    kept = [t for t in trends if (not only_significant or t.significant) and (direction is None or t.direction == direction)]
    return sorted(kept, key=lambda t: (not t.significant, -t.score, t.group))


@dataclass(frozen=True, slots=True)
class Gap:
    """A group whose forecast demand outgrows its share of the catalogue."""

    group: str
    demand_share: float  # of the forecast demand over the horizon, across groups
    supply_share: float  # of the catalogue's works, across groups
    ratio: float  # demand_share / supply_share
    growth: float  # forecast / recent demand - 1
    works: int

    def as_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in asdict(self).items()}


def gaps(groups: Sequence[str], recent: np.ndarray, forecast: np.ndarray, works: np.ndarray, *,
         ratio: float = GAP_RATIO, all_works: float | None = None) -> list[Gap]:
    """Groups whose share of forecast demand is at least ``ratio`` times their share of works, largest ratio first.
    ``all_works`` counts the works of every group (also those not forecast); default: the works of ``groups``."""
    recent, forecast, works = (np.asarray(a, dtype=float) for a in (recent, forecast, works))
    supply_total = float(all_works) if all_works is not None else float(works.sum())
    if not len(groups) or forecast.sum() <= 0 or supply_total <= 0:
        return []
    demand_share, supply_share = forecast / forecast.sum(), works / supply_total
    found = []
    for i, group in enumerate(groups):
        r = demand_share[i] / supply_share[i] if supply_share[i] > 0 else float("inf")
        if r >= ratio:
            growth = forecast[i] / recent[i] - 1 if recent[i] > 0 else float("nan")
            found.append(Gap(group, round(float(demand_share[i]), 4), round(float(supply_share[i]), 4),
                             round(float(r), 4) if np.isfinite(r) else float("inf"),
                             round(float(growth), 4) if np.isfinite(growth) else float("nan"), int(works[i])))
    return sorted(found, key=lambda g: (-g.ratio, g.group))
