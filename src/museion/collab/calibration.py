"""Calibration of an AI's confidence from people's decisions: reliability-diagram bins, expected calibration error and
an isotonic recalibrator fitted on (confidence, accepted?) pairs.

Pure: arrays in, numbers and small frozen records out. A recalibrator is stored as its step points (JSON-able), so a
model version carries the one it was fitted with and the queue's policy can read an auto-act threshold off it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.errors import MuseionError

DEFAULT_BINS = 10


@dataclass(frozen=True, slots=True)
class Bin:
    """One bin of a reliability diagram: confidences in [lower, upper), how many, their mean and the share accepted."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"lower": self.lower, "upper": self.upper, "count": self.count,
                "mean_confidence": self.mean_confidence, "accuracy": self.accuracy}


def _pairs(confidence: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validated float arrays: confidences in [0, 1] and outcomes as 0/1, of equal length."""
    c = np.asarray(confidence, dtype=np.float64).reshape(-1)
    y = np.asarray(outcome, dtype=np.float64).reshape(-1)
    if c.shape != y.shape:
        raise MuseionError(f"{len(c)} confidences but {len(y)} outcomes: give one outcome per confidence")
    if c.size and (not np.all(np.isfinite(c)) or c.min() < 0 or c.max() > 1):
        raise MuseionError("confidences must be numbers between 0 and 1")
    if y.size and not np.all((y == 0) | (y == 1)):
        raise MuseionError("outcomes must be accepted (1/true) or not (0/false)")
    return c, y


def _bin_index(c: np.ndarray, bins: int) -> np.ndarray:
    if bins < 1:
        raise MuseionError(f"a reliability diagram needs at least one bin, not {bins}")
    return np.minimum((c * bins).astype(np.int64), bins - 1)  # 1.0 falls in the last bin


def reliability(confidence: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray,
                bins: int = DEFAULT_BINS) -> list[Bin]:
    """Equal-width reliability-diagram bins over [0, 1]; empty bins have no mean or accuracy."""
    c, y = _pairs(confidence, outcome)
    index = _bin_index(c, bins)
    counts = np.bincount(index, minlength=bins)
    sums = np.bincount(index, weights=c, minlength=bins)
    hits = np.bincount(index, weights=y, minlength=bins)
    return [Bin(lower=b / bins, upper=(b + 1) / bins, count=int(counts[b]),
                mean_confidence=float(sums[b] / counts[b]) if counts[b] else None,
                accuracy=float(hits[b] / counts[b]) if counts[b] else None) for b in range(bins)]


def expected_calibration_error(confidence: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray,
                               bins: int = DEFAULT_BINS) -> float:
    """ECE: the count-weighted mean gap between mean confidence and the share accepted, over the bins (0 when empty)."""
    table = reliability(confidence, outcome, bins)
    total = sum(b.count for b in table)
    if total == 0:
        return 0.0
    return float(sum(b.count * abs(b.mean_confidence - b.accuracy) for b in table if b.count) / total)  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class Recalibrator:
    """A monotone map from raw confidence to the share of such proposals people accepted (isotonic steps)."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    fitted_on: int

    def __call__(self, confidence: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Calibrated confidences, clipped to the fitted range (linear between the steps, as scikit-learn predicts)."""
        return np.clip(np.interp(np.asarray(confidence, dtype=np.float64), self.x, self.y), 0.0, 1.0)

    def threshold(self, target: float) -> float | None:
        """The lowest raw confidence whose calibrated value reaches ``target`` (None if none does): a candidate for
        a kind's auto-act threshold."""
        if not 0 < target <= 1:
            raise MuseionError(f"a target share accepted must be in (0, 1], not {target}")
        first = next((i for i, yi in enumerate(self.y) if yi >= target), None)
        if first is None:
            return None
        if first == 0 or self.y[first] == self.y[first - 1]:
            return float(self.x[first])
        x0, x1, y0, y1 = self.x[first - 1], self.x[first], self.y[first - 1], self.y[first]  # where the line meets it
        return float(x0 + (target - y0) * (x1 - x0) / (y1 - y0))

    def as_dict(self) -> dict[str, Any]:
        return {"x": list(self.x), "y": list(self.y), "fitted_on": self.fitted_on}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recalibrator:
        return cls(tuple(float(v) for v in data["x"]), tuple(float(v) for v in data["y"]), int(data["fitted_on"]))


IDENTITY = Recalibrator((0.0, 1.0), (0.0, 1.0), 0)
"""No recalibration: confidence as the model gave it."""


def fit_recalibrator(confidence: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray) -> Recalibrator:
    """Isotonic regression of accepted-or-not on confidence (increasing, in [0, 1]); needs both outcomes present."""
    c, y = _pairs(confidence, outcome)
    if c.size < 2 or y.min() == y.max():
        raise MuseionError("recalibration needs decisions with both outcomes (some accepted, some not); "
                           f"there are {c.size} decision(s), {int(y.sum())} accepted")
    # scikit-learn is imported where it is used: it takes seconds, which every command and server start would pay
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(c, y)
    return Recalibrator(tuple(float(v) for v in model.X_thresholds_), tuple(float(v) for v in model.y_thresholds_), int(c.size))
